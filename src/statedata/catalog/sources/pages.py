"""The steward's page for a dataset's pulled source: configure it, see its schedule, pull now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from statedata.catalog import datasets
from statedata.catalog.models import Dataset
from statedata.catalog.sources import configuration as sources
from statedata.catalog.sources import pulls
from statedata.core.db import run_after_commit
from statedata.core.errors import StatedataError
from statedata.core.jobs import Job
from statedata.storage.readers import FORMATS
from statedata.web.deps import CurrentActor, DbSession, PostedForm, get_settings, require_form_csrf
from statedata.web.errors import shown_in_form
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


def _source_form(
    request: Request,
    session: Session,
    dataset: Dataset,
    values: dict[str, Any],
    error: str | None,
    status_code: int = 200,
) -> Response:
    last_job = session.get(Job, dataset.last_pull_job_id) if dataset.last_pull_job_id else None
    source = sources.source_view(dataset)
    return render(
        request,
        "source.html",
        {
            "dataset": dataset,
            "source": source,
            "values": values or source,
            "last_job": last_job,
            "formats": FORMATS,
            "folders": get_settings(request).source_roots,
            "error": error,
        },
        title=f"Source of {dataset.title}",
        json_url=f"/api/v1/datasets/{dataset.public_id}/source",
        status_code=status_code,
    )


@router.get("/datasets/{ref}/source", response_class=HTMLResponse)
def source_page(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    dataset = datasets.get_dataset_for_edit(session, actor=actor, ref=ref)
    return _source_form(request, session, dataset, {}, None)


@router.post("/datasets/{ref}/source", dependencies=[Depends(require_form_csrf)])
def source_from_page(
    ref: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    values = {
        name: str(form.get(name, "")) for name in ("kind", "location", "query", "format", "mode")
    }
    try:
        dataset = sources.configure_source(
            session,
            actor=actor,
            settings=get_settings(request),
            ref=ref,
            config=sources.SourceConfig.from_body(values),
        )
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        session.rollback()
        dataset = datasets.get_dataset_for_edit(session, actor=actor, ref=ref)
        return _source_form(request, session, dataset, values, exc.detail, 422)
    flash(request, "Source saved." if dataset.source_kind else "Source removed.", kind="notice")
    return RedirectResponse(f"/datasets/{dataset.public_id}/source", status_code=303)


@router.post("/datasets/{ref}/source/pull", dependencies=[Depends(require_form_csrf)])
def pull_from_page(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    try:
        job_id = pulls.start_pull(session, actor=actor, ref=ref).id
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        flash(request, exc.detail)
        return RedirectResponse(f"/datasets/{ref}/source", status_code=303)
    queue = request.app.state.jobs
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
