"""The append-only audit log: every change, every read of non-public data, every refusal.

Rows are only ever inserted; the migration adds database triggers that refuse UPDATE and DELETE
on both SQLite and PostgreSQL, so not even a bug in this code can rewrite history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from statedata.core.db import Base, UTCDateTime, defer_until_after_rollback, unit_of_work, utcnow
from statedata.core.refusals import RefusalWindows, Repeats

# The process's windows of repeated refusals (tests put in their own, on their own clock).
REFUSALS = RefusalWindows()

OUTCOMES = ("succeeded", "allowed", "denied", "failed")


class Who(Protocol):
    """Whoever acted, as the log records them (identity's ``Actor`` is one)."""

    @property
    def user_id(self) -> int | None: ...

    @property
    def username(self) -> str: ...

    @property
    def client_ip(self) -> str | None: ...


class AuditEvent(Base):
    """One thing that happened: who, what, to what, when, from where, and how it ended."""

    __tablename__ = "core_audit_event"
    __table_args__ = (Index("ix_core_audit_event_occurred_at", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # No ON DELETE action: users are disabled, never deleted, and audit rows are never updated.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    resource_type: Mapped[str] = mapped_column(String(100), default="")
    resource_id: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(20))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def _event(
    actor: Who,
    action: str,
    resource_type: str,
    resource_id: str,
    outcome: str,
    detail: dict[str, Any] | None,
) -> AuditEvent:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    return AuditEvent(
        occurred_at=utcnow(),
        actor_user_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        outcome=outcome,
        client_ip=actor.client_ip,
        detail=detail or {},
    )


def record_event(
    session: Session,
    *,
    actor: Who,
    action: str,
    resource_type: str = "",
    resource_id: str | int = "",
    outcome: str = "succeeded",
    detail: dict[str, Any] | None = None,
    survive_rollback: bool = False,
) -> None:
    """Add an audit row to the current unit of work (it commits with the change it describes).

    With ``survive_rollback`` the row is committed even if the work fails, as a failed sign-in
    that is about to raise needs.
    """
    event = _event(actor, action, resource_type, str(resource_id), outcome, detail)
    if survive_rollback:
        defer_until_after_rollback(session, event)
    else:
        session.add(event)


def record_refusal(
    session: Session,
    *,
    actor: Who,
    action: str,
    resource_type: str = "",
    resource_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a refused attempt so that it survives the rollback of the request that made it:
    the first of its caller's for this action in a window as it is, the rest of the window as
    one counted event once the window closes (``core.refusals``)."""
    for window in REFUSALS.closed():
        defer_until_after_rollback(session, _repeats_event(window))
    admitted = REFUSALS.admit(
        user_id=actor.user_id,
        username=actor.username,
        client_ip=actor.client_ip,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
    )
    if admitted:
        record_event(
            session,
            actor=actor,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome="denied",
            detail=detail,
            survive_rollback=True,
        )


def _repeats_event(window: Repeats) -> AuditEvent:
    return AuditEvent(
        occurred_at=window.last_at or utcnow(),
        actor_user_id=window.user_id,
        actor_name=window.username,
        action=window.action,
        resource_type=window.resource_type,
        resource_id="",
        outcome="denied",
        client_ip=window.client_ip,
        detail={
            "repeated": window.count,
            "first_at": window.first_at.isoformat() if window.first_at else None,
            "last_at": window.last_at.isoformat() if window.last_at else None,
            "resources": window.resources,
        },
    )


def write_closed_refusals(factory: sessionmaker[Session], *, everything: bool = False) -> int:
    """Write the counted refusals of windows that have closed (of all, when the app stops)."""
    windows = REFUSALS.closed(everything=everything)
    if windows:
        with unit_of_work(factory) as session:
            session.add_all(_repeats_event(w) for w in windows)
    return len(windows)


def list_events(
    session: Session,
    *,
    action: str | None = None,
    actor_name: str | None = None,
    outcome: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> tuple[list[AuditEvent], int]:
    """Newest events first, filtered; returns the page and the total matching count."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_name:
        query = query.where(AuditEvent.actor_name == actor_name)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
    return list(rows), total
