"""The agency report card: the duties the law and the plan set each agency, each yes or no (or not
yet asked), with the day it became so where the platform knows it.

Computed from what the platform holds, as the CDO's office sees it (every dataset), and shown to
anyone: it says whether a duty is met, never what a non-public dataset is or who holds a role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statedata.catalog.freshness.states import (
    ON_SCHEDULE,
    AgencyFreshness,
    FreshnessState,
    statewide_freshness,
)
from statedata.catalog.inventory.access_plan import PlanStatus, plan_of
from statedata.catalog.models import Dataset, InventorySubmission
from statedata.catalog.vocabulary import DatasetStatus
from statedata.identity.actor import Actor, Role
from statedata.identity.models import Agency, User


@dataclass(frozen=True)
class Duty:
    key: str
    label: str
    met: bool | None  # None: not asked of the agency yet (nothing to judge)
    since: date | None  # the day it became so, where known
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "met": self.met,
            "since": self.since.isoformat() if self.since else None,
            "detail": self.detail,
        }


def _officers_since(session: Session) -> dict[int, date]:
    rows = session.execute(
        select(User.agency_id, func.min(User.created_at))
        .where(User.role == Role.AGENCY_DATA_OFFICER.value, User.is_active.is_(True))
        .group_by(User.agency_id)
    )
    return {agency_id: first.date() for agency_id, first in rows if agency_id is not None}


def _inventories(session: Session, year: int) -> dict[int, date]:
    rows = session.execute(
        select(InventorySubmission.agency_id, func.min(InventorySubmission.submitted_at))
        .where(InventorySubmission.year == year)
        .group_by(InventorySubmission.agency_id)
    )
    return {agency_id: submitted.date() for agency_id, submitted in rows}


def _datasets_by_agency(session: Session) -> dict[int, list[Dataset]]:
    found: dict[int, list[Dataset]] = {}
    for dataset in session.scalars(select(Dataset).order_by(Dataset.id)):
        found.setdefault(dataset.agency_id, []).append(dataset)
    return found


def _access_plan(datasets: list[Dataset], today: date) -> Duty:
    items = plan_of([d for d in datasets if d.status != DatasetStatus.RETIRED], today).items
    undated = sum(item.status is PlanStatus.NOT_SCHEDULED for item in items)
    overdue = sum(item.status is PlanStatus.OVERDUE for item in items)
    label = "Access plan dates every item meant for publication"
    if not items:
        return Duty("access_plan", label, None, None, "no inventory items yet")
    detail = f"{undated} without a date, {overdue} overdue" if undated or overdue else ""
    return Duty("access_plan", label, undated == 0, None, detail)


def _on_schedule(freshness: AgencyFreshness | None) -> Duty:
    label = "No published dataset is late"
    rate = freshness.on_schedule_rate if freshness else None
    if freshness is None or rate is None:
        return Duty("on_schedule", label, None, None, "no published dataset on a schedule")
    counts = freshness.counts
    scheduled = len(freshness.items) - counts[FreshnessState.NOT_SCHEDULED.value]
    on_time = sum(counts[state.value] for state in ON_SCHEDULE)
    detail = f"{on_time} of {scheduled} on schedule ({rate:.0%})"
    return Duty("on_schedule", label, on_time == scheduled, None, detail)


def report_cards(session: Session, *, today: date) -> list[dict[str, Any]]:
    """Every agency's duties, in the order of their codes."""
    officers = _officers_since(session)
    inventories = _inventories(session, today.year)
    datasets = _datasets_by_agency(session)
    freshness = {
        a.code: a for a in statewide_freshness(session, actor=Actor.system("plan"), today=today)
    }
    cards = []
    for agency in session.scalars(select(Agency).order_by(Agency.code)):
        held = datasets.get(agency.id, [])
        duties = [
            Duty("data_officer", "A data officer is named", agency.id in officers,
                 officers.get(agency.id)),
            Duty("inventory", f"The {today.year} inventory is submitted",
                 agency.id in inventories, inventories.get(agency.id)),
            _access_plan(held, today),
            _on_schedule(freshness.get(agency.code)),
            Duty("progress_report", "Progress report on time", None, None,
                 "no reporting cycle yet"),
        ]  # fmt: skip
        cards.append(
            {
                "agency": agency.code,
                "name": agency.name,
                "duties": [d.as_dict() for d in duties],
                "met": sum(d.met is True for d in duties),
                "asked": sum(d.met is not None for d in duties),
            }
        )
    return cards
