"""Dataset versions: load a confirmed upload as the next version, list, read and restore versions.

A load runs as a background job. The table store commits a version atomically, and the catalog
records it only after that commit, so a load that fails part way (bad value, killed process)
leaves the current version as it was; the upload keeps its file and the error that stopped it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import (
    RESOURCE_TYPE,
    get_dataset_for_edit,
    resource_of,
    store_dictionary,
)
from statedata.catalog.dictionary import checked_primary_key, synced_fields
from statedata.catalog.models import Dataset, DatasetVersion, Upload
from statedata.catalog.pii import propose_pii
from statedata.catalog.schemas import LoadRequest
from statedata.catalog.uploads import discard_staged_file, get_upload
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import Conflict, InvalidInput, NotFound
from statedata.core.jobs import Job, JobContext
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job
from statedata.identity.models import User
from statedata.identity.policy import Action, decide
from statedata.identity.users import actor_for
from statedata.quality.reports import blocking_summary, check_stored_version, save_report
from statedata.standards.columns import standardized_reader, tagged_columns
from statedata.storage.checksums import RowsChecksum, rows_checksum
from statedata.storage.lake import open_table_store
from statedata.storage.readers import column_types_sql, open_source
from statedata.storage.schema import Column, diff_schemas
from statedata.storage.store import StoredVersion, TableStore, WriteMode

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    pass

LOAD_JOB = "catalog.load"
RETYPABLE_FORMATS = ("csv", "tsv")


def _parse_mode(value: str) -> WriteMode:
    try:
        return WriteMode(value)
    except ValueError:
        modes = ", ".join(m.value for m in WriteMode)
        raise InvalidInput(f"mode: {value!r} is not a load mode; use one of {modes}.") from None


def current_columns(dataset: Dataset) -> list[Column]:
    return [Column(f["name"], f.get("storageType", "VARCHAR")) for f in dataset.dictionary]


def _confirmed_columns(upload: Upload, request: LoadRequest) -> list[Column]:
    inferred = [Column(c["name"], c["type"]) for c in upload.inferred_columns]
    if request.columns is None:
        return inferred
    confirmed = [Column(c.name, c.type.strip().upper()) for c in request.columns]
    if [c.name for c in confirmed] != [c.name for c in inferred]:
        raise InvalidInput(
            "columns: confirm every column of the file, in its order: "
            + ", ".join(c.name for c in inferred)
            + "."
        )
    column_types_sql(confirmed)  # refuses a type no column can have, naming it
    if upload.format not in RETYPABLE_FORMATS and confirmed != inferred:
        raise InvalidInput(
            f"columns: a {upload.format} file carries its own types; only CSV and TSV columns "
            "can be given other types."
        )
    return confirmed


def _check_fits(dataset: Dataset, mode: WriteMode, columns: list[Column]) -> None:
    if dataset.current_version == 0 or mode is WriteMode.REPLACE:
        return
    change = diff_schemas(current_columns(dataset), columns)
    if not change.is_empty:
        parts = [f"added {c.name}" for c in change.added]
        parts += [f"missing {c.name}" for c in change.removed]
        parts += [f"{name} is {new}, was {old}" for name, old, new in change.retyped]
        raise InvalidInput(
            f"columns: an {mode.value} must match version {dataset.current_version}'s columns "
            f"({'; '.join(parts)}); load with mode replace to change the schema."
        )


def plan_load(
    session: Session, *, upload: Upload, dataset: Dataset, request: LoadRequest
) -> dict[str, Any]:
    """Check that ``upload`` can be loaded into ``dataset`` as asked; returns the load's
    parameters and marks the upload as loading."""
    if upload.status not in ("staged", "failed") or not Path(upload.stored_path).is_file():
        raise Conflict(f"upload {upload.id}: is {upload.status}; upload the file again.")
    mode = _parse_mode(request.mode)
    columns = _confirmed_columns(upload, request)
    _check_fits(dataset, mode, columns)
    primary_key = request.primary_key if request.primary_key is not None else dataset.primary_key
    names = {c.name for c in columns}
    for name in primary_key:
        if name not in names:
            raise InvalidInput(f"primary_key: {name!r} is not a column of the file.")
    if mode is WriteMode.UPSERT and not primary_key:
        raise InvalidInput("primary_key: an upsert matches rows on a primary key; name it.")
    upload.status, upload.error = "loading", ""
    return {
        "dataset": dataset.public_id,
        "upload_id": upload.id,
        "mode": mode.value,
        "columns": [{"name": c.name, "type": c.type} for c in columns],
        "primary_key": list(primary_key),
        "note": request.note,
    }


def start_load(
    session: Session, *, actor: Actor, ref: str, upload_id: int, request: LoadRequest
) -> Job:
    """Check a load request and record the job that will run it (the caller enqueues the job)."""
    upload = get_upload(session, actor=actor, ref=ref, upload_id=upload_id)
    dataset = session.get(Dataset, upload.dataset_id)
    assert dataset is not None
    params = plan_load(session, upload=upload, dataset=dataset, request=request)
    job = create_job(session, actor=actor, kind=LOAD_JOB, params=params)
    upload.job_id = job.id
    return job


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


def job_actor(session: Session, job_id: int) -> Actor:
    job = session.get(Job, job_id)
    user = session.get(User, job.created_by_user_id) if job and job.created_by_user_id else None
    return actor_for(user, via="job", client_ip=None) if user else Actor.system("job")


def load_upload_job(context: JobContext) -> dict[str, Any]:
    """Stream a staged upload into the table store and record the new version."""
    return execute_load(context, context.params)


def execute_load(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Write the upload that :func:`plan_load` accepted as the next version, and record it.

    A failure marks the upload failed with the reason and leaves the current version as it was.
    """
    factory = context.session_factory
    with unit_of_work(factory) as session:
        upload = session.get(Upload, params["upload_id"])
        if upload is None:
            raise NotFound(f"upload {params['upload_id']} no longer exists.")
        path, fmt, name = Path(upload.stored_path), upload.format, upload.file_name
        dataset = session.get(Dataset, upload.dataset_id)
        published = dataset is not None and dataset.current_version > 0
        dictionary = list(dataset.dictionary) if dataset is not None else []
    context.log(f"loading {name} into {params['dataset']} ({params['mode']})")
    # Replace and append checksum the rows as they pass; an upsert's rows are known only after.
    streamed = RowsChecksum() if params["mode"] in ("replace", "append") else None
    try:
        stored = _write(
            context, params, path, fmt, name, streamed, published=published, dictionary=dictionary
        )
    except BaseException as exc:
        with unit_of_work(factory) as session:
            failed = session.get(Upload, params["upload_id"])
            if failed is not None:
                failed.status, failed.error = "failed", str(exc)
        raise
    finally:
        if streamed is not None:
            streamed.close()
    with unit_of_work(factory) as session:
        actor = job_actor(session, context.job_id)
        version = record_version(
            session,
            actor=actor,
            settings=context.settings,
            dataset_ref=params["dataset"],
            stored=stored,
            mode=params["mode"],
            upload_id=params["upload_id"],
            note=params["note"],
            primary_key=params["primary_key"],
            streamed=streamed,
        )
        number, status = version.number, version.status
        url = f"/datasets/{params['dataset']}"
    if status == "blocked":
        context.log(f"version {number}: {stored.rows:,} rows, blocked by the quality gate")
    else:
        context.log(f"version {number}: {stored.rows:,} rows")
    return {"version": number, "rows": stored.rows, "status": status, "url": url}


