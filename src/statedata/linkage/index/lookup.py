"""Reading the index: a person (following merges), their history, and which person each record is."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from statedata.core.errors import NotFound
from statedata.linkage.models import (
    Person,
    PersonEvent,
    PersonRecord,
)


def resolve_person(session: Session, person_id: str) -> Person:
    """The person an ID names now: a merged person leads to its survivor."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id!r} in the index.")
    seen = {person.id}
    while person.status == "merged" and person.merged_into:
        follow = session.get(Person, person.merged_into)
        if follow is None or follow.id in seen:
            break
        seen.add(follow.id)
        person = follow
    return person


def person_history(session: Session, person_id: str) -> list[PersonEvent]:
    return list(
        session.scalars(
            select(PersonEvent)
            .where(
                or_(PersonEvent.person_id == person_id, PersonEvent.other_person_id == person_id)
            )
            .order_by(PersonEvent.id)
        )
    )


def persons_by_record(session: Session) -> dict[tuple[str, str], str]:
    """Every record's person, by (source, record id)."""
    return {
        (source, rid): person
        for source, rid, person in session.execute(
            select(PersonRecord.source, PersonRecord.record_id, PersonRecord.person_id)
        )
        if person is not None
    }
