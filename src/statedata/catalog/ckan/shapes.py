"""Our catalog in CKAN's shapes: packages, organizations, and CKAN's search parameters read into ours.

CKAN clients (``ckanapi``, harvesters, notebooks) expect a package dict with ``name``, ``notes``,
``organization``, ``tags`` and ``resources``; each of our datasets is one package with one
resource (its current version, queryable through ``datastore_search`` by the dataset's id).
"""

from __future__ import annotations

import json
import re
from typing import Any

from statedata.catalog.identifiers import slugify
from statedata.catalog.models import Dataset
from statedata.catalog.search import SearchRequest
from statedata.catalog.vocabulary import CATEGORIES, LICENSES
from statedata.core.errors import InvalidInput
from statedata.identity.models import Agency

# CKAN's Solr fields we understand in fq (and in q), and the search field each sets.
FQ_FIELDS = {
    "organization": "agency",
    "owner_org": "agency",
    "tags": "tags",
    "groups": "category",
    "res_format": "format",
    "license_id": "license",
    "classification": "classification",
}
SORTS = {
    "score desc": "relevance",
    "title_string asc": "title",
    "name asc": "title",
    "metadata_modified desc": "updated",
    "metadata_created desc": "created",
}
MAX_ROWS = 1000
_TERM = re.compile(r'(\w+):("([^"]*)"|\S+)')
_CATEGORY_BY_SLUG = {slugify(c): c for c in CATEGORIES}


def _iso(value: Any) -> str | None:
    return value.replace(tzinfo=None).isoformat() if value is not None else None


def organization_dict(agency: Agency, package_count: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": agency.code.lower(),
        "name": agency.code.lower(),
        "title": agency.name,
        "display_name": agency.name,
        "type": "organization",
        "state": "active",
        "is_organization": True,
        "approval_status": "approved",
        "description": "",
        "image_url": "",
        "created": _iso(agency.created_at),
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def resource_dict(dataset: Dataset, base_url: str) -> dict[str, Any]:
    return {
        "id": dataset.public_id,
        "package_id": dataset.public_id,
        "name": dataset.title,
        "description": f"Version {dataset.current_version}",
        "format": "CSV",
        "mimetype": "text/csv",
        "url": f"{base_url}/api/v1/datasets/{dataset.public_id}/data.csv",
        "url_type": None,
        "datastore_active": dataset.current_version > 0,
        "last_modified": _iso(dataset.data_modified_at),
        "created": _iso(dataset.created_at),
        "position": 0,
        "state": "active",
    }


def package_dict(dataset: Dataset, base_url: str) -> dict[str, Any]:
    """A dataset as a CKAN package."""
    base = base_url.rstrip("/")
    tags = [{"name": t, "display_name": t, "state": "active"} for t in dataset.tags]
    groups = (
        [
            {
                "name": slugify(dataset.category),
                "title": dataset.category,
                "display_name": dataset.category,
            }
        ]
        if dataset.category
        else []
    )
    extras = {
        "public_id": dataset.public_id,
        "category": dataset.category,
        "row_label": dataset.row_label,
        "update_frequency": dataset.update_frequency,
        "geographic_unit": dataset.geographic_unit,
        "temporal_coverage": dataset.temporal_coverage,
        "classification": dataset.classification,
        "high_value": "true" if dataset.is_high_value else "false",
        "status": dataset.status,
    }
    return {
        "id": dataset.public_id,
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "active",
        "private": dataset.classification != "public",
        "url": dataset.source_link,
        "version": str(dataset.current_version),
        "author": dataset.agency.name if dataset.agency else "",
        "maintainer": dataset.contact_name,
        "maintainer_email": dataset.contact_email,
        "license_id": dataset.license,
        "license_title": LICENSES.get(dataset.license, dataset.license),
        "license_url": dataset.license,
        "metadata_created": _iso(dataset.created_at),
        "metadata_modified": _iso(dataset.updated_at),
        "owner_org": dataset.agency.code.lower() if dataset.agency else None,
        "organization": organization_dict(dataset.agency) if dataset.agency else None,
        "tags": tags,
        "num_tags": len(tags),
        "groups": groups,
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v],
        "resources": [resource_dict(dataset, base)] if dataset.current_version else [],
        "num_resources": 1 if dataset.current_version else 0,
        "ckan_url": f"{base}/datasets/{dataset.public_id}",
    }


