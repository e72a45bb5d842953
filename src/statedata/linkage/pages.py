"""The person index's pages: the review queue, a pair side by side, and a person."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statedata.core.errors import StatedataError
from statedata.linkage import service
from statedata.linkage.attributes import ATTRIBUTES
from statedata.web.deps import CurrentActor, DbSession, PostedForm, require_form_csrf
from statedata.web.errors import shown_in_form
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/persons/review", response_class=HTMLResponse)
def review_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    items, size = service.review(session, actor=actor, settings=request.app.state.settings)
    return render(
        request,
        "persons_review.html",
        {"items": items, "size": size},
        title="Person review queue",
        json_url="/api/v1/persons/review",
    )


@router.get("/persons/review/{pair_id}", response_class=HTMLResponse)
def pair_page(pair_id: int, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    item, following = service.review_pair(
        session, actor=actor, pair_id=pair_id, settings=request.app.state.settings
    )
    largest = max((abs(step.weight) for step in item.waterfall), default=1.0) or 1.0
    return render(
        request,
        "persons_pair.html",
        {
            "item": item,
            "following": following,
            "attributes": ATTRIBUTES,
            "largest": largest,
        },
        title=f"Pair {pair_id}",
        json_url=f"/api/v1/persons/review/{pair_id}",
    )


@router.post("/persons/review/{pair_id}", dependencies=[Depends(require_form_csrf)])
def decide_from_page(
    pair_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    choice = str(form.get("decision", ""))
    if choice not in ("same", "different"):
        flash(request, "decision: choose 'same person' or 'not the same person'.")
        return RedirectResponse(f"/persons/review/{pair_id}", status_code=303)
    try:
        following = service.next_in_queue(
            session, actor=actor, pair_id=pair_id, settings=request.app.state.settings
        )
        decision = service.decide_reviewed(
            session,
            actor=actor,
            pair_id=pair_id,
            same=choice == "same",
            note=str(form.get("note", "")),
        )
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        session.rollback()
        flash(request, exc.detail)
        return RedirectResponse(f"/persons/review/{pair_id}", status_code=303)
    said = "the same person" if decision.same else "not the same person"
    flash(request, f"Kept: pair {pair_id} is {said} (decision {decision.id}).", kind="notice")
    target = f"/persons/review/{following}" if following else "/persons/review"
    return RedirectResponse(target, status_code=303)


@router.post("/persons/decisions/{decision_id}/undo", dependencies=[Depends(require_form_csrf)])
def undo_from_page(
    decision_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    service.undo_decision(session, actor=actor, decision_id=decision_id)
    flash(request, f"Decision {decision_id} undone.", kind="notice")
    # back to the page the form was on, when that is one of ours (never another site)
    back = urlsplit(request.headers.get("referer", "")).path
    return RedirectResponse(back if back.startswith("/persons/") else "/persons/review", 303)


@router.get("/persons/model", response_class=HTMLResponse)
def model_page(
    request: Request, session: DbSession, actor: CurrentActor, version: int | None = None
) -> Response:
    model = service.model_parameters(session, actor=actor, version=version)
    weights = [
        abs(level["match_weight"])
        for comparison in model["comparisons"]
        for level in comparison["levels"]
        if level["match_weight"] is not None
    ]
    return render(
        request,
        "persons_model.html",
        {"model": model, "largest": max(weights, default=1.0) or 1.0},
        title=f"Person matching model, version {model['version']}",
        json_url=f"/api/v1/persons/model?version={model['version']}",
    )


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def person_page(
    person_id: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    person = service.read_person(
        session, actor=actor, person_id=person_id, settings=request.app.state.settings
    )
    return render(
        request,
        "person.html",
        {"person": person, "attributes": ATTRIBUTES},
        title=f"Person {person['person_id']}",
        json_url=f"/api/v1/persons/{person['person_id']}",
    )
