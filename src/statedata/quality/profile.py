"""A profile of every column of a version: nulls, distinct values, range, mean, top values and a
histogram.

The aggregates ride in the quality check's counting pass (:func:`first_pass` gives them to
:func:`statedata.quality.runner.run_checks`), so they cost no extra read of the data. Top values'
counts and histograms need what that pass found (which values are on top, where the range ends),
so they take one more pass (:func:`finish`), which reads only the columns that need it.

On versions over 200,000 rows, distinct counts are approximate (DuckDB's HyperLogLog sketch:
within a few percent); up to that size the second pass counts them exactly. Which values are on
top comes from a space-saving sketch (it can miss a close runner-up on a large column), but the
counts shown beside them, and in histograms, are exact.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from statedata.catalog.dictionary import frictionless_type
from statedata.storage.quoting import quoted
from statedata.storage.schema import Column

TOP_VALUES = 5
# Up to this many rows, the second pass counts distinct values exactly (cheap at this size, and
# a steward expects a 1,000-row key column to show 1,000, not the sketch's 978).
EXACT_DISTINCT_ROWS = 200_000
HISTOGRAM_BINS = 10
PREFIX = "__statedata_p"

# What a profile can say about a column, by its Table Schema type (the dictionary's reading of
# DuckDB's type names); a text column is VARCHAR, anything else (lists, blobs) is "other".
_KINDS = {
    "integer": "number",
    "number": "number",
    "date": "date",
    "datetime": "timestamp",
    "boolean": "boolean",
}


def kind_of(sql_type: str) -> str:
    """number, date, timestamp, text, boolean or other: what a profile can say about a column."""
    kind = _KINDS.get(frictionless_type(sql_type))
    if kind is not None:
        return kind
    return "text" if sql_type.upper() == "VARCHAR" else "other"


def _has_top(column: Column) -> bool:
    kind = kind_of(column.type)
    return kind in ("text", "boolean") or frictionless_type(column.type) == "integer"


def _has_histogram(column: Column) -> bool:
    return kind_of(column.type) in ("number", "date", "timestamp")


def _alias(index: int, what: str) -> str:
    return f"{PREFIX}{index}_{what}"


def first_pass(columns: Sequence[Column]) -> dict[str, str]:
    """The aggregates the counting pass computes for the profile, by the name it returns them."""
    measures: dict[str, str] = {}
    for index, column in enumerate(columns):
        name, kind = quoted(column.name), kind_of(column.type)
        measures[_alias(index, "filled")] = f"count({name})"
        if kind == "other":
            continue
        measures[_alias(index, "distinct")] = f"approx_count_distinct({name})"
        if kind == "text":
            measures[_alias(index, "min")] = f"min(length({name}))"
            measures[_alias(index, "max")] = f"max(length({name}))"
        elif kind != "boolean":
            measures[_alias(index, "min")] = f"min({name})"
            measures[_alias(index, "max")] = f"max({name})"
        if kind == "number":
            measures[_alias(index, "mean")] = f"avg({name})"
        if _has_top(column):
            measures[_alias(index, "top")] = f"approx_top_k({name}, {TOP_VALUES})"
    return measures


@dataclass
class _Second:
    """The second pass's select list, with its parameters in binding order."""

    parts: list[str]
    params: list[Any]


def _shown(value: Any) -> Any:
    """A value as JSON keeps it: numbers stay numbers (finite), dates and others become text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _binnable(value: Any) -> Any:
    """A bound as the bins take it: a zoned time as naive UTC, anything else as it is."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _binned(column: Column) -> tuple[str, str]:
    """What a histogram bins for ``column``, and the type of its bounds: numbers as doubles,
    times with a zone as UTC (DuckDB's bins take neither decimals nor zones)."""
    name, kind = quoted(column.name), kind_of(column.type)
    if kind == "number":
        return f"CAST({name} AS DOUBLE)", "DOUBLE"
    if column.type.upper().startswith("TIMESTAMP WITH"):
        return f"timezone('UTC', {name})", "TIMESTAMP"
    return name, column.type


def _bounds(
    connection: duckdb.DuckDBPyConnection, column: Column, low: Any, high: Any
) -> list[Any]:
    """Histogram bin upper bounds from ``low`` to ``high`` on round numbers (or dates)."""
    if kind_of(column.type) == "number":
        low, high = float(low), float(high)
    else:
        low, high = _binnable(low), _binnable(high)
    row = connection.execute(
        f"SELECT equi_width_bins(?, ?, {HISTOGRAM_BINS}, true)", [low, high]
    ).fetchone()
    return list(row[0]) if row and row[0] else [high]


