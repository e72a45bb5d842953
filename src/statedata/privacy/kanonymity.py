"""k-anonymity over the quasi-identifiers a steward names: every combination of their values
is shared by at least k rows. Where it is not, the columns are generalized one step at a time
(a date to its month, then its year; a ZIP to 3 digits; an age to a 5-year, then a 10-year
band; a town to its planning region, then its county; at last any column left out), choosing at each step the column whose
generalization leaves the fewest rows in groups under k; the rows still in groups under k are
then suppressed (left out). The report says what it cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from statedata.standards.towns import standardize_town

Row = dict[str, Any]
Step = Callable[[Any], Any]


def _month(value: Any) -> Any:
    return str(value)[:7] if value is not None else None


def _year(value: Any) -> Any:
    return str(value)[:4] if value is not None else None


def _zip3(value: Any) -> Any:
    return (str(value)[:3] + "**") if value else value


def _band(width: int) -> Step:
    def band(value: Any) -> Any:
        if value is None or value == "":
            return value
        low = int(float(str(value).split("-")[0])) // width * width
        return f"{low}-{low + width - 1}"

    return band


def _region(value: Any) -> Any:
    found = standardize_town(value)
    return found.parts.get("planning_region", value) if found.ok else value


def _county(value: Any) -> Any:
    found = standardize_town(value)
    return found.parts.get("county", value) if found.ok else value


def _removed(value: Any) -> Any:
    return "*"


# Generalization ladders by kind of quasi-identifier, most precise first; the last rung of
# every ladder leaves the column out ("*").
REMOVED = ("removed", _removed)
LADDERS: dict[str, list[tuple[str, Step]]] = {
    "date": [("month", _month), ("year", _year), REMOVED],
    "zip": [("3-digit ZIP", _zip3), REMOVED],
    "age": [("5-year band", _band(5)), ("10-year band", _band(10)), REMOVED],
    "town": [("planning region", _region), ("county", _county), REMOVED],
    "other": [REMOVED],
}


@dataclass
class KReport:
    k: int
    rows_in: int
    rows_suppressed: int = 0
    cells_generalized: int = 0
    generalized: dict[str, str] = field(default_factory=dict)  # column -> how
    smallest_group: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "rows_in": self.rows_in,
            "rows_suppressed": self.rows_suppressed,
            "cells_generalized": self.cells_generalized,
            "generalized": self.generalized,
            "smallest_group": self.smallest_group,
        }


def groups(rows: Sequence[Row], columns: Sequence[str]) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(row.get(c) for c in columns) for row in rows)


def smallest_group(rows: Sequence[Row], columns: Sequence[str]) -> int:
    """The k the rows meet over these columns (0 for no rows)."""
    found = groups(rows, columns)
    return min(found.values()) if found else 0


def _short(rows: Sequence[Row], columns: Sequence[str], k: int) -> int:
    return sum(n for n in groups(rows, columns).values() if n < k)


def enforce_k(
    rows: list[Row], quasi_identifiers: dict[str, str], k: int
) -> tuple[list[Row], KReport]:
    """Rows that meet k over the quasi-identifiers, and what it cost.

    Args:
        quasi_identifiers: column -> its kind (date, zip, age, town, or other: only left out).
        k: the smallest group allowed, 2 or more.
    """
    if k < 2:
        raise ValueError(f"k: {k} is below 2; k-anonymity needs groups of two or more.")
    for column, kind in quasi_identifiers.items():
        if kind not in LADDERS:
            raise ValueError(
                f"quasi-identifier {column}: {kind!r} is not date, zip, age, town or other."
            )
    columns = list(quasi_identifiers)
    report = KReport(k=k, rows_in=len(rows))
    current = [dict(r) for r in rows]
    rung = dict.fromkeys(columns, 0)
    while _short(current, columns, k):
        options = []
        for column in columns:
            ladder = LADDERS[quasi_identifiers[column]]
            if rung[column] < len(ladder):
                label, step = ladder[rung[column]]
                trial = [{**r, column: step(r.get(column))} for r in current]
                options.append((_short(trial, columns, k), rung[column], column, label, trial))
        if not options:
            break
        # fewest rows left short; on a tie, the column generalized least so far
        _, _, column, label, trial = min(options, key=lambda o: (o[0], o[1]))
        report.cells_generalized += sum(
            1 for old, new in zip(current, trial, strict=True) if old.get(column) != new.get(column)
        )
        report.generalized[column] = label
        rung[column] += 1
        current = trial
    counted = groups(current, columns)
    kept = [r for r in current if counted[tuple(r.get(c) for c in columns)] >= k]
    report.rows_suppressed = len(current) - len(kept)
    report.smallest_group = smallest_group(kept, columns)
    return kept, report
