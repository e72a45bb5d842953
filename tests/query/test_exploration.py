"""The dataset page's explorer: plain-link filtering, sorting and paging, column summaries, the
chart builder, the map's data, API examples, and usage counts for stewards."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from tests.factories import make_user, sign_in
from tests.query.conftest import HEADER, payment_rows, publish_payments

ROWS = payment_rows()
SHOWN = [c for c in HEADER if c != "ssn"]


def table_rows(page: str) -> list[dict[str, str]]:
    """The explorer table's rows, read from the HTML as a person would see them."""
    body = page.split('id="explore-caption"', 1)[1].split("</table>", 1)[0]
    tbody = body.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c))
            for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        rows.append(dict(zip(HEADER, cells, strict=True)))
    return rows


def link(page: str, label: str) -> str:
    match = re.search(rf'<a href="([^"]+)"(?: rel="\w+")?>{label}</a>', page)
    assert match, f"no link {label!r}"
    return html.unescape(match.group(1))


def chart_values(page: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The spec in the page and its rows (Altair keeps inline rows in the spec's datasets)."""
    spec = json.loads(page.split('id="chart-spec">', 1)[1].split("</script>", 1)[0])
    data = spec["data"]
    return spec, data["values"] if "values" in data else spec["datasets"][data["name"]]


def amount(row: dict[str, Any]) -> float | None:
    return float(row["amount"]) if row["amount"] else None


def test_filters_sort_and_pages_work_with_plain_links(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    page = client.get(
        f"/datasets/{ref}",
        params={"fc": "town", "fo": "eq", "fv": "Norwich", "sort": "-amount", "size": 10},
    )
    assert page.status_code == 200
    wanted = sorted(
        (r for r in ROWS if r["town"] == "Norwich"),
        key=lambda r: (amount(r) is None, -(amount(r) or 0), r["id"]),
    )
    shown = table_rows(page.text)
    assert [int(r["id"]) for r in shown] == [r["id"] for r in wanted[:10]]
    assert {r["ssn"] for r in shown} == {"masked"}
    assert f"Rows 1 to 10 of {len(wanted)} matching, sorted by amount descending" in page.text
    assert 'aria-sort="descending"' in page.text
    # The "Next" link is a plain link that keeps the filter and the sort.
    second = client.get(link(page.text, "Next"))
    assert [int(r["id"]) for r in table_rows(second.text)] == [r["id"] for r in wanted[10:20]]
    # A header link sorts by that column; the sorted column's link flips the direction.
    by_id = client.get(link(second.text, "id"))
    assert [int(r["id"]) for r in table_rows(by_id.text)] == sorted(r["id"] for r in wanted)[:10]
    flipped = client.get(link(by_id.text, "id ▲"))
    assert next(int(r["id"]) for r in table_rows(flipped.text)) == max(r["id"] for r in wanted)


def test_the_filter_form_adds_to_the_filters_it_carries(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    first = client.get(f"/datasets/{ref}", params={"fc": "category", "fo": "eq", "fv": "grant"})
    form = first.text.split('aria-label="Filter and search the rows"', 1)[1].split("</form>", 1)[0]
    carried = [
        (n, html.unescape(v))
        for n, v in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form)
    ]
    assert carried == [("fc", "category"), ("fo", "eq"), ("fv", "grant")]
    # What a browser sends when the reader adds "note contains NUMBER 1" and a search word.
    sent = [*carried, ("q", "hartford"), ("fc", "note"), ("fo", "contains"), ("fv", "NUMBER 1")]
    second = client.get(f"/datasets/{ref}", params=sent)
    wanted = [
        r
        for r in ROWS
        if r["category"] == "grant" and "number 1" in r["note"] and r["town"] == "Hartford"
    ]
    shown = table_rows(second.text)
    assert sorted(int(r["id"]) for r in shown) == sorted(r["id"] for r in wanted)
    assert "note contains &#39;NUMBER 1&#39;" in second.text
    # Removing one filter keeps the other.
    kept = client.get(
        link(
            second.text,
            re.escape(
                'remove<span class="usa-sr-only"> the filter category is &#39;grant&#39;</span>'
            ),
        )
    )
    assert len(table_rows(kept.text)) == min(
        25, len([r for r in ROWS if "number 1" in r["note"] and r["town"] == "Hartford"])
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"fc": "amount", "fo": "gt", "fv": "lots"},
            "filter 1: amount: &#39;lots&#39; is not a double value.",
        ),
        ({"fc": "nonesuch", "fo": "eq", "fv": "1"}, "filter 1: &#39;nonesuch&#39; is not a column"),
        ({"fc": "ssn", "fo": "eq", "fv": "101-11-1001"}, "&#39;ssn&#39; is masked for you"),
        ({"fc": "town", "fo": "regex", "fv": "x"}, "&#39;regex&#39; is not an operator"),
        (
            {"fc": "amount", "fo": "contains", "fv": "1"},
            "works on text; &#39;amount&#39; is DOUBLE",
        ),
        ({"fc": "town", "fo": "eq", "fv": ""}, "give a value for &#39;town&#39; is"),
        ({"fc": ["town", "id"], "fo": "eq", "fv": "x"}, "each filter needs a column"),
        ({"sort": "ssn"}, "sort: &#39;ssn&#39; is masked"),
        ({"page": "0"}, "page: 0 must be between 1"),
        ({"size": "many"}, "size: &#39;many&#39; is not a whole number"),
        (
            {"paid_date": "x", "fc": "paid_date", "fo": "lt", "fv": "yesterday"},
            "is not a date value",
        ),
        ({"chart_x": "town", "chart_agg": "sum"}, "chart y: sum needs a numeric column"),
        ({"chart_x": "town", "chart_agg": "sum", "chart_y": "town"}, "sum needs a number column"),
        ({"chart_x": "ssn"}, "chart x: &#39;ssn&#39; is masked"),
        ({"chart_x": "town", "chart_agg": "median"}, "&#39;median&#39; is not one of"),
        ({"chart_x": "town", "chart_group": "town"}, "choose a column other than the x column"),
    ],
)
def test_bad_explorer_input_is_named_and_the_page_stays(
    shared: tuple[TestClient, str], params: dict[str, Any], message: str
) -> None:
    client, ref = shared
    page = client.get(f"/datasets/{ref}", params=params)
    assert page.status_code == 400
    assert message in page.text
    assert "Start again with all rows" in page.text
    assert "Data dictionary" in page.text  # the rest of the page is still there


