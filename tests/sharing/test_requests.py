"""Data requests: a researcher asks, each dataset's stewards decide their part, the CDO's office
approves with conditions and an end date or denies with reasons; every step has an owner, a
time and a note, the queue shows days waiting, and a step that waits too long is reminded."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import AuditEvent
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.outbox import OutboxMessage
from statedata.sharing.models import DataRequest
from statedata.sharing.requests import remind_waiting_steps
from tests.catalog.publishing import make_dataset
from tests.factories import csrf_from, make_user, sign_in


class People:
    def __init__(self, client: TestClient, factory: sessionmaker[Session]) -> None:
        self.client = client
        for name, role, agency in (
            ("researcher1", "researcher", None),
            ("dss.steward", "steward", "DSS"),
            ("dss.ado", "agency_data_officer", "DSS"),
            ("dol.steward", "steward", "DOL"),
            ("dph.steward", "steward", "DPH"),
            ("cdo1", "admin", "OPM"),
        ):
            make_user(factory, name, role, agency)
        self.user, self.headers = "", {}

    def as_(self, user: str) -> TestClient:
        if user != self.user:
            if self.user:
                self.client.post("/logout", data={"csrf_token": self.headers["X-CSRF-Token"]})
            self.headers = {"X-CSRF-Token": sign_in(self.client, user)}
            self.user = user
        return self.client

    def post(self, user: str, url: str, body: dict[str, Any]) -> Any:
        return self.as_(user).post(url, json=body, headers=self.headers)


@pytest.fixture
def people(client: TestClient, session_factory: sessionmaker[Session]) -> People:
    return People(client, session_factory)


@pytest.fixture
def sources(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> dict[str, str]:
    return {
        agency: make_dataset(
            session_factory,
            settings,
            tmp_path,
            agency=agency,
            title=title,
            classification="restricted",
            rows=[(1, "a", 2)],
        )
        for agency, title in (("DSS", "Enrollments"), ("DOL", "Wage records"))
    }


def _ask(people: People, sources: dict[str, str]) -> dict[str, Any]:
    response = people.post(
        "researcher1",
        "/api/v1/requests",
        {
            "title": "Benefits and earnings",
            "purpose": "Do SNAP enrollees' earnings rise after job training?",
            "linked": True,
            "items": [
                {"dataset": sources["DSS"], "columns": ["id", "name"]},
                {"dataset": sources["DOL"], "columns": ["id", "score"]},
            ],
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_request_goes_from_submission_to_approval_with_every_step_kept(
    people: People, sources: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    asked = _ask(people, sources)
    assert asked["status"] == "steward_review"
    assert asked["step_owner"] == "the stewards of DOL, DSS"
    catalog = people.as_("researcher1").get("/api/v1/requests/datasets").json()
    assert {d["dataset"] for d in catalog} >= set(sources.values())  # what may be asked for
    rid = asked["id"]
    items = {i["agency"]: i["id"] for i in asked["items"]}
    # a steward of another agency does not decide DSS's part, nor see the request
    other = people.post(
        "dph.steward", f"/api/v1/requests/{rid}/items/{items['DSS']}/review", {"approve": True}
    )
    assert other.status_code == 403
    dss = people.post(
        "dss.steward",
        f"/api/v1/requests/{rid}/items/{items['DSS']}/review",
        {"approve": True, "note": "Names only, no SSN"},
    )
    assert dss.status_code == 200 and dss.json()["status"] == "steward_review"
    queue = people.as_("dss.ado").get("/api/v1/requests").json()
    assert [r["id"] for r in queue] == [rid] and queue[0]["days_waiting"] == 0
    dol = people.post(
        "dol.steward", f"/api/v1/requests/{rid}/items/{items['DOL']}/review", {"approve": True}
    )
    assert dol.json()["status"] == "legal_review"
    assert dol.json()["step_owner"].startswith("the CDO's office")
    early = people.post("cdo1", f"/api/v1/requests/{rid}/legal", {"approve": True})
    assert early.status_code == 422 and "access_until" in early.json()["detail"]
    until = (date.today() + timedelta(days=90)).isoformat()
    approved = people.post(
        "cdo1",
        f"/api/v1/requests/{rid}/legal",
        {"approve": True, "note": "Cells under 10 suppressed in any publication",
         "access_until": until},
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["access_until"] == until
    steps = [(s["step"], s["by"]) for s in body["steps"]]
    assert steps == [
        ("submitted", "researcher1"),
        (f"steward approved {sources['DSS']}", "dss.steward"),
        (f"steward approved {sources['DOL']}", "dol.steward"),
        ("approved", "cdo1"),
    ]
    assert all(s["at"] for s in body["steps"])
    mine = people.as_("researcher1").get(f"/api/v1/requests/{rid}").json()
    assert mine["conditions"] == "Cells under 10 suppressed in any publication"
    with unit_of_work(session_factory) as session:
        actions = set(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.resource_type == "data_request")
            )
        )
    assert {"request.submitted", "request.approved"} <= actions


def test_denials_need_reasons_and_a_request_denied_by_every_steward_ends(
    people: People, sources: dict[str, str]
) -> None:
    asked = _ask(people, sources)
    rid, items = asked["id"], {i["agency"]: i["id"] for i in asked["items"]}
    url = f"/api/v1/requests/{rid}/items/{items['DSS']}/review"
    silent = people.post("dss.steward", url, {"approve": False})
    assert silent.status_code == 422 and "say why" in silent.json()["detail"]
    people.post("dss.steward", url, {"approve": False, "note": "No authority to share SNAP data"})
    done = people.post(
        "dol.steward",
        f"/api/v1/requests/{rid}/items/{items['DOL']}/review",
        {"approve": False, "note": "Use the P20 exchange instead"},
    )
    assert done.json()["status"] == "denied"
    assert "No authority to share SNAP data" in done.json()["reasons"]
    again = people.post("cdo1", f"/api/v1/requests/{rid}/legal", {"approve": True})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"purpose": "data"}, "purpose: must have at least 20 characters"),
        ({"items": []}, "items: give at least 1"),
        ({"items": [{"dataset": "nope-0000", "columns": ["id"]}]}, "no dataset is called"),
        ({"items": [{"dataset": "DSS", "columns": ["salary"]}]}, "has no column 'salary'"),
        ({"items": [{"dataset": "DSS", "columns": ["id"]}, {"dataset": "DSS", "columns": ["id"]}]},
         "asked for twice"),
    ],
)  # fmt: skip
def test_a_bad_request_is_named(
    people: People, sources: dict[str, str], change: dict[str, Any], message: str
) -> None:
    body: dict[str, Any] = {
        "title": "T",
        "purpose": "A purpose long enough to be stated.",
        "items": [{"dataset": sources["DSS"], "columns": ["id"]}],
        **copy.deepcopy(change),  # the cases are shared by both databases' runs
    }
    for item in body["items"]:
        if item.get("dataset") in sources:
            item["dataset"] = sources[item["dataset"]]
    response = people.post("researcher1", "/api/v1/requests", body)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert people.as_("researcher1").get("/api/v1/requests").json() == []


def test_a_step_waiting_too_long_is_reminded_once_to_its_owners(
    people: People,
    sources: dict[str, str],
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    rid = _ask(people, sources)["id"]
    remind_waiting_steps(settings, session_factory, lambda _job: None)
    with unit_of_work(session_factory) as session:
        assert not session.scalars(select(OutboxMessage)).all()
        session.execute(update(DataRequest).values(step_started_at=utcnow() - timedelta(days=11)))
    remind_waiting_steps(settings, session_factory, lambda _job: None)
    remind_waiting_steps(settings, session_factory, lambda _job: None)
    with unit_of_work(session_factory) as session:
        messages = session.scalars(select(OutboxMessage)).all()
        told = sorted(m.recipient_name for m in messages)
        subjects = {m.subject for m in messages}
    assert told == ["dol.steward", "dss.ado", "dss.steward"]
    assert subjects == {f"Data request {rid} has waited 11 days for you"}
    queue = people.as_("dss.ado").get("/api/v1/requests").json()
    assert queue[0]["days_waiting"] == 11


def test_an_approved_request_waiting_for_fulfilment_reminds_the_data_officers(
    people: People,
    sources: dict[str, str],
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    asked = _ask(people, sources)
    for item in asked["items"]:
        steward = "dss.steward" if item["agency"] == "DSS" else "dol.steward"
        url = f"/api/v1/requests/{asked['id']}/items/{item['id']}/review"
        assert people.post(steward, url, {"approve": True}).status_code == 200
    until = (date.today() + timedelta(days=30)).isoformat()
    legal = {"approve": True, "access_until": until}
    assert (
        people.post("cdo1", f"/api/v1/requests/{asked['id']}/legal", legal).json()["status"]
        == "approved"
    )
    with unit_of_work(session_factory) as session:
        session.execute(update(DataRequest).values(step_started_at=utcnow() - timedelta(days=12)))
    remind_waiting_steps(settings, session_factory, lambda _job: None)
    with unit_of_work(session_factory) as session:
        messages = session.scalars(select(OutboxMessage)).all()
        told = sorted(m.recipient_name for m in messages)
        bodies = " ".join(m.body for m in messages)
    assert told == ["dss.ado"]  # DOL has no data officer here; stewards do not fulfil
    assert "in approved for 12 days" in bodies


def test_the_pages_ask_review_and_approve(
    people: People, sources: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    client = people.as_("researcher1")
    page = client.get("/requests/new")
    assert page.status_code == 200 and "Wage records (DOL, restricted)" in page.text
    token = csrf_from(page.text)
    empty = client.post(
        "/requests/new",
        data={"csrf_token": token, "title": "T", "purpose": "Too short"},
        follow_redirects=True,
    )
    assert "purpose: state what the data is for" in empty.text
    sent = client.post(
        "/requests/new",
        data={"csrf_token": token, "title": "Earnings", "purpose": "Earnings after training.",
              f"columns-{sources['DOL']}": ["id", "score"]},
        follow_redirects=True,
    )  # fmt: skip
    assert "submitted; its stewards review it next" in sent.text
    rid = int(sent.url.path.rsplit("/", 1)[1])
    steward = people.as_("dol.steward")
    page = steward.get(f"/requests/{rid}")
    assert "Approve DOL" in page.text
    item = people.as_("dol.steward").get(f"/api/v1/requests/{rid}").json()["items"][0]["id"]
    steward.post(
        f"/requests/{rid}/items/{item}",
        data={"csrf_token": csrf_from(page.text), "decision": "approve"},
    )
    admin = people.as_("cdo1")
    page = admin.get(f"/requests/{rid}")
    assert "Legal review" in page.text
    bad = admin.post(
        f"/requests/{rid}/legal",
        data={"csrf_token": csrf_from(page.text), "decision": "approve", "access_until": "soon"},
        follow_redirects=True,
    )
    assert "access_until: &#39;soon&#39; is not a date" in bad.text
    until = (date.today() + timedelta(days=30)).isoformat()
    done = admin.post(
        f"/requests/{rid}/legal",
        data={"csrf_token": csrf_from(page.text), "decision": "approve", "access_until": until},
        follow_redirects=True,
    )
    assert "approved" in done.text and until in done.text
    assert admin.get("/requests").status_code == 200
