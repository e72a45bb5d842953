"""Background jobs: a row per job with status, progress and log, run by Huey.

The queue is Huey: SQLite storage embedded (the consumer runs inside ``statedata serve``), Redis
in production (``statedata worker``), or immediate (run in the caller). Whatever runs a job, it
goes through :func:`run_job`, which keeps the row's status, progress and log true.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from statedata.core.audit import Who, record_event
from statedata.core.config import Settings
from statedata.core.db import Base, UTCDateTime, unit_of_work, utcnow
from statedata.core.errors import ConfigError, InvalidInput, NotFound, StatedataError

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "succeeded", "failed")
MAX_LOG_CHARS = 100_000


class Job(Base):
    """One piece of background work and what became of it."""

    __tablename__ = "core_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(500), default="")
    log: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL")
    )
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def fraction_done(self) -> float | None:
        if not self.progress_total:
            return None
        return min(1.0, self.progress_done / self.progress_total)


class ProgressListener(Protocol):
    def __call__(self, done: int, total: int | None, message: str) -> None: ...


@dataclass
class JobContext:
    """What a job function gets: its parameters, and ways to report progress and log lines."""

    job_id: int
    params: dict[str, Any]
    settings: Settings
    session_factory: sessionmaker[Session]
    listener: ProgressListener | None = None

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        with unit_of_work(self.session_factory) as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                job.progress_done = done
                job.progress_total = total
                job.message = message[:500]
        if self.listener is not None:
            self.listener(done, total, message)

    def log(self, line: str) -> None:
        with unit_of_work(self.session_factory) as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                stamp = utcnow().strftime("%H:%M:%S")
                job.log = (job.log + f"{stamp} {line}\n")[-MAX_LOG_CHARS:]


JobFunction = Callable[[JobContext], dict[str, Any]]
_REGISTRY: dict[str, JobFunction] = {}
# Work the queue starts on a clock: (settings, session factory, enqueue a recorded job) -> None.
PeriodicFunction = Callable[[Settings, "sessionmaker[Session]", Callable[[int], None]], object]
_PERIODIC: dict[str, tuple[int, PeriodicFunction]] = {}


def job_kind(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register a function as the runner of one kind of job."""

    def register(function: JobFunction) -> JobFunction:
        _REGISTRY[kind] = function
        return function

    return register


def periodic(
    name: str, *, every_minutes: int = 1
) -> Callable[[PeriodicFunction], PeriodicFunction]:
    """Register a function the queue's consumer calls every few minutes (e.g. to start pulls).

    It should record jobs and hand them to ``enqueue`` rather than do long work itself, and it must
    be safe to run twice at once (two workers on Redis each run the clock).
    """

    def register(function: PeriodicFunction) -> PeriodicFunction:
        _PERIODIC[name] = (every_minutes, function)
        return function

    return register


def registered_kinds() -> list[str]:
    """The job kinds this process can run (``statedata.wiring`` registers them at start-up)."""
    return sorted(_REGISTRY)


def runner_of(kind: str) -> JobFunction:
    """The function that runs ``kind``, or a clear error when this process has no such kind."""
    found = _REGISTRY.get(kind)
    if found is not None:
        return found
    if not _REGISTRY:
        raise ConfigError(
            f"job kind {kind!r} has no runner in this process: its entry point must call "
            "statedata.wiring.wire() before it records or runs jobs"
        )
    raise InvalidInput(
        f"kind: {kind!r} is not a job kind; known kinds are {', '.join(registered_kinds())}."
    )


def record_job(session: Session, *, who: Who, kind: str, params: dict[str, Any]) -> Job:
    """Record a queued job of a registered kind (the caller has decided that ``who`` may)."""
    runner_of(kind)
    job = Job(
        kind=kind, params=params, created_by_user_id=who.user_id, created_by_name=who.username
    )
    session.add(job)
    session.flush()
    record_event(
        session,
        actor=who,
        action="job.create",
        resource_type="job",
        resource_id=job.id,
        detail={"kind": kind},
    )
    return job


