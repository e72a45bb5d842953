"""The one way to read a dataset's rows: :func:`open_reading`.

Every path that returns rows or anything computed from them (the data API's pages, downloads and
facets, Socrata and CKAN, old versions, the dataset page's table, summaries, chart and map, column
profiles, the SQL workspace, extracts, releases, the person index's loads) opens a
:class:`Reading` first. Opening one

1. finds the dataset (one the actor may not see is not found),
2. asks the policy whether the actor may read its rows, with the actor's live grants, which
   writes the audit event of every non-public read, once,
3. chooses the version (a blocked one only for those who edit the dataset),
4. works out the personal-information columns the actor reads masked, and
5. counts the use (an API call or a download) for the open data measures.

The reading's relation is a view that shows the masked columns as nulls, so any statement
written over ``reading.relation.name`` gets no masked value, whatever it selects, filters,
groups or counts; the SoQL compiler also refuses to name them, so a filter cannot probe them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import check_visible, find_dataset, resource_of, visible_to
from statedata.catalog.models import Dataset, DatasetVersion
from statedata.catalog.versions import readable_version, version_relation
from statedata.core.config import Settings
from statedata.identity.actor import Actor
from statedata.identity.grants import live_grants
from statedata.identity.policy import Action, Grant, authorize, decide, masked_columns
from statedata.query.geo import GeoColumns, geo_columns
from statedata.query.usage import count_use
from statedata.storage.duck import QueryEngine, Relation, engine_for
from statedata.storage.schema import Column

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds


class Use(StrEnum):
    """What a reading is for, as the usage measures count it."""

    API = "api"  # a page of rows, facets, a profile, an old version's rows
    DOWNLOAD = "download"  # a whole result as a file
    PAGE = "page"  # the dataset page (its view is counted once by the page itself)
    INTERNAL = "internal"  # the platform's own work for someone: extracts, releases, the index


@dataclass(frozen=True)
class Reading:
    """A version the actor may read, with the columns they read masked cut in its relation."""

    dataset: Dataset
    version: DatasetVersion
    columns: list[Column]
    masked: frozenset[str]
    geo: GeoColumns | None
    engine: QueryEngine
    relation: Relation

    @property
    def etag_base(self) -> str:
        return f"{self.dataset.public_id}:{self.version.number}:{self.version.store_version}:{sorted(self.masked)}"

    @property
    def last_modified(self) -> datetime:
        return self.version.created_at

    @property
    def shown_columns(self) -> list[Column]:
        """Columns whose values the reader sees."""
        return [c for c in self.columns if c.name not in self.masked]

    def arrow(self) -> ds.Dataset:
        """The version as an Arrow dataset without its masked columns (the SQL workspace
        registers it in a sandbox, where the columns then do not exist under any name)."""
        arrow = self.engine.arrow_dataset(self.dataset.public_id, self.version.store_version)
        if not self.masked:
            return arrow
        kept = [f for f in arrow.schema if f.name not in self.masked]
        return arrow.replace_schema(pa.schema(kept))


def pii_columns(dataset: Dataset) -> frozenset[str]:
    """Columns the dictionary tags with a personal-information category."""
    return frozenset(
        f["name"] for f in dataset.dictionary if f.get("piiCategory") not in (None, "", "none")
    )


def _grants(session: Session, actor: Actor, dataset: Dataset) -> tuple[Grant, ...]:
    # Grants matter for a non-public dataset's rows and for a dataset's personal columns.
    if actor.user_id is None or actor.is_system:
        return ()
    if dataset.classification == "public" and not pii_columns(dataset):
        return ()
    return live_grants(session, actor)


def masked_for(session: Session, actor: Actor, dataset: Dataset) -> frozenset[str]:
    """The personal columns this actor reads masked in ``dataset`` (listing columns, no read)."""
    grants = _grants(session, actor, dataset)
    return masked_columns(actor, resource_of(dataset), pii_columns(dataset), grants)


def may_read(session: Session, actor: Actor, dataset: Dataset) -> bool:
    """Whether the actor may read the dataset's rows (for pages deciding what to offer; the
    reading itself still asks, and audits)."""
    grants = _grants(session, actor, dataset)
    return decide(actor, Action.READ_DATASET, resource_of(dataset), grants).allowed


def open_reading(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    ref: str,
    use: Use,
    version: int | None = None,
) -> Reading:
    """The version to read (the current one when ``version`` is None), refused (and audited)
    by the policy when the actor may not read it, and audited once when it is not public."""
    dataset = find_dataset(session, ref=ref)
    grants = _grants(session, actor, dataset)  # read once, for seeing, reading and masking
    check_visible(session, actor=actor, dataset=dataset, grants=grants, ref=ref)
    resource = resource_of(dataset)
    authorize(session, actor=actor, action=Action.READ_DATASET, resource=resource, grants=grants)
    chosen = readable_version(session, actor=actor, dataset=dataset, number=version)
    columns = [Column(c["name"], c["type"]) for c in chosen.columns]
    names = {c.name for c in columns}
    masked = masked_columns(actor, resource, pii_columns(dataset) & names, grants)
    engine = engine_for(settings)
    hidden = {c.name: c.type for c in columns if c.name in masked}
    relation = version_relation(settings, dataset, chosen, hidden)
    if use in (Use.API, Use.DOWNLOAD):
        count_use(settings, dataset.id, use.value)
    return Reading(
        dataset=dataset,
        version=chosen,
        columns=columns,
        masked=masked,
        geo=geo_columns([c for c in columns if c.name not in masked]),
        engine=engine,
        relation=relation,
    )


def readable_datasets(session: Session, *, actor: Actor) -> list[Dataset]:
    """Datasets with data whose rows the actor may read (a list of names, not a read)."""
    grants = live_grants(session, actor) if actor.user_id is not None else ()
    candidates = session.scalars(
        select(Dataset)
        .where(visible_to(session, actor), Dataset.current_version.is_not(None))
        .order_by(Dataset.slug)
    )
    return [
        d for d in candidates if decide(actor, Action.READ_DATASET, resource_of(d), grants).allowed
    ]


def fetch_rows(
    reading: Reading, sql: str, params: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    """A background job's statement over ``reading.relation`` (no query slot, no time limit)."""
    with reading.engine.job_cursor(reading.relation) as cursor:
        return cursor.execute(sql, params or []).fetchall()
