"""Pages of predictable open data: the statewide freshness view and each agency's datasets."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from statedata.catalog.freshness import states as freshness
from statedata.catalog.freshness.states import STATE_LABELS
from statedata.core.db import utcnow
from statedata.identity.agencies import get_agency_by_code
from statedata.web.deps import CurrentActor, DbSession
from statedata.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/freshness", response_class=HTMLResponse)
def statewide_freshness_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    today = utcnow().date()
    agencies = freshness.statewide_freshness(session, actor=actor, today=today)
    return render(
        request,
        "freshness.html",
        {
            "today": today,
            "agencies": agencies,
            "total": freshness.statewide_total(agencies),
            "plan_rates": freshness.plan_on_time_rates(session, actor=actor, today=today),
            "late": freshness.late_items(agencies),
            "labels": STATE_LABELS,
            "expectations": freshness.EXPECTATIONS.values(),
        },
        title="Data freshness",
        json_url="/api/v1/freshness",
    )


@router.get("/freshness/{code}", response_class=HTMLResponse)
def agency_freshness_page(
    code: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    agency = get_agency_by_code(session, code=code)
    result = freshness.agency_freshness(session, actor=actor, agency=agency, today=utcnow().date())
    return render(
        request,
        "freshness_agency.html",
        {"agency": agency, "result": result, "labels": STATE_LABELS},
        title=f"Data freshness of {agency.name}",
        json_url=f"/api/v1/freshness/{agency.code}",
    )
