"""Uploads waiting to be loaded: a file on disk, its checksum, and the schema inferred from it.

The web layer streams the request body to a file in the uploads folder (see
:mod:`statedata.web.uploads`); pulled sources and the CLI copy theirs there too. Either way the
steward is shown the inferred columns and confirms them before anything is loaded.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import RESOURCE_TYPE, get_dataset_for_edit
from statedata.catalog.models import Dataset, Upload
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.errors import InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.storage.readers import detect_format, infer_columns

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ReceivedFile:
    """A file written into the uploads folder, with what was learned while writing it."""

    path: Path
    file_name: str
    bytes: int
    checksum: str  # sha256:<hex>


def new_upload_path(settings: Settings) -> Path:
    """A fresh path in the uploads folder for a file being received."""
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    return settings.uploads_dir / f"{uuid.uuid4().hex}.part"


def safe_file_name(name: str) -> str:
    """The last part of a client-supplied name, without anything that could reach another folder."""
    base = Path(name.replace("\\", "/")).name.strip()
    return base[:200] or "upload"


def receive_chunks(settings: Settings, file_name: str, chunks: Iterable[bytes]) -> ReceivedFile:
    """Write chunks to the uploads folder, hashing as they pass (for pulls and the CLI)."""
    path = new_upload_path(settings)
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as handle:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                if size > settings.upload_max_bytes:
                    raise InvalidInput(
                        f"file: {file_name} is larger than the limit of {settings.upload_max_bytes:,} bytes."
                    )
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ReceivedFile(path, safe_file_name(file_name), size, f"sha256:{digest.hexdigest()}")


def receive_local_file(settings: Settings, source: Path) -> ReceivedFile:
    """Copy a file from this machine into the uploads folder."""
    if not source.is_file():
        raise InvalidInput(f"file: {source} does not exist or is not a file.")
    with source.open("rb") as handle:
        return receive_chunks(settings, source.name, iter(lambda: handle.read(CHUNK_BYTES), b""))


def register_upload(
    session: Session,
    *,
    actor: Actor,
    ref: str,
    received: ReceivedFile,
    declared_format: str | None = None,
) -> Upload:
    """Record a received file for a dataset, with the schema inferred from it.

    A file that cannot be read is removed and refused with the reason; nothing else changes.
    """
    try:
        dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
        fmt = detect_format(Path(received.file_name), declared_format)
        if received.bytes == 0:
            raise InvalidInput(f"{received.file_name}: the file is empty.")
        staged = received.path.with_name(f"{received.path.stem}{Path(received.file_name).suffix}")
        received.path.rename(staged)
    except BaseException:
        received.path.unlink(missing_ok=True)
        raise
    try:
        columns = infer_columns(staged, fmt, name=received.file_name)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    if not columns:
        staged.unlink(missing_ok=True)
        raise InvalidInput(f"{received.file_name}: has no columns.")
    upload = Upload(
        dataset_id=dataset.id,
        file_name=received.file_name,
        stored_path=str(staged),
        format=fmt,
        bytes=received.bytes,
        checksum=received.checksum,
        inferred_columns=[{"name": c.name, "type": c.type} for c in columns],
        uploaded_by_user_id=actor.user_id,
    )
    session.add(upload)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="dataset.upload",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"file": received.file_name, "bytes": received.bytes, "upload": upload.id},
    )
    return upload


def get_upload(session: Session, *, actor: Actor, ref: str, upload_id: int) -> Upload:
    """An upload of a dataset the actor may edit."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    upload = session.scalar(
        select(Upload).where(Upload.id == upload_id, Upload.dataset_id == dataset.id)
    )
    if upload is None:
        raise NotFound(f"Dataset {dataset.public_id} has no upload {upload_id}.")
    return upload


def list_uploads(session: Session, *, dataset: Dataset, limit: int = 20) -> list[Upload]:
    query = (
        select(Upload)
        .where(Upload.dataset_id == dataset.id)
        .order_by(Upload.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def discard_staged_file(upload: Upload) -> None:
    """Remove an upload's file once its rows live in a version."""
    Path(upload.stored_path).unlink(missing_ok=True)
