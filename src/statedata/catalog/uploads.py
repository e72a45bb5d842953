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
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import RESOURCE_TYPE, get_dataset_for_edit
from statedata.catalog.models import Dataset, Upload
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.errors import InvalidInput, NotFound, TooLarge
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


class UploadWriter:
    """Writes one received file into the uploads folder, hashing it and counting it against the
    configured limit as the bytes pass, so nothing needs the whole file in memory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path: Path | None = None
        self.handle: BinaryIO | None = None
        self.digest = hashlib.sha256()
        self.size = 0
        self.file_name = ""

    @property
    def is_open(self) -> bool:
        return self.handle is not None

    def open(self, file_name: str) -> None:
        if self.handle is not None:
            raise InvalidInput("file: send one file per upload.")
        self.file_name = safe_file_name(file_name)
        self.path = new_upload_path(self.settings)
        self.handle = self.path.open("wb")

    def write(self, data: bytes) -> None:
        data = bytes(data)  # Arrow hands over buffers, not bytes
        self.size += len(data)
        if self.size > self.settings.upload_max_bytes:
            raise too_large(self.settings)
        self.digest.update(data)
        assert self.handle is not None, "open() first"
        self.handle.write(data)

    @property
    def closed(self) -> bool:
        return self.handle is None or self.handle.closed

    def tell(self) -> int:
        """Bytes written so far (lets Arrow's Parquet writer write into this)."""
        return self.size

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()

    def discard(self) -> None:
        """Remove what was written (a refused or broken upload keeps nothing)."""
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def received(self) -> ReceivedFile:
        assert self.path is not None, "nothing was received"
        return ReceivedFile(
            self.path, self.file_name, self.size, f"sha256:{self.digest.hexdigest()}"
        )


def too_large(settings: Settings) -> TooLarge:
    return TooLarge(
        f"file: uploads are limited to {settings.upload_max_bytes:,} bytes "
        "(STATEDATA_UPLOAD_MAX_BYTES); this one is larger."
    )


def receive_chunks(settings: Settings, file_name: str, chunks: Iterable[bytes]) -> ReceivedFile:
    """Write chunks to the uploads folder (for pulls and the CLI)."""
    writer = UploadWriter(settings)
    try:
        writer.open(file_name)
        for chunk in chunks:
            writer.write(chunk)
        writer.close()
    except BaseException:
        writer.discard()
        raise
    return writer.received()


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
