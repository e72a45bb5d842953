"""Copy-ready API examples for a dataset: the table's current filters as curl, sodapy, ckanapi
and pandas calls against this portal, so what a reader sees is what their code gets."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from statedata.query.table_view import TableView

EXAMPLE_LIMIT = 100


@dataclass(frozen=True)
class Example:
    label: str
    language: str
    code: str


def _python_kwargs(params: dict[str, str]) -> str:
    """sodapy's keyword arguments for SoQL parameters (``$where`` becomes ``where=``)."""
    parts = [f"{k.removeprefix('$')}={v!r}" for k, v in params.items() if k != "$limit"]
    parts.append(f"limit={params['$limit']}")
    return ", ".join(parts)


def _ckan_filters(view: TableView) -> dict[str, str] | None:
    """CKAN's datastore_search filters say only "equals"; other operators have no CKAN form."""
    if not view.filters or any(f.op != "eq" for f in view.filters):
        return None
    return {f.column: f.value for f in view.filters}


def api_examples(base_url: str, public_id: str, view: TableView) -> list[Example]:
    """curl, sodapy, ckanapi and pandas, each reading the rows the table shows (first 100)."""
    params = {**view.api_params(), "$limit": str(EXAMPLE_LIMIT)}
    query = urlencode(params, quote_via=quote, safe="$")
    rows_url = f"{base_url}/resource/{public_id}.json?{query}"
    csv_url = f"{base_url}/api/v1/datasets/{public_id}/rows.csv?{query}"
    parts = urlsplit(base_url)
    host = parts.netloc + parts.path
    adapter = ""
    if parts.scheme == "http":  # sodapy speaks https unless told otherwise
        adapter = (
            ",\n    session_adapter={'prefix': 'http://', "
            "'adapter': requests.adapters.HTTPAdapter()}"
        )
    sodapy = (
        ("import requests\n" if adapter else "")
        + "from sodapy import Socrata\n\n"
        + f"client = Socrata({host!r}, None{adapter})\n"
        + f"rows = client.get({public_id!r}, {_python_kwargs(params)})\n"
    )
    ckan_args = [f"resource_id={public_id!r}"]
    filters = _ckan_filters(view)
    if filters:
        ckan_args.append(f"filters={filters!r}")
    if view.q:
        ckan_args.append(f"q={view.q!r}")
    if view.sort:
        ckan_args.append(f"sort={(view.sort + (' desc' if view.descending else ''))!r}")
    ckan_args.append(f"limit={EXAMPLE_LIMIT}")
    ckan = (
        "from ckanapi import RemoteCKAN\n\n"
        + f"portal = RemoteCKAN({base_url!r})\n"
        + f"result = portal.action.datastore_search({', '.join(ckan_args)})\n"
        + "rows = result['records']\n"
    )
    if view.filters and filters is None:
        ckan = (
            "# CKAN's filters only test equality; this reads the rows without the other filters.\n"
            + ckan
        )
    pandas = f"import pandas as pd\n\nframe = pd.read_csv({csv_url!r})\n"
    return [
        Example("curl", "shell", f"curl '{rows_url}'"),
        Example("Python with sodapy", "python", sodapy),
        Example("Python with ckanapi", "python", ckan),
        Example("pandas", "python", pandas),
    ]
