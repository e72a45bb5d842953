"""Rows of a version filtered, searched, sorted and paged, as CKAN's ``datastore_search`` asks.

Column names are checked against the version's schema and quoted; values are always bound as
parameters and cast to the column's (allow-listed) type, so nothing a client sends becomes SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from statedata.core.errors import InvalidInput
from statedata.storage.readers import COLUMN_TYPE, READER_MEMORY_LIMIT
from statedata.storage.schema import Column

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds

MAX_LIMIT = 32_000
DEFAULT_LIMIT = 100
_SORT = re.compile(r'^\s*"?([^"]+?)"?(?:\s+(asc|desc))?\s*$', re.IGNORECASE)


@dataclass
class RowQuery:
    filters: dict[str, Any] = field(default_factory=dict)
    q: str | dict[str, str] = ""
    fields: list[str] | None = None
    sort: str = ""
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    include_total: bool = True


@dataclass
class RowPage:
    fields: list[Column]
    records: list[dict[str, Any]]
    total: int | None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column(columns: dict[str, Column], name: str, where: str) -> Column:
    if name not in columns:
        raise InvalidInput(f"{where}: {name!r} is not a column; columns are {', '.join(columns)}.")
    column = columns[name]
    if not COLUMN_TYPE.match(column.type):
        raise InvalidInput(f"{where}: column {name!r} cannot be used here.")
    return column


def _where(columns: dict[str, Column], query: RowQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for name, wanted in query.filters.items():
        column = _column(columns, name, "filters")
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values:
            raise InvalidInput(f"filters: {name!r} has an empty list of values.")
        marks = ", ".join(f"CAST(? AS {column.type})" for _ in values)
        clauses.append(f"{_quoted(name)} IN ({marks})")
        params.extend(str(v) if not isinstance(v, bool) else str(v).lower() for v in values)
    searched = query.q if isinstance(query.q, dict) else ({"": query.q} if query.q else {})
    for name, text in searched.items():
        if not str(text).strip():
            continue
        targets = (
            [_column(columns, name, "q")]
            if name
            else [c for c in columns.values() if c.type == "VARCHAR"]
        )
        if not targets:
            raise InvalidInput("q: this table has no text columns to search.")
        parts = [f"contains(lower(CAST({_quoted(c.name)} AS VARCHAR)), lower(?))" for c in targets]
        clauses.append("(" + " OR ".join(parts) + ")")
        params.extend(str(text) for _ in targets)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _order(columns: dict[str, Column], sort: str) -> str:
    if not sort.strip():
        return ""
    terms = []
    for part in sort.split(","):
        match = _SORT.match(part)
        if not match:
            raise InvalidInput(f"sort: {part.strip()!r} must be a column, then asc or desc.")
        column = _column(columns, match.group(1), "sort")
        terms.append(f"{_quoted(column.name)} {(match.group(2) or 'asc').upper()}")
    return " ORDER BY " + ", ".join(terms)


def query_rows(rows: ds.Dataset, columns: list[Column], query: RowQuery) -> RowPage:
    """One page of a version's rows that match the query."""
    if not 0 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: {query.limit} must be between 0 and {MAX_LIMIT}.")
    if query.offset < 0:
        raise InvalidInput(f"offset: {query.offset} must not be negative.")
    by_name = {c.name: c for c in columns}
    chosen = [_column(by_name, n, "fields") for n in query.fields] if query.fields else columns
    where, params = _where(by_name, query)
    select_list = ", ".join(_quoted(c.name) for c in chosen)
    connection = duckdb.connect(config={"threads": 2, "memory_limit": READER_MEMORY_LIMIT})
    try:
        connection.register("version_rows", rows)
        sql = f"SELECT {select_list} FROM version_rows{where}{_order(by_name, query.sort)} LIMIT ? OFFSET ?"  # noqa: S608 (names checked and quoted; values bound)
        result = connection.execute(sql, [*params, query.limit, query.offset])
        names = [d[0] for d in result.description]
        records = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        total = None
        if query.include_total:
            count_sql = f"SELECT count(*) FROM version_rows{where}"  # noqa: S608 (as above)
            counted = connection.execute(count_sql, params).fetchone()
            total = int(counted[0]) if counted else 0
    except duckdb.ConversionException as exc:
        raise InvalidInput(f"filters: a value does not fit its column's type ({exc}).") from None
    finally:
        connection.close()
    return RowPage(fields=chosen, records=records, total=total)
