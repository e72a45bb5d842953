"""The hub's exchanges: open one, take agencies' files, link, destroy, release, close.

Each step is decided by policy and written to the audit log. Identifier files are destroyed
once the keys are issued (or after ``exchange_retention_days``), content leaves only joined to
keys, and closing the exchange destroys the keys and the content: afterwards the rows of the
exchange say what was received and destroyed, and hold nothing about any person.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.uploads import ReceivedFile
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import Conflict, InvalidInput, NotFound
from statedata.core.jobs import Job, JobContext
from statedata.identity.actor import Actor
from statedata.identity.agencies import get_agency_by_code
from statedata.identity.jobs import create_job
from statedata.identity.models import Agency
from statedata.identity.policy import Action, Resource, authorize, decide
from statedata.linkage.exchange.files import RECORD_ID, check_content, check_identifiers
from statedata.linkage.exchange.models import Exchange, ExchangeFile, ExchangeKey
from statedata.storage import duck
from statedata.storage.quoting import quoted

KINDS = ("identifiers", "content")
LINK_JOB = "exchange.link"


def exchange_resource(session: Session, actor: Actor, exchange: Exchange) -> Resource:
    """The exchange as policy sees it: the actor's agency when it takes part, else none."""
    agency = session.get(Agency, actor.agency_id) if actor.agency_id else None
    taking_part = agency is not None and agency.code in exchange.agencies
    return Resource(
        "exchange", str(exchange.id), agency_id=agency.id if taking_part and agency else None
    )


def _exchange(session: Session, exchange_id: int) -> Exchange:
    found = session.get(Exchange, exchange_id)
    if found is None:
        raise NotFound(f"no exchange {exchange_id}.")
    return found


def create_exchange(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    name: str,
    purpose: str,
    agencies: list[str],
) -> Exchange:
    """Open an exchange between two or more agencies for a stated purpose (the hub only)."""
    authorize(session, actor=actor, action=Action.MANAGE_EXCHANGE, resource=Resource("exchange"))
    if not name.strip() or len(name) > 200:
        raise InvalidInput("name: give the exchange a name of 1 to 200 characters.")
    if not purpose.strip():
        raise InvalidInput("purpose: state what the linked data is for.")
    codes = [code.strip().upper() for code in agencies if code.strip()]
    if len(set(codes)) < 2:
        raise InvalidInput("agencies: an exchange links the records of two or more agencies.")
    for code in codes:
        get_agency_by_code(session, code=code)  # names an unknown code
    exchange = Exchange(
        name=name.strip(),
        purpose=purpose.strip(),
        agencies=list(dict.fromkeys(codes)),
        retention_days=settings.exchange_retention_days,
        created_by_name=actor.username,
    )
    session.add(exchange)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="exchange.create",
        resource_type="exchange",
        resource_id=exchange.id,
        detail={"agencies": exchange.agencies, "purpose": exchange.purpose},
    )
    return exchange


def get_exchange(session: Session, *, actor: Actor, exchange_id: int) -> Exchange:
    exchange = _exchange(session, exchange_id)
    authorize(
        session,
        actor=actor,
        action=Action.READ_EXCHANGE,
        resource=exchange_resource(session, actor, exchange),
    )
    return exchange


def list_exchanges(session: Session, *, actor: Actor) -> list[Exchange]:
    """The exchanges the actor may see: all for the hub, their agency's for its keepers."""
    # whether the actor's role could take part at all (analysts, researchers: no)
    authorize(
        session,
        actor=actor,
        action=Action.READ_EXCHANGE,
        resource=Resource("exchange", agency_id=actor.agency_id),
    )
    return [
        exchange
        for exchange in session.scalars(select(Exchange).order_by(Exchange.id.desc()))
        if decide(actor, Action.READ_EXCHANGE, exchange_resource(session, actor, exchange)).allowed
    ]


def files_of(session: Session, exchange: Exchange) -> list[ExchangeFile]:
    return list(
        session.scalars(
            select(ExchangeFile)
            .where(ExchangeFile.exchange_id == exchange.id)
            .order_by(ExchangeFile.agency_code, ExchangeFile.kind)
        )
    )


