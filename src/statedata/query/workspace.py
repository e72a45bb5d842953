"""The SQL workspace: one SELECT over the datasets a signed-in person may read, in a sandbox.

Each statement runs on a DuckDB database of its own, made for it and closed after it:

- Only the datasets the person may read are there, as tables named by slug (``-`` becomes ``_``),
  registered as Arrow datasets whose schema leaves out the columns masked for the person, so a
  masked column does not exist for them at all (no name, alias or function can reach it).
- External access is off and the configuration locked before any user text runs: no file, URL,
  extension, ATTACH, COPY or settings change, whatever the statement says.
- DuckDB's own parser must find exactly one statement, of type SELECT.
- A time limit interrupts it, a row cap cuts the result, and it takes one of the process's query
  slots like any API query.

Each non-public dataset a statement names is authorized, and so audited, as a read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlglot import exp

from statedata.catalog.versions import current_columns
from statedata.core.config import Settings
from statedata.core.errors import BadQuery, InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, authorize
from statedata.query.models import SavedQuery
from statedata.query.reading import Use, masked_for, open_reading, readable_datasets
from statedata.storage.duck import engine_for
from statedata.storage.lake import csv_stream
from statedata.storage.schema import Column, columns_of

MAX_SQL_CHARS = 20_000
MAX_TITLE_CHARS = 200
FETCH_BATCH_ROWS = 10_000


def table_name(slug: str) -> str:
    """A dataset's table name in the workspace: its slug, with ``-`` as ``_`` so it needs no quotes."""
    return slug.replace("-", "_")


@dataclass(frozen=True)
class WorkspaceTable:
    name: str
    public_id: str
    title: str
    columns: list[Column]
    masked: list[str]


def workspace_tables(session: Session, *, actor: Actor) -> list[WorkspaceTable]:
    """The datasets the actor may read rows of, as the workspace names them (a list, not a read)."""
    authorize(session, actor=actor, action=Action.USE_SQL_WORKSPACE)
    found = []
    for dataset in readable_datasets(session, actor=actor):
        columns = current_columns(dataset)
        masked = masked_for(session, actor, dataset)
        found.append(
            WorkspaceTable(
                name=table_name(dataset.slug),
                public_id=dataset.public_id,
                title=dataset.title,
                columns=[c for c in columns if c.name not in masked],
                masked=sorted(masked),
            )
        )
    return found


@dataclass
class SqlResult:
    table: pa.Table
    truncated: bool
    row_cap: int
    tables: list[str]
    elapsed_ms: float

    @property
    def columns(self) -> list[Column]:
        return columns_of(self.table.schema)

    @property
    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.table.to_pylist()
        return rows

    def csv(self) -> Iterator[bytes]:
        return csv_stream(
            pa.RecordBatchReader.from_batches(self.table.schema, self.table.to_batches())
        )


def _check_text(sql: str) -> str:
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise BadQuery("sql: write a SELECT statement, for example SELECT * FROM a_table LIMIT 10.")
    if len(text) > MAX_SQL_CHARS:
        raise BadQuery(f"sql: is {len(text):,} characters; the limit is {MAX_SQL_CHARS:,}.")
    return text


