"""Tables of the catalog: datasets with their metadata and dictionary, their versions, staged uploads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statedata.core.db import Base, UTCDateTime, utcnow
from statedata.identity.models import Agency, User


class Dataset(Base):
    """One data asset of one agency: DCAT-US and Connecticut metadata, inventory facts, lifecycle."""

    __tablename__ = "catalog_dataset"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(9), unique=True)  # abcd-1234, never changes
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("identity_agency.id"), index=True)

    # What the public reads (DCAT-US 1.1 and Connecticut's open data metadata standard).
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(60), default="")
    row_label: Mapped[str] = mapped_column(String(120), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_link: Mapped[str] = mapped_column(String(500), default="")
    geographic_unit: Mapped[str] = mapped_column(String(60), default="")
    spatial: Mapped[str] = mapped_column(String(200), default="")
    temporal_coverage: Mapped[str] = mapped_column(String(60), default="")  # ISO 8601 interval
    attribution: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    update_frequency: Mapped[str] = mapped_column(String(60), default="")
    license: Mapped[str] = mapped_column(String(300), default="")

    # What the inventory needs.
    source_system: Mapped[str] = mapped_column(String(200), default="")
    legal_authority: Mapped[str] = mapped_column(String(300), default="")
    classification: Mapped[str] = mapped_column(String(20), default="internal")
    is_high_value: Mapped[bool] = mapped_column(Boolean, default=False)
    high_value_criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_gis: Mapped[bool] = mapped_column(Boolean, default=False)
    pii_present: Mapped[bool] = mapped_column(Boolean, default=False)
    steward_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    open_data_status: Mapped[str] = mapped_column(String(30), default="under_review")
    planned_publication_date: Mapped[date | None] = mapped_column(Date)

    # The data dictionary: Frictionless Table Schema fields, and the primary key.
    dictionary: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    primary_key: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Rules beyond the fields' constraints (quality.rules documents: {"type": ..., **params}).
    quality_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    # Lifecycle: draft -> in review -> published -> retired (public notice, then private).
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    review_requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    private_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retirement_reason: Mapped[str] = mapped_column(Text, default="")

    # A configured source pulled on the update frequency's schedule (file path, URL or SQL).
    source_kind: Mapped[str] = mapped_column(String(10), default="")  # "", file, url, sql
    source_location: Mapped[str] = mapped_column(String(1000), default="")
    source_query: Mapped[str] = mapped_column(Text, default="")
    source_format: Mapped[str] = mapped_column(String(10), default="")
    source_mode: Mapped[str] = mapped_column(String(10), default="replace")
    last_pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_pull_job_id: Mapped[int | None] = mapped_column(Integer)  # a core_job id, kept as history

    # The current version, denormalized so that lists and search need no join.
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    data_format: Mapped[str] = mapped_column(String(10), default="")  # of the last file loaded
    data_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    steward: Mapped[User | None] = relationship(foreign_keys=[steward_user_id], lazy="joined")


class DatasetVersion(Base):
    """One immutable load of a dataset's rows, and what it changed."""

    __tablename__ = "catalog_dataset_version"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_dataset.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... as the steward sees them
    # The table store's own version; for a blocked version, the one its load built on (-1: none)
    store_version: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10))  # replace, append, upsert, restore
    # published, or blocked: an error-level quality rule broke, so it never became current
    status: Mapped[str] = mapped_column(String(10), default="published")
    rows: Mapped[int] = mapped_column(BigInteger)
    bytes: Mapped[int] = mapped_column(BigInteger)
    source_name: Mapped[str] = mapped_column(String(300), default="")
    source_checksum: Mapped[str] = mapped_column(String(80), default="")  # sha256 of the file
    rows_checksum: Mapped[str] = mapped_column(String(80), default="")  # of the rows, any order
    columns: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    schema_change: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    restored_from: Mapped[int | None] = mapped_column(Integer)
    # A blocked version's rows, never committed to the store: {"base", "files", "primary_key"}
    held: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Upload(Base):
    """A file received for a dataset and held on disk until the steward confirms its schema."""

    __tablename__ = "catalog_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_dataset.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(300))
    stored_path: Mapped[str] = mapped_column(String(1000))
    format: Mapped[str] = mapped_column(String(10))
    bytes: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str] = mapped_column(String(80))
    inferred_columns: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(
        String(12), default="staged"
    )  # staged loading loaded failed
    error: Mapped[str] = mapped_column(Text, default="")
    version_number: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InventorySubmission(Base):
    """An agency's inventory as its data officer submitted it for a year."""

    __tablename__ = "catalog_inventory_submission"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("identity_agency.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_by_name: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PiiFinding(Base):
    """A column a load suggested holds personal information, and the steward's decision.

    One row per dataset, column and category: a later load does not propose again what the
    steward already confirmed or dismissed.
    """

    __tablename__ = "catalog_pii_finding"
    __table_args__ = (UniqueConstraint("dataset_id", "column_name", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_dataset.id", ondelete="CASCADE"), index=True
    )
    column_name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(30))
    evidence: Mapped[str] = mapped_column(String(300))
    share: Mapped[float | None] = mapped_column(Float)
    version_number: Mapped[int] = mapped_column(Integer)  # the load that suggested it
    status: Mapped[str] = mapped_column(String(10), default="proposed")  # confirmed, dismissed
    decided_by_name: Mapped[str] = mapped_column(String(150), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
