"""Pages of identity: sign in and out, your account and tokens, agencies, users, the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from statedata.core import audit
from statedata.core.config import Settings
from statedata.core.errors import InvalidInput, NotAuthenticated, StatedataError, TooManyRequests
from statedata.core.instance import is_demo
from statedata.core.security import new_csrf_token
from statedata.identity import agencies, sessions, tokens, users
from statedata.identity.actor import Actor, Role
from statedata.identity.policy import Action, authorize
from statedata.web.deps import CurrentActor, DbSession, client_ip, get_settings, require_form_csrf
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow sign-in, so the form cannot send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    next: str = "/",
) -> Response:
    if actor.is_authenticated:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request, "login.html", {"next": safe_next(next), "demo": is_demo(session)}, title="Sign in"
    )


@router.post("/login", dependencies=[Depends(require_form_csrf)])
def login(
    request: Request,
    session: DbSession,
    username: str = Form(...),
    password: str = Form(...),
    next: str = Form("/"),
    settings: Settings = Depends(get_settings),
) -> Response:
    try:
        user = users.authenticate_password(
            session,
            username=username,
            password=password,
            client_ip=client_ip(request),
            throttle=request.app.state.sign_in_throttle,
        )
    except (NotAuthenticated, TooManyRequests) as exc:
        context = {
            "next": safe_next(next),
            "error": exc.detail,
            "username": username,
            "demo": is_demo(session),
        }
        response = render(request, "login.html", context, title="Sign in", status_code=exc.status)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    session_id = sessions.start_session(
        session,
        user=user,
        client_ip=client_ip(request),
        max_age_seconds=settings.session_max_age_seconds,
    )
    request.session.clear()  # a fresh session and CSRF token at every sign-in (no fixation)
    request.session.update({"sid": session_id, "csrf": new_csrf_token()})
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(require_form_csrf)])
def logout(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    session_id = request.session.get("sid")
    if session_id:
        sessions.end_session(session, session_id=session_id, actor=actor)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    return _account(request, session, actor)


def _account(
    request: Request, session: Session, actor: Actor, new_token: str | None = None
) -> Response:
    authorize(session, actor=actor, action=Action.READ_ACCOUNT)
    user = users.get_user(session, username=actor.username)
    context = {
        "user": user,
        "tokens": tokens.list_tokens(session, actor=actor),
        "new_token": new_token,
        "is_admin": actor.role is Role.ADMIN,
    }
    response = render(
        request, "account.html", context, title="Your account", json_url="/api/v1/tokens"
    )
    if new_token is not None:  # the secret is in this page alone: no cache may keep it
        response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens", dependencies=[Depends(require_form_csrf)])
def create_token_from_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    name: str = Form(...),
    scopes: list[str] = Form(default=["read"]),
    expires_in_days: int = Form(90),
    settings: Settings = Depends(get_settings),
) -> Response:
    try:
        _, secret = tokens.create_token(
            session,
            actor=actor,
            name=name,
            scopes=scopes,
            expires_in_days=expires_in_days,
            max_days=settings.token_max_days,
        )
    except InvalidInput as exc:
        flash(request, exc.detail)
        return RedirectResponse("/account", status_code=303)
    # Shown once, in the answer to this form: never in the session cookie (which is signed, not
    # secret), never in a page a later visit or a cache could show.
    session.flush()
    return _account(request, session, actor, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke", dependencies=[Depends(require_form_csrf)])
def revoke_token_from_page(
    token_id: int,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    tokens.revoke_token(session, actor=actor, token_id=token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password", dependencies=[Depends(require_form_csrf)])
def change_password_from_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    current_password: str = Form(...),
    new_password: str = Form(...),
    confirm_password: str = Form(...),
) -> Response:
    try:
        if new_password != confirm_password:
            raise InvalidInput("confirm_password: the two new passwords differ.")
        users.change_password(
            session,
            actor=actor,
            current_password=current_password,
            new_password=new_password,
            keep_session_id=request.session.get("sid"),
        )
    except InvalidInput as exc:
        flash(request, exc.detail)
    else:
        flash(
            request, "Your password is changed; your other sessions were signed out.", kind="notice"
        )
    return RedirectResponse("/account", status_code=303)


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    return render(
        request,
        "agencies.html",
        {"agencies": agencies.list_agencies(session)},
        title="Agencies",
        json_url="/api/v1/agencies",
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    context = {
        "users": users.list_users(session, actor=actor),
        "agencies": agencies.list_agencies(session),
        "roles": [r.value for r in Role],
    }
    return render(request, "users.html", context, title="Users", json_url="/api/v1/users")


@router.post("/admin/users", dependencies=[Depends(require_form_csrf)])
def create_user_from_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form(...),
    agency: str = Form(""),
    full_name: str = Form(""),
    email: str = Form(""),
) -> Response:
    try:
        users.create_user(
            session,
            actor=actor,
            username=username,
            password=password,
            role=role,
            agency_code=agency or None,
            full_name=full_name,
            email=email,
        )
    except StatedataError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        flash(request, exc.detail)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/disable", dependencies=[Depends(require_form_csrf)])
def disable_user_from_page(
    username: str,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    users.set_user_active(session, actor=actor, username=username, active=False)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    action: str | None = Query(default=None),
    outcome: str | None = Query(default=None),
    before_id: int | None = Query(default=None, ge=1),
) -> Response:
    authorize(session, actor=actor, action=Action.READ_AUDIT)
    events, total = audit.list_events(
        session, action=action or None, outcome=outcome or None, before_id=before_id, limit=50
    )
    query = request.url.query
    context = {
        "events": events,
        "total": total,
        "action": action or "",
        "outcome": outcome or "",
        "outcomes": audit.OUTCOMES,
        "next_before": events[-1].id if len(events) == 50 else None,
    }
    return render(
        request,
        "audit.html",
        context,
        title="Audit log",
        json_url="/api/v1/audit" + (f"?{query}" if query else ""),
    )
