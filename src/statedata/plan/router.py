"""JSON API of the State Data Plan: the plan in force as a tree, its editions, its objectives
with their progress, and the measures with their history."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from statedata.core.db import utcnow
from statedata.plan import editions, snapshots
from statedata.plan.document import PlanDocument
from statedata.plan.measures import MEASURES
from statedata.plan.progress import objectives_progress
from statedata.plan.report_card import report_cards
from statedata.web.deps import CurrentActor, DbSession

router = APIRouter(prefix="/api/v1", tags=["plan"])


@router.get("/plan")
def read_plan(session: DbSession) -> dict[str, Any]:
    """The adopted edition of the plan as one tree: principles, goals, focal points, and the
    objectives with their actions (the same document ``POST /plan/editions`` takes)."""
    return editions.edition_tree(session, editions.adopted_edition(session))


@router.get("/plan/objectives")
def read_objectives(session: DbSession) -> dict[str, Any]:
    """The adopted edition's objectives, each with its measure's latest statewide value against
    the baseline, the target and the interim target due by now."""
    edition = editions.adopted_edition(session)
    found = editions.objectives_of(session, edition)
    return {
        "edition": edition.number,
        "objectives": objectives_progress(session, found, utcnow().date()),
    }


@router.get("/plan/report-card")
def read_report_card(session: DbSession) -> dict[str, Any]:
    """Every agency's duties under the law and the plan: each met or not (or not yet asked), with
    the day it became so where known."""
    today = utcnow().date()
    return {"on": today.isoformat(), "agencies": report_cards(session, today=today)}


@router.get("/plan/editions")
def list_editions(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """Every edition, newest first (drafts for the CDO's office only)."""
    return [editions.edition_out(e) for e in editions.list_editions(session, actor=actor)]


@router.get("/plan/editions/{number}")
def read_edition(number: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """One edition as it was adopted (or as the draft stands)."""
    return editions.edition_tree(session, editions.get_edition(session, actor=actor, number=number))


@router.post("/plan/editions", status_code=201)
def import_edition(session: DbSession, actor: CurrentActor, body: PlanDocument) -> dict[str, Any]:
    """Add a plan document as the next edition, a draft (the CDO's office)."""
    edition = editions.import_edition(session, actor=actor, document=body)
    return editions.edition_tree(session, edition)


@router.post("/plan/editions/next", status_code=201)
def start_next_edition(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Start the next edition as a draft copy of the adopted one, for the following period."""
    edition = editions.next_edition(session, actor=actor, today=utcnow().date())
    return editions.edition_tree(session, edition)


@router.post("/plan/editions/{number}/adopt")
def adopt_edition(number: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Adopt a draft; the edition it replaces is superseded and stays readable."""
    adopted = editions.adopt(session, actor=actor, number=number, today=utcnow().date())
    return editions.edition_out(adopted)


@router.get("/measures")
def read_measures(
    session: DbSession,
    measure: Annotated[str | None, Query(max_length=60, description="One measure's key.")] = None,
    agency: Annotated[
        str | None, Query(max_length=20, description="An agency's code; leave out for all.")
    ] = None,
    statewide: Annotated[bool, Query(description="Only the statewide values.")] = False,
    start: Annotated[
        date | None, Query(alias="from", description="First day (YYYY-MM-DD).")
    ] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day (YYYY-MM-DD).")] = None,
) -> dict[str, Any]:
    """The measures (computed by the platform, or reported by agencies), and the history of their
    values by agency and statewide from the snapshots."""
    found = snapshots.history(
        session, measure=measure, agency="" if statewide else agency, start=start, end=end
    )
    return {
        "measures": [m.as_dict() for m in MEASURES.values()],
        "series": snapshots.series(found),
    }


@router.post("/measures/snapshots", status_code=201)
def take_snapshot(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Compute every computed measure now and keep today's values (the CDO's office)."""
    today = utcnow().date()
    count = snapshots.snapshot_on_request(session, actor=actor, today=today)
    return {"taken_on": today.isoformat(), "values": count}
