"""Load a file from this machine as a dataset's next version, in the caller's process.

The command line, the demo and the tests all do what a steward does through the pages (receive
the file, record it with its inferred schema, confirm, load) without a queue in between.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.loads.plan import start_load
from statedata.catalog.schemas import ColumnIn, LoadRequest
from statedata.catalog.uploads import receive_local_file, register_upload
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.errors import InvalidInput
from statedata.core.jobs import Job, ProgressListener, run_job
from statedata.identity.actor import Actor


def load_local_file(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    actor: Actor,
    ref: str,
    path: Path,
    mode: str = "replace",
    types: dict[str, str] | None = None,
    primary_key: list[str] | None = None,
    note: str = "",
    listener: ProgressListener | None = None,
) -> Job:
    """Load ``path`` into dataset ``ref`` and return the finished job (failed or succeeded).

    Args:
        types: column name -> type, overriding what was inferred; an unknown column is refused.
    """
    received = receive_local_file(settings, path)
    with unit_of_work(factory) as session:
        upload = register_upload(session, actor=actor, ref=ref, received=received)
        overrides = types or {}
        unknown = set(overrides) - {c["name"] for c in upload.inferred_columns}
        if unknown:
            raise InvalidInput(f"types: the file has no column {sorted(unknown)[0]!r}.")
        columns = [
            ColumnIn(name=c["name"], type=overrides.get(c["name"], c["type"]))
            for c in upload.inferred_columns
        ]
        request = LoadRequest(mode=mode, columns=columns, primary_key=primary_key, note=note)
        job_id = start_load(session, actor=actor, ref=ref, upload_id=upload.id, request=request).id
    return run_job(job_id, settings=settings, session_factory=factory, listener=listener)
