"""The configured table store, and streams of a stored version's rows and their encodings.

A stream reads one batch ahead, so a version is never held whole.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv

from statedata.core.config import Settings
from statedata.storage.delta import DeltaTableStore
from statedata.storage.store import TableStore

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds

SCAN_BATCH_ROWS = 65_536


def open_table_store(settings: Settings) -> TableStore:
    """The lake the settings point at: a folder, or an s3:// prefix."""
    return DeltaTableStore(
        settings.resolved_lake_uri,
        settings.lake_storage_options(),
        staging=settings.home / "staging",
    )


def stream_of(dataset: ds.Dataset, batch_rows: int = SCAN_BATCH_ROWS) -> pa.RecordBatchReader:
    """A version's rows as a stream that reads one batch ahead (Arrow's default reads many files
    and batches ahead, which for a large version holds hundreds of megabytes)."""
    scanner = dataset.scanner(batch_size=batch_rows, batch_readahead=1, fragment_readahead=1)
    return scanner.to_reader()


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
