"""Single sign-on through OpenID Connect (Authlib), offered when an issuer is configured.

The provider proves who the person is; the account (and its role) is ours: created on first
sign-in with the configured default role, then managed by an admin like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.errors import NotAuthenticated, NotFound
from statedata.core.security import new_csrf_token
from statedata.identity import sessions, users
from statedata.identity.users import actor_for
from statedata.web.deps import DbSession, client_ip, get_settings

if TYPE_CHECKING:
    from authlib.integrations.starlette_client import OAuth

router = APIRouter(include_in_schema=False)


def make_oauth(settings: Settings) -> OAuth:
    # Imported only when single sign-on is configured: most instances never load Authlib.
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    oauth.register(
        name="oidc",
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_id=settings.oidc_client_id,
        client_secret=secret,
        client_kwargs={"scope": "openid email profile"},
    )
    return oauth


def _client(request: Request) -> Any:
    oauth: OAuth | None = getattr(request.app.state, "oauth", None)
    if oauth is None:
        raise NotFound("Single sign-on is not configured on this portal.")
    return oauth.create_client("oidc")


@router.get("/login/oidc")
async def start_oidc_login(request: Request) -> Response:
    client = _client(request)
    redirect_uri = str(request.url_for("finish_oidc_login"))
    response: Response = await client.authorize_redirect(request, redirect_uri)
    return response


@router.get("/auth/oidc/callback", name="finish_oidc_login")
async def finish_oidc_login(
    request: Request,
    session: DbSession,
    settings: Settings = Depends(get_settings),
) -> Response:
    from authlib.integrations.starlette_client import OAuthError

    client = _client(request)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        raise NotAuthenticated(f"Single sign-on failed: {exc.description or exc.error}.") from None
    claims = token.get("userinfo") or await client.userinfo(token=token)
    user = users.find_or_create_oidc_user(
        session,
        subject=str(claims["sub"]),
        username_hint=str(claims.get("preferred_username", "")),
        email=str(claims.get("email", "")),
        full_name=str(claims.get("name", "")),
        default_role=settings.oidc_default_role,
    )
    if not user.is_active:
        raise NotAuthenticated("This account is disabled.")
    session_id = sessions.start_session(
        session,
        user=user,
        client_ip=client_ip(request),
        max_age_seconds=settings.session_max_age_seconds,
    )
    record_event(
        session,
        actor=actor_for(user, via="oidc", client_ip=client_ip(request)),
        action="auth.login",
        resource_type="user",
        resource_id=user.username,
        detail={"via": "oidc"},
    )
    request.session.clear()
    request.session.update({"sid": session_id, "csrf": new_csrf_token()})
    return RedirectResponse("/", status_code=303)
