"""create_app(): the web service: routers, pages, error handlers, static files, the job consumer."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from statedata import __version__
from statedata.catalog import pages as catalog_pages
from statedata.catalog import router as catalog_api
from statedata.catalog.ckan import router as ckan
from statedata.catalog.freshness import pages as freshness_pages
from statedata.catalog.freshness import router as freshness_router
from statedata.catalog.inventory import access_plan_pages
from statedata.catalog.inventory import pages as inventory_pages
from statedata.catalog.loads.recovery import recover
from statedata.catalog.pii import pages as pii_pages
from statedata.catalog.pii import router as pii_router
from statedata.catalog.sources import pages as source_pages
from statedata.core.audit import write_closed_refusals
from statedata.core.config import Settings, load_settings, prepare_home
from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.core.jobs import JobQueue, fail_interrupted_jobs
from statedata.core.limits import buckets_for, tally_for
from statedata.identity import oidc
from statedata.identity import pages as identity_pages
from statedata.identity import router as identity_api
from statedata.identity.throttle import SignInThrottle
from statedata.linkage import pages as persons_pages
from statedata.linkage import router as persons_api
from statedata.linkage import source_pages as persons_source_pages
from statedata.linkage import sources_router as persons_sources_api
from statedata.linkage.exchange import pages as exchange_pages
from statedata.linkage.exchange import router as exchange_api
from statedata.plan import pages as plan_pages
from statedata.plan import router as plan_api
from statedata.portal import api_reference, outbox
from statedata.portal import pages as portal
from statedata.privacy import pages as privacy_pages
from statedata.privacy import router as privacy_api
from statedata.quality import pages as quality_pages
from statedata.quality import router as quality_api
from statedata.query import router as query_api
from statedata.query import socrata, workspace_api, workspace_pages
from statedata.query.usage import UsageCounter, register_counter, unregister_counter
from statedata.sharing import obstacle_pages
from statedata.sharing import pages as sharing_pages
from statedata.sharing import router as sharing_api
from statedata.standards import pages as standards_pages
from statedata.standards import router as standards_api
from statedata.storage.duck import close_engines
from statedata.web.errors import install_error_handlers
from statedata.web.guards import InputChecked
from statedata.web.headers import SecurityHeadersMiddleware, tile_origins
from statedata.web.openapi import install_openapi
from statedata.web.ratelimit import RateLimited, RateLimiter
from statedata.wiring import wire

log = logging.getLogger(__name__)
SESSION_COOKIE = "statedata_session"


def _write_refusals_every(factory: sessionmaker[Session], seconds: float) -> Callable[[], None]:
    """Write closed windows of repeated refusals on a thread; the function returned stops it and
    writes every window still open."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(seconds):
            try:
                write_closed_refusals(factory)
            except Exception:  # they stay counted; the next round tries again
                log.warning("repeated refusals could not be written yet", exc_info=True)

    thread = threading.Thread(target=loop, name="refusals-flush", daemon=True)
    thread.start()

    def finish() -> None:
        stop.set()
        thread.join(timeout=5)
        write_closed_refusals(factory, everything=True)

    return finish


def create_app(settings: Settings | None = None, *, run_jobs: bool = False) -> FastAPI:
    """Build the web service for an instance.

    Args:
        settings: the instance's settings; read from the environment when omitted.
        run_jobs: start a job consumer inside this process (``statedata serve`` with embedded jobs).
    """
    wire()
    settings = settings or load_settings()
    prepare_home(settings)
    engine = make_engine(settings.resolved_database_url)
    session_factory = make_session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        consumer = None
        if run_jobs:
            with unit_of_work(session_factory) as session:
                interrupted = fail_interrupted_jobs(session)
            if interrupted:
                log.warning(
                    "%s jobs were interrupted by the last shutdown and are marked failed",
                    interrupted,
                )
            consumer = app.state.jobs.start_consumer()
            log.info("job consumer started with %s workers", settings.jobs_workers)
        recover(settings, session_factory)  # what a killed process left half done
        app.state.usage.start()
        stop_refusals = _write_refusals_every(session_factory, seconds=15)
        try:
            yield
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
            app.state.usage.stop()
            stop_refusals()
            unregister_counter(settings, app.state.usage)
            close_engines(settings)
            engine.dispose()

    app = FastAPI(
        title=f"{settings.state_name} {settings.portal_name} API",
        version=__version__,
        description="Open data, the enterprise inventory and the State Data Plan's services.",
        docs_url=None,  # portal/api_reference.py renders the reference on the server
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.jobs = JobQueue(settings, session_factory)
    app.state.usage = register_counter(
        settings, UsageCounter(session_factory, tally_for(settings, "usage"))
    )
    buckets = buckets_for(settings)
    app.state.rate_limiter = RateLimiter(
        settings.rate_limit_anonymous, settings.rate_limit_token, buckets
    )
    app.state.sign_in_throttle = SignInThrottle(buckets)
    app.state.oauth = oidc.make_oauth(settings) if settings.oidc_enabled else None

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        image_sources=tile_origins(settings.map_tile_url),
        https_only=settings.cookie_secure,
    )
    install_error_handlers(app)
    install_openapi(app)
    for router in (
        identity_api.router,
        catalog_api.router,
        catalog_api.exports,
        pii_router.router,
        freshness_router.router,
        outbox.api,
        exchange_api.router,
        persons_sources_api.router,  # before persons_api: /persons/sources is not a person
        persons_api.router,
        plan_api.router,
        privacy_api.router,
        query_api.router,
        quality_api.router,
        sharing_api.router,
        standards_api.router,
        workspace_api.router,
        socrata.router,
        workspace_pages.router,
        catalog_pages.router,
        quality_pages.router,
        pii_pages.router,
        standards_pages.router,
        access_plan_pages.router,
        inventory_pages.router,
        freshness_pages.router,
        outbox.pages,
        exchange_pages.router,
        sharing_pages.router,
        privacy_pages.router,
        obstacle_pages.router,
        plan_pages.router,
        persons_source_pages.router,  # before persons_pages, for the same reason
        persons_pages.router,
        source_pages.router,
        ckan.router,
        portal.api,
        portal.pages,
        api_reference.router,
        identity_pages.router,
        oidc.router,
    ):
        # every route is rate-limited (CKAN's finds its caller, a bare token, and limits itself)
        # and refuses input no route can hold
        limited = [] if router is ckan.router else [RateLimited]
        app.include_router(router, dependencies=[*limited, InputChecked])
    static_dir = resources.files("statedata.portal").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    return app
