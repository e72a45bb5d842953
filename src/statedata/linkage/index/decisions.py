"""Stewards' decisions: two records are, or are not, the same person; checked against the others,
undoable, and binding every later regrouping."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.db import utcnow
from statedata.core.errors import InvalidInput, NotFound
from statedata.linkage.clustering import contradiction
from statedata.linkage.index.grouping import active_decisions, regroup
from statedata.linkage.index.records import MATCH_THRESHOLD
from statedata.linkage.models import (
    LinkageRun,
    MatchDecision,
    PersonRecord,
)


def record_key(session: Session, source: str, record_id: str) -> int:
    found = session.scalar(
        select(PersonRecord.id).where(
            PersonRecord.source == source, PersonRecord.record_id == record_id
        )
    )
    if found is None:
        raise NotFound(f"no record {record_id!r} from {source!r} in the person index.")
    return found


def decide(
    session: Session,
    record_a: int,
    record_b: int,
    *,
    same: bool,
    note: str = "",
    user_id: int | None = None,
    threshold: float = MATCH_THRESHOLD,
) -> MatchDecision:
    """Keep a person's decision on two records and regroup their persons by it at once."""
    if record_a == record_b:
        raise InvalidInput("a decision needs two different records.")
    a, b = sorted((record_a, record_b))
    for pk in (a, b):
        if session.get(PersonRecord, pk) is None:
            raise NotFound(f"no record {pk} in the person index.")
    active = [d for d in active_decisions(session) if {d.record_a, d.record_b} != {a, b}]
    proposed_same = [(d.record_a, d.record_b) for d in active if d.same]
    proposed_apart = [(d.record_a, d.record_b) for d in active if not d.same]
    (proposed_same if same else proposed_apart).append((a, b))
    clash = contradiction(proposed_same, proposed_apart)
    if clash is not None:
        raise InvalidInput(
            f"this decision contradicts earlier ones: records {clash[0]} and {clash[1]} were "
            "decided to be different persons, and the 'same person' decisions would join them. "
            "Undo one of the earlier decisions first."
        )
    now = utcnow()
    for earlier in session.scalars(
        select(MatchDecision).where(
            MatchDecision.record_a == a,
            MatchDecision.record_b == b,
            MatchDecision.undone_at.is_(None),
        )
    ):
        earlier.undone_at, earlier.undone_by = now, user_id  # replaced by this one
    decision = MatchDecision(
        record_a=a, record_b=b, same=same, note=note, decided_by=user_id, decided_at=now
    )
    session.add(decision)
    _regroup_after_decision(session, a, b, user_id=user_id, threshold=threshold)
    return decision


def undo_decision(
    session: Session,
    decision_id: int,
    *,
    user_id: int | None = None,
    threshold: float = MATCH_THRESHOLD,
) -> MatchDecision:
    decision = session.get(MatchDecision, decision_id)
    if decision is None:
        raise NotFound(f"no decision {decision_id}.")
    if decision.undone_at is not None:
        raise InvalidInput(f"decision {decision_id} was already undone.")
    decision.undone_at, decision.undone_by = utcnow(), user_id
    _regroup_after_decision(
        session, decision.record_a, decision.record_b, user_id=user_id, threshold=threshold
    )
    return decision


def _regroup_after_decision(
    session: Session, a: int, b: int, *, user_id: int | None, threshold: float
) -> None:
    session.flush()
    run = LinkageRun(kind="decision")
    session.add(run)
    session.flush()
    regroup(session, {a, b}, run, threshold=threshold, user_id=user_id)
    run.finished_at = utcnow()
