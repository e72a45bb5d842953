"""Bring a configured source's data into the uploads folder, the same place uploads land.

Files are copied, URLs streamed, and query results written as Parquet batch by batch, so no
source needs to fit in memory; every path counts bytes against ``STATEDATA_UPLOAD_MAX_BYTES``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pyarrow as pa
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from statedata.catalog.sources.configuration import (
    SourceConfig,
    check_query,
    database_url,
    inside_source_folders,
)
from statedata.catalog.uploads import (
    CHUNK_BYTES,
    ReceivedFile,
    UploadWriter,
    receive_chunks,
    too_large,
)
from statedata.core.config import Settings
from statedata.core.errors import InvalidInput
from statedata.storage.readers import SUFFIXES

MAX_REDIRECTS = 5
QUERY_BATCH_ROWS = 50_000
# What servers call the formats we read, for URLs whose path has no telling suffix.
MEDIA_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}

Log = Callable[[str], None]


def fetch(settings: Settings, config: SourceConfig, *, name: str, log: Log) -> ReceivedFile:
    """The source's current data as a file in the uploads folder; ``name`` names query results."""
    if config.kind == "file":
        return _fetch_file(settings, config.location)
    if config.kind == "url":
        return _fetch_url(settings, config, log)
    if config.kind == "sql":
        return _fetch_query(settings, config, name=name, log=log)
    raise InvalidInput(f"kind: {config.kind!r} is not a source kind; use file, url or sql.")


def _fetch_file(settings: Settings, location: str) -> ReceivedFile:
    path = inside_source_folders(settings, Path(location), "location")
    if not path.is_file():
        raise InvalidInput(f"location: {location} does not exist or is not a file.")
    with path.open("rb") as handle:
        return receive_chunks(settings, path.name, iter(lambda: handle.read(CHUNK_BYTES), b""))


# --- URLs ----------------------------------------------------------------------------------------


def _check_host(settings: Settings, url: str) -> None:
    """Refuse hosts on loopback, private, link-local or reserved addresses unless allowed."""
    if settings.source_allow_private_networks:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise InvalidInput(f"location: the host {host!r} cannot be found.") from None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            raise InvalidInput(
                f"location: {host} is at {ip}, which is not a public address; an administrator "
                "can allow private networks with STATEDATA_SOURCE_ALLOW_PRIVATE_NETWORKS."
            )


def _file_name(url: str, content_type: str, declared: str) -> str:
    """A name whose suffix tells the format: the URL's last segment, fixed up if need be."""
    name = PurePosixPath(urlsplit(url).path).name or "download"
    if declared or PurePosixPath(name).suffix.lower() in SUFFIXES:
        return name
    fmt = MEDIA_TYPES.get(content_type.split(";", 1)[0].strip().lower())
    return f"{name}.{fmt}" if fmt else name


def _fetch_url(settings: Settings, config: SourceConfig, log: Log) -> ReceivedFile:
    url = config.location
    timeout = httpx.Timeout(settings.source_timeout_seconds)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            _check_host(settings, url)  # again after every redirect: each hop may go elsewhere
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        if urlsplit(url).scheme not in ("http", "https"):
                            raise InvalidInput(
                                f"location: redirected to {url}, not an http(s) URL."
                            )
                        log(f"redirected to {url}")
                        continue
                    if response.status_code != 200:
                        raise InvalidInput(
                            f"location: {url} answered {response.status_code} "
                            f"{response.reason_phrase}."
                        )
                    declared_size = int(response.headers.get("content-length") or 0)
                    if declared_size > settings.upload_max_bytes:
                        raise too_large(settings)
                    name = _file_name(url, response.headers.get("content-type", ""), config.format)
                    return receive_chunks(settings, name, response.iter_bytes(CHUNK_BYTES))
            except httpx.HTTPError as exc:
                raise InvalidInput(f"location: could not read {url}: {exc}.") from None
    raise InvalidInput(f"location: more than {MAX_REDIRECTS} redirects from {config.location}.")


# --- SQL queries ---------------------------------------------------------------------------------


def _read_only(url: URL) -> URL:
    """SQLite files are opened read-only; other databases should grant the reader no more."""
    if url.get_backend_name() == "sqlite" and url.database:
        return url.set(database=f"file:{url.database}", query={"mode": "ro", "uri": "true"})
    return url


def _arrow_columns(
    names: Sequence[str], rows: Sequence[Sequence[Any]], schema: pa.Schema | None, first_row: int
) -> pa.RecordBatch:
    arrays = []
    for position, name in enumerate(names):
        values = [row[position] for row in rows]
        wanted = schema.field(position).type if schema is not None else None
        try:
            array = pa.array(values, type=wanted)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            raise InvalidInput(_misfit(name, values, wanted, first_row)) from None
        if wanted is None and pa.types.is_null(array.type):
            array = array.cast(pa.string())  # a column of nulls so far: text is the safe guess
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=list(names))


def _misfit(name: str, values: list[Any], wanted: pa.DataType | None, first_row: int) -> str:
    if wanted is None:  # the first batch: its first value sets the column's type
        first = next((v for v in values if v is not None), None)
        wanted = pa.array([first]).type
    for offset, value in enumerate(values):
        try:
            pa.array([value], type=wanted)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return (
                f"query: row {first_row + offset:,}, column {name!r}: value {value!r} does not fit "
                f"the column's type ({wanted}) set by the rows before it."
            )
    return f"query: column {name!r} has values of more than one type."


def _query_batches(settings: Settings, config: SourceConfig) -> Iterator[pa.RecordBatch]:
    url = _read_only(database_url(settings, config.location))
    query = check_query(config.query)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if url.get_backend_name() == "postgresql":
                # The first statement of the transaction, so that nothing it runs can write.
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                milliseconds = settings.source_timeout_seconds * 1000
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds:d}")
            result = connection.execution_options(stream_results=True).execute(text(query))
            names = list(result.keys())
            if len(set(names)) != len(names):
                raise InvalidInput("query: give every column of the result its own name.")
            schema: pa.Schema | None = None
            first_row = 1
            for rows in result.partitions(QUERY_BATCH_ROWS):
                batch = _arrow_columns(names, rows, schema, first_row)
                schema = schema or batch.schema
                first_row += len(rows)
                yield batch
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise InvalidInput(f"query: the source database refused it: {reason}") from None
    finally:
        engine.dispose()


def _fetch_query(settings: Settings, config: SourceConfig, *, name: str, log: Log) -> ReceivedFile:
    # The upload writer counts, limits and hashes the Parquet bytes as Arrow writes them.
    import pyarrow.parquet as pq  # here: ~10 MB a server that only reads never loads

    sink = UploadWriter(settings)
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        sink.open(f"{name}.parquet")
        for batch in _query_batches(settings, config):
            if writer is None:
                writer = pq.ParquetWriter(sink, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
        if writer is None or rows == 0:
            raise InvalidInput("query: returned no rows; nothing was loaded.")
        writer.close()
        writer = None
        sink.close()
    except BaseException:
        if writer is not None:
            writer.close()
        sink.discard()
        raise
    log(f"query returned {rows:,} rows")
    return sink.received()
