"""Persons from scored pairs: regrouping only the persons a load or a decision touches, with stable
IDs and every change written to the history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from statedata.core.db import utcnow
from statedata.linkage.clustering import cluster
from statedata.linkage.index.records import chunks
from statedata.linkage.models import (
    LinkageRun,
    MatchDecision,
    Person,
    PersonEvent,
    PersonRecord,
    ScoredPair,
)
from statedata.linkage.stable_ids import Reconciled, reconcile

# Above this many ids a query reads the whole table and filters here, rather than sending
# thousands of IN lists (a first load or a re-run regroups everyone).
WHOLE_TABLE = 20_000


def _strong_pairs(
    session: Session, records: set[int], threshold: float, *, both: bool
) -> list[tuple[int, int, float]]:
    """Pairs at or above ``threshold`` with one record (``both``: both records) in ``records``."""
    columns = (ScoredPair.record_a, ScoredPair.record_b, ScoredPair.probability)
    strong = ScoredPair.probability >= threshold
    rows: Iterable[Any]
    if len(records) > WHOLE_TABLE:
        rows = session.execute(select(*columns).where(strong))
    else:
        rows = (
            row
            for chunk in chunks(sorted(records))
            for row in session.execute(
                select(*columns).where(
                    strong, or_(ScoredPair.record_a.in_(chunk), ScoredPair.record_b.in_(chunk))
                )
            )
        )
    found: dict[tuple[int, int], float] = {}
    for a, b, p in rows:
        inside = (a in records) + (b in records)
        if inside == 2 or (inside == 1 and not both):
            found[(a, b)] = p
    return [(a, b, p) for (a, b), p in found.items()]


def _strong_neighbours(session: Session, records: set[int], threshold: float) -> set[int]:
    found: set[int] = set()
    for a, b, _p in _strong_pairs(session, records, threshold, both=False):
        found.update((a, b))
    return found


def _records_of_persons_of(session: Session, records: set[int]) -> dict[int, str | None]:
    """``records`` and every record of their persons, each with its person."""
    if len(records) > WHOLE_TABLE:
        rows = session.execute(select(PersonRecord.id, PersonRecord.person_id))
        # not dict(rows): a Result has keys(), so dict() would take it for a mapping
        everyone: dict[int, str | None] = {pk: person for pk, person in rows}  # noqa: C416
        theirs = {everyone[r] for r in records if everyone.get(r) is not None}
        return {r: p for r, p in everyone.items() if r in records or p in theirs}
    persons: set[str] = set()
    found: dict[int, str | None] = {}
    for chunk in chunks(sorted(records)):
        for pk, person in session.execute(
            select(PersonRecord.id, PersonRecord.person_id).where(PersonRecord.id.in_(chunk))
        ):
            found[pk] = person
            if person is not None:
                persons.add(person)
    for people in chunks(sorted(persons)):
        for pk, person in session.execute(
            select(PersonRecord.id, PersonRecord.person_id).where(
                PersonRecord.person_id.in_(people)
            )
        ):
            found[pk] = person
    return found


def active_decisions(session: Session) -> list[MatchDecision]:
    return list(
        session.scalars(
            select(MatchDecision)
            .where(MatchDecision.undone_at.is_(None))
            .order_by(MatchDecision.id)
        )
    )


def regroup(
    session: Session,
    seeds: set[int],
    run: LinkageRun,
    *,
    threshold: float,
    user_id: int | None = None,
) -> Reconciled:
    """Group again the persons of ``seeds`` and of records strongly paired with them, and
    write what changed."""
    members = _records_of_persons_of(session, seeds | _strong_neighbours(session, seeds, threshold))
    everyone = set(members)
    pairs = _strong_pairs(session, everyone, threshold, both=True)
    decisions = [
        d for d in active_decisions(session) if d.record_a in everyone or d.record_b in everyone
    ]
    grouped = cluster(
        everyone,
        pairs,
        threshold=threshold,
        same=[(d.record_a, d.record_b) for d in decisions if d.same],
        not_same=[(d.record_a, d.record_b) for d in decisions if not d.same],
    )
    run.held_apart += grouped.held_apart
    previous = {r: p for r, p in members.items() if p is not None}
    groups = [g & everyone for g in grouped.persons if g & everyone]
    result = reconcile(groups, previous, _id_issuer(session))
    _apply(session, result, members, run, user_id=user_id)
    return result


def _id_issuer(session: Session) -> Callable[[], str]:
    last = session.scalar(select(func.max(Person.id)))
    counter = [int(last[1:]) if last else 0]

    def issue() -> str:
        counter[0] += 1
        return f"P{counter[0]:09d}"

    return issue


def _apply(
    session: Session,
    result: Reconciled,
    before: dict[int, str | None],
    run: LinkageRun,
    *,
    user_id: int | None,
) -> None:
    now = utcnow()
    keyed = select(PersonRecord.id, PersonRecord.source, PersonRecord.record_id)
    if len(result.person_of) > WHOLE_TABLE:
        keys = {pk: [source, rid] for pk, source, rid in session.execute(keyed)}
    else:
        keys = {
            pk: [source, rid]
            for chunk in chunks(sorted(result.person_of))
            for pk, source, rid in session.execute(keyed.where(PersonRecord.id.in_(chunk)))
        }
    events: list[dict[str, Any]] = []

    def event(
        kind: str, person: str, other: str | None, records: Iterable[int], detail: str
    ) -> None:
        events.append(
            {
                "at": now,
                "run_id": run.id,
                "kind": kind,
                "person_id": person,
                "other_person_id": other,
                "records": [keys[r] for r in sorted(records)],
                "detail": detail,
                "user_id": user_id,
            }
        )

    if result.created:
        session.execute(
            insert(Person),
            [
                {"id": p, "status": "active", "created_at": now, "updated_at": now}
                for p in result.created
            ],
        )
    for person, group in result.created.items():
        parent = result.split_from.get(person)
        if parent is None:
            event("created", person, None, group, "")
        else:
            event(
                "split",
                parent,
                person,
                [r for r in group if before.get(r) == parent],
                f"split from {parent}",
            )
    run.persons_created += len(result.created) - len(result.split_from)
    run.splits += len(result.split_from)
    run.merges += len(result.merged_into)
    for person, survivor in result.merged_into.items():
        absorbed = [r for r, p in before.items() if p == person]
        event("merged", person, survivor, absorbed, f"merged into {survivor}")
        session.execute(
            update(Person)
            .where(or_(Person.id == person, Person.merged_into == person))
            .values(status="merged", merged_into=survivor, updated_at=now)
        )
    added: dict[str, list[int]] = defaultdict(list)
    for record, person in result.added:
        added[person].append(record)
    for person, joined in added.items():
        event("records_added", person, None, joined, f"{len(joined)} record(s) added")
    moved: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record, was, now_in in result.moved:
        if now_in not in result.created:  # a split says it
            moved[(was, now_in)].append(record)
    run.moves += sum(len(r) for r in moved.values())
    for (was, now_in), shifted in moved.items():
        event("records_moved", was, now_in, shifted, f"{len(shifted)} record(s) moved to {now_in}")
    placed = {
        record: person
        for record, person in result.person_of.items()
        if before.get(record) != person
    }
    if placed:  # one executemany by primary key
        session.execute(
            update(PersonRecord), [{"id": r, "person_id": p} for r, p in placed.items()]
        )
    touched_persons = set(placed.values()) | {p for p in before.values() if p}
    touched_persons -= set(result.merged_into)
    if touched_persons:
        session.execute(
            update(Person), [{"id": p, "updated_at": now} for p in sorted(touched_persons)]
        )
    if events:
        session.execute(insert(PersonEvent), events)
