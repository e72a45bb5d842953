"""The legal review pages: the public summary of obstacles to sharing with the review's
timeline, an obstacle with its own timeline, and the forms that record and move them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statedata.core.errors import StatedataError
from statedata.identity.agencies import list_agencies
from statedata.identity.policy import Action, decide
from statedata.sharing import obstacles
from statedata.web.deps import CurrentActor, DbSession, PostedForm, require_form_csrf
from statedata.web.errors import flash_form_error
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/legal-review", response_class=HTMLResponse)
def summary_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    manages = decide(actor, Action.MANAGE_OBSTACLE).allowed
    return render(
        request,
        "obstacles.html",
        {
            "summary": obstacles.summary(session),
            "entries": obstacles.recent_entries(session),
            "statuses": obstacles.STATUSES,
            "manages": manages,
            "agencies": list_agencies(session) if manages else [],
        },
        title="Legal obstacles to sharing",
        json_url="/api/v1/obstacles",
    )


@router.post("/legal-review", dependencies=[Depends(require_form_csrf)])
def record_from_page(
    request: Request, session: DbSession, actor: CurrentActor, form: PostedForm
) -> Response:
    body: dict[str, Any] = {
        name: str(form.get(name, ""))
        for name in ("title", "authority", "description", "owner", "target_date")
    }
    body["agencies"] = [str(a) for a in form.getlist("agencies")]
    try:
        made = obstacles.record_obstacle(session, actor=actor, body=body)
    except StatedataError as exc:
        flash_form_error(request, session, exc)
        return RedirectResponse("/legal-review", status_code=303)
    flash(request, f"Obstacle {made.id} recorded.", kind="notice")
    return RedirectResponse(f"/legal-review/{made.id}", status_code=303)


@router.get("/legal-review/{obstacle_id}", response_class=HTMLResponse)
def obstacle_page(
    obstacle_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    found = obstacles.get_obstacle(session, obstacle_id=obstacle_id)
    manages = decide(actor, Action.MANAGE_OBSTACLE).allowed
    return render(
        request,
        "obstacle.html",
        {
            "obstacle": obstacles.obstacle_view(session, found, with_timeline=True, staff=manages),
            "statuses": obstacles.STATUSES,
            "manages": manages,
        },
        title=found.title,
        json_url=f"/api/v1/obstacles/{found.id}",
    )


@router.post("/legal-review/{obstacle_id}", dependencies=[Depends(require_form_csrf)])
def update_from_page(
    obstacle_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    body = {
        name: str(form.get(name, ""))
        for name in ("status", "owner", "target_date", "resolution", "note")
        if name in form
    }
    try:
        obstacles.update_obstacle(session, actor=actor, obstacle_id=obstacle_id, body=body)
    except StatedataError as exc:
        flash_form_error(request, session, exc)
    return RedirectResponse(f"/legal-review/{obstacle_id}", status_code=303)
