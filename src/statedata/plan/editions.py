"""Plan editions: imported whole from a document, copied into the next draft, adopted (the one
before is then superseded, and stays readable as it was), read as one tree.

The adopted edition is public: the plan is the state's promise. Drafts are the CDO's office's
until adopted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event
from statedata.core.errors import Conflict, InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.models import Agency
from statedata.identity.policy import Action, authorize, decide
from statedata.plan.document import PlanDocument
from statedata.plan.measures import MEASURES
from statedata.plan.models import (
    PlanAction,
    PlanEdition,
    PlanFocalPoint,
    PlanGoal,
    PlanObjective,
    PlanPrinciple,
)

RESOURCE = "plan"


def _check_references(session: Session, document: PlanDocument) -> None:
    known = set(session.scalars(select(Agency.code)))
    for objective in document.objectives:
        if objective.measure not in MEASURES:
            raise InvalidInput(
                f"objectives, {objective.code}: no measure is called {objective.measure!r}; "
                f"the measures are {', '.join(sorted(MEASURES))}.",
                field="measure",
            )
        named = [*objective.agencies, *(a.agency for a in objective.actions)]
        unknown = [code for code in named if code.upper() not in known]
        if unknown:
            raise InvalidInput(
                f"objectives, {objective.code}: no agency has the code {unknown[0]!r}.",
                field="agencies",
            )


def import_edition(session: Session, *, actor: Actor, document: PlanDocument) -> PlanEdition:
    """Add the document as the next edition, a draft."""
    authorize(session, actor=actor, action=Action.MANAGE_PLAN)
    _check_references(session, document)
    number = (session.scalar(select(func.max(PlanEdition.number))) or 0) + 1
    edition = PlanEdition(
        number=number,
        title=document.title.strip(),
        status="draft",
        period_start=document.period_start,
        period_end=document.period_end,
        source=document.source.strip(),
    )
    session.add(edition)
    session.flush()
    _add_parts(session, edition, document)
    record_event(session, actor=actor, action="plan.import", resource_type=RESOURCE,
                 resource_id=str(number), detail={"objectives": len(document.objectives)})  # fmt: skip
    return edition


def _add_parts(session: Session, edition: PlanEdition, document: PlanDocument) -> None:
    for n, p in enumerate(document.principles):
        session.add(PlanPrinciple(edition_id=edition.id, position=n, code=p.code,
                                  title=p.title.strip(), statements=p.statements))  # fmt: skip
    for n, g in enumerate(document.goals):
        session.add(PlanGoal(edition_id=edition.id, position=n, code=g.code,
                             title=g.title.strip(), description=g.description))  # fmt: skip
    for n, f in enumerate(document.focal_points):
        session.add(PlanFocalPoint(edition_id=edition.id, position=n, code=f.code,
                                   title=f.title.strip(), description=f.description))  # fmt: skip
    for n, o in enumerate(document.objectives):
        objective = PlanObjective(
            edition_id=edition.id,
            position=n,
            code=o.code,
            title=o.title.strip(),
            measure=o.measure,
            baseline_value=o.baseline.value if o.baseline else None,
            baseline_on=o.baseline.on if o.baseline else None,
            target_value=o.target.value if o.target else None,
            target_on=o.target.on if o.target else None,
            interim_targets=[t.model_dump() for t in o.interim_targets],
            goals=list(o.goals),
            focal_points=list(o.focal_points),
            owner=o.owner,
            agencies=[a.upper() for a in o.agencies],
        )
        session.add(objective)
        session.flush()
        for m, a in enumerate(o.actions):
            session.add(PlanAction(edition_id=edition.id, objective_id=objective.id, position=m,
                                   title=a.title.strip(), agency=a.agency.upper(), owner=a.owner,
                                   due_on=a.due_on, status=a.status))  # fmt: skip
    session.flush()


def adopted_edition(session: Session) -> PlanEdition:
    """The edition in force: the adopted one."""
    found = session.scalar(
        select(PlanEdition).where(PlanEdition.status == "adopted").order_by(PlanEdition.number)
    )
    if found is None:
        raise NotFound("no plan has been adopted yet.")
    return found


def get_edition(session: Session, *, actor: Actor, number: int) -> PlanEdition:
    """An edition by its number; a draft only for the CDO's office (others: not found)."""
    found = session.scalar(select(PlanEdition).where(PlanEdition.number == number))
    if found is None or (found.status == "draft" and not decide(actor, Action.MANAGE_PLAN).allowed):
        raise NotFound(f"edition {number}: there is no such edition of the plan.")
    return found