def exchange_view(session: Session, exchange: Exchange) -> dict[str, Any]:
    files = files_of(session, exchange)
    return {
        "id": exchange.id,
        "name": exchange.name,
        "purpose": exchange.purpose,
        "agencies": exchange.agencies,
        "status": exchange.status,
        "method": exchange.method or None,
        "threshold": exchange.threshold,
        "retention_days": exchange.retention_days,
        "records": exchange.records,
        "persons": exchange.persons,
        "created_by": exchange.created_by_name,
        "created_at": exchange.created_at.isoformat(),
        "linked_at": exchange.linked_at.isoformat() if exchange.linked_at else None,
        "closed_at": exchange.closed_at.isoformat() if exchange.closed_at else None,
        "waiting_for": waiting_for(exchange, files),
        "files": [
            {
                "agency": f.agency_code,
                "kind": f.kind,
                "file_name": f.file_name,
                "rows": f.rows,
                "columns": f.columns,
                "checksum": f.checksum,
                "submitted_by": f.submitted_by_name,
                "submitted_at": f.submitted_at.isoformat(),
                "destroyed_at": f.destroyed_at.isoformat() if f.destroyed_at else None,
                "destruction": f.destruction or None,
            }
            for f in files
        ],
    }


def waiting_for(exchange: Exchange, files: list[ExchangeFile]) -> list[str]:
    """'DOL identifiers' and the like: what the exchange still needs before it can link."""
    have = {(f.agency_code, f.kind) for f in files}
    return [
        f"{code} {kind}"
        for code in exchange.agencies
        for kind in KINDS
        if (code, kind) not in have and not (kind == "identifiers" and exchange.status != "open")
    ]


def _folder(settings: Settings, exchange: Exchange) -> Path:
    folder = settings.exchange_dir / str(exchange.id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def submit_file(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    exchange_id: int,
    kind: str,
    received: ReceivedFile,
) -> ExchangeFile:
    """Keep an agency's identifier or content file, checked first; a later one of the same
    kind replaces it until the exchange is linked (identifiers) or closed (content)."""
    try:
        exchange = _exchange(session, exchange_id)
        authorize(
            session,
            actor=actor,
            action=Action.SUBMIT_TO_EXCHANGE,
            resource=exchange_resource(session, actor, exchange),
        )
        if kind not in KINDS:
            raise InvalidInput(f"kind: {kind!r} is not identifiers or content.")
        if exchange.status == "closed" or (kind == "identifiers" and exchange.status != "open"):
            raise Conflict(f"exchange {exchange.id} is {exchange.status}: it takes no {kind} now.")
        agency = session.get(Agency, actor.agency_id)
        assert agency is not None  # policy allowed only a keeper of a taking-part agency
        checked = (check_identifiers if kind == "identifiers" else check_content)(
            received.path, received.file_name
        )
        target = _folder(settings, exchange) / f"{agency.code}-{kind}.csv"
        shutil.move(received.path, target)
    finally:
        received.path.unlink(missing_ok=True)  # refused, or moved already
    found = session.scalar(
        select(ExchangeFile).where(
            ExchangeFile.exchange_id == exchange.id,
            ExchangeFile.agency_code == agency.code,
            ExchangeFile.kind == kind,
        )
    )
    if found is None:
        found = ExchangeFile(exchange_id=exchange.id, agency_code=agency.code, kind=kind)
        session.add(found)
    found.file_name = received.file_name[:300]
    found.stored_path = str(target)
    found.rows, found.columns = checked.rows, checked.columns
    found.checksum = received.checksum
    found.submitted_by_name = actor.username
    found.submitted_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="exchange.submit",
        resource_type="exchange",
        resource_id=exchange.id,
        detail={"agency": agency.code, "kind": kind, "rows": checked.rows,
                "checksum": received.checksum},
    )  # fmt: skip
    return found


def start_link(
    session: Session, *, actor: Actor, exchange_id: int, threshold: float | None = None
) -> Job:
    """Record the job that links the exchange's identifiers (every agency's must be in).

    Args:
        threshold: the Dice coefficient at which two encodings are one person (encoded
            identifiers only; ``DICE_THRESHOLD`` when not given). Files where every person is in
            every agency's file (FEBRL4) link best near 0.6; where many are in one agency's only,
            a household member is the best candidate left, and 0.7 to 0.75 keeps them apart.
    """
    exchange = _exchange(session, exchange_id)
    authorize(session, actor=actor, action=Action.MANAGE_EXCHANGE, resource=Resource("exchange"))
    if threshold is not None and not 0 < threshold <= 1:
        raise InvalidInput(f"threshold: {threshold} is not above 0 and at most 1.")
    if exchange.status != "open":
        raise Conflict(f"exchange {exchange.id} is {exchange.status} already.")
    files = files_of(session, exchange)
    missing = [
        code
        for code in exchange.agencies
        if not any(f.agency_code == code and f.kind == "identifiers" for f in files)
    ]
    if missing:
        raise Conflict(f"exchange {exchange.id} waits for identifiers from {', '.join(missing)}.")
    methods = {
        ("bloom" if "clk" in f.columns else "clear") for f in files if f.kind == "identifiers"
    }
    if len(methods) > 1:
        raise Conflict(
            "the agencies sent identifiers in clear and encoded (clk) alike; all must send the "
            "same kind."
        )
    if threshold is not None and methods != {"bloom"}:
        raise InvalidInput("threshold: only encoded (clk) identifiers are joined by a threshold.")
    exchange.threshold = threshold if "bloom" in methods else None
    return create_job(session, actor=actor, kind=LINK_JOB, params={"exchange": exchange.id})


