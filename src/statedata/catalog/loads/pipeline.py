"""A load, from a confirmed upload to a version: stage the rows, check them, then commit or hold.

1. **Stage.** The file streams through the reader (a bad value stops it, naming the row, column
   and value), the standard elements the dictionary tags are added beside their raw columns, and
   the rows are written as data files the table store has not committed; replace and append
   checksum the rows as they pass.
2. **Check.** The rows the version would hold (the staged files, after or over the current
   version's rows for an append or upsert) are checked against the dataset's rules in one pass
   that also profiles them, and the first rows are read for personal information.
3. **Commit or hold.** With no error-level rule broken, the store commits the staged files as its
   next version and the catalog records it as current. Otherwise nothing is committed: the
   staged files are moved to the home's ``held`` folder and recorded as a blocked version that
   only those who edit the dataset can read; the current version, the store's newest rows and
   the dictionary stay as they were.

A load that fails or is killed at any step before the commit leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import RESOURCE_TYPE, store_dictionary
from statedata.catalog.dictionary import checked_primary_key, synced_fields
from statedata.catalog.loads.held import move_to_held
from statedata.catalog.loads.plan import RETYPABLE_FORMATS
from statedata.catalog.models import Dataset, DatasetVersion, Upload
from statedata.catalog.pii.findings import propose_pii
from statedata.catalog.uploads import discard_staged_file
from statedata.catalog.versions import current_columns, get_version, version_relation
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import NotFound
from statedata.core.jobs import JobContext
from statedata.identity.actor import Actor
from statedata.identity.jobs import job_actor
from statedata.quality.reports import blocking_summary, check_rows, save_report
from statedata.quality.runner import CheckReport
from statedata.standards.columns import standardized_reader, tagged_columns
from statedata.storage.checksums import RowsChecksum, relation_checksum
from statedata.storage.duck import Relation, engine_for
from statedata.storage.lake import open_table_store
from statedata.storage.quoting import quoted
from statedata.storage.readers import open_source
from statedata.storage.schema import Column, diff_schemas
from statedata.storage.store import StagedRows, WriteMode


def load_upload_job(context: JobContext) -> dict[str, Any]:
    """Stage a confirmed upload, check it, and commit it as the next version or hold it."""
    return execute_load(context, context.params)


def execute_load(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Load the upload that :func:`~statedata.catalog.loads.plan.plan_load` accepted.

    A failure marks the upload failed with the reason and leaves the current version as it was.
    """
    factory = context.session_factory
    with unit_of_work(factory) as session:
        upload = session.get(Upload, params["upload_id"])
        if upload is None:
            raise NotFound(f"upload {params['upload_id']} no longer exists.")
        path, fmt, name = Path(upload.stored_path), upload.format, upload.file_name
        dataset = session.get(Dataset, upload.dataset_id)
        dictionary = list(dataset.dictionary) if dataset is not None else []
    context.log(f"loading {name} into {params['dataset']} ({params['mode']})")
    # Replace and append checksum the rows as they pass; an upsert's rows are known only after.
    streamed = RowsChecksum() if params["mode"] in ("replace", "append") else None
    staged = None
    try:
        staged = _stage(context, params, path, fmt, name, streamed, dictionary)
        with unit_of_work(factory) as session:
            version = record_load(
                session,
                actor=job_actor(session, context.job_id),
                settings=context.settings,
                dataset_ref=params["dataset"],
                load=Load(staged=staged, mode=params["mode"], streamed=streamed),
                upload_id=params["upload_id"],
                note=params["note"],
                primary_key=params["primary_key"],
            )
            number, status, rows = version.number, version.status, version.rows
    except BaseException as exc:
        if staged is not None:  # whatever no version came to hold
            open_table_store(context.settings).discard(staged)
        with unit_of_work(factory) as session:
            failed = session.get(Upload, params["upload_id"])
            if failed is not None:
                failed.status, failed.error = "failed", str(exc)
        raise
    finally:
        if streamed is not None:
            streamed.close()
    held = " held back by the quality gate" if status == "blocked" else ""
    context.log(f"version {number}: {rows:,} rows{held}")
    url = f"/datasets/{params['dataset']}"
    return {"version": number, "rows": rows, "status": status, "url": url}


