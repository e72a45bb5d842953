"""Catalog datasets as sources of the person index: the steward's column mapping, and loads.

A steward maps a dataset's columns to person attributes (which column names a record, which
make its name, date of birth, address ...). A load reads the dataset's current version and
hands its records to :func:`statedata.linkage.index.load` in a background job, so the portal
shows its progress; only new and changed records are scored. A source whose dataset has a newer
version than the one it last loaded is loaded again by the queue's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import find_dataset, get_dataset, get_dataset_for_edit, resource_of
from statedata.catalog.models import Dataset
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.errors import Conflict, InvalidInput, NotFound
from statedata.core.jobs import Job, JobContext
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job, job_actor
from statedata.identity.policy import Action, Resource, authorize
from statedata.linkage import index
from statedata.linkage.attributes import ATTRIBUTES, Mapping, parse_mapping
from statedata.linkage.backend import Backend
from statedata.linkage.models import LinkageRun, LinkageSource, PersonRecord
from statedata.query.reading import Use, fetch_rows, open_reading
from statedata.storage.quoting import quoted

LOAD_JOB = "linkage.load"
SOURCES = Resource("person_index", "sources")
INDEX_ACTOR = Actor.system("person index")


def _mapping_of(source: LinkageSource) -> Mapping:
    return Mapping({a: tuple(c) for a, c in source.mapping.items()})


def _columns(dataset: Dataset) -> list[str]:
    return [f["name"] for f in dataset.dictionary]


def checked_mapping(
    dataset: Dataset, id_column: str, mapping: dict[str, str]
) -> tuple[str, Mapping]:
    """The id column and mapping, each column checked against the dataset's current columns.

    ``mapping`` is attribute -> column (``a+b`` joins columns); empty values are left out.
    """
    columns = _columns(dataset)
    if not columns:
        raise Conflict(
            f"dataset {dataset.public_id} has no columns yet: load a version before mapping it."
        )
    id_column = id_column.strip()
    if not id_column:
        raise InvalidInput("id_column: name the column that identifies each record.")
    if id_column not in columns:
        raise InvalidInput(
            f"id_column: {dataset.public_id} has no column {id_column!r}; "
            f"its columns are {', '.join(columns)}."
        )
    unknown = [a for a in mapping if a not in ATTRIBUTES]
    if unknown:
        raise InvalidInput(
            f"mapping: {unknown[0]!r} is not a person attribute; known are {', '.join(ATTRIBUTES)}."
        )
    pairs = [f"{a}={c.strip()}" for a, c in mapping.items() if c and c.strip()]
    parsed = parse_mapping(pairs, where="mapping")
    for attribute, parts in parsed.columns.items():
        for column in parts:
            if column not in columns:
                raise InvalidInput(
                    f"mapping {attribute}: {dataset.public_id} has no column {column!r}; "
                    f"its columns are {', '.join(columns)}."
                )
    return id_column, parsed


def configure_source(
    session: Session, *, actor: Actor, ref: str, id_column: str, mapping: dict[str, str]
) -> LinkageSource:
    """Make a dataset a source of the person index, or change its mapping (its stewards)."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    id_column, parsed = checked_mapping(dataset, id_column, mapping)
    source = session.scalar(select(LinkageSource).where(LinkageSource.dataset_id == dataset.id))
    if source is None:
        source = LinkageSource(dataset_id=dataset.id, name=_unused_name(session, dataset.slug))
        session.add(source)
    changed = source.id is not None and (
        source.id_column != id_column or source.mapping != _stored(parsed)
    )
    source.id_column = id_column
    source.mapping = _stored(parsed)
    source.configured_by_name = actor.username
    if changed:
        source.loaded_version = None  # the next load reads every record with the new mapping
    session.flush()
    record_event(
        session,
        actor=actor,
        action="linkage.source.configure",
        resource_type="dataset",
        resource_id=dataset.public_id,
        detail={"id_column": id_column, "mapping": source.mapping},
    )
    return source


def _stored(mapping: Mapping) -> dict[str, list[str]]:
    return {a: list(c) for a, c in mapping.columns.items()}


def _unused_name(session: Session, slug: str) -> str:
    name, counter = slug[:190], 2
    while session.scalar(select(LinkageSource.id).where(LinkageSource.name == name)) is not None:
        name, counter = f"{slug[:190]}-{counter}", counter + 1
    return name


def remove_source(session: Session, *, actor: Actor, ref: str) -> None:
    """Stop using a dataset as a source; its records stay in the index with their persons."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    source = session.scalar(select(LinkageSource).where(LinkageSource.dataset_id == dataset.id))
    if source is None:
        raise NotFound(f"dataset {dataset.public_id} is not a source of the person index.")
    session.delete(source)
    record_event(
        session,
        actor=actor,
        action="linkage.source.remove",
        resource_type="dataset",
        resource_id=dataset.public_id,
    )


def source_of(session: Session, *, actor: Actor, ref: str) -> tuple[Dataset, LinkageSource | None]:
    """A dataset and its mapping (None when it is not a source), for those who may edit it."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    found = session.scalar(select(LinkageSource).where(LinkageSource.dataset_id == dataset.id))
    return dataset, found


