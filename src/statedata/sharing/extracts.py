"""Fulfilment: an approved request becomes extracts only its requester can read, until its end.

A job reads each approved dataset's current version (the approved columns), links its records
to persons through the person index when the request asks for it, replaces identifiers by
pseudonyms under a key of this extract's own (so two extracts cannot be joined), drops or
generalizes what the de-identification says (by default from each column's personal
information category), makes the rows meet k over the quasi-identifiers the steward names,
and loads each as a restricted dataset with a grant for the requester until the request's end
date. The manifest says what was done and what it cost. At the end date the extracts'
rows are deleted for good and the request records it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

import pyarrow as pa
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import RESOURCE_TYPE, create_dataset
from statedata.catalog.loads.held import discard_held
from statedata.catalog.loads.tables import load_table
from statedata.catalog.models import Dataset
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import Conflict, Forbidden, InvalidInput
from statedata.core.jobs import Job, JobContext
from statedata.identity.actor import Actor, Role
from statedata.identity.grants import AccessGrant
from statedata.identity.jobs import create_job, job_actor
from statedata.identity.policy import Action, decide
from statedata.linkage.models import LinkageSource, PersonRecord
from statedata.privacy.kanonymity import LADDERS, enforce_k
from statedata.privacy.pseudonyms import new_key, pseudonym
from statedata.query.reading import Use, fetch_rows, open_reading
from statedata.query.soql import SoqlRequest, compile_soql
from statedata.sharing.models import DataRequest, RequestItem, RequestStep
from statedata.sharing.requests import get_request, request_resource
from statedata.storage.lake import open_table_store
from statedata.storage.quoting import quoted

EXTRACT_JOB = "sharing.extract"
EXTRACT_ACTOR = Actor.system("extract")
DEFAULT_K = 5
PERSON = "person"  # the pseudonymous person column of a linked extract
RULES = ("keep", "drop", "pseudonym", "year", "month", "zip3", "age_band", "county", "region")
# What a column's personal-information category gets when the steward says nothing.
DEFAULT_RULE = {
    "identifier": "pseudonym",
    "account_number": "pseudonym",
    "license_number": "pseudonym",
    "ssn": "drop",
    "name": "drop",
    "address": "drop",
    "phone": "drop",
    "email": "drop",
    "date_of_birth": "year",
}


def start_fulfilment(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    deidentify: dict[str, str] | None = None,
    quasi_identifiers: dict[str, str] | None = None,
    k: int = DEFAULT_K,
) -> Job:
    """Record the job that builds an approved request's extracts (a data officer of an agency
    asked, or the CDO's office); the caller enqueues it.

    Args:
        deidentify: column -> keep, drop, pseudonym, year, month, zip3, age_band, county or
            region; columns not named follow their personal-information category.
        quasi_identifiers: column -> date, zip, age, town or other; the extract meets ``k``
            over them.
    """
    request = get_request(session, actor=actor, request_id=request_id)
    resource = request_resource(session, actor, request)
    officer = actor.role is Role.AGENCY_DATA_OFFICER and resource.agency_id is not None
    if not (actor.role is Role.ADMIN or actor.is_system or officer):
        raise Forbidden("Not allowed: only a data officer of an agency asked, or the CDO's office.")
    if request.status != "approved":
        raise Conflict(
            f"request {request.id} is {request.status}; only an approved one is fulfilled."
        )
    if not 2 <= k <= 100:
        raise InvalidInput(f"k: {k} is not between 2 and 100.")
    asked = {c for i in _approved(session, request) for c in i.columns}
    for column, rule in (deidentify or {}).items():
        if column not in asked:
            raise InvalidInput(
                f"deidentify: {column!r} is not a column the request was approved for."
            )
        if rule not in RULES:
            raise InvalidInput(f"deidentify {column}: {rule!r} is not one of {', '.join(RULES)}.")
    for column, kind in (quasi_identifiers or {}).items():
        if column not in asked:
            raise InvalidInput(f"quasi_identifiers: {column!r} is not a column of the request.")
        if kind not in LADDERS:
            raise InvalidInput(
                f"quasi_identifiers {column}: {kind!r} is not one of {', '.join(LADDERS)}."
            )
    params = {
        "request": request.id,
        "deidentify": deidentify or {},
        "quasi_identifiers": quasi_identifiers or {},
        "k": k,
    }
    return create_job(session, actor=actor, kind=EXTRACT_JOB, params=params)


def _approved(session: Session, request: DataRequest) -> list[RequestItem]:
    return list(
        session.scalars(
            select(RequestItem)
            .where(RequestItem.request_id == request.id, RequestItem.decision == "approved")
            .order_by(RequestItem.id)
        )
    )


def _generalizer(rule: str) -> Callable[[Any], Any] | None:
    from statedata.privacy import kanonymity as ka

    steps: dict[str, Callable[[Any], Any]] = {
        "year": ka._year,
        "month": ka._month,
        "zip3": ka._zip3,
        "age_band": ka._band(5),
        "county": ka._county,
        "region": ka._region,
    }
    return steps.get(rule)


def _rows(
    settings: Settings,
    session: Session,
    dataset: Dataset,
    columns: list[str],
    linked: bool,
    condition: str = "",
) -> tuple[list[dict[str, Any]], list[str | None]]:
    """The version's rows (the approved columns, the rows the condition keeps) and, when
    linked, each row's person."""
    source = session.scalar(select(LinkageSource).where(LinkageSource.dataset_id == dataset.id))
    if linked and source is None:
        raise Conflict(
            f"{dataset.public_id} is not a source of the person index; map it before a linked "
            "extract."
        )
    wanted = list(dict.fromkeys([*columns, *([source.id_column] if linked and source else [])]))
    # Read as the extract, which the policy lets read every dataset (and audits reading it).
    reading = open_reading(
        session, actor=EXTRACT_ACTOR, settings=settings, ref=dataset.public_id, use=Use.INTERNAL
    )
    listed = ", ".join(quoted(c) for c in wanted)
    where, params = "", []
    if condition.strip():
        compiled = compile_soql(SoqlRequest(where=condition), reading.columns)
        where, params = f" WHERE {compiled.where}", list(compiled.where_params)
    sql = f"SELECT {listed} FROM {reading.relation.name}{where}"  # noqa: S608 (quoted names)
    rows = [dict(zip(wanted, row, strict=True)) for row in fetch_rows(reading, sql, params)]
    persons: list[str | None] = []
    if linked and source is not None:
        ids = [str(r[source.id_column]) for r in rows]
        found: dict[str, str | None] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for record_id, person in session.execute(
                select(PersonRecord.record_id, PersonRecord.person_id).where(
                    PersonRecord.source == source.name, PersonRecord.record_id.in_(chunk)
                )
            ):
                found[record_id] = person
        persons = [found.get(i) for i in ids]
        if source.id_column not in columns:
            for r in rows:
                r.pop(source.id_column, None)
    return rows, persons


