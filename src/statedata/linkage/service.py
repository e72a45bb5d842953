"""The person index for people: match, read a person, decide on a pair; each decided by policy
and audited. The adapters (API, pages) call these and nothing below them."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event, record_refusal
from statedata.core.config import Settings
from statedata.core.errors import InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, Resource, authorize
from statedata.linkage import index, sources
from statedata.linkage.access import SourceAccess, source_access
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.golden import SourceRecord, golden_record, rules_from
from statedata.linkage.models import LinkageModel, MatchDecision, Person, PersonRecord, ScoredPair
from statedata.linkage.realtime import checked_attributes, matcher
from statedata.linkage.review import (
    REVIEW_HIGH,
    REVIEW_LOW,
    ReviewItem,
    next_pair_after,
    queue_size,
    review_item,
    review_queue,
)

INDEX = Resource("person_index", "persons")


def match_person(
    session: Session, *, actor: Actor, attributes: dict[str, str | None], limit: int = 10
) -> dict[str, Any]:
    """Ranked persons for the attributes, with each comparison's level and weight (audited; the
    attributes themselves are not written to the audit log)."""
    authorize(session, actor=actor, action=Action.MATCH_PERSONS, resource=INDEX)
    checked_attributes(attributes)
    found = matcher(session)
    candidates = found.match(session, attributes, limit)
    access = source_access(session, actor)
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
            if access.shows(c.source)
            else {  # how the record compared would tell what it says
                "person_id": c.person_id,
                "probability": c.probability,
                "match_weight": round(c.match_weight, 3),
                "record": _unseen(access, c.source),
                "comparisons": [],
            }
            for c in candidates
        ],
    }


def _unseen(access: SourceAccess, source: str) -> dict[str, Any]:
    """A record the reader may not read: only that it exists, and where to ask for it."""
    return {
        "shown": False,
        "agency": access.agency_of(source),
        "ask": "Ask the agency through a data request (/requests/new).",
    }


def read_person(
    session: Session, *, actor: Actor, person_id: str, settings: Settings | None = None
) -> dict[str, Any]:
    """A person's golden record, records and history; an ID that was merged leads to its
    survivor. The golden record's rules come from ``settings`` (the defaults without)."""
    authorize(
        session, actor=actor, action=Action.READ_PERSON, resource=Resource("person", person_id)
    )
    person = index.resolve_person(session, person_id)
    held = list(
        session.scalars(
            select(PersonRecord)
            .where(PersonRecord.person_id == person.id)
            .order_by(PersonRecord.id)
        )
    )
    access = source_access(session, actor)
    records = [r for r in held if access.shows(r.source)]
    unseen = [r for r in held if not access.shows(r.source)]
    shown_keys = {(r.source, r.record_id) for r in records}
    rules = rules_from(settings.linkage_survivorship if settings else {})
    priority = settings.linkage_source_priority if settings else []
    golden = golden_record(
        [
            SourceRecord(
                r.source,
                r.record_id,
                r.raw,
                {a: getattr(r, a) for a in ATTRIBUTES},
                r.updated_at,
            )
            for r in records
        ],
        rules,
        priority,
    )
    return {
        "person_id": person.id,
        "asked_for": person_id,
        "merged_from": person_id if person.id != person_id else None,
        "created_at": person.created_at.isoformat(),
        "golden_record": {a: asdict(survivor) for a, survivor in golden.items()},
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
        "elsewhere": _elsewhere(access, unseen),
        "decisions": _decisions_about(session, [r.id for r in records], access),
        "history": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "person_id": e.person_id,
                "other_person_id": e.other_person_id,
                "records": [key for key in e.records if tuple(key) in shown_keys],
                "detail": e.detail,
            }
            for e in index.person_history(session, person.id)
        ],
    }


def _elsewhere(access: SourceAccess, unseen: list[PersonRecord]) -> list[dict[str, Any]]:
    """The person's records the reader may not read, as how many each agency holds."""
    counts: dict[str, int] = {}
    for record in unseen:
        agency = access.agency_of(record.source)
        counts[agency] = counts.get(agency, 0) + 1
    return [
        {**_unseen(access, ""), "agency": agency, "records": n}
        for agency, n in sorted(counts.items())
    ]