def test_column_summaries_match_the_rows_and_never_show_masked_values(
    shared: tuple[TestClient, str],
) -> None:
    client, ref = shared
    page = client.get(f"/datasets/{ref}").text
    summary = page.split('id="summaries-caption"', 1)[1].split("</table>", 1)[0]
    rows = {
        re.search(r"<code>(\w+)</code>", r).group(1): r  # type: ignore[union-attr]
        for r in re.findall(r"<tr>(.*?)</tr>", summary, re.S)[1:]
    }
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", rows["amount"], re.S)
    ]
    amounts = [amount(r) for r in ROWS if amount(r) is not None]
    assert cells[1:7] == [
        f"{len(amounts):,}",
        f"{len(ROWS) - len(amounts):,}",
        cells[3],  # distinct is an estimate
        str(min(amounts)),
        str(max(amounts)),
        f"{sum(amounts) / len(amounts):,.2f}",
    ]
    assert abs(int(cells[3].replace(",", "")) - len(set(amounts))) <= len(amounts) * 0.05
    town_counts = Counter(r["town"] for r in ROWS).most_common(1)[0]
    assert (
        f'{html.escape(town_counts[0])} <span class="sd-count">({town_counts[1]})' in rows["town"]
    )
    assert "masked: personal information" in rows["ssn"]
    for row in ROWS:
        assert row["ssn"] not in page


