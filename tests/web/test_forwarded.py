"""Forwarded headers are believed only from the proxies the settings name: by default a rotating
X-Forwarded-For neither escapes the rate limit nor writes a chosen address into the audit log.
HSTS is sent when cookies are HTTPS-only."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.cli.serve import server_options
from statedata.core.audit import AuditEvent
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from tests.servers import serve_app


def _addresses(factory: sessionmaker[Session]) -> list[str | None]:
    with unit_of_work(factory) as session:
        return list(
            session.scalars(select(AuditEvent.client_ip).where(AuditEvent.action == "audit.read"))
        )


def _rotating(base: str, count: int) -> list[int]:
    return [
        httpx.get(
            f"{base}/api/v1/datasets", headers={"X-Forwarded-For": f"203.0.113.{n}"}
        ).status_code
        for n in range(count)
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_rotating_forwarded_header_from_an_untrusted_peer_changes_nothing(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    limited = settings.model_copy(update={"rate_limit_anonymous": 3})
    with serve_app(create_app(limited), **server_options(limited)) as base:
        httpx.get(f"{base}/api/v1/audit", headers={"X-Forwarded-For": "198.51.100.7"})
        assert _rotating(base, 4) == [200, 200, 429, 429]  # every route counts, refusals too
        assert "Strict-Transport-Security" not in httpx.get(f"{base}/").headers
    assert _addresses(session_factory) == ["127.0.0.1"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_named_proxy_is_believed(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    behind = settings.model_copy(
        update={"rate_limit_anonymous": 3, "trusted_proxies": ["127.0.0.1"], "cookie_secure": True}
    )
    with serve_app(create_app(behind), **server_options(behind)) as base:
        httpx.get(f"{base}/api/v1/audit", headers={"X-Forwarded-For": "198.51.100.7"})
        assert _rotating(base, 5) == [200] * 5  # five callers behind the proxy
        hsts = httpx.get(f"{base}/").headers["Strict-Transport-Security"]
        assert hsts.startswith("max-age=31536000")
    assert _addresses(session_factory) == ["198.51.100.7"]
