"""Pages of data quality: a dataset's quality (trend, reports, held-back version) and its rules."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statedata.catalog.datasets import may
from statedata.core.errors import StatedataError
from statedata.identity.policy import Action
from statedata.quality import service
from statedata.quality.profile_chart import column_chart
from statedata.quality.rules import rule_types
from statedata.quality.trend import trend_layout
from statedata.web.deps import CurrentActor, DbSession, PostedForm, get_settings, require_form_csrf
from statedata.web.errors import shown_in_form
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


def quality_context(quality: service.DatasetQuality) -> dict[str, Any]:
    """What ``_quality.html`` needs (the dataset page includes it too)."""
    profile = quality.profile
    return {
        "quality": quality,
        "trend": trend_layout(quality.trend),
        "profile": profile,
        "profile_charts": {p["name"]: column_chart(p) for p in profile},
        "conformance": {p["name"]: p.get("conformance") for p in profile if p.get("element")},
    }


def _page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    ref: str,
    *,
    rules_text: str | None = None,
    error: str | None = None,
) -> Response:
    quality = service.quality_of(session, actor=actor, ref=ref)
    dataset = quality.dataset
    rules = service.rules_out(dataset)
    own = [{k: v for k, v in r.items() if k != "description"} for r in rules["rules"]]
    return render(
        request,
        "quality.html",
        {
            **quality_context(quality),
            "dataset": dataset,
            "rules": rules,
            "may_edit": may(actor, Action.EDIT_DATASET, dataset),
            "rules_text": rules_text if rules_text is not None else json.dumps(own, indent=2),
            "rule_types": rule_types(),
            "error": error,
        },
        title=f"Quality of {dataset.title}",
        json_url=f"/api/v1/datasets/{dataset.public_id}/quality",
        status_code=400 if error else 200,
    )


@router.get("/datasets/{ref}/quality", response_class=HTMLResponse)
def quality_page(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    return _page(request, session, actor, ref)


@router.post("/datasets/{ref}/quality/rules", dependencies=[Depends(require_form_csrf)])
def rules_from_page(
    ref: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    text = str(form.get("rules", ""))
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        message = f"rules: line {exc.lineno}, column {exc.colno}: {exc.msg}."
        return _page(request, session, actor, ref, rules_text=text, error=message)
    try:
        dataset = service.update_rules(session, actor=actor, ref=ref, rules=data)
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        session.rollback()
        return _page(request, session, actor, ref, rules_text=text, error=exc.detail)
    flash(request, "Rules saved. The next version is checked against them.", kind="notice")
    return RedirectResponse(f"/datasets/{dataset.public_id}/quality", status_code=303)


@router.post("/datasets/{ref}/quality/check", dependencies=[Depends(require_form_csrf)])
def check_from_page(
    ref: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    try:
        saved = service.recheck_current(
            session, actor=actor, settings=get_settings(request), ref=ref
        )
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        flash(request, exc.detail)
        return RedirectResponse(f"/datasets/{ref}/quality", status_code=303)
    score = "no score" if saved.score is None else f"score {saved.score:g}"
    flash(request, f"The published version was checked again: {score}.", kind="notice")
    return RedirectResponse(f"/datasets/{ref}/quality", status_code=303)
