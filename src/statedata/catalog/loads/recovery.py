"""Recovery after a crash: what a killed server or worker left half done is put right at start-up
and every hour.

- An upload marked loading whose job has ended (failed, or marked failed as interrupted) or is
  gone is freed (failed, with why), so the steward can load it again instead of being refused.
- Data files of the lake that no version of their table refers to (a load staged them and died
  before committing), a staging folder, and a partly received upload (``.part``) are removed once
  older than the grace period (``STATEDATA_ORPHAN_GRACE_MINUTES``), so a load or upload still
  running in another process is never touched.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.models import Upload
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import Job
from statedata.storage.lake import open_table_store

log = logging.getLogger(__name__)
INTERRUPTED = "the load stopped before it finished (the server or worker stopped); load it again"


@dataclass(frozen=True)
class Recovered:
    uploads_freed: int
    files_removed: int


def free_interrupted_uploads(session: Session) -> int:
    """Free every upload left loading by a job that is no longer queued or running."""
    freed = 0
    for upload in session.scalars(select(Upload).where(Upload.status == "loading")):
        job = session.get(Job, upload.job_id) if upload.job_id is not None else None
        if job is None or job.status not in ("queued", "running"):
            upload.status, upload.error = "failed", INTERRUPTED
            freed += 1
    return freed


def remove_orphaned_files(settings: Settings) -> int:
    grace = settings.orphan_grace_minutes * 60
    cutoff = time.time() - grace
    removed = open_table_store(settings).remove_orphaned_files(grace)
    parts = settings.uploads_dir.glob("*.part") if settings.uploads_dir.is_dir() else []
    for path in [f for f in parts if f.stat().st_mtime < cutoff]:
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def recover(settings: Settings, factory: sessionmaker[Session], *_: Any) -> Recovered:
    """Free interrupted uploads and remove orphaned files (also a periodic task)."""
    with unit_of_work(factory) as session:
        freed = free_interrupted_uploads(session)
    removed = remove_orphaned_files(settings)
    if freed or removed:
        log.warning("recovered: %s interrupted uploads freed, %s orphaned files removed",
                    freed, removed)  # fmt: skip
    return Recovered(freed, removed)
