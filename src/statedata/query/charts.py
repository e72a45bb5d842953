"""Charts: a chart builder's choices turned into one grouped SoQL query and a Vega-Lite spec.

Specs are written by Altair with the data inline, so the page needs nothing but the locally served
vega-embed to draw them, and the same rows are shown as a table for readers without JavaScript
or a screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from statedata.core.errors import BadQuery
from statedata.query.formats import plain_value
from statedata.query.reading import Reading
from statedata.query.rows import RowsRequest, facets, query_rows
from statedata.query.soql import NUMERIC, TEMPORAL, SoqlRequest
from statedata.query.table_view import TableView, soql_name, soql_text

AGGREGATES = {
    "count": "Number of rows",
    "sum": "Sum",
    "avg": "Average",
    "min": "Smallest",
    "max": "Largest",
}
UNITS = {"year": "date_trunc_y", "month": "date_trunc_ym", "day": "date_trunc_ymd"}
MAX_GROUPS = 8
MAX_POINTS = 2_000
X_FIELD, Y_FIELD, GROUP_FIELD = "x", "value", "group"


@dataclass(frozen=True)
class ChartRequest:
    x: str
    aggregate: str = "count"
    y: str = ""
    group: str = ""
    unit: str = "month"

    def params(self) -> list[tuple[str, str]]:
        pairs = [("chart_x", self.x), ("chart_agg", self.aggregate)]
        pairs += [("chart_y", self.y)] if self.y else []
        pairs += [("chart_group", self.group)] if self.group else []
        pairs += [("chart_unit", self.unit)]
        return pairs


def chart_request(
    pairs: Iterable[tuple[str, str]], *, types: dict[str, str], masked: frozenset[str]
) -> ChartRequest | None:
    """The chart the query string asks for (``chart_x`` and friends), or None when none is asked."""
    given = {name: value for name, value in pairs if name.startswith("chart_")}
    x = given.get("chart_x", "")
    if not x:
        return None
    aggregate = given.get("chart_agg", "count") or "count"
    y = given.get("chart_y", "")
    group = given.get("chart_group", "")
    unit = given.get("chart_unit", "month") or "month"
    for label, name in (("x", x), ("y", y), ("group", group)):
        if name and name not in types:
            raise BadQuery(f"chart {label}: {name!r} is not a column of this dataset.")
        if name and name in masked:
            raise BadQuery(f"chart {label}: {name!r} is masked for you and cannot be charted.")
    if aggregate not in AGGREGATES:
        raise BadQuery(f"chart aggregate: {aggregate!r} is not one of {', '.join(AGGREGATES)}.")
    if aggregate != "count":
        if not y:
            raise BadQuery(f"chart y: {aggregate} needs a numeric column to work on.")
        if not NUMERIC.match(types[y]):
            raise BadQuery(f"chart y: {y!r} is {types[y]}; {aggregate} needs a number column.")
    if unit not in UNITS:
        raise BadQuery(f"chart unit: {unit!r} is not one of {', '.join(UNITS)}.")
    if group == x:
        raise BadQuery("chart group: choose a column other than the x column.")
    return ChartRequest(
        x=x, aggregate=aggregate, y=y if aggregate != "count" else "", group=group, unit=unit
    )


@dataclass
class Chart:
    request: ChartRequest
    title: str
    x_title: str
    y_title: str
    rows: list[dict[str, Any]]
    spec: dict[str, Any]
    groups_total: int = 0
    groups_shown: list[str] = field(default_factory=list)
    truncated: bool = False


def x_kind(column_type: str) -> str:
    if column_type in TEMPORAL:
        return "temporal"
    return "quantitative" if NUMERIC.match(column_type) else "nominal"


def build_chart(target: Reading, view: TableView, request: ChartRequest) -> Chart:
    """The chart's rows (grouped by x and the group column, over the table's filters) and spec."""
    types = {c.name: c.type for c in target.columns}
    kind = x_kind(types[request.x])
    x_expr = soql_name(request.x)
    if kind == "temporal":
        x_expr = f"{UNITS[request.unit]}({x_expr})"
    measure = (
        "count(*)"
        if request.aggregate == "count"
        else f"{request.aggregate}({soql_name(request.y)})"
    )
    select = [f"{x_expr} AS {X_FIELD}", f"{measure} AS {Y_FIELD}"]
    group_by = [x_expr]
    where = view.where()
    groups_total, shown_groups = 0, []
    if request.group:
        select.append(f"{soql_name(request.group)} AS {GROUP_FIELD}")
        group_by.append(soql_name(request.group))
        # Only the commonest groups get a colour; the rest would make the chart unreadable.
        counted = facets(target, [request.group], SoqlRequest(where=where, q=view.q), MAX_GROUPS)
        values = counted["facets"][0]["values"]
        shown_groups = [str(v["value"]) for v in values if v["value"] is not None]
        groups_total = len(values) + (1 if counted["facets"][0]["more"] else 0)
        if counted["facets"][0]["more"] and shown_groups:
            listed = ", ".join(soql_text(v) for v in shown_groups)
            keep = f"{soql_name(request.group)} IN ({listed})"
            where = f"({where}) AND {keep}" if where else keep
    order = f"{Y_FIELD} DESC" if kind == "nominal" else X_FIELD
    soql = SoqlRequest(
        select=", ".join(select), where=where, group=", ".join(group_by), order=order, q=view.q
    )
    page = query_rows(target, RowsRequest(soql=soql, limit=MAX_POINTS + 1, include_total=False))
    rows = [{k: chart_value(v) for k, v in row.items()} for row in page.rows[:MAX_POINTS]]
    y_title = (
        AGGREGATES["count"]
        if request.aggregate == "count"
        else f"{AGGREGATES[request.aggregate]} of {request.y}"
    )
    x_title = request.x if kind != "temporal" else f"{request.x} by {request.unit}"
    title = f"{y_title} by {x_title}" + (f" and {request.group}" if request.group else "")
    spec = chart_spec(
        rows,
        x=X_FIELD,
        y=Y_FIELD,
        group=GROUP_FIELD if request.group else "",
        x_kind=kind,
        x_title=x_title,
        y_title=y_title,
        group_title=request.group,
        title=title,
        stack=request.aggregate in ("count", "sum"),
    )
    return Chart(
        request=request,
        title=title,
        x_title=x_title,
        y_title=y_title,
        rows=rows,
        spec=spec,
        groups_total=groups_total,
        groups_shown=shown_groups,
        truncated=len(page.rows) > MAX_POINTS,
    )


def chart_value(value: Any) -> Any:
    """A value for a spec's inline data; a truncated date reads as a date, not a midnight."""
    if isinstance(value, datetime) and value.tzinfo is None and value.time() == time():
        return value.date().isoformat()
    return plain_value(value)


