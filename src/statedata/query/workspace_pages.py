"""The SQL workspace page: write a SELECT, see the rows, chart them, download them, keep the query.

One form does everything with plain posts (it works without JavaScript): its button says whether
to run, download CSV or save, and the chart's choices ride along with the statement.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statedata.core.errors import BadQuery, StatedataError
from statedata.identity.actor import Actor
from statedata.query.charts import chart_spec, chart_value, x_kind
from statedata.query.soql import NUMERIC
from statedata.query.workspace import (
    SqlResult,
    delete_saved,
    get_saved,
    list_saved,
    run_sql,
    save_query,
    workspace_tables,
)
from statedata.query.workspace_api import csv_response
from statedata.web.deps import CurrentActor, DbSession, get_settings, require_form_csrf
from statedata.web.errors import shown_in_form
from statedata.web.templating import flash, render

router = APIRouter(include_in_schema=False)
SHOWN_ROWS = 1_000
CHART_ROWS = 5_000


def _example(tables: list[Any]) -> str:
    if not tables:
        return "SELECT 1 AS answer"
    return f"SELECT *\nFROM {tables[0].name}\nLIMIT 20"


def _chart(result: SqlResult, x: str, y: str, group: str) -> dict[str, Any] | None:
    types = {c.name: c.type for c in result.columns}
    if not x or not y:
        return None
    for label, name in (("x", x), ("y", y), ("colour", group)):
        if name and name not in types:
            raise BadQuery(f"chart {label}: {name!r} is not a column of the result.")
    if not NUMERIC.match(types[y]):
        raise BadQuery(f"chart y: {y!r} is {types[y]}; choose a number column.")
    rows = result.table.slice(0, CHART_ROWS).to_pylist()
    return chart_spec(
        [{k: chart_value(v) for k, v in r.items()} for r in rows],
        x=x,
        y=y,
        group=group,
        x_kind=x_kind(types[x]),
        title=f"{y} by {x}" + (f" and {group}" if group else ""),
    )


def _page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    sql: str,
    result: SqlResult | None = None,
    error: str = "",
    chart: dict[str, Any] | None = None,
    choices: dict[str, str] | None = None,
    title_text: str = "",
    saved_id: int | None = None,
    status_code: int = 200,
) -> Response:
    tables = workspace_tables(session, actor=actor)
    return render(
        request,
        "sql.html",
        {
            "sql": sql or _example(tables),
            "tables": tables,
            "saved": list_saved(session, actor=actor),
            "result": result,
            "shown_rows": SHOWN_ROWS,
            "error": error,
            "chart_json": json.dumps(chart).replace("</", "<\\/") if chart else "",
            "choices": choices or {},
            "number_columns": [c.name for c in result.columns if NUMERIC.match(c.type)]
            if result
            else [],
            "title_text": title_text,
            "saved_id": saved_id,
        },
        title="SQL workspace",
        json_url="/api/v1/sql/tables",
        status_code=status_code,
    )


@router.get("/sql", response_class=HTMLResponse)
def workspace_page(
    request: Request, session: DbSession, actor: CurrentActor, saved: int | None = None
) -> Response:
    if saved is not None:
        query = get_saved(session, actor=actor, query_id=saved)
        return _page(
            request, session, actor, sql=query.sql, title_text=query.title, saved_id=query.id
        )
    return _page(request, session, actor, sql="")


@router.post("/sql", dependencies=[Depends(require_form_csrf)])
def workspace_post(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    sql: str = Form(""),
    action: str = Form("run"),
    title: str = Form(""),
    saved_id: int | None = Form(None),
    chart_x: str = Form(""),
    chart_y: str = Form(""),
    chart_group: str = Form(""),
) -> Response:
    choices = {"x": chart_x, "y": chart_y, "group": chart_group}
    try:
        if action == "save":
            kept = save_query(session, actor=actor, title=title, sql=sql, query_id=saved_id)
            flash(request, f"Saved “{kept.title}”.", kind="notice")
            return RedirectResponse(f"/sql?saved={kept.id}", status_code=303)
        if action == "delete" and saved_id is not None:
            delete_saved(session, actor=actor, query_id=saved_id)
            flash(request, "The saved query was deleted.", kind="notice")
            return RedirectResponse("/sql", status_code=303)
        result = run_sql(session, actor=actor, settings=get_settings(request), sql=sql)
        if action == "csv":
            return csv_response(result)
        chart = _chart(result, chart_x, chart_y, chart_group)
    except StatedataError as exc:
        if not shown_in_form(exc):
            raise
        return _page(
            request,
            session,
            actor,
            sql=sql,
            error=exc.detail,
            choices=choices,
            title_text=title,
            saved_id=saved_id,
            status_code=exc.status,
        )
    return _page(
        request,
        session,
        actor,
        sql=sql,
        result=result,
        chart=chart,
        choices=choices,
        title_text=title,
        saved_id=saved_id,
    )
