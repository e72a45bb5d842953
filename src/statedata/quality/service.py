"""What stewards and readers ask of data quality: a dataset's rules, its versions' reports, its trend.

Anyone who may see a dataset sees its rules, scores and counts. Sample values are shown only to
those who may edit the dataset: they may hold personal information, and a blocked version's rows
were never published. Column profiles show values too (ranges, top values), so only those who may
read the rows see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import (
    RESOURCE_TYPE,
    get_dataset,
    get_dataset_for_edit,
    may,
    resource_of,
)
from statedata.catalog.models import Dataset, DatasetVersion
from statedata.catalog.versions import get_version
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.errors import NotFound
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, authorize
from statedata.quality.checks.reference import Reference
from statedata.quality.dictionary_rules import checked_own_rules, dictionary_rules
from statedata.quality.models import VersionReport
from statedata.quality.reports import (
    check_rows,
    report_of,
    report_out,
    save_report,
)
from statedata.quality.rules import parse_rules, rule_types
from statedata.quality.trend import TrendPoint
from statedata.query.reading import Reading, Use, open_reading
from statedata.storage.duck import engine_for
from statedata.storage.schema import Column


def _described(rule: Any) -> dict[str, Any]:
    return {**rule.as_dict(), "description": rule.describe()}


def rules_of(session: Session, *, actor: Actor, ref: str) -> dict[str, Any]:
    """The rules every new version of the dataset must pass: the dictionary's and its own."""
    return rules_out(get_dataset(session, actor=actor, ref=ref))


def rules_out(dataset: Dataset) -> dict[str, Any]:
    """A visible dataset's rules, for the API and the quality page."""
    return {
        "dataset": dataset.public_id,
        "from_dictionary": [
            _described(r) for r in dictionary_rules(dataset.dictionary, dataset.primary_key)
        ],
        "rules": [_described(r) for r in parse_rules(dataset.quality_rules)],
        "types": sorted(rule_types()),
    }


def update_rules(session: Session, *, actor: Actor, ref: str, rules: Any) -> Dataset:
    """Replace the dataset's own rules; each is checked, and a referenced dataset must be one the
    steward may read (a check would otherwise tell them what it holds)."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    checked = checked_own_rules(rules, dataset.dictionary)
    for rule in checked:
        if isinstance(rule, Reference):
            target = get_dataset(session, actor=actor, ref=rule.dataset)
            authorize(
                session, actor=actor, action=Action.READ_DATASET, resource=resource_of(target)
            )
    saved = [rule.as_dict() for rule in checked]
    dataset.quality_rules = saved
    record_event(
        session,
        actor=actor,
        action="dataset.quality_rules",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"rules": [r["type"] for r in saved]},
    )
    return dataset


def recheck_current(
    session: Session, *, actor: Actor, settings: Settings, ref: str
) -> VersionReport:
    """Check the published version against today's rules (after the steward changed them); the
    version stays published whatever the check finds, and its report is replaced."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    version = get_version(session, dataset=dataset, number=None)
    previous = session.scalar(
        select(DatasetVersion)
        .where(
            DatasetVersion.dataset_id == dataset.id,
            DatasetVersion.number < version.number,
            DatasetVersion.status == "published",
        )
        .order_by(DatasetVersion.number.desc())
    )
    report = check_rows(
        session,
        settings=settings,
        dataset=dataset,
        relation=engine_for(settings).relation(dataset.public_id, version.store_version),
        columns=[Column(c["name"], c["type"]) for c in version.columns],
        current=previous,
    )
    old = report_of(session, version)
    if old is not None:
        session.delete(old)
        session.flush()
    saved = save_report(session, version=version, report=report)
    saved.blocked = False  # published before these rules; the gate applies to new versions
    session.flush()
    return saved


def shown_profile(profile: list[dict[str, Any]], masked: frozenset[str]) -> list[dict[str, Any]]:
    """Column profiles as a reader sees them: a masked column keeps its name and type, and
    nothing computed from its values (not even how many are empty or distinct)."""
    return [
        {"name": p["name"], "type": p.get("type"), "rows": p.get("rows"), "masked": True}
        if p["name"] in masked
        else p
        for p in profile
    ]


