"""Aggregate releases: a table by group, made from a dataset the public cannot read and
published as a public dataset.

Three protections, chosen per release:

- suppressed counts: counts from 1 to the dataset's threshold are hidden, with complementary
  suppression so no hidden count can be worked out from the row and column totals
  (:mod:`statedata.privacy.suppression`);
- suppressed rates: a rate is hidden when its numerator is at or under the threshold or its
  denominator under 20;
- differentially private counts, sums or means (:mod:`statedata.privacy.dp`), each release
  charged to the dataset's privacy budget (:mod:`statedata.privacy.budgets`), and refused when
  the budget cannot pay for it.

The table is computed and protected when the release is asked for
(:mod:`statedata.privacy.release_tables`), so a refusal, or a table too large to protect, is
said at once, and only what is published is kept: a suppressed cell is stored as suppressed,
never as its count, and noise is drawn once. A job then loads the table as a new public dataset
of the source's agency and submits it for review, so a second person publishes it, as with
every dataset.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import (
    create_dataset,
    dataset_choice,
    resource_of,
    update_dictionary,
)
from statedata.catalog.lifecycle import submit_for_review
from statedata.catalog.loads.tables import load_table
from statedata.catalog.models import Dataset
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.errors import NotFound, StatedataError
from statedata.core.jobs import JobContext
from statedata.identity.actor import Actor, Role
from statedata.identity.jobs import create_job, job_actor
from statedata.identity.policy import Action, decide
from statedata.privacy.budgets import kept_dataset, privacy_row, spent
from statedata.privacy.models import DatasetPrivacy, Release
from statedata.privacy.release_spec import KIND_WORDS, TOTAL, ReleaseIn, check_spec
from statedata.privacy.release_tables import grouped, private_rows, rate_rows, suppressed_rows
from statedata.privacy.suppression import (
    DEFAULT_THRESHOLD,
    MIN_DENOMINATOR,
)
from statedata.query.reading import Use, open_reading

RELEASE_JOB = "privacy.release"


def _is_published(session: Session, release: Release) -> bool:
    if release.status != "ready" or not release.dataset_public_id:
        return False
    made = session.scalar(select(Dataset).where(Dataset.public_id == release.dataset_public_id))
    return made is not None and resource_of(made).is_public


def _may_see(session: Session, actor: Actor, release: Release) -> bool:
    if _is_published(session, release) or actor.is_system or actor.role is Role.ADMIN:
        return True
    if actor.user_id is not None and actor.user_id == release.created_by_user_id:
        return True
    source = session.get(Dataset, release.source_dataset_id)
    return source is not None and decide(actor, Action.EDIT_DATASET, resource_of(source)).allowed


def list_releases(session: Session, *, actor: Actor) -> list[Release]:
    """Published releases, and those in the making the actor keeps, newest first."""
    found = session.scalars(select(Release).order_by(Release.id.desc()))
    return [r for r in found if _may_see(session, actor, r)]


def get_release(session: Session, *, actor: Actor, release_id: int) -> Release:
    found = session.get(Release, release_id)
    if found is None or not _may_see(session, actor, found):
        raise NotFound(f"release {release_id}: there is no such release you may see.")
    return found


def release_view(release: Release, *, with_rows: bool = False) -> dict[str, Any]:
    report = dict(release.report or {})
    rows = report.pop("rows", [])
    return {
        "id": release.id,
        "title": release.title,
        "kind": release.kind,
        "what": KIND_WORDS.get(release.kind, release.kind),
        "source": release.source.public_id if release.source else None,
        "source_title": release.source.title if release.source else "",
        "agency": release.source.agency.code if release.source else "",
        "spec": release.spec,
        "threshold": release.threshold,
        "epsilon": release.epsilon,
        "method": release.method,
        "status": release.status,
        "error": release.error,
        "dataset": release.dataset_public_id,
        "report": report,
        "job": release.job_id,
        "created_by": release.created_by_name,
        "created_at": release.created_at.isoformat(),
        **({"rows": rows} if with_rows else {}),
    }


def start_release(
    session: Session, *, actor: Actor, settings: Settings, body: ReleaseIn
) -> Release:
    """Compute and protect the table, charge a private one to the budget, and record the job
    that publishes it (the caller enqueues the job)."""
    dataset = kept_dataset(session, actor=actor, ref=body.dataset)
    target = open_reading(
        session, actor=actor, settings=settings, ref=dataset.public_id, use=Use.INTERNAL
    )
    check_spec(target, body)
    groups = grouped(target, body)
    threshold: int | None = None
    if body.kind == "suppressed_rates":
        found = privacy_row(session, dataset)
        threshold = found.threshold if found else DEFAULT_THRESHOLD
        rows, report = rate_rows(groups, body, threshold)
        method = (
            f"Rates in percent of the rows meeting: {body.numerator.strip()}; suppressed where "
            f"the numerator is at or under {threshold} or the denominator under "
            f"{MIN_DENOMINATOR}."
        )
    elif body.kind == "suppressed_counts":
        found = privacy_row(session, dataset)
        threshold = found.threshold if found else DEFAULT_THRESHOLD
        rows, report = suppressed_rows(groups, body, threshold)
        method = (
            f"Counts from 1 to {threshold} suppressed, with complementary suppression so no "
            "suppressed count can be worked out from the totals; zeros shown."
        )
    else:
        assert body.epsilon is not None
        found = privacy_row(session, dataset, lock=True)  # two releases cannot both spend it
        if found is None:  # a row to lock: a second release waits on it (or fails on its key)
            found = DatasetPrivacy(dataset_id=dataset.id, threshold=DEFAULT_THRESHOLD,
                                   epsilon_budget=settings.privacy_epsilon_budget)  # fmt: skip
            session.add(found)
            session.flush()
        budget = found.epsilon_budget
        from statedata.privacy.dp import charge

        charge(dataset=f"{dataset.title} ({dataset.public_id})", budget=budget,
                  spent=spent(session, dataset), epsilon=body.epsilon)  # fmt: skip
        rows, method, report = private_rows(groups, body)
    release = Release(
        source_dataset_id=dataset.id,
        kind=body.kind,
        title=body.title.strip(),
        spec=body.model_dump(exclude={"title"}),
        threshold=threshold,
        epsilon=body.epsilon if body.kind.startswith("dp_") else None,
        method=method,
        report={**report, "rows": rows},
        created_by_user_id=actor.user_id,
        created_by_name=actor.username,
    )
    session.add(release)
    session.flush()
    release.job_id = create_job(session, actor=actor, kind=RELEASE_JOB,
                                params={"release": release.id}).id  # fmt: skip
    record_event(
        session,
        actor=actor,
        action="release.start",
        resource_type="release",
        resource_id=release.id,
        detail={
            "source": dataset.public_id,
            "kind": body.kind,
            "epsilon": body.epsilon,
            "threshold": threshold,
        },
    )
    return release


def _arrow(rows: list[dict[str, Any]], kind: str) -> pa.Table:
    names = list(rows[0])
    types = {"count": pa.int64(), "epsilon": pa.float64(), "rate": pa.float64(),
             "value": pa.int64() if kind == "dp_counts" else pa.float64()}  # fmt: skip
    return pa.table({n: pa.array([r[n] for r in rows], types.get(n, pa.string())) for n in names})


def _column_notes(release: Release, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    notes = {
        "count": f"How many; empty where suppressed (counts from 1 to {release.threshold}, and "
        "the cells hidden so they cannot be worked out from the totals).",
        "suppressed": "primary: a small count; complementary: hidden to protect a small count.",
        "value": f"The {KIND_WORDS[release.kind]}, noise added.",
        "epsilon": "The privacy loss this release spent.",
        "method": "How the values were made private.",
        "rate": f"Percent; empty where the numerator is at or under {release.threshold} or the "
        f"denominator under {MIN_DENOMINATOR}.",
    }
    return [
        {"name": n, "description": notes.get(n, f"The group ({TOTAL} for all)")} for n in rows[0]
    ]


def release_job(context: JobContext) -> dict[str, Any]:
    """Load a release's table as a public dataset and submit it for review."""
    try:
        return _publish(context)
    except BaseException as exc:
        with unit_of_work(context.session_factory) as session:
            failed = session.get(Release, context.params["release"])
            if failed is not None:
                failed.status = "failed"
                failed.error = exc.detail if isinstance(exc, StatedataError) else str(exc)
        raise


