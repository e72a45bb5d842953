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
from typing import Any

import duckdb
import pyarrow as pa

from statedata.core.config import Settings
from statedata.core.errors import BadQuery
from statedata.storage.lake import open_table_store
from statedata.storage.store import TableStore

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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class QueryEngine:
    """What every data API query in this process runs on."""

    def __init__(self, settings: Settings) -> None:
        self.timeout_seconds = settings.query_timeout_seconds
        self.max_rows = settings.query_max_rows
        self._store: TableStore = open_table_store(settings)
        self._database = duckdb.connect(
            ":memory:",
            config={
                "threads": settings.query_threads,
                "memory_limit": settings.query_memory_limit,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            },
        )
        # Parquet footers are read once per file, not once per query (versions never change).
        self._database.execute("SET parquet_metadata_cache = true")
        self._slots = threading.BoundedSemaphore(settings.query_concurrency)
        self._views: set[str] = set()
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
                    listed = ", ".join(_literal(f) for f in files)
                    source = (
                        f"SELECT *, file_index AS {FILE_INDEX}, file_row_number AS {ROW_NUMBER} "  # noqa: S608 (paths quoted)
                        f"FROM read_parquet([{listed}])"
                    )
                else:  # a version with no rows has no files; keep its columns
                    source = f"SELECT * FROM {self._empty_source(key, store_version)}"  # noqa: S608
                view = f"CREATE OR REPLACE VIEW {name} AS {source}"
                self._database.execute(view)
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
        return holder

    @contextmanager
    def cursor(
        self, relation: Relation, *, timeout: bool = True
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the shared database, stopped after the time limit unless ``timeout`` is off."""
        if not self._slots.acquire(timeout=self.timeout_seconds):
            raise BadQuery("The server is busy with other queries; try again in a moment.")
        cursor = self._database.cursor()
        timer = threading.Timer(self.timeout_seconds, cursor.interrupt) if timeout else None
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
            self._slots.release()

    def close(self) -> None:
        self._database.close()


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
