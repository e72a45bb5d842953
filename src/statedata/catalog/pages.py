"""Pages of the catalog: search with facets, dataset pages, and the steward's publish flow.

Every page links its JSON twin in the API. Forms post back here; a refused form is shown again
with the message and what was typed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from statedata.catalog import datasets, lifecycle, uploads, versions
from statedata.catalog import vocabulary as vocab
from statedata.catalog.completeness import completeness_of
from statedata.catalog.exports import dataset_jsonld
from statedata.catalog.freshness.states import STATE_LABELS, freshness_of
from statedata.catalog.loads import plan
from statedata.catalog.loads.restore import restore_version
from statedata.catalog.models import Dataset
from statedata.catalog.pii import findings as pii
from statedata.catalog.router import search_request
from statedata.catalog.schemas import ColumnIn, LoadRequest
from statedata.catalog.search import FACETS, SearchRequest, search_datasets
from statedata.catalog.vocabulary import PII_CATEGORIES
from statedata.core.db import run_after_commit, utcnow
from statedata.core.errors import (
    InvalidInput,
    NotAuthenticated,
    StatedataError,
    TooLarge,
)
from statedata.identity.actor import Actor
from statedata.identity.agencies import get_agency_by_code, list_agencies
from statedata.identity.policy import Action, Classification, Resource, decide
from statedata.quality.pages import quality_context
from statedata.quality.service import dataset_quality
from statedata.query.exploration import exploration
from statedata.query.reading import may_read
from statedata.query.usage import usage_summary
from statedata.standards.registry import ELEMENTS
from statedata.web.deps import (
    CurrentActor,
    DbSession,
    PostedForm,
    get_settings,
    require_form_csrf,
    streamed_form_csrf,
)
from statedata.web.errors import shown_in_form
from statedata.web.templating import flash, render
from statedata.web.uploads import upload_to_dataset

router = APIRouter(include_in_schema=False)
FACET_LABELS = {
    "agency": "Agency",
    "category": "Category",
    "classification": "Classification",
    "update_frequency": "Update frequency",
    "format": "Format",
    "high_value": "High-value",
    "license": "License",
    "tags": "Tags",
}
COLUMN_TYPES = ("VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "TIME", "INTEGER")


def _form_choices() -> dict[str, Any]:
    return {
        "categories": vocab.CATEGORIES,
        "frequencies": list(vocab.UPDATE_FREQUENCIES),
        "units": vocab.GEOGRAPHIC_UNITS,
        "licenses": vocab.LICENSES,
        "criteria": vocab.HIGH_VALUE_CRITERIA,
        "classifications": [c.value for c in Classification],
        "open_data_statuses": [s.value for s in vocab.OpenDataStatus],
    }


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    query: SearchRequest = Depends(search_request),
) -> Response:
    result = search_datasets(session, actor=actor, request=query)
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset",)]

    def toggled(name: str, value: str) -> str:
        """The page's URL with one facet value added or removed."""
        key = {"tags": "tag"}.get(name, name)
        pair = (key, value)
        kept = [p for p in params if p != pair]
        return "/catalog?" + urlencode(kept if pair in params else [*kept, pair])

    def page_url(offset: int) -> str:
        return "/catalog?" + urlencode([*params, ("offset", str(offset))])

    return render(
        request,
        "catalog.html",
        {
            "result": result,
            "query": query,
            "facet_names": FACETS,
            "facet_labels": FACET_LABELS,
            "selected": set(params),
            "toggled": toggled,
            "page_url": page_url,
            "may_create": actor.role is not None
            and decide(actor, Action.CREATE_DATASET, _own_agency(actor)).allowed,
        },
        title="Data catalog",
        json_url="/api/v1/datasets?" + urlencode(request.query_params.multi_items()),
    )


def _own_agency(actor: Actor) -> Resource:
    return Resource(type="dataset", agency_id=actor.agency_id)


@router.get("/datasets/new", response_class=HTMLResponse)
def new_dataset_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if not actor.is_authenticated:
        raise NotAuthenticated("Sign in to add a dataset.")
    return _metadata_form(request, session, actor, None, {}, None)


