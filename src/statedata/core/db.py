"""The metadata database: declarative base, naming convention, engine and units of work.

One code path serves SQLite (embedded) and PostgreSQL (production). Timestamps are stored as
naive UTC and always come back timezone-aware, whatever the backend keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

# Named constraints make migrations portable and diffs readable on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Work that must be committed even when the unit of work fails (for example the audit record of a
# refused request) waits here until after the rollback.
AFTER_ROLLBACK_KEY = "statedata.after_rollback"
AFTER_COMMIT_KEY = "statedata.after_commit"


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as aware UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """An engine for the metadata database, tuned per backend."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _configure_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL lets readers proceed while a writer commits; foreign keys are off in SQLite by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (pages render after the commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def run_after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call ``callback`` once the unit of work has committed (e.g. hand a new job to the queue,
    which must find the job's row)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def defer_until_after_rollback(session: Session, row: Base) -> None:
    """Keep ``row`` so the unit of work commits it even if the surrounding work fails."""
    session.info.setdefault(AFTER_ROLLBACK_KEY, []).append(row)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    Rows deferred with :func:`defer_until_after_rollback` are committed in both cases, so a
    refused request still leaves its audit record.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        deferred = session.info.pop(AFTER_ROLLBACK_KEY, [])
        if deferred:
            session.add_all(deferred)
            session.commit()
        raise
    else:
        deferred = session.info.pop(AFTER_ROLLBACK_KEY, [])
        if deferred:
            session.add_all(deferred)
            session.commit()
        for callback in session.info.pop(AFTER_COMMIT_KEY, []):
            callback()
    finally:
        session.close()
