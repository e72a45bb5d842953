"""The hub's pages: the exchanges, one exchange with its receipts, and the forms of each step."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statedata.core.db import run_after_commit
from statedata.core.errors import StatedataError
from statedata.identity.policy import Action, decide
from statedata.linkage.exchange import service
from statedata.linkage.exchange.router import receive_exchange_file
from statedata.web.deps import (
    CurrentActor,
    DbSession,
    PostedForm,
    require_form_csrf,
    streamed_form_csrf,
)
from statedata.web.errors import flash_form_error, shown_in_form
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/exchanges", response_class=HTMLResponse)
def exchanges_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    found = service.list_exchanges(session, actor=actor)
    return render(
        request,
        "exchanges.html",
        {
            "exchanges": [service.exchange_view(session, e) for e in found],
            "runs_hub": decide(actor, Action.MANAGE_EXCHANGE).allowed,
        },
        title="Linked data exchanges",
        json_url="/api/v1/exchanges",
    )


@router.post("/exchanges", dependencies=[Depends(require_form_csrf)])
def create_from_page(
    request: Request, session: DbSession, actor: CurrentActor, form: PostedForm
) -> Response:
    try:
        exchange = service.create_exchange(
            session,
            actor=actor,
            settings=request.app.state.settings,
            name=str(form.get("name", "")),
            purpose=str(form.get("purpose", "")),
            agencies=str(form.get("agencies", "")).replace(",", " ").split(),
        )
    except StatedataError as exc:
        flash_form_error(request, session, exc)
        return RedirectResponse("/exchanges", status_code=303)
    return RedirectResponse(f"/exchanges/{exchange.id}", status_code=303)


@router.get("/exchanges/{exchange_id}", response_class=HTMLResponse)
def exchange_page(
    exchange_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    exchange = service.get_exchange(session, actor=actor, exchange_id=exchange_id)
    resource = service.exchange_resource(session, actor, exchange)
    return render(
        request,
        "exchange.html",
        {
            "exchange": service.exchange_view(session, exchange),
            "runs_hub": decide(actor, Action.MANAGE_EXCHANGE).allowed,
            "submits": decide(actor, Action.SUBMIT_TO_EXCHANGE, resource).allowed,
        },
        title=exchange.name,
        json_url=f"/api/v1/exchanges/{exchange.id}",
    )


@router.post("/exchanges/{exchange_id}/files/{kind}")
async def submit_from_page(
    exchange_id: int, kind: str, request: Request, actor: CurrentActor
) -> Response:
    """The file streams to disk; the CSRF field must come before it in the form."""

    try:
        kept = await receive_exchange_file(
            request, actor, exchange_id, kind, before_file=streamed_form_csrf(request)
        )
    except StatedataError as exc:  # the file's fault, or the exchange's state: said on its page
        if not shown_in_form(exc):
            raise
        flash(request, exc.detail)
        return RedirectResponse(f"/exchanges/{exchange_id}", status_code=303)
    flash(
        request,
        f"Received {kept.agency_code}'s {kept.kind}: {kept.rows:,} records ({kept.checksum}).",
        kind="notice",
    )
    return RedirectResponse(f"/exchanges/{exchange_id}", status_code=303)


@router.post("/exchanges/{exchange_id}/link", dependencies=[Depends(require_form_csrf)])
def link_from_page(
    exchange_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    try:
        job_id = service.start_link(session, actor=actor, exchange_id=exchange_id).id
    except StatedataError as exc:
        flash_form_error(request, session, exc)
        return RedirectResponse(f"/exchanges/{exchange_id}", status_code=303)
    queue = request.app.state.jobs
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/exchanges/{exchange_id}/close", dependencies=[Depends(require_form_csrf)])
def close_from_page(
    exchange_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    service.close_exchange(session, actor=actor, exchange_id=exchange_id)
    flash(request, "Closed: the exchange's files and keys are destroyed.", kind="notice")
    return RedirectResponse(f"/exchanges/{exchange_id}", status_code=303)
