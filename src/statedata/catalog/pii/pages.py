"""The steward's buttons for personal information found on load (shown on the dataset page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from statedata.catalog.pii import findings as pii
from statedata.web.deps import CurrentActor, DbSession, require_form_csrf
from statedata.web.templating import flash

router = APIRouter(include_in_schema=False)


@router.post("/datasets/{ref}/pii/{finding_id}", dependencies=[Depends(require_form_csrf)])
def decide_from_page(
    ref: str,
    finding_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    decision: str = Form(""),
) -> Response:
    found = pii.decide_finding(
        session, actor=actor, ref=ref, finding_id=finding_id, decision=decision
    )
    words = "confirmed as" if found.status == "confirmed" else "dismissed as"
    flash(request, f"{found.column_name}: {words} {found.category}.", kind="notice")
    return RedirectResponse(f"/datasets/{ref}#pii", status_code=303)