def run_job(
    job_id: int,
    *,
    settings: Settings,
    session_factory: sessionmaker[Session],
    listener: ProgressListener | None = None,
) -> Job:
    """Run a recorded job to the end, keeping its row true; failures are recorded, not raised."""
    with unit_of_work(session_factory) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"No job has the id {job_id}.")
        job.status, job.started_at = "running", utcnow()
        kind, params = job.kind, dict(job.params)
    context = JobContext(
        job_id=job_id,
        params=params,
        settings=settings,
        session_factory=session_factory,
        listener=listener,
    )
    try:
        result = runner_of(kind)(context)
    except Exception as exc:  # a job's failure is data for the person who started it
        log.exception("job %s (%s) failed", job_id, kind)
        with unit_of_work(session_factory) as session:
            job = session.get(Job, job_id)
            assert job is not None
            job.status, job.finished_at = "failed", utcnow()
            # A domain error's message is written for people; anything else also names its kind.
            job.error = (
                exc.detail if isinstance(exc, StatedataError) else f"{type(exc).__name__}: {exc}"
            )
            job.log += traceback.format_exc()[-MAX_LOG_CHARS // 10 :]
    else:
        with unit_of_work(session_factory) as session:
            job = session.get(Job, job_id)
            assert job is not None
            job.status, job.finished_at, job.result = "succeeded", utcnow(), result
    with unit_of_work(session_factory) as session:
        finished = session.get(Job, job_id)
        assert finished is not None
        return finished


def fail_interrupted_jobs(session: Session) -> int:
    """Mark jobs left running by a process that stopped as failed, so nobody waits on them forever.

    Only for the embedded queue, whose one consumer lives in the server: when it starts, no job of
    the previous process can still be running. Returns how many were marked.
    """
    stuck = list(session.scalars(select(Job).where(Job.status == "running")))
    for job in stuck:
        job.status, job.finished_at = "failed", utcnow()
        job.error = "interrupted: the server stopped while the job was running; start it again"
    return len(stuck)


# --- the queue -----------------------------------------------------------------------------------


class JobQueue:
    """A Huey instance chosen by settings, with the one task that runs recorded jobs."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.huey = make_huey(settings)
        self._task = self.huey.task(name="statedata.run_job")(self._execute)
        for name, (minutes, function) in sorted(_PERIODIC.items()):
            self.huey.periodic_task(crontab(minute=f"*/{minutes}"), name=name)(
                self._periodic_runner(name, function)
            )

    def _periodic_runner(self, name: str, function: PeriodicFunction) -> Callable[[], None]:
        def run() -> None:
            try:
                function(self.settings, self.session_factory, self.enqueue)
            except Exception:  # the clock keeps ticking; the next run tries again
                log.exception("periodic task %s failed", name)

        return run

    def _execute(self, job_id: int) -> str:
        return run_job(job_id, settings=self.settings, session_factory=self.session_factory).status

    def enqueue(self, job_id: int) -> None:
        """Hand a recorded job to the queue (in immediate mode it runs before this returns)."""
        self._task(job_id)

    def start_consumer(self) -> Consumer:
        """Start worker threads in this process (``statedata serve`` and tests)."""
        consumer = _QuietConsumer(
            self.huey, workers=self.settings.jobs_workers, worker_type="thread", periodic=True
        )
        consumer.start()
        return consumer


class _QuietConsumer(Consumer):  # type: ignore[misc]
    # The host process (uvicorn, pytest) owns the signal handlers; Huey must not replace them.
    def _set_signal_handlers(self) -> None:
        return None


def make_huey(settings: Settings) -> Huey:
    """The Huey instance for the configured backend."""
    if settings.jobs_backend == "redis":
        return RedisHuey(name="statedata", url=settings.redis_url)
    if settings.jobs_backend == "immediate":
        return MemoryHuey(name="statedata", immediate=True)
    settings.home.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name="statedata", filename=str(settings.home / "jobs.sqlite3"))
