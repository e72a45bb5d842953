"""``statedata serve`` and ``statedata worker``."""

from __future__ import annotations

import typer
import uvicorn

from statedata.cli.context import open_instance
from statedata.core.errors import ConfigError
from statedata.core.jobs import JobQueue

M_ARENA_MAX = -8  # glibc's mallopt parameter number


def lean_allocators() -> None:
    """Two malloc arenas instead of one per thread, and Arrow's buffers on the same allocator:
    the server's many threads otherwise each keep freed memory of their own (measured with
    benchmarks/export_memory.py: a 1,000,000-row export's peak 7 MB lower, no slower)."""
    import ctypes
    import ctypes.util

    import pyarrow as pa

    libc = ctypes.util.find_library("c")
    if libc is not None:
        ctypes.CDLL(libc).mallopt(M_ARENA_MAX, 2)
    pa.set_memory_pool(pa.system_memory_pool())


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: STATEDATA_HOST)."),
    port: int | None = typer.Option(None, min=1, max=65535, help="Port (default: STATEDATA_PORT)."),
) -> None:
    """Serve the portal and API; with embedded jobs, the job consumer runs inside."""
    from statedata.app import create_app  # the web stack loads only for this command

    lean_allocators()
    instance = open_instance()
    settings = instance.settings
    run_jobs = settings.jobs_backend == "sqlite" and settings.jobs_in_server
    app = create_app(settings, run_jobs=run_jobs)
    typer.echo(
        f"serving {settings.state_name} {settings.portal_name} on http://{host or settings.host}:{port or settings.port}"
    )
    uvicorn.run(
        app, host=host or settings.host, port=port or settings.port, log_level=settings.log_level
    )


def worker() -> None:
    """Run a job consumer in the foreground (production: with STATEDATA_JOBS_BACKEND=redis)."""
    instance = open_instance()
    if instance.settings.jobs_backend == "immediate":
        raise ConfigError(
            "STATEDATA_JOBS_BACKEND: immediate jobs run in the caller; a worker needs sqlite or redis"
        )
    queue = JobQueue(instance.settings, instance.session_factory)
    typer.echo(
        f"worker consuming {instance.settings.jobs_backend} jobs with {instance.settings.jobs_workers} threads"
    )
    consumer = queue.huey.create_consumer(
        workers=instance.settings.jobs_workers, worker_type="thread"
    )
    consumer.run()
