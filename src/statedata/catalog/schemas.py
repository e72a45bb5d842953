"""What the catalog accepts and returns: metadata fields with their rules, and the JSON shapes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from statedata.catalog import vocabulary as vocab
from statedata.core.errors import InvalidInput
from statedata.core.text_fields import NONBLANK
from statedata.identity.policy import Classification

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# ISO 8601 interval of dates (2019-01-01/2024-12-31, 2019/2024, 2019-01/..).
_INTERVAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?/(\d{4}(-\d{2}(-\d{2})?)?|\.\.)$")


def _one_of(value: str, allowed: tuple[str, ...] | list[str], what: str) -> str:
    if value and value not in allowed:
        raise ValueError(f"{value!r} is not a {what}; choose one of: {', '.join(allowed)}")
    return value


class DatasetMetadata(BaseModel):
    """Every field a steward fills in; on an update only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(default="", max_length=300, json_schema_extra={"pattern": NONBLANK})
    description: str = Field(default="", max_length=20_000)
    category: str = Field(default="", json_schema_extra={"enum": ["", *vocab.CATEGORIES]})
    row_label: str = Field(default="", max_length=120)
    tags: list[str] = Field(
        default_factory=list,
        max_length=50,
        json_schema_extra={"items": {"type": "string", "maxLength": 60}},
    )
    source_link: str = Field(
        default="", max_length=500, json_schema_extra={"pattern": r"^(https?://.*)?$"}
    )
    geographic_unit: str = Field(
        default="", json_schema_extra={"enum": ["", *vocab.GEOGRAPHIC_UNITS]}
    )
    spatial: str = Field(default="", max_length=200)
    temporal_coverage: str = Field(
        default="", json_schema_extra={"pattern": f"^({_INTERVAL.pattern[1:-1]})?$"}
    )
    attribution: str = Field(default="", max_length=300)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(
        default="", max_length=320, json_schema_extra={"pattern": f"^({_EMAIL.pattern[1:-1]})?$"}
    )
    update_frequency: str = Field(
        default="", json_schema_extra={"enum": ["", *vocab.UPDATE_FREQUENCIES]}
    )
    license: str = Field(default="", json_schema_extra={"enum": ["", *vocab.LICENSES]})
    source_system: str = Field(default="", max_length=200)
    legal_authority: str = Field(default="", max_length=300)
    classification: Classification = Classification.INTERNAL
    is_high_value: bool = False
    high_value_criteria: list[str] = Field(
        default_factory=list,
        json_schema_extra={"items": {"type": "string", "enum": [*vocab.HIGH_VALUE_CRITERIA]}},
    )
    is_gis: bool = False
    pii_present: bool = False
    open_data_status: vocab.OpenDataStatus = vocab.OpenDataStatus.UNDER_REVIEW
    planned_publication_date: date | None = None
    steward_username: str | None = Field(default=None, max_length=150)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return _one_of(value, vocab.CATEGORIES, "category")

    @field_validator("update_frequency")
    @classmethod
    def _frequency(cls, value: str) -> str:
        return _one_of(value, list(vocab.UPDATE_FREQUENCIES), "update frequency")

    @field_validator("geographic_unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        return _one_of(value, vocab.GEOGRAPHIC_UNITS, "geographic unit")

    @field_validator("license")
    @classmethod
    def _license(cls, value: str) -> str:
        return _one_of(value, list(vocab.LICENSES), "license")

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("source_link")
    @classmethod
    def _link(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not a web address (http:// or https://)")
        return value

    @field_validator("temporal_coverage")
    @classmethod
    def _interval(cls, value: str) -> str:
        if value and not _INTERVAL.match(value):
            raise ValueError(
                f"{value!r} is not a date range; write start/end, e.g. 2019-01-01/2024-12-31"
            )
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        cleaned = []
        for tag in value:
            tag = tag.strip().lower()
            if len(tag) > 60:
                raise ValueError(f"tag {tag[:20]!r}... is longer than 60 characters")
            if tag and tag not in cleaned:
                cleaned.append(tag)
        return cleaned

    @field_validator("high_value_criteria")
    @classmethod
    def _criteria(cls, value: list[str]) -> list[str]:
        for code in value:
            _one_of(code, list(vocab.HIGH_VALUE_CRITERIA), "high-value criterion")
        return list(dict.fromkeys(value))


def parse_metadata(data: dict[str, Any], *, partial: bool = False) -> DatasetMetadata:
    """Validate metadata, turning the first problem into one line that names the field."""
    try:
        metadata = DatasetMetadata.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "metadata"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"{where}: {message}.") from None
    if not partial and not metadata.title:
        raise InvalidInput("title: a dataset needs a title.")
    if "title" in metadata.model_fields_set and not metadata.title:
        raise InvalidInput("title: a dataset needs a title.")
    return metadata


class ColumnIn(BaseModel):
    name: str
    type: str


class LoadRequest(BaseModel):
    """Confirm an upload's schema and load it as the next version."""

    model_config = ConfigDict(extra="forbid")

    mode: str = "replace"
    columns: list[ColumnIn] | None = None
    primary_key: list[str] | None = None
    note: str = Field(default="", max_length=2000)


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    mode: str
    rows: int
    bytes: int
    source_name: str
    source_checksum: str
    rows_checksum: str
    columns: list[dict[str, str]]
    schema_change: dict[str, Any]
    restored_from: int | None
    note: str
    created_by_name: str
    created_at: datetime


class UploadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    file_name: str
    format: str
    bytes: int
    checksum: str
    inferred_columns: list[dict[str, str]]
    status: str
    error: str
    version_number: int | None
    job_id: int | None
    created_at: datetime
