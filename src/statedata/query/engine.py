"""The DuckDB engine behind the data API: one in-memory database per process, a cursor per query.

A version's rows are a view over its Parquet files, read by DuckDB's own reader (statistics,
parallel scans, metadata cached) and named once per (dataset, version): versions never change, so a
view never goes stale. A lake on object storage is read through the version's Arrow dataset instead.
Each query holds one of a fixed number of slots and is interrupted when it passes the time limit.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from statedata.core.config import Settings
from statedata.core.errors import BadQuery
from statedata.query.soql import string_literal
from statedata.storage.lake import open_table_store
from statedata.storage.store import TableStore

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds

# A row's identity within a version: which file, which row of it (read_parquet's virtual columns,
# named so that no dataset column can clash with them).
FILE_INDEX = "__statedata_file"
ROW_NUMBER = "__statedata_row"


@dataclass(frozen=True)
class Relation:
    """Where a version's rows are, as a name a query can select from."""

    name: str
    row_identity: bool  # the relation has FILE_INDEX and ROW_NUMBER (keyset paging uses them)
    arrow: Any = None  # an Arrow dataset to register on the cursor (object storage)


EXPORT_MEMORY_LIMIT = "128MB"
EXPORT_STREAM_BUFFER = "100KB"
ARROW_CACHE_SIZE = 256


def _database(threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
    database = duckdb.connect(
        ":memory:",
        config={
            "threads": threads,
            "memory_limit": memory_limit,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    # Parquet footers are read once per file, not once per query (versions never change).
    database.execute("SET parquet_metadata_cache = true")
    return database


class QueryEngine:
    """What every data API query in this process runs on."""

    def __init__(self, settings: Settings) -> None:
        self.timeout_seconds = settings.query_timeout_seconds
        self.max_rows = settings.query_max_rows
        self._store: TableStore = open_table_store(settings)
        self._database = _database(settings.query_threads, settings.query_memory_limit)
        # Streamed exports run on a database of their own with one thread and a small memory
        # limit: a 5M-row CSV then holds ~70 MB at its peak instead of ~135 MB, and a long
        # download never takes threads from the pages people are waiting for.
        self._exports = _database(1, EXPORT_MEMORY_LIMIT)
        self._slots = threading.BoundedSemaphore(settings.query_concurrency)
        self._views: set[str] = set()
        self._arrow: dict[tuple[str, int], ds.Dataset] = {}
        self._lock = threading.Lock()

    @property
    def store(self) -> TableStore:
        return self._store

    def relation(self, key: str, store_version: int) -> Relation:
        """The version's rows, as a view made the first time it is asked for."""
        name = "v_" + re.sub(r"[^a-z0-9]", "_", key.lower()) + f"_{store_version}"
        if name in self._views:
            return Relation(name, row_identity=True)
        files = self._store.data_files(key, store_version)
        if files is None:
            return Relation(name, row_identity=False, arrow=self._store.dataset(key, store_version))
        with self._lock:
            if name not in self._views:
                if files:
                    listed = ", ".join(string_literal(f) for f in files)
                    source = (
                        f"SELECT *, file_index AS {FILE_INDEX}, file_row_number AS {ROW_NUMBER} "  # noqa: S608 (paths quoted)
                        f"FROM read_parquet([{listed}])"
                    )
                else:  # a version with no rows has no files; keep its columns
                    source = f"SELECT * FROM {self._empty_source(key, store_version)}"  # noqa: S608
                view = f"CREATE OR REPLACE VIEW {name} AS {source}"
                self._database.execute(view)
                self._exports.execute(view)
                self._views.add(name)
        return Relation(name, row_identity=True)

    def _empty_source(self, key: str, store_version: int) -> str:
        schema: pa.Schema = self._store.dataset(key, store_version).schema
        table = pa.table(
            {
                **{f.name: pa.array([], f.type) for f in schema},
                FILE_INDEX: pa.array([], pa.int64()),
                ROW_NUMBER: pa.array([], pa.int64()),
            }
        )
        holder = f"empty_{re.sub(r'[^a-z0-9]', '_', key.lower())}_{store_version}"
        self._database.register(holder, table)
        self._exports.register(holder, table)
        return holder

    def arrow_dataset(self, key: str, store_version: int) -> ds.Dataset:
        """The version as an Arrow dataset (for the SQL workspace), opened once per version."""
        with self._lock:
            found = self._arrow.get((key, store_version))
        if found is None:
            found = self._store.dataset(key, store_version)
            with self._lock:
                self._arrow[(key, store_version)] = found
                while len(self._arrow) > ARROW_CACHE_SIZE:
                    self._arrow.pop(next(iter(self._arrow)))
        return found

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One of the process's query slots, waited for up to the time limit."""
        if not self._slots.acquire(timeout=self.timeout_seconds):
            raise BadQuery("The server is busy with other queries; try again in a moment.")
        try:
            yield
        finally:
            self._slots.release()

    @contextmanager
    def cursor(
        self, relation: Relation, *, export: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for a query, stopped after the time limit; an export's cursor is not."""
        with self.slot(), self._cursor(relation, export=export) as cursor:
            yield cursor

    @contextmanager
    def job_cursor(self, *relations: Relation) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for a background job's reading (quality checks, profiles): it takes no query
        slot and has no time limit, since nobody waits on it and a whole version must be read."""
        cursor = self._database.cursor()
        try:
            for relation in relations:
                if relation.arrow is not None:
                    cursor.register(relation.name, relation.arrow)
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def _cursor(self, relation: Relation, *, export: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        cursor = (self._exports if export else self._database).cursor()
        if export:
            # DuckDB runs a streamed result ahead of its reader (up to ~1 MB a buffer by
            # default); an export only ever needs the next batch. Measured: ~8 MB less at the
            # peak of a streamed export, and no slower.
            cursor.execute(f"SET streaming_buffer_size = '{EXPORT_STREAM_BUFFER}'")
        timer = None if export else threading.Timer(self.timeout_seconds, cursor.interrupt)
        try:
            if relation.arrow is not None:
                cursor.register(relation.name, relation.arrow)
            if timer is not None:
                timer.start()
            yield cursor
        except duckdb.InterruptException:
            raise BadQuery(
                f"The query ran longer than {self.timeout_seconds:g} seconds and was stopped; "
                "narrow it with $where or $limit."
            ) from None
        finally:
            if timer is not None:
                timer.cancel()
            cursor.close()

    def close(self) -> None:
        self._database.close()
        self._exports.close()


_engines: dict[tuple[str, str], QueryEngine] = {}
_engines_lock = threading.Lock()


def _engine_key(settings: Settings) -> tuple[str, str]:
    return (settings.resolved_lake_uri, str(settings.home))


def close_engines(settings: Settings) -> None:
    """Close this instance's engine (the app's shutdown; the next query opens a new one)."""
    with _engines_lock:
        engine = _engines.pop(_engine_key(settings), None)
    if engine is not None:
        engine.close()


def engine_for(settings: Settings) -> QueryEngine:
    """The process's engine for this lake (tests run several instances in one process)."""
    key = _engine_key(settings)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = QueryEngine(settings)
        return engine
