"""A dataset's release settings: its small-cell threshold and its privacy budget, what private
releases have spent of it, and who may change them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import (
    RESOURCE_TYPE,
    find_dataset,
    resource_of,
)
from statedata.catalog.models import Dataset
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.errors import Forbidden, InvalidInput
from statedata.identity.actor import Actor, Role
from statedata.identity.policy import Action, authorize
from statedata.privacy.models import DatasetPrivacy, Release
from statedata.privacy.suppression import (
    DEFAULT_THRESHOLD,
)


def privacy_row(session: Session, dataset: Dataset, *, lock: bool = False) -> DatasetPrivacy | None:
    query = select(DatasetPrivacy).where(DatasetPrivacy.dataset_id == dataset.id)
    return session.scalar(query.with_for_update() if lock else query)


def spent(session: Session, dataset: Dataset) -> float:
    """The epsilon every release from the dataset has spent (a failed one included: its noise
    may have been drawn)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Release.epsilon), 0.0)).where(
            Release.source_dataset_id == dataset.id
        )
    )
    return float(total or 0.0)


def privacy_view(session: Session, settings: Settings, dataset: Dataset) -> dict[str, Any]:
    found = privacy_row(session, dataset)
    budget = found.epsilon_budget if found else settings.privacy_epsilon_budget
    used = spent(session, dataset)
    return {
        "dataset": dataset.public_id,
        "threshold": found.threshold if found else DEFAULT_THRESHOLD,
        "epsilon_budget": budget,
        "epsilon_spent": round(used, 6),
        "epsilon_left": round(max(budget - used, 0.0), 6),
    }


def kept_dataset(session: Session, *, actor: Actor, ref: str) -> Dataset:
    """A dataset the actor keeps (its stewards, its data officer, the CDO's office)."""
    dataset = find_dataset(session, ref=ref)
    authorize(session, actor=actor, action=Action.EDIT_DATASET, resource=resource_of(dataset))
    return dataset


def set_privacy(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    ref: str,
    threshold: int | None = None,
    epsilon_budget: float | None = None,
) -> dict[str, Any]:
    """Change a dataset's small-cell threshold (its stewards) or privacy budget (its agency's
    data officer or the CDO's office: a budget is a promise to the people in the data)."""
    dataset = kept_dataset(session, actor=actor, ref=ref)
    if threshold is not None and not 1 <= threshold <= 100:
        raise InvalidInput(f"threshold: {threshold} is not between 1 and 100.")
    if epsilon_budget is not None:
        if actor.role not in (Role.ADMIN, Role.AGENCY_DATA_OFFICER) and not actor.is_system:
            raise Forbidden("Not allowed: only the data officer or the CDO's office sets a budget.")
        if not 0 <= epsilon_budget <= 100:
            raise InvalidInput(f"epsilon_budget: {epsilon_budget:g} is not between 0 and 100.")
    found = privacy_row(session, dataset, lock=True)
    if found is None:
        found = DatasetPrivacy(
            dataset_id=dataset.id,
            threshold=DEFAULT_THRESHOLD,
            epsilon_budget=settings.privacy_epsilon_budget,
        )
        session.add(found)
    before = {"threshold": found.threshold, "epsilon_budget": found.epsilon_budget}
    if threshold is not None:
        found.threshold = threshold
    if epsilon_budget is not None:
        found.epsilon_budget = float(epsilon_budget)
    found.updated_by_name = actor.username
    record_event(
        session,
        actor=actor,
        action="dataset.privacy",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={
            "before": before,
            "threshold": found.threshold,
            "epsilon_budget": found.epsilon_budget,
        },
    )
    session.flush()
    return privacy_view(session, settings, dataset)