def _publish(context: JobContext) -> dict[str, Any]:
    factory = context.session_factory
    with unit_of_work(factory) as session:
        release = session.get(Release, context.params["release"])
        assert release is not None
        assert release.report is not None
        source = session.get(Dataset, release.source_dataset_id)
        assert source is not None
        actor = job_actor(session, context.job_id)
        rows = list(release.report["rows"])
        description = (
            f"{release.spec.get('description') or ''}\n\n"
            f"{KIND_WORDS[release.kind].capitalize()} from {source.title} ({source.agency.code}), "
            f"a dataset the public cannot read. {release.method}"
        ).strip()
        made = create_dataset(
            session,
            actor=actor,
            agency_code=source.agency.code,
            data={
                "title": release.title,
                "description": description,
                "classification": "public",
                "open_data_status": "under_review",
                "category": source.category or "",
                "row_label": "Group",
                "tags": [
                    "aggregate release",
                    "small-cell suppression"
                    if release.kind.startswith("suppressed_")
                    else "differential privacy",
                ],
            },
        )
        ref, kind = made.public_id, release.kind
    load_table(context, actor=actor, ref=ref, table=_arrow(rows, kind),
               note=f"aggregate release {context.params['release']}")  # fmt: skip
    with unit_of_work(factory) as session:
        release = session.get(Release, context.params["release"])
        assert release is not None
        update_dictionary(session, actor=actor, ref=ref, fields=_column_notes(release, rows))
        submit_for_review(session, actor=actor, ref=ref)
        release.status, release.dataset_public_id = "ready", ref
        record_event(
            session,
            actor=actor,
            action="release.ready",
            resource_type="release",
            resource_id=release.id,
            detail={"dataset": ref},
        )
    return {"dataset": ref, "url": f"/releases/{context.params['release']}"}


def releasable_datasets(session: Session, *, actor: Actor) -> list[dict[str, Any]]:
    """The loaded datasets the actor keeps, with their columns (the release form's choices)."""
    found = session.scalars(
        select(Dataset).where(Dataset.current_version > 0).order_by(Dataset.title)
    )
    return [
        dataset_choice(d)
        for d in found
        if d.status != "retired" and decide(actor, Action.EDIT_DATASET, resource_of(d)).allowed
    ]
