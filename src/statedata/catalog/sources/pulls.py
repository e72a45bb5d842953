"""Pull a dataset's configured source into a new version, on request or on its schedule.

A pull is a job like an upload's load: fetch the source into the uploads folder, record it as an
upload with its inferred columns, and load it through the same checks and the same writer. Types
the steward confirmed earlier are kept for columns of the same name, so a scheduled CSV pull does
not quietly retype a column; a source whose columns no longer fit an append or upsert fails with
the difference named, and the current version stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import get_dataset_for_edit
from statedata.catalog.loads.pipeline import execute_load
from statedata.catalog.loads.plan import RETYPABLE_FORMATS, plan_load
from statedata.catalog.models import Dataset
from statedata.catalog.schemas import ColumnIn, LoadRequest
from statedata.catalog.sources.configuration import SourceConfig, checked
from statedata.catalog.sources.fetch import fetch
from statedata.catalog.uploads import register_upload
from statedata.catalog.vocabulary import DatasetStatus, next_pull_time
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import Conflict, NotFound
from statedata.core.jobs import Job, JobContext
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job, job_actor

PULL_JOB = "catalog.pull"


def start_pull(session: Session, *, actor: Actor, ref: str) -> Job:
    """Record a job that pulls the dataset's source now (the caller enqueues it)."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    if not dataset.source_kind:
        raise Conflict(f"source: dataset {dataset.public_id} has no source; configure one first.")
    job = create_job(session, actor=actor, kind=PULL_JOB, params={"dataset": dataset.public_id})
    dataset.last_pull_job_id = job.id
    return job


def _columns_to_load(dataset: Dataset, inferred: list[dict[str, str]], fmt: str) -> list[ColumnIn]:
    kept = {f["name"]: f.get("storageType", "") for f in dataset.dictionary}
    return [
        ColumnIn(
            name=c["name"],
            type=(kept.get(c["name"]) or c["type"]) if fmt in RETYPABLE_FORMATS else c["type"],
        )
        for c in inferred
    ]


def pull_job(context: JobContext) -> dict[str, Any]:
    """Fetch the source, then load it as the next version."""
    ref = context.params["dataset"]
    factory = context.session_factory
    with unit_of_work(factory) as session:
        dataset = session.scalar(select(Dataset).where(Dataset.public_id == ref))
        if dataset is None:
            raise NotFound(f"No dataset is called {ref!r}.")
        if not dataset.source_kind:
            raise Conflict(f"source: dataset {ref} no longer has a source.")
        config = checked(context.settings, SourceConfig.of(dataset))
        name = dataset.slug
    context.log(f"pulling the {config.kind} source {config.location}")
    received = fetch(context.settings, config, name=name, log=context.log)
    context.log(f"received {received.file_name}: {received.bytes:,} bytes, {received.checksum}")
    staged: Path | None = None
    try:
        with unit_of_work(factory) as session:
            actor = job_actor(session, context.job_id)
            upload = register_upload(
                session,
                actor=actor,
                ref=ref,
                received=received,
                declared_format=config.format or None,
            )
            staged = Path(upload.stored_path)
            dataset = session.get(Dataset, upload.dataset_id)
            assert dataset is not None
            request = LoadRequest(
                mode=config.mode,
                columns=_columns_to_load(dataset, upload.inferred_columns, upload.format),
                note=f"pulled from {config.location}",
            )
            params = plan_load(session, upload=upload, dataset=dataset, request=request)
            upload.job_id = context.job_id
    except BaseException:
        if staged is not None:  # the upload's row was rolled back; its file goes too
            staged.unlink(missing_ok=True)
        raise
    result = execute_load(context, params)
    with unit_of_work(factory) as session:
        pulled = session.scalar(select(Dataset).where(Dataset.public_id == ref))
        if pulled is not None:
            pulled.last_pulled_at = utcnow()
    return result


def enqueue_due_pulls(
    settings: Settings,
    factory: sessionmaker[Session],
    enqueue: Callable[[int], None],
    now: datetime | None = None,
) -> list[int]:
    """Start a pull for every source whose time has come; returns the jobs recorded.

    Each dataset is claimed by moving its next pull time forward in one conditional update, so
    two clocks running at once (two workers) start one pull, not two.
    """
    now = now or utcnow()
    with unit_of_work(factory) as session:
        due = session.execute(
            select(Dataset.id, Dataset.next_pull_at, Dataset.update_frequency)
            .where(
                Dataset.source_kind != "",
                Dataset.next_pull_at <= now,
                Dataset.status != DatasetStatus.RETIRED,
            )
            .order_by(Dataset.next_pull_at)
        ).all()
    started = []
    for dataset_id, scheduled, frequency in due:
        assert scheduled is not None  # the query selected due times
        with unit_of_work(factory) as session:
            claimed = session.execute(
                update(Dataset)
                .where(Dataset.id == dataset_id, Dataset.next_pull_at == scheduled)
                .values(next_pull_at=next_pull_time(frequency, scheduled, now))
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            dataset = session.get(Dataset, dataset_id)
            assert dataset is not None
            job = create_job(
                session,
                actor=Actor.system("scheduler"),
                kind=PULL_JOB,
                params={"dataset": dataset.public_id},
            )
            dataset.last_pull_job_id = job_id = job.id
        enqueue(job_id)  # after the commit, so the worker finds the job row
        started.append(job_id)
    return started
