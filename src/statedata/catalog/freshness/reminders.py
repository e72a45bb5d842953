"""Reminders to stewards before and after a dataset's update is due.

Each state a dataset reaches for one due date is told once: ``due`` (before the due date, within
the frequency's notice window), ``overdue`` (after it) and ``delinquent`` (past what the frequency
tolerates). The steward is told; the agency's data officers are told too when the dataset is
delinquent or has no steward with an address; the dataset's contact address is the last resort.
A state skipped while the clock was not running is not told late: only the state of the day is.
Loading new data moves the due date, and with it the keys, so the next period starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.freshness.states import EXPECTATIONS, Freshness, FreshnessState, freshness_of
from statedata.catalog.models import Dataset
from statedata.catalog.vocabulary import DatasetStatus
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.outbox import OutboxMessage, queue_message
from statedata.identity.actor import Role
from statedata.identity.models import User

TOLD = frozenset({FreshnessState.DUE, FreshnessState.OVERDUE, FreshnessState.DELINQUENT})


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    user_id: int | None
    why: str  # the closing line: why this person gets the message


def recipients_of(session: Session, dataset: Dataset, state: FreshnessState) -> list[Recipient]:
    """Who is told about this dataset in this state (an empty address when nobody can be)."""
    found: list[Recipient] = []
    steward = dataset.steward
    if steward is not None and steward.is_active and steward.email:
        why = "You get this message because you are the dataset's steward."
        found.append(
            Recipient(steward.email, steward.full_name or steward.username, steward.id, why)
        )
    if state is FreshnessState.DELINQUENT or not found:
        officers = session.scalars(
            select(User)
            .where(
                User.agency_id == dataset.agency_id,
                User.role == Role.AGENCY_DATA_OFFICER,
                User.is_active.is_(True),
                User.email != "",
            )
            .order_by(User.id)
        )
        why = f"You get this message as a data officer of {dataset.agency.name}."
        found += [Recipient(u.email, u.full_name or u.username, u.id, why) for u in officers]
    if not found and dataset.contact_email:
        why = "You get this message because you are the dataset's contact."
        found.append(Recipient(dataset.contact_email, dataset.contact_name, None, why))
    return found or [Recipient("", "", None, "")]


def subject_of(settings: Settings, dataset: Dataset, freshness: Freshness) -> str:
    prefix = f"[{settings.state_name} {settings.portal_name}]"
    match freshness.state:
        case FreshnessState.DUE:
            return f"{prefix} Update due {freshness.due_date}: {dataset.title}"
        case FreshnessState.OVERDUE:
            return f"{prefix} Update {_days(freshness.days_late)} late: {dataset.title}"
        case _:
            return f"{prefix} Delinquent, {_days(freshness.days_late)} late: {dataset.title}"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def body_of(
    settings: Settings, dataset: Dataset, freshness: Freshness, recipient: Recipient
) -> str:
    expectation = EXPECTATIONS[dataset.update_frequency]
    base = settings.public_url.rstrip("/")
    greeting = f"Hello {recipient.name}," if recipient.name else "Hello,"
    promise = (
        f'"{dataset.title}" ({dataset.agency.name}, {dataset.public_id}) is updated '
        f"{dataset.update_frequency.lower()}. Its data last changed on {freshness.last_update}, "
        f"so the next update is due on {freshness.due_date}."
    )
    match freshness.state:
        case FreshnessState.DUE:
            ask = "Please load the new data by then, so the public finds it when promised."
        case FreshnessState.OVERDUE:
            ask = (
                f"The update is {_days(freshness.days_late)} late. Please load the new data, or "
                "change the dataset's update frequency if the promise no longer holds."
            )
        case _:
            ask = (
                f"The update is {_days(freshness.days_late)} late, more than the "
                f"{expectation.delinquent_after_days} days a {dataset.update_frequency.lower()} "
                "dataset may be, so the dataset is listed as delinquent on the statewide "
                "freshness page and the agency's data officers are told. Please load the new "
                "data, or change the update frequency."
            )
    lines = [
        greeting,
        "",
        promise,
        ask,
        "",
        f"Load new data: {base}/datasets/{dataset.public_id}/upload",
        f"The dataset: {base}/datasets/{dataset.public_id}",
        f"Statewide freshness: {base}/freshness",
    ]
    if recipient.why:
        lines += ["", recipient.why]
    return "\n".join(lines) + "\n"


def queue_freshness_reminders(
    session: Session, *, settings: Settings, today: date
) -> list[OutboxMessage]:
    """Queue the reminders of the day that were not queued before; returns the new ones."""
    queued: list[OutboxMessage] = []
    published = list(
        session.scalars(
            select(Dataset)
            .where(Dataset.status == DatasetStatus.PUBLISHED, Dataset.update_frequency != "")
            .order_by(Dataset.id)
        )
    )
    for dataset in published:
        freshness = freshness_of(dataset, today)
        if freshness.state not in TOLD:
            continue
        occasion = f"freshness/{dataset.public_id}/{freshness.due_date}/{freshness.state}"
        for recipient in recipients_of(session, dataset, freshness.state):
            message = queue_message(
                session,
                settings=settings,
                key=f"{occasion}/{recipient.address or 'nobody'}",
                kind=f"freshness.{freshness.state}",
                recipient=recipient.address,
                recipient_name=recipient.name,
                recipient_user_id=recipient.user_id,
                agency_id=dataset.agency_id,
                resource_type="dataset",
                resource_id=dataset.public_id,
                subject=subject_of(settings, dataset, freshness),
                body=body_of(settings, dataset, freshness, recipient),
            )
            if message is not None:
                queued.append(message)
    return queued


def remind_stewards(
    settings: Settings,
    factory: sessionmaker[Session],
    enqueue: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """The clock's hourly round: queue the day's reminders (the mailer sends them)."""
    with unit_of_work(factory) as session:
        today = (now or utcnow()).date()
        return len(queue_freshness_reminders(session, settings=settings, today=today))
