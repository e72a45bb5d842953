"""DuckDB, in one place: connections and their limits, the column types it stores, and versions
as relations a query can select from.

Every DuckDB database the product opens is opened here (:func:`connect`), with its limits and
sandbox settings, and a stored version becomes a relation here (:class:`QueryEngine`). The rest
of the code asks this module, so a limit or a sandbox setting is decided once; names and strings
are quoted by ``storage/quoting.py``.

The query engine keeps one in-memory database per process. A version's rows are a view over its
Parquet files, read by DuckDB's own reader (statistics, parallel scans, metadata cached) and named
once per (dataset, version): versions never change, so a view never goes stale. What a reader may
not see is cut in the relation itself: a *masked* relation is a view that shows the named columns
as typed nulls, so no statement written over it can reach their values, whatever it says. A lake
on object storage is read through the version's Arrow dataset instead. Each query holds one of a
fixed number of slots and is interrupted when it passes the time limit.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from statedata.core.config import Settings
from statedata.core.errors import BadQuery
from statedata.storage.lake import open_table_store
from statedata.storage.quoting import quoted, string_literal
from statedata.storage.store import TableStore

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds

# A row's identity within a version: which file, which row of it (read_parquet's virtual columns,
# named so that no dataset column can clash with them).
FILE_INDEX = "__statedata_file"
ROW_NUMBER = "__statedata_row"
# DuckDB's own buffers while it streams a file; past this it works in smaller pieces (measured:
# reading a 500 MB CSV took 230 MB unbounded, 140 MB with the limit, at the same speed).
READER_MEMORY_LIMIT = "256MB"
EXPORT_MEMORY_LIMIT = "128MB"
EXPORT_STREAM_BUFFER = "100KB"
ARROW_CACHE_SIZE = 256
# Types a column may have in a stored version; anything else is refused before it reaches SQL.
COLUMN_TYPE = re.compile(
    r"^(VARCHAR|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|DATE|TIME|TIMESTAMP"
    r"|TIMESTAMP WITH TIME ZONE|DECIMAL\(\d{1,2},\d{1,2}\))$"
)


def sql_type(type_name: str) -> str:
    """The column's type if it is one DuckDB spells as we store it, else text."""
    return type_name if COLUMN_TYPE.match(type_name) else "VARCHAR"


# connections ---------------------------------------------------------------------------------


