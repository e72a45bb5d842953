"""SQL for a column's value as a number, text or date, whatever type it is stored as.

A file checked before loading is read as text, a stored version is typed; the same rule must
mean the same thing on both, so rules compare through these.
"""

from __future__ import annotations

from statedata.quality.rules import CheckContext, column_sql

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
        return column_sql(name)
    return f"TRY_CAST({column_sql(name)} AS DOUBLE)"


def as_text(name: str, context: CheckContext) -> str:
    if column_type(name, context) == "VARCHAR":
        return column_sql(name)
    return f"CAST({column_sql(name)} AS VARCHAR)"


def is_temporal(name: str, context: CheckContext) -> bool:
    kind = column_type(name, context)
    return kind == "DATE" or kind.startswith("TIMESTAMP")
