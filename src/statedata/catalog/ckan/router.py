"""A CKAN-compatible Action API at ``/api/3/action/`` and ``/api/action/``, read-only.

Actions answer GET (query parameters) and POST (a JSON body or a form) inside CKAN's envelope,
``{"help", "success", "result"}`` or ``{"help", "success": false, "error": {"__type", "message"}}``,
so the stock ``ckanapi`` client and CKAN harvesters work unchanged. Callers are anonymous or send
an API token (``Authorization: <token>``, as CKAN clients do); cookies are ignored here, so no
CKAN call can ride on a browser session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from statedata.catalog import datasets
from statedata.catalog.ckan.shapes import (
    CKAN_FACETS,
    facet_fields,
    organization_dict,
    package_dict,
    param_int,
    search_request_from,
)
from statedata.catalog.models import Dataset
from statedata.catalog.search import SearchRequest, search_datasets
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.errors import (
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    StatedataError,
    TooManyRequests,
)
from statedata.identity.actor import Actor
from statedata.identity.agencies import list_agencies
from statedata.identity.models import Agency
from statedata.identity.tokens import actor_for_token
from statedata.query.datastore import DEFAULT_LIMIT, RowQuery, search_rows
from statedata.query.formats import json_value
from statedata.query.reading import Use, open_reading
from statedata.web.deps import client_ip
from statedata.web.ratelimit import enforce_rate

router = APIRouter(include_in_schema=False)
ERROR_TYPES: dict[type[StatedataError], tuple[str, int]] = {
    NotFound: ("Not Found Error", 404),
    Forbidden: ("Authorization Error", 403),
    NotAuthenticated: ("Authorization Error", 403),
    InvalidInput: ("Validation Error", 409),
}
Action = Callable[[Session, Actor, dict[str, Any], str, Settings], Any]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(function: Action) -> Action:
        ACTIONS[name] = function
        return function

    return register


def _param(params: dict[str, Any], name: str, required: bool = True) -> Any:
    value = params.get(name)
    if required and value in (None, ""):
        raise InvalidInput(f"{name}: Missing value")
    return value


def _json_param(params: dict[str, Any], name: str, default: Any) -> Any:
    value = params.get(name)
    if value in (None, ""):
        return default
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise InvalidInput(f"{name}: {value[:60]!r} is not valid JSON.") from None
    return value


@action("package_search")
def package_search(
    session: Session, actor: Actor, params: dict[str, Any], base: str, settings: Settings
) -> Any:
    request = search_request_from(params)
    wanted = facet_fields(params)
    result = search_datasets(session, actor=actor, request=request, with_facets=bool(wanted))
    limit = param_int(params, "facet.limit", 50)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in wanted:
        values = result.facets.get(CKAN_FACETS[name], [])[: max(limit, 0)]
        keyed = [(v.value.lower() if name == "organization" else v.value, v) for v in values]
        facets[name] = {key: v.count for key, v in keyed}
        search_facets[name] = {
            "title": name,
            "items": [{"name": key, "display_name": v.label, "count": v.count} for key, v in keyed],
        }
    return {
        "count": result.total,
        "results": [package_dict(d, base) for d in result.datasets],
        "facets": facets,
        "search_facets": search_facets,
        "sort": params.get("sort") or "score desc",
    }


@action("package_show")
def package_show(
    session: Session, actor: Actor, params: dict[str, Any], base: str, settings: Settings
) -> Any:
    dataset = datasets.get_dataset(session, actor=actor, ref=str(_param(params, "id")))
    return package_dict(dataset, base)


@action("package_list")
def package_list(
    session: Session, actor: Actor, params: dict[str, Any], base: str, settings: Settings
) -> Any:
    request = SearchRequest(
        sort="title", limit=param_int(params, "limit", 1000), offset=param_int(params, "offset", 0)
    )
    result = search_datasets(session, actor=actor, request=request, with_facets=False)
    return [d.slug for d in result.datasets]


def _visible_counts(session: Session, actor: Actor) -> dict[int, int]:
    rows = session.execute(
        select(Dataset.agency_id, func.count(Dataset.id))
        .where(datasets.visible_to(session, actor))
        .group_by(Dataset.agency_id)
    )
    return {int(agency_id): int(count) for agency_id, count in rows}


@action("organization_list")
def organization_list(
    session: Session, actor: Actor, params: dict[str, Any], base: str, settings: Settings
) -> Any:
    counts = _visible_counts(session, actor)
    agencies = sorted(list_agencies(session), key=lambda a: a.code)
    offset, limit = param_int(params, "offset", 0), param_int(params, "limit", 1000)
    agencies = agencies[offset : offset + limit]
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [organization_dict(a, counts.get(a.id, 0)) for a in agencies]
    return [a.code.lower() for a in agencies]


@action("organization_show")
def organization_show(
    session: Session, actor: Actor, params: dict[str, Any], base: str, settings: Settings
) -> Any:
    wanted = str(_param(params, "id")).upper()
    agency = session.scalar(select(Agency).where(Agency.code == wanted))
    if agency is None:
        raise NotFound("Organization was not found.")
    counts = _visible_counts(session, actor)
    found = organization_dict(agency, counts.get(agency.id, 0))
    if str(params.get("include_datasets", "")).lower() in ("true", "1"):
        result = search_datasets(
            session,
            actor=actor,
            request=SearchRequest(agency=[agency.code], sort="title", limit=1000),
            with_facets=False,
        )
        found["packages"] = [package_dict(d, base) for d in result.datasets]
    return found


@action("datastore_search")
def datastore_search(
    session: Session, actor: Actor, params: dict[str, Any], base: str, settings: Settings
) -> Any:
    resource_id = str(_param(params, "resource_id"))
    fields = _json_param(params, "fields", None)
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    filters = _json_param(params, "filters", {})
    if not isinstance(filters, dict):
        raise InvalidInput("filters: send an object of column: value.")
    query = RowQuery(
        filters=filters,
        q=_json_param(params, "q", ""),
        fields=fields,
        sort=str(params.get("sort") or ""),
        limit=param_int(params, "limit", DEFAULT_LIMIT),
        offset=param_int(params, "offset", 0),
        include_total=str(params.get("include_total", "true")).lower() != "false",
    )
    reading = open_reading(session, actor=actor, settings=settings, ref=resource_id, use=Use.API)
    page = search_rows(reading, query)
    path = f"/api/3/action/datastore_search?resource_id={reading.dataset.public_id}"
    return {
        "resource_id": reading.dataset.public_id,
        "fields": [{"id": c.name, "type": c.type.lower()} for c in page.fields],
        "records": page.records,
        "total": page.total,
        "limit": query.limit,
        "offset": query.offset,
        "_links": {
            "start": path,
            "next": f"{path}&offset={query.offset + query.limit}",
        },
        "version": reading.version.number,
        "masked": sorted(reading.masked),
    }


def _envelope(help_url: str, body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps({"help": help_url, **body}, default=json_value),
        status_code=status,
        media_type="application/json",
    )


def _actor(session: Session, request: Request) -> Actor:
    secret = request.headers.get("authorization") or request.headers.get("x-ckan-api-key")
    if not secret:
        return Actor.anonymous(client_ip(request))
    secret = secret.removeprefix("Bearer ").strip()
    return actor_for_token(session, secret=secret, client_ip=client_ip(request))


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            body = await request.body()
            if body.strip():
                try:
                    loaded = json.loads(body)
                except json.JSONDecodeError:
                    raise InvalidInput("body: the request body is not valid JSON.") from None
                if not isinstance(loaded, dict):
                    raise InvalidInput("body: send a JSON object of the action's parameters.")
                params.update(loaded)
        elif kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


async def _call(name: str, request: Request) -> Response:
    help_url = f"{str(request.base_url).rstrip('/')}/api/3/action/help_show?name={name}"
    function = ACTIONS.get(name)
    if function is None:
        return _envelope(
            help_url,
            {
                "success": False,
                "error": {"__type": "Not Found Error", "message": f"Action name not known: {name}"},
            },
            400,
        )
    base = str(request.base_url).rstrip("/")

    def run(params: dict[str, Any]) -> Any:
        with unit_of_work(request.app.state.session_factory) as session:
            actor = _actor(session, request)
            enforce_rate(request, actor, session)
            return function(session, actor, params, base, request.app.state.settings)

    try:
        result = await run_in_threadpool(run, await _params(request))
    except TooManyRequests as exc:
        throttled = {"__type": "Throttling Error", "message": exc.detail}
        response = _envelope(help_url, {"success": False, "error": throttled}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except StatedataError as exc:
        kind, status = next(
            ((k, s) for cls, (k, s) in ERROR_TYPES.items() if isinstance(exc, cls)),
            ("Validation Error", 409),
        )
        error: dict[str, Any] = {"__type": kind, "message": exc.detail}
        if kind == "Validation Error":  # CKAN's shape: the field's name, then its messages
            error[exc.field or "message"] = [exc.detail.removeprefix(f"{exc.field}: ")]
        return _envelope(help_url, {"success": False, "error": error}, status)
    return _envelope(help_url, {"success": True, "result": result})


for prefix in ("/api/3/action", "/api/action"):

    @router.get(prefix + "/{name}")
    async def ckan_get(name: str, request: Request) -> Response:
        return await _call(name, request)

    @router.post(prefix + "/{name}")
    async def ckan_post(name: str, request: Request) -> Response:
        return await _call(name, request)
