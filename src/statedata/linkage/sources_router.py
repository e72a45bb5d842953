"""The person index's sources and loads as JSON: which datasets feed it, how each is mapped,
and the runs that loaded them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from statedata.core.text_fields import NONBLANK
from statedata.linkage import sources
from statedata.web.deps import CurrentActor, DbSession, enqueue_after_commit

router = APIRouter(prefix="/api/v1", tags=["persons"])


class SourceMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_column: str = Field(
        max_length=300, pattern=NONBLANK, description="The column naming each record."
    )
    mapping: dict[str, str] = Field(
        description="Person attribute -> the dataset's column; join several with '+'.",
        examples=[{"first_name": "given_name", "last_name": "surname", "address": "number+street"}],
    )


class LoadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Datasets (public id or slug) to load; empty loads every source.",
    )


@router.get("/persons/sources")
def list_sources(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """Every dataset that feeds the person index, its mapping, its records in the index, and
    whether the index has its current version."""
    return sources.list_sources(session, actor=actor)


@router.get("/persons/runs")
def list_runs(
    session: DbSession, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The index's loads, newest first: records read, new and changed, pairs scored, persons
    created, merges and splits, and the job that ran each with its progress."""
    return sources.list_runs(session, actor=actor, limit=limit)


@router.post("/persons/runs", status_code=202)
def start_run(
    body: LoadRequest, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Load sources into the index as a background job (only new and changed records are
    scored); follow its progress at the job's URL."""
    job_id = sources.start_load(session, actor=actor, refs=body.sources).id
    return enqueue_after_commit(request, session, job_id)


@router.get("/datasets/{ref}/linkage")
def read_mapping(ref: str, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """How the dataset's columns map to person attributes (for those who may edit it), or a
    suggestion when it is not a source yet."""
    dataset, source = sources.source_of(session, actor=actor, ref=ref)
    if source is None:
        return {
            "dataset": dataset.public_id,
            "source": None,
            "suggested": sources.suggested_mapping(dataset),
        }
    return {"dataset": dataset.public_id, "source": sources.source_view(session, source, dataset)}


@router.put("/datasets/{ref}/linkage")
def write_mapping(
    ref: str, body: SourceMapping, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Make the dataset a source of the person index, or change its mapping."""
    source = sources.configure_source(
        session, actor=actor, ref=ref, id_column=body.id_column, mapping=body.mapping
    )
    dataset, _ = sources.source_of(session, actor=actor, ref=ref)
    return {"dataset": dataset.public_id, "source": sources.source_view(session, source, dataset)}


@router.delete("/datasets/{ref}/linkage", status_code=204)
def delete_mapping(ref: str, session: DbSession, actor: CurrentActor) -> Response:
    """Stop loading the dataset into the index (its records stay, with their persons)."""
    sources.remove_source(session, actor=actor, ref=ref)
    return Response(status_code=204)
