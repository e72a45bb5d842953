"""The data API: rows as JSON pages, streamed CSV/JSON/GeoJSON/Parquet, and facets.

Answers carry an ``ETag`` and ``Last-Modified`` derived from the version (versions never change),
so a client asking again with ``If-None-Match`` gets a 304 without the query running.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from statedata.catalog.datasets import get_dataset_for_edit
from statedata.core.errors import BadQuery
from statedata.identity.actor import Actor
from statedata.query import formats
from statedata.query.params import RESERVED, integer, rows_request, version_param
from statedata.query.reading import Reading, Use, open_reading
from statedata.query.rows import (
    FACET_LIMIT,
    RowsPage,
    RowsRequest,
    export_rows,
    facets,
    query_rows,
)
from statedata.query.usage import usage_summary
from statedata.web.deps import CurrentActor, DbSession, get_settings
from statedata.web.ratelimit import RateLimited

router = APIRouter(prefix="/api/v1", tags=["data"], dependencies=[RateLimited])
Ref = Annotated[str, "a dataset's public id (abcd-1234) or slug"]
EXPORT_KINDS = ("csv", "json", "geojson", "parquet")


def etag_for(target: Reading, request: Request, kind: str) -> str:
    """A tag for this answer: the version, what is masked for the actor, the query and format."""
    query = sorted((k, v) for k, v in request.query_params.multi_items())
    digest = hashlib.sha256(f"{target.etag_base}|{kind}|{query}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def not_modified(target: Reading, request: Request, etag: str) -> Response | None:
    """A 304 when the client already holds this answer."""
    headers = cache_headers(target, etag)
    wanted = request.headers.get("if-none-match")
    if wanted is not None:
        tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
        return Response(status_code=304, headers=headers) if etag in tags or "*" in tags else None
    since = request.headers.get("if-modified-since")
    if since:
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is not None and target.last_modified.replace(microsecond=0) <= moment:
            return Response(status_code=304, headers=headers)
    return None


def cache_headers(target: Reading, etag: str) -> dict[str, str]:
    private = target.dataset.classification != "public" or bool(target.masked)
    return {
        "ETag": etag,
        "Last-Modified": format_datetime(target.last_modified, usegmt=True),
        "Cache-Control": "private, no-cache" if private else "public, no-cache",
    }


def open_tagged(
    request: Request, session: Session, actor: Actor, ref: str, kind: str, use: Use = Use.API
) -> tuple[Reading, str, Response | None]:
    """The version the request reads, its answer's ETag, and a 304 if the client holds it."""
    target = open_reading(
        session,
        actor=actor,
        settings=get_settings(request),
        ref=ref,
        use=use,
        version=version_param(request.query_params.get("version")),
    )
    etag = etag_for(target, request, kind)
    return target, etag, not_modified(target, request, etag)


def page_out(target: Reading, page: RowsPage, request: Request) -> dict[str, Any]:
    next_link = None
    if page.next_cursor:
        kept = [
            (k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "$offset")
        ]
        next_link = f"{request.url.path}?{urlencode([*kept, ('cursor', page.next_cursor)])}"
    return {
        "dataset": target.dataset.public_id,
        "version": target.version.number,
        "fields": [{"name": c.name, "type": c.type} for c in page.fields],
        "masked": page.masked,
        "total": page.total,
        "rows": page.rows,
        "next": next_link,
    }


@router.get("/datasets/{ref}/rows")
def read_rows(ref: Ref, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """Rows of the current version (or ``?version=N``), filtered, sorted and paged with SoQL.

    ``$select``, ``$where``, ``$order``, ``$group``, ``$having``, ``$q``, ``$limit``, ``$offset`` and
    ``column=value`` filters; ``next`` is the link to the following page.
    """
    target, etag, unchanged = open_tagged(request, session, actor, ref, "rows")
    if unchanged is not None:
        return unchanged
    page = query_rows(target, rows_request(request.query_params.multi_items()))
    body = formats.json_bytes(page_out(target, page, request))
    return Response(body, media_type="application/json", headers=cache_headers(target, etag))


def stream_response(
    target: Reading, parsed: RowsRequest, kind: str, etag: str
) -> StreamingResponse:
    """The whole result of the request's SoQL (or its ``$limit`` rows) as a file."""
    if kind == "geojson" and target.geo is None:
        raise BadQuery(
            "format: geojson needs latitude and longitude columns, which this dataset lacks."
        )
    batches = export_rows(target, parsed.soql, parsed.limit, parsed.offset)
    chunks = formats.stream(kind, batches, target.geo)
    name = f"{target.dataset.slug}-v{target.version.number}.{kind}"
    headers = {**cache_headers(target, etag), "Content-Disposition": f'inline; filename="{name}"'}
    return StreamingResponse(chunks, media_type=formats.MEDIA_TYPES[kind], headers=headers)


@router.get("/datasets/{ref}/rows.{kind}", response_class=StreamingResponse)
def export(
    ref: Ref,
    kind: Literal["csv", "json", "geojson", "parquet"],
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    """The rows a SoQL query selects, as a streamed csv, json, geojson or parquet file."""
    if kind not in EXPORT_KINDS:
        raise BadQuery(f"format: {kind!r} is not offered; use {', '.join(EXPORT_KINDS)}.")
    target, etag, unchanged = open_tagged(request, session, actor, ref, kind, Use.DOWNLOAD)
    if unchanged is not None:
        return unchanged
    parsed = rows_request(request.query_params.multi_items(), include_total=False)
    return stream_response(target, parsed, kind, etag)


@router.get("/datasets/{ref}/facets")
def read_facets(
    ref: Ref,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    columns: Annotated[str, Query(description="Columns to count values of, comma-separated")] = "",
) -> Response:
    """The commonest values of each named column, with counts, under the same filters as rows."""
    target, etag, unchanged = open_tagged(request, session, actor, ref, "facets")
    if unchanged is not None:
        return unchanged
    names = [c.strip() for c in columns.split(",") if c.strip()]
    limit = integer("limit", request.query_params.get("limit"), default=FACET_LIMIT)
    assert limit is not None
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in RESERVED]
    found = facets(target, names, rows_request(pairs).soql, limit)
    body = {"dataset": target.dataset.public_id, "version": target.version.number, **found}
    return Response(
        formats.json_bytes(body), media_type="application/json", headers=cache_headers(target, etag)
    )


@router.get("/datasets/{ref}/usage")
def read_usage(
    ref: Ref,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    """Page views, downloads and API calls of a dataset, for those who may edit it."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    pending = request.app.state.usage.pending(dataset.id)
    summary = usage_summary(session, dataset_id=dataset.id, days=days, pending=pending)
    return {"dataset": dataset.public_id, **summary}
