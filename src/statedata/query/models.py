"""Tables of the data API: usage counts per dataset and day, and the SQL workspace's saved queries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow


class DatasetUsage(Base):
    """How often a dataset was used on one day, one row per kind (page view, download, API call).

    A row per day and kind, not per request: the counts are summed in memory and added here in
    batches, so counting costs a request nothing it would notice.
    """

    __tablename__ = "query_dataset_usage"
    __table_args__ = (UniqueConstraint("dataset_id", "usage_date", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_dataset.id", ondelete="CASCADE"), index=True
    )
    usage_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # page_view, download, api
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class SavedQuery(Base):
    """A SQL workspace statement a person kept under a title."""

    __tablename__ = "query_saved_query"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("identity_user.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    sql: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
