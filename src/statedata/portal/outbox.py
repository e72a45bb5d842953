"""The outbox page and API: what the portal told stewards and data officers, and whether it went."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from statedata.core.config import Settings
from statedata.core.outbox import OutboxStatus
from statedata.portal.messages import list_outbox, outbox_counts
from statedata.web.deps import CurrentActor, DbSession
from statedata.web.templating import render

api = APIRouter(prefix="/api/v1", tags=["portal"])
pages = APIRouter(include_in_schema=False)


def mail_server(settings: Settings) -> str:
    """Where messages go, in words (no credentials)."""
    if not settings.smtp_host:
        return ""
    return f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"


@api.get("/outbox")
def read_outbox(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[
        str, Query(json_schema_extra={"enum": ["", *OutboxStatus]}, description="Only these.")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """The newest reminders and notices you may read (your agency's; every agency's for admins),
    with their status: pending, sending, sent, failed or held (kept here, not mailed)."""
    messages = list_outbox(session, actor=actor, status=status, limit=limit)
    return {
        "mail_server": mail_server(request.app.state.settings) or None,
        "by_status": outbox_counts(messages),
        "messages": [m.as_dict() for m in messages],
    }


@pages.get("/outbox", response_class=HTMLResponse)
def outbox_page(
    request: Request, session: DbSession, actor: CurrentActor, status: str = ""
) -> Response:
    messages = list_outbox(session, actor=actor, status=status)
    return render(
        request,
        "outbox.html",
        {
            "messages": messages,
            "counts": outbox_counts(messages),
            "status": status,
            "statuses": list(OutboxStatus),
            "mail_server": mail_server(request.app.state.settings),
        },
        title="Outbox",
        json_url=f"/api/v1/outbox?status={status}" if status else "/api/v1/outbox",
    )
