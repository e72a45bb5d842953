"""Column profiles: computed with every version's check, shown to those who may read the rows."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.quality.profile import finish, first_pass, kind_of
from statedata.quality.profile_chart import column_chart
from statedata.quality.rules import CheckContext
from statedata.quality.runner import run_checks
from statedata.storage.schema import Column
from tests.catalog.publishing import create, make_dataset, upload_and_load, write_csv


def profiled(connection: duckdb.DuckDBPyConnection, table: str) -> dict[str, dict[str, Any]]:
    columns = [Column(n, t) for n, t, *_ in connection.execute(f"DESCRIBE {table}").fetchall()]
    context = CheckContext(
        columns={c.name: c for c in columns},
        today=dt.date(2026, 1, 1),
        previous=None,
        reference=lambda name, column: "",
    )
    report = run_checks(connection, table, [], context, also=first_pass(columns))
    return {p["name"]: p for p in finish(connection, table, columns, report.rows, report.also)}


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute(
        """CREATE TABLE t AS SELECT
             i AS id,
             ['north', 'south', 'south', 'east', 'south', 'north', 'west'][1 + i % 7] AS region,
             CASE WHEN i % 10 = 0 THEN NULL ELSE i * 1.5 END AS amount,
             DATE '2024-01-01' + (i % 366)::INTEGER AS opened,
             TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours(i) AS seen,
             i % 4 = 0 AS flagged,
             [i] AS listed
           FROM range(1000) AS r(i)"""
    )
    return db


def test_every_column_has_nulls_distinct_range_and_mean_counted_exactly(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    found = profiled(connection, "t")
    assert list(found) == ["id", "region", "amount", "opened", "seen", "flagged", "listed"]
    ident = found["id"]
    assert (ident["kind"], ident["nulls"], ident["distinct"]) == ("number", 0, 1000)
    assert (ident["min"], ident["max"], ident["mean"]) == (0, 999, 499.5)
    assert ident["top"] == []  # every value occurs once: nothing is "top"
    amount = found["amount"]
    assert (amount["nulls"], amount["distinct"], amount["min"], amount["max"]) == (
        100,
        900,
        1.5,
        1498.5,
    )
    region = found["region"]
    assert region["kind"] == "text" and region["distinct"] == 4
    assert (region["min"], region["max"]) == (4, 5)  # text: lengths
    opened = found["opened"]
    assert (opened["min"], opened["max"]) == ("2024-01-01", "2024-12-31")
    assert found["listed"]["kind"] == "other" and found["listed"]["distinct"] is None


def test_top_values_carry_exact_counts(connection: duckdb.DuckDBPyConnection) -> None:
    found = profiled(connection, "t")
    expected = connection.execute(
        "SELECT region, count(*) FROM t GROUP BY region ORDER BY 2 DESC, 1"
    ).fetchall()
    assert [(t["value"], t["count"]) for t in found["region"]["top"]] == expected
    flagged = {t["value"]: t["count"] for t in found["flagged"]["top"]}
    assert flagged == {"false": 750, "true": 250}


def test_histogram_bins_cover_every_filled_value_once(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    found = profiled(connection, "t")
    for name in ("id", "amount", "opened", "seen"):
        column = found[name]
        bins = column["histogram"]
        assert 2 <= len(bins) <= 20, name
        assert sum(b["count"] for b in bins) == column["rows"] - column["nulls"], name
        assert all(a["to"] == b["from"] for a, b in itertools.pairwise(bins)), name
    assert found["id"]["histogram"][0] == {"from": 0, "to": 100.0, "count": 101}
    assert found["seen"]["histogram"][0]["from"].startswith("2024-01-01T00:00")


def test_a_constant_column_has_one_bin_and_an_empty_table_profiles_without_error() -> None:
    db = duckdb.connect()
    db.execute("CREATE TABLE c AS SELECT 7 AS k, NULL::DOUBLE AS nothing FROM range(12)")
    found = profiled(db, "c")
    assert found["k"]["histogram"] == [{"from": 7, "to": 7, "count": 12}]
    assert found["nothing"]["nulls"] == 12 and found["nothing"]["histogram"] == []
    db.execute("CREATE TABLE e (a INTEGER, b VARCHAR)")
    empty = profiled(db, "e")
    assert empty["a"]["rows"] == 0 and empty["a"]["histogram"] == [] and empty["b"]["top"] == []


def test_odd_column_names_and_values_are_quoted(tmp_path: Path) -> None:
    db = duckdb.connect()
    db.execute(
        """CREATE TABLE o AS SELECT * FROM (VALUES ('it''s', 1), ('it''s', 2), ('a"b', 3))
           AS v("na""me", "sel ect")"""
    )
    found = profiled(db, "o")
    assert found['na"me']["top"][0] == {"value": "it's", "count": 2}
    assert found["sel ect"]["max"] == 3


def test_charts_say_in_words_what_they_draw(connection: duckdb.DuckDBPyConnection) -> None:
    found = profiled(connection, "t")
    histogram = column_chart(found["id"])
    assert histogram is not None and histogram.kind == "histogram"
    assert len(histogram.bars) == len(found["id"]["histogram"])
    assert max(b.height for b in histogram.bars) == histogram.height - 2
    assert histogram.summary.startswith("Histogram of id in 10 bins from 0 to 1000.0")
    top = column_chart(found["region"])
    assert top is not None and top.kind == "top"
    assert (
        top.summary
        == "Most frequent values of region: south (429), north (286), east (143), west (142)."
    )
    assert column_chart(found["listed"]) is None
    assert (
        kind_of("DECIMAL(10,2)") == "number" and kind_of("TIMESTAMP WITH TIME ZONE") == "timestamp"
    )


def test_each_load_keeps_its_profile_and_the_page_draws_it(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    rows = [(i, ["Hartford", "Bristol"][i % 2], i * 3) for i in range(1, 41)]
    result = upload_and_load(client, steward, ref, write_csv(tmp_path / "v1.csv", rows))
    assert result["job"]["status"] == "succeeded", result["job"]
    upload_and_load(client, steward, ref, write_csv(tmp_path / "v2.csv", rows[:10]))

    current = client.get(f"/api/v1/datasets/{ref}/profile").json()
    assert current["version"] == 2 and current["rows"] == 10
    first = client.get(f"/api/v1/datasets/{ref}/versions/1/profile").json()
    by_name = {c["name"]: c for c in first["columns"]}
    assert by_name["score"]["max"] == 120 and by_name["score"]["mean"] == 61.5
    assert by_name["name"]["top"] == [
        {"value": "Bristol", "count": 20},
        {"value": "Hartford", "count": 20},
    ]
    links = client.get(f"/api/v1/datasets/{ref}/quality").json()["links"]
    assert links["profile"] == f"/api/v1/datasets/{ref}/profile"

    page = client.get(f"/datasets/{ref}")
    assert 'id="profile"' in page.text
    assert "Most frequent values of name: Bristol (5), Hartford (5)." in page.text
    assert client.get(f"/api/v1/datasets/{ref}/versions/9/profile").status_code == 404


def test_who_may_not_read_the_rows_sees_no_profile(
    client: TestClient,
    session_factory: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DPH",
        title="Case notes",
        classification="restricted",
        rows=[(1, "private-value", 3), (2, "private-value", 4)],
    )
    public = make_dataset(
        session_factory, settings, tmp_path, agency="DPH", title="Clinics", rows=[(1, "a", 2)]
    )
    assert client.get(f"/api/v1/datasets/{public}/profile").status_code == 200
    assert client.get(f"/api/v1/datasets/{ref}/profile").status_code in (403, 404)
    page = client.get(f"/datasets/{ref}")
    assert "private-value" not in page.text and 'id="profile"' not in page.text
