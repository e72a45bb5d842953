"""Socrata's API shapes, so SODA clients (sodapy, RSocrata, Socrata's own widgets) work unchanged.

``/resource/{id}.json|csv|geojson`` answers SoQL with values written as Socrata writes them and
the ``X-SODA2-Fields`` / ``X-SODA2-Types`` headers; ``/api/views/{id}.json`` is a dataset's
metadata; ``/api/catalog/v1`` is discovery. All of them run on the same services as ``/api/v1``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from statedata.catalog import datasets
from statedata.catalog.models import Dataset
from statedata.catalog.search import MAX_LIMIT, SearchRequest, search_datasets
from statedata.core.errors import BadQuery, NotFound
from statedata.identity.actor import Actor
from statedata.query import formats
from statedata.query.params import integer, rows_request
from statedata.query.reading import Use
from statedata.query.router import (
    cache_headers,
    open_tagged,
    stream_response,
)
from statedata.query.rows import DEFAULT_LIMIT, query_rows
from statedata.storage.schema import Column
from statedata.web.deps import CurrentActor, DbSession
from statedata.web.ratelimit import RateLimited

router = APIRouter(include_in_schema=False, dependencies=[RateLimited])
SODA_KINDS = ("json", "csv", "geojson")
SODA_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "checkbox",
    "DATE": "floating_timestamp",
    "TIMESTAMP": "floating_timestamp",
    "TIMESTAMP WITH TIME ZONE": "floating_timestamp",
}


def soda_type(sql_type: str) -> str:
    """Socrata's name for one of our column types."""
    return SODA_TYPES.get(sql_type, "number" if sql_type != "TIME" else "text")


def _soda_headers(fields: list[Column]) -> dict[str, str]:
    return {
        "X-SODA2-Fields": json.dumps([c.name for c in fields]),
        "X-SODA2-Types": json.dumps([soda_type(c.type) for c in fields]),
    }


@router.get("/resource/{ref}.{kind}")
def resource(
    ref: str, kind: str, request: Request, session: DbSession, actor: CurrentActor
) -> Response:
    """Rows as SODA 2 returns them (``$limit`` defaults to 1,000, as in Socrata)."""
    if kind not in SODA_KINDS:
        raise BadQuery(f"format: {kind!r} is not offered here; use {', '.join(SODA_KINDS)}.")
    if "$query" in request.query_params:
        raise BadQuery("$query: send the clauses as $select, $where, $order, $group, $having.")
    target, etag, unchanged = open_tagged(request, session, actor, ref, f"soda.{kind}", Use.API)
    if unchanged is not None:
        return unchanged
    parsed = rows_request(request.query_params.multi_items(), include_total=False)
    if kind == "json":
        page = query_rows(target, parsed)
        rows = [
            {k: formats.socrata_value(v) for k, v in row.items() if v is not None}
            for row in page.rows
        ]
        headers = {**cache_headers(target, etag), **_soda_headers(page.fields)}
        return Response(formats.json_bytes(rows), media_type="application/json", headers=headers)
    if parsed.limit is None:
        parsed.limit = DEFAULT_LIMIT  # Socrata's page when $limit is not given
    streamed = stream_response(target, parsed, kind, etag)
    streamed.headers.update(_soda_headers(target.columns))
    return streamed


