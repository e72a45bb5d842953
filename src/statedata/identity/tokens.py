"""API tokens: created by their owner, shown once, refused once revoked or expired."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event
from statedata.core.db import utcnow
from statedata.core.errors import InvalidInput, NotAuthenticated, NotFound
from statedata.core.security import hash_token, new_api_token
from statedata.identity.actor import Actor, Role, Scope
from statedata.identity.models import ApiToken, User
from statedata.identity.policy import Action, authorize
from statedata.identity.users import actor_for


def _parse_scopes(scopes: list[str], role: Role | None) -> list[str]:
    if not scopes:
        raise InvalidInput("scopes: choose at least one of read, write, admin.")
    parsed: list[str] = []
    for scope in scopes:
        try:
            parsed.append(Scope(scope.strip()).value)
        except ValueError:
            raise InvalidInput(
                f"scopes: {scope!r} is not a scope; use read, write or admin."
            ) from None
    if Scope.ADMIN.value in parsed and role is not Role.ADMIN:
        raise InvalidInput("scopes: only admins may create tokens with the admin scope.")
    return sorted(set(parsed))


def create_token(
    session: Session,
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    expires_in_days: int,
    max_days: int,
    for_user: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for the actor (or, from the CLI, for ``for_user``); returns it and its secret."""
    authorize(session, actor=actor, action=Action.MANAGE_OWN_TOKENS)
    owner_id = for_user.id if for_user is not None else actor.user_id
    owner_role = Role(for_user.role) if for_user is not None else actor.role
    if owner_id is None:
        raise InvalidInput("user: say which user the token is for.")
    if not name.strip():
        raise InvalidInput("name: give the token a name that says where it is used.")
    if not 1 <= expires_in_days <= max_days:
        raise InvalidInput(f"expires_in_days: must be between 1 and {max_days}.")
    secret = new_api_token()
    token = ApiToken(
        user_id=owner_id,
        name=name.strip()[:100],
        token_hash=hash_token(secret),
        display_prefix=secret[:10],
        scopes=_parse_scopes(scopes, owner_role),
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=expires_in_days),
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="token.create",
        resource_type="token",
        resource_id=token.id,
        detail={"scopes": token.scopes, "owner_user_id": owner_id},
    )
    return token, secret


def list_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    """The actor's own tokens, newest first."""
    authorize(session, actor=actor, action=Action.READ_ACCOUNT)
    query = select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def revoke_token(session: Session, *, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (an admin may revoke anyone's)."""
    authorize(session, actor=actor, action=Action.MANAGE_OWN_TOKENS)
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.user_id and actor.role is not Role.ADMIN):
        raise NotFound(f"You have no token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(
            session, actor=actor, action="token.revoke", resource_type="token", resource_id=token.id
        )
    return token


def actor_for_token(session: Session, *, secret: str, client_ip: str | None) -> Actor:
    """The actor a bearer token stands for; unknown, revoked, expired and disabled are refused."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    problem = None
    if token is None:
        problem = "The API token is not known."
    elif token.revoked_at is not None:
        problem = "The API token was revoked."
    elif token.expires_at <= utcnow():
        problem = "The API token has expired."
    elif not token.user.is_active:
        problem = "The API token's account is disabled."
    if problem or token is None:
        record_event(
            session,
            actor=Actor.anonymous(client_ip),
            action="auth.token",
            resource_type="token",
            resource_id=token.id if token else "",
            outcome="failed",
            detail={"reason": problem},
            survive_rollback=True,
        )
        raise NotAuthenticated(problem or "The API token is not valid.")
    token.last_used_at = utcnow()
    return actor_for(token.user, via="token", client_ip=client_ip, scopes=frozenset(token.scopes))


def live_token_id(session: Session, *, secret: str) -> int | None:
    """The id of a live token (not revoked, not expired, its account active), else None.

    Used for app tokens, which only raise a caller's rate limit and never act as the user.
    """
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if (
        token is None
        or token.revoked_at is not None
        or token.expires_at <= utcnow()
        or not token.user.is_active
    ):
        return None
    return token.id
