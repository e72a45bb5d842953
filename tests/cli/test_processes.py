"""`statedata serve` and `statedata worker` as real processes: they serve, and they run jobs."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import Job, JobQueue
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job
from tests.factories import wait_for_job
from tests.servers import free_port, redis_server, statedata_process, wait_until_up

pytestmark = pytest.mark.slow


def _enqueue_and_wait(
    settings: Settings, factory: sessionmaker[Session], backend: str, **extra: str
) -> Job:
    queue = JobQueue(settings.model_copy(update={"jobs_backend": backend, **extra}), factory)
    with unit_of_work(factory) as session:
        job_id = create_job(
            session,
            actor=Actor.system("test"),
            kind="demo.generate",
            params={"persons": 40, "seed": 3},
        ).id
    queue.enqueue(job_id)
    return wait_for_job(factory, job_id, timeout=90)


def test_serve_answers_and_runs_embedded_jobs(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    port = free_port()
    with statedata_process(
        settings, "serve", "--port", str(port), STATEDATA_JOBS_BACKEND="sqlite"
    ) as process:
        wait_until_up(f"http://127.0.0.1:{port}/api/v1/health", process)
        assert "Connecticut" in httpx.get(f"http://127.0.0.1:{port}/").text

        job = _enqueue_and_wait(settings, session_factory, "sqlite")

    assert job.status == "succeeded", job.error
    assert (settings.home / "demo" / "manifest.json").exists()


@pytest.mark.redis
def test_a_worker_runs_jobs_from_redis(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with (
        redis_server() as url,
        statedata_process(
            settings, "worker", STATEDATA_JOBS_BACKEND="redis", STATEDATA_REDIS_URL=url
        ),
    ):
        job = _enqueue_and_wait(settings, session_factory, "redis", redis_url=url)

    assert job.status == "succeeded", job.error
    assert job.progress_done == job.progress_total == 40
