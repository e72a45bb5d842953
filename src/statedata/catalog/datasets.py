"""Datasets in the catalog: create, find, read and edit their metadata, with access asked of the policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from statedata.catalog.dictionary import checked_primary_key, edited_fields, table_schema
from statedata.catalog.identifiers import is_public_id, new_public_id, slugify
from statedata.catalog.models import Dataset, PiiFinding
from statedata.catalog.schemas import DatasetMetadata, parse_metadata
from statedata.catalog.vocabulary import DatasetStatus, next_pull_time
from statedata.core.audit import record_event, record_refusal
from statedata.core.db import utcnow
from statedata.core.errors import InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.agencies import get_agency_by_code
from statedata.identity.grants import live_grants
from statedata.identity.models import Agency, User
from statedata.identity.policy import (
    DATASET,
    Action,
    CatalogColumns,
    Classification,
    DatasetVisibility,
    Grant,
    Resource,
    authorize,
    dataset_visibility,
    decide,
)
from statedata.standards.columns import with_inherited_pii

RESOURCE_TYPE = DATASET


def is_released(dataset: Dataset) -> bool:
    """Published, or retired and still within its notice period."""
    if dataset.status == DatasetStatus.PUBLISHED:
        return True
    if dataset.status == DatasetStatus.RETIRED and dataset.private_after is not None:
        return utcnow() < dataset.private_after
    return False


def resource_of(dataset: Dataset) -> Resource:
    """The dataset as the policy sees it."""
    return Resource(
        type=RESOURCE_TYPE,
        id=dataset.public_id,
        agency_id=dataset.agency_id,
        owner_user_id=dataset.review_requested_by_user_id,
        classification=Classification(dataset.classification),
        released=is_released(dataset),
    )


def released_clause() -> ColumnElement[bool]:
    """SQL for :func:`is_released`."""
    return or_(
        Dataset.status == DatasetStatus.PUBLISHED,
        and_(Dataset.status == DatasetStatus.RETIRED, Dataset.private_after > utcnow()),
    )


def visible_clause(visibility: DatasetVisibility) -> ColumnElement[bool]:
    """The policy's visibility rule over the catalog table, so lists and counts show only what
    may be seen."""
    return visibility.as_sql(
        CatalogColumns(
            public_id=Dataset.public_id,
            agency_id=Dataset.agency_id,
            classification=Dataset.classification,
            released=released_clause(),
        )
    )


def visible_to(session: Session, actor: Actor) -> ColumnElement[bool]:
    """SQL for "this actor may see this catalog entry", the actor's live grants included."""
    return visible_clause(dataset_visibility(actor, live_grants(session, actor)))


def store_dictionary(dataset: Dataset, fields: list[dict[str, Any]]) -> None:
    """Set the dataset's dictionary; every write goes through here, so that a column standardized
    from a personal one is always as personal (``ssn_std`` as ``ssn``), whatever was asked."""
    dataset.dictionary = with_inherited_pii(fields)


def grouped_by_agency(datasets: Iterable[Dataset]) -> list[tuple[Agency, list[Dataset]]]:
    """The datasets of each agency, in their order, agencies by name (for statewide views)."""
    grouped: dict[int, tuple[Agency, list[Dataset]]] = {}
    for dataset in datasets:
        grouped.setdefault(dataset.agency_id, (dataset.agency, []))[1].append(dataset)
    return sorted(grouped.values(), key=lambda pair: pair[0].name)


def find_dataset(session: Session, *, ref: str) -> Dataset:
    """A dataset by public id or slug, without an access check (callers check)."""
    column = Dataset.public_id if is_public_id(ref) else Dataset.slug
    dataset = session.scalar(select(Dataset).where(column == ref))
    if dataset is None:
        raise NotFound(f"No dataset is called {ref!r}.")
    return dataset


def get_dataset(session: Session, *, actor: Actor, ref: str) -> Dataset:
    """A dataset the actor may see; one they may not see is reported as not found (no leak)."""
    dataset = find_dataset(session, ref=ref)
    # a grant (an extract made for its holder) shows the entry beyond the usual visibility
    grants = live_grants(session, actor) if not resource_of(dataset).is_public else ()
    check_visible(session, actor=actor, dataset=dataset, grants=grants, ref=ref)
    return dataset


def check_visible(
    session: Session, *, actor: Actor, dataset: Dataset, grants: tuple[Grant, ...], ref: str
) -> None:
    """Report a dataset the actor, holding ``grants``, may not see as not found (refusal
    audited), for callers that read the actor's grants already."""
    if not decide(actor, Action.READ_METADATA, resource_of(dataset), grants).allowed:
        record_refusal(
            session,
            actor=actor,
            action=Action.READ_METADATA.value,
            resource_type=RESOURCE_TYPE,
            resource_id=dataset.public_id,
            detail={"reason": "not visible"},
        )
        raise NotFound(f"No dataset is called {ref!r}.")


def get_dataset_for_edit(session: Session, *, actor: Actor, ref: str) -> Dataset:
    dataset = get_dataset(session, actor=actor, ref=ref)
    authorize(session, actor=actor, action=Action.EDIT_DATASET, resource=resource_of(dataset))
    return dataset


def may(actor: Actor, action: Action, dataset: Dataset) -> bool:
    """Whether a page should offer an action (the action itself still asks :func:`authorize`)."""
    return decide(actor, action, resource_of(dataset)).allowed


