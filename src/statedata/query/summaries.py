"""Column summaries for the dataset page: counts, range, mean and the commonest values.

Two scans per version, kept in memory: versions never change, so a summary never goes stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from statedata.query.formats import plain_value
from statedata.query.reading import Reading
from statedata.query.rows import facets, run_statement
from statedata.query.soql import NUMERIC, SoqlRequest
from statedata.storage.quoting import quoted

TOP_VALUES = 5
SUMMARY_CACHE_SIZE = 128


@dataclass
class ColumnSummary:
    """What a column holds, in a few numbers; a masked column shows none of them."""

    name: str
    type: str
    masked: bool = False
    values: int = 0
    nulls: int = 0
    distinct: int = 0
    minimum: Any = None
    maximum: Any = None
    mean: float | None = None
    top: list[dict[str, Any]] = field(default_factory=list)
    more_values: bool = False


_summaries: OrderedDict[tuple[int, str], list[ColumnSummary]] = OrderedDict()
_summaries_lock = threading.Lock()


def column_summaries(target: Reading) -> list[ColumnSummary]:
    """Non-null and distinct counts, range and mean of every column, and the commonest values of
    text and true/false columns: two scans, kept per version (versions never change)."""
    key = (id(target.engine), target.etag_base)
    with _summaries_lock:
        if key in _summaries:
            _summaries.move_to_end(key)
            return _summaries[key]
    shown = [c for c in target.columns if c.name not in target.masked]
    parts: list[str] = []
    for i, column in enumerate(shown):
        name = quoted(column.name)
        parts += [
            f"count({name}) AS c{i}",
            f"approx_count_distinct({name}) AS d{i}",
            f"min({name}) AS lo{i}",
            f"max({name}) AS hi{i}",
            f"avg({name}) AS m{i}" if NUMERIC.match(column.type) else f"NULL AS m{i}",
        ]
    found: dict[str, Any] = {}
    if parts:
        sql = f"SELECT {', '.join(parts)} FROM {target.relation.name}"  # noqa: S608 (quoted names)
        found = run_statement(target, sql, []).to_pylist()[0]
    counted = [c.name for c in shown if c.type in ("VARCHAR", "BOOLEAN")]
    tops = facets(target, counted, SoqlRequest(), TOP_VALUES)["facets"] if counted else []
    top_of = {t["column"]: t for t in tops}
    rows = target.version.rows
    summaries: list[ColumnSummary] = []
    index = {c.name: i for i, c in enumerate(shown)}
    for column in target.columns:
        if column.name in target.masked:
            summaries.append(ColumnSummary(column.name, column.type, masked=True))
            continue
        i = index[column.name]
        values = int(found.get(f"c{i}") or 0)
        top = top_of.get(column.name, {})
        mean = found.get(f"m{i}")
        summaries.append(
            ColumnSummary(
                name=column.name,
                type=column.type,
                values=values,
                nulls=rows - values,
                distinct=min(int(found.get(f"d{i}") or 0), values),
                minimum=plain_value(found.get(f"lo{i}")),
                maximum=plain_value(found.get(f"hi{i}")),
                mean=None if mean is None else float(mean),
                top=list(top.get("values", [])),
                more_values=bool(top.get("more")),
            )
        )
    with _summaries_lock:
        _summaries[key] = summaries
        while len(_summaries) > SUMMARY_CACHE_SIZE:
            _summaries.popitem(last=False)
    return summaries
