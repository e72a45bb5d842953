"""Dataset versions as the catalog records them: listed, looked up, and which one a reader may
read. How a version is made (a load, a restore) is :mod:`statedata.catalog.loads`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import resource_of
from statedata.catalog.models import Dataset, DatasetVersion
from statedata.core.config import Settings
from statedata.core.errors import NotFound
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, decide
from statedata.storage.duck import Relation, engine_for
from statedata.storage.schema import Column


def current_columns(dataset: Dataset) -> list[Column]:
    return [Column(f["name"], f.get("storageType", "VARCHAR")) for f in dataset.dictionary]


def list_versions(session: Session, *, dataset: Dataset) -> list[DatasetVersion]:
    """Versions newest first (the caller has checked the dataset is visible)."""
    query = (
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset.id)
        .order_by(DatasetVersion.number.desc())
    )
    return list(session.scalars(query))


def get_version(session: Session, *, dataset: Dataset, number: int | None) -> DatasetVersion:
    """A version by number; None means the current one."""
    wanted = dataset.current_version if number is None else number
    version = session.scalar(
        select(DatasetVersion).where(
            DatasetVersion.dataset_id == dataset.id, DatasetVersion.number == wanted
        )
    )
    if version is None:
        raise NotFound(
            f"Dataset {dataset.public_id} has no version {wanted}."
            if wanted
            else f"Dataset {dataset.public_id} has no data yet."
        )
    return version


def readable_version(
    session: Session, *, actor: Actor, dataset: Dataset, number: int | None
) -> DatasetVersion:
    """A version whose rows the actor may read (who may read the dataset was decided already):
    a blocked version's rows were never published, so only those who edit the dataset see them,
    to find what to fix."""
    version = get_version(session, dataset=dataset, number=number)
    if (
        version.status == "blocked"
        and not decide(actor, Action.EDIT_DATASET, resource_of(dataset)).allowed
    ):
        raise NotFound(
            f"Dataset {dataset.public_id}'s version {version.number} was not published "
            "(it broke a quality rule)."
        )
    return version


def version_relation(
    settings: Settings, dataset: Dataset, version: DatasetVersion, masked: dict[str, str]
) -> Relation:
    """Where a version's rows are: the store's version, or a blocked version's held files."""
    engine = engine_for(settings)
    if version.held is None:
        return engine.relation(dataset.public_id, version.store_version, masked=masked)
    return engine.staged_relation(
        dataset.public_id,
        base=version.held.get("base"),
        files=list(version.held.get("files", [])),
        mode=version.held.get("mode", "replace"),
        primary_key=version.held.get("primary_key"),
        masked=masked,
    )
