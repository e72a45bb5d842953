"""Pages of the open data access plan: statewide in numbers, and each agency's items."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from statedata.catalog.inventory import access_plan
from statedata.core.db import utcnow
from statedata.identity.agencies import get_agency_by_code
from statedata.web.deps import CurrentActor, DbSession
from statedata.web.templating import render

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    access_plan.PlanStatus.OVERDUE: "Overdue",
    access_plan.PlanStatus.ON_TRACK: "On track",
    access_plan.PlanStatus.NOT_SCHEDULED: "No date yet",
    access_plan.PlanStatus.PUBLISHED: "Published",
    access_plan.PlanStatus.NOT_FOR_PUBLICATION: "Not for publication",
}


@router.get("/access-plan", response_class=HTMLResponse)
def statewide_plan_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    plans = access_plan.statewide_plans(session, actor=actor, today=utcnow().date())
    return render(
        request,
        "access_plans.html",
        {"plans": plans, "labels": STATUS_LABELS},
        title="Open data access plans",
        json_url="/api/v1/access-plan",
    )


@router.get("/access-plan/{code}", response_class=HTMLResponse)
def agency_plan_page(
    code: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    agency = get_agency_by_code(session, code=code.upper())
    plan = access_plan.agency_plan(
        session, actor=actor, agency_code=agency.code, today=utcnow().date()
    )
    return render(
        request,
        "access_plan.html",
        {"agency": agency, "plan": plan, "labels": STATUS_LABELS},
        title=f"Open data access plan of {agency.name}",
        json_url=f"/api/v1/access-plan/{agency.code}",
    )
