"""Statements over a :class:`~statedata.query.reading.Reading`: a page of rows, a count, facets,
a streamed export.

Each takes a reading, so each runs over the reading's relation, where the columns the reader may
not see are nulls; the SoQL compiler also refuses to name them, so no filter can probe them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from statedata.core.errors import BadQuery
from statedata.query.reading import Reading
from statedata.query.soql import CompiledQuery, SoqlRequest, compile_soql, literal_value
from statedata.storage.duck import FILE_INDEX, ROW_NUMBER
from statedata.storage.quoting import quoted
from statedata.storage.schema import Column, columns_of

DEFAULT_LIMIT = 1000
FACET_LIMIT = 50
EXPORT_BATCH_ROWS = 10_000


@dataclass
class RowsRequest:
    soql: SoqlRequest = field(default_factory=SoqlRequest)
    limit: int | None = None
    offset: int = 0
    cursor: str = ""
    include_total: bool = True


@dataclass
class RowsPage:
    fields: list[Column]
    rows: list[dict[str, Any]]
    total: int | None
    next_cursor: str | None
    masked: list[str]


def _compiled(target: Reading, soql: SoqlRequest) -> CompiledQuery:
    return compile_soql(soql, target.columns, masked=target.masked, geo=target.geo)


MAX_OFFSET = 2**63 - 1  # what the database's OFFSET holds


def _limit(request: RowsRequest, max_rows: int) -> int:
    limit = DEFAULT_LIMIT if request.limit is None else request.limit
    if not 0 <= limit <= max_rows:
        raise BadQuery(f"$limit: {limit} must be between 0 and {max_rows}.")
    if request.offset < 0:
        raise BadQuery(f"$offset: {request.offset} must not be negative.")
    if request.offset > MAX_OFFSET:
        raise BadQuery(f"$offset: {request.offset} is past any table (at most {MAX_OFFSET:,}).")
    return limit


@dataclass
class _Statement:
    sql: str
    params: list[Any]
    hidden: int  # trailing columns that are paging keys, not output


def _keyset_ready(target: Reading, compiled: CompiledQuery) -> bool:
    return (
        target.relation.row_identity
        and not compiled.aggregated
        and bool(compiled.order)
        and all(t.column is not None for t in compiled.order)
    )


def _statement(
    target: Reading,
    compiled: CompiledQuery,
    *,
    keyset: bool,
    after: list[Any] | None,
    limit: int | None,
    offset: int,
) -> _Statement:
    items = [f"{sql} AS {quoted(name)}" for sql, name in compiled.select]
    where = [compiled.where] if compiled.where else []
    where_params = list(compiled.where_params)
    hidden = 0
    order_sql = [f"{t.sql} {'DESC' if t.descending else 'ASC'} NULLS LAST" for t in compiled.order]
    if keyset:
        items += [f"{t.sql} AS __key{i}" for i, t in enumerate(compiled.order)]
        items += [f"{FILE_INDEX} AS __file", f"{ROW_NUMBER} AS __row"]
        hidden = len(compiled.order) + 2
        order_sql += [f"{FILE_INDEX} ASC", f"{ROW_NUMBER} ASC"]
        if after is not None:
            predicate, params = _after(compiled, after)
            where.append(predicate)
            where_params += params
    sql = f"SELECT {', '.join(items)} FROM {target.relation.name}"  # noqa: S608 (allow-listed fragments)
    if where:
        sql += " WHERE " + " AND ".join(where)
    if compiled.group:
        sql += f" GROUP BY {compiled.group}"
    if compiled.having:
        sql += f" HAVING {compiled.having}"
    if order_sql:
        sql += " ORDER BY " + ", ".join(order_sql)
    params = [
        *compiled.select_params,
        *where_params,
        *compiled.group_params,
        *compiled.having_params,
        *compiled.order_params,
    ]
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return _Statement(sql, params, hidden)


def _after(compiled: CompiledQuery, after: list[Any]) -> tuple[str, list[Any]]:
    """Rows strictly after the last row of the page, in the page's order (nulls sort last)."""
    terms: list[tuple[str, bool, Any]] = [
        (t.sql, t.descending, v) for t, v in zip(compiled.order, after[:-2], strict=True)
    ]
    terms += [(FILE_INDEX, False, after[-2]), (ROW_NUMBER, False, after[-1])]
    alternatives: list[str] = []
    params: list[Any] = []
    for i, (sql, descending, value) in enumerate(terms):
        if value is None:
            continue  # with nulls last, nothing sorts strictly after a null
        equal_parts = []
        for earlier_sql, _, earlier in terms[:i]:
            equal_parts.append(f"{earlier_sql} IS NOT DISTINCT FROM ?")
            params.append(earlier)
        beyond = f"({sql} {'<' if descending else '>'} ? OR {sql} IS NULL)"
        params.append(value)
        alternatives.append("(" + " AND ".join([*equal_parts, beyond]) + ")")
    return ("(" + " OR ".join(alternatives) + ")" if alternatives else "FALSE"), params