def _write(
    context: JobContext,
    params: dict[str, Any],
    path: Path,
    fmt: str,
    name: str,
    checksum: RowsChecksum | None,
    *,
    published: bool,
    dictionary: list[dict[str, Any]],
) -> StoredVersion:
    columns = [Column(c["name"], c["type"]) for c in params["columns"]]
    source = open_source(path, fmt, columns if fmt in RETYPABLE_FORMATS else None, name=name)
    # Columns tagged with a common data element get their standard form beside the raw value.
    tagged = tagged_columns(dictionary, source.batches.schema.names)
    if tagged:
        context.log("standardizing " + ", ".join(f"{t.column} ({t.element.key})" for t in tagged))
    batches = standardized_reader(source.batches, tagged)
    store = open_table_store(context.settings)
    # Until a version is published, the store may hold only blocked rows: add to nothing.
    mode = WriteMode(params["mode"]) if published else WriteMode.REPLACE
    return store.write(
        params["dataset"],
        _counted(batches, context, checksum),
        mode=mode,
        primary_key=params["primary_key"] or None,
    )


def _next_number(session: Session, dataset: Dataset) -> int:
    found = session.scalar(
        select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == dataset.id)
    )
    return (found or 0) + 1


def record_version(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    dataset_ref: str,
    stored: StoredVersion,
    mode: str,
    upload_id: int | None = None,
    note: str = "",
    primary_key: list[str] | None = None,
    restored_from: int | None = None,
    streamed: RowsChecksum | None = None,
) -> DatasetVersion:
    """Record what the store just committed as the dataset's next version.

    Args:
        streamed: the checksum of the rows the load wrote, taken as they passed (replace and
            append); without it the stored version is read once more to checksum it.
    """
    dataset = session.scalar(select(Dataset).where(Dataset.public_id == dataset_ref))
    if dataset is None:
        raise NotFound(f"No dataset is called {dataset_ref!r}.")
    previous = current_columns(dataset) if dataset.current_version else None
    current = (
        get_version(session, dataset=dataset, number=None) if dataset.current_version else None
    )
    upload = session.get(Upload, upload_id) if upload_id is not None else None
    store = open_table_store(settings)
    report = check_stored_version(
        session,
        settings=settings,
        dataset=dataset,
        store_version=stored.version,
        columns=stored.columns,
        current=current,
    )
    blocked = bool(report.blocking)
    version = DatasetVersion(
        dataset_id=dataset.id,
        number=_next_number(session, dataset),
        store_version=stored.version,
        mode=mode,
        status="blocked" if blocked else "published",
        rows=stored.rows,
        bytes=stored.bytes,
        source_name=upload.file_name if upload else "",
        source_checksum=upload.checksum if upload else "",
        rows_checksum=_checksum_of(dataset, current, store, stored, mode, streamed),
        columns=[{"name": c.name, "type": c.type} for c in stored.columns],
        schema_change=diff_schemas(previous, stored.columns).as_dict(),
        restored_from=restored_from,
        note=note,
        created_by_user_id=actor.user_id,
        created_by_name=actor.username,
    )
    session.add(version)
    session.flush()
    save_report(session, version=version, report=report)
    propose_pii(
        session,
        settings=settings,
        dataset=dataset,
        version_number=version.number,
        store_version=stored.version,
        columns=stored.columns,
    )
    if blocked:
        if current is not None:
            # The store's newest rows go back to the published version's, so that the next
            # append or upsert builds on what readers see, not on the blocked rows. (With no
            # published version, the next load replaces whatever is stored: see execute_load.)
            store.restore(dataset.public_id, current.store_version)
        reason = blocking_summary(report)
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
            detail={"version": version.number, "mode": mode, "rows": stored.rows, "why": reason},
        )
        return version
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
        detail={"version": version.number, "mode": mode, "rows": stored.rows},
    )
    return version


def _checksum_of(
    dataset: Dataset,
    current: DatasetVersion | None,
    store: TableStore,
    stored: StoredVersion,
    mode: str,
    streamed: RowsChecksum | None,
) -> str:
    previous = current.rows_checksum if mode == "append" and current is not None else None
    if streamed is not None and mode in ("replace", "append"):
        checksum = streamed.value(previous)
        if int(checksum.split(":")[0]) == stored.rows:  # else something else wrote too: read it
            return checksum
    return rows_checksum(store.dataset(dataset.public_id, stored.version))


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


def restore_version(
    session: Session, *, actor: Actor, settings: Settings, ref: str, number: int, note: str = ""
) -> DatasetVersion:
    """Publish an earlier version's rows as a new version (nothing is rewritten or lost)."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    old = get_version(session, dataset=dataset, number=number)
    stored = open_table_store(settings).restore(dataset.public_id, old.store_version)
    return record_version(
        session,
        actor=actor,
        settings=settings,
        dataset_ref=dataset.public_id,
        stored=stored,
        mode="restore",
        note=note or f"restored version {number}",
        restored_from=number,
    )