def _clusters(
    files: list[ExchangeFile], method: str, threshold: float | None, say: Callable[[str], None]
) -> dict[tuple[str, str], str]:
    """(agency, record id) -> a cluster label, by the exchange's method."""
    if method == "bloom":
        from statedata.linkage.pprl.encode import decode_filter
        from statedata.linkage.pprl.hub import DICE_THRESHOLD, Encodings, link_encodings

        sources = []
        for f in files:
            with open(f.stored_path, newline="") as handle:
                rows = [
                    (row[RECORD_ID], decode_filter(row["clk"], f"{f.file_name}, row {n}"))
                    for n, row in enumerate(csv.DictReader(handle), start=2)
                ]
            sources.append(Encodings.of(f.agency_code, rows))
        say("comparing encodings")
        return link_encodings(sources, threshold or DICE_THRESHOLD).clusters
    from statedata.linkage.attributes import Mapping
    from statedata.linkage.prepare import Source
    from statedata.linkage.run import link_sources

    attributes = sorted({c for f in files for c in f.columns if c != RECORD_ID})
    result = link_sources(
        [Source(Path(f.stored_path), f.agency_code) for f in files],
        id_column=RECORD_ID,
        mapping=Mapping({a: (a,) for a in attributes}),
        progress=say,
    )
    table = result.clusters
    return {
        (s, r): p
        for s, r, p in zip(
            table.column("source_file").to_pylist(),
            table.column("record_id").to_pylist(),
            table.column("person_id").to_pylist(),
            strict=True,
        )
    }


def link_job(context: JobContext) -> dict[str, Any]:
    """Link the identifiers, issue a random key per person, then destroy the identifiers
    (unless the exchange keeps them a while)."""
    factory = context.session_factory
    with unit_of_work(factory) as session:
        exchange = _exchange(session, int(context.params["exchange"]))
        files = [f for f in files_of(session, exchange) if f.kind == "identifiers"]
        method = "bloom" if "clk" in files[0].columns else "clear"
        threshold = exchange.threshold
        session.expunge_all()
    context.progress(0, 3, f"linking {sum(f.rows for f in files):,} records ({method})")
    clusters = _clusters(files, method, threshold, context.log)
    context.progress(1, 3, "issuing keys")
    keys: dict[str, str] = {}
    rows = []
    for (agency, record_id), cluster in clusters.items():
        key = keys.get(cluster)
        if key is None:
            key = keys[cluster] = "K" + secrets.token_hex(8)
        rows.append({"agency_code": agency, "record_id": record_id, "key": key})
    # (said before the write: on SQLite a job's progress row cannot be written during it)
    context.progress(2, 3, "keeping the keys and destroying what they replace")
    with unit_of_work(factory) as session:
        exchange = _exchange(session, int(context.params["exchange"]))
        for start in range(0, len(rows), 5000):
            session.execute(
                insert(ExchangeKey),
                [{**row, "exchange_id": exchange.id} for row in rows[start : start + 5000]],
            )
        exchange.status, exchange.method, exchange.linked_at = "linked", method, utcnow()
        exchange.records, exchange.persons = len(rows), len(keys)
        actor = _job_actor(session, context.job_id)
        record_event(
            session,
            actor=actor,
            action="exchange.link",
            resource_type="exchange",
            resource_id=exchange.id,
            detail={"method": method, "records": len(rows), "persons": len(keys)},
        )
        if exchange.retention_days == 0:
            destroy_identifiers(session, actor=actor, exchange=exchange, why="linked; no retention")
    context.progress(3, 3, "done")
    return {"records": len(rows), "persons": len(keys), "url": f"/exchanges/{exchange.id}"}


def _job_actor(session: Session, job_id: int) -> Actor:
    from statedata.identity.jobs import job_actor

    return job_actor(session, job_id)


def _destroy(path: str) -> None:
    """Overwrite a file with zeros before removing it, so its blocks do not keep it."""
    target = Path(path)
    if not target.exists():
        return
    size = target.stat().st_size
    with target.open("r+b") as handle:
        remaining = size
        while remaining:
            step = min(remaining, 1 << 20)
            handle.write(b"\0" * step)
            remaining -= step
        handle.flush()
        os.fsync(handle.fileno())
    target.unlink()