def connect(
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    sandbox: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB database; the caller closes it.

    Args:
        threads: worker threads (DuckDB's default, every core, when None).
        memory_limit: how much DuckDB may hold before it spills (its default when None).
        sandbox: no files, URLs, extensions or Python variables reachable, and the configuration
            locked, so a statement someone wrote can read only what is registered on it.
    """
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        # DuckDB 2.0's late materialization of small LIMITs fails to bind the virtual
        # file_index column behind some filters (a haversine test with LIMIT 5 raised an
        # internal error): the fuzz test of the data API found it.
        "late_materialization_max_rows": 0,
    }
    if threads is not None:
        config["threads"] = threads
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    if sandbox:
        config |= {
            "enable_external_access": False,
            "allow_community_extensions": False,
            # No scans of Python variables by name: the caller's frames hold unmasked datasets.
            "python_enable_replacements": False,
            "lock_configuration": True,
        }
    return duckdb.connect(":memory:", config=config)


def reader_connection() -> duckdb.DuckDBPyConnection:
    """A small database for reading one file or checksumming one stream."""
    return connect(threads=2, memory_limit=READER_MEMORY_LIMIT)


_scratch: duckdb.DuckDBPyConnection | None = None
_scratch_lock = threading.Lock()


@contextmanager
def scratch_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of a process-wide one-thread database, for small computations over values the
    caller holds (a pattern's validity, a few rows of a file): no query reads a version here."""
    global _scratch
    with _scratch_lock:
        if _scratch is None:
            _scratch = connect(threads=1, memory_limit=READER_MEMORY_LIMIT)
        cursor = _scratch.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


# versions as relations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """Where rows are, as a name a query can select from, and what each cursor must be given
    first (Arrow datasets to register, temporary views to make, in order)."""

    name: str
    row_identity: bool  # the relation has FILE_INDEX and ROW_NUMBER (keyset paging uses them)
    arrow: Mapping[str, Any] = field(default_factory=dict)  # name -> Arrow dataset (object storage)
    views: tuple[tuple[str, str], ...] = ()  # (name, SELECT): temporary views on the cursor


def _key_name(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "_", key.lower())


def _parquet(files: list[str]) -> str:
    return "read_parquet([" + ", ".join(string_literal(f) for f in files) + "])"


def _with_row_identity(files: list[str]) -> str:
    """The files' rows with each row's identity (which file, which row of it)."""
    return (
        f"SELECT *, file_index AS {FILE_INDEX}, file_row_number AS {ROW_NUMBER} "  # noqa: S608 (paths quoted)
        f"FROM {_parquet(files)}"
    )


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:12]


def _masking_select(source: str, masked: Mapping[str, str]) -> str:
    replaced = ", ".join(
        f"CAST(NULL AS {sql_type(kind)}) AS {quoted(name)}" for name, kind in sorted(masked.items())
    )
    return f"SELECT * REPLACE ({replaced}) FROM {source}"  # noqa: S608 (quoted names, allow-listed types)


def _database(threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
    database = connect(threads=threads, memory_limit=memory_limit)
    # Parquet footers are read once per file, not once per query (versions never change).
    database.execute("SET parquet_metadata_cache = true")
    return database


class QueryEngine:
    """What every query over stored versions in this process runs on."""

    def __init__(self, settings: Settings, store: TableStore) -> None:
        self.timeout_seconds = settings.query_timeout_seconds
        self.max_rows = settings.query_max_rows
        self._settings = settings
        self._store = store
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

    def sandbox(self) -> duckdb.DuckDBPyConnection:
        """A locked-down database with this process's thread and memory settings (the SQL
        workspace registers the datasets a statement may read on it)."""
        return connect(
            threads=self._settings.query_threads,
            memory_limit=self._settings.query_memory_limit,
            sandbox=True,
        )

    def relation(
        self, key: str, store_version: int, masked: Mapping[str, str] | None = None
    ) -> Relation:
        """The version's rows, as a view made the first time it is asked for; ``masked``
        (column -> type) names the columns the view shows as nulls."""
        base = "v_" + _key_name(key) + f"_{store_version}"
        files = None if base in self._views else self._store.data_files(key, store_version)
        if base not in self._views and files is None:  # object storage: an Arrow dataset
            arrow = self.arrow_dataset(key, store_version)
            if not masked:
                return Relation(base, row_identity=False, arrow={base: arrow})
            raw = f"{base}_raw"
            return Relation(
                base, False, arrow={raw: arrow}, views=((base, _masking_select(raw, masked)),)
            )
        if base not in self._views:
            assert files is not None
            self._create_view(base, self._version_source(key, store_version, files))
        if not masked:
            return Relation(base, row_identity=True)
        name = f"{base}_m{_digest(sorted(masked.items()))}"
        if name not in self._views:
            self._create_view(name, _masking_select(base, masked))
        return Relation(name, row_identity=True)

    def staged_relation(
        self,
        key: str,
        *,
        base: int | None,
        files: list[str],
        mode: str,
        primary_key: list[str] | None = None,
        masked: Mapping[str, str] | None = None,
    ) -> Relation:
        """The rows a load would make the next version: the staged ``files`` replacing the
        ``base`` version's rows (replace), after them (append) or over them by primary key
        (upsert); with no files, the base version's rows (a restore). Made as temporary views on
        the cursor that reads it, since a load's rows are read only until it is decided."""
        staged = _parquet(files)
        source = None if base is None else self.relation(key, base)
        name = f"c_{_key_name(key)}_{_digest([base, files, mode, primary_key])}"
        setup: tuple[tuple[str, str], ...] = source.views if source else ()
        earlier = ""
        if source is not None:
            hidden = f" EXCLUDE ({FILE_INDEX}, {ROW_NUMBER})" if source.row_identity else ""
            earlier = f"SELECT *{hidden} FROM {source.name}"  # noqa: S608 (our own names)
        if source is None or mode == "replace":
            sql, identity = _with_row_identity(files), True
        elif not files:
            sql, identity = earlier, False
        elif mode == "append":
            sql, identity = f"{earlier} UNION ALL BY NAME SELECT * FROM {staged}", False  # noqa: S608
        else:  # upsert: the earlier rows whose key the load does not bring, then the load's
            match = " AND ".join(f"e.{quoted(c)} = s.{quoted(c)}" for c in primary_key or [])
            sql = (
                f"SELECT e.* FROM ({earlier}) e ANTI JOIN {staged} s ON {match} "  # noqa: S608
                f"UNION ALL BY NAME SELECT * FROM {staged}"
            )
            identity = False
        arrow = dict(source.arrow) if source else {}
        if not masked:
            return Relation(name, identity, arrow=arrow, views=(*setup, (name, sql)))
        inner = f"{name}_raw"
        views = (*setup, (inner, sql), (name, _masking_select(inner, masked)))
        return Relation(name, identity, arrow=arrow, views=views)

    def _version_source(self, key: str, store_version: int, files: list[str]) -> str:
        if not files:  # a version with no rows has no files; keep its columns
            return f"SELECT * FROM {self._empty_source(key, store_version)}"  # noqa: S608
        return _with_row_identity(files)

    def _create_view(self, name: str, source: str) -> None:
        with self._lock:
            if name in self._views:
                return
            view = f"CREATE OR REPLACE VIEW {name} AS {source}"
            self._database.execute(view)
            self._exports.execute(view)
            self._views.add(name)

    def _empty_source(self, key: str, store_version: int) -> str:
        schema: pa.Schema = self._store.dataset(key, store_version).schema
        table = pa.table(
            {
                **{f.name: pa.array([], f.type) for f in schema},
                FILE_INDEX: pa.array([], pa.int64()),
                ROW_NUMBER: pa.array([], pa.int64()),
            }
        )
        holder = f"empty_{_key_name(key)}_{store_version}"
        self._database.register(holder, table)
        self._exports.register(holder, table)
        return holder

    def arrow_dataset(self, key: str, store_version: int) -> ds.Dataset:
        """The version as an Arrow dataset, opened once per version."""
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
                _register(cursor, relation)
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
            _register(cursor, relation)
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


def _register(cursor: duckdb.DuckDBPyConnection, relation: Relation) -> None:
    """Give a cursor what the relation needs: its Arrow datasets, then its temporary views."""
    for name, dataset in relation.arrow.items():
        cursor.register(name, dataset)
    for name, sql in relation.views:
        cursor.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")


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
            engine = _engines[key] = QueryEngine(settings, open_table_store(settings))
        return engine
