"""A dataset's life: draft, in review, published, retired (marked ARCHIVE, 30 days' notice, private).

Publishing takes two people: one submits, another steward of the agency or its data officer
approves. Retiring keeps the dataset public for the notice period with its title marked, then
hides it; the public list of retired datasets keeps naming it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import RESOURCE_TYPE, get_dataset, get_dataset_for_edit, resource_of
from statedata.catalog.models import Dataset
from statedata.catalog.vocabulary import (
    ARCHIVE_PREFIX,
    RETIREMENT_NOTICE,
    DatasetStatus,
    OpenDataStatus,
)
from statedata.core.audit import record_event
from statedata.core.db import utcnow
from statedata.core.errors import Conflict, InvalidInput
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, Classification, authorize


def _record(
    session: Session, actor: Actor, action: str, dataset: Dataset, **detail: object
) -> None:
    record_event(
        session,
        actor=actor,
        action=action,
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"status": dataset.status, **detail},
    )


def submit_for_review(session: Session, *, actor: Actor, ref: str) -> Dataset:
    """Ask another steward or the data officer to approve publishing this dataset."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    if dataset.status not in (DatasetStatus.DRAFT, DatasetStatus.PUBLISHED):
        raise Conflict(f"status: a {dataset.status} dataset cannot be submitted for review.")
    if dataset.current_version == 0:
        raise InvalidInput("data: load a version before submitting the dataset for review.")
    dataset.status = DatasetStatus.IN_REVIEW.value
    dataset.review_requested_by_user_id = actor.user_id
    dataset.review_requested_at = utcnow()
    _record(session, actor, "dataset.submit", dataset)
    return dataset


def approve(session: Session, *, actor: Actor, ref: str) -> Dataset:
    """Publish a dataset in review; the person who submitted it may not approve it."""
    dataset = get_dataset(session, actor=actor, ref=ref)
    authorize(session, actor=actor, action=Action.REVIEW_DATASET, resource=resource_of(dataset))
    if dataset.status != DatasetStatus.IN_REVIEW:
        raise Conflict(
            f"status: only a dataset in review can be approved; this one is {dataset.status}."
        )
    dataset.status = DatasetStatus.PUBLISHED.value
    dataset.approved_by_user_id = actor.user_id
    dataset.published_at = dataset.published_at or utcnow()
    if dataset.classification == Classification.PUBLIC:
        dataset.open_data_status = OpenDataStatus.PUBLISHED.value
    _record(session, actor, "dataset.approve", dataset)
    return dataset


def return_to_draft(session: Session, *, actor: Actor, ref: str, reason: str = "") -> Dataset:
    """Send a dataset in review back to its stewards."""
    dataset = get_dataset(session, actor=actor, ref=ref)
    authorize(session, actor=actor, action=Action.EDIT_DATASET, resource=resource_of(dataset))
    if dataset.status != DatasetStatus.IN_REVIEW:
        raise Conflict(
            f"status: only a dataset in review can be sent back; this one is {dataset.status}."
        )
    dataset.status = (
        DatasetStatus.PUBLISHED.value if dataset.published_at else DatasetStatus.DRAFT.value
    )
    _record(session, actor, "dataset.return", dataset, reason=reason)
    return dataset


def retire(session: Session, *, actor: Actor, ref: str, reason: str) -> Dataset:
    """Mark a published dataset ARCHIVE; it stays public for the notice period, then goes private."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    if dataset.status != DatasetStatus.PUBLISHED:
        raise Conflict(
            f"status: only a published dataset can be retired; this one is {dataset.status}."
        )
    if not reason.strip():
        raise InvalidInput("reason: say why the dataset is retired (it is shown to the public).")
    now = utcnow()
    dataset.status = DatasetStatus.RETIRED.value
    dataset.retired_at, dataset.private_after = now, now + RETIREMENT_NOTICE
    dataset.retirement_reason = reason.strip()
    if not dataset.title.startswith(ARCHIVE_PREFIX):
        dataset.title = ARCHIVE_PREFIX + dataset.title
    _record(session, actor, "dataset.retire", dataset, reason=dataset.retirement_reason)
    return dataset


def list_retired(session: Session) -> list[Dataset]:
    """Every retired public dataset, newest first: the public list names them even once private."""
    query = (
        select(Dataset)
        .where(
            Dataset.status == DatasetStatus.RETIRED,
            Dataset.classification == Classification.PUBLIC,
        )
        .order_by(Dataset.retired_at.desc())
    )
    return list(session.scalars(query))
