"""Pulled sources: a file, a URL or a SQL query, loaded as versions on request and on schedule."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from statedata.backup import backup_instance, restore_instance
from statedata.catalog.models import Dataset
from statedata.catalog.sources.configuration import SourceConfig, configure_source
from statedata.catalog.sources.fetch import fetch
from statedata.catalog.sources.pulls import enqueue_due_pulls
from statedata.core.config import Settings, load_settings, prepare_home
from statedata.core.db import make_engine, make_session_factory, unit_of_work, utcnow
from statedata.core.errors import InvalidInput
from statedata.core.jobs import Job, JobQueue, run_job
from statedata.identity.actor import Actor
from tests.catalog.publishing import create, make_dataset, upload_and_load, write_csv
from tests.cli.test_commands import ok, run
from tests.factories import instance_settings
from tests.servers import serve_files


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The HTTP sources of these tests are on loopback, which real instances refuse by default.
    return instance_settings(tmp_path / "home", database_url, source_allow_private_networks=True)


@pytest.fixture
def folder(settings: Settings) -> Path:
    path = settings.source_roots[0]
    path.mkdir(parents=True)
    return path


def configure(client: TestClient, headers: dict[str, str], ref: str, **body: Any) -> Any:
    return client.put(f"/api/v1/datasets/{ref}/source", json=body, headers=headers)


def pull(client: TestClient, headers: dict[str, str], ref: str) -> dict[str, Any]:
    started = client.post(f"/api/v1/datasets/{ref}/source/pull", headers=headers)
    assert started.status_code == 202, started.text
    job: dict[str, Any] = client.get(f"/api/v1/jobs/{started.json()['job']}").json()
    return job


def rows_of(client: TestClient, ref: str, number: int) -> list[dict[str, Any]]:
    body = client.get(f"/api/v1/datasets/{ref}/versions/{number}/rows?limit=1000").json()
    return list(body["rows"])


def test_a_file_source_appends_with_the_types_the_steward_confirmed(
    client: TestClient, steward: dict[str, str], folder: Path, settings: Settings, tmp_path: Path
) -> None:
    ref = create(client, steward)
    first = upload_and_load(
        client,
        steward,
        ref,
        write_csv(tmp_path / "v1.csv", [("00123", 5)], header="code,visits"),
        columns=[{"name": "code", "type": "VARCHAR"}, {"name": "visits", "type": "BIGINT"}],
    )
    assert first["job"]["status"] == "succeeded"
    write_csv(folder / "weekly.csv", [("00456", 7), ("00789", 1)], header="code,visits")

    saved = configure(
        client, steward, ref, kind="file", location=str(folder / "weekly.csv"), mode="append"
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["next_pull_at"] is None  # no update frequency: pulled on request
    job = pull(client, steward, ref)

    assert job["status"] == "succeeded", job["error"]
    assert sorted(r["code"] for r in rows_of(client, ref, 2)) == ["00123", "00456", "00789"]
    versions = client.get(f"/api/v1/datasets/{ref}/versions").json()
    assert versions[0]["note"] == "pulled from sources/weekly.csv"  # kept relative to the home
    assert versions[0]["source_name"] == "weekly.csv"
    assert versions[0]["schema_change"] == {"added": [], "removed": [], "retyped": []}
    source = client.get(f"/api/v1/datasets/{ref}/source").json()
    assert source["last_pull_job"] == job["id"] and source["last_pulled_at"]

    # The file now has another column: an append cannot take it, and nothing changes.
    write_csv(folder / "weekly.csv", [("00999", 2, "x")], header="code,visits,extra")
    failed = pull(client, steward, ref)
    assert failed["status"] == "failed"
    assert "an append must match version 2's columns (added extra)" in failed["error"]
    assert len(rows_of(client, ref, 2)) == 3
    assert list(settings.uploads_dir.iterdir()) == []  # the refused pull left no file behind
    assert client.get(f"/api/v1/datasets/{ref}").json()["version"] == 2


def test_a_link_out_of_the_source_folder_is_refused_when_pulled(
    client: TestClient, steward: dict[str, str], folder: Path, tmp_path: Path
) -> None:
    ref = create(client, steward)
    outside = write_csv(tmp_path / "private.csv", [(1, "secret", 1)])
    (folder / "innocent.csv").symlink_to(outside)

    saved = configure(client, steward, ref, kind="file", location=str(folder / "innocent.csv"))

    assert saved.status_code == 422
    assert "is outside the source folders" in saved.json()["detail"]


def test_a_url_source_follows_redirects_and_tells_the_format_from_the_content_type(
    client: TestClient, steward: dict[str, str]
) -> None:
    ref = create(client, steward)
    routes = {
        "/old": (302, {"Location": "/data/clinics"}, b""),
        "/data/clinics": (200, {"Content-Type": "text/csv; charset=utf-8"}, b"id,n\n1,a\n2,b\n"),
    }
    with serve_files(routes) as base:
        assert (
            configure(client, steward, ref, kind="url", location=f"{base}/old").status_code == 200
        )
        job = pull(client, steward, ref)
        assert job["status"] == "succeeded", job["error"]
        assert "redirected to" in job["log"]

        routes["/data/clinics"] = (503, {}, b"down for maintenance")
        failed = pull(client, steward, ref)

    assert failed["status"] == "failed"
    assert failed["error"] == f"location: {base}/data/clinics answered 503 Service Unavailable."
    versions = client.get(f"/api/v1/datasets/{ref}/versions").json()
    assert [(v["number"], v["rows"], v["source_name"]) for v in versions] == [(1, 2, "clinics.csv")]


def test_urls_on_private_networks_are_refused_unless_allowed(settings: Settings) -> None:
    closed = settings.model_copy(update={"source_allow_private_networks": False})
    for location in ("http://127.0.0.1:9/x.csv", "http://localhost/x.csv", "http://10.1.2.3/x"):
        with pytest.raises(InvalidInput, match="which is not a public address"):
            fetch(closed, SourceConfig(kind="url", location=location), name="x", log=print)


def _agency_database(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE payments (id INTEGER, payee TEXT, amount REAL, v)")
        connection.executemany("INSERT INTO payments VALUES (?, ?, ?, ?)", rows)
    return path


def test_a_sql_source_loads_a_query_read_only(
    client: TestClient, steward: dict[str, str], folder: Path
) -> None:
    ref = create(client, steward)
    database = _agency_database(
        folder / "agency.db", [(i, f"payee {i}", i * 1.5, 1) for i in range(1, 121)]
    )
    saved = configure(
        client,
        steward,
        ref,
        kind="sql",
        location=f"sqlite:///{database}",
        query="-- this quarter\nSELECT id, payee, amount FROM payments WHERE amount > 3;",
    )
    assert saved.status_code == 200, saved.text

    job = pull(client, steward, ref)

    assert job["status"] == "succeeded", job["error"]
    version = client.get(f"/api/v1/datasets/{ref}/versions/1").json()
    assert version["rows"] == 118
    assert version["columns"] == [
        {"name": "id", "type": "BIGINT"},
        {"name": "payee", "type": "VARCHAR"},
        {"name": "amount", "type": "DOUBLE"},
    ]

    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO payments VALUES (200, 'late', 1.0, 'seven')")
    configure(
        client,
        steward,
        ref,
        kind="sql",
        location=f"sqlite:///{database}",
        query="SELECT v FROM payments",
    )
    mixed = pull(client, steward, ref)
    assert mixed["status"] == "failed"
    assert mixed["error"] == (
        "query: row 121, column 'v': value 'seven' does not fit the column's type (int64) "
        "set by the rows before it."
    )
    configure(
        client,
        steward,
        ref,
        kind="sql",
        location=f"sqlite:///{database}",
        query="SELECT * FROM nowhere",
    )
    missing = pull(client, steward, ref)
    assert missing["error"] == "query: the source database refused it: no such table: nowhere"
    configure(
        client,
        steward,
        ref,
        kind="sql",
        location=f"sqlite:///{database}",
        query="SELECT * FROM payments WHERE id < 0",
    )
    empty = pull(client, steward, ref)
    assert empty["error"] == "query: returned no rows; nothing was loaded."
    assert client.get(f"/api/v1/datasets/{ref}").json()["version"] == 1


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgresql_source_runs_in_a_read_only_transaction(
    client: TestClient,
    steward: dict[str, str],
    postgres_server: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS agency_source WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE agency_source"))
    source = create_engine(f"{postgres_server}/agency_source")
    with source.begin() as connection:
        connection.execute(text("CREATE TABLE payments (id int, amount numeric(10,2))"))
        connection.execute(text("CREATE SEQUENCE payment_numbers"))
        connection.execute(
            text("INSERT INTO payments SELECT g, g * 1.25 FROM generate_series(1, 5) g")
        )
    monkeypatch.setenv("STATEDATA_SOURCE_AGENCY", "not-needed-with-trust")
    server = postgres_server.removeprefix("postgresql://").removeprefix("postgresql+psycopg://")
    user_host = server.replace("postgres@", "postgres:${STATEDATA_SOURCE_AGENCY}@", 1)
    location = f"postgresql+psycopg://{user_host}/agency_source"
    ref = create(client, steward)
    try:
        saved = configure(
            client, steward, ref, kind="sql", location=location, query="SELECT * FROM payments"
        )
        assert saved.status_code == 200, saved.text
        assert "not-needed" not in str(saved.json())
        job = pull(client, steward, ref)
        assert job["status"] == "succeeded", job["error"]

        sneaky = "WITH gone AS (DELETE FROM payments RETURNING *) SELECT * FROM gone"
        writes = "SELECT nextval('payment_numbers') AS n"
        configure(client, steward, ref, kind="sql", location=location, query=sneaky)
        refused = pull(client, steward, ref)
        assert refused["status"] == "failed"
        assert refused["error"].startswith("query: the source database refused it:")
        # Writes hidden in a function call meet the read-only transaction.
        configure(client, steward, ref, kind="sql", location=location, query=writes)
        read_only = pull(client, steward, ref)
        assert read_only["status"] == "failed"
        assert "read-only transaction" in read_only["error"], read_only["error"]
        with source.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM payments")).scalar() == 5

        own = settings.resolved_database_url.replace(
            "postgres@", "postgres:${STATEDATA_SOURCE_AGENCY}@", 1
        )
        itself = configure(client, steward, ref, kind="sql", location=own, query="SELECT 1")
        assert itself.status_code == 422
        assert itself.json()["detail"] == "location: a source cannot be the portal's own database."
    finally:
        source.dispose()
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS agency_source WITH (FORCE)"))
        admin.dispose()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"kind": "ftp", "location": "x"},
            "kind: 'ftp' is not a choice; use '', 'file', 'url' or 'sql'",
        ),
        ({"kind": "file", "location": "weekly.csv"}, "location: give an absolute path"),
        (
            {"kind": "file", "location": "/etc/passwd"},
            "location: /etc/passwd is outside the source folders",
        ),
        ({"kind": "file", "location": "{folder}/../../x.csv"}, "is outside the source folders"),
        ({"kind": "file", "location": ""}, "location: say where the data comes from."),
        (
            {"kind": "url", "location": "ftp://example.org/x.csv"},
            "is not an http:// or https:// URL",
        ),
        (
            {"kind": "url", "location": "https://u:p@example.org/x.csv"},
            "must not carry a user name or password",
        ),
        (
            {"kind": "url", "location": "https://example.org/x", "mode": "merge"},
            "mode: 'merge' is not a choice; use 'replace', 'append' or 'upsert'",
        ),
        (
            {"kind": "url", "location": "https://example.org/x", "format": "pdf"},
            "format: 'pdf' is not supported",
        ),
        (
            {"kind": "url", "location": "https://example.org/x", "query": "SELECT 1"},
            "query: only SQL sources have a query.",
        ),
        (
            {"kind": "sql", "location": "not a url", "query": "SELECT 1"},
            "is not a SQLAlchemy database URL",
        ),
        (
            {"kind": "sql", "location": "postgresql://u:hunter2@db.example/x", "query": "SELECT 1"},
            "do not write a password in the URL",
        ),
        (
            {"kind": "sql", "location": "postgresql://u:${HOME}@db.example/x", "query": "SELECT 1"},
            "only ${STATEDATA_SOURCE_<NAME>} variables",
        ),
        (
            {
                "kind": "sql",
                "location": "postgresql://u:${STATEDATA_SOURCE_NOPE}@db/x",
                "query": "SELECT 1",
            },
            "the environment variable STATEDATA_SOURCE_NOPE is not set",
        ),
        (
            {"kind": "sql", "location": "sqlite:////etc/x.db", "query": "SELECT 1"},
            "/etc/x.db is outside the source folders",
        ),
        (
            {"kind": "sql", "location": "sqlite:///{folder}/a.db", "query": "DELETE FROM t"},
            "query: must start with SELECT or WITH, not 'DELETE'.",
        ),
        (
            {
                "kind": "sql",
                "location": "sqlite:///{folder}/a.db",
                "query": "SELECT 1; DROP TABLE t",
            },
            "query: send one statement; found ';' at character 9.",
        ),
        (
            {"kind": "sql", "location": "sqlite:///{folder}/a.db", "query": " "},
            "query: a SQL source needs a SELECT statement.",
        ),
        (
            {"kind": "file", "location": "/x", "secret": "1"},
            "secret: is not a field this request takes",
        ),
        ({"kind": 5}, "kind: 5 is not a choice; use ''"),
    ],
)
def test_a_bad_source_is_refused_by_field(
    client: TestClient,
    steward: dict[str, str],
    folder: Path,
    body: dict[str, Any],
    message: str,
) -> None:
    ref = create(client, steward)
    body = {
        k: v.replace("{folder}", str(folder)) if isinstance(v, str) else v for k, v in body.items()
    }

    refused = configure(client, steward, ref, **body)

    assert refused.status_code == 422, refused.text
    assert message in refused.json()["detail"]
    assert client.get(f"/api/v1/datasets/{ref}/source").json()["kind"] == ""


def test_only_editors_see_and_pull_a_source(
    client: TestClient,
    steward: dict[str, str],
    session_factory: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    ref = create(client, steward)
    no_source = client.post(f"/api/v1/datasets/{ref}/source/pull", headers=steward)
    assert no_source.status_code == 409
    assert (
        no_source.json()["detail"] == f"source: dataset {ref} has no source; configure one first."
    )
    public = make_dataset(session_factory, settings, tmp_path, agency="DSS", title="Other agency")
    assert client.get(f"/api/v1/datasets/{public}/source").status_code == 403
    client.post("/logout", headers=steward)
    anonymous = TestClient(client.app)
    assert anonymous.get(f"/api/v1/datasets/{public}/source").status_code in (401, 403)


def configure_file(
    settings: Settings, factory: sessionmaker[Session], ref: str, path: Path
) -> datetime | None:
    """Point ``ref`` at a file source as the operator; returns the next pull time."""
    with unit_of_work(factory) as session:
        dataset = configure_source(
            session,
            actor=Actor.system("test"),
            settings=settings,
            ref=ref,
            config=SourceConfig(kind="file", location=str(path)),
        )
        return dataset.next_pull_at


def _jobs_run(settings: Settings, factory: sessionmaker[Session], started: list[Job]) -> Any:
    def enqueue(job_id: int) -> None:
        started.append(run_job(job_id, settings=settings, session_factory=factory))

    return enqueue


def test_sources_are_pulled_on_the_update_frequency_once_per_due_time(
    settings: Settings, session_factory: sessionmaker[Session], folder: Path, tmp_path: Path
) -> None:
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DPH",
        title="Daily counts",
        update_frequency="Daily",
    )
    write_csv(folder / "daily.csv", [(1, "a", 2), (2, "b", 3)])
    before = utcnow()
    configure_file(settings, session_factory, ref, folder / "daily.csv")
    with unit_of_work(session_factory) as session:
        scheduled = session.query(Dataset).filter_by(public_id=ref).one().next_pull_at
    assert scheduled is not None
    assert before + timedelta(days=1) <= scheduled <= utcnow() + timedelta(days=1)
    ran: list[Job] = []
    enqueue = _jobs_run(settings, session_factory, ran)

    assert enqueue_due_pulls(settings, session_factory, enqueue, now=utcnow()) == []
    due = scheduled + timedelta(hours=1)
    assert len(enqueue_due_pulls(settings, session_factory, enqueue, now=due)) == 1
    assert enqueue_due_pulls(settings, session_factory, enqueue, now=due) == []  # claimed once
    # Five days without a clock (the server was down): one pull, and the schedule moves on.
    late = scheduled + timedelta(days=5, hours=12)
    assert len(enqueue_due_pulls(settings, session_factory, enqueue, now=late)) == 1

    assert [job.status for job in ran] == ["succeeded", "succeeded"], [j.error for j in ran]
    assert ran[0].created_by_name == "system:scheduler"
    with unit_of_work(session_factory) as session:
        dataset = session.query(Dataset).filter_by(public_id=ref).one()
        assert dataset.current_version == 3 and dataset.row_count == 2
        assert dataset.next_pull_at == scheduled + timedelta(days=6)
        assert dataset.last_pull_job_id == ran[-1].id


def test_as_needed_sources_are_never_due_and_the_queue_runs_the_clock_every_minute(
    settings: Settings, session_factory: sessionmaker[Session], folder: Path, tmp_path: Path
) -> None:
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DPH",
        title="Ad hoc",
        update_frequency="As needed",
    )
    assert configure_file(settings, session_factory, ref, folder / "adhoc.csv") is None
    far = utcnow() + timedelta(days=3650)
    assert enqueue_due_pulls(settings, session_factory, print, now=far) == []

    queue = JobQueue(settings, session_factory)
    names = {task.name for task in queue.huey.read_periodic(utcnow())}
    assert "catalog.pull_due_sources" in names


def test_the_source_page_saves_shows_errors_and_pulls(
    client: TestClient, steward: dict[str, str], folder: Path
) -> None:
    ref = create(client, steward)
    page = client.get(f"/datasets/{ref}/source")
    assert page.status_code == 200 and "Pull from" not in page.text
    csrf = steward["X-CSRF-Token"]

    bad = client.post(
        f"/datasets/{ref}/source",
        data={"csrf_token": csrf, "kind": "file", "location": "/etc/passwd", "mode": "replace"},
    )
    assert bad.status_code == 422 and "outside the source folders" in bad.text
    write_csv(folder / "clinics.csv", [(1, "a", 2)])
    saved = client.post(
        f"/datasets/{ref}/source",
        data={
            "csrf_token": csrf,
            "kind": "file",
            "location": str(folder / "clinics.csv"),
            "mode": "replace",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Pull now" in client.get(f"/datasets/{ref}/source").text
    pulled = client.post(
        f"/datasets/{ref}/source/pull", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert pulled.status_code == 303 and pulled.headers["location"].startswith("/jobs/")
    assert client.get(f"/api/v1/datasets/{ref}").json()["version"] == 1


def test_the_command_line_pulls_one_source_or_every_due_one(
    settings: Settings, session_factory: sessionmaker[Session], folder: Path, tmp_path: Path
) -> None:
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Counts")
    write_csv(folder / "counts.csv", [(1, "a", 2), (2, "b", 3), (3, "c", 4)])
    configure_file(settings, session_factory, ref, folder / "counts.csv")

    assert ok(run(settings, "dataset", "pull", ref)).strip() == f"{ref}: version 2, 3 rows"
    assert ok(run(settings, "dataset", "pull", "--due")).strip() == "no source is due"
    (folder / "counts.csv").unlink()
    failed = run(settings, "dataset", "pull", ref)
    assert failed.returncode == 1
    assert f"{ref}: error: location: sources/counts.csv does not exist" in failed.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_backup_restored_into_a_new_home_runs_its_scheduled_pulls(
    settings: Settings,
    session_factory: sessionmaker[Session],
    engine: Engine,
    folder: Path,
    tmp_path: Path,
) -> None:
    """A file source in the home's sources folder is kept relative to the home, and the folder
    is in the backup, so the restored home pulls from its own copy; a source kept as an absolute
    path before is moved into the new home on restore."""
    refs = [
        make_dataset(session_factory, settings, tmp_path, agency="DPH", title=title,
                     update_frequency="Daily")
        for title in ("Daily counts", "Older daily counts")
    ]  # fmt: skip
    write_csv(folder / "daily.csv", [(1, "a", 2), (2, "b", 3), (3, "c", 4)])
    for ref in refs:
        configure_file(settings, session_factory, ref, folder / "daily.csv")
    with unit_of_work(session_factory) as session:
        current, older = (session.query(Dataset).filter_by(public_id=r).one() for r in refs)
        assert current.source_location == "sources/daily.csv"
        older.source_location = str(folder / "daily.csv")  # as locations were kept before
    archive = tmp_path / "backup.tar.gz"
    backup_instance(settings, engine, archive)

    fresh = load_settings(home=tmp_path / "fresh", secret_key="k" * 40, jobs_backend="immediate")
    prepare_home(fresh)
    fresh_engine = make_engine(fresh.resolved_database_url)
    restore_instance(fresh, fresh_engine, archive)
    restored = make_session_factory(fresh_engine)
    ran: list[Job] = []
    later = utcnow() + timedelta(days=2)
    assert len(enqueue_due_pulls(fresh, restored, _jobs_run(fresh, restored, ran), now=later)) == 2
    assert [job.status for job in ran] == ["succeeded", "succeeded"], [j.error for j in ran]
    with unit_of_work(restored) as session:
        for ref in refs:
            dataset = session.query(Dataset).filter_by(public_id=ref).one()
            assert (dataset.current_version, dataset.row_count) == (2, 3)
            assert dataset.source_location == "sources/daily.csv"
    fresh_engine.dispose()
