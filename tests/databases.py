"""A database of each backend shared by one module's tests, for modules whose tests only read
what an expensive fixture built (the fixture is then built once per backend, not per test)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from statedata.core.db import make_engine

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def database_for_module(request: pytest.FixtureRequest, name: str) -> Iterator[str]:
    """A migrated, seeded database of the backend ``request.param``, called ``name``, copied from
    the session's template; dropped when the module's tests are done."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        folder = request.getfixturevalue("tmp_path_factory").mktemp(name)
        database = folder / "statedata.db"
        shutil.copy(template, database)
        yield f"sqlite:///{database}"
        return
    server: str = request.getfixturevalue("postgres_server")
    with postgres_copy(server, name) as url:
        yield url


@contextmanager
def postgres_copy(server: str, name: str) -> Iterator[str]:
    """A PostgreSQL database ``name`` made from the session's migrated template, dropped after."""
    admin = make_engine(f"{server}/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE statedata_template'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