def _metadata_form(
    request: Request,
    session: Session,
    actor: Actor,
    dataset: Dataset | None,
    values: dict[str, Any],
    error: StatedataError | None,
    status_code: int = 200,
) -> Response:
    agencies = (
        list_agencies(session) if actor.role is not None and actor.role.value == "admin" else []
    )
    return render(
        request,
        "dataset_form.html",
        {
            "dataset": dataset,
            "values": values,
            "error": error.detail if error else None,
            # the field the error is about, so the form marks it and the message links to it
            "error_field": error.field if error else None,
            "agencies": agencies,
            **_form_choices(),
        },
        title=f"Edit {dataset.title}" if dataset else "Add a dataset",
        status_code=status_code,
    )


def _form_values(form: Any) -> dict[str, Any]:
    """Form fields as the metadata the services take (lists from repeated or comma-split fields)."""
    values: dict[str, Any] = {}
    text_fields = [
        "title",
        "description",
        "category",
        "row_label",
        "source_link",
        "geographic_unit",
        "spatial",
        "temporal_coverage",
        "attribution",
        "contact_name",
        "contact_email",
        "update_frequency",
        "license",
        "source_system",
        "legal_authority",
        "classification",
        "open_data_status",
    ]
    for name in text_fields:
        if name in form:
            values[name] = str(form.get(name, ""))
    if "tags" in form:
        values["tags"] = [t for t in str(form.get("tags", "")).split(",") if t.strip()]
    if form.get("planned_publication_date"):
        values["planned_publication_date"] = str(form.get("planned_publication_date"))
    for flag in ("is_high_value", "is_gis", "pii_present"):
        values[flag] = form.get(flag) == "on"
    values["high_value_criteria"] = [str(v) for v in form.getlist("high_value_criteria")]
    if form.get("steward_username"):
        values["steward_username"] = str(form.get("steward_username"))
    return values


@router.post("/datasets/new", dependencies=[Depends(require_form_csrf)])
def create_dataset_from_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    values = _form_values(form)
    try:
        dataset = datasets.create_dataset(
            session, actor=actor, agency_code=str(form.get("agency", "")) or None, data=values
        )
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        session.rollback()
        return _metadata_form(request, session, actor, None, values, exc, 422)
    flash(request, f"Draft {dataset.public_id} created. Upload its data next.", kind="notice")
    return RedirectResponse(f"/datasets/{dataset.public_id}/upload", status_code=303)