def _unused_public_id(session: Session) -> str:
    while True:
        candidate = new_public_id()
        if session.scalar(select(Dataset.id).where(Dataset.public_id == candidate)) is None:
            return candidate


def _unused_slug(session: Session, title: str, *, keep: Dataset | None = None) -> str:
    base = slugify(title)
    if is_public_id(base):
        base += "-data"
    slug, counter = base, 2
    while True:
        owner = session.scalar(select(Dataset).where(Dataset.slug == slug))
        if owner is None or owner is keep:
            return slug
        slug, counter = f"{base}-{counter}", counter + 1


def _steward(session: Session, metadata: DatasetMetadata, agency_id: int) -> int | None:
    if not metadata.steward_username:
        return None
    user = session.scalar(select(User).where(User.username == metadata.steward_username))
    if user is None:
        raise InvalidInput(f"steward_username: no user is called {metadata.steward_username!r}.")
    if user.agency_id != agency_id:
        raise InvalidInput(
            f"steward_username: {user.username!r} does not work for this dataset's agency."
        )
    return user.id


def _apply(session: Session, dataset: Dataset, metadata: DatasetMetadata, fields: set[str]) -> None:
    for name in fields:
        if name == "steward_username":
            dataset.steward_user_id = _steward(session, metadata, dataset.agency_id)
        else:
            value = getattr(metadata, name)
            setattr(dataset, name, value.value if hasattr(value, "value") else value)


def create_dataset(
    session: Session, *, actor: Actor, agency_code: str | None, data: dict[str, Any]
) -> Dataset:
    """Add a draft dataset for an agency (the actor's own unless they are an admin).

    Args:
        agency_code: the owning agency; None means the actor's agency.
        data: metadata fields (see :class:`DatasetMetadata`); a title is required.
    """
    metadata = parse_metadata(data)
    if agency_code:
        agency_id = get_agency_by_code(session, code=agency_code).id
    elif actor.agency_id is not None:
        agency_id = actor.agency_id
    else:
        raise InvalidInput("agency: name the agency that holds this dataset.")
    authorize(
        session,
        actor=actor,
        action=Action.CREATE_DATASET,
        resource=Resource(type=RESOURCE_TYPE, agency_id=agency_id),
    )
    dataset = Dataset(
        public_id=_unused_public_id(session),
        slug=_unused_slug(session, metadata.title),
        agency_id=agency_id,
        created_by_user_id=actor.user_id,
        status=DatasetStatus.DRAFT.value,
    )
    _apply(session, dataset, metadata, set(DatasetMetadata.model_fields))
    if dataset.steward_user_id is None and actor.user_id is not None:
        dataset.steward_user_id = actor.user_id
    session.add(dataset)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="dataset.create",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"title": dataset.title},
    )
    return dataset


def _refuse_public_with_pii(session: Session, dataset: Dataset) -> None:
    confirmed = list(
        session.scalars(
            select(PiiFinding).where(
                PiiFinding.dataset_id == dataset.id, PiiFinding.status == "confirmed"
            )
        )
    )
    if confirmed:
        listed = ", ".join(f"{f.column_name} ({f.category})" for f in confirmed)
        raise InvalidInput(
            f"classification: this dataset has confirmed personal information in {listed}, so "
            "it cannot be public; publish an aggregate or a de-identified copy instead."
        )


def update_metadata(session: Session, *, actor: Actor, ref: str, data: dict[str, Any]) -> Dataset:
    """Change the fields sent; the public id never changes, the slug follows a new title."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    metadata = parse_metadata(data, partial=True)
    changed = set(metadata.model_fields_set)
    if "classification" in changed and metadata.classification is Classification.PUBLIC:
        _refuse_public_with_pii(session, dataset)
    _apply(session, dataset, metadata, changed)
    if "title" in changed:
        dataset.slug = _unused_slug(session, dataset.title, keep=dataset)
    if "update_frequency" in changed:
        schedule_next_pull(dataset)  # a source follows its dataset's new frequency from now on
    record_event(
        session,
        actor=actor,
        action="dataset.update",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"fields": sorted(changed)},
    )
    return dataset


def schedule_next_pull(dataset: Dataset) -> None:
    """Set the next pull one period from now (none without a source or a regular frequency)."""
    now = utcnow()
    has_schedule = dataset.source_kind
    dataset.next_pull_at = (
        next_pull_time(dataset.update_frequency, now, now) if has_schedule else None
    )


def update_dictionary(
    session: Session,
    *,
    actor: Actor,
    ref: str,
    fields: list[dict[str, Any]],
    primary_key: list[str] | None = None,
) -> Dataset:
    """Edit the dictionary's descriptions, constraints, PII categories and standard elements."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    store_dictionary(dataset, edited_fields(dataset.dictionary, fields))
    if primary_key is not None:
        dataset.primary_key = checked_primary_key(dataset.dictionary, primary_key)
    record_event(
        session,
        actor=actor,
        action="dataset.dictionary",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"fields": [f.get("name") for f in fields]},
    )
    return dataset


def dictionary_of(dataset: Dataset) -> dict[str, Any]:
    return table_schema(dataset.dictionary, dataset.primary_key)


def dataset_choice(dataset: Dataset) -> dict[str, Any]:
    """A dataset as a form offers it: id, title, agency, classification and column names (no
    rows), for the forms that ask for data or release from it."""
    return {
        "dataset": dataset.public_id,
        "title": dataset.title,
        "agency": dataset.agency.code,
        "classification": dataset.classification,
        "columns": [f["name"] for f in dataset.dictionary],
    }
