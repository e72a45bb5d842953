"""Grants: read access to one resource given to one person until a date, made when a data
request is fulfilled. ``policy.authorize`` reads the actor's live grants for every dataset read,
so a grant holds nowhere else and lapses everywhere at once.

Other kinds of permission that end in a grant (an active sharing agreement naming a user) are
registered here as grant sources by the floor that keeps them, so :func:`live_grants` stays the
one answer to "what does this person hold"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow
from statedata.identity.actor import Actor
from statedata.identity.policy import Grant


class AccessGrant(Base):
    __tablename__ = "identity_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id"), index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str] = mapped_column(String(100))
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)  # PII columns shown unmasked
    row_condition: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    request_id: Mapped[int | None] = mapped_column(Integer)  # the data request that made it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


GrantSource = Callable[[Session, Actor], Iterable[Grant]]
_SOURCES: dict[str, GrantSource] = {}


def grant_source(name: str, source: GrantSource) -> None:
    """Register where else grants come from (``wiring`` does, once per process)."""
    _SOURCES[name] = source


def live_grants(session: Session, actor: Actor) -> tuple[Grant, ...]:
    """The actor's grants that have not ended or been revoked."""
    if actor.user_id is None:
        return ()
    found = session.scalars(
        select(AccessGrant).where(
            AccessGrant.user_id == actor.user_id,
            AccessGrant.expires_at > utcnow(),
            AccessGrant.revoked_at.is_(None),
        )
    )
    held = [Grant(g.resource_type, g.resource_id, tuple(g.columns)) for g in found]
    for source in _SOURCES.values():
        held.extend(source(session, actor))
    return tuple(held)
