"""Predictable open data: when each dataset's next update is due, and how late it is.

A dataset's update frequency promises the public a rhythm. From the day its data last changed
(a published load; a version the quality gate blocked does not count) the frequency gives a due
date, and the day's distance from it one of four states:

- ``current``: the next update is not near yet;
- ``due``: the due date is within the frequency's notice window (the steward is reminded);
- ``overdue``: the due date has passed (the steward is reminded again);
- ``delinquent``: later than the frequency tolerates (the steward and the agency's data officer
  are told).

"As needed", "Not updated (historical only)", "Other" and no frequency promise no date:
``not_scheduled``. Only published datasets are followed; a draft's rhythm has not started.
Days are UTC calendar days, as in the access plan.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import grouped_by_agency, visible_to
from statedata.catalog.inventory.access_plan import statewide_plans
from statedata.catalog.models import Dataset
from statedata.catalog.vocabulary import DatasetStatus
from statedata.identity.actor import Actor
from statedata.identity.models import Agency


class FreshnessState(StrEnum):
    DELINQUENT = "delinquent"
    OVERDUE = "overdue"
    DUE = "due"
    CURRENT = "current"
    NOT_SCHEDULED = "not_scheduled"


STATE_LABELS = {
    FreshnessState.DELINQUENT: "Delinquent",
    FreshnessState.OVERDUE: "Overdue",
    FreshnessState.DUE: "Due",
    FreshnessState.CURRENT: "Current",
    FreshnessState.NOT_SCHEDULED: "No schedule",
}
# What needs attention first.
STATE_ORDER = {state: rank for rank, state in enumerate(FreshnessState)}
LATE = frozenset({FreshnessState.OVERDUE, FreshnessState.DELINQUENT})
ON_SCHEDULE = frozenset({FreshnessState.CURRENT, FreshnessState.DUE})


@dataclass(frozen=True)
class Expectation:
    """What one update frequency promises, and how much lateness it tolerates."""

    frequency: str
    period: str  # in words, for people
    months: int = 0
    days: int = 0
    weekdays: bool = False  # "Every weekday": Friday's data is next due on Monday
    notice_days: int = 0  # "due" this many days before the due date
    delinquent_after_days: int = 0  # "delinquent" when later than this

    def due_date(self, last_update: date) -> date:
        if self.weekdays:
            following = last_update + timedelta(days=1)
            while following.weekday() >= 5:  # Saturday, Sunday
                following += timedelta(days=1)
            return following
        return _add_months(last_update, self.months) + timedelta(days=self.days)


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (Jan 31 + 1 month = Feb 28 or 29)."""
    if months == 0:
        return day
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


EXPECTATIONS: dict[str, Expectation] = {
    e.frequency: e
    for e in (
        Expectation("Daily", "1 day", days=1, notice_days=0, delinquent_after_days=3),
        Expectation("Every weekday", "the next weekday", weekdays=True, delinquent_after_days=3),
        Expectation("Weekly", "7 days", days=7, notice_days=1, delinquent_after_days=7),
        Expectation("Bi-weekly", "14 days", days=14, notice_days=2, delinquent_after_days=14),
        Expectation("Monthly", "1 month", months=1, notice_days=5, delinquent_after_days=30),
        Expectation("Bi-monthly", "2 months", months=2, notice_days=7, delinquent_after_days=30),
        Expectation("Quarterly", "3 months", months=3, notice_days=14, delinquent_after_days=45),
        Expectation("Bi-annually", "6 months", months=6, notice_days=14, delinquent_after_days=60),
        Expectation("Annually", "1 year", months=12, notice_days=30, delinquent_after_days=90),
    )
}


@dataclass(frozen=True)
class Freshness:
    state: FreshnessState
    last_update: date | None = None
    due_date: date | None = None
    days_late: int = 0  # past the due date; 0 unless overdue or delinquent
    days_left: int = 0  # until the due date; 0 unless current or due

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "last_update": self.last_update.isoformat() if self.last_update else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "days_late": self.days_late,
            "days_left": self.days_left,
        }


def last_update_of(dataset: Dataset) -> datetime:
    """When the data last changed; a dataset never loaded counts from its publication."""
    return dataset.data_modified_at or dataset.published_at or dataset.created_at


