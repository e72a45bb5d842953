"""The public progress page: the plan in force, each objective against its target, and the
statewide measures, for anyone (no dataset is named on it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from statedata.core.db import utcnow
from statedata.core.errors import NotFound
from statedata.plan import editions
from statedata.plan.measures import MEASURES
from statedata.plan.progress import latest_values, objectives_progress
from statedata.plan.report_card import report_cards
from statedata.web.deps import DbSession
from statedata.web.templating import render

router = APIRouter(include_in_schema=False)
STATUS_WORDS = {
    "met": "Target met",
    "on track": "On track",
    "behind": "Behind",
    "no data": "No data yet",
}


def shown(value: float | None, unit: str) -> str:
    """A measure's value as a reader reads it."""
    if value is None:
        return "\u2013"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{value:,.0f}"


@router.get("/progress", response_class=HTMLResponse)
def progress_page(request: Request, session: DbSession) -> Response:
    try:
        edition = editions.adopted_edition(session)
    except NotFound:
        return render(request, "progress.html", {"edition": None}, title="Progress on the plan")
    tree = editions.edition_tree(session, edition)
    found = editions.objectives_of(session, edition)
    today = utcnow().date()
    objectives = objectives_progress(session, found, today)
    latest = latest_values(session)
    measures = [
        {**m.as_dict(), "value": shown(latest[m.key][0], m.unit), "on": latest[m.key][1]}
        for m in MEASURES.values()
        if m.key in latest
    ]
    return render(
        request,
        "progress.html",
        {
            "edition": tree,
            "objectives": objectives,
            "measures": measures,
            "goals": {g["code"]: g["title"] for g in tree["goals"]},
            "focal": {f["code"]: f["title"] for f in tree["focal_points"]},
            "status_words": STATUS_WORDS,
            "shown": shown,
            "today": today,
            "cards": report_cards(session, today=today),
        },
        title="Progress on the plan",
        json_url="/api/v1/plan/objectives",
    )
