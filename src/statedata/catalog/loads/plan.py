"""A load request checked before any row moves: the mode, the confirmed columns (only CSV and
TSV columns may be given other types), the fit with the current version's columns for an append
or upsert, and the primary key. A checked request becomes the load job's parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from statedata.catalog.models import Dataset, Upload
from statedata.catalog.schemas import LoadRequest
from statedata.catalog.uploads import get_upload
from statedata.catalog.versions import current_columns
from statedata.core.errors import Conflict, InvalidInput
from statedata.core.jobs import Job
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job
from statedata.storage.readers import column_types_sql
from statedata.storage.schema import Column, diff_schemas
from statedata.storage.store import WriteMode

LOAD_JOB = "catalog.load"
RETYPABLE_FORMATS = ("csv", "tsv")


def _parse_mode(value: str) -> WriteMode:
    try:
        return WriteMode(value)
    except ValueError:
        modes = ", ".join(m.value for m in WriteMode)
        raise InvalidInput(f"mode: {value!r} is not a load mode; use one of {modes}.") from None


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
