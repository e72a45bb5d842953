"""Data sharing agreements: drafted by data officers, checked against their sources' regimes,
active only once nothing is missing; every bad field named; read by those it names."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from tests.catalog.publishing import make_dataset
from tests.factories import make_user, sign_in


@pytest.fixture
def wages(settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path) -> str:
    return make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DOL",
        title="Wage records",
        classification="restricted",
        rows=[(1, "a", 2)],
    )


def draft(wages: str) -> dict[str, Any]:
    return {
        "title": "SDE and DOL: education to workforce",
        "parties": [
            {
                "name": "Department of Labor",
                "kind": "agency",
                "role": "provider",
                "signatory": "A. Commissioner",
                "title": "Commissioner",
            },
            {
                "name": "University of Connecticut",
                "kind": "organization",
                "role": "recipient",
                "signatory": "B. Provost",
            },
        ],
        "sources": [
            {
                "dataset": wages,
                "regime": "20 CFR 603",
                "authority": "20 CFR 603.5(e)",
                "columns": ["id", "score"],
            }
        ],
        "purpose": "Measure the earnings of graduates five years on.",
    }


def test_an_agreement_is_active_only_when_its_regime_asks_for_nothing_more(
    client: TestClient, session_factory: sessionmaker[Session], wages: str
) -> None:
    make_user(session_factory, "dol.ado", "agency_data_officer", "DOL")
    headers = {"X-CSRF-Token": sign_in(client, "dol.ado")}
    created = client.post("/api/v1/agreements", json=draft(wages), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    missing = {i["key"] for i in body["checklist"] if not i["met"]}
    assert {"uc_written", "uc_users", "users", "term", "breach"} <= missing
    assert "purpose" not in missing and "parties" not in missing
    document = client.get(f"/agreements/{body['id']}")
    assert document.status_code == 200
    assert "Missing: 20 CFR 603.10: the users, named" in document.text
    assert "Met: The purpose of the sharing" in document.text
    assert "A. Commissioner" in client.get("/agreements").text or document.text
    refused = client.post(f"/api/v1/agreements/{body['id']}/activate", headers=headers)
    assert refused.status_code == 409
    assert "20 CFR 603.10: a written, enforceable agreement" in refused.json()["detail"]
    filled = client.patch(
        f"/api/v1/agreements/{body['id']}",
        json={
            "permitted_uses": ["Statistical research on earnings"],
            "prohibited_uses": ["Re-identification", "Contact with individuals"],
            "security_requirements": ["Encrypted at rest", "Access from state network only"],
            "authorized_users": ["uconn.researcher"],
            "redisclosure": "No re-disclosure; cells under 10 are not published.",
            "publication_threshold": 10,
            "retention": "Until the study ends",
            "destruction_method": "Overwrite and delete; certificate to DOL",
            "destruction_deadline": "2028-06-30",
            "breach_notice_hours": 24,
            "starts_on": "2026-12-01",
            "ends_on": "2028-06-30",
            "termination": "Either party, on 30 days' written notice.",
        },
        headers=headers,
    )
    assert filled.status_code == 200, filled.text
    assert filled.json()["missing"] == 0
    active = client.post(f"/api/v1/agreements/{body['id']}/activate", headers=headers)
    assert active.status_code == 200 and active.json()["status"] == "active"
    pdf = client.get(f"/agreements/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    # the document's words are in it: the parties' purpose, the sections, the regimes' checklist
    assert b"5. Re-disclosure and publication" in pdf.content
    assert b"Either party, on 30 days' written notice." in pdf.content
    assert rb"What the legal regimes ask \(0 missing\)" in pdf.content  # PDF escapes ( and )
    again = client.patch(f"/api/v1/agreements/{body['id']}", json={"purpose": "x"}, headers=headers)
    assert again.status_code == 409

    # the researcher it names reads it; another does not see it
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    make_user(session_factory, "uconn.researcher", "researcher")
    sign_in(client, "uconn.researcher")
    assert client.get(f"/api/v1/agreements/{body['id']}").status_code == 200
    assert [a["id"] for a in client.get("/api/v1/agreements").json()] == [body["id"]]
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    make_user(session_factory, "other.researcher", "researcher")
    sign_in(client, "other.researcher")
    assert client.get(f"/api/v1/agreements/{body['id']}").status_code == 403
    assert client.get("/api/v1/agreements").json() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sources": [{"dataset": "nope-0000", "regime": "FERPA", "columns": []}]},
         "sources, source 1: no dataset"),
        ({"sources": [{"dataset": "WAGES", "regime": "GDPR", "columns": ["id"]}]},
         "regime 'GDPR' is not one of"),
        ({"sources": [{"dataset": "WAGES", "regime": "FERPA", "columns": ["salary"]}]},
         "has no column 'salary'"),
        ({"ends_on": "2026-13-01"}, "ends_on: '2026-13-01' is not a date (YYYY-MM-DD)"),
        ({"starts_on": "2027-01-01", "ends_on": "2026-01-01"}, "is before starts_on"),
        ({"parties": [{"name": "DOL", "role": "owner"}]}, "parties[0].role: 'owner' is not a choice; use 'provider' or 'recipient'"),
        ({"breach_notice_hours": "soon"}, "breach_notice_hours: 'soon' is not a whole number"),
        ({"linkage_method": "telepathy"}, "linkage_method: 'telepathy'"),
        ({"colour": "blue"}, "colour: is not a field this request takes"),
        ({"title": ""}, "title: must not be empty"),
    ],
)  # fmt: skip
def test_a_bad_field_is_named_and_nothing_is_saved(
    client: TestClient,
    session_factory: sessionmaker[Session],
    wages: str,
    change: dict[str, Any],
    message: str,
) -> None:
    make_user(session_factory, "dol.ado", "agency_data_officer", "DOL")
    headers = {"X-CSRF-Token": sign_in(client, "dol.ado")}
    body = {**draft(wages), **copy.deepcopy(change)}  # the cases are shared by both runs
    for source in body["sources"]:
        if source.get("dataset") == "WAGES":
            source["dataset"] = wages
    response = client.post("/api/v1/agreements", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert client.get("/api/v1/agreements").json() == []


def test_an_analyst_does_not_draft_agreements(
    client: TestClient, session_factory: sessionmaker[Session], wages: str
) -> None:
    make_user(session_factory, "analyst1", "analyst", "OPM")
    headers = {"X-CSRF-Token": sign_in(client, "analyst1")}
    assert client.post("/api/v1/agreements", json=draft(wages), headers=headers).status_code == 403
