"""`statedata serve` and `statedata worker` as real processes: they serve, and they run jobs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import Job, JobQueue
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job
from tests.factories import wait_for_job
from tests.servers import free_port, redis_server

pytestmark = pytest.mark.slow


@contextmanager
def statedata_process(
    settings: Settings, *args: str, **env: str
) -> Iterator[subprocess.Popen[str]]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STATEDATA_")}
    environment |= {
        "STATEDATA_HOME": str(settings.home),
        "STATEDATA_DATABASE_URL": settings.resolved_database_url,
        "STATEDATA_SECRET_KEY": "process-test-key-" + "y" * 32,
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "statedata", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the server exited: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not come up")


def test_serve_answers_and_runs_embedded_jobs(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    port = free_port()
    with statedata_process(
        settings, "serve", "--port", str(port), STATEDATA_JOBS_BACKEND="sqlite"
    ) as process:
        _wait_until_up(f"http://127.0.0.1:{port}/api/v1/health", process)
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
