"""The home page, the API index and health check, and the jobs pages and API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from statedata import __version__
from statedata.core import jobs
from statedata.core.instance import is_demo
from statedata.identity import jobs as job_access
from statedata.identity.models import Agency
from statedata.web.deps import CurrentActor, DbSession
from statedata.web.templating import render

api = APIRouter(prefix="/api/v1", tags=["portal"])
pages = APIRouter(include_in_schema=False)


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    status: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    progress_done: int
    progress_total: int | None
    message: str
    log: str
    error: str | None
    created_by_name: str
    created_at: Any
    started_at: Any
    finished_at: Any


def _overview(session: Session) -> dict[str, Any]:
    return {
        "version": __version__,
        "agencies": session.scalar(select(func.count()).select_from(Agency)) or 0,
        "demo": is_demo(session),
        "links": {
            "agencies": "/api/v1/agencies",
            "me": "/api/v1/me",
            "jobs": "/api/v1/jobs",
            "audit": "/api/v1/audit",
            "openapi": "/api/v1/openapi.json",
            "docs": "/api/v1/docs",
        },
    }


@api.get("")
def api_index(session: DbSession) -> dict[str, Any]:
    """What this API offers, with links."""
    return _overview(session)


@api.get("/health")
def health(session: DbSession) -> dict[str, str]:
    """Liveness and database reachability, for load balancers."""
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}


@api.get("/jobs", response_model=list[JobOut])
def list_jobs(session: DbSession, actor: CurrentActor) -> list[jobs.Job]:
    """Background jobs you started (all of them for admins), newest first."""
    return job_access.list_jobs(session, actor=actor)


@api.get("/jobs/{job_id}", response_model=JobOut)
def read_job(
    job_id: int,
    session: DbSession,
    actor: CurrentActor,
) -> jobs.Job:
    """One job with its progress and log."""
    return job_access.get_job(session, actor=actor, job_id=job_id)


@pages.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    return render(
        request, "home.html", {"overview": _overview(session)}, title="Home", json_url="/api/v1"
    )


@pages.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    return render(
        request,
        "jobs.html",
        {"jobs": job_access.list_jobs(session, actor=actor)},
        title="Jobs",
        json_url="/api/v1/jobs",
    )


@pages.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    job_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    job = job_access.get_job(session, actor=actor, job_id=job_id)
    return render(
        request, "job.html", {"job": job}, title=f"Job {job.id}", json_url=f"/api/v1/jobs/{job.id}"
    )
