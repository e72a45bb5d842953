"""JSON API of predictable open data: each agency's datasets by freshness state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from statedata.catalog.freshness import states as freshness
from statedata.core.db import utcnow
from statedata.identity.agencies import get_agency_by_code
from statedata.web.deps import CurrentActor, DbSession

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/freshness")
def read_statewide_freshness(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Every agency's published datasets by state (current, due, overdue, delinquent,
    not_scheduled), the share on schedule, the access plan's on-time rate, and the late ones."""
    today = utcnow().date()
    agencies = freshness.statewide_freshness(session, actor=actor, today=today)
    rates = freshness.plan_on_time_rates(session, actor=actor, today=today)
    return {
        "date": today.isoformat(),
        "statewide": freshness.statewide_total(agencies).summary(),
        "agencies": [
            {**a.summary(), "access_plan_on_time_rate": rates.get(a.code)} for a in agencies
        ],
        "late": [
            {"agency": agency.code, **item.as_dict()}
            for agency, item in freshness.late_items(agencies)
        ],
        "thresholds": [
            {
                "update_frequency": e.frequency,
                "period": e.period,
                "due_notice_days": e.notice_days,
                "delinquent_after_days": e.delinquent_after_days,
            }
            for e in freshness.EXPECTATIONS.values()
        ],
    }


@router.get("/freshness/{agency}")
def read_agency_freshness(agency: str, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """An agency's published datasets you may see, each with its last change, due date and state."""
    found = get_agency_by_code(session, code=agency)
    result = freshness.agency_freshness(session, actor=actor, agency=found, today=utcnow().date())
    return {**result.summary(), "items": [item.as_dict() for item in result.items]}
