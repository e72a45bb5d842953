"""The outbox page and API: who reads which messages, and bad filters."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import AuditEvent
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.outbox import queue_message
from statedata.identity.models import Agency
from tests.factories import make_token, make_user, sign_in


def _queue(factory: sessionmaker[Session], settings: Settings) -> None:
    with unit_of_work(factory) as session:
        agencies = {a.code: a.id for a in session.scalars(select(Agency))}
        for code, recipient in [("DPH", "ann@example.gov"), ("DSS", "dave@example.gov")]:
            queue_message(
                session,
                settings=settings,
                key=f"test/{code}",
                kind="freshness.overdue",
                recipient=recipient,
                agency_id=agencies[code],
                resource_type="dataset",
                resource_id="abcd-1234",
                subject=f"Update 3 days late: {code} <clinic> visits",
                body="Hello,\n\nPlease load the new data.\n",
            )


def test_agency_keepers_read_their_agencys_messages_and_admins_every_agencys(
    client: TestClient, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _queue(session_factory, settings)
    steward = make_token(session_factory, "steward1", "steward", "DPH")
    admin = make_token(session_factory, "cdo", "admin")
    mine = client.get("/api/v1/outbox", headers={"Authorization": f"Bearer {steward}"}).json()
    assert [m["recipient"] for m in mine["messages"]] == ["ann@example.gov"]
    assert mine["by_status"]["held"] == 1 and mine["mail_server"] is None
    everyone = client.get("/api/v1/outbox", headers={"Authorization": f"Bearer {admin}"}).json()
    assert [m["recipient"] for m in everyone["messages"]] == [
        "dave@example.gov",
        "ann@example.gov",
    ]
    held = client.get("/api/v1/outbox?status=sent", headers={"Authorization": f"Bearer {admin}"})
    assert held.json()["messages"] == []
    with unit_of_work(session_factory) as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.read"))
        assert {e.actor_name for e in reads} == {"steward1", "cdo"}


def test_the_public_and_analysts_cannot_read_the_outbox(
    client: TestClient, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _queue(session_factory, settings)
    assert client.get("/api/v1/outbox").status_code == 401
    analyst = make_token(session_factory, "analyst1", "analyst", "DPH")
    refused = client.get("/api/v1/outbox", headers={"Authorization": f"Bearer {analyst}"})
    assert refused.status_code == 403
    assert "only data officers, stewards and admins" in refused.json()["detail"]


def test_bad_filters_are_named(
    client: TestClient, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    admin = make_token(session_factory, "cdo", "admin")
    headers = {"Authorization": f"Bearer {admin}"}
    bad = client.get("/api/v1/outbox?status=lost", headers=headers)
    assert bad.status_code == 422
    assert "status: 'lost' is not one of pending" in bad.json()["detail"]
    assert client.get("/api/v1/outbox?limit=0", headers=headers).status_code == 422
    assert client.get("/api/v1/outbox?limit=many", headers=headers).status_code == 422


def test_the_outbox_page_shows_the_messages_escaped_and_is_in_the_keepers_navigation(
    client: TestClient, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _queue(session_factory, settings)
    make_user(session_factory, "officer1", "agency_data_officer", "DSS")
    assert 'href="/outbox"' not in client.get("/").text
    sign_in(client, "officer1")
    assert 'href="/outbox"' in client.get("/").text
    page = client.get("/outbox")
    assert page.status_code == 200
    assert "DSS &lt;clinic&gt; visits" in page.text
    assert "DPH &lt;clinic&gt;" not in page.text
    assert "No mail server is configured" in page.text
    assert 'href="/api/v1/outbox"' in page.text
    assert "No messages with the status sent" in client.get("/outbox?status=sent").text
