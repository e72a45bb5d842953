"""``statedata serve`` and ``statedata worker``."""

from __future__ import annotations

from typing import Any

import typer
import uvicorn

from statedata.cli.context import open_instance
from statedata.core.config import Settings
from statedata.core.errors import ConfigError
from statedata.core.jobs import JobQueue


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: STATEDATA_HOST)."),
    port: int | None = typer.Option(None, min=1, max=65535, help="Port (default: STATEDATA_PORT)."),
) -> None:
    """Serve the portal and API; with embedded jobs, the job consumer runs inside."""
    from statedata.app import create_app  # the web stack loads only for this command

    instance = open_instance()
    settings = instance.settings
    run_jobs = settings.jobs_backend == "sqlite" and settings.jobs_in_server
    app = create_app(settings, run_jobs=run_jobs)
    typer.echo(
        f"serving {settings.state_name} {settings.portal_name} on http://{host or settings.host}:{port or settings.port}"
    )
    uvicorn.run(
        app, host=host or settings.host, port=port or settings.port, **server_options(settings)
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for an instance: forwarded headers believed only from the proxies the
    settings name (uvicorn alone believes them from 127.0.0.1)."""
    return {
        "log_level": settings.log_level,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or "",
    }


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
