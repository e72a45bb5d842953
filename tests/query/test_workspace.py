"""The SQL workspace: what a person may read and nothing else, a sandbox with no way out, limits,
CSV, charts and saved queries, through the API and the page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.audit import AuditEvent
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.storage.duck import engine_for
from tests.factories import csrf_from, instance_settings, make_user, sign_in
from tests.query.conftest import payment_rows, publish_payments

ROWS = payment_rows()


@pytest.fixture
def instance(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> dict[str, str]:
    """Public, internal and restricted payments, all kept by DPH."""
    found = {
        "public": publish_payments(settings, session_factory, tmp_path, title="Public payments"),
        "internal": publish_payments(
            settings, session_factory, tmp_path, classification="internal", title="Staff payments"
        ),
    }
    restricted_rows = payment_rows(30, seed=3)
    found["restricted"] = publish_payments(
        settings,
        session_factory,
        tmp_path,
        classification="restricted",
        title="Secret payments",
        rows=restricted_rows,
    )
    make_user(session_factory, "analyst1", "analyst", "DOL")
    make_user(session_factory, "steward1", "steward", "DPH")
    return found


@pytest.fixture
def analyst(app: FastAPI, instance: dict[str, str]) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app) as client:
        yield client, sign_in(client, "analyst1")


def run(client: TestClient, csrf: str, sql: str, **extra: Any) -> Any:
    return client.post("/api/v1/sql", json={"sql": sql, **extra}, headers={"X-CSRF-Token": csrf})


def test_exactly_the_readable_datasets_are_tables_with_masked_columns_left_out(
    analyst: tuple[TestClient, str],
    instance: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    client, csrf = analyst
    listed = client.get("/api/v1/sql/tables").json()["tables"]
    assert [t["name"] for t in listed] == ["public_payments", "staff_payments"]
    assert all(t["masked"] == ["ssn"] for t in listed)
    assert all("ssn" not in [c["name"] for c in t["columns"]] for t in listed)

    body = run(
        client,
        csrf,
        "SELECT town, count(*) AS n, round(sum(amount), 2) AS total FROM staff_payments GROUP BY town ORDER BY town",
    ).json()
    wanted: dict[str, list[float]] = {}
    for row in ROWS:
        wanted.setdefault(row["town"], []).append(float(row["amount"] or 0))
    assert [(r["town"], r["n"]) for r in body["rows"]] == [
        (t, len(v)) for t, v in sorted(wanted.items())
    ]
    assert all(abs(r["total"] - sum(wanted[r["town"]])) < 0.01 for r in body["rows"])
    assert body["tables"] == ["staff_payments"]
    assert [c["name"] for c in body["columns"]] == ["town", "n", "total"]

    # A masked column is not there at all, under any name or through any function.
    for probe in (
        "SELECT ssn FROM staff_payments",
        "SELECT * EXCLUDE (id) FROM staff_payments WHERE ssn IS NOT NULL",
        "SELECT columns('ss.*') FROM staff_payments",
    ):
        answer = run(client, csrf, probe)
        assert answer.status_code in (200, 400), answer.text
        assert not any(row["ssn"] in answer.text for row in ROWS)
    star = run(
        client, csrf, "SELECT * FROM public_payments JOIN staff_payments USING (id) LIMIT 1"
    ).json()
    assert "ssn" not in json.dumps(star["columns"])

    # Another agency's restricted dataset does not exist for this person.
    missing = run(client, csrf, "SELECT count(*) FROM secret_payments")
    assert missing.status_code == 400
    assert "secret_payments does not exist" in missing.json()["detail"]

    with unit_of_work(session_factory) as session:
        reads = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "dataset.read", AuditEvent.actor_name == "analyst1"
            )
        ).all()
        assert {e.resource_id for e in reads} == {
            instance["internal"]
        }  # public reads are not audited


def test_the_agency_sees_its_own_pii_and_its_restricted_data(
    app: FastAPI, instance: dict[str, str]
) -> None:
    with TestClient(app) as client:
        csrf = sign_in(client, "steward1")
        body = run(client, csrf, "SELECT ssn FROM staff_payments ORDER BY id LIMIT 2").json()
        assert [r["ssn"] for r in body["rows"]] == [r["ssn"] for r in ROWS[:2]]
        names = [t["name"] for t in client.get("/api/v1/sql/tables").json()["tables"]]
        assert names == ["public_payments", "secret_payments", "staff_payments"]  # all DPH's
        secret = run(client, csrf, "SELECT count(*) AS n FROM secret_payments").json()
        assert secret["rows"] == [{"n": 30}]


ESCAPES = [
    ("SELECT * FROM read_csv('/etc/passwd')", "cannot be reached from the workspace"),
    ("SELECT * FROM read_text('/etc/passwd')", "cannot be reached"),
    ("SELECT * FROM glob('/etc/*')", "cannot be reached"),
    ("SELECT * FROM read_parquet('{lake_file}')", "cannot be reached"),
    ("SELECT * FROM 'https://example.com/data.csv'", "sql:"),
    ("FROM query('SELECT * FROM read_csv(''/etc/passwd'')')", "cannot be reached"),
    (
        "COPY (SELECT 1) TO '/tmp/statedata-escape.csv'",
        "only SELECT statements run here; this one is COPY",
    ),
    ("ATTACH '/tmp/statedata-escape.db' AS x", "this one is ATTACH"),
    ("INSTALL httpfs", "only SELECT statements"),
    ("LOAD httpfs", "only SELECT statements"),
    ("SET enable_external_access = true", "this one is SET"),
    ("PRAGMA database_list", "only SELECT statements"),
    ("CREATE TABLE x AS SELECT 1", "this one is CREATE"),
    ("EXPORT DATABASE '/tmp/statedata-export'", "only SELECT statements"),
    ("SELECT 1; SELECT 2", "send one statement, not 2"),
    ("SELECT 1; DROP TABLE public_payments", "send one statement, not 2"),
    ("SELECT * FROM batches", "does not exist"),  # no scans of the server's Python variables
    ("SELECT current_setting('enable_external_access') AS v", ""),
    ("SELEC 1", "syntax error"),
    ("SELECT " + "1 + " * 6000 + "1", "the limit is 20,000"),
]


def test_no_file_network_extension_or_settings_access(
    analyst: tuple[TestClient, str], instance: dict[str, str], settings: Settings
) -> None:
    client, csrf = analyst
    files = engine_for(settings).store.data_files(instance["public"], None)
    assert files
    for sql, message in ESCAPES:
        sql = sql.replace("{lake_file}", files[0])
        answer = run(client, csrf, sql)
        if not message:  # harmless introspection runs, and shows the sandbox is shut
            assert answer.status_code == 200, answer.text
            assert answer.json()["rows"] == [{"v": False}]
            continue
        assert answer.status_code == 400, (sql, answer.text)
        assert message in answer.json()["detail"], (sql, answer.text)
        assert "root:" not in answer.text
    assert not Path("/tmp/statedata-escape.csv").exists()
    assert not Path("/tmp/statedata-escape.db").exists()
    blank = run(client, csrf, " ")
    assert blank.status_code == 422 and blank.json()["detail"] == "sql: must not be empty"


def test_limits_csv_and_the_time_limit(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    settings = instance_settings(
        tmp_path / "limited", database_url, query_max_rows=50, query_timeout_seconds=0.5
    )
    publish_payments(settings, session_factory, tmp_path, title="Public payments")
    make_user(session_factory, "analyst1", "analyst", "DOL")
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/v1/sql", json={"sql": "SELECT 1"}).status_code == 401
        csrf = sign_in(client, "analyst1")
        capped = run(client, csrf, "SELECT id FROM public_payments ORDER BY id").json()
        assert capped["row_count"] == 50 and capped["truncated"] is True and capped["row_cap"] == 50
        small = run(client, csrf, "SELECT id FROM public_payments ORDER BY id", limit=7).json()
        assert [r["id"] for r in small["rows"]] == list(range(1, 8))
        assert run(client, csrf, "SELECT 1", limit=51).status_code == 400
        as_csv = run(
            client, csrf, "SELECT id, town FROM public_payments ORDER BY id LIMIT 5", format="csv"
        )
        assert as_csv.headers["content-type"].startswith("text/csv")
        parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert [(int(r["id"]), r["town"]) for r in parsed] == [
            (r["id"], r["town"]) for r in ROWS[:5]
        ]
        slow = run(client, csrf, "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3")
        assert slow.status_code == 400
        assert "ran longer than 0.5 seconds and was stopped" in slow.json()["detail"]


def test_saved_queries_belong_to_their_owner(
    app: FastAPI, instance: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "analyst2", "analyst", "DOL")
    with TestClient(app) as client:
        csrf = sign_in(client, "analyst1")
        headers = {"X-CSRF-Token": csrf}
        made = client.post(
            "/api/v1/sql/saved",
            json={"title": "Towns", "sql": "SELECT DISTINCT town FROM public_payments"},
            headers=headers,
        )
        assert made.status_code == 201
        query_id = made.json()["id"]
        changed = client.put(
            f"/api/v1/sql/saved/{query_id}",
            json={"title": "All towns", "sql": "SELECT town FROM public_payments"},
            headers=headers,
        )
        assert changed.json()["title"] == "All towns"
        assert [s["title"] for s in client.get("/api/v1/sql/saved").json()["saved"]] == [
            "All towns"
        ]
        blank = client.post(
            "/api/v1/sql/saved", json={"title": " ", "sql": "SELECT 1"}, headers=headers
        )
        assert blank.status_code == 422 and "title: must not be empty" in blank.json()["detail"]
        no_csrf = client.post("/api/v1/sql/saved", json={"title": "x", "sql": "SELECT 1"})
        assert no_csrf.status_code == 403
    with TestClient(app) as other:
        sign_in(other, "analyst2")
        assert other.get(f"/api/v1/sql/saved/{query_id}").status_code == 404
        assert other.get("/api/v1/sql/saved").json()["saved"] == []
        assert other.get(f"/sql?saved={query_id}").status_code == 404
    with TestClient(app) as client:
        csrf = sign_in(client, "analyst1")
        gone = client.delete(f"/api/v1/sql/saved/{query_id}", headers={"X-CSRF-Token": csrf})
        assert gone.status_code == 204
        assert client.get(f"/api/v1/sql/saved/{query_id}").status_code == 404


def test_the_page_runs_charts_downloads_and_saves_without_javascript(
    app: FastAPI, instance: dict[str, str]
) -> None:
    with TestClient(app) as client:
        anonymous = client.get("/sql", follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/sql"
        sign_in(client, "analyst1")
        page = client.get("/sql")
        assert page.status_code == 200
        assert "FROM public_payments" in page.text  # a first statement to start from
        csrf = csrf_from(page.text)
        sql = "SELECT town, count(*) AS n FROM public_payments GROUP BY town ORDER BY n DESC"
        ran = client.post(
            "/sql",
            data={
                "csrf_token": csrf,
                "sql": sql,
                "action": "run",
                "chart_x": "town",
                "chart_y": "n",
            },
        )
        assert ran.status_code == 200
        assert "7 rows in" in ran.text
        spec = json.loads(ran.text.split('id="chart-spec">', 1)[1].split("</script>", 1)[0])
        assert spec["mark"]["type"] == "bar"
        bad = client.post(
            "/sql",
            data={
                "csrf_token": csrf,
                "sql": "SELECT * FROM read_csv('/etc/passwd')",
                "action": "run",
            },
        )
        assert bad.status_code == 400 and "cannot be reached from the workspace" in bad.text
        assert "read_csv(&#39;/etc/passwd&#39;)" in bad.text  # what was typed is kept
        downloaded = client.post("/sql", data={"csrf_token": csrf, "sql": sql, "action": "csv"})
        assert downloaded.headers["content-type"].startswith("text/csv")
        assert downloaded.text.splitlines()[0] == '"town","n"'
        saved = client.post(
            "/sql",
            data={"csrf_token": csrf, "sql": sql, "action": "save", "title": "Rows per town"},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        opened = client.get(saved.headers["location"])
        assert "Rows per town" in opened.text and "GROUP BY town" in opened.text
        forged = client.post("/sql", data={"csrf_token": "wrong", "sql": sql, "action": "run"})
        assert forged.status_code == 403
