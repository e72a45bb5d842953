"""Validating one CSV against the same 8 rules: statedata, frictionless, pandera on polars and a
hand-written DuckDB query, side by side in one run.

The CSV has 1,000,000 rows and 10 columns with faults planted at known rates. The rules: name is
not null, id is unique, code matches [A-Z]{2}[0-9]{2}, day is a valid date, amount is between 0 and
100, age is at least 0, category is one of a/b/c, note is not null. Every tool must report the same
count for every rule (a repeated id counts once for each row after the first); the script stops if
they disagree. Prints the median wall time of each tool and its ratio to statedata.

Run: .venv/bin/python benchmarks/quality_vs_peers.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl
from frictionless import Resource, Schema

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from statedata.quality.files import check_file
from statedata.quality.rules import parse_rules

HEADER = ["id", "name", "code", "day", "amount", "age", "category", "note", "town", "score"]
TOWNS = ["Hartford", "New Haven", "Stamford", "Bridgeport", "Waterbury", "Norwalk", "Danbury"]
RULE_NAMES = ["name not null", "id unique", "code pattern", "day valid date", "amount 0-100",
              "age >= 0", "category enum", "note not null"]  # fmt: skip
RULES = [
    {"type": "required", "column": "name"},
    {"type": "unique", "column": "id"},
    {"type": "pattern", "column": "code", "pattern": "[A-Z]{2}[0-9]{2}"},
    {"type": "type", "column": "day", "expected": "date"},
    {"type": "range", "column": "amount", "minimum": 0, "maximum": 100},
    {"type": "range", "column": "age", "minimum": 0},
    {"type": "enum", "column": "category", "values": ["a", "b", "c"]},
    {"type": "required", "column": "note"},
]
FIELD_OF_RULE = ["name", "id", "code", "day", "amount", "age", "category", "note"]


def write_csv(path: Path, rows: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            fault = rng.random()
            writer.writerow(
                [
                    i - 1 if fault < 0.001 and i > 1 else i,
                    "" if 0.001 <= fault < 0.002 else f"person {i}",
                    f"ab{i % 10}" if 0.002 <= fault < 0.004 else f"AB{i % 100:02d}",
                    "2024-02-30" if 0.004 <= fault < 0.005 else f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    f"{rng.uniform(100.5, 500):.2f}" if 0.005 <= fault < 0.02 else f"{rng.uniform(0, 100):.2f}",
                    -rng.randint(1, 9) if 0.02 <= fault < 0.021 else rng.randint(0, 99),
                    "d" if 0.021 <= fault < 0.022 else "abc"[i % 3],
                    "" if 0.022 <= fault < 0.0225 else "ok",
                    TOWNS[i % len(TOWNS)],
                    rng.randint(0, 1000),
                ]
            )  # fmt: skip


def with_statedata(path: Path) -> list[int]:
    report = check_file(path, parse_rules(RULES))
    return [r.violations for r in report.results]


def with_duckdb(path: Path) -> list[int]:
    sql = f"""
        SELECT
          count(*) FILTER (WHERE name IS NULL),
          count(id) - count(DISTINCT id),
          count(*) FILTER (WHERE NOT regexp_full_match(code, '[A-Z]{{2}}[0-9]{{2}}')),
          count(*) FILTER (WHERE day IS NOT NULL AND TRY_CAST(day AS DATE) IS NULL),
          count(*) FILTER (WHERE TRY_CAST(amount AS DOUBLE) NOT BETWEEN 0 AND 100),
          count(*) FILTER (WHERE TRY_CAST(age AS BIGINT) < 0),
          count(*) FILTER (WHERE category NOT IN ('a', 'b', 'c')),
          count(*) FILTER (WHERE note IS NULL)
        FROM read_csv('{path}', all_varchar = true)
    """  # noqa: S608 (a path this script made)
    row = duckdb.connect().execute(sql).fetchone()
    assert row is not None
    return [int(v) for v in row]


def with_frictionless(path: Path) -> list[int]:
    schema = Schema.from_descriptor(
        {
            "fields": [
                {"name": "id", "type": "integer", "constraints": {"unique": True}},
                {"name": "name", "type": "string", "constraints": {"required": True}},
                {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z]{2}[0-9]{2}"}},
                {"name": "day", "type": "date"},
                {"name": "amount", "type": "number", "constraints": {"minimum": 0, "maximum": 100}},
                {"name": "age", "type": "integer", "constraints": {"minimum": 0}},
                {"name": "category", "type": "string", "constraints": {"enum": ["a", "b", "c"]}},
                {"name": "note", "type": "string", "constraints": {"required": True}},
                {"name": "town", "type": "string"},
                {"name": "score", "type": "integer"},
            ]
        }
    )
    resource = Resource(path=path.name, basepath=str(path.parent), schema=schema)
    report = resource.validate(limit_errors=10**9)
    counts: Counter[str] = Counter()
    for task in report.tasks:
        for error in task.errors:
            counts[getattr(error, "field_name", "")] += 1
    return [counts[name] for name in FIELD_OF_RULE]


def with_pandera(path: Path) -> list[int]:
    frame = pl.read_csv(
        path,
        schema_overrides={"id": pl.Int64, "amount": pl.Float64, "age": pl.Int64, "score": pl.Int64},
        infer_schema=False,
    )

    def valid_date(data: pa.PolarsData) -> pl.LazyFrame:
        value = pl.col(data.key)
        return data.lazyframe.select(
            value.is_null() | value.str.to_date("%Y-%m-%d", strict=False).is_not_null()
        )

    schema = pa.DataFrameSchema(
        {
            "id": pa.Column(pl.Int64),
            "name": pa.Column(pl.String, nullable=False),
            "code": pa.Column(
                pl.String, pa.Check.str_matches(r"^[A-Z]{2}[0-9]{2}$"), nullable=True
            ),
            "day": pa.Column(pl.String, pa.Check(valid_date, name="valid_date"), nullable=True),
            "amount": pa.Column(pl.Float64, pa.Check.in_range(0, 100), nullable=True),
            "age": pa.Column(pl.Int64, pa.Check.ge(0), nullable=True),
            "category": pa.Column(pl.String, pa.Check.isin(["a", "b", "c"]), nullable=True),
            "note": pa.Column(pl.String, nullable=False),
        },
        unique=["id"],
    )
    counts: Counter[str] = Counter()
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        # pandera's polars backend lists every row of a repeated id (as the row's JSON); the shared
        # definition counts the rows after the first, so each repeated value's first row comes off
        repeated: set[str] = set()
        for column, check, value in cases.select(["column", "check", "failure_case"]).iter_rows():
            if check == "multiple_fields_uniqueness":
                counts["id"] += 1
                repeated.add(str(json.loads(value)["id"]) if value.startswith("{") else value)
            else:
                counts[str(column)] += 1
        counts["id"] -= len(repeated)
    return [counts[name] for name in FIELD_OF_RULE]


def timed(run: Callable[[Path], list[int]], path: Path, repeat: int) -> tuple[float, list[int]]:
    times, result = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frictionless-repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "people.csv"
        write_csv(path, args.rows)
        print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB of CSV, 8 rules")
        tools: dict[str, tuple[Callable[[Path], list[int]], int]] = {
            "statedata": (with_statedata, args.repeat),
            "DuckDB, hand-written query": (with_duckdb, args.repeat),
            "pandera on polars": (with_pandera, args.repeat),
            "frictionless": (with_frictionless, args.frictionless_repeat),
        }
        measured = {name: timed(run, path, repeat) for name, (run, repeat) in tools.items()}
    counts = {name: result for name, (_, result) in measured.items()}
    print(f"\n{'rule':<18}" + "".join(f"{name[:14]:>16}" for name in counts))
    for position, rule in enumerate(RULE_NAMES):
        print(f"{rule:<18}" + "".join(f"{c[position]:>16,}" for c in counts.values()))
    reference = counts["statedata"]
    disagree = [name for name, c in counts.items() if c != reference]
    if disagree:
        sys.exit(f"\nthe counts disagree: {', '.join(disagree)} differ from statedata")
    print("\nall four agree on every rule's count")
    ours = measured["statedata"][0]
    print(f"\n{'tool':<28}{'median s':>10}{'tool / statedata':>18}")
    for name, (seconds, _) in measured.items():
        print(f"{name:<28}{seconds:>10.3f}{seconds / ours:>18.2f}")


if __name__ == "__main__":
    main()
