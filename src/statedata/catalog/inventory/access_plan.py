"""The open data access plan: which inventory items will be published, by when, and how it goes.

Each item of an agency's inventory gets one status, computed from the inventory's open data
status, the planned publication date and whether the dataset is in fact public:

- ``published``: released to the public (``on_time`` says whether by the planned date, if any);
- ``on_track``: planned for a date that has not passed;
- ``overdue``: planned for a date that has passed, and not yet public;
- ``not_scheduled``: meant for (or under review for) publication but without a date;
- ``not_for_publication``: the agency decided it will not be open data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import grouped_by_agency, is_released, visible_to
from statedata.catalog.inventory.annual import inventory_rows
from statedata.catalog.models import Dataset
from statedata.catalog.vocabulary import OpenDataStatus
from statedata.identity.actor import Actor
from statedata.identity.models import Agency
from statedata.identity.policy import Classification


class PlanStatus(StrEnum):
    OVERDUE = "overdue"
    ON_TRACK = "on_track"
    NOT_SCHEDULED = "not_scheduled"
    PUBLISHED = "published"
    NOT_FOR_PUBLICATION = "not_for_publication"


# The order a reader wants: what needs attention first.
STATUS_ORDER = {status: rank for rank, status in enumerate(PlanStatus)}
COLUMNS = (
    "public_id",
    "title",
    "classification",
    "is_high_value",
    "open_data_status",
    "planned_publication_date",
    "status",
    "published_on",
    "on_time",
    "days_overdue",
)


@dataclass(frozen=True)
class PlanItem:
    public_id: str
    title: str
    classification: str
    is_high_value: bool
    open_data_status: str
    planned: date | None
    status: PlanStatus
    published_on: date | None
    on_time: bool | None  # None when there was no planned date to keep
    days_overdue: int

    def as_dict(self) -> dict[str, object]:
        return {
            "public_id": self.public_id,
            "title": self.title,
            "classification": self.classification,
            "is_high_value": self.is_high_value,
            "open_data_status": self.open_data_status,
            "planned_publication_date": self.planned.isoformat() if self.planned else None,
            "status": self.status.value,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "on_time": self.on_time,
            "days_overdue": self.days_overdue,
        }

    def cells(self) -> dict[str, str]:
        """The item as text cells for CSV and Excel (no days overdue is an empty cell)."""
        values = self.as_dict() | {"days_overdue": self.days_overdue or None}
        return {name: _cell(values[name]) for name in COLUMNS}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def is_public(dataset: Dataset) -> bool:
    """Released, and classified for anyone to read."""
    return dataset.classification == Classification.PUBLIC and is_released(dataset)


def plan_item(dataset: Dataset, today: date) -> PlanItem:
    planned = dataset.planned_publication_date
    published_on = dataset.published_at.date() if dataset.published_at else None
    on_time: bool | None = None
    days_overdue = 0
    if is_public(dataset):
        status = PlanStatus.PUBLISHED
        if planned is not None and published_on is not None:
            on_time = published_on <= planned
    elif dataset.open_data_status == OpenDataStatus.NOT_FOR_PUBLICATION:
        status = PlanStatus.NOT_FOR_PUBLICATION
    elif planned is None:
        status = PlanStatus.NOT_SCHEDULED
    elif planned < today:
        status, days_overdue = PlanStatus.OVERDUE, (today - planned).days
    else:
        status = PlanStatus.ON_TRACK
    return PlanItem(
        public_id=dataset.public_id,
        title=dataset.title,
        classification=dataset.classification,
        is_high_value=dataset.is_high_value,
        open_data_status=dataset.open_data_status,
        planned=planned,
        status=status,
        published_on=published_on if status is PlanStatus.PUBLISHED else None,
        on_time=on_time,
        days_overdue=days_overdue,
    )


def _sort_key(item: PlanItem) -> tuple[int, date, str]:
    return (STATUS_ORDER[item.status], item.planned or date.max, item.title.lower())


@dataclass(frozen=True)
class AccessPlan:
    items: list[PlanItem]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(item.status for item in self.items)
        return {status.value: found.get(status, 0) for status in PlanStatus}

    @property
    def on_time_rate(self) -> float | None:
        """Share of items published with a planned date that were published by it."""
        kept = [item.on_time for item in self.items if item.on_time is not None]
        return sum(kept) / len(kept) if kept else None

    def summary(self) -> dict[str, object]:
        return {
            "items": len(self.items),
            "by_status": self.counts,
            "on_time_rate": self.on_time_rate,
        }


def plan_of(datasets: list[Dataset], today: date) -> AccessPlan:
    return AccessPlan(sorted((plan_item(d, today) for d in datasets), key=_sort_key))


def agency_plan(session: Session, *, actor: Actor, agency_code: str, today: date) -> AccessPlan:
    """The agency's plan over the inventory items the actor may see."""
    return plan_of(inventory_rows(session, actor=actor, agency_code=agency_code), today)


def statewide_plans(
    session: Session, *, actor: Actor, today: date
) -> list[tuple[Agency, AccessPlan]]:
    """Every agency's plan over what the actor may see; agencies with nothing visible are left out."""
    datasets = session.scalars(
        select(Dataset).where(visible_to(session, actor)).order_by(Dataset.id)
    )
    return [(agency, plan_of(found, today)) for agency, found in grouped_by_agency(datasets)]
