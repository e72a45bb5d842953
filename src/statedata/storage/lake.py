"""The configured table store, and what every reader of a stored version needs: rows, checksums, files.

Reads go through DuckDB over the version's Arrow dataset, so a preview or a download streams and
never holds the whole table.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv

from statedata.core.config import Settings
from statedata.storage.delta import DeltaTableStore
from statedata.storage.readers import READER_MEMORY_LIMIT
from statedata.storage.store import TableStore

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds

DOWNLOAD_BATCH_ROWS = 50_000
SCAN_BATCH_ROWS = 65_536


def open_table_store(settings: Settings) -> TableStore:
    """The lake the settings point at: a folder, or an s3:// prefix."""
    return DeltaTableStore(settings.resolved_lake_uri, settings.lake_storage_options())


def _connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"threads": 2, "memory_limit": READER_MEMORY_LIMIT})


def stream_of(dataset: ds.Dataset, batch_rows: int = SCAN_BATCH_ROWS) -> pa.RecordBatchReader:
    """A version's rows as a stream that reads one batch ahead (Arrow's default reads many files
    and batches ahead, which for a large version holds hundreds of megabytes)."""
    scanner = dataset.scanner(batch_size=batch_rows, batch_readahead=1, fragment_readahead=1)
    return scanner.to_reader()


_CHECKSUM_SQL = "SELECT count(*), coalesce(sum(hash(r)::HUGEINT), 0) FROM version_rows r"
_MODULUS = 2**128


def _checksum_text(count: int, total: int) -> str:
    return f"{count}:{total % _MODULUS:032x}"


def rows_checksum(dataset: ds.Dataset) -> str:
    """A checksum of a version's rows that ignores their order: equal rows, equal checksum.

    The sum (not xor) of row hashes, so a duplicated row changes it. DuckDB's hash is stable
    within one DuckDB release; the checksum compares versions of one instance.
    """
    connection = _connection()
    try:
        connection.register("version_rows", stream_of(dataset))
        found = connection.execute(_CHECKSUM_SQL).fetchone()
    finally:
        connection.close()
    assert found is not None
    count, total = found
    return _checksum_text(int(count), int(total))


class RowsChecksum:
    """:func:`rows_checksum` of the rows passing through a load, batch by batch.

    Because the checksum is a sum, a replace's checksum is that of its batches and an append's is
    the previous version's plus its batches': the load needs no second pass over what it wrote.
    """

    def __init__(self) -> None:
        self.count = 0
        self.total = 0
        self._connection = _connection()

    def add(self, batch: pa.RecordBatch) -> None:
        self._connection.register("version_rows", pa.Table.from_batches([batch]))
        [found] = self._connection.execute(_CHECKSUM_SQL).fetchall()
        self._connection.unregister("version_rows")
        self.count += int(found[0])
        self.total = (self.total + int(found[1])) % _MODULUS

    def close(self) -> None:
        self._connection.close()

    def value(self, previous: str | None = None) -> str:
        """The checksum of these rows, added to ``previous`` (an earlier version's) if given."""
        count, total = self.count, self.total
        if previous:
            earlier_count, earlier_total = previous.split(":")
            count, total = count + int(earlier_count), total + int(earlier_total, 16)
        return _checksum_text(count, total)


def preview_rows(dataset: ds.Dataset, limit: int = 20) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a version, as plain Python values."""
    rows: list[dict[str, Any]] = dataset.head(limit).to_pylist()
    return rows


class _BatchWriter(Protocol):
    def write_batch(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> None: ...


def _encoded(
    batches: pa.RecordBatchReader, writer_for: Callable[[io.BytesIO], _BatchWriter]
) -> Iterator[bytes]:
    """Encode a stream batch by batch, yielding what each batch added to the file."""
    buffer = io.BytesIO()
    writer = writer_for(buffer)
    for batch in batches:
        writer.write_batch(batch)
        if buffer.tell():
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.close()  # the CSV header of an empty stream, or Parquet's footer
    if buffer.getvalue():
        yield buffer.getvalue()


def csv_stream(batches: pa.RecordBatchReader) -> Iterator[bytes]:
    """Batches as CSV with a header, a batch at a time."""
    return _encoded(batches, lambda sink: pa_csv.CSVWriter(sink, batches.schema))


def parquet_stream(batches: pa.RecordBatchReader) -> Iterator[bytes]:
    """Batches as one Parquet file, a row group at a time."""
    import pyarrow.parquet as pq  # here: ~10 MB a server that only reads never loads

    return _encoded(batches, lambda sink: pq.ParquetWriter(sink, batches.schema))


def csv_chunks(dataset: ds.Dataset) -> Iterator[bytes]:
    """The version as CSV with a header, a batch at a time."""
    return csv_stream(stream_of(dataset, DOWNLOAD_BATCH_ROWS))


def parquet_chunks(dataset: ds.Dataset) -> Iterator[bytes]:
    """The version as one Parquet file, a row group at a time."""
    return parquet_stream(stream_of(dataset, DOWNLOAD_BATCH_ROWS))
