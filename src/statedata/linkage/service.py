"""The person index for people: match, read a person, decide on a pair; each decided by policy
and audited. The adapters (API, pages) call these and nothing below them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event
from statedata.core.errors import InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, Resource, authorize
from statedata.linkage import index
from statedata.linkage.models import MatchDecision, PersonRecord
from statedata.linkage.realtime import matcher

INDEX = Resource("person_index", "persons")


def match_person(
    session: Session, *, actor: Actor, attributes: dict[str, str | None], limit: int = 10
) -> dict[str, Any]:
    """Ranked persons for the attributes, with each comparison's level and weight (audited; the
    attributes themselves are not written to the audit log)."""
    authorize(session, actor=actor, action=Action.MATCH_PERSONS, resource=INDEX)
    found = matcher(session)
    candidates = found.match(session, attributes, limit)
    return {
        "model_version": found.model_version,
        "candidates": [
            {
                "person_id": c.person_id,
                "probability": c.probability,
                "match_weight": round(c.match_weight, 3),
                "record": {"source": c.source, "record_id": c.record_id},
                "comparisons": [asdict(level) for level in c.levels],
            }
            for c in candidates
        ],
    }


def read_person(session: Session, *, actor: Actor, person_id: str) -> dict[str, Any]:
    """A person's records and history; an ID that was merged leads to its survivor."""
    authorize(
        session, actor=actor, action=Action.READ_PERSON, resource=Resource("person", person_id)
    )
    person = index.resolve_person(session, person_id)
    records = list(
        session.scalars(
            select(PersonRecord)
            .where(PersonRecord.person_id == person.id)
            .order_by(PersonRecord.id)
        )
    )
    return {
        "person_id": person.id,
        "asked_for": person_id,
        "merged_from": person_id if person.id != person_id else None,
        "created_at": person.created_at.isoformat(),
        "records": [
            {
                "source": r.source,
                "record_id": r.record_id,
                "raw": r.raw,
                "loaded_at": r.loaded_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            }
            for r in records
        ],
        "history": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "person_id": e.person_id,
                "other_person_id": e.other_person_id,
                "records": e.records,
                "detail": e.detail,
            }
            for e in index.person_history(session, person.id)
        ],
    }


def decide_pair(
    session: Session,
    *,
    actor: Actor,
    record_a: tuple[str, str],
    record_b: tuple[str, str],
    same: bool,
    note: str = "",
) -> MatchDecision:
    """Keep a steward's decision on two records (by source and record id) and regroup by it."""
    authorize(session, actor=actor, action=Action.DECIDE_MATCH, resource=INDEX)
    if len(note) > 2000:
        raise InvalidInput("note: at most 2,000 characters.")
    a = index.record_key(session, *record_a)
    b = index.record_key(session, *record_b)
    decision = index.decide(session, a, b, same=same, note=note, user_id=actor.user_id)
    session.flush()
    record_event(
        session,
        actor=actor,
        action=Action.DECIDE_MATCH.value,
        resource_type="person_decision",
        resource_id=decision.id,
        detail={"records": [list(record_a), list(record_b)], "same": same},
    )
    return decision


def undo_decision(session: Session, *, actor: Actor, decision_id: int) -> MatchDecision:
    authorize(session, actor=actor, action=Action.DECIDE_MATCH, resource=INDEX)
    if session.get(MatchDecision, decision_id) is None:
        raise NotFound(f"no decision {decision_id}.")
    decision = index.undo_decision(session, decision_id, user_id=actor.user_id)
    record_event(
        session,
        actor=actor,
        action="person.decision.undo",
        resource_type="person_decision",
        resource_id=decision_id,
    )
    return decision