def chart_spec(
    rows: Sequence[dict[str, Any]],
    *,
    x: str,
    y: str,
    group: str = "",
    x_kind: str = "nominal",
    x_title: str = "",
    y_title: str = "",
    group_title: str = "",
    title: str = "",
    stack: bool = True,
) -> dict[str, Any]:
    """A Vega-Lite spec: bars for categories, lines with points over time or numbers."""
    import altair as alt  # here, not at the top: ~25 MB a server drawing no chart never loads

    short = {"temporal": "T", "quantitative": "Q", "nominal": "N"}[x_kind]
    chart = alt.Chart(alt.InlineData(values=list(rows)))
    tooltip = [
        alt.Tooltip(f"{x}:{short}", title=x_title or x),
        alt.Tooltip(f"{y}:Q", title=y_title or y),
    ]
    encoding: dict[str, Any] = {"y": alt.Y(f"{y}:Q", title=y_title or y)}
    if group:
        encoding["color"] = alt.Color(f"{group}:N", title=group_title or group)
        tooltip.append(alt.Tooltip(f"{group}:N", title=group_title or group))
    if x_kind == "nominal":
        encoding["x"] = alt.X(f"{x}:N", title=x_title or x, sort="-y")
        if group and not stack:
            encoding["xOffset"] = alt.XOffset(f"{group}:N")
        mark = chart.mark_bar()
    else:
        # Dates are sent as UTC days; a UTC scale keeps them on their day in every time zone.
        scale = alt.Scale(type="utc") if x_kind == "temporal" else alt.Undefined
        encoding["x"] = alt.X(f"{x}:{short}", title=x_title or x, scale=scale)
        mark = chart.mark_line(point=True)
    spec: dict[str, Any] = (
        mark.encode(tooltip=tooltip, **encoding)
        .properties(
            title=title,
            description=f"{title}; the numbers are in the table beside the chart",
            width="container",
            height=320,
        )
        .to_dict()
    )
    spec.pop("$schema", None)  # a link to the web; vega-embed reads the spec without it
    return spec
