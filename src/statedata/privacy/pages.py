"""The release pages: published aggregate releases, the form that makes one, and a release with
its table as published."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from statedata.core.errors import InvalidInput, StatedataError
from statedata.privacy import release_spec, releases
from statedata.web.deps import (
    CurrentActor,
    DbSession,
    PostedForm,
    enqueue_after_commit,
    require_form_csrf,
)
from statedata.web.errors import flash_form_error
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/releases", response_class=HTMLResponse)
def releases_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    found = releases.list_releases(session, actor=actor)
    return render(
        request,
        "releases.html",
        {
            "releases": [releases.release_view(r) for r in found],
            "may_release": bool(releases.releasable_datasets(session, actor=actor)),
        },
        title="Aggregate releases",
        json_url="/api/v1/releases",
    )


@router.get("/releases/new", response_class=HTMLResponse)
def new_release_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    return render(
        request,
        "release_new.html",
        {"datasets": releases.releasable_datasets(session, actor=actor)},
        title="Release a table",
    )


def _dimension(form: Any, part: str) -> dict[str, Any] | None:
    column = str(form.get(f"{part}_column", "")).strip()
    if not column:
        return None
    return {"column": column, "bin": str(form.get(f"{part}_bin", "")) or None}


def _number(form: Any, name: str) -> float | None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a number.") from None


def _body(form: Any) -> release_spec.ReleaseIn:
    low, high = _number(form, "low"), _number(form, "high")
    fields = {
        "dataset": str(form.get("dataset", "")),
        "title": str(form.get("title", "")),
        "description": str(form.get("description", "")),
        "kind": str(form.get("kind", "suppressed_counts")),
        "rows": _dimension(form, "rows"),
        "columns": _dimension(form, "columns"),
        "where": str(form.get("where", "")),
        "numerator": str(form.get("numerator", "")),
        "value": str(form.get("value", "")).strip() or None,
        "bounds": [low, high] if low is not None or high is not None else None,
        "epsilon": _number(form, "epsilon"),
    }
    try:
        return release_spec.ReleaseIn.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {first['msg']}") from None


@router.post("/releases/new", dependencies=[Depends(require_form_csrf)])
def release_from_page(
    request: Request, session: DbSession, actor: CurrentActor, form: PostedForm
) -> Response:
    try:
        made = releases.start_release(
            session, actor=actor, settings=request.app.state.settings, body=_body(form)
        )
    except StatedataError as exc:
        flash_form_error(request, session, exc)
        return RedirectResponse("/releases/new", status_code=303)
    assert made.job_id is not None
    enqueue_after_commit(request, session, made.job_id)
    flash(request, f"Release {made.id} is being loaded, then goes to review.", kind="notice")
    return RedirectResponse(f"/releases/{made.id}", status_code=303)


@router.get("/releases/{release_id}", response_class=HTMLResponse)
def release_page(
    release_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    found = releases.get_release(session, actor=actor, release_id=release_id)
    view = releases.release_view(found, with_rows=True)
    return render(
        request,
        "release.html",
        {"release": view, "columns": list(view["rows"][0]) if view["rows"] else []},
        title=found.title,
        json_url=f"/api/v1/releases/{found.id}",
    )
