"""Every SoQL clause, good and bad, through /api/v1/datasets/{id}/rows on the payments dataset.

Expected answers are computed in Python from the same rows the dataset was loaded from, so a
clause that DuckDB ran differently from what SoQL means fails here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.query.conftest import payment_rows

ROWS = payment_rows()


def amount(row: dict[str, Any]) -> float | None:
    return float(row["amount"]) if row["amount"] else None


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]


def rows_of(client: TestClient, ref: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/datasets/{ref}/rows", params={"$limit": 1000, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(client: TestClient, ref: str, **params: Any) -> str:
    response = client.get(f"/api/v1/datasets/{ref}/rows", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail: str = response.json()["detail"]
    return detail


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


WHERE_CASES: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
    ("amount > 5000", lambda r: (amount(r) or 0) > 5000),
    (
        "amount >= 5000 AND town = 'Hartford'",
        lambda r: (amount(r) or 0) >= 5000 and r["town"] == "Hartford",
    ),
    ("town = 'Hartford' OR town = 'Stamford'", lambda r: r["town"] in ("Hartford", "Stamford")),
    ("NOT town = 'Hartford'", lambda r: r["town"] != "Hartford"),
    ("town != 'Hartford'", lambda r: r["town"] != "Hartford"),
    ("town <> 'Hartford'", lambda r: r["town"] != "Hartford"),
    ("town IN ('Norwich', 'O''Fallon')", lambda r: r["town"] in ("Norwich", "O'Fallon")),
    ("town NOT IN ('Norwich')", lambda r: r["town"] != "Norwich"),
    ("id BETWEEN 10 AND 20", lambda r: 10 <= r["id"] <= 20),
    ("id NOT BETWEEN 10 AND 190", lambda r: not 10 <= r["id"] <= 190),
    ("note LIKE 'payment number 1%'", lambda r: r["note"].startswith("payment number 1")),
    ("note NOT LIKE '%5'", lambda r: bool(r["note"]) and not r["note"].endswith("5")),
    ("starts_with(town, 'New')", lambda r: r["town"].startswith("New")),
    ("contains(upper(note), 'NUMBER 1')", lambda r: "number 1" in (r["note"] or "")),
    ("note IS NULL", lambda r: not r["note"]),
    ("note IS NOT NULL AND amount IS NULL", lambda r: bool(r["note"]) and amount(r) is None),
    ("paid_date >= '2024-01-01'", lambda r: r["paid_date"] >= "2024-01-01"),
    ("paid_date < '2023-06-01T00:00:00.000'", lambda r: r["paid_date"] < "2023-06-01"),
    (
        "paid_date BETWEEN '2023-03-01' AND '2023-03-31'",
        lambda r: "2023-03-01" <= r["paid_date"] <= "2023-03-31",
    ),
    ("amount > '9000.5'", lambda r: (amount(r) or 0) > 9000.5),
    ("amount < 100.25 + 1", lambda r: amount(r) is not None and amount(r) < 101.25),  # type: ignore[operator]
    ("-id < -195", lambda r: -r["id"] < -195),
    ("active = true", lambda r: r["active"] == "true"),
    ("active = 'false'", lambda r: r["active"] == "false"),
    ("upper(town) = 'HARTFORD'", lambda r: r["town"] == "Hartford"),
    (
        "lower(category) = 'grant' and (id < 50 or id > 150)",
        lambda r: r["category"] == "grant" and (r["id"] < 50 or r["id"] > 150),
    ),
    ('`town` = "Hartford"', lambda r: r["town"] == "Hartford"),
    (
        "within_circle(location, 41.5, -72.7, 30000)",
        lambda r: (
            bool(r["latitude"])
            and distance_m(41.5, -72.7, float(r["latitude"]), float(r["longitude"])) <= 30000
        ),
    ),
    (
        "within_circle(latitude, longitude, 41.5, -72.7, 30000)",
        lambda r: (
            bool(r["latitude"])
            and distance_m(41.5, -72.7, float(r["latitude"]), float(r["longitude"])) <= 30000
        ),
    ),
]


@pytest.mark.parametrize(("where", "expected"), WHERE_CASES, ids=[c[0] for c in WHERE_CASES])
def test_where_selects_the_rows_soql_means(
    shared: tuple[TestClient, str], where: str, expected: Callable[[dict[str, Any]], bool]
) -> None:
    client, ref = shared
    body = rows_of(client, ref, **{"$where": where, "$order": "id"})
    wanted = [r["id"] for r in ROWS if expected(r)]
    assert wanted, "a case that selects nothing proves little"
    assert ids(body["rows"]) == wanted
    assert body["total"] == len(wanted)


def test_column_filters_and_full_text_search(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    body = rows_of(client, ref, town="Norwich", category="grant", **{"$order": "id"})
    assert ids(body["rows"]) == [
        r["id"] for r in ROWS if r["town"] == "Norwich" and r["category"] == "grant"
    ]
    body = rows_of(client, ref, active="false", **{"$order": "id"})
    assert ids(body["rows"]) == [r["id"] for r in ROWS if r["active"] == "false"]
    # $q: every word in some text column, case ignored; the masked ssn is never searched.
    body = rows_of(client, ref, **{"$q": "NUMBER 17", "$order": "id"})
    assert ids(body["rows"]) == [r["id"] for r in ROWS if r["note"] and "17" in r["note"]]
    assert rows_of(client, ref, **{"$q": "117-"})["total"] == 0


def test_select_aliases_functions_and_date_truncation(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    body = rows_of(
        client,
        ref,
        **{
            "$select": "id, upper(town) AS town_upper, lower(category), date_trunc_ym(paid_date) AS month, date_trunc_y(paid_date), date_trunc_ymd(paid_date) as day, amount * 2 AS doubled",
            "$where": "id = 7",
        },
    )
    [row] = body["rows"]
    source = ROWS[6]
    assert [f["name"] for f in body["fields"]] == [
        "id", "town_upper", "lower_category", "month", "date_trunc_y_paid_date", "day", "doubled"
    ]  # fmt: skip
    assert row["town_upper"] == source["town"].upper()
    assert row["lower_category"] == source["category"]
    paid = date.fromisoformat(source["paid_date"])
    assert row["month"].startswith(paid.replace(day=1).isoformat())
    assert row["date_trunc_y_paid_date"].startswith(f"{paid.year}-01-01")
    assert row["day"].startswith(paid.isoformat())
    assert row["doubled"] == pytest.approx(float(source["amount"]) * 2)


def test_aggregates_group_having_and_order(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    body = rows_of(
        client,
        ref,
        **{
            "$select": "town, count(*) AS n, sum(amount) AS total, avg(amount), min(id), max(id), count(note), count(distinct category) AS kinds",
            "$group": "town",
            "$having": "count(*) >= 28",
            "$order": "n DESC, town",
        },
    )
    counts = Counter(r["town"] for r in ROWS)
    expected_towns = sorted((t for t in counts if counts[t] >= 28), key=lambda t: (-counts[t], t))
    assert [r["town"] for r in body["rows"]] == expected_towns
    assert body["total"] == len(expected_towns)
    first = body["rows"][0]
    mine = [r for r in ROWS if r["town"] == first["town"]]
    paid = [float(r["amount"]) for r in mine if r["amount"]]
    assert first["n"] == len(mine)
    assert first["total"] == pytest.approx(sum(paid))
    assert first["avg_amount"] == pytest.approx(sum(paid) / len(paid))
    assert first["min_id"] == min(r["id"] for r in mine)
    assert first["max_id"] == max(r["id"] for r in mine)
    assert first["count_note"] == sum(1 for r in mine if r["note"])
    assert first["kinds"] == len({r["category"] for r in mine})
    # An aggregate without $group is one row; $having may use an alias from $select.
    [everything] = rows_of(client, ref, **{"$select": "count(*)"})["rows"]
    assert everything["count"] == len(ROWS)
    by_alias = rows_of(
        client,
        ref,
        **{"$select": "category, count(*) AS n", "$group": "category", "$having": "n > 66"},
    )
    assert {r["category"] for r in by_alias["rows"]} == {
        c for c, n in Counter(r["category"] for r in ROWS).items() if n > 66
    }
    by_month = rows_of(
        client,
        ref,
        **{
            "$select": "date_trunc_ym(paid_date) AS month, count(*)",
            "$group": "date_trunc_ym(paid_date)",
            "$order": "month",
        },
    )
    assert sum(r["count"] for r in by_month["rows"]) == len(ROWS)


def test_order_limit_offset_and_nulls_last(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    body = rows_of(client, ref, **{"$order": "amount DESC, id", "$limit": 5, "$offset": 2})
    ordered = sorted(ROWS, key=lambda r: (amount(r) is None, -(amount(r) or 0), r["id"]))
    assert ids(body["rows"]) == ids(ordered[2:7])
    ascending = rows_of(client, ref, **{"$order": "amount", "$limit": 1000})
    assert [r["amount"] for r in ascending["rows"][-4:]] == [None] * 4  # nulls sort last
    assert rows_of(client, ref, **{"$limit": 0})["rows"] == []


def test_keyset_pages_walk_every_row_once_in_order(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    seen: list[int] = []
    url: str | None = f"/api/v1/datasets/{ref}/rows?$order=town DESC,amount&$limit=23"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += ids(body["rows"])
        url = body["next"]
        pages += 1
        assert pages < 20
    ordered = sorted(ROWS, key=lambda r: (r["id"],))
    ordered = sorted(ordered, key=lambda r: (amount(r) is None, amount(r) or 0))
    ordered = sorted(ordered, key=lambda r: r["town"], reverse=True)
    assert seen == ids(ordered)
    # Without $order the cursor pages by position; the pages still cover every row once.
    seen, url = [], f"/api/v1/datasets/{ref}/rows?$limit=64"
    while url:
        body = client.get(url).json()
        seen += ids(body["rows"])
        url = body["next"]
    assert sorted(seen) == [r["id"] for r in ROWS]


BAD_CASES: list[tuple[dict[str, str], str]] = [
    ({"$where": "amount >"}, "$where: cannot read"),
    ({"$where": "nonesuch = 1"}, "$where: 'nonesuch' at character 1 is not a column"),
    ({"$where": "town = 'Hartford' AND bogus > 2"}, "at character 23"),
    ({"$where": "ssn = '101-11-1001'"}, "masked column"),
    ({"$where": "id = 1; DROP TABLE x"}, "$where: must be one expression, not 2 statements"),
    ({"$where": "id IN (SELECT 1)"}, "$where:"),
    ({"$where": "read_csv('/etc/passwd') IS NULL"}, "is not a SoQL function"),
    ({"$where": "town = 'unterminated"}, "$where:"),
    ({"$where": "paid_date > 'yesterday'"}, "is not a date value"),
    ({"$where": "amount > 'lots'"}, "is not a double value"),
    ({"$where": "active = 'maybe'"}, "is not a boolean value"),
    ({"$where": "count(*) > 1"}, "is an aggregate; $where cannot use count()"),
    ({"$where": "town LIKE town"}, "needs a quoted pattern"),
    ({"$where": "contains(town, town)"}, "needs quoted text as its second argument"),
    ({"$where": "starts_with(town, 1)"}, "needs quoted text as its second argument"),
    ({"$where": "within_circle(location, 95, 0, 10)"}, "latitude in -90..90"),
    ({"$where": "within_circle(location, 41)"}, "takes (location"),
    ({"$where": "t.town = 'x'"}, "names a table"),
    ({"$where": "x" * 4001}, "the limit is 4000"),
    ({"$select": "town, nonesuch"}, "'nonesuch' at character 7 is not a column"),
    ({"$select": "sum(*)"}, "sum(*) is not allowed"),
    ({"$select": "town FROM other"}, "must be a list of columns"),
    ({"$select": "sum(count(*))"}, "nests one aggregate inside another"),
    ({"$select": "version()"}, "is not a SoQL function"),
    ({"$select": "sum(town)"}, "cannot run on this dataset"),
    ({"$order": "nonesuch DESC"}, "$order: 'nonesuch' at character 1"),
    ({"$order": "town; DELETE"}, "$order:"),
    ({"$group": "town", "$select": "town, id"}, "cannot run on this dataset"),
    ({"$group": "nonesuch"}, "$group: 'nonesuch'"),
    ({"$order": "1"}, "$order: '1' is a constant; name a column"),
    ({"$order": "town, 'x' DESC"}, "$order: \"'x'\" is a constant"),
    ({"$group": "2", "$select": "count(*)"}, "$group: '2' is a constant"),
    ({"$limit": "9223372036854775808"}, "$limit: 9223372036854775808 must be between 0 and"),
    ({"$offset": "99999999999999999999"}, "$offset: 99999999999999999999 is past any table"),
    ({"$group": "count(*)"}, "is an aggregate; $group cannot use count()"),
    ({"$having": "count(*) > 1"}, "$having: needs $group"),
    ({"$having": "nonesuch > 1", "$group": "town", "$select": "town"}, "$having: 'nonesuch'"),
    ({"$limit": "ten"}, "$limit: 'ten' is not a whole number"),
    ({"$limit": "-1"}, "$limit: -1 must be between 0 and"),
    ({"$limit": "50001"}, "$limit: 50001 must be between 0 and 50000"),
    ({"$offset": "-3"}, "$offset: -3 must not be negative"),
    ({"$offset": "x"}, "$offset: 'x' is not a whole number"),
    ({"$bogus": "1"}, "$bogus: is not a SoQL parameter"),
    ({"nonesuch": "1"}, "nonesuch: is not a column of this dataset"),
    ({"id": "one"}, "id: 'one' is not a bigint value"),
    ({"ssn": "101-11-1001"}, "ssn: is a masked column"),
    ({"cursor": "not-a-cursor"}, "cursor:"),
    ({"version": "0"}, "version: 0 must be 1 or more"),
]


@pytest.mark.parametrize(("params", "message"), BAD_CASES, ids=[str(c[0])[:60] for c in BAD_CASES])
def test_bad_clauses_are_400s_that_name_the_problem(
    shared: tuple[TestClient, str], params: dict[str, str], message: str
) -> None:
    client, ref = shared
    assert message in refused(client, ref, **params)


def test_a_cursor_only_fits_the_query_it_came_from(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    first = client.get(f"/api/v1/datasets/{ref}/rows?$order=id&$limit=10").json()
    cursor = first["next"].split("cursor=")[1]
    other = client.get(f"/api/v1/datasets/{ref}/rows?$order=town&$limit=10&cursor={cursor}")
    assert other.status_code == 400
    assert "belongs to another query" in other.json()["detail"]


def test_a_version_that_does_not_exist_is_404(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    response = client.get(f"/api/v1/datasets/{ref}/rows?version=9")
    assert response.status_code == 404
    assert "no version 9" in response.json()["detail"]
