"""Query results written out: JSON values, and streamed CSV, JSON, GeoJSON and Parquet files.

Every streamed format encodes one Arrow batch at a time, so an export of any size holds about one
batch in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa

from statedata.query.geo import GeoColumns, geojson_chunks
from statedata.storage.lake import csv_stream, parquet_stream

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


def plain_value(value: Any) -> Any:
    """A value as a JSON scalar (numbers stay numbers), for specs and summaries built in Python."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json_value(value)


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
