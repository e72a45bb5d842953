"""The person index keeps agencies' boundaries: a steward reads a person's records only from the
sources their agency's datasets (a grant, or an agreement covering the index) would show them,
learns of the rest only as "a record at this agency", and is offered, shown and allowed to decide
only pairs both of whose records they read. Every refusal is audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from statedata.catalog.models import Dataset
from statedata.core.audit import AuditEvent, write_closed_refusals
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.identity.actor import Actor, Role, Scope
from statedata.identity.grants import AccessGrant
from statedata.identity.models import User
from statedata.identity.policy import PERSON_SOURCE, Grant, Resource, person_source_visible
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.models import LinkageSource, MatchDecision, PersonRecord, ScoredPair
from statedata.sharing.models import Agreement
from tests.factories import make_user, sign_in

WIDE = {"linkage_review_low": 0.01, "linkage_review_high": 0.999}


def _person_across(factory: sessionmaker[Session], own: str) -> tuple[str, list[PersonRecord]]:
    """A person with a record from ``own`` and at least one from another source."""
    with unit_of_work(factory) as session:
        for record in session.scalars(select(PersonRecord).where(PersonRecord.source == own)):
            held = list(
                session.scalars(
                    select(PersonRecord).where(PersonRecord.person_id == record.person_id)
                )
            )
            if {r.source for r in held} - {own}:
                session.expunge_all()
                return str(record.person_id), held
    raise AssertionError(f"no person with records beyond {own}")


def _denials(factory: sessionmaker[Session], resource_type: str) -> int:
    with unit_of_work(factory) as session:
        return len(
            session.scalars(
                select(AuditEvent.id).where(
                    AuditEvent.outcome == "denied", AuditEvent.resource_type == resource_type
                )
            ).all()
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_steward_reads_only_the_records_their_agency_may_show(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None, steward: dict
) -> None:
    person_id, held = _person_across(session_factory, "dph_births")
    others = [r for r in held if r.source != "dph_births"]
    own = {  # what the steward's own record says, as it came and standardized
        v for r in held if r.source == "dph_births"
        for v in (*r.raw.values(), *(getattr(r, a) for a in ATTRIBUTES))
    }  # fmt: skip
    body = client.get(f"/api/v1/persons/{person_id}", headers=steward)
    assert body.status_code == 200, body.text
    person = body.json()
    assert {r["source"] for r in person["records"]} == {"dph_births"}
    assert all(g["source"] == "dph_births" for g in person["golden_record"].values())
    agencies = {e["agency"]: e["records"] for e in person["elsewhere"]}
    names = {"dss_enrollments": "Social Services", "dmv_licenses": "Motor Vehicles"}
    for source in {r.source for r in others}:
        (agency,) = [a for a in agencies if names[source] in a]
        assert agencies[agency] == sum(1 for r in others if r.source == source)
    page = client.get(f"/persons/{person_id}")
    for text in (body.text, page.text):
        for record in others:
            assert record.record_id not in text
            assert record.source not in text
            said = {*record.raw.values(), *(getattr(record, a) for a in ATTRIBUTES)}
            for value in said - own - {None}:
                assert f'"{value}"' not in text and f">{value}<" not in text
    assert "Records you may not read" in page.text


def test_the_queue_offers_a_pair_only_to_a_reviewer_who_reads_both_records(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indexed: None,
    settings: Settings,
    admin: dict,
) -> None:
    client.app.state.settings = settings.model_copy(update=WIDE)  # type: ignore[attr-defined]
    everyone = client.get("/api/v1/persons/review?limit=200", headers=admin).json()
    assert everyone["waiting"] > 0
    make_user(session_factory, "dss.steward", "steward", "DSS")
    headers = {"X-CSRF-Token": sign_in(client, "dss.steward")}
    own = client.get("/api/v1/persons/review?limit=200", headers=headers).json()
    pairs = own["pairs"]
    assert {p["left"]["source"] for p in pairs} | {p["right"]["source"] for p in pairs} <= {
        "dss_enrollments"
    }
    with unit_of_work(session_factory) as session:
        left, right = aliased(PersonRecord), aliased(PersonRecord)
        both = (
            select(ScoredPair.id, ScoredPair.probability)
            .join(left, left.id == ScoredPair.record_a)
            .join(right, right.id == ScoredPair.record_b)
        )
        in_band = [
            (pid, a, b)
            for pid, p, a, b in session.execute(both.add_columns(left.source, right.source)).all()
            if 0.01 <= p < 0.999
        ]
    assert own["waiting"] == sum(1 for _, a, b in in_band if a == b == "dss_enrollments")
    across = next(pid for pid, a, b in in_band if {a, b} != {"dss_enrollments"})
    before = _denials(session_factory, "person_record")
    assert client.get(f"/api/v1/persons/review/{across}", headers=headers).status_code == 404
    assert client.get(f"/persons/review/{across}").status_code == 404
    # the second refusal in the window is counted into one event, written when it closes
    assert _denials(session_factory, "person_record") == before + 1
    write_closed_refusals(session_factory, everything=True)
    assert _denials(session_factory, "person_record") == before + 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_steward_may_not_decide_on_a_record_they_may_not_read(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None, steward: dict
) -> None:
    _, held = _person_across(session_factory, "dph_births")
    mine = next(r for r in held if r.source == "dph_births")
    theirs = next(r for r in held if r.source != "dph_births")
    pair = {
        "record_a": {"source": mine.source, "record_id": mine.record_id},
        "record_b": {"source": theirs.source, "record_id": theirs.record_id},
        "same": False,
    }
    refused = client.post("/api/v1/persons/decisions", json=pair, headers=steward)
    assert refused.status_code == 404
    assert theirs.record_id in refused.text  # it names what was asked, and nothing more
    with unit_of_work(session_factory) as session:
        assert session.scalars(select(MatchDecision)).all() == []
    assert _denials(session_factory, "person_record") == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_match_shows_another_agencys_records_only_as_existing(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None, steward: dict
) -> None:
    _, held = _person_across(session_factory, "dph_births")
    theirs = next(r for r in held if r.source != "dph_births")
    found = client.post(
        "/api/v1/persons/match", json={"attributes": theirs.raw, "limit": 5}, headers=steward
    )
    assert found.status_code == 200, found.text
    best = found.json()["candidates"][0]
    assert best["person_id"] == theirs.person_id
    hidden = [c for c in found.json()["candidates"] if c["record"].get("shown") is False]
    assert hidden and all(c["comparisons"] == [] for c in hidden)
    assert theirs.record_id not in found.text and theirs.source not in found.text


def _source_id(session: Session, name: str) -> str:
    return str(
        session.scalar(
            select(Dataset.public_id)
            .join(LinkageSource, LinkageSource.dataset_id == Dataset.id)
            .where(LinkageSource.name == name)
        )
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_an_agreement_covering_the_index_opens_its_sources_to_the_users_it_names(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None, steward: dict
) -> None:
    person_id, held = _person_across(session_factory, "dph_births")
    other = next(r.source for r in held if r.source != "dph_births")
    with unit_of_work(session_factory) as session:
        dataset = _source_id(session, other)
        terms: dict[str, Any] = {
            "title": "Births and benefits",
            "status": "active",
            "linkage_method": "person index",
            "authorized_users": ["steward1"],
            "sources": [{"dataset": dataset, "columns": []}],
        }
        session.add(Agreement(**terms, ends_on=date.today() - timedelta(days=1)))  # ended
        session.add(Agreement(**{**terms, "linkage_method": "none"}))  # does not use the index
    person = client.get(f"/api/v1/persons/{person_id}", headers=steward).json()
    assert {r["source"] for r in person["records"]} == {"dph_births"}
    with unit_of_work(session_factory) as session:
        session.add(Agreement(**terms, ends_on=date.today() + timedelta(days=30)))
    person = client.get(f"/api/v1/persons/{person_id}", headers=steward).json()
    assert {r["source"] for r in person["records"]} == {"dph_births", other}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_dataset_grant_opens_a_source_only_with_its_personal_columns(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None, steward: dict
) -> None:
    person_id, held = _person_across(session_factory, "dph_births")
    other = next(r.source for r in held if r.source != "dph_births")
    with unit_of_work(session_factory) as session:
        user = session.scalar(select(User).where(User.username == "steward1"))
        source = session.scalar(select(LinkageSource).where(LinkageSource.name == other))
        assert user is not None and source is not None
        columns = sorted({c for cs in source.mapping.values() for c in cs} | {source.id_column})
        grant = AccessGrant(
            user_id=user.id,
            resource_type="dataset",
            resource_id=_source_id(session, other),
            columns=columns[:-1],  # one personal column left masked
            expires_at=utcnow() + timedelta(days=5),
        )
        session.add(grant)
    shown = client.get(f"/api/v1/persons/{person_id}", headers=steward).json()
    assert {r["source"] for r in shown["records"]} == {"dph_births"}
    with unit_of_work(session_factory) as session:
        session.execute(
            AccessGrant.__table__.update().values(columns=columns)  # type: ignore[attr-defined]
        )
    shown = client.get(f"/api/v1/persons/{person_id}", headers=steward).json()
    assert {r["source"] for r in shown["records"]} == {"dph_births", other}


def _actor(role: Role, agency: int | None = 1, scopes: frozenset[Scope] | None = None) -> Actor:
    return Actor(
        user_id=7,
        username="someone",
        role=role,
        agency_id=agency,
        scopes=scopes if scopes is not None else frozenset(Scope),
    )


@pytest.mark.parametrize(
    ("actor", "classification", "grants", "shown"),
    [
        (_actor(Role.STEWARD), "restricted", (), True),  # the source's own agency
        (_actor(Role.AGENCY_DATA_OFFICER), "confidential", (), True),
        (_actor(Role.STEWARD, agency=2), "restricted", (), False),
        (_actor(Role.STEWARD, agency=2), "internal", (), False),  # reads rows, names masked
        (_actor(Role.STEWARD, agency=2), "public", (), False),
        (_actor(Role.STEWARD, agency=2), "restricted", (Grant(PERSON_SOURCE, "abcd-0001"),), True),
        (_actor(Role.STEWARD, agency=2), "restricted", (Grant(PERSON_SOURCE, "zzzz-0009"),), False),
        (_actor(Role.STEWARD, agency=2), "restricted", (Grant("dataset", "abcd-0001"),), False),
        (_actor(Role.STEWARD, agency=2), "restricted",
         (Grant("dataset", "abcd-0001", ("name", "ssn")),), True),
        (_actor(Role.ANALYST), "internal", (), False),  # state staff, but not its keepers
        (_actor(Role.ADMIN, agency=None), "restricted", (), True),
        (_actor(Role.STEWARD, scopes=frozenset({Scope.WRITE})), "restricted", (), False),
        (Actor.anonymous(), "public", (), False),
    ],
)  # fmt: skip
def test_the_policy_shows_a_source_as_its_dataset_would_show_its_personal_columns(
    actor: Actor, classification: str, grants: tuple[Grant, ...], shown: bool
) -> None:
    from statedata.identity.policy import Classification

    source = Resource("dataset", "abcd-0001", agency_id=1,
                      classification=Classification(classification))  # fmt: skip
    assert person_source_visible(actor, source, frozenset({"name", "ssn"}), grants) is shown
    assert person_source_visible(actor, None, frozenset(), ()) is (actor.role is Role.ADMIN)
