"""Check a version's rows against its dataset's rules, and keep what the check found.

A load calls :func:`check_rows` on the rows it staged, before the table store commits anything;
the load pipeline (:mod:`statedata.catalog.loads`) decides from the report whether the rows are
committed and published or held back as a blocked version. Rules compare with the dataset's
current version (row-count change, drift) through what that version's report remembered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from statedata.catalog.dictionary import synced_fields
from statedata.catalog.models import Dataset, DatasetVersion
from statedata.core.config import Settings
from statedata.quality.checks.reference import Reference
from statedata.quality.dictionary_rules import dataset_rules
from statedata.quality.models import VersionReport
from statedata.quality.profile import finish, first_pass
from statedata.quality.rules import CheckContext, PreviousVersion, Rule
from statedata.quality.runner import CheckReport, merged_report, run_checks
from statedata.storage.duck import Relation, engine_for
from statedata.storage.schema import Column


@dataclass(frozen=True)
class _Referenced:
    relations: dict[tuple[str, str], Relation]
    unknown: dict[tuple[str, str], str]  # why a reference cannot be checked


def _referenced(session: Session, settings: Settings, rules: list[Rule]) -> _Referenced:
    relations, unknown = {}, {}
    for rule in rules:
        if not isinstance(rule, Reference):
            continue
        wanted = (rule.dataset, rule.to_column)
        target = session.scalar(
            select(Dataset).where(
                or_(Dataset.public_id == rule.dataset, Dataset.slug == rule.dataset)
            )
        )
        if target is None or not target.current_version:
            unknown[wanted] = f"dataset {rule.dataset} has no published version to refer to"
            continue
        version = session.scalar(
            select(DatasetVersion).where(
                DatasetVersion.dataset_id == target.id,
                DatasetVersion.number == target.current_version,
            )
        )
        assert version is not None
        if rule.to_column not in {c["name"] for c in version.columns}:
            unknown[wanted] = f"dataset {rule.dataset} has no column {rule.to_column!r}"
            continue
        relations[wanted] = engine_for(settings).relation(target.public_id, version.store_version)
    return _Referenced(relations, unknown)


def report_of(session: Session, version: DatasetVersion | None) -> VersionReport | None:
    """What the check of ``version`` found (None: not checked, or no version)."""
    if version is None:
        return None
    return session.scalar(select(VersionReport).where(VersionReport.version_id == version.id))


def check_rows(
    session: Session,
    *,
    settings: Settings,
    dataset: Dataset,
    relation: Relation,
    columns: list[Column],
    current: DatasetVersion | None,
    today: date | None = None,
) -> CheckReport:
    """Every rule of ``dataset`` over a version's rows (staged or stored) in one pass, which
    also gathers the aggregates of the version's profile; one more pass completes the profile.

    Args:
        relation: the rows, as the query engine reads them.
        columns: the rows' columns (the dictionary is matched to them first).
        current: the dataset's published version, which version rules compare with.
    """
    fields = synced_fields(dataset.dictionary, columns)
    rules = dataset_rules(fields, dataset.primary_key, dataset.quality_rules)
    referenced = _referenced(session, settings, rules)
    unusable = {
        index: f"cannot run: {referenced.unknown[(rule.dataset, rule.to_column)]}"
        for index, rule in enumerate(rules)
        if isinstance(rule, Reference) and (rule.dataset, rule.to_column) in referenced.unknown
    }
    runnable = [rule for index, rule in enumerate(rules) if index not in unusable]
    previous = None
    report_of_current = report_of(session, current)
    if current is not None:
        remembered = report_of_current.remembered if report_of_current is not None else {}
        previous = PreviousVersion(rows=current.rows, measures=remembered)
    context = CheckContext(
        columns={c.name: c for c in columns},
        today=today or date.today(),
        previous=previous,
        reference=lambda name, column: referenced.relations[(name, column)].name,
    )
    engine = engine_for(settings)
    profiled = first_pass(columns)
    with engine.job_cursor(relation, *referenced.relations.values()) as cursor:
        report = run_checks(
            cursor, relation.name, runnable, context, skip_unfit=True, also=profiled
        )
        tagged = {f["name"]: f["standardElement"] for f in fields if f.get("standardElement")}
        report.profile = finish(
            cursor, relation.name, columns, report.rows, report.also, elements=tagged
        )
    return merged_report(rules, report, unusable) if unusable else report


def save_report(session: Session, *, version: DatasetVersion, report: CheckReport) -> VersionReport:
    """Keep what the check found beside the version (blocked versions too)."""
    saved = VersionReport(
        version_id=version.id,
        dataset_id=version.dataset_id,
        rows=report.rows,
        score=report.score,
        blocked=bool(report.blocking),
        results=[result.as_dict() for result in report.results],
        remembered=report.remembered(),
        profile=report.profile,
        elapsed_ms=round(report.elapsed_ms, 1),
    )
    session.add(saved)
    return saved


def blocking_summary(report: CheckReport) -> str:
    """One sentence for the steward: which error rules broke, on how many rows."""
    parts = [
        f"{r.rule.describe().rstrip('.')} ({r.violations:,} row{'s' if r.violations != 1 else ''})"
        if r.rule.counts_rows
        else f"{r.rule.describe().rstrip('.')} ({r.detail})"
        for r in report.blocking
    ]
    return "quality gate: " + "; ".join(parts)


def report_out(saved: VersionReport, *, with_samples: bool) -> dict[str, Any]:
    """A saved report for the API and pages; samples only for those who may see the raw rows."""
    results = []
    for result in saved.results:
        shown = dict(result)
        if not with_samples:
            shown.pop("samples", None)
        results.append(shown)
    return {
        "rows": saved.rows,
        "score": saved.score,
        "blocked": saved.blocked,
        "results": results,
        "elapsed_ms": saved.elapsed_ms,
        "checked_at": saved.checked_at.isoformat(),
    }
