"""Backup and restore of a whole instance: metadata rows and the lake, in one archive.

Rows are written as JSON lines per table rather than as a database dump, so a backup taken on
SQLite restores into PostgreSQL and back: moving from the embedded mode to production is a
backup and a restore.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Connection,
    Engine,
    LargeBinary,
    Table,
    create_engine,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import Date, DateTime

from statedata import __version__
from statedata.catalog.models import Dataset
from statedata.catalog.search_index import rebuild_search_index
from statedata.core.config import Settings
from statedata.core.db import UTCDateTime, utcnow
from statedata.core.errors import Conflict, InvalidInput
from statedata.core.migrate import head_revision, upgrade_database
from statedata.tables import metadata

MANIFEST = "manifest.json"
FORMAT = 1
# Folders of the home that hold data (the secret key is deliberately left out of backups).
DATA_FOLDERS = ("lake", "held", "demo", "sources")  # sources: file sources a pull reads


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, UTCDateTime | DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    return value


def _add_bytes(archive: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(payload))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one consistent state of every table, even while the server writes.

    PostgreSQL: one REPEATABLE READ transaction. SQLite: a copy made with SQLite's online backup
    API (pysqlite does not open a transaction for reads, so plain SELECTs could see a torn state).
    """
    if engine.dialect.name == "postgresql":
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
            connection.begin(),
        ):
            yield connection
        return
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "snapshot.db"
        source = engine.raw_connection()
        try:
            with sqlite3.connect(copy) as target:
                source.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            source.close()
        snapshot = create_engine(f"sqlite:///{copy}")
        try:
            with snapshot.connect() as connection:
                yield connection
        finally:
            snapshot.dispose()


def backup_instance(settings: Settings, engine: Engine, target: Path) -> dict[str, Any]:
    """Write the whole instance to ``target`` (a .tar.gz); returns the manifest."""
    counts: dict[str, int] = {}
    with tarfile.open(target, "w:gz") as archive, _snapshot(engine) as connection:
        for table in metadata.sorted_tables:
            ordered = select(table).order_by(*table.primary_key.columns)
            lines = [
                json.dumps(
                    {key: _encode(value) for key, value in row._mapping.items()}, sort_keys=True
                )
                for row in connection.execute(ordered)
            ]
            counts[table.name] = len(lines)
            payload = ("\n".join(lines) + "\n").encode() if lines else b""
            _add_bytes(archive, f"metadata/{table.name}.jsonl", payload)
        revision = MigrationContext.configure(connection).get_current_revision()
        # An s3:// lake has no folder here; the object store keeps its own copies.
        folders = [folder for folder in DATA_FOLDERS if (settings.home / folder).is_dir()]
        for folder in folders:
            archive.add(settings.home / folder, arcname=f"home/{folder}")
        manifest = {
            "format": FORMAT,
            "statedata_version": __version__,
            "schema_revision": revision,
            "created_at": utcnow().isoformat(),
            "tables": counts,
            "folders": folders,
            "home": str(settings.home.resolve()),
        }
        _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
    return manifest


def _is_empty(engine: Engine) -> bool:
    names = set(inspect(engine).get_table_names())
    if "identity_user" not in names:
        return True
    with engine.connect() as connection:
        return bool(
            connection.execute(text("SELECT COUNT(*) FROM identity_user")).scalar_one() == 0
        )


def restore_instance(
    settings: Settings, engine: Engine, source: Path, *, replace: bool = False
) -> dict[str, Any]:
    """Restore an archive made by :func:`backup_instance` into this instance.

    Refuses to overwrite an instance that has users unless ``replace`` is given; the archive is
    checked completely before anything is changed.
    """
    if not source.is_file():
        raise InvalidInput(f"backup: {source} is not a file.")
    with tempfile.TemporaryDirectory() as scratch:
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(scratch, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise InvalidInput(f"backup: {source} is not a statedata backup ({exc}).") from None
        root = Path(scratch)
        if not (root / MANIFEST).is_file():
            raise InvalidInput(f"backup: {source} has no {MANIFEST}; it is not a statedata backup.")
        manifest = json.loads((root / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise InvalidInput(
                f"backup: format {manifest.get('format')!r} is not supported (expected {FORMAT})."
            )
        if manifest.get("schema_revision") != head_revision():
            raise InvalidInput(
                f"backup: made at schema {manifest.get('schema_revision')}, this version is at {head_revision()}; "
                "restore it with the statedata version that made it, then upgrade."
            )
        if not _is_empty(engine) and not replace:
            raise Conflict(
                "restore: this instance already has data; pass --replace to overwrite it."
            )
        with engine.begin() as connection:  # the unmodelled index refers to catalog tables
            connection.execute(text("DROP TABLE IF EXISTS catalog_search"))
        metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            if engine.dialect.name == "postgresql":
                connection.execute(
                    text("DROP FUNCTION IF EXISTS core_audit_event_append_only() CASCADE")
                )
        upgrade_database(engine)
        with engine.begin() as connection:
            for table in metadata.sorted_tables:
                _load_table(connection, table, root / "metadata" / f"{table.name}.jsonl")
        with Session(engine) as session, session.begin():
            rebuild_search_index(session)
            _move_file_sources(session, manifest.get("home"))
        for folder in manifest.get("folders", []):
            target = settings.home / folder
            shutil.rmtree(target, ignore_errors=True)
            if (root / "home" / folder).is_dir():
                shutil.copytree(root / "home" / folder, target)
    return dict(manifest)


def _move_file_sources(session: Session, old_home: str | None) -> None:
    """File sources kept as absolute paths into the old home's sources folder (as they were
    before locations became relative) point into this home's copy of it instead."""
    if not old_home:
        return
    prefix = str(Path(old_home) / "sources") + "/"
    for dataset in session.scalars(select(Dataset).where(Dataset.source_kind == "file")):
        if dataset.source_location.startswith(prefix):
            dataset.source_location = "sources/" + dataset.source_location.removeprefix(prefix)


def _load_table(connection: Any, table: Table, path: Path) -> None:
    if not path.exists() or not path.read_text().strip():
        return
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    decoded = [
        {name: _decode(table.columns[name].type, value) for name, value in row.items()}
        for row in rows
    ]
    connection.execute(insert(table), decoded)
    if connection.dialect.name == "postgresql" and "id" in table.columns:
        # Rows came with their ids; move the sequence past them so new rows do not collide.
        sequence = func.pg_get_serial_sequence(table.name, "id")
        connection.execute(select(func.setval(sequence, func.coalesce(func.max(table.c.id), 1))))
