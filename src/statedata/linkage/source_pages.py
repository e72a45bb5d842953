"""The person index's home page (persons, sources, runs with their progress) and the steward's
page that maps a dataset's columns to person attributes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from statedata.catalog.datasets import find_dataset, may
from statedata.catalog.models import Dataset
from statedata.core.db import run_after_commit
from statedata.core.errors import StatedataError
from statedata.identity.actor import Actor, Role
from statedata.identity.policy import Action
from statedata.linkage import service, sources
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.models import LinkageSource
from statedata.web.deps import CurrentActor, DbSession, PostedForm, require_form_csrf
from statedata.web.errors import flash_form_error, shown_in_form
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/persons", response_class=HTMLResponse)
def index_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    found = service.overview(session, actor=actor, settings=request.app.state.settings)
    working = any(
        run["job"] and run["job"]["status"] in ("queued", "running") for run in found["runs"]
    ) or any(
        s["last_job"] and s["last_job"]["status"] in ("queued", "running") for s in found["sources"]
    )
    editable = {
        s["dataset"]
        for s in found["sources"]
        if may(actor, Action.EDIT_DATASET, find_dataset(session, ref=s["dataset"]))
    }
    return render(
        request,
        "persons_index.html",
        {
            "index": found,
            "working": working,
            "editable": editable,
            "loads_all": actor.role is Role.ADMIN,
        },
        title="Person index",
        json_url="/api/v1/persons/sources",
    )


@router.post("/persons/runs", dependencies=[Depends(require_form_csrf)])
def load_from_page(
    request: Request, session: DbSession, actor: CurrentActor, form: PostedForm
) -> Response:
    refs = [str(v) for v in form.getlist("source") if str(v)]
    try:
        job_id = sources.start_load(session, actor=actor, refs=refs).id
    except StatedataError as exc:
        flash_form_error(request, session, exc)
        return RedirectResponse("/persons", status_code=303)
    queue = request.app.state.jobs
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _mapping_form(
    request: Request,
    session: Session,
    actor: Actor,
    dataset: Dataset,
    source: LinkageSource | None,
    values: dict[str, str] | None,
    error: str | None,
    status_code: int = 200,
) -> Response:
    if values is None:
        if source is None:
            values = {"id_column": "", **sources.suggested_mapping(dataset)}
        else:
            values = {
                "id_column": source.id_column,
                **{a: "+".join(c) for a, c in source.mapping.items()},
            }
    return render(
        request,
        "linkage_source.html",
        {
            "dataset": dataset,
            "source": sources.source_view(session, source, dataset) if source else None,
            "values": values,
            "attributes": ATTRIBUTES,
            "columns": [f["name"] for f in dataset.dictionary],
            "may_edit": may(actor, Action.EDIT_DATASET, dataset),
            "error": error,
        },
        title=f"Person linkage of {dataset.title}",
        json_url=f"/api/v1/datasets/{dataset.public_id}/linkage",
        status_code=status_code,
    )


@router.get("/datasets/{ref}/linkage", response_class=HTMLResponse)
def mapping_page(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    dataset, source = sources.source_of(session, actor=actor, ref=ref)
    return _mapping_form(request, session, actor, dataset, source, None, None)


@router.post("/datasets/{ref}/linkage", dependencies=[Depends(require_form_csrf)])
def mapping_from_page(
    ref: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    if form.get("action") == "remove":
        sources.remove_source(session, actor=actor, ref=ref)
        flash(request, "The dataset no longer feeds the person index.", kind="notice")
        return RedirectResponse(f"/datasets/{ref}/linkage", status_code=303)
    values: dict[str, Any] = {name: str(form.get(name, "")) for name in ("id_column", *ATTRIBUTES)}
    try:
        source = sources.configure_source(
            session,
            actor=actor,
            ref=ref,
            id_column=values["id_column"],
            mapping={a: values[a] for a in ATTRIBUTES if values[a].strip()},
        )
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        session.rollback()
        dataset, found = sources.source_of(session, actor=actor, ref=ref)
        return _mapping_form(request, session, actor, dataset, found, values, exc.detail, 422)
    flash(request, f"Saved: the index calls this source {source.name}.", kind="notice")
    return RedirectResponse(f"/datasets/{ref}/linkage", status_code=303)