def _destroy_files(
    session: Session, *, actor: Actor, exchange: Exchange, kinds: tuple[str, ...], why: str
) -> int:
    destroyed = 0
    for found in files_of(session, exchange):
        if found.kind not in kinds or found.destroyed_at is not None:
            continue
        _destroy(found.stored_path)
        found.stored_path = ""
        found.destroyed_at = utcnow()
        found.destruction = f"overwritten and deleted by {actor.username}: {why}"
        destroyed += 1
        record_event(
            session,
            actor=actor,
            action=f"exchange.{found.kind}.destroy",
            resource_type="exchange",
            resource_id=exchange.id,
            detail={"agency": found.agency_code, "rows": found.rows, "checksum": found.checksum,
                    "why": why},
        )  # fmt: skip
    return destroyed


def destroy_identifiers(session: Session, *, actor: Actor, exchange: Exchange, why: str) -> int:
    """Destroy the exchange's identifier files, each destruction recorded; returns how many."""
    return _destroy_files(session, actor=actor, exchange=exchange, kinds=("identifiers",), why=why)


def destroy_expired_identifiers(
    settings: Settings, factory: sessionmaker[Session], enqueue: Callable[[int], None]
) -> None:
    """Destroy identifier files kept past their exchange's retention after linking."""
    now = utcnow()
    with unit_of_work(factory) as session:
        for exchange in session.scalars(select(Exchange).where(Exchange.status == "linked")):
            assert exchange.linked_at is not None
            if exchange.linked_at + timedelta(days=exchange.retention_days) <= now:
                destroy_identifiers(
                    session,
                    actor=Actor.system("retention"),
                    exchange=exchange,
                    why=f"retention of {exchange.retention_days} days after linking ended",
                )


def release(
    session: Session, *, actor: Actor, exchange_id: int, agency: str
) -> tuple[list[str], Iterator[tuple[Any, ...]], dict[str, int]]:
    """An agency's content with each record id replaced by its person's key: the header, the
    rows, and the counts (released, and content rows whose record had no identifiers)."""
    exchange = _exchange(session, exchange_id)
    authorize(session, actor=actor, action=Action.MANAGE_EXCHANGE, resource=Resource("exchange"))
    if exchange.status != "linked":
        raise Conflict(f"exchange {exchange.id} is {exchange.status}: only a linked one releases.")
    code = agency.strip().upper()
    content = next(
        (f for f in files_of(session, exchange) if f.agency_code == code and f.kind == "content"),
        None,
    )
    if content is None or not content.stored_path:
        raise NotFound(f"exchange {exchange.id} holds no content from {code!r}.")
    keys = session.execute(
        select(ExchangeKey.record_id, ExchangeKey.key).where(
            ExchangeKey.exchange_id == exchange.id, ExchangeKey.agency_code == code
        )
    ).all()
    connection = duck.connect(threads=1)
    connection.register(
        "keys",
        pa.table({"record_id": [r for r, _ in keys], "person_key": [k for _, k in keys]}),
    )
    connection.read_csv(content.stored_path, header=True, all_varchar=True).create_view("content")
    columns = [c for c in content.columns if c != RECORD_ID]
    listed = ", ".join(f"c.{quoted(c)}" for c in columns)
    unmatched = connection.execute(
        "SELECT count(*) FROM content c ANTI JOIN keys k ON c.record_id = k.record_id"
    ).fetchall()[0][0]
    released = content.rows - unmatched
    record_event(
        session,
        actor=actor,
        action="exchange.release",
        resource_type="exchange",
        resource_id=exchange.id,
        detail={"agency": code, "rows": released, "unmatched": unmatched},
    )
    cursor = connection.execute(
        f"SELECT k.person_key, {listed} FROM content c JOIN keys k "  # noqa: S608 (quoted names)
        "ON c.record_id = k.record_id ORDER BY k.person_key"
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            while batch := cursor.fetchmany(10_000):
                yield from batch
        finally:
            connection.close()

    return ["person_key", *columns], rows(), {"released": released, "unmatched": unmatched}


def close_exchange(session: Session, *, actor: Actor, exchange_id: int) -> Exchange:
    """Destroy what is left (identifiers, content, the keys) and close the exchange."""
    exchange = _exchange(session, exchange_id)
    authorize(session, actor=actor, action=Action.MANAGE_EXCHANGE, resource=Resource("exchange"))
    if exchange.status == "closed":
        raise Conflict(f"exchange {exchange.id} is closed already.")
    _destroy_files(session, actor=actor, exchange=exchange, kinds=KINDS, why="exchange closed")
    removed = session.execute(delete(ExchangeKey).where(ExchangeKey.exchange_id == exchange.id))
    exchange.status, exchange.closed_at = "closed", utcnow()
    record_event(
        session,
        actor=actor,
        action="exchange.close",
        resource_type="exchange",
        resource_id=exchange.id,
        detail={"keys_destroyed": getattr(removed, "rowcount", 0)},
    )
    return exchange
