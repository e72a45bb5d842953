"""What every command needs: validated settings, a migrated database, a unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings, load_settings, prepare_home
from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.core.errors import ConfigError
from statedata.core.migrate import current_revision, head_revision


@dataclass
class Instance:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        with unit_of_work(self.session_factory) as session:
            yield session


def open_instance(*, require_schema: bool = True) -> Instance:
    """Settings, home and database, with one clear error when any of them cannot work."""
    settings = load_settings()
    prepare_home(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        revision = current_revision(engine)
    except Exception as exc:
        raise ConfigError(
            f"STATEDATA_DATABASE_URL: cannot open the database ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        ) from None
    if require_schema and revision != head_revision():
        raise ConfigError(
            "the database is not initialized or is older than this version; run `statedata init` first"
        )
    return Instance(settings=settings, engine=engine, session_factory=make_session_factory(engine))
