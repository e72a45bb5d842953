"""Query results written out: JSON values, and streamed CSV, JSON, GeoJSON and Parquet files.

Every streamed format encodes one Arrow batch at a time, so an export of any size holds about one
batch in memory.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from statedata.query.geo import GeoColumns, geojson_chunks

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
}


def json_value(value: Any) -> Any:
    """``json.dumps``'s ``default`` for the values DuckDB returns."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot encode {type(value).__name__}")


def json_bytes(body: Any) -> bytes:
    return json.dumps(body, default=json_value, separators=(",", ":")).encode()


def socrata_value(value: Any) -> Any:
    """A value as Socrata's JSON writes it: numbers and dates as text, booleans as booleans."""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00.000"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _BatchWriter(Protocol):
    def write_batch(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> None: ...


def _encoded(
    batches: pa.RecordBatchReader, writer_for: Callable[[io.BytesIO], _BatchWriter]
) -> Iterator[bytes]:
    buffer = io.BytesIO()
    writer = writer_for(buffer)
    for batch in batches:
        writer.write_batch(batch)
        if buffer.tell():
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.close()  # the header of an empty result, or Parquet's footer
    if buffer.getvalue():
        yield buffer.getvalue()


def csv_stream(batches: pa.RecordBatchReader) -> Iterator[bytes]:
    return _encoded(batches, lambda sink: pa_csv.CSVWriter(sink, batches.schema))


def parquet_stream(batches: pa.RecordBatchReader) -> Iterator[bytes]:
    return _encoded(batches, lambda sink: pq.ParquetWriter(sink, batches.schema))


def json_stream(batches: pa.RecordBatchReader) -> Iterator[bytes]:
    """A JSON array of row objects."""
    yield b"["
    first = True
    for batch in batches:
        rows = batch.to_pylist()
        if not rows:
            continue
        text = json.dumps(rows, default=json_value, separators=(",", ":"))[1:-1]
        yield (text if first else "," + text).encode()
        first = False
    yield b"]"


def stream(
    kind: str, batches: pa.RecordBatchReader, geo: GeoColumns | None = None
) -> Iterator[bytes]:
    """The result as ``kind`` (csv, json, geojson, parquet)."""
    if kind == "csv":
        return csv_stream(batches)
    if kind == "parquet":
        return parquet_stream(batches)
    if kind == "geojson":
        assert geo is not None
        return geojson_chunks(iter(batches), geo, json_value)
    return json_stream(batches)