def _decisions_about(
    session: Session, record_ids: list[int], access: SourceAccess
) -> list[dict[str, Any]]:
    """The decisions in force on any of these records, both of whose records the reader reads."""
    if not record_ids:
        return []
    found = session.scalars(
        select(MatchDecision)
        .where(
            MatchDecision.undone_at.is_(None),
            or_(MatchDecision.record_a.in_(record_ids), MatchDecision.record_b.in_(record_ids)),
        )
        .order_by(MatchDecision.id)
    )
    keys = {}
    decisions = list(found)
    for pk in {d.record_a for d in decisions} | {d.record_b for d in decisions}:
        record = session.get(PersonRecord, pk)
        if record is not None and access.shows(record.source):
            keys[pk] = [record.source, record.record_id]
    decisions = [d for d in decisions if d.record_a in keys and d.record_b in keys]
    return [
        {
            "id": d.id,
            "left": keys[d.record_a],
            "right": keys[d.record_b],
            "same": d.same,
            "note": d.note,
            "decided_at": d.decided_at.isoformat(),
        }
        for d in decisions
    ]


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
    access = source_access(session, actor)
    for source, record_id in (record_a, record_b):
        _require_shown(session, actor, access, source, record_id, Action.DECIDE_MATCH)
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
    found = session.get(MatchDecision, decision_id)
    if found is None:
        raise NotFound(f"no decision {decision_id}.")
    access = source_access(session, actor)
    for pk in (found.record_a, found.record_b):
        record = session.get(PersonRecord, pk)
        if record is not None and not access.shows(record.source):
            _refuse(session, actor, Action.DECIDE_MATCH, f"decision {decision_id}")
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


def _refuse(session: Session, actor: Actor, action: Action, what: str) -> None:
    record_refusal(
        session,
        actor=actor,
        action=action.value,
        resource_type="person_record",
        resource_id=what,
        detail={"reason": "a record of a source the reader may not read"},
    )


def _require_shown(
    session: Session, actor: Actor, access: SourceAccess, source: str, record_id: str,
    action: Action,
) -> None:  # fmt: skip
    """Refuse (audited) a record of a source the reader may not read, as if it were not there."""
    if not access.shows(source):
        _refuse(session, actor, action, f"{source}/{record_id}")
        raise NotFound(f"no record {record_id!r} from {source!r} in the person index.")


def _band(settings: Settings | None) -> dict[str, float]:
    if settings is None:
        return {"threshold": index.MATCH_THRESHOLD, "low": REVIEW_LOW, "high": REVIEW_HIGH}
    return {
        "threshold": settings.linkage_match_threshold,
        "low": settings.linkage_review_low,
        "high": settings.linkage_review_high,
    }


def review(
    session: Session,
    *,
    actor: Actor,
    settings: Settings | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ReviewItem], dict[str, Any]]:
    """The review queue's most valuable pairs and its size and age (stewards and above)."""
    if not 1 <= limit <= 200:
        raise InvalidInput(f"limit: {limit} is not between 1 and 200.")
    if offset < 0:
        raise InvalidInput(f"offset: {offset} is negative.")
    authorize(session, actor=actor, action=Action.READ_PERSON, resource=Resource("review", "queue"))
    band = _band(settings)
    among = source_access(session, actor).sources  # a pair only to who reads both records
    size = queue_size(session, band["low"], band["high"], among=among)
    return review_queue(session, **band, limit=limit, offset=offset, among=among), size


def review_pair(
    session: Session, *, actor: Actor, pair_id: int, settings: Settings | None = None
) -> tuple[ReviewItem, int | None]:
    """One pair side by side with its waterfall, and the queue's next pair after it."""
    authorize(
        session, actor=actor, action=Action.READ_PERSON, resource=Resource("review", str(pair_id))
    )
    item = review_item(session, pair_id)
    access = source_access(session, actor)
    if not (access.shows(item.left.source) and access.shows(item.right.source)):
        _refuse(session, actor, Action.READ_PERSON, f"pair {pair_id}")
        raise NotFound(f"no scored pair {pair_id}.")
    return item, next_pair_after(session, pair_id, **_band(settings), among=access.sources)


def next_in_queue(
    session: Session, *, actor: Actor, pair_id: int, settings: Settings | None = None
) -> int | None:
    """The queue's next pair after ``pair_id`` (its number only)."""
    authorize(session, actor=actor, action=Action.READ_PERSON, resource=Resource("review", "queue"))
    among = source_access(session, actor).sources
    return next_pair_after(session, pair_id, **_band(settings), among=among)