def finish(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    columns: Sequence[Column],
    rows: int,
    measured: dict[str, Any],
    elements: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Each column's profile from the counting pass's ``measured`` aggregates and one more pass
    for the exact counts of top values and the histograms.

    Args:
        elements: the common data element of each tagged column. Its profile says the element
            and its conformance: the share of its filled cells whose standard form the load
            found (``<column>_std`` filled), from the counts the first pass made anyway.
    """
    position = {column.name: index for index, column in enumerate(columns)}
    profiles: list[dict[str, Any]] = []
    second = _Second(parts=[], params=[])
    pending: list[tuple[dict[str, Any], str, Any]] = []  # profile, what, aliased result
    for index, column in enumerate(columns):
        kind = kind_of(column.type)
        filled = int(measured.get(_alias(index, "filled")) or 0)
        profile: dict[str, Any] = {
            "name": column.name,
            "type": column.type,
            "kind": kind,
            "rows": rows,
            "nulls": rows - filled,
            "distinct": measured.get(_alias(index, "distinct")),
            "min": _shown(measured.get(_alias(index, "min"))),
            "max": _shown(measured.get(_alias(index, "max"))),
            "mean": _shown(measured.get(_alias(index, "mean"))),
            "top": [],
            "histogram": [],
        }
        if profile["distinct"] is not None:
            # The sketch can overshoot on a small column; a column has no more values than rows.
            profile["distinct"] = min(int(profile["distinct"]), filled)
        profiles.append(profile)
        key = (elements or {}).get(column.name)
        if key:
            profile["element"] = key
            std = position.get(f"{column.name}_std")
            conforming = int(measured.get(_alias(std, "filled")) or 0) if std is not None else 0
            ratio = conforming / filled if filled and std is not None else None
            profile["conformance"] = None if ratio is None else round(ratio, 4)
        name = quoted(column.name)
        if rows <= EXACT_DISTINCT_ROWS and profile["distinct"] is not None:
            alias = _alias(index, "exact")
            second.parts.append(f"count(DISTINCT {name}) AS {quoted(alias)}")
            pending.append((profile, "distinct", alias))
        top = measured.get(_alias(index, "top")) or []
        if top:
            # As DuckDB casts them, since the second pass compares cast values.
            texts = [
                str(v).lower() if isinstance(v, bool) else str(v) for v in top if v is not None
            ]
            marks = ", ".join("?" for _ in texts)
            alias = _alias(index, "topcount")
            second.parts.append(
                f"histogram(CAST({name} AS VARCHAR)) FILTER "
                f"(WHERE CAST({name} AS VARCHAR) IN ({marks})) AS {quoted(alias)}"
            )
            second.params.extend(texts)
            pending.append((profile, "top", alias))
        low, high = measured.get(_alias(index, "min")), measured.get(_alias(index, "max"))
        if _has_histogram(column) and low is not None and high is not None:
            if low == high:
                profile["histogram"] = [{"from": _shown(low), "to": _shown(high), "count": filled}]
                continue
            bounds = _bounds(connection, column, low, high)
            alias = _alias(index, "histogram")
            value, cast = _binned(column)
            marks = ", ".join(f"CAST(? AS {cast})" for _ in bounds)
            second.parts.append(f"histogram({value}, [{marks}]) AS {quoted(alias)}")
            second.params.extend(bounds)
            pending.append((profile, "histogram", (alias, low, bounds)))
    if not second.parts:
        return profiles
    sql = f"SELECT {', '.join(second.parts)} FROM {source}"  # noqa: S608
    cursor = connection.execute(sql, second.params)
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone() or (), strict=True))
    for profile, what, detail in pending:
        if what == "distinct":
            profile["distinct"] = int(row[detail])
            continue
        if what == "top":
            counts = row.get(detail) or {}
            # Values that occur once are not "top" values (a key column): none are shown.
            if max(counts.values(), default=0) > 1:
                profile["top"] = [
                    {"value": value, "count": int(count)}
                    for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                ]
            continue
        alias, low, bounds = detail
        counts = row.get(alias) or {}
        bins, start = [], _binnable(low)
        for bound in bounds:
            bins.append(
                {"from": _shown(start), "to": _shown(bound), "count": int(counts.get(bound, 0))}
            )
            start = bound
        profile["histogram"] = bins
    return profiles