def suggested_mapping(dataset: Dataset) -> dict[str, str]:
    """A first guess from column names and standard elements, for the steward to correct."""
    columns = _columns(dataset)
    guesses: dict[str, str] = {}
    for attribute in ATTRIBUTES:
        names = {attribute, attribute.replace("_", ""), f"person_{attribute}"}
        if attribute == "suffix":
            names |= {"name_suffix"}
        if attribute == "address":
            names |= {"street_address", "address_line", "street"}
        if attribute == "zip":
            names |= {"zip_code", "zipcode", "postal_code"}
        if attribute == "date_of_birth":
            names |= {"dob", "birth_date"}
        found = next((c for c in columns if c.lower() in names), None)
        if found:
            guesses[attribute] = found
    return guesses


def source_view(session: Session, source: LinkageSource, dataset: Dataset) -> dict[str, Any]:
    records = session.scalar(
        select(func.count()).select_from(PersonRecord).where(PersonRecord.source == source.name)
    )
    job = session.get(Job, source.last_job_id) if source.last_job_id else None
    return {
        "name": source.name,
        "dataset": dataset.public_id,
        "title": dataset.title,
        "agency": dataset.agency.code,
        "id_column": source.id_column,
        "mapping": {a: "+".join(c) for a, c in source.mapping.items()},
        "records_in_index": records or 0,
        "current_version": dataset.current_version,
        "loaded_version": source.loaded_version,
        "behind": source.loaded_version != dataset.current_version,
        "configured_by": source.configured_by_name,
        "configured_at": source.configured_at.isoformat(),
        "last_job": _job_view(job),
    }


