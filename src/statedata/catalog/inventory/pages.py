"""Pages of an agency's annual inventory: the items the viewer may see, importing a spreadsheet
of them, and the data officer's yearly submission."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statedata.catalog import vocabulary as vocab
from statedata.catalog.inventory import annual as inventory
from statedata.core.db import utcnow
from statedata.core.errors import StatedataError
from statedata.identity.agencies import get_agency_by_code
from statedata.identity.policy import Action, Resource, decide
from statedata.web.deps import CurrentActor, DbSession, PostedForm, require_form_csrf
from statedata.web.errors import shown_in_form
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/inventory/{code}", response_class=HTMLResponse)
def inventory_page(
    code: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    agency = get_agency_by_code(session, code=code.upper())
    rows = inventory.inventory_rows(session, actor=actor, agency_code=agency.code)
    manage = decide(
        actor,
        Action.MANAGE_INVENTORY,
        Resource(type="inventory", id=agency.code, agency_id=agency.id),
    ).allowed
    return render(
        request,
        "inventory.html",
        {
            "agency": agency,
            "rows": rows,
            "manage": manage,
            "year": utcnow().year,
            "criteria": vocab.HIGH_VALUE_CRITERIA,
            "submissions": inventory.list_submissions(session, agency_id=agency.id),
        },
        title=f"Inventory of {agency.name}",
        json_url=f"/api/v1/inventory/{agency.code}",
    )


@router.post("/inventory/{code}/import", dependencies=[Depends(require_form_csrf)])
def inventory_import_from_page(
    code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        flash(request, "file: choose a CSV or XLSX file to import.")
        return RedirectResponse(f"/inventory/{code.upper()}", status_code=303)
    name = upload.filename or ""
    content = upload.file.read()  # a spooled file: this thread may block on it
    try:
        counts = inventory.import_inventory(
            session,
            actor=actor,
            agency_code=code,
            content=content,
            fmt="xlsx" if name.lower().endswith(".xlsx") else "csv",
        )
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        session.rollback()
        flash(request, exc.detail)
    else:
        flash(
            request,
            f"Imported: {counts['updated']} updated, {counts['added']} added.",
            kind="notice",
        )
    return RedirectResponse(f"/inventory/{code.upper()}", status_code=303)


@router.post("/inventory/{code}/submissions", dependencies=[Depends(require_form_csrf)])
def inventory_submit_from_page(
    code: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    year: int = Form(...),
    note: str = Form(""),
) -> Response:
    try:
        inventory.submit_inventory(session, actor=actor, agency_code=code, year=year, note=note)
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        flash(request, exc.detail)
    else:
        flash(request, f"The {year} inventory was submitted.", kind="notice")
    return RedirectResponse(f"/inventory/{code.upper()}", status_code=303)
