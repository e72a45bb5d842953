"""Bringing an earlier version's rows back as a new version: nothing is rewritten or lost.

The rows go through the same gate as a load: they are checked against today's rules before the
store makes them its newest version, and held back as a blocked version if they break one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from statedata.catalog.datasets import get_dataset_for_edit
from statedata.catalog.loads.pipeline import Load, record_load
from statedata.catalog.models import DatasetVersion
from statedata.catalog.versions import get_version
from statedata.core.config import Settings
from statedata.core.errors import Conflict
from statedata.identity.actor import Actor


def restore_version(
    session: Session, *, actor: Actor, settings: Settings, ref: str, number: int, note: str = ""
) -> DatasetVersion:
    """Publish version ``number``'s rows again, as a new version (checked like any load)."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    old = get_version(session, dataset=dataset, number=number)
    if number == dataset.current_version:
        raise Conflict(f"version {number}: it is the current version already; nothing to restore.")
    return record_load(
        session,
        actor=actor,
        settings=settings,
        dataset_ref=dataset.public_id,
        load=Load(staged=None, mode="restore", source=old),
        note=note or f"restored version {number}",
    )
