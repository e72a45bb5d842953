"""An exchange, the files agencies submit to it, and the keys the hub gives their records.

A submission's row outlives its file: after destruction it still says what was received (rows,
columns, checksum), when, from whom, and when and how it was destroyed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow


class Exchange(Base):
    """One linking of several agencies' records for a stated purpose."""

    __tablename__ = "linkage_exchange"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    agencies: Mapped[list[str]] = mapped_column(JSON)  # agency codes, in the order given
    # open -> linked (keys issued, identifiers destroyed or waiting for it) -> closed
    status: Mapped[str] = mapped_column(String(10), default="open")
    method: Mapped[str] = mapped_column(String(10), default="")  # clear or bloom, once linked
    threshold: Mapped[float | None] = mapped_column(Float)  # Dice that joins encodings (bloom)
    retention_days: Mapped[int] = mapped_column(Integer, default=0)  # identifiers after linking
    records: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    created_by_name: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExchangeFile(Base):
    """An agency's identifier or content file for an exchange."""

    __tablename__ = "linkage_exchange_file"
    __table_args__ = (UniqueConstraint("exchange_id", "agency_code", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("linkage_exchange.id", ondelete="CASCADE"), index=True
    )
    agency_code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12))  # identifiers or content
    file_name: Mapped[str] = mapped_column(String(300))
    stored_path: Mapped[str] = mapped_column(String(1000), default="")  # empty once destroyed
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[str]] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(80))  # sha256 of the file as received
    submitted_by_name: Mapped[str] = mapped_column(String(150), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    destruction: Mapped[str] = mapped_column(Text, default="")  # how, why and by whom


class ExchangeKey(Base):
    """The pseudonymous key the hub gave one agency record (kept until the exchange closes)."""

    __tablename__ = "linkage_exchange_key"
    __table_args__ = (UniqueConstraint("exchange_id", "agency_code", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("linkage_exchange.id", ondelete="CASCADE"), index=True
    )
    agency_code: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(40))
