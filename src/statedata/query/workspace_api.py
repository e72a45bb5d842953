"""The SQL workspace over HTTP: run a SELECT, list the tables, keep saved queries.

Signed-in users only (a session, with the X-CSRF-Token header on posts, or an API token).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from statedata.core.text_fields import NONBLANK
from statedata.query.formats import json_bytes
from statedata.query.models import SavedQuery
from statedata.query.workspace import (
    MAX_SQL_CHARS,
    MAX_TITLE_CHARS,
    SqlResult,
    delete_saved,
    get_saved,
    list_saved,
    run_sql,
    save_query,
    workspace_tables,
)
from statedata.web.deps import CurrentActor, DbSession, get_settings
from statedata.web.ratelimit import RateLimited

router = APIRouter(prefix="/api/v1/sql", tags=["sql"], dependencies=[RateLimited])


class SqlIn(BaseModel):
    sql: str = Field(
        pattern=NONBLANK,
        description=f"One SELECT statement, at most {MAX_SQL_CHARS:,} characters.",
    )
    limit: int | None = Field(default=None, ge=1, description="Most rows to return (≤ the cap).")
    format: Literal["json", "csv"] = "json"


class SavedIn(BaseModel):
    title: str = Field(max_length=MAX_TITLE_CHARS, pattern=NONBLANK)
    sql: str = Field(max_length=MAX_SQL_CHARS, pattern=NONBLANK)


def result_out(result: SqlResult) -> dict[str, Any]:
    return {
        "columns": [{"name": c.name, "type": c.type} for c in result.columns],
        "rows": result.rows,
        "row_count": result.table.num_rows,
        "truncated": result.truncated,
        "row_cap": result.row_cap,
        "tables": result.tables,
        "elapsed_ms": result.elapsed_ms,
    }


def csv_response(result: SqlResult) -> StreamingResponse:
    return StreamingResponse(
        result.csv(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="query.csv"',
            "X-Truncated": "true" if result.truncated else "false",
            "Cache-Control": "private, no-store",
        },
    )


def saved_out(saved: SavedQuery) -> dict[str, Any]:
    return {
        "id": saved.id,
        "title": saved.title,
        "sql": saved.sql,
        "created_at": saved.created_at.isoformat(),
        "updated_at": saved.updated_at.isoformat(),
    }


@router.post("")
def run(body: SqlIn, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """Run one SELECT over the datasets you may read; JSON rows or a CSV file."""
    result = run_sql(
        session, actor=actor, settings=get_settings(request), sql=body.sql, limit=body.limit
    )
    if body.format == "csv":
        return csv_response(result)
    return Response(
        json_bytes(result_out(result)),
        media_type="application/json",
        headers={"Cache-Control": "private, no-store"},
    )


@router.get("/tables")
def tables(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """The tables a statement may read: your readable datasets, named by slug."""
    return {
        "tables": [
            {
                "name": t.name,
                "dataset": t.public_id,
                "title": t.title,
                "columns": [{"name": c.name, "type": c.type} for c in t.columns],
                "masked": t.masked,
            }
            for t in workspace_tables(session, actor=actor)
        ]
    }


@router.get("/saved")
def saved_list(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return {"saved": [saved_out(s) for s in list_saved(session, actor=actor)]}


@router.post("/saved", status_code=201)
def saved_create(body: SavedIn, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return saved_out(save_query(session, actor=actor, title=body.title, sql=body.sql))


@router.get("/saved/{query_id}")
def saved_read(query_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return saved_out(get_saved(session, actor=actor, query_id=query_id))


@router.put("/saved/{query_id}")
def saved_change(
    query_id: int, body: SavedIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    saved = save_query(session, actor=actor, title=body.title, sql=body.sql, query_id=query_id)
    return saved_out(saved)


@router.delete("/saved/{query_id}", status_code=204)
def saved_delete(query_id: int, session: DbSession, actor: CurrentActor) -> Response:
    delete_saved(session, actor=actor, query_id=query_id)
    return Response(status_code=204)
