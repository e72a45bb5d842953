"""Browser sessions: started at sign-in, ended at sign-out, expiry or when the user is disabled."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event
from statedata.core.db import utcnow
from statedata.core.security import hash_token, new_session_id
from statedata.identity.actor import Actor
from statedata.identity.models import User, WebSession


def start_session(
    session: Session, *, user: User, client_ip: str | None, max_age_seconds: int
) -> str:
    """Record a new browser session and return its id for the signed cookie."""
    session_id = new_session_id()
    session.add(
        WebSession(
            session_hash=hash_token(session_id),
            user_id=user.id,
            created_at=utcnow(),
            expires_at=utcnow() + timedelta(seconds=max_age_seconds),
            client_ip=client_ip,
        )
    )
    return session_id


def user_for_session(session: Session, *, session_id: str) -> User | None:
    """The signed-in user of a live session; None for unknown, ended, expired or disabled."""
    row = session.scalar(
        select(WebSession).where(WebSession.session_hash == hash_token(session_id))
    )
    if (
        row is None
        or row.revoked_at is not None
        or row.expires_at <= utcnow()
        or not row.user.is_active
    ):
        return None
    return row.user


def end_other_sessions(session: Session, *, user_id: int, keep_session_id: str | None) -> int:
    """End every live session of a user but the one given (after a password change)."""
    keep = hash_token(keep_session_id) if keep_session_id else None
    rows = session.scalars(
        select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    )
    ended = 0
    for row in rows:
        if row.session_hash != keep:
            row.revoked_at = utcnow()
            ended += 1
    return ended


def end_session(session: Session, *, session_id: str, actor: Actor) -> None:
    """Sign out: the session id stops working even if someone kept the cookie."""
    row = session.scalar(
        select(WebSession).where(WebSession.session_hash == hash_token(session_id))
    )
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        record_event(
            session,
            actor=actor,
            action="auth.logout",
            resource_type="user",
            resource_id=actor.username,
        )
