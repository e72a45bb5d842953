"""Backup and restore: an instance comes back whole, across backends, and bad archives are refused."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.backup import backup_instance, restore_instance
from statedata.core.audit import AuditEvent
from statedata.core.config import Settings, load_settings, prepare_home
from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.core.errors import Conflict, InvalidInput
from statedata.identity.models import Agency, User
from statedata.identity.users import authenticate_password
from tests.factories import PASSWORD, make_user


def _counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Agency, User, AuditEvent)
        }


@pytest.fixture
def backup_file(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path
) -> Path:
    make_user(session_factory, "chief", "admin")
    make_user(session_factory, "sam", "steward")
    (settings.home / "lake" / "t").mkdir(parents=True)
    (settings.home / "lake" / "t" / "part-0.parquet").write_bytes(b"PAR1 pretend")
    target = tmp_path / "backup.tar.gz"
    backup_instance(settings, engine, target)
    return target


def test_a_backup_from_either_backend_restores_into_a_fresh_sqlite_instance(
    backup_file: Path, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    fresh = load_settings(home=tmp_path / "fresh", secret_key="k" * 40)
    prepare_home(fresh)
    fresh_engine = make_engine(fresh.resolved_database_url)

    restore_instance(fresh, fresh_engine, backup_file)

    restored = make_session_factory(fresh_engine)
    assert _counts(restored) == _counts(session_factory)
    with unit_of_work(restored) as session:
        assert (
            authenticate_password(session, username="sam", password=PASSWORD, client_ip=None).role
            == "steward"
        )
        session.add(Agency(code="NEW", name="A new agency"))  # ids continue after the restored ones
    assert (fresh.home / "lake" / "t" / "part-0.parquet").read_bytes() == b"PAR1 pretend"
    fresh_engine.dispose()


def test_restore_refuses_to_overwrite_data_unless_told(
    backup_file: Path, settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(Conflict, match="--replace"):
        restore_instance(settings, engine, backup_file)

    restore_instance(settings, engine, backup_file, replace=True)

    assert _counts(session_factory)["identity_user"] == 2


@pytest.mark.parametrize("content", [b"not an archive", b""])
def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    content: bytes,
) -> None:
    make_user(session_factory, "chief", "admin")
    before = _counts(session_factory)
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(content)

    with pytest.raises(InvalidInput, match="is not a statedata backup"):
        restore_instance(settings, engine, bogus, replace=True)

    assert _counts(session_factory) == before


def test_an_archive_without_a_manifest_is_refused(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(__file__, arcname="something.py")

    with pytest.raises(InvalidInput, match=r"has no manifest\.json"):
        restore_instance(settings, engine, archive)
