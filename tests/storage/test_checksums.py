"""The rows checksum taken while a load streams equals the one read back from the stored version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from statedata.storage.checksums import RowsChecksum, rows_checksum
from statedata.storage.delta import DeltaTableStore
from statedata.storage.store import WriteMode


def _table(start: int, count: int) -> pa.Table:
    numbers = range(start, start + count)
    return pa.table(
        {
            "id": pa.array(numbers, pa.int64()),
            "name": pa.array([None if i % 7 == 0 else f"name {i}" for i in numbers]),
            "score": pa.array([i * 0.5 for i in numbers], pa.float64()),
            "flag": pa.array([i % 2 == 0 for i in numbers]),
            "day": pa.array([dt.date(2026, 1, 1) + dt.timedelta(days=i % 300) for i in numbers]),
            "at": pa.array(
                [dt.datetime(2026, 1, 1) + dt.timedelta(minutes=i) for i in numbers],
                pa.timestamp("us"),
            ),
            "amount": pa.array([Decimal(i) / 4 for i in numbers], pa.decimal128(12, 2)),
        }
    )


def _streamed(table: pa.Table, checksum: RowsChecksum) -> pa.RecordBatchReader:
    def passing() -> list[pa.RecordBatch]:
        batches = table.to_batches(max_chunksize=1000)
        for batch in batches:
            checksum.add(batch)
        return batches

    return pa.RecordBatchReader.from_batches(table.schema, iter(passing()))


@pytest.mark.parametrize("mode", [WriteMode.REPLACE, WriteMode.APPEND])
def test_the_streamed_checksum_matches_the_stored_rows(tmp_path: Path, mode: WriteMode) -> None:
    store = DeltaTableStore(str(tmp_path / "lake"), {})
    first = RowsChecksum()
    version = store.write("t", _streamed(_table(0, 5000), first), mode=WriteMode.REPLACE)
    assert first.value() == rows_checksum(store.dataset("t", version.version))

    second = RowsChecksum()
    rows = _table(5000, 2500) if mode is WriteMode.APPEND else _table(100, 2500)
    version = store.write("t", _streamed(rows, second), mode=mode)
    stored = rows_checksum(store.dataset("t", version.version))
    previous = first.value() if mode is WriteMode.APPEND else None

    assert second.value(previous) == stored
    assert stored.startswith("7500:" if mode is WriteMode.APPEND else "2500:")
    first.close()
    second.close()