def _named_tables(text: str) -> set[str] | None:
    """Table names the statement mentions (lower case), or None when sqlglot cannot read it.

    Only used to choose which datasets to register; DuckDB still decides what the statement means,
    and a table left out is simply missing, never reachable some other way.
    """
    try:
        trees = sqlglot.parse(text, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return None
    return {t.name.lower() for tree in trees if tree is not None for t in tree.find_all(exp.Table)}


def _message(exc: duckdb.Error) -> str:
    return str(exc).strip()


def _only_select(database: duckdb.DuckDBPyConnection, text: str) -> None:
    try:
        statements = database.extract_statements(text)
    except duckdb.ParserException as exc:
        raise BadQuery(f"sql: {_message(exc)}") from None
    if len(statements) != 1:
        raise BadQuery(f"sql: send one statement, not {len(statements)}.")
    kind = statements[0].type
    if kind is not duckdb.StatementType.SELECT:
        raise BadQuery(
            f"sql: only SELECT statements run here; this one is {kind.name}. The workspace reads; "
            "it never changes data, files or settings."
        )


def run_sql(
    session: Session, *, actor: Actor, settings: Settings, sql: str, limit: int | None = None
) -> SqlResult:
    """Run one SELECT; the result holds at most ``limit`` rows (the configured cap at most)."""
    authorize(session, actor=actor, action=Action.USE_SQL_WORKSPACE)
    text = _check_text(sql)
    cap = settings.query_max_rows if limit is None else limit
    if not 1 <= cap <= settings.query_max_rows:
        raise BadQuery(f"limit: {cap} must be between 1 and {settings.query_max_rows:,}.")
    engine = engine_for(settings)
    database = engine.sandbox()
    try:
        _only_select(database, text)
        named = _named_tables(text)
        used: list[str] = []
        for dataset in readable_datasets(session, actor=actor):
            name = table_name(dataset.slug)
            if named is not None and name.lower() not in named:
                continue
            # Authorized (and audited when not public) as a read of the rows, like the API.
            reading = open_reading(
                session, actor=actor, settings=settings, ref=dataset.public_id, use=Use.API
            )
            database.register(name, reading.arrow())
            used.append(name)
        started = time.perf_counter()
        with engine.slot():
            table, truncated = _fetch(database, text, cap, engine.timeout_seconds)
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        database.close()
    return SqlResult(
        table=table,
        truncated=truncated,
        row_cap=cap,
        tables=used,
        elapsed_ms=round(elapsed, 1),
    )


def _fetch(
    database: duckdb.DuckDBPyConnection, text: str, cap: int, timeout: float
) -> tuple[pa.Table, bool]:
    timer = threading.Timer(timeout, database.interrupt)
    timer.start()
    try:
        relation = database.sql(text)
        reader = relation.to_arrow_reader(FETCH_BATCH_ROWS)
        batches: list[pa.RecordBatch] = []
        held = 0
        for batch in reader:
            batches.append(batch)
            held += batch.num_rows
            if held > cap:
                break
        table = pa.Table.from_batches(batches, schema=reader.schema)
    except duckdb.InterruptException:
        raise BadQuery(
            f"sql: the statement ran longer than {timeout:g} seconds and was stopped."
        ) from None
    except duckdb.PermissionException as exc:
        raise BadQuery(
            f"sql: files, URLs and extensions cannot be reached from the workspace ({_message(exc)})"
        ) from None
    except duckdb.Error as exc:
        raise BadQuery(f"sql: {_message(exc)}") from None
    finally:
        timer.cancel()
    return table.slice(0, cap), table.num_rows > cap


# saved queries -------------------------------------------------------------------------------


def _checked(title: str, sql: str) -> tuple[str, str]:
    title = title.strip()
    if not title:
        raise InvalidInput("title: give the query a title.")
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidInput(f"title: is {len(title)} characters; the limit is {MAX_TITLE_CHARS}.")
    return title, _check_text(sql)


def save_query(
    session: Session, *, actor: Actor, title: str, sql: str, query_id: int | None = None
) -> SavedQuery:
    """Keep a statement under a title (a new one, or a change to one of the actor's own)."""
    authorize(session, actor=actor, action=Action.SAVE_SQL_QUERY)
    title, text = _checked(title, sql)
    if query_id is None:
        saved = SavedQuery(user_id=actor.user_id, title=title, sql=text)
        session.add(saved)
    else:
        saved = get_saved(session, actor=actor, query_id=query_id)
        saved.title, saved.sql = title, text
    session.flush()
    return saved


def list_saved(session: Session, *, actor: Actor) -> list[SavedQuery]:
    authorize(session, actor=actor, action=Action.USE_SQL_WORKSPACE)
    return list(
        session.scalars(
            select(SavedQuery)
            .where(SavedQuery.user_id == actor.user_id)
            .order_by(SavedQuery.updated_at.desc(), SavedQuery.id.desc())
        )
    )


def get_saved(session: Session, *, actor: Actor, query_id: int) -> SavedQuery:
    """One of the actor's saved queries; anyone else's is reported as not found."""
    authorize(session, actor=actor, action=Action.USE_SQL_WORKSPACE)
    saved = session.get(SavedQuery, query_id)
    if saved is None or saved.user_id != actor.user_id:
        raise NotFound(f"You have no saved query {query_id}.")
    return saved


def delete_saved(session: Session, *, actor: Actor, query_id: int) -> None:
    authorize(session, actor=actor, action=Action.SAVE_SQL_QUERY)
    session.delete(get_saved(session, actor=actor, query_id=query_id))
    session.flush()
