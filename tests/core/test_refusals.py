"""Repeated refusals from one caller are one audit event per window with their count, so an
anonymous flood cannot grow the log without bound, and every refusal is still counted."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core import audit
from statedata.core.audit import AuditEvent, write_closed_refusals
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.refusals import RefusalWindows


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _refusals(factory: sessionmaker[Session]) -> list[AuditEvent]:
    with unit_of_work(factory) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "audit.read", AuditEvent.outcome == "denied")
                .order_by(AuditEvent.id)
            )
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_flood_of_refusals_writes_two_rows_a_window_and_counts_every_one(
    settings: Settings, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(audit, "REFUSALS", RefusalWindows(clock))
    app: FastAPI = create_app(settings.model_copy(update={"rate_limit_anonymous": 100_000}))
    with TestClient(app, raise_server_exceptions=False) as client:
        for window in range(3):
            clock.now = window * 60.0
            for n in range(100):
                clock.now = window * 60.0 + n * 0.5
                assert client.get("/api/v1/audit").status_code == 401
        clock.now = 1000.0
        other = TestClient(app, raise_server_exceptions=False, client=("10.1.1.1", 5000))
        assert other.get("/api/v1/audit").status_code == 401  # another caller: its own row
    # the app wrote what was still counted when it stopped
    rows = _refusals(session_factory)
    assert len(rows) == 3 * 2 + 1
    firsts = [r for r in rows if "repeated" not in r.detail]
    counts = [r.detail["repeated"] for r in rows if "repeated" in r.detail]
    assert len(firsts) == 4 and counts == [99, 99, 99]
    assert {r.client_ip for r in firsts} == {"testclient", "10.1.1.1"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_windows_that_closed_are_written_by_the_flush_and_nothing_is_lost(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    windows = RefusalWindows(clock)
    monkeypatch.setattr(audit, "REFUSALS", windows)

    class Caller:
        user_id = None
        username = "anonymous"
        client_ip = "10.0.0.5"

    with unit_of_work(session_factory) as session:
        for n in range(5):
            audit.record_refusal(session, actor=Caller(), action="audit.read", resource_id=f"r{n}")
    assert write_closed_refusals(session_factory) == 0  # the window is still open
    clock.now = 61.0
    assert write_closed_refusals(session_factory) == 1
    rows = _refusals(session_factory)
    assert [r.resource_id for r in rows] == ["r0", ""]
    assert rows[1].detail["repeated"] == 4
    assert rows[1].detail["resources"] == ["r1", "r2", "r3", "r4"]
