"""The outbox: every message the portal means to send, kept whether or not it can be mailed.

A message is written here first (in the same transaction as whatever caused it) and mailed
afterwards by ``core.mail``; so a reminder is never lost to a mail server that is down, and the
outbox page shows stewards and the CDO's office what was said to whom. Each message has a ``key``
that names what it is about (``freshness/abcd-1234/2026-12-01/overdue/ann@example.org``); a key
is queued once, so two clocks running at once, or the same clock running twice, send one message.

Statuses: ``pending`` (waiting for the mailer), ``sending`` (claimed by one), ``sent``,
``failed`` (gave up after ``MAX_ATTEMPTS``), ``held`` (kept in the outbox only: no mail server is
configured, or nobody has an address to send it to).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from statedata.core.config import Settings
from statedata.core.db import Base, UTCDateTime, utcnow

MAX_ATTEMPTS = 5


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"


class OutboxMessage(Base):
    """One message to one recipient, and what became of it."""

    __tablename__ = "core_outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. freshness.due, freshness.overdue
    recipient: Mapped[str] = mapped_column(String(320))  # an email address, or "" for nobody
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("identity_agency.id"), index=True)
    resource_type: Mapped[str] = mapped_column(String(40), default="")
    resource_id: Mapped[str] = mapped_column(String(60), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "recipient": self.recipient,
            "recipient_name": self.recipient_name,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "subject": self.subject,
            "body": self.body,
            "status": self.status,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


def queue_message(
    session: Session,
    *,
    settings: Settings,
    key: str,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    recipient_name: str = "",
    recipient_user_id: int | None = None,
    agency_id: int | None = None,
    resource_type: str = "",
    resource_id: str = "",
) -> OutboxMessage | None:
    """Add a message unless its key was queued before; None when it was.

    Args:
        key: names the occasion and the recipient; the same key is never queued twice.
        recipient: an email address; "" keeps the message in the outbox for people to read.
    """
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    held = not settings.smtp_host or not recipient
    message = OutboxMessage(
        key=key,
        kind=kind,
        recipient=recipient,
        recipient_name=recipient_name,
        recipient_user_id=recipient_user_id,
        agency_id=agency_id,
        resource_type=resource_type,
        resource_id=resource_id,
        subject=subject,
        body=body,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
        last_error=_held_reason(settings, recipient) if held else "",
        next_attempt_at=None if held else utcnow(),
    )
    try:
        with session.begin_nested():  # another clock may have queued the same key meanwhile
            session.add(message)
    except IntegrityError:
        return None
    return message


def _held_reason(settings: Settings, recipient: str) -> str:
    if not recipient:
        return "nobody to send it to: no steward, data officer or contact has an email address"
    return "kept here only: no mail server is configured (STATEDATA_SMTP_HOST)"
