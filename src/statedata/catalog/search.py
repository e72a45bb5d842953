"""Catalog search: full-text query, filters and facet counts over what the viewer may see.

The visibility filter from the policy is part of the one query that finds, counts and facets, so
a hidden dataset can change no number anyone sees.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, Integer, Select, String, cast, func, literal, select, text
from sqlalchemy.orm import Session

from statedata.catalog.datasets import visible_to
from statedata.catalog.models import Dataset
from statedata.catalog.search_index import match_sql, search_terms
from statedata.catalog.vocabulary import LICENSES
from statedata.core.errors import InvalidInput
from statedata.identity.actor import Actor
from statedata.identity.models import Agency

FACETS = (
    "agency",
    "category",
    "classification",
    "update_frequency",
    "format",
    "high_value",
    "license",
    "tags",
)
TAG_FACET_SIZE = 30
SORTS = ("relevance", "title", "updated", "created")
MAX_LIMIT = 1000


@dataclass
class SearchRequest:
    """A catalog query; every filter is optional. ``high_value`` filters when not None."""

    q: str = ""
    agency: list[str] = field(default_factory=list)  # agency codes
    category: list[str] = field(default_factory=list)
    classification: list[str] = field(default_factory=list)
    update_frequency: list[str] = field(default_factory=list)
    format: list[str] = field(default_factory=list)
    license: list[str] = field(default_factory=list)
    high_value: bool | None = None
    tags: list[str] = field(default_factory=list)
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    total: int
    datasets: list[Dataset]
    facets: dict[str, list[FacetValue]]
    request: SearchRequest

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "limit": self.request.limit,
            "offset": self.request.offset,
            "facets": {name: [vars(v) for v in values] for name, values in self.facets.items()},
        }


def _check(request: SearchRequest) -> None:
    if request.sort not in SORTS:
        raise InvalidInput(f"sort: {request.sort!r} is not a sort; use one of {', '.join(SORTS)}.")
    if not 0 <= request.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: {request.limit} must be between 0 and {MAX_LIMIT}.")
    if request.offset < 0:
        raise InvalidInput(f"offset: {request.offset} must not be negative.")


def _filtered(
    session: Session, actor: Actor, request: SearchRequest, terms: list[str]
) -> Select[Any]:
    """Dataset ids (with a score) that match the request and that the actor may see."""
    dialect = session.get_bind().dialect.name
    if terms:
        match = match_sql(dialect, terms)
        matched = (
            text(match.sql)
            .bindparams(**match.params)
            .columns(dataset_id=Integer, score=Float)
            .subquery("matched")
        )
        query = select(Dataset.id, matched.c.score).join(
            matched, matched.c.dataset_id == Dataset.id
        )
    else:
        query = select(Dataset.id, literal(0.0, Float).label("score"))
    query = query.where(visible_to(session, actor))
    if request.agency:
        codes = [code.upper() for code in request.agency]
        query = query.where(Dataset.agency_id.in_(select(Agency.id).where(Agency.code.in_(codes))))
    for column, values in (
        (Dataset.category, request.category),
        (Dataset.classification, request.classification),
        (Dataset.update_frequency, request.update_frequency),
        (Dataset.data_format, request.format),
        (Dataset.license, request.license),
    ):
        if values:
            query = query.where(column.in_(values))
    if request.high_value is not None:
        query = query.where(Dataset.is_high_value.is_(request.high_value))
    for tag in request.tags:
        # Tags are stored as a JSON list of lowercase strings: match the quoted tag in its text.
        query = query.where(cast(Dataset.tags, String).contains(f'"{tag.lower()}"'))
    return query


def _order(query: Select[Any], sort: str, has_terms: bool) -> Select[Any]:
    scored = query.selected_columns.score
    if sort == "title":
        return query.order_by(Dataset.title, Dataset.id)
    if sort == "updated":
        return query.order_by(Dataset.updated_at.desc(), Dataset.id)
    if sort == "created":
        return query.order_by(Dataset.created_at.desc(), Dataset.id)
    if has_terms:
        return query.order_by(scored.desc(), Dataset.title, Dataset.id)
    return query.order_by(Dataset.title, Dataset.id)


def _facets(session: Session, ids: Select[Any]) -> dict[str, list[FacetValue]]:
    matched = ids.subquery("facet_base")
    in_matched = Dataset.id.in_(select(matched.c.id))
    facets: dict[str, list[FacetValue]] = {}
    agency_rows = session.execute(
        select(Agency.code, Agency.name, func.count(Dataset.id))
        .join(Dataset, Dataset.agency_id == Agency.id)
        .where(in_matched)
        .group_by(Agency.code, Agency.name)
        .order_by(func.count(Dataset.id).desc(), Agency.code)
    )
    facets["agency"] = [FacetValue(code, name, count) for code, name, count in agency_rows]
    for name, column in (
        ("category", Dataset.category),
        ("classification", Dataset.classification),
        ("update_frequency", Dataset.update_frequency),
        ("format", Dataset.data_format),
        ("license", Dataset.license),
    ):
        rows = session.execute(
            select(column, func.count(Dataset.id))
            .where(in_matched, column != "")
            .group_by(column)
            .order_by(func.count(Dataset.id).desc(), column)
        )
        label = LICENSES.get if name == "license" else None
        facets[name] = [
            FacetValue(value, label(value, value) if label else value, count)
            for value, count in rows
        ]
    # Tags are a JSON list per dataset: counted here rather than in dialect-specific SQL.
    tag_counts: Counter[str] = Counter()
    for tags in session.scalars(select(Dataset.tags).where(in_matched)):
        tag_counts.update(tags or [])
    facets["tags"] = [
        FacetValue(tag, tag, count)
        for tag, count in sorted(tag_counts.items(), key=lambda item: (-item[1], item[0]))[
            :TAG_FACET_SIZE
        ]
    ]
    high_value = session.execute(
        select(Dataset.is_high_value, func.count(Dataset.id))
        .where(in_matched)
        .group_by(Dataset.is_high_value)
    )
    facets["high_value"] = [
        FacetValue(str(flag).lower(), "High-value" if flag else "Other", count)
        for flag, count in sorted(high_value, key=lambda row: not row[0])
    ]
    return facets


def search_datasets(
    session: Session, *, actor: Actor, request: SearchRequest, with_facets: bool = True
) -> SearchResult:
    """Datasets matching the request that the actor may see, ranked, one page of them, with facets."""
    _check(request)
    terms = search_terms(request.q)
    filtered = _filtered(session, actor, request, terms)
    total = session.scalar(select(func.count()).select_from(filtered.subquery())) or 0
    page = _order(filtered, request.sort, bool(terms))
    page = page.limit(request.limit).offset(request.offset)
    ids = [row[0] for row in session.execute(page)]
    found = {d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_(ids)))}
    return SearchResult(
        total=total,
        datasets=[found[i] for i in ids if i in found],
        facets=_facets(session, filtered) if with_facets else {},
        request=request,
    )
