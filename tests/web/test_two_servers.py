"""Two ``statedata serve`` processes behind one load balancer share one Redis: the public's limit
is one limit between them, and what each serves is counted in one tally that adds up."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.query.models import DatasetUsage
from tests.catalog.publishing import make_dataset
from tests.factories import make_token
from tests.servers import free_port, redis_server, statedata_process

pytestmark = [pytest.mark.slow, pytest.mark.redis]
LIMIT = 12


def _up(base: str, token: str) -> None:
    """Wait for the server with an app token, so the wait counts against nobody's limit."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if (
                httpx.get(f"{base}/api/v1/health", headers={"X-App-Token": token}).status_code
                == 200
            ):
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_two_servers_on_one_redis_share_the_limit_and_their_counts_add_up(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Shared")
    token = make_token(session_factory, "prober", "analyst")
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    with redis_server() as url:
        env = {
            "STATEDATA_JOBS_BACKEND": "redis",
            "STATEDATA_REDIS_URL": url,
            "STATEDATA_RATE_LIMIT_ANONYMOUS": str(LIMIT),
        }
        with (
            statedata_process(settings, "serve", "--port", str(ports[0]), **env),
            statedata_process(settings, "serve", "--port", str(ports[1]), **env),
        ):
            for base in bases:
                _up(base, token)
            answers = [
                httpx.get(f"{bases[n % 2]}/api/v1/datasets/{ref}/rows").status_code
                for n in range(LIMIT + 4)
            ]
    # both stopped: each wrote what the shared tally held when it stopped
    assert answers == [200] * LIMIT + [429] * 4
    with unit_of_work(session_factory) as session:
        counted = session.scalar(
            select(func.sum(DatasetUsage.count)).where(DatasetUsage.kind == "api")
        )
    assert counted == LIMIT
