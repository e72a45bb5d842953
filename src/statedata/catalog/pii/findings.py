"""Personal information found on load: suggestions kept per column, the steward's decisions.

Every load samples the stored rows and proposes the columns whose names or values suggest a
personal-information category (:mod:`statedata.standards.pii`). A steward confirms a proposal,
which tags the column in the dictionary (so the data API masks it for those who may not see
it), or dismisses it; either way a later load does not propose it again. A dataset with
confirmed personal information cannot be public: confirming one on a public dataset makes it
confidential at once, and :func:`statedata.catalog.datasets.update_metadata` refuses to make it
public again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import RESOURCE_TYPE, get_dataset_for_edit, store_dictionary
from statedata.catalog.models import Dataset, PiiFinding
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import utcnow
from statedata.core.errors import InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.policy import Classification
from statedata.standards.columns import tagged_columns
from statedata.standards.pii import suggest
from statedata.storage.duck import Relation, engine_for
from statedata.storage.quoting import quoted
from statedata.storage.schema import Column

SAMPLE_ROWS = 1_000
DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}


def _sample(settings: Settings, relation: Relation, names: list[str]) -> list[tuple[Any, ...]]:
    engine = engine_for(settings)
    listed = ", ".join(quoted(n) for n in names)
    with engine.job_cursor(relation) as cursor:
        sql = f"SELECT {listed} FROM {relation.name} LIMIT {SAMPLE_ROWS}"  # noqa: S608
        return cursor.execute(sql).fetchall()


def propose_pii(
    session: Session,
    *,
    settings: Settings,
    dataset: Dataset,
    version_number: int,
    relation: Relation,
    columns: list[Column],
) -> list[PiiFinding]:
    """Propose what the first rows of a load suggest (``relation``: its rows, staged or
    stored); returns the new proposals.

    Columns a load added beside a tagged one (``ssn_std``) are not proposed: they share their
    raw column's category (:func:`datasets.store_dictionary`).
    """
    added = {
        name
        for t in tagged_columns(dataset.dictionary, [c.name for c in columns])
        for name in t.added
    }
    names = [c.name for c in columns if c.name not in added]
    if not names:
        return []
    rows = _sample(settings, relation, names)
    sampled = [(name, [row[i] for row in rows]) for i, name in enumerate(names)]
    known = {
        (f.column_name, f.category)
        for f in session.scalars(select(PiiFinding).where(PiiFinding.dataset_id == dataset.id))
    }
    tagged = {f["name"]: f.get("piiCategory") for f in dataset.dictionary}
    new = []
    for suggestion in suggest(sampled):
        key = (suggestion.column, suggestion.category)
        if key in known or tagged.get(suggestion.column) == suggestion.category:
            continue
        finding = PiiFinding(
            dataset_id=dataset.id,
            column_name=suggestion.column,
            category=suggestion.category,
            evidence=suggestion.evidence[:300],
            share=suggestion.share,
            version_number=version_number,
            status="proposed",
            decided_by_name="",
        )
        session.add(finding)
        new.append(finding)
    session.flush()
    return new


def finding_out(finding: PiiFinding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "column": finding.column_name,
        "category": finding.category,
        "evidence": finding.evidence,
        "share": finding.share,
        "version": finding.version_number,
        "status": finding.status,
        "decided_by": finding.decided_by_name or None,
        "decided_at": finding.decided_at.isoformat() if finding.decided_at else None,
    }


def findings_of(session: Session, *, actor: Actor, ref: str) -> list[PiiFinding]:
    """A dataset's findings, proposals first (for those who may edit it)."""
    return dataset_findings(session, get_dataset_for_edit(session, actor=actor, ref=ref))


def dataset_findings(session: Session, dataset: Dataset) -> list[PiiFinding]:
    found = session.scalars(select(PiiFinding).where(PiiFinding.dataset_id == dataset.id))
    order = {"proposed": 0, "confirmed": 1, "dismissed": 2}
    return sorted(found, key=lambda f: (order.get(f.status, 3), f.column_name, f.category))


def decide_finding(
    session: Session, *, actor: Actor, ref: str, finding_id: int, decision: Any
) -> PiiFinding:
    """Confirm or dismiss a finding; confirming tags the column and keeps the dataset private."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    if decision not in DECISIONS:
        raise InvalidInput(f"decision: {decision!r} is not one of confirm, dismiss.")
    finding = session.get(PiiFinding, finding_id)
    if finding is None or finding.dataset_id != dataset.id:
        raise NotFound(f"Dataset {dataset.public_id} has no finding {finding_id}.")
    finding.status = DECISIONS[decision]
    finding.decided_by_name = actor.username
    finding.decided_at = utcnow()
    detail: dict[str, Any] = {"column": finding.column_name, "category": finding.category}
    if finding.status == "confirmed":
        fields = [dict(f) for f in dataset.dictionary]
        for field in fields:
            if field["name"] == finding.column_name:
                field["piiCategory"] = finding.category
        store_dictionary(dataset, fields)
        if dataset.classification == Classification.PUBLIC.value:
            dataset.classification = Classification.CONFIDENTIAL.value
            detail["classification"] = "public -> confidential"
    record_event(
        session,
        actor=actor,
        action=f"dataset.pii_{finding.status}",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail=detail,
    )
    session.flush()
    return finding