def _job_view(job: Job | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {
        "id": job.id,
        "status": job.status,
        "message": job.message,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "error": job.error,
        "url": f"/jobs/{job.id}",
    }


def list_sources(session: Session, *, actor: Actor) -> list[dict[str, Any]]:
    """Every source of the index with its mapping and how current it is."""
    authorize(session, actor=actor, action=Action.READ_PERSON, resource=SOURCES)
    return sources_view(session)


def sources_view(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(LinkageSource, Dataset)
        .join(Dataset, Dataset.id == LinkageSource.dataset_id)
        .order_by(LinkageSource.name)
    )
    return [source_view(session, source, dataset) for source, dataset in rows]


def list_runs(session: Session, *, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """The index's loads and re-runs, newest first, with the job that ran each."""
    if not 1 <= limit <= 500:
        raise InvalidInput(f"limit: {limit} is not between 1 and 500.")
    authorize(session, actor=actor, action=Action.READ_PERSON, resource=SOURCES)
    return runs_view(session, limit)


def runs_view(session: Session, limit: int) -> list[dict[str, Any]]:
    runs = session.scalars(select(LinkageRun).order_by(LinkageRun.id.desc()).limit(limit))
    return [
        {
            "id": run.id,
            "kind": run.kind,
            "source": run.source,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "records_in": run.records_in,
            "records_new": run.records_new,
            "records_changed": run.records_changed,
            "pairs_scored": run.pairs_scored,
            "persons_created": run.persons_created,
            "merges": run.merges,
            "splits": run.splits,
            "moves": run.moves,
            "held_apart": run.held_apart,
            "job": _job_view(session.get(Job, run.job_id) if run.job_id else None),
        }
        for run in runs
    ]


def start_load(session: Session, *, actor: Actor, refs: list[str] | None = None) -> Job:
    """Record a job loading these sources (all of them when ``refs`` is empty) into the index.

    Each dataset's stewards load it; the caller enqueues the job.
    """
    query = select(LinkageSource, Dataset).join(Dataset, Dataset.id == LinkageSource.dataset_id)
    named = {ref: get_dataset(session, actor=actor, ref=ref) for ref in refs or []}
    if named:
        query = query.where(LinkageSource.dataset_id.in_([d.id for d in named.values()]))
    chosen = list(session.execute(query.order_by(LinkageSource.name)))
    mapped = {dataset.id for _, dataset in chosen}
    for ref, dataset in named.items():
        if dataset.id not in mapped:
            raise NotFound(f"dataset {ref!r} is not a source of the person index; map it first.")
    if not chosen:
        raise Conflict("no dataset is a source of the person index yet; map one first.")
    for _, dataset in chosen:
        authorize(session, actor=actor, action=Action.EDIT_DATASET, resource=resource_of(dataset))
    job = create_job(
        session, actor=actor, kind=LOAD_JOB, params={"sources": [d.public_id for _, d in chosen]}
    )
    for source, _ in chosen:
        source.last_job_id = job.id
    return job


def read_records(
    session: Session, settings: Settings, dataset: Dataset, source: LinkageSource
) -> tuple[int, list[index.IncomingRecord]]:
    """The current version's number and its rows as person records: the id and each
    attribute's columns as text, read by the person index (audited like any read)."""
    mapping = _mapping_of(source)
    wanted = [source.id_column, *sorted({c for cols in mapping.columns.values() for c in cols})]
    reading = open_reading(
        session, actor=INDEX_ACTOR, settings=settings, ref=dataset.public_id, use=Use.INTERNAL
    )
    listed = ", ".join(f"CAST({quoted(c)} AS VARCHAR)" for c in wanted)
    rows = fetch_rows(reading, f"SELECT {listed} FROM {reading.relation.name}")  # noqa: S608
    position = {c: n for n, c in enumerate(wanted)}
    records = []
    for number, row in enumerate(rows, start=1):
        record_id = row[0]
        if record_id is None or not str(record_id).strip():
            raise InvalidInput(
                f"{dataset.public_id}, row {number}, column {source.id_column}: the record has "
                "no id."
            )
        raw: dict[str, str | None] = {}
        for attribute, columns in mapping.columns.items():
            parts = [row[position[c]] for c in columns]
            text = " ".join(p.strip() for p in parts if p and p.strip())
            raw[attribute] = text or None
        records.append(index.IncomingRecord(str(record_id).strip(), raw))
    return reading.version.number, records


def load_job(context: JobContext) -> dict[str, Any]:
    """Read each source's current version and load it into the index, with progress."""
    refs: list[str] = list(context.params["sources"])
    factory = context.session_factory
    steps = len(refs) + 4  # reading each source, then the index's own stages
    done = 0
    batches: dict[str, list[index.IncomingRecord]] = {}
    versions: dict[str, int] = {}
    for ref in refs:
        with unit_of_work(factory) as session:
            dataset = find_dataset(session, ref=ref)
            source = session.scalar(
                select(LinkageSource).where(LinkageSource.dataset_id == dataset.id)
            )
            if source is None:
                raise NotFound(f"dataset {ref} is no longer a source of the person index.")
            context.progress(done, steps, f"reading {dataset.title}")
            number, records = read_records(session, context.settings, dataset, source)
            batches[source.name] = records
            versions[source.name] = number
        # After the read's audit row is committed: on SQLite the log's own write would wait on it.
        context.log(f"{source.name}: {len(records):,} records in version {number}")
        done += 1

    def say(message: str) -> None:
        nonlocal done
        context.log(message)
        if not message.startswith(tuple(batches)):  # a source's counts are not a stage
            done = min(done + 1, steps - 1)
        context.progress(done, steps, message)

    with unit_of_work(factory) as session:
        run = index.load(
            session,
            batches,
            threshold=context.settings.linkage_match_threshold,
            backend=Backend.of(context.settings),
            progress=say,
        )
        run.job_id = context.job_id
        for name, number in versions.items():
            source = session.scalar(select(LinkageSource).where(LinkageSource.name == name))
            if source is not None:
                source.loaded_version = number
        record_event(
            session,
            actor=job_actor(session, context.job_id),
            action="linkage.load",
            resource_type="person_index",
            resource_id=run.id,
            detail={"sources": versions, "records": run.records_in},
        )
        summary = {
            "run": run.id,
            "records": run.records_in,
            "new": run.records_new,
            "changed": run.records_changed,
            "persons_created": run.persons_created,
            "merges": run.merges,
            "splits": run.splits,
            "url": "/persons",
        }
    context.progress(steps, steps, "done")
    return summary


def enqueue_changed_sources(
    settings: Settings, factory: sessionmaker[Session], enqueue: Callable[[int], None]
) -> None:
    """Load each source whose dataset has a version newer than the one it last loaded.

    A source whose last load is still queued or running waits for it, so the clock never
    stacks loads of one source.
    """
    with unit_of_work(factory) as session:
        behind = []
        for source, dataset in session.execute(
            select(LinkageSource, Dataset).join(Dataset, Dataset.id == LinkageSource.dataset_id)
        ):
            if dataset.current_version in (0, source.loaded_version):
                continue
            job = session.get(Job, source.last_job_id) if source.last_job_id else None
            if job is not None and job.status in ("queued", "running"):
                continue
            behind.append((source, dataset))
        if not behind:
            return
        job = create_job(
            session,
            actor=Actor.system("scheduler"),
            kind=LOAD_JOB,
            params={"sources": [d.public_id for _, d in behind]},
        )
        for source, _ in behind:
            source.last_job_id = job.id
        job_id = job.id
    enqueue(job_id)
