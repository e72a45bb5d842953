"""Coordinates in a dataset: which columns hold them, distance filters, and GeoJSON output."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from statedata.storage.schema import Column

EARTH_RADIUS_M = 6_371_008.8
_LATITUDE = re.compile(r"^(lat|latitude|.*_lat|.*_latitude)$", re.IGNORECASE)
_LONGITUDE = re.compile(
    r"^(lon|lng|long|longitude|.*_lon|.*_lng|.*_long|.*_longitude)$", re.IGNORECASE
)
_NUMBER = re.compile(r"^(FLOAT|DOUBLE|DECIMAL)")


@dataclass(frozen=True)
class GeoColumns:
    latitude: str
    longitude: str


def geo_columns(columns: list[Column]) -> GeoColumns | None:
    """The first numeric latitude and longitude columns, found by their names."""
    latitude = next(
        (c.name for c in columns if _LATITUDE.match(c.name) and _NUMBER.match(c.type)), None
    )
    longitude = next(
        (c.name for c in columns if _LONGITUDE.match(c.name) and _NUMBER.match(c.type)), None
    )
    if latitude is None or longitude is None:
        return None
    return GeoColumns(latitude, longitude)


def within_circle_sql(
    latitude: str, longitude: str, centre_lat: float, centre_lon: float, metres: float
) -> tuple[str, list[Any]]:
    """A haversine distance test, behind a bounding box that lets DuckDB skip most rows cheaply."""
    degrees_lat = math.degrees(metres / EARTH_RADIUS_M)
    shrink = max(math.cos(math.radians(centre_lat)), 1e-6)
    degrees_lon = min(degrees_lat / shrink, 360.0)
    box = f"({latitude} BETWEEN ? AND ? AND {longitude} BETWEEN ? AND ?)"
    box_params: list[Any] = [
        centre_lat - degrees_lat,
        centre_lat + degrees_lat,
        centre_lon - degrees_lon,
        centre_lon + degrees_lon,
    ]
    distance = (
        f"(2 * {EARTH_RADIUS_M} * asin(sqrt("
        f"pow(sin(radians({latitude} - ?) / 2), 2) + "
        f"cos(radians(?)) * cos(radians({latitude})) * pow(sin(radians({longitude} - ?) / 2), 2)"
        f")) <= ?)"
    )
    return f"({box} AND {distance})", [*box_params, centre_lat, centre_lat, centre_lon, metres]


def geojson_chunks(
    batches: Iterator[pa.RecordBatch], geo: GeoColumns, encode: Any
) -> Iterator[bytes]:
    """A FeatureCollection, one feature per row; rows without coordinates have a null geometry."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in batches:
        for row in batch.to_pylist():
            lat, lon = row.get(geo.latitude), row.get(geo.longitude)
            geometry = (
                {"type": "Point", "coordinates": [float(lon), float(lat)]}
                if lat is not None and lon is not None
                else None
            )
            feature = {"type": "Feature", "geometry": geometry, "properties": row}
            text = json.dumps(feature, default=encode, separators=(",", ":"))
            yield (text if first else "," + text).encode()
            first = False
    yield b"]}"
