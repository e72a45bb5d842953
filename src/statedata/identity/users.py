"""Users: creation, listing, disabling, password sign-in and single sign-on accounts."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event, record_refusal
from statedata.core.db import utcnow
from statedata.core.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyRequests,
)
from statedata.core.security import hash_password, password_problem, verify_password
from statedata.identity.actor import ALL_SCOPES, Actor, Role, Scope
from statedata.identity.agencies import get_agency_by_code
from statedata.identity.models import User
from statedata.identity.policy import Action, authorize
from statedata.identity.sessions import end_other_sessions
from statedata.identity.throttle import SignInThrottle

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
# Roles that act for one agency and therefore must name it.
AGENCY_ROLES = frozenset({Role.AGENCY_DATA_OFFICER, Role.STEWARD})


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role: {value!r} is not a role; use one of {allowed}.") from None


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    password: str | None,
    role: str,
    agency_code: str | None = None,
    full_name: str = "",
    email: str = "",
) -> User:
    """Add a user (admin only); agency officers and stewards must belong to an agency."""
    authorize(session, actor=actor, action=Action.MANAGE_USERS)
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(
            f"username: {username!r} must be 2-100 lowercase letters, digits, dots, dashes or underscores."
        )
    parsed_role = parse_role(role)
    if password is not None and (problem := password_problem(password)):
        raise InvalidInput(f"password: {problem}.")
    agency = get_agency_by_code(session, code=agency_code) if agency_code else None
    if parsed_role in AGENCY_ROLES and agency is None:
        raise InvalidInput(f"agency: a {parsed_role.value} must belong to an agency.")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"username: {username!r} is taken.")
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email.strip(),
        role=parsed_role.value,
        agency_id=agency.id if agency else None,
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="user.create",
        resource_type="user",
        resource_id=username,
        detail={"role": parsed_role.value, "agency": agency.code if agency else None},
    )
    return user


def list_users(session: Session, *, actor: Actor) -> list[User]:
    """Every user (admin only; the read is audited)."""
    authorize(session, actor=actor, action=Action.READ_USERS)
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"No user is named {username!r}.")
    return user


def set_user_active(session: Session, *, actor: Actor, username: str, active: bool) -> User:
    """Disable (or re-enable) a user; a disabled user's sessions and tokens stop working at once."""
    authorize(session, actor=actor, action=Action.MANAGE_USERS)
    user = get_user(session, username=username)
    user.is_active = active
    record_event(
        session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        resource_type="user",
        resource_id=user.username,
    )
    return user


def authenticate_password(
    session: Session,
    *,
    username: str,
    password: str,
    client_ip: str | None,
    throttle: SignInThrottle | None = None,
) -> User:
    """The user whose password matches, or NotAuthenticated with one message for every failure.

    With a ``throttle``, a sign-in over its limits is refused (TooManyRequests, audited) before
    any password is checked, and each failure counts against the account and the address.
    """
    if throttle is not None:
        try:
            throttle.check(username, client_ip)
        except TooManyRequests as exc:
            record_refusal(
                session,
                actor=Actor(user_id=None, username=username[:100], client_ip=client_ip),
                action="auth.login",
                resource_type="user",
                resource_id=username[:100],
                detail={"reason": "throttled", "retry_after": exc.retry_after},
            )
            raise
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    valid = verify_password(user.password_hash if user else None, password)
    who = Actor(
        user_id=user.id if user else None,
        username=username[:100],
        client_ip=client_ip,
        via="anonymous",
    )
    if user is None or not valid or not user.is_active:
        if throttle is not None:
            throttle.failed(username, client_ip)
        record_event(
            session,
            actor=who,
            action="auth.login",
            resource_type="user",
            resource_id=username[:100],
            outcome="failed",
            survive_rollback=True,
        )
        raise NotAuthenticated("The username or password is not right, or the account is disabled.")
    if throttle is not None:
        throttle.succeeded(username)
    user.last_login_at = utcnow()
    record_event(
        session, actor=who, action="auth.login", resource_type="user", resource_id=user.username
    )
    return user


def change_password(
    session: Session,
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    keep_session_id: str | None = None,
) -> None:
    """Change the actor's own password; every other browser session of theirs ends."""
    authorize(session, actor=actor, action=Action.CHANGE_OWN_PASSWORD)
    user = session.get(User, actor.user_id)
    if user is None or user.password_hash is None:
        raise InvalidInput(
            "password: this account signs in through single sign-on and has no password here."
        )
    if not verify_password(user.password_hash, current_password):
        record_event(
            session,
            actor=actor,
            action="user.password_change",
            resource_type="user",
            resource_id=user.username,
            outcome="failed",
            survive_rollback=True,
        )
        raise InvalidInput("current_password: that is not your current password.")
    if problem := password_problem(new_password):
        raise InvalidInput(f"new_password: {problem}.")
    user.password_hash = hash_password(new_password)
    ended = end_other_sessions(session, user_id=user.id, keep_session_id=keep_session_id)
    record_event(
        session,
        actor=actor,
        action="user.password_change",
        resource_type="user",
        resource_id=user.username,
        detail={"other_sessions_ended": ended},
    )


def find_or_create_oidc_user(
    session: Session,
    *,
    subject: str,
    username_hint: str,
    email: str,
    full_name: str,
    default_role: str,
) -> User:
    """The account for a single sign-on identity, created on first sign-in with the default role."""
    user = session.scalar(select(User).where(User.oidc_subject == subject))
    if user is not None:
        return user
    base = (
        re.sub(r"[^a-z0-9._-]", "", (username_hint or email.split("@")[0] or "user").lower())
        or "user"
    )
    username, suffix = base, 1
    while session.scalar(select(User.id).where(User.username == username)) is not None:
        suffix += 1
        username = f"{base}{suffix}"
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        role=parse_role(default_role).value,
        oidc_subject=subject,
        password_hash=None,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor=Actor.system("oidc"),
        action="user.create",
        resource_type="user",
        resource_id=username,
        detail={"via": "oidc", "role": user.role},
    )
    return user


def actor_for(
    user: User, *, via: str, client_ip: str | None, scopes: frozenset[str] | None = None
) -> Actor:
    """The actor a signed-in user or token holder acts as."""
    granted = ALL_SCOPES if scopes is None else frozenset(Scope(s) for s in scopes)
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        agency_id=user.agency_id,
        scopes=granted,
        client_ip=client_ip,
        via=via,
    )