def list_editions(session: Session, *, actor: Actor) -> list[PlanEdition]:
    found = session.scalars(select(PlanEdition).order_by(PlanEdition.number.desc()))
    drafts = decide(actor, Action.MANAGE_PLAN).allowed
    return [e for e in found if drafts or e.status != "draft"]


def next_edition(session: Session, *, actor: Actor, today: date) -> PlanEdition:
    """A draft copy of the adopted edition for its next two years (one draft at a time)."""
    authorize(session, actor=actor, action=Action.MANAGE_PLAN)
    if session.scalar(select(PlanEdition).where(PlanEdition.status == "draft")) is not None:
        raise Conflict("a draft edition exists already; adopt or change it first.")
    current = adopted_edition(session)
    document = PlanDocument.model_validate(edition_document(session, current))
    span = current.period_end - current.period_start
    document.period_start = current.period_end
    document.period_end = current.period_end + span
    document.title = f"{current.title} (update of {today.year})"
    return import_edition(session, actor=actor, document=document)


def adopt(session: Session, *, actor: Actor, number: int, today: date) -> PlanEdition:
    """Adopt a draft: it is in force from now, and the edition it replaces is superseded."""
    authorize(session, actor=actor, action=Action.MANAGE_PLAN)
    edition = get_edition(session, actor=actor, number=number)
    if edition.status != "draft":
        raise Conflict(f"edition {number} is {edition.status}; only a draft is adopted.")
    for old in session.scalars(select(PlanEdition).where(PlanEdition.status == "adopted")):
        old.status = "superseded"
    edition.status, edition.adopted_on = "adopted", today
    record_event(session, actor=actor, action="plan.adopt", resource_type=RESOURCE,
                 resource_id=str(number))  # fmt: skip
    return edition


def objectives_of(session: Session, edition: PlanEdition) -> list[PlanObjective]:
    """The edition's objectives in their order."""
    return _parts(session, PlanObjective, edition)


def _parts(session: Session, model: Any, edition: PlanEdition) -> list[Any]:
    return list(
        session.scalars(
            select(model).where(model.edition_id == edition.id).order_by(model.position)
        )
    )


def edition_document(session: Session, edition: PlanEdition) -> dict[str, Any]:
    """The edition as a :class:`PlanDocument` (what is exported, and imported again)."""
    actions: dict[int, list[PlanAction]] = {}
    for action in _parts(session, PlanAction, edition):
        actions.setdefault(action.objective_id, []).append(action)

    def point(value: float | None, on: date | None) -> dict[str, Any] | None:
        return {"value": value, "on": on.isoformat()} if value is not None and on else None

    return {
        "title": edition.title,
        "period_start": edition.period_start.isoformat(),
        "period_end": edition.period_end.isoformat(),
        "source": edition.source,
        "principles": [
            {"code": p.code, "title": p.title, "statements": p.statements}
            for p in _parts(session, PlanPrinciple, edition)
        ],
        "goals": [
            {"code": g.code, "title": g.title, "description": g.description}
            for g in _parts(session, PlanGoal, edition)
        ],
        "focal_points": [
            {"code": f.code, "title": f.title, "description": f.description}
            for f in _parts(session, PlanFocalPoint, edition)
        ],
        "objectives": [
            {
                "code": o.code,
                "title": o.title,
                "measure": o.measure,
                "baseline": point(o.baseline_value, o.baseline_on),
                "target": point(o.target_value, o.target_on),
                "interim_targets": o.interim_targets,
                "goals": o.goals,
                "focal_points": o.focal_points,
                "owner": o.owner,
                "agencies": o.agencies,
                "actions": [
                    {
                        "title": a.title,
                        "agency": a.agency,
                        "owner": a.owner,
                        "due_on": a.due_on.isoformat() if a.due_on else None,
                        "status": a.status,
                    }
                    for a in actions.get(o.id, [])
                ],
            }
            for o in objectives_of(session, edition)
        ],
    }


def edition_out(edition: PlanEdition) -> dict[str, Any]:
    return {
        "number": edition.number,
        "title": edition.title,
        "status": edition.status,
        "period_start": edition.period_start.isoformat(),
        "period_end": edition.period_end.isoformat(),
        "adopted_on": edition.adopted_on.isoformat() if edition.adopted_on else None,
        "source": edition.source,
    }


def edition_tree(session: Session, edition: PlanEdition) -> dict[str, Any]:
    """The edition's facts and its whole document (``GET /api/v1/plan``)."""
    return {**edition_out(edition), **edition_document(session, edition)}