def decide_reviewed(
    session: Session, *, actor: Actor, pair_id: int, same: bool, note: str = ""
) -> MatchDecision:
    """Decide a pair from the queue (by the pair's number)."""
    pair = session.get(ScoredPair, pair_id)
    if pair is None:
        raise NotFound(f"no scored pair {pair_id}.")
    left = session.get(PersonRecord, pair.record_a)
    right = session.get(PersonRecord, pair.record_b)
    if left is None or right is None:  # the foreign keys keep them; a race at worst
        raise NotFound(f"pair {pair_id} names a record no longer in the index.")
    return decide_pair(
        session,
        actor=actor,
        record_a=(left.source, left.record_id),
        record_b=(right.source, right.record_id),
        same=same,
        note=note,
    )


def item_as_dict(item: ReviewItem) -> dict[str, Any]:
    def record(r: PersonRecord) -> dict[str, Any]:
        return {
            "source": r.source,
            "record_id": r.record_id,
            "person_id": r.person_id,
            "raw": r.raw,
            "standardized": {a: getattr(r, a) for a in ATTRIBUTES if getattr(r, a) is not None},
        }

    return {
        "pair_id": item.pair_id,
        "probability": item.probability,
        "match_weight": item.match_weight,
        "age_days": item.age_days,
        "same_person_now": item.same_person_now,
        "differs": item.differs,
        "left": record(item.left),
        "right": record(item.right),
        "waterfall": [asdict(step) for step in item.waterfall],
    }


def model_parameters(
    session: Session, *, actor: Actor, version: int | None = None
) -> dict[str, Any]:
    """A model version's parameters, level by level (m, u and match weight), and every version."""
    authorize(session, actor=actor, action=Action.READ_PERSON, resource=Resource("person_model"))
    versions = list(session.scalars(select(LinkageModel).order_by(LinkageModel.version.desc())))
    if not versions:
        raise NotFound("no model yet: the person index is empty.")
    chosen = (
        versions[0]
        if version is None
        else next((m for m in versions if m.version == version), None)
    )
    if chosen is None:
        raise NotFound(f"no model version {version}.")
    comparisons = []
    for comparison in chosen.settings["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            usable = isinstance(m, float | int) and isinstance(u, float | int) and m > 0 and u > 0
            levels.append(
                {
                    "label": level.get("label_for_charts", ""),
                    "m": m if isinstance(m, float | int) else None,
                    "u": u if isinstance(u, float | int) else None,
                    "match_weight": round(math.log2(m / u), 3) if usable else None,
                    "term_frequencies": bool(level.get("tf_adjustment_column")),
                }
            )
        comparisons.append({"name": comparison["output_column_name"], "levels": levels})
    chance = chosen.settings.get("probability_two_random_records_match", 0.0)
    return {
        "version": chosen.version,
        "trained_at": chosen.trained_at.isoformat(),
        "records": chosen.records,
        "note": chosen.note,
        "attributes": chosen.attributes,
        "blocking": chosen.blocking,
        "probability_two_random_records_match": chance,
        "prior_weight": round(math.log2(chance / (1 - chance)), 3) if 0 < chance < 1 else None,
        "comparisons": comparisons,
        "versions": [
            {"version": m.version, "trained_at": m.trained_at.isoformat(), "records": m.records,
             "note": m.note}
            for m in versions
        ],
    }  # fmt: skip


def overview(session: Session, *, actor: Actor, settings: Settings | None = None) -> dict[str, Any]:
    """The index at a glance: persons, records, the model, the review queue, sources and runs."""
    authorize(session, actor=actor, action=Action.READ_PERSON, resource=INDEX)
    counted = session.execute(select(Person.status, func.count()).group_by(Person.status))
    persons = {status: count for status, count in counted}  # noqa: C416 (a Result has keys())
    model = index.current_model(session)
    band = _band(settings)
    return {
        "persons": persons.get("active", 0),
        "persons_merged": persons.get("merged", 0),
        "records": session.scalar(select(func.count()).select_from(PersonRecord)) or 0,
        "model_version": model.version if model else None,
        "review": queue_size(
            session, band["low"], band["high"], among=source_access(session, actor).sources
        ),
        "sources": sources.sources_view(session),
        "runs": sources.runs_view(session, 20),
    }
