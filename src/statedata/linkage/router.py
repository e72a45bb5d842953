"""The person index's API: real-time match, a person, and decisions on pairs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from statedata.linkage import service
from statedata.linkage.attributes import ATTRIBUTES
from statedata.web.deps import CurrentActor, DbSession

router = APIRouter(prefix="/api/v1/persons", tags=["persons"])


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attributes: dict[str, str | None] = Field(
        json_schema_extra={"minProperties": 1, "propertyNames": {"enum": list(ATTRIBUTES)}},
        description="Person attributes as the source holds them: first_name, middle_name, "
        "last_name, suffix, date_of_birth, sex, ssn, identifier, address, town, zip, phone, email.",
        examples=[{"first_name": "Maria", "last_name": "Lopez", "date_of_birth": "1984-02-29"}],
    )
    limit: int = Field(default=10, ge=1, le=100, description="How many persons to return.")


class RecordRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=200)
    record_id: str = Field(min_length=1, max_length=200)


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_a: RecordRef
    record_b: RecordRef
    same: bool = Field(description="true: the same person; false: not the same person.")
    note: str = Field(default="", max_length=2000)


@router.post("/match")
def match(body: MatchRequest, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """The index's likeliest persons for these attributes, best first, each with its match
    probability and how every comparison came out (level, label and weight). For stewards,
    data officers and admins; every call is audited."""
    return service.match_person(session, actor=actor, attributes=body.attributes, limit=body.limit)


@router.get("/model")
def model(session: DbSession, actor: CurrentActor, version: int | None = None) -> dict[str, Any]:
    """The matching model (the newest version, or ``version``): the chance of a match, each
    comparison level's m, u and match weight, the blocking keys, and every version trained."""
    return service.model_parameters(session, actor=actor, version=version)


@router.get("/review")
def review_queue(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Pairs in the uncertain band nobody has decided, most valuable first (nearest the match
    threshold), with the queue's size and the age of its oldest pair."""
    items, size = service.review(
        session, actor=actor, settings=request.app.state.settings, limit=limit, offset=offset
    )
    return {**size, "pairs": [service.item_as_dict(item) for item in items]}


@router.get("/review/{pair_id}")
def review_pair(
    pair_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """One pair side by side, what differs, and its waterfall (prior plus each comparison's
    weight, adding up to the match weight)."""
    item, following = service.review_pair(
        session, actor=actor, pair_id=pair_id, settings=request.app.state.settings
    )
    return {**service.item_as_dict(item), "next_pair_id": following}


@router.get("/{person_id}")
def person(
    person_id: str, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """A person's golden record (each attribute's surviving value, the rule that chose it and
    the record it came from), records and history (a merged person's ID leads to its
    survivor)."""
    return service.read_person(
        session, actor=actor, person_id=person_id, settings=request.app.state.settings
    )


@router.post("/decisions", status_code=201)
def decide(body: DecisionRequest, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Say two records are (or are not) the same person. The decision binds every later run."""
    decision = service.decide_pair(
        session,
        actor=actor,
        record_a=(body.record_a.source, body.record_a.record_id),
        record_b=(body.record_b.source, body.record_b.record_id),
        same=body.same,
        note=body.note,
    )
    return {"id": decision.id, "same": decision.same, "decided_at": decision.decided_at.isoformat()}


@router.delete("/decisions/{decision_id}")
def undo(decision_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Undo a decision; the two records group as the model says again."""
    decision = service.undo_decision(session, actor=actor, decision_id=decision_id)
    return {
        "id": decision.id,
        "undone_at": decision.undone_at.isoformat() if decision.undone_at else None,
    }
