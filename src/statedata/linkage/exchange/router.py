"""The hub's exchanges as JSON: open one, agencies send their files, link, release, close."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from statedata.catalog.uploads import ReceivedFile
from statedata.core.db import unit_of_work
from statedata.core.text_fields import NONBLANK
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, authorize
from statedata.linkage.exchange import service
from statedata.linkage.exchange.models import ExchangeFile
from statedata.web.deps import CurrentActor, DbSession, enqueue_after_commit
from statedata.web.uploads import receive_upload

router = APIRouter(prefix="/api/v1/exchanges", tags=["exchanges"])


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        max_length=200, pattern=NONBLANK, examples=["Education to workforce outcomes, 2026"]
    )
    purpose: str = Field(max_length=5000, pattern=NONBLANK, description="What it is for.")
    agencies: list[Annotated[str, Field(pattern=r"^\s*[A-Za-z][A-Za-z0-9]{1,19}\s*$")]] = Field(
        min_length=2,
        max_length=30,
        json_schema_extra={"uniqueItems": True},
        description="Two or more agencies' codes, whose records are linked.",
    )


async def receive_exchange_file(
    request: Request,
    actor: Actor,
    exchange_id: int,
    kind: str,
    *,
    before_file: Callable[[dict[str, str]], None] | None = None,
) -> ExchangeFile:
    """Refuse before a byte is read unless the actor's agency takes part, stream the file to
    disk, then check and keep it (a refused file is deleted)."""
    factory = request.app.state.session_factory
    settings = request.app.state.settings

    def may_submit() -> None:
        with unit_of_work(factory) as session:
            exchange = service.get_exchange(session, actor=actor, exchange_id=exchange_id)
            authorize(
                session,
                actor=actor,
                action=Action.SUBMIT_TO_EXCHANGE,
                resource=service.exchange_resource(session, actor, exchange),
            )

    def keep(received: ReceivedFile) -> ExchangeFile:
        with unit_of_work(factory) as session:
            kept = service.submit_file(
                session,
                actor=actor,
                settings=settings,
                exchange_id=exchange_id,
                kind=kind,
                received=received,
            )
            session.expunge(kept)
            return kept

    # database work and the file's checks on a worker thread, the body's streaming on the loop
    await run_in_threadpool(may_submit)
    received, _ = await receive_upload(request, settings, before_file=before_file)
    kept = await run_in_threadpool(keep, received)
    return kept


def _receipt(kept: ExchangeFile) -> dict[str, Any]:
    return {
        "agency": kept.agency_code,
        "kind": kept.kind,
        "file_name": kept.file_name,
        "rows": kept.rows,
        "columns": kept.columns,
        "checksum": kept.checksum,
    }


@router.get("")
def list_exchanges(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """The exchanges you may see: every one for the hub, your agency's for its keepers."""
    return [service.exchange_view(session, e) for e in service.list_exchanges(session, actor=actor)]


@router.post("", status_code=201)
def create_exchange(
    body: ExchangeIn, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Open an exchange between agencies for a stated purpose (the CDO's office)."""
    exchange = service.create_exchange(
        session,
        actor=actor,
        settings=request.app.state.settings,
        name=body.name,
        purpose=body.purpose,
        agencies=body.agencies,
    )
    return service.exchange_view(session, exchange)


@router.get("/{exchange_id}")
def read_exchange(exchange_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """An exchange: its agencies, what it still waits for, and a receipt of every file with
    when and how it was destroyed."""
    exchange = service.get_exchange(session, actor=actor, exchange_id=exchange_id)
    return service.exchange_view(session, exchange)


@router.post("/{exchange_id}/identifiers", status_code=201)
async def submit_identifiers(
    exchange_id: int, request: Request, actor: CurrentActor
) -> dict[str, Any]:
    """Send your agency's identifier file (multipart field ``file`` or the raw body with
    ``?filename=``): ``record_id`` and identifiers named as person attributes, or ``record_id``
    and ``clk`` from ``statedata pprl encode``. Nothing else may be in it."""
    return _receipt(await receive_exchange_file(request, actor, exchange_id, "identifiers"))


@router.post("/{exchange_id}/content", status_code=201)
async def submit_content(exchange_id: int, request: Request, actor: CurrentActor) -> dict[str, Any]:
    """Send your agency's content file: ``record_id`` and the exchange's data, no identifiers."""
    return _receipt(await receive_exchange_file(request, actor, exchange_id, "content"))


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="Encoded identifiers only: the Dice coefficient at which two records are "
        "one person (0.6 when not given; 0.7 to 0.75 where many persons are in one agency's "
        "file only).",
    )


@router.post("/{exchange_id}/link", status_code=202)
def link(
    exchange_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    body: LinkIn | None = None,
) -> dict[str, Any]:
    """Link the identifiers as a job: each person gets a random key, then the identifiers are
    destroyed (or kept for the configured retention)."""
    threshold = body.threshold if body else None
    job_id = service.start_link(
        session, actor=actor, exchange_id=exchange_id, threshold=threshold
    ).id
    return enqueue_after_commit(request, session, job_id)


@router.get("/{exchange_id}/release/{agency}.csv")
def release(
    exchange_id: int, agency: str, session: DbSession, actor: CurrentActor
) -> StreamingResponse:
    """An agency's content with its person keys in place of record ids (audited)."""
    header, rows, counts = service.release(
        session, actor=actor, exchange_id=exchange_id, agency=agency
    )
    session.commit()  # the audit row is written before the first byte leaves

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = f"exchange-{exchange_id}-{agency.upper()}.csv"
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Rows-Released": str(counts["released"]),
            "X-Rows-Unmatched": str(counts["unmatched"]),
        },
    )


@router.post("/{exchange_id}/close")
def close(exchange_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Close the exchange: its files and keys are destroyed, each destruction recorded."""
    exchange = service.close_exchange(session, actor=actor, exchange_id=exchange_id)
    return service.exchange_view(session, exchange)
