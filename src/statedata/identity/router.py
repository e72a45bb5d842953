"""JSON API of identity: who am I, agencies, users, tokens, and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from statedata.core import audit
from statedata.core.config import Settings
from statedata.identity import agencies, tokens, users
from statedata.identity.models import Agency, ApiToken, User
from statedata.identity.policy import Action, authorize
from statedata.identity.schemas import (
    AgencyIn,
    AgencyOut,
    AuditEventOut,
    AuditPage,
    MeOut,
    PasswordChange,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from statedata.web.deps import CurrentActor, DbSession, get_settings

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.get("/me", response_model=MeOut)
def read_me(session: DbSession, actor: CurrentActor) -> MeOut:
    """Who the request is acting as, with its role, agency and scopes."""
    authorize(session, actor=actor, action=Action.READ_ACCOUNT)
    agency = session.get(Agency, actor.agency_id) if actor.agency_id else None
    return MeOut(
        username=actor.username,
        role=actor.role.value if actor.role else None,
        agency=agency.code if agency else None,
        via=actor.via,
        scopes=sorted(s.value for s in actor.scopes),
    )


@router.post("/me/password", status_code=204)
def change_my_password(
    body: PasswordChange, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    """Change your password; your other browser sessions end."""
    users.change_password(
        session,
        actor=actor,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=request.session.get("sid") if actor.via == "session" else None,
    )
    return Response(status_code=204)


@router.get("/agencies", response_model=list[AgencyOut])
def list_agencies(session: DbSession) -> list[Agency]:
    """Every agency, by code."""
    return agencies.list_agencies(session)


@router.post("/agencies", response_model=AgencyOut, status_code=201)
def create_agency(
    body: AgencyIn,
    session: DbSession,
    actor: CurrentActor,
) -> Agency:
    """Add an agency (admin)."""
    return agencies.create_agency(session, actor=actor, code=body.code, name=body.name)


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, actor: CurrentActor) -> list[User]:
    """Every user (admin; the read is audited)."""
    return users.list_users(session, actor=actor)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserIn,
    session: DbSession,
    actor: CurrentActor,
) -> User:
    """Add a user (admin)."""
    return users.create_user(
        session,
        actor=actor,
        username=body.username,
        password=body.password,
        role=body.role,
        agency_code=body.agency,
        full_name=body.full_name,
        email=body.email,
    )


@router.post("/users/{username}/disable", response_model=UserOut)
def disable_user(
    username: str,
    session: DbSession,
    actor: CurrentActor,
) -> User:
    """Disable a user; their sessions and tokens stop working at once (admin)."""
    return users.set_user_active(session, actor=actor, username=username, active=False)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: DbSession, actor: CurrentActor) -> list[ApiToken]:
    """Your API tokens, newest first (secrets are never shown again)."""
    return tokens.list_tokens(session, actor=actor)


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    body: TokenIn,
    session: DbSession,
    actor: CurrentActor,
    settings: Settings = Depends(get_settings),
) -> TokenCreated:
    """Create an API token; the response holds its secret, shown only this once."""
    token, secret = tokens.create_token(
        session,
        actor=actor,
        name=body.name,
        scopes=list(body.scopes),
        expires_in_days=body.expires_in_days,
        max_days=settings.token_max_days,
    )
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: int,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    """Revoke one of your tokens; it is refused from now on."""
    tokens.revoke_token(session, actor=actor, token_id=token_id)
    return Response(status_code=204)


@router.get("/audit", response_model=AuditPage)
def list_audit_events(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    action: str | None = Query(default=None, description="Only this action, e.g. auth.login"),
    actor_name: str | None = Query(default=None, alias="actor"),
    outcome: str | None = Query(default=None, description="succeeded, allowed, denied or failed"),
    before_id: int | None = Query(
        default=None, ge=1, description="Page on: events older than this id"
    ),
    limit: int = Query(default=100, ge=1, le=1000),
) -> AuditPage:
    """The audit log, newest first (admin; reading it is itself audited)."""
    authorize(session, actor=actor, action=Action.READ_AUDIT)
    events, total = audit.list_events(
        session,
        action=action,
        actor_name=actor_name,
        outcome=outcome,
        before_id=before_id,
        limit=limit,
    )
    next_url = None
    if len(events) == limit:
        next_url = str(request.url.include_query_params(before_id=events[-1].id))
    return AuditPage(
        total=total, events=[AuditEventOut.model_validate(e) for e in events], next=next_url
    )
