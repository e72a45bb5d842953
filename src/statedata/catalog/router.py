"""JSON API of the catalog: search, datasets, dictionaries, uploads, loads, versions, lifecycle."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from statedata.catalog import datasets, lifecycle, uploads, versions
from statedata.catalog.bodies import (
    DictionaryEdit,
    InventorySubmission,
    NewDataset,
    Note,
    Reason,
    Retirement,
    SourceSettings,
)
from statedata.catalog.exports import data_json
from statedata.catalog.inventory import access_plan
from statedata.catalog.inventory import annual as inventory
from statedata.catalog.inventory.spreadsheets import spreadsheet_response
from statedata.catalog.loads import plan
from statedata.catalog.loads.restore import restore_version
from statedata.catalog.representation import (
    datapackage,
    dataset_detail,
    dataset_summary,
    version_out,
)
from statedata.catalog.schemas import DatasetMetadata, LoadRequest, UploadOut
from statedata.catalog.search import MAX_LIMIT, SearchRequest, search_datasets
from statedata.catalog.sources import configuration as sources
from statedata.catalog.sources import pulls
from statedata.core.db import run_after_commit, unit_of_work, utcnow
from statedata.core.errors import InvalidInput, TooLarge
from statedata.query.reading import Use, open_reading
from statedata.query.rows import RowsRequest, query_rows
from statedata.web.deps import CurrentActor, DbSession, get_settings
from statedata.web.uploads import upload_to_dataset

DownloadKind = Literal["csv", "parquet"]
SheetKind = Literal["csv", "xlsx"]
router = APIRouter(prefix="/api/v1", tags=["catalog"])
Ref = Annotated[str, "a dataset's public id (abcd-1234) or slug"]


def search_request(
    q: str = "",
    agency: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    classification: Annotated[list[str] | None, Query()] = None,
    update_frequency: Annotated[list[str] | None, Query()] = None,
    format: Annotated[list[str] | None, Query()] = None,
    license: Annotated[list[str] | None, Query()] = None,
    high_value: bool | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
    sort: Literal["relevance", "title", "updated", "created"] = "relevance",
    limit: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SearchRequest:
    return SearchRequest(
        q=q,
        agency=agency or [],
        category=category or [],
        classification=classification or [],
        update_frequency=update_frequency or [],
        format=format or [],
        license=license or [],
        high_value=high_value,
        tags=tag or [],
        sort=sort,
        limit=limit,
        offset=offset,
    )


@router.get("/datasets")
def search(
    session: DbSession,
    actor: CurrentActor,
    request: Annotated[SearchRequest, Depends(search_request)],
) -> dict[str, Any]:
    """Search the catalog: full text, filters and facet counts over the datasets you may see."""
    result = search_datasets(session, actor=actor, request=request)
    return {**result.as_dict(), "results": [dataset_summary(d) for d in result.datasets]}


@router.post("/datasets", status_code=201)
def create(session: DbSession, actor: CurrentActor, body: NewDataset) -> dict[str, Any]:
    """Add a draft dataset; send its metadata, and ``agency`` (a code) unless it is your own."""
    dataset = datasets.create_dataset(
        session, actor=actor, agency_code=body.agency, data=body.metadata()
    )
    return dataset_detail(dataset)


@router.get("/datasets/{ref}")
def read(ref: Ref, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """One dataset: metadata, inventory facts, lifecycle and dictionary."""
    return dataset_detail(datasets.get_dataset(session, actor=actor, ref=ref))


@router.patch("/datasets/{ref}")
def update(
    ref: Ref, session: DbSession, actor: CurrentActor, body: DatasetMetadata
) -> dict[str, Any]:
    """Change the metadata fields sent (the public id never changes)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    return dataset_detail(datasets.update_metadata(session, actor=actor, ref=ref, data=changes))


