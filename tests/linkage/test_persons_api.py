"""The person index's API: real-time match (scores equal to a batch run's), a person, decisions;
who may use it, the audit of every call, and bad input named."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import AuditEvent
from statedata.core.db import unit_of_work
from statedata.linkage.models import PersonRecord, ScoredPair
from statedata.linkage.realtime import matcher
from tests.factories import make_token


def _a_linked_record(factory: sessionmaker[Session]) -> PersonRecord:
    """A DMV record whose person has another record."""
    with unit_of_work(factory) as session:
        for record in session.scalars(
            select(PersonRecord).where(PersonRecord.source == "dmv_licenses")
        ):
            others = session.scalars(
                select(PersonRecord.id).where(
                    PersonRecord.person_id == record.person_id, PersonRecord.id != record.id
                )
            ).all()
            if others:
                session.expunge(record)
                return record
    raise AssertionError("no linked DMV record")


def test_realtime_scores_equal_the_batch_scores(
    session_factory: sessionmaker[Session], indexed: None
) -> None:
    compared = 0
    with unit_of_work(session_factory) as session:
        found = matcher(session)
        records = session.scalars(select(PersonRecord).order_by(PersonRecord.id).limit(150))
        for record in records:
            stored = {}
            for pair in session.scalars(
                select(ScoredPair).where(
                    or_(ScoredPair.record_a == record.id, ScoredPair.record_b == record.id)
                )
            ):
                other = pair.record_b if pair.record_a == record.id else pair.record_a
                stored[session.get(PersonRecord, other).record_id] = pair.probability  # type: ignore[union-attr]
            for candidate in found.match(session, record.raw, limit=100):
                if candidate.record_id in stored:
                    assert candidate.probability == pytest.approx(
                        stored[candidate.record_id], abs=1e-9
                    )
                    compared += 1
    assert compared >= 20


def test_the_cdos_office_matches_a_person_and_the_call_is_audited(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indexed: None,
    admin: dict[str, str],
) -> None:
    record = _a_linked_record(session_factory)
    typo = dict(record.raw)
    typo["first_name"] = (typo["first_name"] or "")[:-1] + "x"  # a clerk's slip
    response = client.post(
        "/api/v1/persons/match", json={"attributes": typo, "limit": 3}, headers=admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    best = body["candidates"][0]
    assert best["person_id"] == record.person_id
    assert best["probability"] > 0.9
    assert len(body["candidates"]) <= 3
    levels = {c["comparison"]: c for c in best["comparisons"]}
    assert levels["date_of_birth"]["label"] == "Exact match on date_of_birth"
    assert levels["name"]["level"] < 9  # not an exact name, and it says so
    assert sum(c["weight"] for c in best["comparisons"]) == pytest.approx(
        best["match_weight"] - _prior(session_factory), abs=0.01
    )
    with unit_of_work(session_factory) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.match")
        ).all()
        assert [e.outcome for e in events] == ["allowed"]
        assert record.raw["last_name"] not in str(events[0].detail)  # no PII in the log

    person = client.get(f"/api/v1/persons/{record.person_id}", headers=admin).json()
    assert {r["record_id"] for r in person["records"]} >= {record.record_id}
    assert person["history"][0]["kind"] == "created"
    golden = person["golden_record"]
    assert golden["date_of_birth"]["rule"] == "source_priority"
    held = {(r["source"], r["record_id"]) for r in person["records"]}
    assert all((g["source"], g["record_id"]) in held for g in golden.values())


def _prior(factory: sessionmaker[Session]) -> float:
    with unit_of_work(factory) as session:
        return matcher(session).prior


def test_who_may_match(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None
) -> None:
    body = {"attributes": {"first_name": "Ann", "last_name": "Lee"}}
    assert client.post("/api/v1/persons/match", json=body).status_code == 401
    analyst = make_token(session_factory, "analyst1", "analyst")
    refused = client.post(
        "/api/v1/persons/match", json=body, headers={"Authorization": f"Bearer {analyst}"}
    )
    assert refused.status_code == 403
    assert "stewards, data officers and admins" in refused.json()["detail"]
    officer = make_token(session_factory, "officer1", "agency_data_officer", "DSS")
    allowed = client.post(
        "/api/v1/persons/match", json=body, headers={"Authorization": f"Bearer {officer}"}
    )
    assert allowed.status_code == 200
    with unit_of_work(session_factory) as session:
        outcomes = sorted(
            e.outcome
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "person.match"))
        )
    assert outcomes == ["allowed", "denied", "denied"]  # the anonymous call and the analyst


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"attributes": {"shoe_size": "9"}}, "shoe_size: not a person attribute"),
        ({"attributes": {"first_name": " "}}, "no attributes given"),
        ({"attributes": {"first_name": "Ann"}, "limit": 0}, "limit"),
        ({"attributes": {"first_name": "Ann"}, "colour": "red"}, "colour"),
        ({}, "attributes"),
    ],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # refused before any SQL
def test_bad_match_requests_are_refused_by_name(
    client: TestClient, steward: dict[str, str], body: dict, named: str
) -> None:
    response = client.post("/api/v1/persons/match", json=body, headers=steward)
    assert response.status_code == 422
    assert named in response.text


def test_decisions_through_the_api(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indexed: None,
    admin: dict[str, str],
) -> None:
    steward = admin  # the CDO's office reads both records of every pair
    record = _a_linked_record(session_factory)
    with unit_of_work(session_factory) as session:
        partner = session.scalars(
            select(PersonRecord).where(
                PersonRecord.person_id == record.person_id, PersonRecord.id != record.id
            )
        ).first()
        assert partner is not None
        pair = {
            "record_a": {"source": record.source, "record_id": record.record_id},
            "record_b": {"source": partner.source, "record_id": partner.record_id},
        }
    apart = client.post("/api/v1/persons/decisions", json={**pair, "same": False}, headers=steward)
    assert apart.status_code == 201, apart.text
    persons = client.get(f"/api/v1/persons/{record.person_id}", headers=steward).json()
    assert any(h["kind"] == "split" for h in persons["history"])
    kept = {r["record_id"] for r in persons["records"]}
    assert not {record.record_id, partner.record_id} <= kept

    undone = client.delete(f"/api/v1/persons/decisions/{apart.json()['id']}", headers=steward)
    assert undone.status_code == 200
    together = client.get(f"/api/v1/persons/{record.person_id}", headers=steward).json()
    assert {record.record_id, partner.record_id} <= {r["record_id"] for r in together["records"]}

    missing = {**pair, "record_b": {"source": "nowhere", "record_id": "x"}, "same": True}
    lost = client.post("/api/v1/persons/decisions", json=missing, headers=steward)
    assert lost.status_code == 404
    assert "'x' from 'nowhere'" in lost.text
    assert client.delete("/api/v1/persons/decisions/999999", headers=steward).status_code == 404
    assert client.get("/api/v1/persons/P999999999", headers=steward).status_code == 404