@dataclass(frozen=True)
class DatasetQuality:
    """A dataset's quality for its page and API."""

    dataset: Dataset
    current: VersionReport | None
    held_back: tuple[DatasetVersion, VersionReport] | None  # newest version, blocked
    trend: list[TrendPoint]
    may_see_samples: bool
    # Profiles show values (ranges, top values): only through a reading of the published version,
    # which decided (and audited) the read and knows what the reader sees masked.
    reading: Reading | None = None

    @property
    def profile(self) -> list[dict[str, Any]]:
        """The published version's column profiles, as the reading's reader may see them."""
        if self.reading is None or self.current is None:
            return []
        if self.reading.version.number != self.dataset.current_version:
            return []
        return shown_profile(list(self.current.profile or []), self.reading.masked)

    def as_dict(self) -> dict[str, Any]:
        samples = self.may_see_samples
        base = f"/api/v1/datasets/{self.dataset.public_id}"
        held = None
        if self.held_back is not None:
            version, report = self.held_back
            held = {"version": version.number, **report_out(report, with_samples=samples)}
        return {
            "dataset": self.dataset.public_id,
            "current_version": self.dataset.current_version or None,
            "current": report_out(self.current, with_samples=samples) if self.current else None,
            "held_back": held,
            "trend": [vars(point) for point in self.trend],
            "links": {
                "rules": f"{base}/quality/rules",
                "profile": f"{base}/profile",
                "self": f"{base}/quality",
            },
        }


def quality_of(session: Session, *, actor: Actor, ref: str) -> DatasetQuality:
    """The published version's report, a newer blocked version's if any, and the score of every
    checked version."""
    return dataset_quality(session, actor=actor, dataset=get_dataset(session, actor=actor, ref=ref))


def dataset_quality(
    session: Session, *, actor: Actor, dataset: Dataset, reading: Reading | None = None
) -> DatasetQuality:
    """:func:`quality_of` for a dataset the caller has already looked up as ``actor``; with the
    ``reading`` of its published version, its profiles too."""
    rows = session.execute(
        select(DatasetVersion, VersionReport)
        .join(VersionReport, VersionReport.version_id == DatasetVersion.id, isouter=True)
        .where(DatasetVersion.dataset_id == dataset.id)
        .order_by(DatasetVersion.number)
    ).all()
    current = held_back = None
    trend = []
    for version, report in rows:
        if version.number == dataset.current_version:
            current = report
        trend.append(
            TrendPoint(
                number=version.number,
                status=version.status,
                rows=version.rows,
                score=report.score if report is not None else None,
                created_at=version.created_at.isoformat(),
            )
        )
    if rows:
        newest, report = rows[-1]
        if newest.status == "blocked" and report is not None:
            held_back = (newest, report)
    return DatasetQuality(
        dataset=dataset,
        current=current,
        held_back=held_back,
        trend=trend,
        may_see_samples=may(actor, Action.EDIT_DATASET, dataset),
        reading=reading,
    )


def version_quality(session: Session, *, actor: Actor, ref: str, number: int) -> dict[str, Any]:
    """One version's report."""
    dataset = get_dataset(session, actor=actor, ref=ref)
    version = get_version(session, dataset=dataset, number=number)
    report = report_of(session, version)
    if report is None:
        raise NotFound(
            f"Version {number} of {dataset.public_id} was not checked (it was loaded before versions were checked)."
        )
    samples = may(actor, Action.EDIT_DATASET, dataset)
    return {"version": number, "status": version.status, **report_out(report, with_samples=samples)}


def version_profile(
    session: Session, *, actor: Actor, settings: Settings, ref: str, number: int | None = None
) -> dict[str, Any]:
    """A version's column profiles (the current version's when ``number`` is None). Profiles
    show values, so they are read as rows are: through a reading, which decides, audits and
    masks; a blocked version's only editors see."""
    reading = open_reading(
        session, actor=actor, settings=settings, ref=ref, use=Use.API, version=number
    )
    dataset, version = reading.dataset, reading.version
    report = report_of(session, version)
    if report is None or not report.profile:
        raise NotFound(
            f"Version {version.number} of {dataset.public_id} has no profile "
            "(it was loaded before versions were profiled)."
        )
    return {
        "dataset": dataset.public_id,
        "version": version.number,
        "status": version.status,
        "rows": report.rows,
        "masked": sorted(reading.masked),
        "columns": shown_profile(list(report.profile), reading.masked),
    }
