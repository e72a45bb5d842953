"""Rows of a version filtered, searched, sorted and paged, as CKAN's ``datastore_search`` asks.

It runs over a :class:`~statedata.query.reading.Reading`, so masked columns come back as nulls and
cannot be filtered, searched or sorted on. Column names are checked against the version's schema
and quoted; values are always bound as parameters and cast to the column's (allow-listed) type,
so nothing a client sends becomes SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from statedata.core.errors import InvalidInput
from statedata.query.reading import Reading
from statedata.query.rows import run_statement
from statedata.query.soql import literal_value
from statedata.storage.duck import COLUMN_TYPE
from statedata.storage.quoting import quoted
from statedata.storage.schema import Column

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


def _column(
    columns: dict[str, Column], name: str, where: str, masked: frozenset[str] = frozenset()
) -> Column:
    if name not in columns:
        raise InvalidInput(f"{where}: {name!r} is not a column; columns are {', '.join(columns)}.")
    if name in masked:
        raise InvalidInput(f"{where}: {name!r} is a masked column you may not query.")
    column = columns[name]
    if not COLUMN_TYPE.match(column.type):
        raise InvalidInput(f"{where}: column {name!r} cannot be used here.")
    return column


def _refusal(where: str) -> Callable[[str], InvalidInput]:
    def refuse(why: str) -> InvalidInput:
        return InvalidInput(f"{where}: {why}.")

    return refuse


def _where(
    columns: dict[str, Column], query: RowQuery, masked: frozenset[str]
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for name, wanted in query.filters.items():
        column = _column(columns, name, "filters", masked)
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values:
            raise InvalidInput(f"filters: {name!r} has an empty list of values.")
        texts = [str(v) if not isinstance(v, bool) else str(v).lower() for v in values]
        for text in texts:  # a value that cannot be of the column's type is named here
            literal_value(text, column.type, _refusal(f"filters: {name}"))
        marks = ", ".join(f"CAST(? AS {column.type})" for _ in values)
        clauses.append(f"{quoted(name)} IN ({marks})")
        params.extend(texts)
    searched = query.q if isinstance(query.q, dict) else ({"": query.q} if query.q else {})
    for name, text in searched.items():
        if not str(text).strip():
            continue
        targets = (
            [_column(columns, name, "q", masked)]
            if name
            else [c for c in columns.values() if c.type == "VARCHAR" and c.name not in masked]
        )
        if not targets:
            raise InvalidInput("q: this table has no text columns to search.")
        parts = [f"contains(lower(CAST({quoted(c.name)} AS VARCHAR)), lower(?))" for c in targets]
        clauses.append("(" + " OR ".join(parts) + ")")
        params.extend(str(text) for _ in targets)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _order(columns: dict[str, Column], sort: str, masked: frozenset[str]) -> str:
    if not sort.strip():
        return ""
    terms = []
    for part in sort.split(","):
        match = _SORT.match(part)
        if not match:
            raise InvalidInput(f"sort: {part.strip()!r} must be a column, then asc or desc.")
        column = _column(columns, match.group(1), "sort", masked)
        terms.append(f"{quoted(column.name)} {(match.group(2) or 'asc').upper()}")
    return " ORDER BY " + ", ".join(terms)


def search_rows(reading: Reading, query: RowQuery) -> RowPage:
    """One page of a version's rows that match the query."""
    if not 0 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: {query.limit} must be between 0 and {MAX_LIMIT}.")
    if not 0 <= query.offset <= 2**63 - 1:
        raise InvalidInput(f"offset: {query.offset} must be between 0 and {2**63 - 1:,}.")
    by_name = {c.name: c for c in reading.columns}
    chosen = (
        [_column(by_name, n, "fields") for n in query.fields] if query.fields else reading.columns
    )
    where, params = _where(by_name, query, reading.masked)
    select_list = ", ".join(quoted(c.name) for c in chosen)
    order = _order(by_name, query.sort, reading.masked)
    source = reading.relation.name
    sql = f"SELECT {select_list} FROM {source}{where}{order} LIMIT ? OFFSET ?"  # noqa: S608 (names checked and quoted; values bound)
    table = run_statement(reading, sql, [*params, query.limit, query.offset])
    total = None
    if query.include_total:
        count_sql = f"SELECT count(*) FROM {source}{where}"  # noqa: S608 (as above)
        total = int(run_statement(reading, count_sql, params).column(0)[0].as_py())
    return RowPage(fields=chosen, records=table.to_pylist(), total=total)
