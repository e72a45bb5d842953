"""Catalog datasets as sources of the person index: a steward maps columns (every bad mapping
named), loads run as jobs with progress and audit, a new version is loaded by the clock with only
its new records scored, and a bad record fails the load without touching the index."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.loads.local import load_local_file
from statedata.core.audit import AuditEvent
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import Job, run_job
from statedata.demo.generator import generate_demo
from statedata.identity.actor import Actor
from statedata.linkage.models import LinkageRun, LinkageSource, PersonRecord
from statedata.linkage.sources import enqueue_changed_sources
from tests.catalog.publishing import make_dataset
from tests.factories import csrf_from, make_user, sign_in

MAPPING = {
    "first_name": "first_name",
    "middle_name": "middle_name",
    "last_name": "last_name",
    "suffix": "name_suffix",
    "date_of_birth": "date_of_birth",
    "sex": "sex",
    "ssn": "ssn",
    "address": "street_address",
    "town": "town",
    "zip": "zip",
}
COLUMNS = (
    "record_id, first_name, middle_name, last_name, name_suffix, "
    "CAST(date_of_birth AS VARCHAR) AS date_of_birth, sex, ssn, street_address, town, zip"
)


def _export(folder: Path, source: str, target: Path, where: str = "TRUE") -> Path:
    duckdb.sql(
        f"COPY (SELECT {COLUMNS} FROM '{folder / source}.parquet' WHERE {where} "
        f"ORDER BY record_id) TO '{target}' (HEADER)"
    )
    return target


@pytest.fixture
def person_datasets(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> dict[str, str]:
    """DSS enrollments (all but their last 25 rows) and DMV licenses of 1,000 persons."""
    folder = tmp_path / "ct"
    generate_demo(folder, persons=1000, seed=5)
    refs = {}
    for agency, source in (("DSS", "dss_enrollments"), ("DMV", "dmv_licenses")):
        ref = make_dataset(
            session_factory,
            settings,
            tmp_path,
            agency=agency,
            title=f"{agency} person records",
            classification="restricted",
            status="draft",
        )
        where = "record_id NOT IN (SELECT record_id FROM src ORDER BY record_id DESC LIMIT 25)"
        duckdb.sql(f"CREATE OR REPLACE VIEW src AS SELECT * FROM '{folder / source}.parquet'")
        path = _export(
            folder, source, tmp_path / f"{source}.csv", where if agency == "DSS" else "TRUE"
        )
        job = load_local_file(
            settings, session_factory, actor=Actor.system("test"), ref=ref, path=path
        )
        assert job.status == "succeeded", job.error
        refs[agency] = ref
    refs["folder"] = str(folder)
    return refs


def test_a_steward_maps_and_loads_and_the_clock_loads_a_new_version(
    client: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    person_datasets: dict[str, str],
    tmp_path: Path,
) -> None:
    make_user(session_factory, "dss1", "steward", "DSS")
    make_user(session_factory, "cdo1", "admin", "OPM")
    headers = {"X-CSRF-Token": sign_in(client, "dss1")}
    dss, dmv = person_datasets["DSS"], person_datasets["DMV"]
    suggested = client.get(f"/api/v1/datasets/{dss}/linkage", headers=headers).json()
    assert suggested["source"] is None
    assert suggested["suggested"]["address"] == "street_address"
    assert suggested["suggested"]["suffix"] == "name_suffix"

    mapped = client.put(
        f"/api/v1/datasets/{dss}/linkage",
        json={"id_column": "record_id", "mapping": MAPPING},
        headers=headers,
    )
    assert mapped.status_code == 200, mapped.text
    name = mapped.json()["source"]["name"]
    # another agency's dataset is not this steward's to map
    refused = client.put(
        f"/api/v1/datasets/{dmv}/linkage",
        json={"id_column": "record_id", "mapping": MAPPING},
        headers=headers,
    )
    assert refused.status_code in (403, 404)

    # loading it alone, or another agency's dataset, is not for this steward to start
    assert client.post(
        "/api/v1/persons/runs", json={"sources": [dmv]}, headers=headers
    ).status_code in (403, 404)

    # the CDO's office maps DMV and loads every source: the first load trains the model
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    admin = {"X-CSRF-Token": sign_in(client, "cdo1")}
    assert (
        client.put(
            f"/api/v1/datasets/{dmv}/linkage",
            json={"id_column": "record_id", "mapping": MAPPING},
            headers=admin,
        ).status_code
        == 200
    )
    started = client.post("/api/v1/persons/runs", json={}, headers=admin)
    assert started.status_code == 202, started.text
    with unit_of_work(session_factory) as session:
        job = session.get(Job, started.json()["job"])
        assert job is not None and job.status == "succeeded", job and job.error
        assert job.progress_done == job.progress_total  # progress reached the end
        assert "training the model" in job.log and "placing records in persons" in job.log
        dss_records = session.scalar(
            select(func.count()).select_from(PersonRecord).where(PersonRecord.source == name)
        )
        assert dss_records == 150
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "linkage.load"))
    runs = client.get("/api/v1/persons/runs").json()
    assert runs[0]["records_new"] == 150 + 715 and runs[0]["job"]["status"] == "succeeded"
    assert runs[0]["persons_created"] > 0
    sources = {s["name"]: s for s in client.get("/api/v1/persons/sources").json()}
    assert sources[name]["behind"] is False and sources[name]["loaded_version"] == 1

    # DSS publishes its last 25 rows as a new version: the clock loads only those
    folder = Path(person_datasets["folder"])
    duckdb.sql(f"CREATE OR REPLACE VIEW src AS SELECT * FROM '{folder}/dss_enrollments.parquet'")
    newest = _export(
        folder,
        "dss_enrollments",
        tmp_path / "newest.csv",
        "record_id IN (SELECT record_id FROM src ORDER BY record_id DESC LIMIT 25)",
    )
    job = load_local_file(
        settings, session_factory, actor=Actor.system("test"), ref=dss, path=newest, mode="append"
    )
    assert job.status == "succeeded", job.error
    queued: list[int] = []
    enqueue_changed_sources(settings, session_factory, queued.append)
    assert len(queued) == 1
    enqueue_changed_sources(settings, session_factory, queued.append)
    assert len(queued) == 1, "a queued load is not queued twice"
    finished = run_job(queued[0], settings=settings, session_factory=session_factory)
    assert finished.status == "succeeded", finished.error
    with unit_of_work(session_factory) as session:
        run = session.scalar(select(LinkageRun).order_by(LinkageRun.id.desc()).limit(1))
        assert run is not None
        assert (run.records_new, run.records_changed) == (25, 0)
        source = session.scalar(select(LinkageSource).where(LinkageSource.name == name))
        assert source is not None and source.loaded_version == 2
    queued.clear()
    enqueue_changed_sources(settings, session_factory, queued.append)
    assert queued == [], "nothing is behind any more"

    # the DSS steward loads DSS again: nothing has changed, nothing is scored
    client.post("/logout", data={"csrf_token": admin["X-CSRF-Token"]})
    headers = {"X-CSRF-Token": sign_in(client, "dss1")}
    again = client.post("/api/v1/persons/runs", json={"sources": [dss]}, headers=headers)
    assert again.status_code == 202, again.text
    latest = client.get("/api/v1/persons/runs").json()[0]
    assert (latest["records_in"], latest["records_new"], latest["pairs_scored"]) == (175, 0, 0)

    page = client.get("/persons")
    assert page.status_code == 200
    assert name in page.text and f"Load {name} now" in page.text
    assert "Load every source" not in page.text  # the CDO's office loads every source


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"id_column": "recordid", "mapping": {"last_name": "last_name"}}, "no column 'recordid'"),
        ({"id_column": "record_id", "mapping": {"surname": "last_name"}}, "'surname' is not"),
        ({"id_column": "record_id", "mapping": {"last_name": "family"}}, "no column 'family'"),
        ({"id_column": "record_id", "mapping": {"town": "town"}}, "map at least one"),
        ({"id_column": "record_id", "mapping": {"address": "street_address+"}}, "empty column"),
        ({"id_column": " ", "mapping": {"last_name": "last_name"}}, "id_column"),
    ],
)
def test_a_bad_mapping_is_named(
    client: TestClient,
    session_factory: sessionmaker[Session],
    person_datasets: dict[str, str],
    body: dict[str, object],
    message: str,
) -> None:
    make_user(session_factory, "dss1", "steward", "DSS")
    headers = {"X-CSRF-Token": sign_in(client, "dss1")}
    response = client.put(
        f"/api/v1/datasets/{person_datasets['DSS']}/linkage", json=body, headers=headers
    )
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    with unit_of_work(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(LinkageSource)) == 0


def test_a_record_without_an_id_fails_the_load_and_leaves_the_index_alone(
    client: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    make_user(session_factory, "dss1", "steward", "DSS")
    headers = {"X-CSRF-Token": sign_in(client, "dss1")}
    rows = [("A1", "Ann", "Lee", "1980-01-02"), ("", "Bo", "Ray", "1975-05-06")]
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DSS",
        title="Clinic clients",
        classification="restricted",
        status="draft",
    )
    path = tmp_path / "clients.csv"
    path.write_text("client,given,family,born\n" + "".join(",".join(r) + "\n" for r in rows))
    job = load_local_file(settings, session_factory, actor=Actor.system("test"), ref=ref, path=path)
    assert job.status == "succeeded", job.error
    mapping = {"first_name": "given", "last_name": "family", "date_of_birth": "born"}
    assert (
        client.put(
            f"/api/v1/datasets/{ref}/linkage",
            json={"id_column": "client", "mapping": mapping},
            headers=headers,
        ).status_code
        == 200
    )
    started = client.post("/api/v1/persons/runs", json={"sources": [ref]}, headers=headers)
    assert started.status_code == 202
    failed = client.get(f"/api/v1/jobs/{started.json()['job']}").json()
    assert failed["status"] == "failed"
    assert "row 2, column client" in failed["error"]
    # with the id mended, two records are still too few to learn a model from
    path.write_text("client,given,family,born\nA1,Ann,Lee,1980-01-02\nB2,Bo,Ray,1975-05-06\n")
    job = load_local_file(settings, session_factory, actor=Actor.system("test"), ref=ref, path=path)
    assert job.status == "succeeded", job.error
    started = client.post("/api/v1/persons/runs", json={"sources": [ref]}, headers=headers)
    failed = client.get(f"/api/v1/jobs/{started.json()['job']}").json()
    assert failed["status"] == "failed" and "too few likely pairs" in failed["error"]
    with unit_of_work(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(PersonRecord)) == 0
        assert session.scalar(select(func.count()).select_from(LinkageRun)) == 0


def test_the_mapping_page_keeps_what_was_typed_and_names_the_error(
    client: TestClient,
    session_factory: sessionmaker[Session],
    person_datasets: dict[str, str],
) -> None:
    make_user(session_factory, "dss1", "steward", "DSS")
    sign_in(client, "dss1")
    ref = person_datasets["DSS"]
    page = client.get(f"/datasets/{ref}/linkage")
    assert page.status_code == 200 and 'value="street_address"' in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "id_column": "record_id",
        "first_name": "first_name",
        "last_name": "surname_typo",
    }
    response = client.post(f"/datasets/{ref}/linkage", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert "no column &#39;surname_typo&#39;" in response.text
    assert 'value="surname_typo"' in response.text
    form["last_name"] = "last_name"
    saved = client.post(f"/datasets/{ref}/linkage", data=form, follow_redirects=True)
    assert saved.status_code == 200 and "Saved: the index calls this source" in saved.text
    # an analyst neither maps nor sees the index
    client.post("/logout", data={"csrf_token": csrf_from(saved.text)})
    make_user(session_factory, "analyst1", "analyst", "OPM")
    sign_in(client, "analyst1")
    assert client.get(f"/datasets/{ref}/linkage").status_code in (403, 404)
    assert client.get("/persons").status_code == 403
    assert client.get("/api/v1/persons/sources").status_code == 403
