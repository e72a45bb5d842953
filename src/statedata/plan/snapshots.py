"""Snapshots of the computed measures, so each has a history: taken monthly on a clock (the first
run of the clock in a month), and on demand by the CDO's office.

One value per measure, agency and day: a second snapshot on the same day replaces the first, and
two workers taking the month's snapshot at once leave one (the second meets the unique key and
gives way).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import InvalidInput
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, authorize
from statedata.plan.measures import MEASURES, STATEWIDE, compute_all, get_measure
from statedata.plan.models import MeasureSnapshot

log = logging.getLogger(__name__)


def take_snapshot(session: Session, *, today: date) -> int:
    """Compute every computed measure and keep its values as of ``today``; returns how many."""
    computed = compute_all(session, today)
    kept = {
        (s.measure, s.agency): s
        for s in session.scalars(select(MeasureSnapshot).where(MeasureSnapshot.taken_on == today))
    }
    count = 0
    for key, values in computed.items():
        for agency, value in values.items():
            row = kept.get((key, agency))
            if row is None:
                session.add(
                    MeasureSnapshot(measure=key, agency=agency, taken_on=today, value=value)
                )
            else:
                row.value, row.taken_at = value, utcnow()
            count += 1
    session.flush()
    return count


def snapshot_on_request(session: Session, *, actor: Actor, today: date) -> int:
    """A snapshot now, asked for by the CDO's office (audited)."""
    authorize(session, actor=actor, action=Action.MANAGE_PLAN)
    count = take_snapshot(session, today=today)
    record_event(session, actor=actor, action="plan.snapshot", resource_type="plan",
                 resource_id=today.isoformat(), detail={"values": count})  # fmt: skip
    return count


def snapshot_monthly(
    settings: Settings, factory: sessionmaker[Session], _enqueue: Callable[[int], None]
) -> int:
    """The clock's work: this month's snapshot, unless one was taken this month already."""
    today = utcnow().date()
    first = today.replace(day=1)
    try:
        with unit_of_work(factory) as session:
            taken = session.scalar(
                select(func.count()).select_from(MeasureSnapshot)
                .where(MeasureSnapshot.taken_on >= first)
            )  # fmt: skip
            if taken:
                return 0
            return take_snapshot(session, today=today)
    except IntegrityError:  # another worker took it at the same moment
        log.info("measures: this month's snapshot was taken by another worker")
        return 0


def history(
    session: Session,
    *,
    measure: str | None = None,
    agency: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[MeasureSnapshot]:
    """Snapshots oldest first, of one measure and one agency (``""``: statewide) if given."""
    if start and end and end < start:
        raise InvalidInput(f"to: {end} is before from ({start}).", field="to")
    query = select(MeasureSnapshot)
    if measure is not None:
        query = query.where(MeasureSnapshot.measure == get_measure(measure).key)
    if agency is not None:
        query = query.where(MeasureSnapshot.agency == agency.strip().upper())
    if start is not None:
        query = query.where(MeasureSnapshot.taken_on >= start)
    if end is not None:
        query = query.where(MeasureSnapshot.taken_on <= end)
    order = (MeasureSnapshot.measure, MeasureSnapshot.agency, MeasureSnapshot.taken_on)
    return list(session.scalars(query.order_by(*order)))


def series(snapshots: list[MeasureSnapshot]) -> list[dict[str, object]]:
    """Snapshots as one series per measure and agency: ``[{measure, agency, points}]``."""
    grouped: dict[tuple[str, str], list[dict[str, object]]] = {}
    for s in snapshots:
        grouped.setdefault((s.measure, s.agency), []).append(
            {"on": s.taken_on.isoformat(), "value": s.value}
        )
    return [
        {
            **MEASURES[key].as_dict(),
            "agency": agency or None,
            "scope": "statewide" if agency == STATEWIDE else "agency",
            "points": points,
        }
        for (key, agency), points in grouped.items()
        if key in MEASURES
    ]
