"""Tables of data quality: what the rules found in each version, and the version's profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow


class VersionReport(Base):
    """One version's quality: each rule's findings, its score, and what drift rules compare next.

    Kept for blocked versions too, so that the steward sees why a version was held back. Samples
    hold only the columns a rule looks at, never whole rows.
    """

    __tablename__ = "quality_version_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_dataset_version.id", ondelete="CASCADE"), unique=True
    )
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_dataset.id", ondelete="CASCADE"), index=True
    )
    rows: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float | None] = mapped_column(Float)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    remembered: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
