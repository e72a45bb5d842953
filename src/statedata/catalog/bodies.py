"""The request bodies of the catalog's JSON API, typed so that the OpenAPI document states every
rule a schema can state (the vocabularies, lengths, text that must not be blank).

The services still check what they are given, for the forms that send the same fields; the rules
only the data can answer (a column the dataset has, a steward who exists, a folder a source may
read) stay theirs, and are refused by field with 422.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from statedata.catalog import vocabulary as vocab
from statedata.catalog.dictionary import CONSTRAINTS
from statedata.catalog.schemas import DatasetMetadata
from statedata.core.text_fields import NONBLANK
from statedata.storage.readers import FORMATS


class NewDataset(DatasetMetadata):
    """A draft dataset's metadata, and the agency that holds it."""

    title: str = Field(max_length=300, pattern=NONBLANK)
    agency: str | None = Field(
        default=None,
        max_length=20,
        description="The holding agency's code; leave it out for your own agency.",
    )

    def metadata(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, exclude={"agency"})


class FieldEdit(BaseModel):
    """A dictionary field's editable properties; the name matches it to a column."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=300)
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=20_000)
    format: str = Field(default="", max_length=100)
    constraints: dict[str, Any] = Field(
        default_factory=dict,
        description=f"Table Schema constraints: {', '.join(CONSTRAINTS)}.",
        json_schema_extra={
            "additionalProperties": False,
            "properties": {
                "required": {"type": "boolean"},
                "unique": {"type": "boolean"},
                "minimum": {"type": ["number", "string"]},
                "maximum": {"type": ["number", "string"]},
                "minLength": {"type": "integer"},
                "maxLength": {"type": "integer"},
                "pattern": {"type": "string"},
                "enum": {"type": "array"},
            },
        },
    )
    pii_category: str = Field(
        default="none",
        alias="piiCategory",
        json_schema_extra={"enum": list(vocab.PII_CATEGORIES)},
    )
    standard_element: str = Field(
        default="",
        alias="standardElement",
        max_length=100,
        description="A common data element's key (see /standards); empty for none.",
    )


class DictionaryEdit(BaseModel):
    """Edits to the data dictionary, matched to its columns by name."""

    model_config = ConfigDict(extra="forbid")

    fields: list[FieldEdit] = Field(max_length=5000)
    primary_key: list[str] | None = Field(default=None, alias="primaryKey", max_length=100)

    def edits(self) -> list[dict[str, Any]]:
        return [f.model_dump(by_alias=True, exclude_unset=True) for f in self.fields]


class SourceSettings(BaseModel):
    """Where a dataset's data is pulled from; an empty ``kind`` removes the source."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["", "file", "url", "sql"] = ""
    location: str = Field(
        default="",
        max_length=2000,
        description="A file in a source folder, an http(s) URL, or a SQLAlchemy URL.",
    )
    query: str = Field(default="", max_length=100_000, description="SQL sources: one SELECT.")
    format: str = Field(default="", json_schema_extra={"enum": ["", *FORMATS]})
    mode: Literal["replace", "append", "upsert"] = "replace"


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class Retirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000, pattern=NONBLANK, description="Why, shown to the public.")


class InventorySubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the schema's bound is fixed when the app starts; the service checks against today
    year: int = Field(ge=2000, le=date.today().year + 1, description="No later than next year.")
    note: str = Field(default="", max_length=2000)