# cursors -----------------------------------------------------------------------------------


def _fingerprint(target: Reading, soql: SoqlRequest) -> str:
    text = json.dumps([target.etag_base, soql.__dict__], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _encode_cursor(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, fingerprint: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadQuery(
            "cursor: is not a cursor this API gave out; start from the first page."
        ) from None
    if not isinstance(payload, dict) or payload.get("q") != fingerprint:
        raise BadQuery("cursor: belongs to another query or version; start from the first page.")
    return payload


def _typed_keys(compiled: CompiledQuery, values: list[Any]) -> list[Any]:
    """Cursor values (JSON) back to the column types they are compared with."""
    typed: list[Any] = []
    for term, value in zip(compiled.order, values[:-2], strict=True):
        assert term.column is not None
        if value is None or not isinstance(value, str):
            typed.append(value)
            continue
        typed.append(
            literal_value(value, term.column.type, lambda why: BadQuery(f"cursor: {why}."))
        )
    try:
        return [*typed, int(values[-2]), int(values[-1])]
    except (TypeError, ValueError):
        raise BadQuery(
            "cursor: is not a cursor this API gave out; start from the first page."
        ) from None


# running -----------------------------------------------------------------------------------


def _run(target: Reading, statement: _Statement) -> pa.Table:
    with target.engine.cursor(target.relation) as cursor:
        try:
            result: pa.Table = cursor.sql(statement.sql, params=statement.params).to_arrow_table()
        except (duckdb.ProgrammingError, duckdb.DataError, duckdb.NotImplementedException) as exc:
            raise BadQuery(
                f"The query cannot run on this dataset: {_duckdb_message(exc)}"
            ) from None
    return result


def run_statement(target: Reading, sql: str, params: list[Any]) -> pa.Table:
    """SQL the caller built over ``target.relation`` from checked names, with bound values."""
    return _run(target, _Statement(sql, params, 0))


def _duckdb_message(exc: Exception) -> str:
    first = str(exc).split("\n")[0]
    return first.split(": ", 1)[-1] if ": " in first else first


def query_rows(target: Reading, request: RowsRequest) -> RowsPage:
    """One page of rows (or groups), the total count, and a cursor for the next page."""
    limit = _limit(request, target.engine.max_rows)
    compiled = _compiled(target, request.soql)
    keyset = _keyset_ready(target, compiled)
    fingerprint = _fingerprint(target, request.soql)
    offset, after = request.offset, None
    if request.cursor:
        payload = _decode_cursor(request.cursor, fingerprint)
        if "k" in payload and keyset:
            after = _typed_keys(compiled, list(payload["k"]))
            offset = 0
        elif isinstance(payload.get("o"), int) and payload["o"] >= 0:
            offset = payload["o"]
        else:
            raise BadQuery("cursor: does not fit this query; start from the first page.")
    statement = _statement(target, compiled, keyset=keyset, after=after, limit=limit, offset=offset)
    table = _run(target, statement)
    output = table.select(list(range(table.num_columns - statement.hidden)))
    rows = output.to_pylist()
    next_cursor = None
    if limit and len(rows) == limit:
        if keyset:
            last = table.slice(table.num_rows - 1).to_pylist()[0]
            keys = [last[f"__key{i}"] for i in range(len(compiled.order))]
            next_cursor = _encode_cursor(
                {"q": fingerprint, "k": [*keys, last["__file"], last["__row"]]}
            )
        else:
            next_cursor = _encode_cursor({"q": fingerprint, "o": offset + limit})
    total = count_rows(target, compiled) if request.include_total else None
    return RowsPage(
        fields=columns_of(output.schema),
        rows=rows,
        total=total,
        next_cursor=next_cursor,
        masked=sorted(target.masked),
    )


def count_rows(target: Reading, compiled: CompiledQuery) -> int:
    """Rows (or groups) the query matches, ignoring paging."""
    if not compiled.where and not compiled.aggregated:
        return target.version.rows  # the whole version: counted when it was loaded
    where = f" WHERE {compiled.where}" if compiled.where else ""
    if compiled.aggregated:
        listed = ", ".join(s for s, _ in compiled.select)
        inner = f"SELECT {listed} FROM {target.relation.name}{where}"  # noqa: S608 (allow-listed)
        if compiled.group:
            inner += f" GROUP BY {compiled.group}"
        if compiled.having:
            inner += f" HAVING {compiled.having}"
        sql = f"SELECT count(*) FROM ({inner})"  # noqa: S608 (fragments from the allow-list)
        params = [
            *compiled.select_params,
            *compiled.where_params,
            *compiled.group_params,
            *compiled.having_params,
        ]
    else:
        sql = f"SELECT count(*) FROM {target.relation.name}{where}"  # noqa: S608 (as above)
        params = list(compiled.where_params)
    table = _run(target, _Statement(sql, params, 0))
    return int(table.column(0)[0].as_py())


def facets(
    target: Reading, names: list[str], soql: SoqlRequest, limit: int = FACET_LIMIT
) -> dict[str, Any]:
    """The commonest values of each column with their counts, in one scan (grouping sets)."""
    if not names:
        raise BadQuery("columns: name at least one column to count values of.")
    if not 1 <= limit <= 1000:
        raise BadQuery(f"limit: {limit} must be between 1 and 1000.")
    known = {c.name for c in target.columns}
    for name in names:
        if name not in known:
            raise BadQuery(f"columns: {name!r} is not a column of this dataset.")
        if name in target.masked:
            raise BadQuery(f"columns: {name!r} is a masked column you may not count values of.")
    compiled = _compiled(target, soql)
    if compiled.aggregated:
        raise BadQuery("$select: facets count rows; send only $where, $q and column filters.")
    where = f" WHERE {compiled.where}" if compiled.where else ""
    values = ", ".join(
        f"CASE WHEN grouping({quoted(n)}) = 0 THEN CAST({quoted(n)} AS VARCHAR) END" for n in names
    )
    slot = " ".join(f"WHEN grouping({quoted(n)}) = 0 THEN {i}" for i, n in enumerate(names))
    sets = ", ".join(f"({quoted(n)})" for n in names)
    sql = (
        f"SELECT CASE {slot} END AS facet, coalesce({values}) AS value, "  # noqa: S608 (checked names)
        f"count(*) AS count FROM {target.relation.name}{where} GROUP BY GROUPING SETS ({sets}) "
        "QUALIFY row_number() OVER (PARTITION BY facet ORDER BY count(*) DESC, value NULLS LAST) <= ? "
        "ORDER BY facet, count DESC, value NULLS LAST"
    )
    table = _run(target, _Statement(sql, [*compiled.where_params, limit + 1], 0))
    found: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for row in table.to_pylist():
        found[names[row["facet"]]].append({"value": row["value"], "count": row["count"]})
    return {
        "facets": [
            {"column": n, "values": found[n][:limit], "more": len(found[n]) > limit} for n in names
        ]
    }


def export_rows(
    target: Reading, soql: SoqlRequest, limit: int | None, offset: int = 0
) -> pa.RecordBatchReader:
    """The query's whole result as a stream of batches; the caller must exhaust or close it.

    Not cut off by the time limit: an export of millions of rows takes as long as the client
    takes to read it. The cursor and its slot are released when the stream ends or is closed.
    """
    if limit is not None and limit < 0:
        raise BadQuery(f"$limit: {limit} must not be negative.")
    if offset < 0:
        raise BadQuery(f"$offset: {offset} must not be negative.")
    compiled = _compiled(target, soql)
    if offset and limit is None:
        limit = 2**62  # OFFSET needs a LIMIT in this statement's shape
    statement = _statement(target, compiled, keyset=False, after=None, limit=limit, offset=offset)
    context = target.engine.cursor(target.relation, export=True)
    cursor = context.__enter__()
    try:
        relation = cursor.sql(statement.sql, params=statement.params)
        reader: pa.RecordBatchReader = relation.to_arrow_reader(EXPORT_BATCH_ROWS)
    except (duckdb.ProgrammingError, duckdb.DataError, duckdb.NotImplementedException) as exc:
        context.__exit__(None, None, None)
        raise BadQuery(f"The query cannot run on this dataset: {_duckdb_message(exc)}") from None
    except BaseException:
        context.__exit__(None, None, None)
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            _ = relation  # the result lives as long as its relation
            yield from reader
        finally:
            context.__exit__(None, None, None)

    return pa.RecordBatchReader.from_batches(reader.schema, batches())
