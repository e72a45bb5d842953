"""Acceptance (issue 7): a linked request fulfilled as extracts the requester reads and the
sources stay closed to; the extracts of one request share person pseudonyms, two requests' do
not; an extract meets its k; at the end date the extracts are destroyed and access ends."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import find_dataset, update_dictionary
from statedata.catalog.lifecycle import approve, submit_for_review
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import run_job
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job
from statedata.linkage.sources import LOAD_JOB, configure_source
from statedata.privacy.kanonymity import smallest_group
from statedata.sharing.extracts import destroy_expired_extracts
from statedata.sharing.models import DataRequest
from statedata.storage.lake import open_table_store
from tests.factories import csrf_from
from tests.linkage.test_sources import MAPPING, person_datasets  # noqa: F401 (a fixture)
from tests.sharing.test_requests import People


def _index(settings: Settings, factory: sessionmaker[Session], refs: list[str]) -> None:
    """Publish the person datasets (restricted) and load them into the person index."""
    categories = {"record_id": "identifier", "ssn": "ssn", "date_of_birth": "date_of_birth",
                  "first_name": "name", "last_name": "name", "street_address": "address"}  # fmt: skip
    with unit_of_work(factory) as session:
        for ref in refs:
            fields = [
                {"name": f["name"], "piiCategory": categories.get(f["name"], "none")}
                for f in find_dataset(session, ref=ref).dictionary
            ]
            update_dictionary(session, actor=Actor.system("test"), ref=ref, fields=fields)
            submit_for_review(session, actor=Actor.system("test"), ref=ref)
            approve(session, actor=Actor.system("test"), ref=ref)
            configure_source(
                session,
                actor=Actor.system("test"),
                ref=ref,
                id_column="record_id",
                mapping=MAPPING,
            )
        job = create_job(session, actor=Actor.system("test"), kind=LOAD_JOB,
                         params={"sources": refs}).id  # fmt: skip
    assert run_job(job, settings=settings, session_factory=factory).status == "succeeded"


def _approved(people: People, dss: str, dmv: str, title: str) -> int:
    asked = people.post(
        "researcher1",
        "/api/v1/requests",
        {
            "title": title,
            "purpose": "Do benefit enrollees hold driver licenses at the same rate?",
            "linked": True,
            "items": [
                {"dataset": dss, "columns": ["record_id", "town", "date_of_birth", "ssn"]},
                {"dataset": dmv, "columns": ["record_id", "town"]},
            ],
        },
    ).json()
    for item in asked["items"]:
        steward = "dss.steward" if item["agency"] == "DSS" else "dmv.steward"
        url = f"/api/v1/requests/{asked['id']}/items/{item['id']}/review"
        assert people.post(steward, url, {"approve": True}).status_code == 200
    until = (date.today() + timedelta(days=60)).isoformat()
    approved = people.post(
        "cdo1",
        f"/api/v1/requests/{asked['id']}/legal",
        {"approve": True, "note": "Publish no cell under 11", "access_until": until},
    )
    assert approved.json()["status"] == "approved", approved.text
    return int(asked["id"])


def _fulfil(people: People, rid: int, **body: Any) -> dict[str, Any]:
    started = people.post("dss.ado", f"/api/v1/requests/{rid}/fulfil", body)
    assert started.status_code == 202, started.text
    job = people.client.get(f"/api/v1/jobs/{started.json()['job']}").json()
    assert job["status"] == "succeeded", job["error"]
    return dict(people.client.get(f"/api/v1/requests/{rid}").json())


def _rows(client: TestClient, ref: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/datasets/{ref}/rows?$limit=5000")
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


def test_a_linked_extract_is_read_by_its_requester_only_meets_k_and_is_destroyed_at_its_end(
    client: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    person_datasets: dict[str, str],  # noqa: F811 (the fixture imported above)
) -> None:
    dss, dmv = person_datasets["DSS"], person_datasets["DMV"]
    _index(settings, session_factory, [dss, dmv])
    people = People(client, session_factory)
    from tests.factories import make_user

    make_user(session_factory, "dmv.steward", "steward", "DMV")
    first = _approved(people, dss, dmv, "Licenses of enrollees")
    done = _fulfil(people, first, quasi_identifiers={"town": "town", "date_of_birth": "date"}, k=5)
    assert done["status"] == "fulfilled" and len(done["extracts"]) == 2
    manifest = done["manifest"]["datasets"]
    dss_report = next(d for d in manifest if "k_anonymity" in d and "ssn" in d["rules"])
    assert dss_report["rules"]["ssn"] == "drop" and dss_report["rules"]["record_id"] == "pseudonym"
    assert dss_report["k_anonymity"]["smallest_group"] >= 5

    researcher = people.as_("researcher1")
    extract_dss, extract_dmv = done["extracts"]
    rows = _rows(researcher, extract_dss)
    assert rows and "ssn" not in rows[0] and rows[0]["person"].startswith("X")
    assert smallest_group(rows, ["town", "date_of_birth"]) >= 5
    assert all(r["date_of_birth"] is None or len(r["date_of_birth"]) <= 4 or r["date_of_birth"] == "*"
               for r in rows)  # fmt: skip
    # the two extracts of one request share person pseudonyms: they join on person
    both = {r["person"] for r in rows} & {r["person"] for r in _rows(researcher, extract_dmv)}
    assert len(both) > 20
    # the sources stay closed to the requester
    for source in (dss, dmv):
        assert researcher.get(f"/api/v1/datasets/{source}/rows").status_code in (403, 404)

    # a second request over the same people: nothing to join the two on
    second = _approved(people, dss, dmv, "The same again")
    again = _fulfil(people, second)
    other = _rows(people.as_("researcher1"), again["extracts"][0])
    assert not {r["person"] for r in rows} & {r["person"] for r in other}

    # at the end date the extracts go and access with them
    with unit_of_work(session_factory) as session:
        session.execute(
            update(DataRequest)
            .where(DataRequest.id == first)
            .values(access_until=date.today() - timedelta(days=1))
        )
    destroy_expired_extracts(settings, session_factory, lambda _job: None)
    view = people.as_("researcher1").get(f"/api/v1/requests/{first}").json()
    assert view["status"] == "destroyed"
    assert [s["step"] for s in view["steps"]][-2:] == ["expired", "destroyed"]
    assert people.client.get(f"/api/v1/datasets/{extract_dss}/rows").status_code in (403, 404)
    store = open_table_store(settings)
    assert store.dataset(extract_dss).count_rows() == 0
    audit = people.as_("cdo1").get("/api/v1/audit?resource_type=data_request&limit=500")
    actions = {e["action"] for e in audit.json()["events"]} if audit.status_code == 200 else set()
    assert {"request.submitted", "request.approved", "request.fulfilled",
            "request.destroyed"} <= actions  # fmt: skip


def _approve_the_one_item(people: People, asked: dict[str, Any]) -> None:
    item = asked["items"][0]["id"]
    people.post("dss.steward", f"/api/v1/requests/{asked['id']}/items/{item}/review",
                {"approve": True})  # fmt: skip
    until = (date.today() + timedelta(days=9)).isoformat()
    people.post("cdo1", f"/api/v1/requests/{asked['id']}/legal",
                {"approve": True, "access_until": until})  # fmt: skip


def test_fulfilment_names_bad_settings(
    client: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    from tests.catalog.publishing import make_dataset

    people = People(client, session_factory)
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DSS",
        title="Cases",
        classification="restricted",
        rows=[(1, "a", 2)],
    )
    asked = people.post(
        "researcher1",
        "/api/v1/requests",
        {
            "title": "T",
            "purpose": "A purpose long enough to say.",
            "items": [{"dataset": ref, "columns": ["id", "score"]}],
        },
    ).json()
    early = people.post("dss.ado", f"/api/v1/requests/{asked['id']}/fulfil", {})
    assert early.status_code == 409 and "only an approved one" in early.json()["detail"]
    _approve_the_one_item(people, asked)
    for body, message in (
        ({"deidentify": {"name": "drop"}}, "'name' is not a column the request"),
        ({"deidentify": {"score": "blur"}}, "'blur' is not one of"),
        ({"quasi_identifiers": {"score": "shoe size"}}, "'shoe size' is not one of"),
        ({"k": 1}, "k: 1 is less than 2"),
    ):
        refused = people.post("dss.ado", f"/api/v1/requests/{asked['id']}/fulfil", body)
        assert refused.status_code == 422 and message in refused.json()["detail"], refused.text
    assert (
        people.post("researcher1", f"/api/v1/requests/{asked['id']}/fulfil", {}).status_code == 403
    )
    page = people.as_("dss.ado").get(f"/requests/{asked['id']}")
    assert "Build the extracts" in page.text
    bad = people.client.post(
        f"/requests/{asked['id']}/fulfil",
        data={"csrf_token": csrf_from(page.text), "quasi_identifiers": "score=shoe size"},
        follow_redirects=True,
    )
    assert "&#39;shoe size&#39; is not one of" in bad.text
    built = people.client.post(
        f"/requests/{asked['id']}/fulfil",
        data={"csrf_token": csrf_from(page.text), "k": "2"},
        follow_redirects=True,
    )
    assert "/jobs/" in str(built.url) and "succeeded" in built.text


def test_an_extract_keeps_only_the_rows_its_condition_allows(
    client: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    from tests.catalog.publishing import make_dataset

    people = People(client, session_factory)
    ref = make_dataset(session_factory, settings, tmp_path, agency="DSS", title="Cases",
                       classification="restricted", rows=[(1, "a", 2), (2, "b", 7), (3, "c", 9)])  # fmt: skip
    body = {
        "title": "Large scores",
        "purpose": "Only the cases scored over five are needed.",
        "items": [{"dataset": ref, "columns": ["name", "score"], "row_condition": "score >> 5"}],
    }
    refused = people.post("researcher1", "/api/v1/requests", body)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("items, item 1: row_condition: $where")
    body["items"][0]["row_condition"] = "score > 5"
    asked = people.post("researcher1", "/api/v1/requests", body).json()
    _approve_the_one_item(people, asked)
    done = _fulfil(people, asked["id"])
    assert done["manifest"]["datasets"][0]["row_condition"] == "score > 5"
    rows = _rows(people.as_("researcher1"), done["extracts"][0])
    assert sorted(r["name"] for r in rows) == ["b", "c"]
