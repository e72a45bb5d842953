"""Table schemas as our own small types, and what changed between two versions."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB's spelling: VARCHAR, BIGINT, DOUBLE, DATE, TIMESTAMP, BOOLEAN, ...


@dataclass(frozen=True)
class SchemaChange:
    """Columns added, removed and retyped (old type, new type) against the previous version."""

    added: tuple[Column, ...] = ()
    removed: tuple[Column, ...] = ()
    retyped: tuple[tuple[str, str, str], ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.retyped)

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        return {
            "added": [{"name": c.name, "type": c.type} for c in self.added],
            "removed": [{"name": c.name, "type": c.type} for c in self.removed],
            "retyped": [{"name": n, "from": old, "to": new} for n, old, new in self.retyped],
        }


def diff_schemas(old: list[Column] | None, new: list[Column]) -> SchemaChange:
    """What ``new`` changes against ``old`` (everything is added when there was no old version)."""
    if old is None:
        return SchemaChange(added=tuple(new))
    before = {c.name: c.type for c in old}
    after = {c.name: c.type for c in new}
    return SchemaChange(
        added=tuple(c for c in new if c.name not in before),
        removed=tuple(c for c in old if c.name not in after),
        retyped=tuple(
            (c.name, before[c.name], c.type)
            for c in new
            if c.name in before and before[c.name] != c.type
        ),
    )


_ARROW_TO_SQL = {
    pa.string(): "VARCHAR",
    pa.large_string(): "VARCHAR",
    pa.string_view(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.int16(): "SMALLINT",
    pa.int8(): "TINYINT",
    pa.float64(): "DOUBLE",
    pa.float32(): "FLOAT",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def columns_of(schema: pa.Schema) -> list[Column]:
    """Our columns for an Arrow schema (types named as DuckDB names them)."""
    columns = []
    for arrow_field in schema:
        kind = arrow_field.type
        if pa.types.is_timestamp(kind):
            name = "TIMESTAMP WITH TIME ZONE" if kind.tz else "TIMESTAMP"
        elif pa.types.is_decimal(kind):
            name = f"DECIMAL({kind.precision},{kind.scale})"
        else:
            name = _ARROW_TO_SQL.get(kind, str(kind).upper())
        columns.append(Column(arrow_field.name, name))
    return columns
