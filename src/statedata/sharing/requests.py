"""Data requests and their workflow, with a clock on every step.

A requester (an analyst or researcher) asks for datasets and columns for a stated purpose,
optionally linked across agencies by person. Each dataset's stewards approve or deny their
part (steward review); once every part is decided, the CDO's office approves with conditions
and an end date, or denies with reasons (legal review). Every step is kept with who, when and
their note, the request says whose move it is and since when, and a step that waits longer
than ``sharing_step_days`` is told to its owners by the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import dataset_choice, resource_of
from statedata.catalog.models import Dataset
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import Conflict, InvalidInput, NotFound
from statedata.core.outbox import queue_message
from statedata.identity.actor import Actor, Role
from statedata.identity.models import Agency, User
from statedata.identity.policy import AGENCY_KEEPERS, Action, Resource, authorize, decide
from statedata.sharing.checks import dataset_and_columns, row_condition
from statedata.sharing.models import Agreement, DataRequest, RequestItem, RequestStep

STATUSES = ("steward_review", "legal_review", "approved", "denied", "fulfilled", "expired",
            "destroyed")  # fmt: skip
OPEN = ("steward_review", "legal_review", "approved")
LEGAL_OWNER = "the CDO's office (legal review)"


def _items(session: Session, request: DataRequest) -> list[RequestItem]:
    return list(
        session.scalars(
            select(RequestItem).where(RequestItem.request_id == request.id).order_by(RequestItem.id)
        )
    )


def _agencies(session: Session, request: DataRequest) -> dict[int, str]:
    """Agency id -> code of every agency whose data the request asks for."""
    rows = session.execute(
        select(Agency.id, Agency.code)
        .join(Dataset, Dataset.agency_id == Agency.id)
        .join(RequestItem, RequestItem.dataset_id == Dataset.id)
        .where(RequestItem.request_id == request.id)
    )
    return {agency_id: code for agency_id, code in rows}  # noqa: C416 (a Result has keys())


def request_resource(session: Session, actor: Actor, request: DataRequest) -> Resource:
    asked = actor.agency_id in _agencies(session, request) if actor.agency_id else False
    return Resource(
        "data_request",
        str(request.id),
        owner_user_id=request.requester_user_id,
        agency_id=actor.agency_id if asked else None,
    )


def _step(session: Session, request: DataRequest, step: str, actor: Actor, note: str) -> None:
    session.add(RequestStep(request_id=request.id, step=step, actor_name=actor.username, note=note))
    record_event(
        session,
        actor=actor,
        action=f"request.{step}",
        resource_type="data_request",
        resource_id=request.id,
        detail={"status": request.status, "note": note[:500]},
    )


def _move(request: DataRequest, status: str, owner: str) -> None:
    request.status, request.step_owner, request.step_started_at = status, owner, utcnow()


def requestable_datasets(session: Session, *, actor: Actor) -> list[dict[str, Any]]:
    """What may be asked for: every published dataset's title, agency and columns (no rows).

    The request pathway exists to reach data one cannot read; knowing it exists is the plan's
    first goal, so its catalog entry is shown to those who may ask.
    """
    authorize(session, actor=actor, action=Action.SUBMIT_REQUEST, resource=Resource("data_request"))
    found = session.scalars(
        select(Dataset).where(Dataset.status == "published").order_by(Dataset.title)
    )
    return [dataset_choice(d) for d in found]


def submit_request(session: Session, *, actor: Actor, body: dict[str, Any]) -> DataRequest:
    """Record a request and start steward review; every bad part is named."""
    authorize(session, actor=actor, action=Action.SUBMIT_REQUEST, resource=Resource("data_request"))
    title = str(body.get("title", "")).strip()
    purpose = str(body.get("purpose", "")).strip()
    if not title or len(title) > 300:
        raise InvalidInput("title: name the request in 1 to 300 characters.")
    if len(purpose) < 20:
        raise InvalidInput("purpose: state what the data is for (at least 20 characters).")
    agreement_id = body.get("agreement")
    if agreement_id not in (None, "") and session.get(Agreement, int(agreement_id)) is None:
        raise InvalidInput(f"agreement: there is no agreement {agreement_id}.")
    wanted = body.get("items")
    if not isinstance(wanted, list) or not wanted:
        raise InvalidInput("items: ask for at least one dataset and its columns.")
    items = []
    for n, item in enumerate(wanted, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"items, item {n}: an object with dataset and columns.")
        dataset, columns = dataset_and_columns(session, item, f"items, item {n}", need_columns=True)
        if dataset.status != "published":
            raise InvalidInput(f"items, item {n}: {dataset.public_id} is not published.")
        condition = row_condition(session, dataset, item, f"items, item {n}")
        items.append((dataset, columns, condition))
    if len({d.id for d, _, _ in items}) != len(items):
        raise InvalidInput("items: a dataset is asked for twice; ask once with every column.")
    request = DataRequest(
        title=title,
        purpose=purpose,
        linked=bool(body.get("linked", False)),
        agreement_id=int(agreement_id) if agreement_id not in (None, "") else None,
        requester_user_id=actor.user_id,
        requester_name=actor.username,
    )
    session.add(request)
    session.flush()
    for dataset, columns, condition in items:
        session.add(
            RequestItem(
                request_id=request.id,
                dataset_id=dataset.id,
                columns=columns,
                row_condition=condition,
            )
        )
    agencies = sorted({d.agency.code for d, _, _ in items})
    _move(request, "steward_review", "the stewards of " + ", ".join(agencies))
    session.flush()
    _step(session, request, "submitted", actor, purpose)
    return request


def get_request(session: Session, *, actor: Actor, request_id: int) -> DataRequest:
    request = session.get(DataRequest, request_id)
    if request is None:
        raise NotFound(f"no request {request_id}.")
    authorize(
        session,
        actor=actor,
        action=Action.READ_REQUEST,
        resource=request_resource(session, actor, request),
    )
    return request


def review_item(
    session: Session, *, actor: Actor, request_id: int, item_id: int, approve: bool, note: str
) -> DataRequest:
    """A steward's word on their dataset's part; the last part decided moves the request on."""
    request = get_request(session, actor=actor, request_id=request_id)
    if request.status != "steward_review":
        raise Conflict(f"request {request.id} is in {request.status}, not steward review.")
    item = session.get(RequestItem, item_id)
    if item is None or item.request_id != request.id:
        raise NotFound(f"request {request.id} has no item {item_id}.")
    dataset = session.get(Dataset, item.dataset_id)
    assert dataset is not None
    authorize(session, actor=actor, action=Action.EDIT_DATASET, resource=resource_of(dataset))
    if not approve and not note.strip():
        raise InvalidInput("note: say why the dataset is not shared.")
    item.decision = "approved" if approve else "denied"
    item.note, item.decided_by_name, item.decided_at = note.strip(), actor.username, utcnow()
    _step(
        session,
        request,
        f"steward {'approved' if approve else 'denied'} {dataset.public_id}",
        actor,
        note.strip(),
    )
    items = _items(session, request)
    if all(i.decision != "pending" for i in items):
        if any(i.decision == "approved" for i in items):
            _move(request, "legal_review", LEGAL_OWNER)
        else:
            request.reasons = "; ".join(i.note for i in items)
            _move(request, "denied", "")
    return request


def legal_decision(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    approve: bool,
    note: str,
    access_until: date | None = None,
) -> DataRequest:
    """Approve with conditions and an end date, or deny with reasons (the CDO's office)."""
    request = get_request(session, actor=actor, request_id=request_id)
    authorize(
        session,
        actor=actor,
        action=Action.LEGAL_REVIEW,
        resource=request_resource(session, actor, request),
    )
    if request.status != "legal_review":
        raise Conflict(f"request {request.id} is in {request.status}, not legal review.")
    if approve:
        if access_until is None or access_until <= utcnow().date():
            raise InvalidInput("access_until: give a date in the future when access ends.")
        agreement = session.get(Agreement, request.agreement_id) if request.agreement_id else None
        if agreement and agreement.ends_on and access_until > agreement.ends_on:
            raise InvalidInput(
                f"access_until: {access_until} is after the agreement ends ({agreement.ends_on})."
            )
        request.conditions, request.access_until = note.strip(), access_until
        _move(request, "approved", "the agencies' data officers (fulfilment)")
        _step(session, request, "approved", actor, note.strip())
    else:
        if not note.strip():
            raise InvalidInput("note: give the reasons for the denial.")
        request.reasons = note.strip()
        _move(request, "denied", "")
        _step(session, request, "denied", actor, note.strip())
    return request


def request_view(session: Session, request: DataRequest) -> dict[str, Any]:
    steps = session.scalars(
        select(RequestStep).where(RequestStep.request_id == request.id).order_by(RequestStep.id)
    )
    datasets = {
        d.id: d
        for d in session.scalars(
            select(Dataset).where(Dataset.id.in_([i.dataset_id for i in _items(session, request)]))
        )
    }
    return {
        "id": request.id,
        "title": request.title,
        "purpose": request.purpose,
        "linked": request.linked,
        "agreement": request.agreement_id,
        "requester": request.requester_name,
        "status": request.status,
        "step_owner": request.step_owner,
        "days_waiting": days_waiting(request),
        "conditions": request.conditions,
        "reasons": request.reasons,
        "access_until": request.access_until.isoformat() if request.access_until else None,
        "submitted_at": request.submitted_at.isoformat(),
        "extracts": request.extracts or [],
        "manifest": request.manifest,
        "items": [
            {
                "id": i.id,
                "dataset": datasets[i.dataset_id].public_id,
                "title": datasets[i.dataset_id].title,
                "agency": datasets[i.dataset_id].agency.code,
                "columns": i.columns,
                "row_condition": i.row_condition,
                "decision": i.decision,
                "note": i.note,
                "decided_by": i.decided_by_name,
            }
            for i in _items(session, request)
        ],
        "steps": [
            {"step": s.step, "by": s.actor_name, "at": s.at.isoformat(), "note": s.note}
            for s in steps
        ],
    }


def days_waiting(request: DataRequest) -> int | None:
    if request.status not in OPEN:
        return None
    return (utcnow() - request.step_started_at).days


def request_queue(session: Session, *, actor: Actor) -> list[DataRequest]:
    """The requests the actor may see, those waiting longest first: their own, their agency's
    (keepers), or every one (the CDO's office)."""
    # anyone signed in may list their own; each request is then decided on its own
    own = Resource("data_request", owner_user_id=actor.user_id)
    authorize(session, actor=actor, action=Action.READ_REQUEST, resource=own)
    found = session.scalars(select(DataRequest).order_by(DataRequest.step_started_at))
    return [
        r
        for r in found
        if decide(actor, Action.READ_REQUEST, request_resource(session, actor, r)).allowed
    ]


def _owners(session: Session, request: DataRequest) -> list[User]:
    """The people whose move it is: the stewards and data officers of the agencies with a part
    still pending, or the CDO's office."""
    if request.status == "steward_review":
        pending = {
            d.agency_id
            for i in _items(session, request)
            if i.decision == "pending"
            for d in [session.get(Dataset, i.dataset_id)]
            if d is not None
        }
        roles = [r.value for r in AGENCY_KEEPERS]
        return list(
            session.scalars(select(User).where(User.agency_id.in_(pending), User.role.in_(roles)))
        )
    if request.status == "legal_review":
        return list(session.scalars(select(User).where(User.role == Role.ADMIN.value)))
    if request.status == "approved":  # fulfilment: the data officers of the agencies asked
        asked = {
            d.agency_id
            for i in _items(session, request)
            if i.decision == "approved"
            for d in [session.get(Dataset, i.dataset_id)]
            if d is not None
        }
        return list(
            session.scalars(
                select(User).where(
                    User.agency_id.in_(asked), User.role == Role.AGENCY_DATA_OFFICER.value
                )
            )
        )
    return []


def remind_waiting_steps(
    settings: Settings, factory: sessionmaker[Session], enqueue: Callable[[int], None]
) -> None:
    """Tell the owners of a step that has waited longer than ``sharing_step_days`` (a review,
    or the fulfilment of an approved request), once per step and person."""
    due = utcnow() - timedelta(days=settings.sharing_step_days)
    with unit_of_work(factory) as session:
        waiting = session.scalars(
            select(DataRequest).where(
                DataRequest.status.in_(("steward_review", "legal_review", "approved")),
                DataRequest.step_started_at <= due,
            )
        )
        for request in waiting:
            days = (utcnow() - request.step_started_at).days
            for user in _owners(session, request):
                queue_message(
                    session,
                    settings=settings,
                    key=f"request/{request.id}/{request.status}/"
                    f"{request.step_started_at:%Y-%m-%d}/{user.id}",
                    kind="request.waiting",
                    recipient=user.email or "",
                    recipient_name=user.username,
                    recipient_user_id=user.id,
                    agency_id=user.agency_id,
                    resource_type="data_request",
                    resource_id=str(request.id),
                    subject=f"Data request {request.id} has waited {days} days for you",
                    body=(
                        f'{request.requester_name}\'s request "{request.title}" has been in '
                        f"{request.status.replace('_', ' ')} for {days} days, waiting for "
                        f"{request.step_owner}.\n\n{settings.public_url.rstrip('/')}/requests/"
                        f"{request.id}\n"
                    ),
                )
