"""Rules run over real data in one DuckDB pass: counts, sample rows with row numbers, verdicts."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from statedata.core.errors import InvalidInput
from statedata.quality.files import check_file
from statedata.quality.rules import CheckContext, PreviousVersion, parse_rules
from statedata.quality.runner import run_checks
from statedata.storage.schema import Column

HEADER = ["id", "name", "code", "day", "amount", "category", "paid", "received"]


def rows(count: int = 60) -> list[dict[str, Any]]:
    """Clean rows, then planted faults at known data rows (1-based)."""
    made = [
        {
            "id": i,
            "name": f"person {i}",
            "code": f"AB{i % 100:02d}",
            "day": f"2024-01-{1 + i % 28:02d}",
            "amount": i % 100,
            "category": "abc"[i % 3],
            "paid": "2024-03-01",
            "received": "2024-03-05",
        }
        for i in range(1, count + 1)
    ]
    if count < 30:
        return made
    made[4]["name"] = ""  # row 5
    made[9]["id"] = 9  # row 10 repeats row 9's id
    made[11]["code"] = "a1"  # row 12
    made[14]["day"] = "2024-02-30"  # row 15
    made[19]["amount"] = 250  # row 20
    made[24]["category"] = "z"  # row 25
    made[29]["received"] = "2024-02-01"  # row 30: received before paid
    return made


def write_csv(path: Path, data: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(data)
    return path


RULES = parse_rules(
    [
        {"type": "required", "column": "name"},
        {"type": "unique", "column": "id"},
        {"type": "pattern", "column": "code", "pattern": "[A-Z]{2}[0-9]{2}"},
        {"type": "type", "column": "day", "expected": "date"},
        {"type": "range", "column": "amount", "minimum": 0, "maximum": 100},
        {"type": "enum", "column": "category", "values": ["a", "b", "c"], "severity": "warning"},
        {"type": "expression", "expression": "received >= paid"},
        {"type": "length", "column": "code", "minimum": 4, "maximum": 4},
    ]
)
EXPECTED = [(1, [5]), (1, [10]), (1, [12]), (1, [15]), (1, [20]), (1, [25]), (1, [30]), (1, [12])]


def test_a_file_is_checked_in_one_pass_with_the_rows_that_break_each_rule(tmp_path: Path) -> None:
    report = check_file(write_csv(tmp_path / "data.csv", rows()), RULES)
    assert report.rows == 60
    found = [(r.violations, [s["row"] for s in r.samples]) for r in report.results]
    assert found == EXPECTED
    unique = report.results[1]
    assert unique.samples == [{"row": 10, "values": {"id": "9"}}]
    assert report.results[3].samples == [{"row": 15, "values": {"day": "2024-02-30"}}]
    assert report.results[6].samples[0]["values"] == {
        "received": "2024-02-01",
        "paid": "2024-03-01",
    }
    # the warning does not block; the seven broken error rules do
    assert len(report.blocking) == 7
    assert report.score is not None and 90 < report.score < 100


def test_a_clean_file_passes_every_rule_and_scores_100(tmp_path: Path) -> None:
    clean = [r for i, r in enumerate(rows(), 1) if i not in {5, 9, 10, 12, 15, 20, 25, 30}]
    report = check_file(write_csv(tmp_path / "clean.csv", clean), RULES)
    assert [r.violations for r in report.results] == [0] * len(RULES)
    assert report.blocking == []
    assert report.score == 100.0


@pytest.mark.parametrize("scan_rows", [1_000_000, 10_000], ids=["scan", "numbered after 10,000"])
def test_row_numbers_follow_the_files_order_across_parquet_files_and_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_rows: int
) -> None:
    import statedata.quality.runner as runner

    monkeypatch.setattr(runner, "SAMPLE_SCAN_ROWS", scan_rows)
    # 3 files of 40,000 rows in 4,096-row groups; faults planted far apart
    faults = {7, 45_000, 80_001, 119_999}
    paths = []
    for part in range(3):
        ids = list(range(part * 40_000 + 1, (part + 1) * 40_000 + 1))
        names = [None if i in faults else f"n{i}" for i in ids]
        path = tmp_path / f"part-{part}.parquet"
        pq.write_table(pa.table({"id": ids, "name": names}), path, row_group_size=4_096)
        paths.append(str(path))
    connection = duckdb.connect(config={"threads": 2})
    source = f"read_parquet({paths!r})"
    context = CheckContext(
        columns={"id": Column("id", "BIGINT"), "name": Column("name", "VARCHAR")},
        today=date(2026, 1, 1),
    )
    report = run_checks(
        connection, source, parse_rules([{"type": "required", "column": "name"}]), context
    )
    assert [s["row"] for s in report.results[0].samples] == sorted(faults)


def typed_context(**previous: Any) -> CheckContext:
    return CheckContext(
        columns={
            "id": Column("id", "BIGINT"),
            "category": Column("category", "VARCHAR"),
            "paid": Column("paid", "DATE"),
        },
        today=date(2024, 4, 1),
        previous=PreviousVersion(**previous) if previous else None,
    )


def typed_table(connection: duckdb.DuckDBPyConnection, categories: list[str | None]) -> str:
    connection.execute(
        "CREATE OR REPLACE TABLE t AS SELECT i + 1 AS id, c AS category, DATE '2024-03-01' AS paid "
        "FROM (SELECT unnest(?) AS c, generate_subscripts(?, 1) - 1 AS i)",
        [categories, categories],
    )
    return "t"


def test_freshness_row_count_and_drift_judge_the_version_against_the_previous_one() -> None:
    connection = duckdb.connect()
    source = typed_table(connection, ["a"] * 50 + ["b"] * 30 + [None] * 20)
    rules = parse_rules(
        [
            {"type": "freshness", "column": "paid", "days": 10},
            {"type": "freshness", "column": "paid", "days": 40},
            {"type": "row_count", "max_change": 0.2},
            {"type": "drift", "column": "category", "max_change": 0.1},
        ]
    )
    first = run_checks(connection, source, rules, typed_context())
    assert [r.violations for r in first.results] == [1, 0, 0, 0]
    assert "31 days old" in first.results[0].detail
    assert first.results[2].detail == "no previous version to compare with"

    remembered = first.remembered()
    assert remembered["drift:category"]["shares"] == {"a": 0.5, "b": 0.3}
    # the next version: 60 rows instead of 100, "b" grew from 30% to 50%
    source = typed_table(connection, ["a"] * 25 + ["b"] * 30 + [None] * 5)
    second = run_checks(connection, source, rules, typed_context(rows=100, measures=remembered))
    row_count, drift = second.results[2], second.results[3]
    assert row_count.violations == 1 and "100 -> 60 rows (40.0%)" in row_count.detail
    assert drift.violations == 1 and "share of 'b' moved 20.0%" in drift.detail


def test_a_primary_key_counts_empty_and_repeated_keys_and_shows_the_repeats() -> None:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES (1, 'x'), (2, 'x'), (1, 'x'), (NULL, 'y'), (2, 'y')) v(id, town)"
    )
    context = CheckContext(
        columns={"id": Column("id", "INTEGER"), "town": Column("town", "VARCHAR")},
        today=date(2024, 1, 1),
    )
    rule = parse_rules([{"type": "primary_key", "columns": ["id", "town"]}])
    result = run_checks(connection, "t", rule, context).results[0]
    assert result.violations == 2
    assert "1 rows with an empty key column" in result.detail
    assert result.samples == [{"row": 3, "values": {"id": 1, "town": "x"}}]


def test_a_reference_rule_reads_the_other_dataset_and_is_skipped_on_a_lone_file(
    tmp_path: Path,
) -> None:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE towns AS SELECT * FROM (VALUES ('a'), ('b')) v(name)")
    connection.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('a'), ('c'), (NULL), ('b')) v(town)"
    )
    rule = parse_rules(
        [{"type": "reference", "column": "town", "dataset": "x", "to_column": "name"}]
    )
    context = CheckContext(
        columns={"town": Column("town", "VARCHAR")},
        today=date(2024, 1, 1),
        reference=lambda dataset, column: "towns",
    )
    result = run_checks(connection, "t", rule, context).results[0]
    assert (result.violations, result.samples) == (1, [{"row": 2, "values": {"town": "c"}}])

    path = tmp_path / "towns.csv"
    path.write_text("town\na\nc\n")
    alone = check_file(path, rule).results[0]
    assert alone.skipped and alone.violations == 0


def test_a_rule_that_cannot_run_is_reported_and_the_others_still_run() -> None:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('a'), (NULL)) v(town)")
    rules = parse_rules(
        [
            {"type": "reference", "column": "town", "dataset": "gone", "to_column": "name"},
            {"type": "required", "column": "town"},
        ]
    )
    context = CheckContext(
        columns={"town": Column("town", "VARCHAR")},
        today=date(2024, 1, 1),
        reference=lambda dataset, column: "no_such_table",
    )
    report = run_checks(connection, "t", rules, context)
    assert report.results[0].skipped.startswith("could not run: ")
    assert "no_such_table" in report.results[0].skipped
    assert report.results[1].violations == 1


@pytest.mark.parametrize(
    ("saved", "message"),
    [
        ({"type": "required", "column": "nope"}, "rule required: no column is named 'nope'"),
        ({"type": "expression", "expression": "amount > "}, "rule expression: $where"),
        ({"type": "expression", "expression": "nope > 1"}, "nope"),
        ({"type": "expression", "expression": "read_csv('/etc/passwd') = 1"}, "rule expression"),
    ],
)
def test_rules_naming_what_the_data_lacks_or_the_allow_list_refuses_are_errors(
    tmp_path: Path, saved: dict[str, object], message: str
) -> None:
    path = write_csv(tmp_path / "data.csv", rows(3))
    with pytest.raises(InvalidInput) as caught:
        check_file(path, parse_rules([saved]))
    assert message in caught.value.detail


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        check_file(tmp_path / "missing.csv", RULES)
    with pytest.raises(InvalidInput, match="a check reads csv, tsv, parquet"):
        check_file(tmp_path / "data.json", RULES)


@pytest.mark.parametrize("scan_keys", [500_000, 1_000], ids=["scan", "window after 1,000 keys"])
def test_repeated_keys_are_named_by_their_row_across_files_whichever_way_they_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_keys: int
) -> None:
    import statedata.quality.runner as runner

    monkeypatch.setattr(runner, "REPEAT_SCAN_KEYS", scan_keys)
    monkeypatch.setattr(runner, "SAMPLE_FETCH_ROWS", 500)
    # 3 files of 40,000 rows in 4,096-row groups; 25 rows repeat an earlier id, far apart
    repeats = {row: row - 5_000 for row in range(10_000, 120_000, 4_400)}
    paths = []
    for part in range(3):
        rows = range(part * 40_000 + 1, (part + 1) * 40_000 + 1)
        ids = [repeats.get(row, row) for row in rows]
        path = tmp_path / f"part-{part}.parquet"
        pq.write_table(pa.table({"id": ids}), path, row_group_size=4_096)
        paths.append(str(path))
    connection = duckdb.connect(config={"threads": 2})
    context = CheckContext(columns={"id": Column("id", "BIGINT")}, today=date(2026, 1, 1))
    report = run_checks(
        connection,
        f"read_parquet({paths!r})",
        parse_rules([{"type": "unique", "column": "id"}]),
        context,
    )
    result = report.results[0]
    assert result.violations == len(repeats) == 25
    expected = sorted(repeats)[:20]
    assert result.samples == [{"row": r, "values": {"id": repeats[r]}} for r in expected]
    assert connection.execute("SELECT 1").fetchall() == [(1,)]  # the connection is free again