@router.get("/datasets/{ref}/dictionary")
def read_dictionary(ref: Ref, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """The data dictionary as a Frictionless Table Schema."""
    return datasets.dictionary_of(datasets.get_dataset(session, actor=actor, ref=ref))


@router.put("/datasets/{ref}/dictionary")
def write_dictionary(
    ref: Ref, session: DbSession, actor: CurrentActor, body: DictionaryEdit
) -> dict[str, Any]:
    """Edit the dictionary: send ``fields`` (matched by name) and optionally ``primaryKey``."""
    dataset = datasets.update_dictionary(
        session, actor=actor, ref=ref, fields=body.edits(), primary_key=body.primary_key
    )
    return datasets.dictionary_of(dataset)


@router.get("/datasets/{ref}/datapackage.json")
def read_datapackage(
    ref: Ref, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """The dataset as a Frictionless Data Package (metadata, dictionary, link to the data)."""
    dataset = datasets.get_dataset(session, actor=actor, ref=ref)
    return datapackage(dataset, str(request.base_url))


# Read from the stream (not parsed by FastAPI), so the document is told what they take.
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
SHEET_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "minLength": 1}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


@router.post(
    "/datasets/{ref}/uploads",
    status_code=201,
    response_model=UploadOut,
    openapi_extra=FILE_BODY,
)
async def upload(ref: Ref, request: Request, actor: CurrentActor) -> Any:
    """Upload a file (multipart field ``file``, or the raw body with ``?filename=``); returns the
    inferred schema to confirm. Larger than the configured limit: 413."""
    _, staged = await upload_to_dataset(request, actor, ref)
    return UploadOut.model_validate(staged)


@router.get("/datasets/{ref}/uploads/{upload_id}", response_model=UploadOut)
def read_upload(ref: Ref, upload_id: int, session: DbSession, actor: CurrentActor) -> Any:
    """An upload with its inferred columns and where its load stands."""
    return uploads.get_upload(session, actor=actor, ref=ref, upload_id=upload_id)


@router.post("/datasets/{ref}/uploads/{upload_id}/load", status_code=202)
def load(
    ref: Ref,
    upload_id: int,
    body: LoadRequest,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> dict[str, Any]:
    """Confirm the columns (names in order, types) and load the upload as the next version."""
    job = plan.start_load(session, actor=actor, ref=ref, upload_id=upload_id, request=body)
    queue = request.app.state.jobs
    job_id = job.id
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return {"job": job_id, "links": {"job": f"/api/v1/jobs/{job_id}"}}


@router.get("/datasets/{ref}/source")
def read_source(ref: Ref, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """The dataset's configured source and its pull schedule (for those who may edit it)."""
    return sources.source_view(datasets.get_dataset_for_edit(session, actor=actor, ref=ref))


@router.put("/datasets/{ref}/source")
def write_source(
    ref: Ref,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    body: SourceSettings,
) -> dict[str, Any]:
    """Configure where the data is pulled from: ``kind`` (file, url, sql or empty to remove),
    ``location`` (a path, a URL, or a SQLAlchemy URL), ``query`` (SQL sources), ``format``
    (optional) and ``mode`` (replace, append, upsert). It is pulled on the update frequency."""
    dataset = sources.configure_source(
        session,
        actor=actor,
        settings=get_settings(request),
        ref=ref,
        config=sources.SourceConfig.from_body(body.model_dump()),
    )
    return sources.source_view(dataset)


@router.post("/datasets/{ref}/source/pull", status_code=202)
def pull_source(
    ref: Ref, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Pull the configured source now, as a job that loads it as the next version."""
    job_id = pulls.start_pull(session, actor=actor, ref=ref).id
    queue = request.app.state.jobs
    run_after_commit(session, lambda: queue.enqueue(job_id))
    return {"job": job_id, "links": {"job": f"/api/v1/jobs/{job_id}"}}


@router.get("/datasets/{ref}/versions")
def list_versions(ref: Ref, session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """Every version, newest first, with row counts, checksums and schema changes."""
    dataset = datasets.get_dataset(session, actor=actor, ref=ref)
    return [version_out(dataset, v) for v in versions.list_versions(session, dataset=dataset)]


@router.get("/datasets/{ref}/versions/{number}")
def read_version(ref: Ref, number: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """One version."""
    dataset = datasets.get_dataset(session, actor=actor, ref=ref)
    return version_out(dataset, versions.get_version(session, dataset=dataset, number=number))


@router.get("/datasets/{ref}/versions/{number}/rows")
def version_rows(
    ref: Ref,
    number: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=0, le=1000)] = 20,
) -> dict[str, Any]:
    """The first rows of a version."""
    reading = open_reading(
        session, actor=actor, settings=get_settings(request), ref=ref, use=Use.API, version=number
    )
    page = query_rows(reading, RowsRequest(limit=limit, include_total=False))
    return {"version": reading.version.number, "masked": page.masked, "rows": page.rows}


def _download_url(request: Request, ref: str, number: int | None, kind: str) -> str:
    if kind not in ("csv", "parquet"):
        raise InvalidInput(f"format: {kind!r} is not offered; use data.csv or data.parquet.")
    url = f"/api/v1/datasets/{quote(ref, safe='')}/rows.{kind}"
    return url + (f"?version={number}" if number is not None else "")


@router.get("/datasets/{ref}/data.{kind}", response_class=RedirectResponse, status_code=308)
def download_current(ref: Ref, kind: DownloadKind, request: Request) -> RedirectResponse:
    """The current version as CSV or Parquet: moved to ``rows.csv`` and ``rows.parquet``, the one
    download of the data API, which this redirects to."""
    return RedirectResponse(_download_url(request, ref, None, kind), status_code=308)


@router.get(
    "/datasets/{ref}/versions/{number}/data.{kind}",
    response_class=RedirectResponse,
    status_code=308,
)
def download_version(
    ref: Ref, number: int, kind: DownloadKind, request: Request
) -> RedirectResponse:
    """A version as CSV or Parquet: redirects to ``rows.{csv,parquet}?version=N``."""
    return RedirectResponse(_download_url(request, ref, number, kind), status_code=308)


@router.post("/datasets/{ref}/versions/{number}/restore", status_code=201)
def restore(
    ref: Ref,
    number: int,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    body: Note | None = None,
) -> dict[str, Any]:
    """Publish an earlier version's rows again, as a new version."""
    note = body.note if body else ""
    version = restore_version(
        session, actor=actor, settings=get_settings(request), ref=ref, number=number, note=note
    )
    dataset = datasets.get_dataset(session, actor=actor, ref=ref)
    return version_out(dataset, version)


@router.post("/datasets/{ref}/submit")
def submit(ref: Ref, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Submit a draft for review by another steward or the agency's data officer."""
    return dataset_detail(lifecycle.submit_for_review(session, actor=actor, ref=ref))


@router.post("/datasets/{ref}/approve")
def approve(ref: Ref, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Approve and publish a dataset in review (not one you submitted)."""
    return dataset_detail(lifecycle.approve(session, actor=actor, ref=ref))


@router.post("/datasets/{ref}/return")
def return_to_draft(
    ref: Ref,
    session: DbSession,
    actor: CurrentActor,
    body: Reason | None = None,
) -> dict[str, Any]:
    """Send a dataset in review back to its stewards, with a reason."""
    reason = body.reason if body else ""
    return dataset_detail(lifecycle.return_to_draft(session, actor=actor, ref=ref, reason=reason))


@router.post("/datasets/{ref}/retire")
def retire(ref: Ref, session: DbSession, actor: CurrentActor, body: Retirement) -> dict[str, Any]:
    """Retire a published dataset: marked ARCHIVE, public for 30 days' notice, then private."""
    return dataset_detail(lifecycle.retire(session, actor=actor, ref=ref, reason=body.reason))


@router.get("/retired-datasets")
def retired(session: DbSession) -> list[dict[str, Any]]:
    """The public list of retired datasets, with when and why."""
    return [
        {
            "id": d.public_id,
            "title": d.title,
            "agency": d.agency.code if d.agency else None,
            "retired_at": d.retired_at.isoformat() if d.retired_at else None,
            "private_after": d.private_after.isoformat() if d.private_after else None,
            "reason": d.retirement_reason,
        }
        for d in lifecycle.list_retired(session)
    ]


exports = APIRouter(tags=["catalog"])


@exports.get("/data.json")
def read_data_json(request: Request, session: DbSession) -> dict[str, Any]:
    """The public catalog in DCAT-US 1.1 (what data.gov and other harvesters read)."""
    return data_json(session, str(request.base_url))


INVENTORY_IMPORT_MAX_BYTES = 10 * 1024 * 1024


@router.get("/inventory/{agency}")
def read_inventory(agency: str, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """An agency's inventory: every dataset you may see with its inventory fields."""
    rows = inventory.inventory_rows(session, actor=actor, agency_code=agency)
    return {
        "agency": agency.upper(),
        "items": [inventory.row_of(d) for d in rows],
        "high_value": sum(d.is_high_value for d in rows),
        "links": {
            "csv": f"/api/v1/inventory/{agency.upper()}/inventory.csv",
            "xlsx": f"/api/v1/inventory/{agency.upper()}/inventory.xlsx",
        },
    }


@router.get("/inventory/{agency}/inventory.{kind}", response_class=Response)
def export_inventory(
    agency: str, kind: SheetKind, session: DbSession, actor: CurrentActor
) -> Response:
    """The inventory as a spreadsheet (``inventory.csv`` or ``inventory.xlsx``)."""
    rows = inventory.inventory_rows(session, actor=actor, agency_code=agency)
    return spreadsheet_response(
        kind=kind,
        stem=f"{agency.upper()}-inventory",
        sheet_name="inventory",
        columns=inventory.COLUMNS,
        rows=[inventory.row_of(d) for d in rows],
    )


@router.post("/inventory/{agency}/import", openapi_extra=SHEET_BODY)
async def import_inventory(agency: str, request: Request, actor: CurrentActor) -> dict[str, int]:
    """Update and add inventory entries from a CSV or XLSX body (``?format=csv|xlsx``), all or
    nothing; the first problem is named by row and column."""
    fmt = request.query_params.get("format", "csv")
    content = bytearray()
    async for chunk in request.stream():
        content.extend(chunk)
        if len(content) > INVENTORY_IMPORT_MAX_BYTES:
            raise TooLarge(
                f"file: an inventory is limited to {INVENTORY_IMPORT_MAX_BYTES:,} bytes."
            )
    with unit_of_work(request.app.state.session_factory) as session:
        return inventory.import_inventory(
            session, actor=actor, agency_code=agency, content=bytes(content), fmt=fmt
        )


@router.post("/inventory/{agency}/submissions", status_code=201)
def submit_inventory(
    agency: str, session: DbSession, actor: CurrentActor, body: InventorySubmission
) -> dict[str, Any]:
    """Submit the agency's inventory for a year (the data officer; once per year)."""
    submission = inventory.submit_inventory(
        session, actor=actor, agency_code=agency, year=body.year, note=body.note
    )
    return {
        "agency": agency.upper(),
        "year": submission.year,
        "items": len(submission.items),
        "submitted_by": submission.submitted_by_name,
        "submitted_at": submission.submitted_at.isoformat(),
    }


@router.get("/access-plan")
def read_statewide_access_plan(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Every agency's open data access plan in numbers: items by status and the on-time rate."""
    plans = access_plan.statewide_plans(session, actor=actor, today=utcnow().date())
    return {
        "agencies": [
            {"agency": agency.code, "name": agency.name, **plan.summary()} for agency, plan in plans
        ]
    }


@router.get("/access-plan/{agency}")
def read_access_plan(agency: str, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """An agency's open data access plan: each inventory item you may see, when it will be
    published, and its status (published, on_track, overdue, not_scheduled, not_for_publication)."""
    plan = access_plan.agency_plan(session, actor=actor, agency_code=agency, today=utcnow().date())
    code = agency.upper()
    return {
        "agency": code,
        **plan.summary(),
        "items": [item.as_dict() for item in plan.items],
        "links": {
            "csv": f"/api/v1/access-plan/{code}/access-plan.csv",
            "xlsx": f"/api/v1/access-plan/{code}/access-plan.xlsx",
        },
    }


@router.get("/access-plan/{agency}/access-plan.{kind}", response_class=Response)
def export_access_plan(
    agency: str, kind: SheetKind, session: DbSession, actor: CurrentActor
) -> Response:
    """The access plan as a spreadsheet (``access-plan.csv`` or ``access-plan.xlsx``)."""
    plan = access_plan.agency_plan(session, actor=actor, agency_code=agency, today=utcnow().date())
    return spreadsheet_response(
        kind=kind,
        stem=f"{agency.upper()}-access-plan",
        sheet_name="access plan",
        columns=access_plan.COLUMNS,
        rows=[item.cells() for item in plan.items],
    )