def build_extract(
    rows: list[dict[str, Any]],
    persons: list[str | None],
    *,
    key: bytes,
    rules: dict[str, str],
    quasi_identifiers: dict[str, str],
    k: int,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows de-identified by ``rules`` and made k-anonymous, and the report of what was done."""
    report: dict[str, Any] = {"rules": dict(rules), "rows_in": len(rows)}
    out = []
    unlinked = 0
    for n, row in enumerate(rows):
        shaped: dict[str, Any] = {}
        if persons:
            person = persons[n]
            unlinked += person is None
            shaped[PERSON] = pseudonym(key, person) if person else None
        for column, value in row.items():
            rule = rules.get(column, "keep")
            if rule == "drop":
                continue
            if rule == "pseudonym":
                shaped[column] = pseudonym(key, str(value)) if value is not None else None
                continue
            step = _generalizer(rule)
            shaped[column] = step(value) if step and value is not None else value
        out.append(shaped)
    if persons:
        report["not_in_person_index"] = unlinked
    present = {c: kind for c, kind in quasi_identifiers.items() if out and c in out[0]}
    if present and out:
        out, k_report = enforce_k(out, present, k)
        report["k_anonymity"] = k_report.as_dict()
    return out, report


def _rules_for(dataset: Dataset, columns: list[str], explicit: dict[str, str]) -> dict[str, str]:
    categories = {f["name"]: f.get("piiCategory", "none") for f in dataset.dictionary}
    return {
        c: explicit.get(c) or DEFAULT_RULE.get(categories.get(c, "none"), "keep") for c in columns
    }


def _as_table(rows: list[dict[str, Any]]) -> pa.Table:
    columns = list(rows[0]) if rows else [PERSON]
    return pa.table(
        {
            c: pa.array([None if r.get(c) is None else str(r[c]) for r in rows], pa.string())
            for c in columns
        }
    )


def extract_job(context: JobContext) -> dict[str, Any]:
    """Build, load and grant the extracts of one approved request."""
    factory = context.session_factory
    params = context.params
    key = new_key()  # this extract's own; kept nowhere, so nothing can join it to another
    made: list[str] = []
    manifest: dict[str, Any] = {"k": params["k"], "quasi_identifiers": params["quasi_identifiers"],
                                "pseudonyms": "HMAC-SHA256 under a key of this extract's own",
                                "datasets": []}  # fmt: skip
    with unit_of_work(factory) as session:
        request = session.get(DataRequest, params["request"])
        if request is None or request.status != "approved":
            raise Conflict(f"request {params['request']} is no longer approved.")
        items = [
            (i.id, i.dataset_id, list(i.columns), i.row_condition)
            for i in _approved(session, request)
        ]
        linked, title, requester = request.linked, request.title, request.requester_user_id
        until = request.access_until
    assert until is not None
    for number, (item_id, dataset_id, columns, condition) in enumerate(items, start=1):
        context.progress(number - 1, len(items) + 1, f"extracting dataset {number} of {len(items)}")
        with unit_of_work(factory) as session:
            dataset = session.get(Dataset, dataset_id)
            assert dataset is not None
            rows, persons = _rows(context.settings, session, dataset, columns, linked, condition)
            rules = _rules_for(dataset, columns, params["deidentify"])
            source_title, agency = dataset.title, dataset.agency.code
        shaped, report = build_extract(
            rows,
            persons,
            key=key,
            rules=rules,
            quasi_identifiers=params["quasi_identifiers"],
            k=params["k"],
        )
        with unit_of_work(factory) as session:
            extract = create_dataset(
                session,
                actor=EXTRACT_ACTOR,
                agency_code=agency,
                data={
                    "title": f"Extract for request {params['request']}: {source_title}",
                    "description": f"Made for data request {params['request']} ({title}); "
                    "only its requester reads it, until the request's end date.",
                    "classification": "restricted",
                    "open_data_status": "not_for_publication",
                },
            )
            ref = extract.public_id
        context.log(f"{source_title}: {len(shaped):,} rows into {ref}")
        load_table(context, actor=EXTRACT_ACTOR, ref=ref, table=_as_table(shaped),
                   note=f"extract for data request {params['request']}")  # fmt: skip
        made.append(ref)
        manifest["datasets"].append({"extract": ref, "source": source_title, "item": item_id, "row_condition": condition,
                                     **report, "rows_out": len(shaped)})  # fmt: skip
    context.progress(len(items), len(items) + 1, "granting access")
    expires = datetime.combine(until, time.max).replace(tzinfo=UTC)
    with unit_of_work(factory) as session:
        for ref in made:
            session.add(
                AccessGrant(
                    user_id=requester,
                    resource_type=RESOURCE_TYPE,
                    resource_id=ref,
                    columns=[],
                    row_condition="",
                    expires_at=expires,
                    request_id=params["request"],
                )
            )
        request = session.get(DataRequest, params["request"])
        assert request is not None
        request.status, request.step_owner = "fulfilled", ""
        request.extracts, request.manifest = made, manifest
        actor = job_actor(session, context.job_id)
        session.add(
            RequestStep(
                request_id=request.id,
                step="fulfilled",
                actor_name=actor.username,
                note=f"{len(made)} extract(s): {', '.join(made)}",
            )
        )
        record_event(
            session,
            actor=actor,
            action="request.fulfilled",
            resource_type="data_request",
            resource_id=request.id,
            detail={"extracts": made},
        )
    return {"extracts": made, "url": f"/requests/{params['request']}"}


def destroy_extracts(session: Session, settings: Settings, request: DataRequest, why: str) -> int:
    """Delete the request's extracts for good, end its grants, and record it; returns the
    files removed."""
    store = open_table_store(settings)
    removed = 0
    for ref in request.extracts or []:
        if store.exists(ref):
            removed += store.destroy(ref)
        discard_held(settings, ref)  # a blocked load's rows, if one was ever held back
        dataset = session.scalar(select(Dataset).where(Dataset.public_id == ref))
        if dataset is not None:
            dataset.status, dataset.row_count = "retired", 0
            dataset.retirement_reason = f"extract destroyed: {why}"
    now = utcnow()
    session.execute(
        update(AccessGrant)
        .where(AccessGrant.request_id == request.id, AccessGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    request.status, request.step_owner = "destroyed", ""
    session.add(RequestStep(request_id=request.id, step="expired", actor_name="system:expiry",
                            note=why))  # fmt: skip
    session.add(
        RequestStep(
            request_id=request.id,
            step="destroyed",
            actor_name="system:expiry",
            note=f"every row deleted and {removed} data file(s) removed",
        )
    )
    record_event(
        session,
        actor=Actor.system("expiry"),
        action="request.destroyed",
        resource_type="data_request",
        resource_id=request.id,
        detail={"extracts": request.extracts or [], "files_removed": removed, "why": why},
    )
    return removed


def destroy_expired_extracts(
    settings: Settings, factory: sessionmaker[Session], enqueue: Callable[[int], None]
) -> None:
    """Destroy the extracts of requests whose access has ended."""
    today = utcnow().date()
    with unit_of_work(factory) as session:
        ended = session.scalars(
            select(DataRequest).where(
                DataRequest.status == "fulfilled", DataRequest.access_until < today
            )
        )
        for request in ended:
            destroy_extracts(session, settings, request, f"access ended on {request.access_until}")


def may_fulfil(session: Session, actor: Actor, request: DataRequest) -> bool:
    """Whether a page should offer fulfilment (the action itself checks again)."""
    resource = request_resource(session, actor, request)
    return (
        request.status == "approved"
        and (
            actor.role is Role.ADMIN
            or (actor.role is Role.AGENCY_DATA_OFFICER and resource.agency_id is not None)
        )
        and decide(actor, Action.READ_REQUEST, resource).allowed
    )