def _add_term(request: SearchRequest, field: str, value: str, source: str) -> None:
    target = FQ_FIELDS.get(field)
    if target is None:
        raise InvalidInput(
            f"{source}: {field!r} is not a field this catalog filters on; use "
            + ", ".join(sorted(FQ_FIELDS))
            + "."
        )
    if target == "agency":
        request.agency.append(value.upper())
    elif target == "tags":
        request.tags.append(value.lower())
    elif target == "category":
        request.category.append(_CATEGORY_BY_SLUG.get(value, value))
    elif target == "format":
        request.format.append(value.lower())
    elif target == "classification":
        request.classification.append(value.lower())
    else:
        request.license.append(value)


def _take_terms(text: str, request: SearchRequest, source: str) -> str:
    """Move ``field:value`` terms from ``text`` into the request; return the words left."""
    for match in _TERM.finditer(text):
        field, value = (
            match.group(1),
            match.group(3) if match.group(3) is not None else match.group(2),
        )
        if field == "text":
            continue
        _add_term(request, field, value, source)
    rest = _TERM.sub(lambda m: m.group(3) or m.group(2) if m.group(1) == "text" else " ", text)
    return " ".join(word for word in rest.split() if word not in ("AND", "+", "*:*"))


def param_int(params: dict[str, Any], name: str, default: int, maximum: int | None = None) -> int:
    """A whole-number parameter of a CKAN call, checked against 0 and ``maximum``."""
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name}: {value!r} is not a whole number.") from None
    if number < 0 or (maximum is not None and number > maximum):
        limit = f" and {maximum}" if maximum is not None else ""
        raise InvalidInput(f"{name}: {number} must be between 0{limit}.")
    return number


def search_request_from(params: dict[str, Any]) -> SearchRequest:
    """package_search's parameters (q, fq, rows, start, sort) as our search request."""
    request = SearchRequest()
    request.q = _take_terms(str(params.get("q") or ""), request, "q")
    _take_terms(str(params.get("fq") or ""), request, "fq")
    request.limit = param_int(params, "rows", 10, MAX_ROWS)
    request.offset = param_int(params, "start", 0)
    sort = str(params.get("sort") or "score desc").strip().lower()
    first = sort.split(",")[0].strip()
    if first not in SORTS:
        raise InvalidInput(f"sort: {sort!r} is not supported; use one of {', '.join(SORTS)}.")
    request.sort = SORTS[first]
    return request


def facet_fields(params: dict[str, Any]) -> list[str]:
    """facet.field: a JSON list (or one name) of CKAN fields to count."""
    raw = params.get("facet.field")
    if raw in (None, ""):
        return []
    if isinstance(raw, list):
        names = raw
    else:
        try:
            names = json.loads(raw) if str(raw).startswith("[") else [raw]
        except json.JSONDecodeError:
            raise InvalidInput(f"facet.field: {raw!r} is not a JSON list of field names.") from None
    for name in names:
        if name not in CKAN_FACETS:
            raise InvalidInput(
                f"facet.field: {name!r} cannot be counted; use {', '.join(CKAN_FACETS)}."
            )
    return [str(n) for n in names]


# CKAN facet name -> our facet name
CKAN_FACETS = {
    "organization": "agency",
    "groups": "category",
    "res_format": "format",
    "classification": "classification",
    "update_frequency": "update_frequency",
    "tags": "tags",
    "license_id": "license",
}
