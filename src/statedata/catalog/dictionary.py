"""The data dictionary: a Frictionless Table Schema per dataset, kept in step with the stored columns.

Each field carries the Frictionless properties (name, title, type, format, description,
constraints) and two of ours: ``piiCategory`` and ``standardElement``. The type follows the data;
everything else is the steward's and survives new versions.
"""

from __future__ import annotations

from typing import Any

from statedata.catalog.vocabulary import PII_CATEGORIES
from statedata.core.errors import InvalidInput
from statedata.standards.columns import checked_element
from statedata.storage.schema import Column

FRICTIONLESS_TYPES = (
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "datetime",
    "time",
    "year",
    "any",
)
CONSTRAINTS: dict[str, type | tuple[type, ...]] = {
    "required": bool,
    "unique": bool,
    "minimum": (int, float, str),
    "maximum": (int, float, str),
    "minLength": int,
    "maxLength": int,
    "pattern": str,
    "enum": list,
}
EDITABLE = ("title", "description", "format", "constraints", "piiCategory", "standardElement")


def frictionless_type(sql_type: str) -> str:
    """The Table Schema type of a stored column (named as DuckDB names it)."""
    kind = sql_type.upper()
    if kind in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}:
        return "integer"
    if kind in {"FLOAT", "DOUBLE", "REAL"} or kind.startswith("DECIMAL"):
        return "number"
    if kind == "BOOLEAN":
        return "boolean"
    if kind == "DATE":
        return "date"
    if kind.startswith("TIMESTAMP"):
        return "datetime"
    if kind == "TIME":
        return "time"
    return "string"


def synced_fields(fields: list[dict[str, Any]], columns: list[Column]) -> list[dict[str, Any]]:
    """The dictionary for newly stored ``columns``: known fields keep what the steward wrote."""
    known = {field["name"]: field for field in fields}
    synced = []
    for column in columns:
        field = dict(known.get(column.name, {"name": column.name}))
        field["type"] = frictionless_type(column.type)
        field["storageType"] = column.type
        synced.append(field)
    return synced


def _check_constraints(name: str, constraints: Any) -> dict[str, Any]:
    if not isinstance(constraints, dict):
        raise InvalidInput(f"fields[{name}].constraints: must be an object.")
    for key, value in constraints.items():
        expected = CONSTRAINTS.get(key)
        if expected is None:
            raise InvalidInput(
                f"fields[{name}].constraints: {key!r} is not a Table Schema constraint; "
                f"use {', '.join(CONSTRAINTS)}."
            )
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise InvalidInput(f"fields[{name}].constraints.{key}: {value!r} has the wrong type.")
    return dict(constraints)


def edited_fields(
    current: list[dict[str, Any]], edits: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Apply a steward's edits to the dictionary; fields are matched by name, types are the data's.

    Args:
        current: the dictionary as stored.
        edits: Table Schema fields; only the editable properties of each are taken.
    """
    by_name = {field["name"]: dict(field) for field in current}
    for position, edit in enumerate(edits):
        if not isinstance(edit, dict) or not isinstance(edit.get("name"), str):
            raise InvalidInput(f"fields[{position}]: each field needs a name.")
        name = edit["name"]
        if name not in by_name:
            known = ", ".join(by_name) or "none yet (load data first)"
            raise InvalidInput(f"fields[{name}]: the dataset has no such column; columns: {known}.")
        field = by_name[name]
        for key in EDITABLE:
            if key not in edit:
                continue
            value = edit[key]
            if key == "constraints":
                value = _check_constraints(name, value)
            elif key == "piiCategory" and value not in PII_CATEGORIES:
                raise InvalidInput(
                    f"fields[{name}].piiCategory: {value!r} is not one of {', '.join(PII_CATEGORIES)}."
                )
            elif not isinstance(value, str):
                raise InvalidInput(f"fields[{name}].{key}: must be text.")
            elif key == "standardElement":
                checked_element(value, f"fields[{name}].standardElement")
            if value in ("", {}, None):
                field.pop(key, None)
            else:
                field[key] = value
    return [by_name[field["name"]] for field in current]


def checked_primary_key(fields: list[dict[str, Any]], primary_key: list[str]) -> list[str]:
    names = {field["name"] for field in fields}
    for name in primary_key:
        if name not in names:
            raise InvalidInput(f"primary_key: {name!r} is not a column of this dataset.")
    return list(dict.fromkeys(primary_key))


def table_schema(fields: list[dict[str, Any]], primary_key: list[str]) -> dict[str, Any]:
    """The dictionary as a Frictionless Table Schema document."""
    schema: dict[str, Any] = {"fields": [dict(field) for field in fields]}
    if primary_key:
        schema["primaryKey"] = list(primary_key)
    return schema