def freshness_at(update_frequency: str, last_update: date, today: date) -> Freshness:
    """The state on ``today`` of data last changed on ``last_update`` (pure, for tests and docs)."""
    expectation = EXPECTATIONS.get(update_frequency)
    if expectation is None:
        return Freshness(FreshnessState.NOT_SCHEDULED, last_update=last_update)
    due = expectation.due_date(last_update)
    late = (today - due).days
    if late > expectation.delinquent_after_days:
        state = FreshnessState.DELINQUENT
    elif late > 0:
        state = FreshnessState.OVERDUE
    elif -late <= expectation.notice_days:
        state = FreshnessState.DUE
    else:
        state = FreshnessState.CURRENT
    return Freshness(
        state,
        last_update=last_update,
        due_date=due,
        days_late=max(late, 0),
        days_left=max(-late, 0),
    )


def freshness_of(dataset: Dataset, today: date) -> Freshness:
    """The dataset's state on ``today``; only a published dataset is on a schedule."""
    last = last_update_of(dataset).date()
    if dataset.status != DatasetStatus.PUBLISHED:
        return Freshness(FreshnessState.NOT_SCHEDULED, last_update=last)
    return freshness_at(dataset.update_frequency, last, today)


@dataclass(frozen=True)
class FreshnessItem:
    public_id: str
    title: str
    update_frequency: str
    freshness: Freshness

    def as_dict(self) -> dict[str, object]:
        return {
            "public_id": self.public_id,
            "title": self.title,
            "update_frequency": self.update_frequency,
            **self.freshness.as_dict(),
        }


def _sort_key(item: FreshnessItem) -> tuple[int, int, date, str]:
    f = item.freshness
    return (STATE_ORDER[f.state], -f.days_late, f.due_date or date.max, item.title.lower())


@dataclass(frozen=True)
class AgencyFreshness:
    code: str
    name: str
    items: list[FreshnessItem]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(item.freshness.state for item in self.items)
        return {state.value: found.get(state, 0) for state in FreshnessState}

    @property
    def on_schedule_rate(self) -> float | None:
        """Share of scheduled datasets not late today (None when none is scheduled)."""
        scheduled = [i for i in self.items if i.freshness.state is not FreshnessState.NOT_SCHEDULED]
        if not scheduled:
            return None
        return sum(i.freshness.state in ON_SCHEDULE for i in scheduled) / len(scheduled)

    def summary(self) -> dict[str, object]:
        return {
            "agency": self.code,
            "name": self.name,
            "datasets": len(self.items),
            "by_state": self.counts,
            "on_schedule_rate": self.on_schedule_rate,
        }


def followed_datasets(
    session: Session, *, actor: Actor, agency_id: int | None = None
) -> list[Dataset]:
    """The published datasets the actor may see (of one agency, if given): those a schedule
    applies to."""
    query = select(Dataset).where(
        visible_to(session, actor), Dataset.status == DatasetStatus.PUBLISHED
    )
    if agency_id is not None:
        query = query.where(Dataset.agency_id == agency_id)
    return list(session.scalars(query.order_by(Dataset.id)))


def _by_agency(datasets: list[Dataset], today: date) -> list[AgencyFreshness]:
    return [
        AgencyFreshness(
            code=agency.code,
            name=agency.name,
            items=sorted(
                (
                    FreshnessItem(d.public_id, d.title, d.update_frequency, freshness_of(d, today))
                    for d in found
                ),
                key=_sort_key,
            ),
        )
        for agency, found in grouped_by_agency(datasets)
    ]


def statewide_freshness(session: Session, *, actor: Actor, today: date) -> list[AgencyFreshness]:
    """Every agency's published datasets the actor may see, with their states."""
    return _by_agency(followed_datasets(session, actor=actor), today)


def agency_freshness(
    session: Session, *, actor: Actor, agency: Agency, today: date
) -> AgencyFreshness:
    """One agency's published datasets the actor may see (none is an empty list, not an error)."""
    grouped = _by_agency(followed_datasets(session, actor=actor, agency_id=agency.id), today)
    return grouped[0] if grouped else AgencyFreshness(agency.code, agency.name, [])


def statewide_total(agencies: list[AgencyFreshness]) -> AgencyFreshness:
    """All agencies' items as one, for the statewide row."""
    return AgencyFreshness("", "Statewide", [i for a in agencies for i in a.items])


def plan_on_time_rates(session: Session, *, actor: Actor, today: date) -> dict[str, float | None]:
    """Each agency's access plan on-time rate by agency code, beside its freshness."""
    return {
        agency.code: plan.on_time_rate
        for agency, plan in statewide_plans(session, actor=actor, today=today)
    }


def late_items(agencies: list[AgencyFreshness]) -> list[tuple[AgencyFreshness, FreshnessItem]]:
    """Every overdue or delinquent dataset, the latest first."""
    late = [(a, i) for a in agencies for i in a.items if i.freshness.state in LATE]
    return sorted(late, key=lambda pair: (-pair[1].freshness.days_late, pair[1].title.lower()))
