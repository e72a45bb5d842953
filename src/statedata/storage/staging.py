"""A load's rows written as Parquet files before they are committed: the Arrow types a Delta
table keeps, row groups of 64k rows (a page of rows then decodes one small group, and DuckDB's
statistics skip more: the data API's filtered pages and top-N sorts ran 2-3x faster on a 1M-row
table than with one group per file), a new file every few million rows, and the row and null
counts Delta records for each file."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import Schema as DeltaSchema

from statedata.core.errors import InvalidInput
from statedata.storage.store import StagedRows

ROW_GROUP_ROWS = 65_536
# delta-rs also writes files of a few hundred megabytes: a large load is several files, which
# DuckDB reads in parallel.
FILE_ROWS = 64 * ROW_GROUP_ROWS


def delta_safe_schema(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema a Delta table keeps for ``schema`` (millisecond timestamps become
    microseconds, large strings strings); a type Delta cannot keep is refused by its column."""
    try:
        return pa.schema(DeltaSchema.from_arrow(schema).to_arrow())
    except Exception:  # delta-rs names the type, not the column: find the column
        for item in schema:
            try:
                DeltaSchema.from_arrow(pa.schema([item]))
            except Exception:
                raise InvalidInput(
                    f"columns: {item.name!r} is of type {item.type}, which a dataset cannot keep; "
                    "load it as text or as another type."
                ) from None
        raise


def cast_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = [batch.column(i).cast(field.type) for i, field in enumerate(schema)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


class StagedWriter:
    """Parquet files of 64k-row groups, a new file every ``FILE_ROWS`` rows, with the row and
    null counts Delta keeps for each file."""

    def __init__(self, folder: Path, schema: pa.Schema) -> None:
        self.folder = folder
        self.schema = schema
        self.files: list[str] = []
        self.sizes: list[int] = []
        self.stats: list[str] = []
        self.rows = 0
        self._held: list[pa.RecordBatch] = []  # rows waiting to fill a row group
        self._held_rows = 0
        self._writer: Any = None
        self._file_rows = 0
        self._nulls: dict[str, int] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        self._held.append(batch)
        self._held_rows += batch.num_rows
        while self._held_rows >= ROW_GROUP_ROWS:
            self._write_group(ROW_GROUP_ROWS)

    def _write_group(self, size: int) -> None:
        table = pa.Table.from_batches(self._held, schema=self.schema)
        group, rest = table.slice(0, size), table.slice(size)
        self._held = rest.to_batches()
        self._held_rows = rest.num_rows
        if self._writer is None or self._file_rows >= FILE_ROWS:
            self._open()
        self._writer.write_table(group, row_group_size=ROW_GROUP_ROWS)
        self._file_rows += group.num_rows
        self.rows += group.num_rows
        for name in group.column_names:
            self._nulls[name] = self._nulls.get(name, 0) + group.column(name).null_count

    def _open(self) -> None:
        import pyarrow.parquet as pq  # a writing library: a server that only reads never loads it

        self._finish_file()
        path = self.folder / f"part-{uuid.uuid4().hex}.parquet"
        self._writer = pq.ParquetWriter(path, self.schema)
        self.files.append(str(path))
        self._file_rows, self._nulls = 0, {}

    def _finish_file(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        self.sizes.append(os.path.getsize(self.files[-1]))
        self.stats.append(json.dumps({"numRecords": self._file_rows, "nullCount": self._nulls}))
        self._writer = None

    def close(self) -> None:
        if self._held_rows:
            self._write_group(self._held_rows)
        if not self.files:  # no rows: one empty file still carries the columns
            self._open()
        self._finish_file()

    def delete(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for path in self.files:
            Path(path).unlink(missing_ok=True)


def staged_stream(staged: StagedRows) -> pa.RecordBatchReader:
    """The staged rows as a stream, a row group at a time."""
    import pyarrow.dataset as ds  # a writing library: a server that only reads never loads it

    dataset = ds.dataset(staged.files, format="parquet")
    scanner = dataset.scanner(batch_size=ROW_GROUP_ROWS, batch_readahead=1, fragment_readahead=1)
    return scanner.to_reader()
