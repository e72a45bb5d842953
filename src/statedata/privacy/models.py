"""What a dataset allows to be released from it, and each aggregate release made from it.

A dataset's privacy budget is its epsilon for differentially private releases, all of them
together; what is spent is the sum of its releases' epsilons, kept on the release rows so that
the sum cannot drift from what was released.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statedata.catalog.models import Dataset
from statedata.core.db import Base, UTCDateTime, utcnow


class DatasetPrivacy(Base):
    """A dataset's small-cell threshold and privacy budget, where they differ from the defaults."""

    __tablename__ = "privacy_dataset"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("catalog_dataset.id"), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer)  # counts from 1 to this are suppressed
    epsilon_budget: Mapped[float] = mapped_column(Float)
    updated_by_name: Mapped[str] = mapped_column(String(150), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Release(Base):
    """A count table (suppressed) or a differentially private table made from a dataset."""

    __tablename__ = "privacy_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_dataset_id: Mapped[int] = mapped_column(ForeignKey("catalog_dataset.id"), index=True)
    # suppressed_counts, dp_counts, dp_sums, dp_means
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    # {rows: {column, bin}, columns: {column, bin} | None, where, value, bounds}
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    threshold: Mapped[int | None] = mapped_column(Integer)  # suppressed counts
    epsilon: Mapped[float | None] = mapped_column(Float)  # differentially private tables
    method: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, ready, failed
    error: Mapped[str] = mapped_column(Text, default="")
    dataset_public_id: Mapped[str | None] = mapped_column(String(20))  # the table released
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # cells suppressed, groups
    job_id: Mapped[int | None] = mapped_column(ForeignKey("core_job.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    created_by_name: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    source: Mapped[Dataset] = relationship(lazy="joined")
