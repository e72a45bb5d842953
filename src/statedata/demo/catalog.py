"""Publish the synthetic Connecticut into the catalog: every agency's files as datasets with full
metadata and dictionaries, loaded in versions, a few left in draft or review, one retired.

It goes through the same services a steward uses (upload, confirm, load, submit, approve), acting
as the demo's system actor, so the demo exercises the real paths.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog import datasets, lifecycle
from statedata.catalog.freshness.reminders import queue_freshness_reminders
from statedata.catalog.loads.local import load_local_file
from statedata.catalog.models import Dataset
from statedata.catalog.sources.configuration import SourceConfig, configure_source
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import StatedataError
from statedata.core.instance import get_fact, set_fact
from statedata.demo.catalog_entries import COLUMNS, ENTRIES, DemoEntry
from statedata.identity.actor import Actor
from statedata.identity.models import User
from statedata.storage import duck

DEMO_CATALOG = "demo_catalog"
DEMO_ACTOR = Actor.system("demo")
STEWARDS = {"DPH": "dph.steward"}


def _split_files(entry: DemoEntry, source: Path, scratch: Path) -> list[Path]:
    """The file's rows as the versions to load: the first version's rows, then the rest."""
    connection = duck.connect(threads=2)
    try:
        connection.read_parquet(str(source)).create_view("raw")
        connection.execute(
            "CREATE VIEW source AS SELECT *, row_number() OVER () AS row_number, "
            "count(*) OVER () AS total FROM raw"
        )
        grouped = f" GROUP BY {entry.group_by}" if entry.group_by else ""
        projection = entry.select if entry.select != "*" else "* EXCLUDE (row_number, total)"
        parts = (
            [("TRUE", "v1")]
            if entry.group_by
            else [(entry.first_version, "v1"), (f"NOT ({entry.first_version})", "v2")]
        )
        paths = []
        for predicate, name in parts:
            path = scratch / f"{Path(entry.file).stem}-{name}.parquet"
            # Entries are the demo's own constants, not input: composing their SQL is safe.
            query = f"SELECT {projection} FROM source WHERE {predicate}{grouped}"  # noqa: S608
            connection.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
            paths.append(path)
        return paths
    finally:
        connection.close()


def _load(
    settings: Settings, factory: sessionmaker[Session], ref: str, path: Path, mode: str
) -> None:
    job = load_local_file(
        settings, factory, actor=DEMO_ACTOR, ref=ref, path=path, mode=mode, note="demo load"
    )
    if job.status != "succeeded":
        raise StatedataError(f"demo catalog: loading {path.name} failed: {job.error}")


def _describe_columns(session: Session, ref: str, entry: DemoEntry) -> None:
    dataset = datasets.find_dataset(session, ref=ref)
    fields = []
    for field in dataset.dictionary:
        name = field["name"]
        description, pii, element = COLUMNS.get(name, (entry.columns.get(name, ""), "none", ""))
        fields.append(
            {
                "name": name,
                "title": name.replace("_", " ").capitalize(),
                "description": entry.columns.get(name, description),
                "piiCategory": pii,
                "standardElement": element,
                "constraints": {"required": True} if name in entry.primary_key else {},
            }
        )
    datasets.update_dictionary(
        session, actor=DEMO_ACTOR, ref=ref, fields=fields, primary_key=list(entry.primary_key)
    )


def publish_entry(settings: Settings, factory: sessionmaker[Session], entry: DemoEntry) -> str:
    """Create, load (in versions), describe and move one entry to its status; returns its id."""
    metadata = {
        "title": entry.title,
        "description": entry.description,
        "contact_name": f"{entry.agency} open data team",
        "contact_email": f"opendata@{entry.agency.lower()}.example.gov",
        "license": "https://creativecommons.org/publicdomain/zero/1.0/",
        **entry.metadata,
    }
    with unit_of_work(factory) as session:
        steward = STEWARDS.get(entry.agency)
        if steward and session.scalar(select(User.id).where(User.username == steward)):
            metadata["steward_username"] = steward
        ref = datasets.create_dataset(
            session, actor=DEMO_ACTOR, agency_code=entry.agency, data=metadata
        ).public_id
    with tempfile.TemporaryDirectory() as scratch:
        parts = _split_files(entry, settings.demo_dir / entry.file, Path(scratch))
        for number, path in enumerate(parts):
            _load(settings, factory, ref, path, "replace" if number == 0 else "append")
    with unit_of_work(factory) as session:
        _describe_columns(session, ref, entry)
        if entry.status in ("in_review", "published", "retired"):
            lifecycle.submit_for_review(session, actor=DEMO_ACTOR, ref=ref)
        if entry.status in ("published", "retired"):
            lifecycle.approve(session, actor=DEMO_ACTOR, ref=ref)
        if entry.status == "retired":
            lifecycle.retire(
                session,
                actor=DEMO_ACTOR,
                ref=ref,
                reason="Replaced by Motor vehicle crashes by town and month.",
            )
    if entry.pulled:
        _pull_from_source_folder(settings, factory, ref, entry)
    if entry.data_age_days:
        with unit_of_work(factory) as session:
            dataset = session.scalar(select(Dataset).where(Dataset.public_id == ref))
            assert dataset is not None
            dataset.data_modified_at = utcnow() - timedelta(days=entry.data_age_days)
    return ref


def _pull_from_source_folder(
    settings: Settings, factory: sessionmaker[Session], ref: str, entry: DemoEntry
) -> None:
    """Point the dataset at a copy of its file in the source folder, pulled on its frequency."""
    folder = settings.source_roots[0]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / entry.file
    shutil.copyfile(settings.demo_dir / entry.file, target)
    with unit_of_work(factory) as session:
        configure_source(
            session,
            actor=DEMO_ACTOR,
            settings=settings,
            ref=ref,
            config=SourceConfig(kind="file", location=str(target), mode="replace"),
        )


def publish_demo_catalog(
    settings: Settings,
    factory: sessionmaker[Session],
    progress: Callable[[int, int, str], None] | None = None,
) -> int:
    """Publish every demo entry once; returns how many datasets were added (0 when done before)."""
    with unit_of_work(factory) as session:
        if get_fact(session, DEMO_CATALOG):
            return 0
    for number, entry in enumerate(ENTRIES, start=1):
        publish_entry(settings, factory, entry)
        if progress is not None:
            progress(number, len(ENTRIES), entry.title)
    with unit_of_work(factory) as session:
        queue_freshness_reminders(session, settings=settings, today=utcnow().date())
        set_fact(session, DEMO_CATALOG, {"datasets": len(ENTRIES)})
    return len(ENTRIES)
