"""The data API's answers: formats, facets, versions, conditional requests, access and usage."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.loads.local import load_local_file
from statedata.core.audit import AuditEvent
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.identity.actor import Actor
from statedata.query.usage import usage_summary
from tests.factories import instance_settings, make_user, sign_in
from tests.query.conftest import payment_rows, publish_payments, write_payments

ROWS = payment_rows()


def test_exports_hold_the_selected_rows_in_each_format(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    params = {"$where": "town = 'Norwich'", "$order": "id"}
    wanted = [r for r in ROWS if r["town"] == "Norwich"]
    exported = client.get(f"/api/v1/datasets/{ref}/rows.csv", params=params)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [int(r["id"]) for r in table] == [r["id"] for r in wanted]
    assert {r["ssn"] for r in table} == {""}  # masked for the public

    as_json = client.get(f"/api/v1/datasets/{ref}/rows.json", params=params).json()
    assert [r["id"] for r in as_json] == [r["id"] for r in wanted]

    parquet = client.get(f"/api/v1/datasets/{ref}/rows.parquet", params=params)
    assert pq.read_table(io.BytesIO(parquet.content)).column("id").to_pylist() == [
        r["id"] for r in wanted
    ]

    geo = client.get(f"/api/v1/datasets/{ref}/rows.geojson", params=params)
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert len(features) == len(wanted)
    located = [f for f in features if f["geometry"]]
    first = next(r for r in wanted if r["latitude"])
    assert located[0]["geometry"]["coordinates"] == [
        float(first["longitude"]),
        float(first["latitude"]),
    ]

    everything = client.get(f"/api/v1/datasets/{ref}/rows.csv")
    assert everything.text.count("\n") == len(ROWS) + 1
    unknown = client.get(f"/api/v1/datasets/{ref}/rows.xml")
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "kind"
    assert (
        "'xml' is not a choice; use 'csv', 'json', 'geojson' or 'parquet'"
        in unknown.json()["detail"]
    )


def test_facets_count_values_under_the_filters(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    body = client.get(
        f"/api/v1/datasets/{ref}/facets",
        params={"columns": "town,category", "$where": "amount > 5000", "limit": 3},
    ).json()
    chosen = [r for r in ROWS if r["amount"] and float(r["amount"]) > 5000]
    town, category = body["facets"]
    counts: dict[str, int] = {}
    for row in chosen:
        counts[row["town"]] = counts.get(row["town"], 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(v["value"], v["count"]) for v in town["values"]] == top
    assert town["more"] is True
    assert sum(v["count"] for v in category["values"]) == len(chosen)
    assert category["more"] is False
    for bad, message in (
        ({"columns": ""}, "name at least one column"),
        ({"columns": "nonesuch"}, "'nonesuch' is not a column"),
        ({"columns": "ssn"}, "masked column"),
        ({"columns": "town", "limit": "0"}, "limit: 0 must be between 1 and 1000"),
        ({"columns": "town", "$select": "count(*)"}, "facets count rows"),
    ):
        response = client.get(f"/api/v1/datasets/{ref}/facets", params=bad)
        assert response.status_code == 400, bad
        assert message in response.json()["detail"]


def test_etags_give_304s_until_the_version_or_query_changes(shared: tuple[TestClient, str]) -> None:
    client, ref = shared
    url = f"/api/v1/datasets/{ref}/rows?$where=id < 5"
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    # The agency's stewards see the masked ssn, so a shared cache must not keep this answer.
    assert first.headers["cache-control"] == "private, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    other = client.get(
        f"/api/v1/datasets/{ref}/rows?$where=id < 6", headers={"If-None-Match": etag}
    )
    assert other.status_code == 200
    csv_tag = client.get(f"/api/v1/datasets/{ref}/rows.csv").headers["etag"]
    assert (
        client.get(
            f"/api/v1/datasets/{ref}/rows.csv", headers={"If-None-Match": csv_tag}
        ).status_code
        == 304
    )
    facet_tag = client.get(f"/api/v1/datasets/{ref}/facets?columns=town").headers["etag"]
    assert facet_tag not in (etag, csv_tag)


def test_any_version_can_be_queried_and_tags_follow_the_version(
    settings: Settings, session_factory: sessionmaker[Session], client: TestClient, tmp_path: Path
) -> None:
    ref = publish_payments(settings, session_factory, tmp_path)
    latest = client.get(f"/api/v1/datasets/{ref}/rows?$select=count(*)")
    fewer = write_payments(tmp_path / "fewer.csv", payment_rows(50))
    job = load_local_file(
        settings, session_factory, actor=Actor.system("test"), ref=ref, path=fewer
    )
    assert job.status == "succeeded", job.error
    now = client.get(f"/api/v1/datasets/{ref}/rows?$select=count(*)")
    assert now.json()["rows"] == [{"count": 50}] and now.json()["version"] == 2
    assert now.headers["etag"] != latest.headers["etag"]
    before = client.get(f"/api/v1/datasets/{ref}/rows?$select=count(*)&version=1").json()
    assert before["rows"] == [{"count": 200}] and before["version"] == 1
    stale = client.get(
        f"/api/v1/datasets/{ref}/rows?$select=count(*)",
        headers={"If-None-Match": latest.headers["etag"]},
    )
    assert stale.status_code == 200  # a new version is a new answer


def test_pii_is_masked_except_for_the_agency_and_non_public_reads_are_audited(
    settings: Settings,
    session_factory: sessionmaker[Session],
    app: FastAPI,
    tmp_path: Path,
) -> None:
    ref = publish_payments(settings, session_factory, tmp_path, classification="internal")
    make_user(session_factory, "analyst1", "analyst", "DOL")
    make_user(session_factory, "steward1", "steward", "DPH")
    with TestClient(app) as public:
        refused = public.get(f"/api/v1/datasets/{ref}/rows")
        assert refused.status_code == 404  # the public may not know it exists
        assert public.get(f"/resource/{ref}.json").status_code == 404
    with TestClient(app) as analyst:
        sign_in(analyst, "analyst1")
        body = analyst.get(f"/api/v1/datasets/{ref}/rows?$limit=3").json()
        assert body["masked"] == ["ssn"]
        assert {r["ssn"] for r in body["rows"]} == {None}
        assert "private" in analyst.get(f"/api/v1/datasets/{ref}/rows").headers["cache-control"]
        probe = analyst.get(f"/api/v1/datasets/{ref}/rows", params={"$where": "ssn LIKE '1%'"})
        assert probe.status_code == 400 and "masked column" in probe.json()["detail"]
    with TestClient(app) as steward:
        sign_in(steward, "steward1")
        body = steward.get(f"/api/v1/datasets/{ref}/rows?$order=id&$limit=3").json()
        assert body["masked"] == []
        assert [r["ssn"] for r in body["rows"]] == [r["ssn"] for r in ROWS[:3]]
        assert steward.get(f"/api/v1/datasets/{ref}/rows?ssn=101-11-1001").json()["total"] == 1
    with unit_of_work(session_factory) as session:
        reads = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "dataset.read", AuditEvent.resource_id == ref
            )
        ).all()
        assert {e.actor_name for e in reads} >= {"analyst1", "steward1"}
        assert all(e.outcome == "allowed" for e in reads)


def test_anonymous_callers_are_rate_limited_and_an_app_token_raises_the_limit(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    from statedata.app import create_app
    from tests.factories import make_token

    settings = instance_settings(
        tmp_path / "limited", database_url, rate_limit_anonymous=3, rate_limit_token=6
    )
    ref = publish_payments(settings, session_factory, tmp_path)
    token = make_token(session_factory, "steward1", "steward", "DPH")
    with TestClient(create_app(settings)) as client:
        url = f"/api/v1/datasets/{ref}/rows?$limit=1"
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
        over = client.get(url)
        assert over.status_code == 429
        assert 1 <= int(over.headers["retry-after"]) <= 61
        assert "Send an app token" in over.json()["detail"]
        with_app = [client.get(url, headers={"X-App-Token": token}).status_code for _ in range(7)]
        assert with_app == [200] * 6 + [429]
        bogus = client.get(url, headers={"X-App-Token": "not-a-token"})
        assert bogus.status_code == 403
        assert client.get(f"/resource/{ref}.json?$$app_token=not-a-token").status_code == 403


def test_usage_is_counted_in_memory_and_saved_in_batches(
    settings: Settings, session_factory: sessionmaker[Session], app: FastAPI, tmp_path: Path
) -> None:
    ref = publish_payments(settings, session_factory, tmp_path)
    with TestClient(app) as client:
        for _ in range(3):
            client.get(f"/api/v1/datasets/{ref}/rows?$limit=1")
        client.get(f"/api/v1/datasets/{ref}/rows.csv")
        client.get(f"/resource/{ref}.json")
        app.state.usage.flush()
        client.get(f"/api/v1/datasets/{ref}/rows?$limit=1")
    # Leaving the client stops the app, which saves what is still counted.
    with unit_of_work(session_factory) as session:
        from statedata.catalog.datasets import find_dataset

        dataset_id = find_dataset(session, ref=ref).id
        summary = usage_summary(session, dataset_id=dataset_id)
    assert summary["total"] == {"page_view": 0, "download": 1, "api": 5}
    assert summary["last_30_days"]["api"] == 5
    assert json.dumps(summary)  # plain data for the steward's page and the measures


@pytest.mark.slow
def test_a_large_export_streams_rows_it_never_holds(
    settings: Settings, session_factory: sessionmaker[Session], client: TestClient, tmp_path: Path
) -> None:
    rows = payment_rows(120_000, seed=3)
    ref = publish_payments(settings, session_factory, tmp_path, rows=rows)
    with client.stream("GET", f"/api/v1/datasets/{ref}/rows.csv") as response:
        chunks = [len(chunk) for chunk in response.iter_bytes()]
    assert len(chunks) > 1  # written as it was read, batch by batch
    lines = sum(chunks)
    assert lines > 120_000 * 40