def test_the_chart_builder_draws_grouped_sums_from_the_filtered_rows(
    shared: tuple[TestClient, str],
) -> None:
    client, ref = shared
    page = client.get(
        f"/datasets/{ref}",
        params={
            "fc": "active", "fo": "eq", "fv": "true",
            "chart_x": "town", "chart_agg": "sum", "chart_y": "amount", "chart_group": "category",
        },
    )  # fmt: skip
    assert page.status_code == 200
    spec, values = chart_values(page.text)
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "x" and spec["encoding"]["color"]["field"] == "group"
    sums: Counter[tuple[str, str]] = Counter()
    for row in ROWS:
        if row["active"] == "true" and amount(row) is not None:
            sums[(row["town"], row["category"])] += amount(row)  # type: ignore[assignment]
    drawn = {(v["x"], v["group"]): v["value"] for v in values}
    assert drawn.keys() == sums.keys()
    assert all(abs(drawn[k] - sums[k]) < 1e-6 for k in sums)
    assert "/static/vendor/vega/vega-embed.min.js" in page.text
    assert "The chart's numbers" in page.text


def test_a_date_chart_counts_rows_by_month(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    page = client.get(f"/datasets/{ref}", params={"chart_x": "paid_date", "chart_unit": "month"})
    spec, values = chart_values(page.text)
    assert spec["mark"]["type"] == "line" and spec["encoding"]["x"]["type"] == "temporal"
    months = Counter(r["paid_date"][:7] + "-01" for r in ROWS)
    assert {v["x"]: v["value"] for v in values} == months


def test_the_map_reads_the_filtered_points_as_geojson(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    page = client.get(f"/datasets/{ref}", params={"fc": "town", "fo": "eq", "fv": "Stamford"}).text
    url = html.unescape(re.search(r'data-geojson="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert 'data-tiles=""' in page  # no tile server configured: nothing from outside the portal
    features = client.get(url).json()["features"]
    assert len(features) == sum(1 for r in ROWS if r["town"] == "Stamford")
    assert all(f["properties"]["town"] == "Stamford" for f in features)


def test_api_examples_read_the_rows_the_table_shows(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    params = {"fc": "town", "fo": "ne", "fv": "O'Fallon", "sort": "amount"}
    page = client.get(f"/datasets/{ref}", params=params).text
    blocks = [
        html.unescape(b)
        for b in re.findall(r"<code class=\"language-\w+\">(.*?)</code>", page, re.S)
    ]
    curl, sodapy, ckan, pandas = blocks
    shown = [int(r["id"]) for r in table_rows(page)]
    url = curl.removeprefix("curl '").removesuffix("'").removeprefix("http://testserver")
    from_curl = client.get(url).json()
    assert [int(r["id"]) for r in from_curl][: len(shown)] == shown
    csv_url = re.search(r"read_csv\('([^']+)'\)", pandas).group(1).removeprefix("http://testserver")  # type: ignore[union-attr]
    from_csv = list(csv.DictReader(io.StringIO(client.get(csv_url).text)))
    assert [int(r["id"]) for r in from_csv] == [int(r["id"]) for r in from_curl]
    assert "client.get(" in sodapy and "where=" in sodapy and "order='`amount` ASC'" in sodapy
    assert "session_adapter" in sodapy  # the test server speaks plain http
    assert "datastore_search(resource_id=" in ckan
    assert "only test equality" in ckan  # "is not" has no CKAN form, and the example says so


def test_page_views_are_counted_and_stewards_see_the_usage(
    settings: Settings, session_factory: sessionmaker[Session], app: FastAPI, tmp_path: Path
) -> None:
    ref = publish_payments(settings, session_factory, tmp_path)
    make_user(session_factory, "steward1", "steward", "DPH")
    with TestClient(app) as public:
        for _ in range(3):
            assert public.get(f"/datasets/{ref}").status_code == 200
        public.get(f"/api/v1/datasets/{ref}/rows.csv")
        page = public.get(f"/datasets/{ref}").text
        assert "Use of this dataset" not in page
        assert public.get(f"/api/v1/datasets/{ref}/usage").status_code in (401, 403)
    with TestClient(app) as steward:
        sign_in(steward, "steward1")
        page = steward.get(f"/datasets/{ref}").text
        assert "Use of this dataset" in page
        usage = steward.get(f"/api/v1/datasets/{ref}/usage").json()
        assert usage["total"]["page_view"] == 5  # four public views and the steward's own
        assert usage["total"]["download"] == 1
        assert steward.get(f"/api/v1/datasets/{ref}/usage?days=0").status_code == 422
