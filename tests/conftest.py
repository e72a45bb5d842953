"""Fixtures: every database test runs on SQLite and on a real PostgreSQL the suite starts."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.core.migrate import upgrade_database
from statedata.identity.agencies import seed_agencies
from statedata.wiring import wire
from tests.databases import BACKENDS, postgres_copy
from tests.factories import instance_settings, make_user, sign_in
from tests.servers import postgres_cluster

_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their settings; nothing leaks in from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("STATEDATA_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _fresh_refusal_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's refusals start their own windows: user ids repeat from test to test, and a
    window a test left open would fold the next test's first refusal into a count."""
    from statedata.core import audit
    from statedata.core.refusals import RefusalWindows

    monkeypatch.setattr(audit, "REFUSALS", RefusalWindows())


@pytest.fixture(autouse=True, scope="session")
def _wired() -> None:
    """Job kinds and clocks registered, as every entry point of the product does at start-up."""
    wire()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id with its lightest parameters: the suite makes and signs in thousands of users,
    and at the production cost (64 MiB, 3 passes: ~0.14 s a hash) that alone took minutes.
    The same code path runs; only the cost differs (a hash records its own parameters)."""
    from argon2 import PasswordHasher

    from statedata.core import security

    production = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    security._dummy_hash.cache_clear()
    yield
    security._hasher = production
    security._dummy_hash.cache_clear()


def _migrate_and_seed(engine: Engine) -> None:
    upgrade_database(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        seed_agencies(session)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    _migrate_and_seed(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with postgres_cluster() as url:
        engine = make_engine(f"{url}/postgres")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CREATE DATABASE statedata_template"))
        engine.dispose()
        template = make_engine(f"{url}/statedata_template")
        _migrate_and_seed(template)
        template.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated, seeded, empty-of-users database of each backend, fresh for each test."""
    if request.param == "sqlite":
        path = tmp_path / "statedata.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"test_{next(_numbers)}_{re.sub(r'[^a-z0-9]', '', request.node.name.lower())[:40]}"
    with postgres_copy(server, name) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return instance_settings(tmp_path / "home", database_url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with unit_of_work(session_factory) as session:
        yield session


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def steward(client: TestClient, session_factory: sessionmaker[Session]) -> dict[str, str]:
    """Headers for the cookie API as a DPH steward (the client is signed in)."""
    make_user(session_factory, "steward1", "steward", "DPH")
    return {"X-CSRF-Token": sign_in(client, "steward1")}
