"""What the dataset page's explorer shows, put together from one query string: the table's page,
column summaries, a chart, the map's data link, and API examples for the same rows.

A bad part of the query string does not lose the page: the error is shown above the table, and the
rest of the page (description, dictionary, versions) is still there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from statedata.catalog.models import Dataset
from statedata.core.config import Settings
from statedata.core.errors import BadQuery
from statedata.identity.actor import Actor
from statedata.query.charts import AGGREGATES, UNITS, Chart, build_chart, chart_request
from statedata.query.examples import Example, api_examples
from statedata.query.reading import Reading, Use, open_reading
from statedata.query.soql import NUMERIC, TEMPORAL
from statedata.query.summaries import ColumnSummary, column_summaries
from statedata.query.table_view import (
    OPERATORS,
    PAGE_SIZES,
    TablePage,
    TableView,
    table_page,
    table_view,
)
from statedata.storage.schema import Column

MAP_POINTS = 2_000


@dataclass
class Exploration:
    target: Reading
    path: str
    view: TableView = field(default_factory=TableView)
    table: TablePage | None = None
    summaries: list[ColumnSummary] = field(default_factory=list)
    chart: Chart | None = None
    chart_json: str = ""
    examples: list[Example] = field(default_factory=list)
    map_url: str = ""
    error: str = ""
    operators: dict[str, str] = field(default_factory=lambda: OPERATORS)
    page_sizes: tuple[int, ...] = PAGE_SIZES
    aggregates: dict[str, str] = field(default_factory=lambda: AGGREGATES)
    units: tuple[str, ...] = tuple(UNITS)

    @property
    def columns(self) -> list[Column]:
        """Columns the reader may filter, sort and chart (masked ones are left out)."""
        return [c for c in self.target.columns if c.name not in self.target.masked]

    @property
    def text_columns(self) -> list[Column]:
        return [c for c in self.columns if c.type == "VARCHAR"]

    @property
    def number_columns(self) -> list[Column]:
        return [c for c in self.columns if NUMERIC.match(c.type)]

    @property
    def download_query(self) -> str:
        """The table's filters and sort as the data API's query string (empty for all rows)."""
        params = self.view.api_params()
        return "?" + urlencode(params) if params else ""

    @property
    def has_dates(self) -> bool:
        return any(c.type in TEMPORAL for c in self.columns)


def _map_url(target: Reading, view: TableView) -> str:
    if target.geo is None:
        return ""
    params = {k: v for k, v in view.api_params().items() if k != "$order"}
    params["$limit"] = str(MAP_POINTS)
    return f"/api/v1/datasets/{target.dataset.public_id}/rows.geojson?{urlencode(params)}"


def exploration(
    session: Session,
    actor: Actor,
    settings: Settings,
    dataset: Dataset,
    pairs: Iterable[tuple[str, str]],
    base_url: str,
) -> Exploration:
    """The explorer for the current version; reading it is authorized (and audited) like the API."""
    target = open_reading(
        session, actor=actor, settings=settings, ref=dataset.public_id, use=Use.PAGE
    )
    given = list(pairs)
    found = Exploration(target=target, path=f"/datasets/{dataset.public_id}")
    types = {c.name: c.type for c in target.columns}
    try:
        found.view = table_view(given, types=types, masked=target.masked)
        found.table = table_page(target, found.view)
    except BadQuery as exc:
        found.error = exc.detail
        found.view = TableView()
    found.summaries = column_summaries(target)
    found.examples = api_examples(base_url, dataset.public_id, found.view)
    found.map_url = _map_url(target, found.view)
    if not found.error:
        try:
            wanted = chart_request(given, types=types, masked=target.masked)
            if wanted is not None:
                found.chart = build_chart(target, found.view, wanted)
                found.chart_json = _script_json(found.chart.spec)
        except BadQuery as exc:
            found.error = exc.detail
    return found


def _script_json(value: Any) -> str:
    """JSON safe to place inside a <script> element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")