def _counted(
    batches: pa.RecordBatchReader, context: JobContext, checksum: RowsChecksum | None
) -> pa.RecordBatchReader:
    def counting() -> Iterator[pa.RecordBatch]:
        done = 0
        for batch in batches:
            if checksum is not None:
                checksum.add(batch)
            done += batch.num_rows
            context.progress(done, None, f"{done:,} rows read")
            yield batch

    return pa.RecordBatchReader.from_batches(batches.schema, counting())


def _stage(
    context: JobContext,
    params: dict[str, Any],
    path: Path,
    fmt: str,
    name: str,
    checksum: RowsChecksum | None,
    dictionary: list[dict[str, Any]],
) -> StagedRows:
    columns = [Column(c["name"], c["type"]) for c in params["columns"]]
    source = open_source(path, fmt, columns if fmt in RETYPABLE_FORMATS else None, name=name)
    # Columns tagged with a common data element get their standard form beside the raw value.
    tagged = tagged_columns(dictionary, source.batches.schema.names)
    if tagged:
        context.log("standardizing " + ", ".join(f"{t.column} ({t.element.key})" for t in tagged))
    batches = standardized_reader(source.batches, tagged)
    store = open_table_store(context.settings)
    return store.stage(params["dataset"], _counted(batches, context, checksum))


@dataclass(frozen=True)
class Load:
    """Rows on their way to a version: staged files and how they combine with the current rows
    (or, with no files, an earlier version's rows brought back by a restore)."""

    staged: StagedRows | None
    mode: str  # replace, append, upsert, restore
    streamed: RowsChecksum | None = None  # the staged rows' checksum, taken as they passed
    source: DatasetVersion | None = None  # a restore's earlier version


def _next_number(session: Session, dataset: Dataset) -> int:
    found = session.scalar(
        select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == dataset.id)
    )
    return (found or 0) + 1


def _load_relation(
    settings: Settings, dataset: Dataset, current: DatasetVersion | None, load: Load, key: list[str]
) -> tuple[Relation, str]:
    """The rows the new version would hold, and the store's write mode for them."""
    if load.source is not None:  # a restore: the earlier version's rows, stored or held
        return version_relation(settings, dataset, load.source, {}), WriteMode.REPLACE.value
    assert load.staged is not None
    # With nothing published, the store holds no rows to add to: every load is a replace.
    mode = load.mode if current is not None else WriteMode.REPLACE.value
    relation = engine_for(settings).staged_relation(
        dataset.public_id,
        base=current.store_version if current is not None else None,
        files=load.staged.files,
        mode=mode,
        primary_key=key,
    )
    return relation, mode


def _checksum(
    settings: Settings,
    relation: Relation,
    columns: list[Column],
    load: Load,
    current: DatasetVersion | None,
    rows: int,
) -> str:
    if load.source is not None:
        return load.source.rows_checksum  # the same rows as the version it restores
    if load.streamed is not None:
        previous = current.rows_checksum if load.mode == "append" and current else None
        checksum = load.streamed.value(previous)
        if int(checksum.split(":")[0]) == rows:  # else the rows are not those that passed
            return checksum
    with engine_for(settings).job_cursor(relation) as cursor:
        return relation_checksum(cursor, relation.name, columns)


def record_load(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    dataset_ref: str,
    load: Load,
    upload_id: int | None = None,
    note: str = "",
    primary_key: list[str] | None = None,
) -> DatasetVersion:
    """Check the load's rows, then commit them as the dataset's next version or hold them back
    as a blocked one (see the module's note)."""
    dataset = session.scalar(select(Dataset).where(Dataset.public_id == dataset_ref))
    if dataset is None:
        raise NotFound(f"No dataset is called {dataset_ref!r}.")
    current = (
        get_version(session, dataset=dataset, number=None) if dataset.current_version else None
    )
    key = list(primary_key if primary_key is not None else dataset.primary_key)
    relation, mode = _load_relation(settings, dataset, current, load, key)
    if load.staged is not None:
        columns, size = load.staged.columns, load.staged.bytes
    else:  # a restore: the earlier version's
        assert load.source is not None
        columns = [Column(c["name"], c["type"]) for c in load.source.columns]
        size = load.source.bytes
    report = check_rows(
        session,
        settings=settings,
        dataset=dataset,
        relation=relation,
        columns=columns,
        current=current,
    )
    number = _next_number(session, dataset)
    propose_pii(
        session,
        settings=settings,
        dataset=dataset,
        version_number=number,
        relation=relation,
        columns=columns,
    )
    upload = session.get(Upload, upload_id) if upload_id is not None else None
    version = DatasetVersion(
        dataset_id=dataset.id,
        number=number,
        mode=load.mode,
        rows=report.rows,
        bytes=size,
        source_name=upload.file_name if upload else "",
        source_checksum=upload.checksum if upload else "",
        rows_checksum=_checksum(settings, relation, columns, load, current, report.rows),
        columns=[{"name": c.name, "type": c.type} for c in columns],
        schema_change=diff_schemas(
            current_columns(dataset) if current else None, columns
        ).as_dict(),
        restored_from=load.source.number if load.source else None,
        note=note,
        created_by_user_id=actor.user_id,
        created_by_name=actor.username,
    )
    decided = _Decided(dataset, version, load, report, upload, mode, key, relation, columns)
    if report.blocking:
        return _hold(session, settings, actor, decided, current)
    return _publish(session, settings, actor, decided, primary_key)


