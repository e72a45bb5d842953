"""Which of the person index's sources an actor reads the records of.

The index holds every agency's people side by side; the policy (``person_source_visible``)
decides, source by source, who reads what a record says. Everything that shows records (a
person, the review queue, a pair, a decision, a real-time match) asks :func:`source_access`
once and shows the rest only as "a record at this agency".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import resource_of
from statedata.catalog.models import Dataset
from statedata.identity.actor import Actor
from statedata.identity.grants import live_grants
from statedata.identity.policy import person_source_visible
from statedata.linkage.models import LinkageSource

UNKNOWN_AGENCY = "an agency"  # a source no catalog dataset stands behind


@dataclass(frozen=True)
class SourceAccess:
    everything: bool
    shown: frozenset[str]  # the names of the sources whose records the actor reads
    agencies: dict[str, str]  # each configured source's name -> its agency's name

    def shows(self, source: str) -> bool:
        return self.everything or source in self.shown

    def agency_of(self, source: str) -> str:
        return self.agencies.get(source, UNKNOWN_AGENCY)

    @property
    def sources(self) -> frozenset[str] | None:
        """The sources to read, or None for every source (a filter for queries)."""
        return None if self.everything else self.shown


def source_access(session: Session, actor: Actor) -> SourceAccess:
    """The sources whose records ``actor`` reads, decided by the policy for each."""
    configured = session.execute(
        select(LinkageSource, Dataset).join(Dataset, Dataset.id == LinkageSource.dataset_id)
    ).all()
    agencies = {source.name: dataset.agency.name for source, dataset in configured}
    everything = person_source_visible(actor, None, frozenset())
    if everything:
        return SourceAccess(True, frozenset(agencies), agencies)
    grants = live_grants(session, actor)
    shown = frozenset(
        source.name
        for source, dataset in configured
        if person_source_visible(actor, resource_of(dataset), _read_columns(source), grants)
    )
    return SourceAccess(False, shown, agencies)


def _read_columns(source: LinkageSource) -> frozenset[str]:
    """The source's columns the index reads: every one of them is about a person."""
    return frozenset(column for columns in source.mapping.values() for column in columns) | {
        source.id_column
    }
