"""Stock clients on a live server: sodapy through the Socrata paths, ckanapi through datastore_search."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ckanapi
import httpx
import pytest
import requests
from sodapy import Socrata
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from tests.query.conftest import HEADER, payment_rows, publish_payments
from tests.servers import serve_app

ROWS = payment_rows()


@pytest.fixture
def live(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[str, str]]:
    ref = publish_payments(settings, session_factory, tmp_path)
    with serve_app(create_app(settings)) as url:
        yield url, ref


def socrata_client(url: str) -> Socrata:
    adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()}
    return Socrata(url.removeprefix("http://"), None, session_adapter=adapter, timeout=30)


def plain(value: Any) -> str:
    """Socrata sends text and CKAN sends JSON types; compare both as text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value).removesuffix("T00:00:00.000")


@pytest.mark.filterwarnings("ignore:Requests made without an app_token")
def test_sodapy_and_ckanapi_read_the_same_rows(live: tuple[str, str]) -> None:
    url, ref = live
    soda = socrata_client(url)
    rows = soda.get(ref, where="town = 'Hartford' OR amount > 9000", order="id", limit=500)
    ckan = ckanapi.RemoteCKAN(url, user_agent="statedata-tests")
    result = ckan.action.datastore_search(resource_id=ref, sort="id", limit=500)
    wanted = [
        r for r in ROWS if r["town"] == "Hartford" or (r["amount"] and float(r["amount"]) > 9000)
    ]
    assert [int(r["id"]) for r in rows] == [r["id"] for r in wanted]
    by_id = {r["id"]: r for r in result["records"]}
    columns = [c for c in HEADER if c != "ssn"]
    for row in rows:
        theirs = by_id[int(row["id"])]
        assert {c: plain(row.get(c)) for c in columns} == {c: plain(theirs[c]) for c in columns}
        assert "ssn" not in row  # masked PII is null, and Socrata leaves nulls out
    everything = list(soda.get_all(ref, order="id", limit=70))
    assert [int(r["id"]) for r in everything] == [r["id"] for r in ROWS]
    assert result["total"] == len(ROWS)


@pytest.mark.filterwarnings("ignore:Requests made without an app_token")
def test_sodapy_reads_metadata_discovery_aggregates_and_csv(live: tuple[str, str]) -> None:
    url, ref = live
    soda = socrata_client(url)
    metadata = soda.get_metadata(ref)
    assert metadata["id"] == ref and metadata["name"] == "Payments by town"
    assert [c["fieldName"] for c in metadata["columns"]][:3] == ["id", "town", "category"]
    assert {c["fieldName"]: c["dataTypeName"] for c in metadata["columns"]}[
        "paid_date"
    ] == "floating_timestamp"
    found = soda.datasets(q="payments")
    assert [d["resource"]["id"] for d in found] == [ref]
    assert found[0]["resource"]["columns_field_name"][:2] == ["id", "town"]
    grouped = soda.get(
        ref, select="town, count(*) AS n", group="town", order="n DESC, town", limit=3
    )
    counts = Counter(r["town"] for r in ROWS)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(g["town"], int(g["n"])) for g in grouped] == top
    table = soda.get(ref, content_type="csv", where="id <= 3", order="id")
    assert table[0][:2] == ["id", "town"] and [r[0] for r in table[1:]] == ["1", "2", "3"]
    soda.close()


def test_resource_headers_types_defaults_and_errors(live: tuple[str, str]) -> None:
    url, ref = live
    response = httpx.get(
        f"{url}/resource/{ref}.json", params={"$select": "id, amount, paid_date, active"}
    )
    assert json.loads(response.headers["x-soda2-fields"]) == ["id", "amount", "paid_date", "active"]
    assert json.loads(response.headers["x-soda2-types"]) == [
        "number",
        "number",
        "floating_timestamp",
        "checkbox",
    ]
    assert len(response.json()) == len(ROWS)  # under Socrata's default of 1,000
    first = response.json()[0]
    assert (
        first["id"] == "1"
        and first["paid_date"].endswith("T00:00:00.000")
        and first["active"] is True
    )
    exported = httpx.get(f"{url}/resource/{ref}.csv", params={"$limit": 5})
    assert len(list(csv.reader(io.StringIO(exported.text)))) == 6
    geo = httpx.get(f"{url}/resource/{ref}.geojson", params={"$where": "id = 1"}).json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 1
    bad = httpx.get(f"{url}/resource/{ref}.json", params={"$where": "nope = 1"})
    assert bad.status_code == 400 and "'nope'" in bad.json()["detail"]
    assert httpx.get(f"{url}/resource/{ref}.xml").status_code == 400
    assert httpx.get(f"{url}/resource/{ref}.json", params={"$query": "SELECT *"}).status_code == 400
    assert httpx.get(f"{url}/resource/nope-0000.json").status_code == 404
    assert httpx.get(f"{url}/api/views/nope-0000.json").status_code == 404


@pytest.mark.filterwarnings("ignore:Requests made without an app_token")
def test_the_dataset_pages_python_examples_run_as_written(live: tuple[str, str]) -> None:
    """The sodapy and ckanapi snippets on the page, run as they are, read the rows the table shows."""
    url, ref = live
    page = httpx.get(
        f"{url}/datasets/{ref}", params={"fc": "town", "fo": "eq", "fv": "Hartford", "sort": "id"}
    ).text
    blocks = [
        html.unescape(b)
        for b in re.findall(r'<code class="language-python">(.*?)</code>', page, re.S)
    ]
    sodapy_code, ckan_code = blocks[0], blocks[1]
    wanted = [r["id"] for r in ROWS if r["town"] == "Hartford"]
    scope: dict[str, Any] = {}
    exec(sodapy_code, scope)  # noqa: S102 (the page's own example, against the test server)
    assert [int(r["id"]) for r in scope["rows"]] == wanted
    scope = {}
    exec(ckan_code, scope)  # noqa: S102 (as above)
    assert [r["id"] for r in scope["rows"]] == wanted
