"""SQL for a column's value as a number, text or date, whatever type it is stored as.

A file checked before loading is read as text, a stored version is typed; the same rule must
mean the same thing on both, so rules compare through these.
"""

from __future__ import annotations

from typing import Any

from statedata.quality.rules import CheckContext, Fragment
from statedata.storage.quoting import quoted

NUMERIC_PREFIXES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "REAL",
    "UBIGINT",
    "UINTEGER",
)


def column_type(name: str, context: CheckContext) -> str:
    column = context.columns.get(name)
    return column.type.upper() if column is not None else "VARCHAR"


def as_number(name: str, context: CheckContext) -> str:
    if column_type(name, context).startswith(NUMERIC_PREFIXES):
        return quoted(name)
    return f"TRY_CAST({quoted(name)} AS DOUBLE)"


def as_text(name: str, context: CheckContext) -> str:
    if column_type(name, context) == "VARCHAR":
        return quoted(name)
    return f"CAST({quoted(name)} AS VARCHAR)"


def is_temporal(name: str, context: CheckContext) -> bool:
    kind = column_type(name, context)
    return kind == "DATE" or kind.startswith("TIMESTAMP")


def outside(value: str, minimum: Any, maximum: Any, hole: str = "?") -> Fragment:
    """A condition true when ``value`` is below ``minimum`` or above ``maximum`` (either may be
    None: open); ``hole`` is how each bound is bound (``CAST(? AS DATE)`` for dates)."""
    parts, params = [], []
    if minimum is not None:
        parts.append(f"{value} < {hole}")
        params.append(minimum)
    if maximum is not None:
        parts.append(f"{value} > {hole}")
        params.append(maximum)
    return Fragment("(" + " OR ".join(parts) + ")", tuple(params))