@dataclass(frozen=True)
class _Decided:
    dataset: Dataset
    version: DatasetVersion
    load: Load
    report: CheckReport
    upload: Upload | None
    mode: str
    key: list[str]
    relation: Relation
    columns: list[Column]


def _publish(
    session: Session,
    settings: Settings,
    actor: Actor,
    decided: _Decided,
    primary_key: list[str] | None,
) -> DatasetVersion:
    dataset, version, load, upload = decided.dataset, decided.version, decided.load, decided.upload
    store = open_table_store(settings)
    if load.source is not None and load.source.held is None:
        stored = store.restore(dataset.public_id, load.source.store_version)
    elif load.source is not None:  # a blocked version's rows were never committed: write them
        staged = _stage_relation(settings, dataset, decided.relation, decided.columns)
        stored = store.commit(staged, mode=WriteMode.REPLACE)
    else:
        assert load.staged is not None
        stored = store.commit(load.staged, mode=WriteMode(decided.mode), primary_key=decided.key)
    version.status, version.store_version = "published", stored.version
    version.rows, version.bytes = stored.rows, stored.bytes
    session.add(version)
    session.flush()
    save_report(session, version=version, report=decided.report)
    dataset.current_version = version.number
    dataset.row_count = stored.rows
    dataset.data_modified_at = utcnow()
    store_dictionary(dataset, synced_fields(dataset.dictionary, stored.columns))
    if primary_key is not None:
        dataset.primary_key = checked_primary_key(dataset.dictionary, primary_key)
    if upload is not None:
        dataset.data_format = upload.format
        upload.status, upload.version_number = "loaded", version.number
        discard_staged_file(upload)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="dataset.version",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"version": version.number, "mode": version.mode, "rows": stored.rows},
    )
    return version


def _hold(
    session: Session,
    settings: Settings,
    actor: Actor,
    decided: _Decided,
    current: DatasetVersion | None,
) -> DatasetVersion:
    dataset, version, load, upload = decided.dataset, decided.version, decided.load, decided.upload
    if load.source is not None:  # a restore that broke a rule: its rows stay where they are
        held = dict(load.source.held or {"base": load.source.store_version, "files": []})
        held.setdefault("mode", "restore")
    else:
        assert load.staged is not None
        held = {
            "base": current.store_version if current is not None else None,
            "files": move_to_held(settings, dataset.public_id, load.staged),
            "mode": decided.mode,
            "primary_key": decided.key,
        }
    version.status, version.held = "blocked", held
    version.store_version = held["base"] if held["base"] is not None else -1
    session.add(version)
    session.flush()
    save_report(session, version=version, report=decided.report)
    reason = blocking_summary(decided.report)
    if upload is not None:
        upload.status, upload.error = "blocked", reason
        upload.version_number = version.number
        discard_staged_file(upload)
    record_event(
        session,
        actor=actor,
        action="dataset.version_blocked",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={
            "version": version.number,
            "mode": version.mode,
            "rows": version.rows,
            "why": reason,
        },
    )
    return version


def _stage_relation(
    settings: Settings, dataset: Dataset, relation: Relation, columns: list[Column]
) -> StagedRows:
    engine = engine_for(settings)
    listed = ", ".join(quoted(c.name) for c in columns)
    with engine.job_cursor(relation) as cursor:
        reader = cursor.sql(f"SELECT {listed} FROM {relation.name}").to_arrow_reader(65_536)  # noqa: S608 (quoted names)
        return open_table_store(settings).stage(dataset.public_id, reader)
