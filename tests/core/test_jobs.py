"""Background jobs run through every backend and keep status, progress and log true."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import Job, JobContext, JobQueue, job_kind, run_job
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job
from statedata.identity.users import actor_for, get_user
from tests.factories import make_user, sign_in, wait_for_job
from tests.servers import redis_server

CALLS: list[int] = []


@job_kind("test.count")
def count_job(context: JobContext) -> dict[str, Any]:
    total = int(context.params["to"])
    for done in range(1, total + 1):
        context.progress(done, total, f"counted {done}")
    context.log("counted all")
    CALLS.append(total)
    return {"counted": total}


@job_kind("test.fail")
def failing_job(context: JobContext) -> dict[str, Any]:
    context.log("about to fail")
    raise ValueError("the source file has no header row")


def _new_job(factory: sessionmaker[Session], kind: str, **params: Any) -> int:
    with unit_of_work(factory) as session:
        return create_job(session, actor=Actor.system("test"), kind=kind, params=params).id


def test_a_job_records_progress_log_and_result(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    job_id = _new_job(session_factory, "test.count", to=3)
    seen: list[tuple[int, int | None]] = []

    job = run_job(
        job_id,
        settings=settings,
        session_factory=session_factory,
        listener=lambda d, t, m: seen.append((d, t)),
    )

    assert job.status == "succeeded"
    assert job.result == {"counted": 3}
    assert (job.progress_done, job.progress_total, job.message) == (3, 3, "counted 3")
    assert "counted all" in job.log
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert job.started_at is not None and job.finished_at is not None


def test_a_failing_job_is_recorded_as_failed_with_its_reason(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    job = run_job(
        _new_job(session_factory, "test.fail"), settings=settings, session_factory=session_factory
    )

    assert job.status == "failed"
    assert job.error == "ValueError: the source file has no header row"
    assert "about to fail" in job.log


def test_an_unknown_job_kind_is_refused(session: Session) -> None:
    from statedata.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"'test\.nope' is not a job kind"):
        create_job(session, actor=Actor.system("test"), kind="test.nope", params={})


def test_immediate_queue_runs_in_the_caller(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    job_id = _new_job(session_factory, "test.count", to=2)

    JobQueue(settings, session_factory).enqueue(job_id)

    assert wait_for_job(session_factory, job_id, timeout=1).status == "succeeded"


def test_embedded_sqlite_queue_runs_jobs_in_a_consumer_thread(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    queue = JobQueue(settings.model_copy(update={"jobs_backend": "sqlite"}), session_factory)
    consumer = queue.start_consumer()
    try:
        job_id = _new_job(session_factory, "test.count", to=4)
        queue.enqueue(job_id)
        job = wait_for_job(session_factory, job_id)
    finally:
        consumer.stop(graceful=True)

    assert job.status == "succeeded"
    assert (settings.home / "jobs.sqlite3").exists()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.mark.redis
def test_redis_queue_runs_jobs_in_a_worker(
    settings: Settings, session_factory: sessionmaker[Session], redis_url: str
) -> None:
    queue = JobQueue(
        settings.model_copy(update={"jobs_backend": "redis", "redis_url": redis_url}),
        session_factory,
    )
    consumer = queue.start_consumer()
    try:
        job_id = _new_job(session_factory, "test.count", to=5)
        queue.enqueue(job_id)
        job = wait_for_job(session_factory, job_id)
    finally:
        consumer.stop(graceful=True)

    assert job.status == "succeeded"
    assert job.result == {"counted": 5}


def test_people_see_their_own_jobs_and_admins_see_all(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ada", "agency_data_officer")
    make_user(session_factory, "ana", "analyst")

    with unit_of_work(session_factory) as session:
        ada = actor_for(get_user(session, username="ada"), via="session", client_ip=None)
        job_id = create_job(session, actor=ada, kind="test.count", params={"to": 1}).id

    sign_in(client, "ana")
    assert client.get("/api/v1/jobs").json() == []
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 403
    assert client.get("/jobs/999999").status_code == 404

    owner = TestClient(client.app)
    sign_in(owner, "ada")
    assert [j["id"] for j in owner.get("/api/v1/jobs").json()] == [job_id]
    page = owner.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert "test.count" in page.text
    assert f'href="/api/v1/jobs/{job_id}"' in page.text


def test_a_server_start_fails_jobs_its_predecessor_left_running(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    from statedata.app import create_app

    job_id = _new_job(session_factory, "test.count", to=1)
    with unit_of_work(session_factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status = "running"
    embedded = settings.model_copy(update={"jobs_backend": "sqlite"})

    with TestClient(create_app(embedded, run_jobs=True)):
        pass

    with unit_of_work(session_factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.status == "failed"
        assert job.error is not None and job.error.startswith("interrupted")