@router.get("/datasets/{ref}", response_class=HTMLResponse)
def dataset_page(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    dataset = datasets.get_dataset(session, actor=actor, ref=ref)
    if ref != dataset.public_id:
        return RedirectResponse(f"/datasets/{dataset.public_id}", status_code=301)
    request.app.state.usage.add(dataset.id, "page_view")
    history = versions.list_versions(session, dataset=dataset)
    readable = may_read(session, actor, dataset)
    may_edit = datasets.may(actor, Action.EDIT_DATASET, dataset)
    settings = get_settings(request)
    base_url = str(request.base_url).rstrip("/")
    exploring = (
        exploration(session, actor, settings, dataset, request.query_params.multi_items(), base_url)
        if readable and dataset.current_version
        else None
    )
    reading = exploring.target if exploring is not None else None
    quality = dataset_quality(session, actor=actor, dataset=dataset, reading=reading)
    usage = None
    if may_edit:
        counter = request.app.state.usage
        usage = usage_summary(session, dataset_id=dataset.id, pending=counter.pending(dataset.id))
    return render(
        request,
        "dataset.html",
        {
            "dataset": dataset,
            "versions": history,
            "explore": exploring,
            "readable": readable,
            "schema": datasets.dictionary_of(dataset),
            "released": datasets.is_released(dataset),
            "may_edit": may_edit,
            "may_review": dataset.status == vocab.DatasetStatus.IN_REVIEW
            and datasets.may(actor, Action.REVIEW_DATASET, dataset),
            "uploads": uploads.list_uploads(session, dataset=dataset, limit=5) if may_edit else [],
            "pii_findings": pii.dataset_findings(session, dataset) if may_edit else [],
            "jsonld": json.dumps(dataset_jsonld(dataset, base_url), indent=1).replace("</", "<\\/"),
            "periodicity": vocab.accrual_periodicity(dataset.update_frequency),
            "freshness": freshness_of(dataset, utcnow().date()),
            "freshness_labels": STATE_LABELS,
            "completeness": completeness_of(dataset),
            "criteria": vocab.HIGH_VALUE_CRITERIA,
            "licenses": vocab.LICENSES,
            "usage": usage,
            **quality_context(quality),
            "map_tile_url": settings.map_tile_url,
            "map_tile_attribution": settings.map_tile_attribution,
        },
        title=dataset.title,
        json_url=f"/api/v1/datasets/{dataset.public_id}",
        status_code=400 if exploring is not None and exploring.error else 200,
    )


@router.get("/datasets/{ref}/edit", response_class=HTMLResponse)
def edit_page(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    dataset = datasets.get_dataset_for_edit(session, actor=actor, ref=ref)
    return _metadata_form(request, session, actor, dataset, {}, None)


@router.post("/datasets/{ref}/edit", dependencies=[Depends(require_form_csrf)])
def edit_from_page(
    ref: str, request: Request, session: DbSession, actor: CurrentActor, form: PostedForm
) -> Response:
    values = _form_values(form)
    try:
        dataset = datasets.update_metadata(session, actor=actor, ref=ref, data=values)
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        session.rollback()
        dataset = datasets.get_dataset_for_edit(session, actor=actor, ref=ref)
        return _metadata_form(request, session, actor, dataset, values, exc, 422)
    flash(request, "Metadata saved.", kind="notice")
    return RedirectResponse(f"/datasets/{dataset.public_id}", status_code=303)


@router.get("/datasets/{ref}/dictionary", response_class=HTMLResponse)
def dictionary_page(
    ref: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    dataset = datasets.get_dataset_for_edit(session, actor=actor, ref=ref)
    return render(
        request,
        "dictionary.html",
        {
            "dataset": dataset,
            "pii_categories": PII_CATEGORIES,
            "elements": [(e.key, e.label) for e in ELEMENTS],
            "error": None,
        },
        title=f"Dictionary of {dataset.title}",
        json_url=f"/api/v1/datasets/{dataset.public_id}/dictionary",
    )


@router.post("/datasets/{ref}/dictionary", dependencies=[Depends(require_form_csrf)])
def dictionary_from_page(
    ref: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    dataset = datasets.get_dataset_for_edit(session, actor=actor, ref=ref)
    fields = []
    for position, field in enumerate(dataset.dictionary):
        prefix = f"f{position}_"
        # The form has boxes for required and unique only; other constraints (set through the
        # API: ranges, patterns, enums) are kept as they are.
        constraints: dict[str, Any] = {
            k: v
            for k, v in (field.get("constraints") or {}).items()
            if k not in ("required", "unique")
        }
        if form.get(prefix + "required") == "on":
            constraints["required"] = True
        if form.get(prefix + "unique") == "on":
            constraints["unique"] = True
        fields.append(
            {
                "name": field["name"],
                "title": str(form.get(prefix + "title", "")),
                "description": str(form.get(prefix + "description", "")),
                "piiCategory": str(form.get(prefix + "pii", "none")),
                "standardElement": str(form.get(prefix + "element", "")),
                "constraints": constraints,
            }
        )
    primary_key = [str(name) for name in form.getlist("primary_key")]
    try:
        datasets.update_dictionary(
            session, actor=actor, ref=ref, fields=fields, primary_key=primary_key
        )
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        flash(request, exc.detail)
        return RedirectResponse(f"/datasets/{dataset.public_id}/dictionary", status_code=303)
    flash(request, "Dictionary saved.", kind="notice")
    return RedirectResponse(f"/datasets/{dataset.public_id}", status_code=303)


@router.get("/datasets/{ref}/upload", response_class=HTMLResponse)
def upload_page(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    dataset = datasets.get_dataset_for_edit(session, actor=actor, ref=ref)
    limit = get_settings(request).upload_max_bytes
    return render(
        request,
        "upload.html",
        {"dataset": dataset, "limit": limit},
        title=f"Upload data for {dataset.title}",
    )


@router.post("/datasets/{ref}/upload")
async def upload_from_page(ref: str, request: Request, actor: CurrentActor) -> Response:
    """The file streams to disk; the CSRF field must come before it in the form."""

    try:
        public_id, staged = await upload_to_dataset(
            request, actor, ref, before_file=streamed_form_csrf(request)
        )
    except (InvalidInput, TooLarge) as exc:  # the file's fault: shown on the upload page again
        flash(request, exc.detail)
        return RedirectResponse(f"/datasets/{ref}/upload", status_code=303)
    return RedirectResponse(f"/datasets/{public_id}/uploads/{staged.id}", status_code=303)


@router.get("/datasets/{ref}/uploads/{upload_id}", response_class=HTMLResponse)
def confirm_page(
    ref: str, upload_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    upload = uploads.get_upload(session, actor=actor, ref=ref, upload_id=upload_id)
    dataset = datasets.find_dataset(session, ref=ref)
    current = {c.name: c.type for c in versions.current_columns(dataset)}
    return render(
        request,
        "confirm.html",
        {
            "dataset": dataset,
            "upload": upload,
            "current": current,
            "types": COLUMN_TYPES,
            "retypable": upload.format in plan.RETYPABLE_FORMATS,
        },
        title=f"Confirm the columns of {upload.file_name}",
        json_url=f"/api/v1/datasets/{dataset.public_id}/uploads/{upload.id}",
    )


@router.post("/datasets/{ref}/uploads/{upload_id}", dependencies=[Depends(require_form_csrf)])
def confirm_from_page(
    ref: str,
    upload_id: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
) -> Response:
    upload = uploads.get_upload(session, actor=actor, ref=ref, upload_id=upload_id)
    columns = [
        ColumnIn(name=c["name"], type=str(form.get(f"type_{i}", c["type"])))
        for i, c in enumerate(upload.inferred_columns)
    ]
    primary_key = [str(name) for name in form.getlist("primary_key")]
    body = LoadRequest(
        mode=str(form.get("mode", "replace")),
        columns=columns,
        primary_key=primary_key or None,
        note=str(form.get("note", ""))[:2000],
    )
    try:
        job = plan.start_load(session, actor=actor, ref=ref, upload_id=upload_id, request=body)
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        flash(request, exc.detail)
        return RedirectResponse(f"/datasets/{ref}/uploads/{upload_id}", status_code=303)
    queue, job_id = request.app.state.jobs, job.id
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _lifecycle_post(request: Request, ref: str, work: Any, done: str) -> Response:
    try:
        dataset = work()
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        flash(request, exc.detail)
        return RedirectResponse(f"/datasets/{ref}", status_code=303)
    flash(request, done, kind="notice")
    return RedirectResponse(f"/datasets/{dataset.public_id}", status_code=303)


@router.post("/datasets/{ref}/submit", dependencies=[Depends(require_form_csrf)])
def submit_from_page(
    ref: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    return _lifecycle_post(
        request,
        ref,
        lambda: lifecycle.submit_for_review(session, actor=actor, ref=ref),
        "Submitted for review.",
    )


@router.post("/datasets/{ref}/approve", dependencies=[Depends(require_form_csrf)])
def approve_from_page(
    ref: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    return _lifecycle_post(
        request, ref, lambda: lifecycle.approve(session, actor=actor, ref=ref), "Published."
    )


@router.post("/datasets/{ref}/return", dependencies=[Depends(require_form_csrf)])
def return_from_page(
    ref: str, request: Request, session: DbSession, actor: CurrentActor, reason: str = Form("")
) -> Response:
    return _lifecycle_post(
        request,
        ref,
        lambda: lifecycle.return_to_draft(session, actor=actor, ref=ref, reason=reason),
        "Sent back to the stewards.",
    )


@router.post("/datasets/{ref}/retire", dependencies=[Depends(require_form_csrf)])
def retire_from_page(
    ref: str, request: Request, session: DbSession, actor: CurrentActor, reason: str = Form("")
) -> Response:
    return _lifecycle_post(
        request,
        ref,
        lambda: lifecycle.retire(session, actor=actor, ref=ref, reason=reason),
        "Retired: marked ARCHIVE and public for 30 more days.",
    )


@router.post("/datasets/{ref}/versions/{number}/restore", dependencies=[Depends(require_form_csrf)])
def restore_from_page(
    ref: str, number: int, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    settings = get_settings(request)

    def restore() -> Dataset:
        restore_version(session, actor=actor, settings=settings, ref=ref, number=number)
        return datasets.find_dataset(session, ref=ref)

    return _lifecycle_post(request, ref, restore, f"Version {number} restored as a new version.")


@router.get("/retired", response_class=HTMLResponse)
def retired_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    return render(
        request,
        "retired.html",
        {"datasets": lifecycle.list_retired(session), "now": utcnow()},
        title="Retired datasets",
        json_url="/api/v1/retired-datasets",
    )


@router.get("/agencies/{code}", response_class=HTMLResponse)
def agency_page(code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    agency = get_agency_by_code(session, code=code.upper())
    result = search_datasets(
        session,
        actor=actor,
        request=SearchRequest(agency=[agency.code], sort="title", limit=200),
        with_facets=False,
    )
    return render(
        request,
        "agency.html",
        {"agency": agency, "result": result},
        title=agency.name,
        json_url=f"/api/v1/datasets?agency={agency.code}&limit=200",
    )
