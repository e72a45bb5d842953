"""Request dependencies: the unit of work, the actor, and CSRF checks.

Cookie-authenticated requests that change something must prove they come from our own pages:
forms carry a ``csrf_token`` field, API calls an ``X-CSRF-Token`` header. Token-authenticated API
calls carry no cookie and so need no CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import run_after_commit, unit_of_work
from statedata.core.errors import Forbidden, NotAuthenticated
from statedata.core.security import new_csrf_token, tokens_match
from statedata.identity.actor import Actor
from statedata.identity.sessions import user_for_session
from statedata.identity.tokens import actor_for_token
from statedata.identity.users import actor_for

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """The request's unit of work. Declared with ``scope="function"`` everywhere so that it commits
    before the response leaves: a client following a redirect must see what the request wrote."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def csrf_token_for(request: Request) -> str:
    """The browser session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return str(token)


def _refuse_csrf(session: Session, request: Request, actor: Actor) -> None:
    record_event(
        session,
        actor=actor,
        action="auth.csrf",
        resource_type="path",
        resource_id=request.url.path,
        outcome="denied",
        survive_rollback=True,
    )
    raise Forbidden(
        "The request's CSRF token is missing or does not match; reload the page and try again."
    )


def get_actor(request: Request, session: Session = Depends(get_db, scope="function")) -> Actor:
    """Who is asking: a bearer token, else a signed-in browser session, else the public."""
    ip = client_ip(request)
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("The Authorization header must be 'Bearer <token>'.")
        actor = actor_for_token(session, secret=secret.strip(), client_ip=ip)
    else:
        actor = Actor.anonymous(ip)
        session_id = request.session.get("sid")
        user = user_for_session(session, session_id=session_id) if session_id else None
        if user is not None:
            actor = actor_for(user, via="session", client_ip=ip)
        elif session_id:
            request.session.pop("sid", None)  # ended or expired elsewhere: forget it
        if (
            request.method not in SAFE_METHODS
            and request.url.path.startswith("/api/")
            and actor.is_authenticated
            and not tokens_match(request.session.get("csrf"), request.headers.get(CSRF_HEADER))
        ):
            _refuse_csrf(session, request, actor)
    request.state.actor = actor
    return actor


async def read_form(request: Request) -> FormData:
    """The posted form, parsed on the event loop (reading a body is awaited) so that the route
    itself can be a plain function, run on a worker thread with its database work."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(read_form)]


async def require_form_csrf(
    request: Request, session: Session = Depends(get_db, scope="function")
) -> None:
    """Refuse a form post whose CSRF field does not match the browser session's token."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not tokens_match(request.session.get("csrf"), given if isinstance(given, str) else None):
        actor = getattr(request.state, "actor", None) or Actor.anonymous(client_ip(request))
        _refuse_csrf(session, request, actor)


def enqueue_after_commit(request: Request, session: Session, job_id: int) -> dict[str, Any]:
    """Hand a recorded job to the queue once its row is committed; the API's 202 body."""
    queue = request.app.state.jobs
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return {"job": job_id, "links": {"job": f"/api/v1/jobs/{job_id}", "page": f"/jobs/{job_id}"}}


def streamed_form_csrf(request: Request) -> Callable[[dict[str, str]], None]:
    """The CSRF check of a form whose file streams to disk: it runs on the fields sent before
    the file part, so a forged form is refused before a byte of its file is written."""

    def check(fields: dict[str, str]) -> None:
        if not tokens_match(request.session.get("csrf"), fields.get(CSRF_FIELD)):
            raise Forbidden(
                "The request's CSRF token is missing or does not match; reload the page and try again."
            )

    return check


# Route parameters: the request's unit of work (committed before the response is sent) and actor.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
CurrentActor = Annotated[Actor, Depends(get_actor)]