def _timestamp(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


def view_metadata(dataset: Dataset, base_url: str) -> dict[str, Any]:
    """A dataset as Socrata's ``/api/views`` describes one."""
    descriptions = {f["name"]: f.get("description", "") for f in dataset.dictionary}
    return {
        "id": dataset.public_id,
        "name": dataset.title,
        "description": dataset.description,
        "attribution": dataset.attribution or (dataset.agency.name if dataset.agency else ""),
        "category": dataset.category,
        "tags": dataset.tags,
        "license": {"name": dataset.license} if dataset.license else None,
        "displayType": "table",
        "viewType": "tabular",
        "assetType": "dataset",
        "createdAt": _timestamp(dataset.created_at),
        "publicationDate": _timestamp(dataset.published_at),
        "rowsUpdatedAt": _timestamp(dataset.data_modified_at),
        "viewLastModified": _timestamp(dataset.updated_at),
        "columns": [
            {
                "id": position,
                "name": field["name"],
                "fieldName": field["name"],
                "dataTypeName": soda_type(field.get("storageType", "VARCHAR")),
                "description": descriptions.get(field["name"], ""),
                "position": position,
            }
            for position, field in enumerate(dataset.dictionary, start=1)
        ],
        "metadata": {"custom_fields": {"Update": {"Frequency": dataset.update_frequency}}},
        "permalink": f"{base_url.rstrip('/')}/datasets/{dataset.public_id}",
    }


@router.get("/api/views/{ref}.json")
def view(ref: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """A dataset's metadata in Socrata's ``views`` form."""
    dataset = datasets.get_dataset(session, actor=actor, ref=ref)
    return Response(
        formats.json_bytes(view_metadata(dataset, str(request.base_url))),
        media_type="application/json",
    )


def _catalog_entry(dataset: Dataset, domain: str, base_url: str) -> dict[str, Any]:
    link = f"{base_url.rstrip('/')}/datasets/{dataset.public_id}"
    fields = dataset.dictionary
    return {
        "resource": {
            "name": dataset.title,
            "id": dataset.public_id,
            "description": dataset.description,
            "attribution": dataset.attribution or (dataset.agency.name if dataset.agency else ""),
            "type": "dataset",
            "updatedAt": dataset.updated_at.isoformat() if dataset.updated_at else None,
            "createdAt": dataset.created_at.isoformat() if dataset.created_at else None,
            "data_updated_at": (
                dataset.data_modified_at.isoformat() if dataset.data_modified_at else None
            ),
            "columns_name": [f["name"] for f in fields],
            "columns_field_name": [f["name"] for f in fields],
            "columns_datatype": [soda_type(f.get("storageType", "VARCHAR")) for f in fields],
            "columns_description": [f.get("description", "") for f in fields],
        },
        "classification": {
            "categories": [],
            "tags": [],
            "domain_category": dataset.category,
            "domain_tags": dataset.tags,
        },
        "metadata": {"domain": domain, "license": dataset.license},
        "permalink": link,
        "link": link,
    }


def _visible(session: Session, actor: Actor, ref: str) -> Dataset | None:
    try:
        return datasets.get_dataset(session, actor=actor, ref=ref)
    except NotFound:
        return None


@router.get("/api/catalog/v1")
def catalog(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """Discovery in the form of Socrata's catalog API (``q``, ``categories``, ``tags``, paging)."""
    params = request.query_params
    limit = integer("limit", params.get("limit"), default=100) or 100
    order = (params.get("order") or "").split(" ")[0].lower()
    sort = {"name": "title", "updatedat": "updated", "createdat": "created"}.get(order, "relevance")
    found = search_datasets(
        session,
        actor=actor,
        request=SearchRequest(
            q=params.get("q", ""),
            category=params.getlist("categories"),
            tags=params.getlist("tags"),
            sort=sort,
            limit=min(limit, MAX_LIMIT),
            offset=integer("offset", params.get("offset"), default=0) or 0,
        ),
        with_facets=False,
    )
    chosen, total = found.datasets, found.total
    if params.getlist("ids"):  # particular datasets: those of them the caller may see
        chosen = [d for d in (_visible(session, actor, i) for i in params.getlist("ids")) if d]
        total = len(chosen)
    domain = request.url.netloc
    body = {
        "results": [_catalog_entry(d, domain, str(request.base_url)) for d in chosen],
        "resultSetSize": total,
        "timings": {},
    }
    return Response(formats.json_bytes(body), media_type="application/json")
