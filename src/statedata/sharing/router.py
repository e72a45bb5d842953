"""Sharing agreements and data requests as JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from statedata.identity.policy import Action, decide
from statedata.privacy.kanonymity import LADDERS
from statedata.sharing import agreements, extracts, obstacles, requests
from statedata.sharing.bodies import (
    AgreementChanges,
    NewAgreement,
    NewDataRequest,
    NewObstacle,
    ObstacleChanges,
)
from statedata.web.deps import CurrentActor, DbSession, enqueue_after_commit

router = APIRouter(prefix="/api/v1", tags=["sharing"])


class ItemReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: str = Field(default="", max_length=5000)


class LegalDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: str = Field(
        default="", max_length=10000, description="Conditions of approval, or reasons for denial."
    )
    access_until: date | None = Field(default=None, description="When access ends (approval).")


@router.get("/agreements")
def list_agreements(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """The agreements you may read, each with its checklist."""
    return [agreements.agreement_view(a) for a in agreements.list_agreements(session, actor=actor)]


@router.post("/agreements", status_code=201)
def create_agreement(session: DbSession, actor: CurrentActor, body: NewAgreement) -> dict[str, Any]:
    """Draft an agreement: title, parties, sources (dataset, regime, authority, columns), purpose,
    uses, linkage, security, users, re-disclosure, retention and destruction, breach notice,
    term, renewal and termination."""
    return agreements.agreement_view(
        agreements.save_agreement(session, actor=actor, body=body.sent())
    )


@router.get("/agreements/{agreement_id}")
def read_agreement(agreement_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """An agreement and what its regimes still ask of it."""
    found = agreements.get_agreement(session, actor=actor, agreement_id=agreement_id)
    return agreements.agreement_view(found)


@router.patch("/agreements/{agreement_id}")
def change_agreement(
    agreement_id: int,
    session: DbSession,
    actor: CurrentActor,
    body: AgreementChanges,
) -> dict[str, Any]:
    """Change parts of a draft agreement."""
    saved = agreements.save_agreement(
        session, actor=actor, body=body.sent(), agreement_id=agreement_id
    )
    return agreements.agreement_view(saved)


@router.post("/agreements/{agreement_id}/activate")
def activate_agreement(
    agreement_id: int, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Make a draft active; refused, naming what is missing, while its checklist is not met."""
    return agreements.agreement_view(
        agreements.activate(session, actor=actor, agreement_id=agreement_id)
    )


@router.get("/requests/datasets")
def requestable(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """What may be asked for: published datasets with their agency and columns."""
    return requests.requestable_datasets(session, actor=actor)


@router.get("/requests")
def request_queue(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """The requests you may see, those waiting longest first, with whose move it is and the
    days it has waited."""
    return [requests.request_view(session, r) for r in requests.request_queue(session, actor=actor)]


@router.post("/requests", status_code=201)
def submit_request(session: DbSession, actor: CurrentActor, body: NewDataRequest) -> dict[str, Any]:
    """Ask for data: title, purpose, linked (across agencies by person), agreement (optional),
    items: [{dataset, columns, row_condition}]."""
    return requests.request_view(
        session, requests.submit_request(session, actor=actor, body=body.sent())
    )


@router.get("/requests/{request_id}")
def read_request(request_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """A request, its parts with their stewards' decisions, and every step."""
    found = requests.get_request(session, actor=actor, request_id=request_id)
    return requests.request_view(session, found)


@router.post("/requests/{request_id}/items/{item_id}/review")
def review_item(
    request_id: int, item_id: int, body: ItemReview, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """A dataset's steward approves or denies its part of the request."""
    reviewed = requests.review_item(
        session,
        actor=actor,
        request_id=request_id,
        item_id=item_id,
        approve=body.approve,
        note=body.note,
    )
    return requests.request_view(session, reviewed)


class Fulfilment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deidentify: dict[str, str] = Field(
        default_factory=dict,
        json_schema_extra={"additionalProperties": {"enum": list(extracts.RULES)}},
        description="column -> keep, drop, pseudonym, year, month, zip3, age_band, county or "
        "region; other columns follow their personal-information category.",
    )
    quasi_identifiers: dict[str, str] = Field(
        default_factory=dict,
        json_schema_extra={"additionalProperties": {"enum": list(LADDERS)}},
        description="column -> date, zip, age, town or other.",
    )
    k: int = Field(
        default=5, ge=2, le=100, description="The smallest group over the quasi-identifiers."
    )


@router.post("/requests/{request_id}/fulfil", status_code=202)
def fulfil(
    request_id: int,
    body: Fulfilment,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> dict[str, Any]:
    """Build the approved request's extracts as a job (a data officer of an agency asked, or
    the CDO's office)."""
    job_id = extracts.start_fulfilment(
        session,
        actor=actor,
        request_id=request_id,
        deidentify=body.deidentify,
        quasi_identifiers=body.quasi_identifiers,
        k=body.k,
    ).id
    return enqueue_after_commit(request, session, job_id)


@router.post("/requests/{request_id}/legal")
def legal_review(
    request_id: int, body: LegalDecision, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """The CDO's office approves (with conditions and an end date) or denies (with reasons)."""
    decided = requests.legal_decision(
        session,
        actor=actor,
        request_id=request_id,
        approve=body.approve,
        note=body.note,
        access_until=body.access_until,
    )
    return requests.request_view(session, decided)


@router.get("/obstacles")
def obstacles_summary(session: DbSession) -> dict[str, Any]:
    """The public tracker of legal obstacles to sharing: counts by status and agency, and every
    obstacle, the open ones first."""
    return obstacles.summary(session)


@router.post("/obstacles", status_code=201)
def record_obstacle(session: DbSession, actor: CurrentActor, body: NewObstacle) -> dict[str, Any]:
    """Record an obstacle: title, authority (the statute or rule), agencies (codes),
    description, owner, target_date (the CDO's office or a data officer)."""
    made = obstacles.record_obstacle(session, actor=actor, body=body.sent())
    return obstacles.obstacle_view(session, made, with_timeline=True, staff=True)


@router.get("/obstacles/{obstacle_id}")
def read_obstacle(obstacle_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """An obstacle and its review timeline."""
    found = obstacles.get_obstacle(session, obstacle_id=obstacle_id)
    staff = decide(actor, Action.MANAGE_OBSTACLE).allowed
    return obstacles.obstacle_view(session, found, with_timeline=True, staff=staff)


@router.patch("/obstacles/{obstacle_id}")
def update_obstacle(
    obstacle_id: int,
    session: DbSession,
    actor: CurrentActor,
    body: ObstacleChanges,
) -> dict[str, Any]:
    """Move the review on: status (identified, under_review, remedy_proposed, resolved,
    withdrawn), owner, target_date, resolution, note."""
    found = obstacles.update_obstacle(
        session, actor=actor, obstacle_id=obstacle_id, body=body.sent()
    )
    return obstacles.obstacle_view(session, found, with_timeline=True, staff=True)
