"""The sharing pages: the request queue, asking for data, a request with its review forms and
steps, and agreements as readable documents with their checklists."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statedata.catalog.datasets import find_dataset, may
from statedata.core.db import run_after_commit
from statedata.core.errors import InvalidInput, StatedataError
from statedata.identity.policy import Action, decide
from statedata.sharing import agreement_document, agreements, extracts, requests
from statedata.web.deps import CurrentActor, DbSession, PostedForm, require_form_csrf
from statedata.web.errors import flash_form_error
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/requests", response_class=HTMLResponse)
def queue_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    found = requests.request_queue(session, actor=actor)
    return render(
        request,
        "requests.html",
        {
            "requests": [requests.request_view(session, r) for r in found],
            "may_ask": decide(actor, Action.SUBMIT_REQUEST).allowed,
        },
        title="Data requests",
        json_url="/api/v1/requests",
    )


@router.get("/requests/new", response_class=HTMLResponse)
def new_request_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    return render(
        request,
        "request_new.html",
        {
            "datasets": requests.requestable_datasets(session, actor=actor),
            "agreements": agreements.list_agreements(session, actor=actor),
        },
        title="Ask for data",
        json_url="/api/v1/requests/datasets",
    )


@router.post("/requests/new", dependencies=[Depends(require_form_csrf)])
def submit_from_page(
    request: Request, session: DbSession, actor: CurrentActor, form: PostedForm
) -> Response:
    items = []
    for name in form:
        if name.startswith("columns-"):
            columns = [str(c) for c in form.getlist(name)]
            items.append({"dataset": name.removeprefix("columns-"), "columns": columns})
    body = {
        "title": str(form.get("title", "")),
        "purpose": str(form.get("purpose", "")),
        "linked": form.get("linked") == "yes",
        "agreement": str(form.get("agreement", "")) or None,
        "items": items,
    }
    try:
        made = requests.submit_request(session, actor=actor, body=body)
    except StatedataError as exc:
        flash_form_error(request, session, exc)
        return RedirectResponse("/requests/new", status_code=303)
    flash(request, f"Request {made.id} submitted; its stewards review it next.", kind="notice")
    return RedirectResponse(f"/requests/{made.id}", status_code=303)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(
    request_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    found = requests.get_request(session, actor=actor, request_id=request_id)
    view = requests.request_view(session, found)
    reviews = {
        item["id"]
        for item in view["items"]
        if item["decision"] == "pending"
        and found.status == "steward_review"
        and may(actor, Action.EDIT_DATASET, find_dataset(session, ref=item["dataset"]))
    }
    return render(
        request,
        "request.html",
        {
            "request": view,
            "reviews": reviews,
            "legal": found.status == "legal_review" and decide(actor, Action.LEGAL_REVIEW).allowed,
            "fulfils": extracts.may_fulfil(session, actor, found),
        },
        title=f"Data request {found.id}: {found.title}",
        json_url=f"/api/v1/requests/{found.id}",
    )


@router.post("/requests/{request_id}/items/{item_id}", dependencies=[Depends(require_form_csrf)])
def review_from_page(
    request_id: int,
    item_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    try:
        requests.review_item(
            session,
            actor=actor,
            request_id=request_id,
            item_id=item_id,
            approve=form.get("decision") == "approve",
            note=str(form.get("note", "")),
        )
    except StatedataError as exc:
        flash_form_error(request, session, exc)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/legal", dependencies=[Depends(require_form_csrf)])
def legal_from_page(
    request_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    raw_until = str(form.get("access_until", ""))
    try:
        try:
            until = date.fromisoformat(raw_until) if raw_until else None
        except ValueError:
            raise InvalidInput(f"access_until: {raw_until!r} is not a date.") from None
        requests.legal_decision(
            session,
            actor=actor,
            request_id=request_id,
            approve=form.get("decision") == "approve",
            note=str(form.get("note", "")),
            access_until=until,
        )
    except StatedataError as exc:
        flash_form_error(request, session, exc)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/fulfil", dependencies=[Depends(require_form_csrf)])
def fulfil_from_page(
    request_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    quasi = {
        column.strip(): kind.strip()
        for line in str(form.get("quasi_identifiers", "")).splitlines()
        if "=" in line
        for column, kind in [line.split("=", 1)]
    }
    try:
        k = int(str(form.get("k", "5")) or 5)
    except ValueError:
        flash(request, f"k: {form.get('k')!r} is not a whole number.")
        return RedirectResponse(f"/requests/{request_id}", status_code=303)
    try:
        job_id = extracts.start_fulfilment(
            session, actor=actor, request_id=request_id, quasi_identifiers=quasi, k=k
        ).id
    except StatedataError as exc:
        flash_form_error(request, session, exc)
        return RedirectResponse(f"/requests/{request_id}", status_code=303)
    queue = request.app.state.jobs
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/agreements", response_class=HTMLResponse)
def agreements_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    found = agreements.list_agreements(session, actor=actor)
    return render(
        request,
        "agreements.html",
        {"agreements": [agreements.agreement_view(a) for a in found]},
        title="Data sharing agreements",
        json_url="/api/v1/agreements",
    )


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(
    agreement_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    found = agreements.get_agreement(session, actor=actor, agreement_id=agreement_id)
    view = agreements.agreement_view(found)
    return render(
        request,
        "agreement.html",
        {"agreement": view, "sections": agreement_document.sections(view)},
        title=found.title,
        json_url=f"/api/v1/agreements/{found.id}",
    )


@router.get("/agreements/{agreement_id}/pdf")
def agreement_pdf(agreement_id: int, session: DbSession, actor: CurrentActor) -> Response:
    found = agreements.get_agreement(session, actor=actor, agreement_id=agreement_id)
    return Response(
        agreement_document.as_pdf(agreements.agreement_view(found)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="agreement-{found.id}.pdf"'},
    )
