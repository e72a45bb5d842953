"""Server-rendered pages: one Jinja2 environment, and a render helper that fills the layout."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from statedata import __version__
from statedata.identity.actor import Actor, Role
from statedata.identity.policy import Action, decide
from statedata.web.deps import csrf_token_for

TEMPLATE_DIR = str(resources.files("statedata.portal").joinpath("templates"))
templates = Jinja2Templates(directory=TEMPLATE_DIR)


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["when"] = _when


def navigation(actor: Actor) -> list[tuple[str, str]]:
    """(label, path) of the header's links for this actor."""
    items = [
        ("Home", "/"),
        ("Data catalog", "/catalog"),
        ("Agencies", "/agencies"),
        ("Access plans", "/access-plan"),
        ("Freshness", "/freshness"),
        ("Data standards", "/standards"),
        ("Releases", "/releases"),
        ("Legal review", "/legal-review"),
    ]
    if actor.is_authenticated:
        items += [("SQL workspace", "/sql"), ("Data requests", "/requests"), ("Jobs", "/jobs")]
    if decide(actor, Action.READ_OUTBOX).allowed:
        items.append(("Outbox", "/outbox"))
    if decide(actor, Action.READ_PERSON).allowed:
        items.append(("Person index", "/persons"))
    if actor.role is Role.ADMIN:
        items += [("Users", "/admin/users"), ("Audit log", "/admin/audit")]
    return items


def flash(request: Request, message: str, *, kind: str = "error") -> None:
    """Keep a message for the next page this browser shows (after a redirect)."""
    request.session[f"flash_{kind}"] = message


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    title: str,
    json_url: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page inside the layout; ``json_url`` is the same data as JSON (linked from the page)."""
    actor: Actor = getattr(request.state, "actor", None) or Actor.anonymous()
    settings = request.app.state.settings
    full = {
        "title": title,
        "json_url": json_url,
        "actor": actor,
        "nav": navigation(actor),
        "current_path": request.url.path,
        # The 500 handler runs outside the session middleware; such a page has no forms anyway.
        "csrf_token": csrf_token_for(request) if "session" in request.scope else "",
        "state_name": settings.state_name,
        "portal_name": settings.portal_name,
        "oidc_enabled": settings.oidc_enabled,
        "version": __version__,
        **(context or {}),
    }
    if "session" in request.scope:  # messages kept by flash() are shown once, by the next page
        full["flash_error"] = request.session.pop("flash_error", None)
        full["flash_notice"] = request.session.pop("flash_notice", None)
    return templates.TemplateResponse(request, template, full, status_code=status_code)
