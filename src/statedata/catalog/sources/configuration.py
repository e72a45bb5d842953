"""Configured sources: where a dataset's data is pulled from, checked before it is saved.

A source is a file in one of the configured source folders, an HTTP(S) URL, or a SQL query
against a SQLAlchemy URL. It is pulled on the dataset's update frequency (see
:mod:`statedata.catalog.sources.pulls`) or on request. The checks here run when the source is saved and
again before every pull, so a source that became unsafe (a folder setting changed) stops:

- a file must lie inside ``STATEDATA_SOURCE_FOLDERS`` (after resolving links);
- a URL must be http or https, without credentials in it;
- a database URL must not hold a password: it names an environment variable instead,
  ``${STATEDATA_SOURCE_<NAME>}``, so secrets stay out of the catalog, its backups and its audit
  log; it must not be the portal's own database; a SQLite file must lie in a source folder;
- a query must be one ``SELECT`` (or ``WITH ... SELECT``) statement.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from statedata.catalog.datasets import RESOURCE_TYPE, get_dataset_for_edit, schedule_next_pull
from statedata.catalog.models import Dataset
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.errors import InvalidInput
from statedata.identity.actor import Actor
from statedata.storage.readers import FORMATS
from statedata.storage.store import WriteMode

KINDS = ("file", "url", "sql")
SECRET_PREFIX = "STATEDATA_SOURCE_"  # noqa: S105 (a name prefix, not a secret)
_SECRET = re.compile(r"\$\{(" + SECRET_PREFIX + r"[A-Z0-9_]+)\}")
_LEADING_COMMENTS = re.compile(r"^\s*((--[^\n]*\n)|(/\*.*?\*/)|\s)*", re.DOTALL)


@dataclass(frozen=True)
class SourceConfig:
    """What a steward configures; ``kind`` empty means the dataset has no source."""

    kind: str = ""
    location: str = ""
    query: str = ""
    format: str = ""
    mode: str = "replace"

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> SourceConfig:
        """From an API body or a form, refusing unknown fields and non-text values by name."""
        known = {"kind", "location", "query", "format", "mode"}
        unknown = sorted(set(body) - known)
        if unknown:
            raise InvalidInput(
                f"{unknown[0]}: is not a source field; use {', '.join(sorted(known))}."
            )
        values: dict[str, str] = {}
        for name in known:
            value = body.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise InvalidInput(f"{name}: send text.")
            values[name] = value.strip()
        values["mode"] = values["mode"] or "replace"
        return cls(**values)

    @classmethod
    def of(cls, dataset: Dataset) -> SourceConfig:
        return cls(
            kind=dataset.source_kind,
            location=dataset.source_location,
            query=dataset.source_query,
            format=dataset.source_format,
            mode=dataset.source_mode,
        )


def inside_source_folders(settings: Settings, path: Path, what: str) -> Path:
    """The resolved path, if it lies inside a source folder; refused otherwise. A relative path
    is the instance's own (``sources/file.csv`` under its home), as :func:`portable_location`
    stores one."""
    if not path.is_absolute():
        if not path.parts or path.parts[0] != "sources" or ".." in path.parts:
            raise InvalidInput(
                f"{what}: give an absolute path, e.g. {settings.source_roots[0]}/file.csv."
            )
        path = settings.home / path
    resolved = path.resolve()
    for root in settings.source_roots:
        if resolved.is_relative_to(root):
            return resolved
    folders = ", ".join(str(r) for r in settings.source_roots)
    raise InvalidInput(
        f"{what}: {path} is outside the source folders ({folders}); "
        "an administrator can add folders with STATEDATA_SOURCE_FOLDERS."
    )


def _check_url(location: str) -> None:
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"location: {location!r} is not an http:// or https:// URL.")
    if parts.username or parts.password:
        raise InvalidInput("location: a URL must not carry a user name or password.")


def expand_secrets(location: str) -> str:
    """The database URL with each ``${STATEDATA_SOURCE_...}`` replaced from the environment."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise InvalidInput(
                f"location: the environment variable {name} is not set on this server."
            )
        return os.environ[name]

    return _SECRET.sub(value_of, location)


def database_url(settings: Settings, location: str) -> URL:
    """The source database's URL, secrets filled in, checked against the rules above."""
    if "${" in _SECRET.sub("", location):
        raise InvalidInput(
            f"location: only ${{{SECRET_PREFIX}<NAME>}} variables may be used in a database URL."
        )
    try:
        written = make_url(location)
    except ArgumentError:
        raise InvalidInput(
            f"location: {location!r} is not a SQLAlchemy database URL "
            "(e.g. postgresql+psycopg://reader:${STATEDATA_SOURCE_DMV}@db.example/dmv)."
        ) from None
    if written.password is not None and not _SECRET.fullmatch(str(written.password)):
        raise InvalidInput(
            "location: do not write a password in the URL; put it in an environment variable "
            f"named {SECRET_PREFIX}<NAME> and write ${{{SECRET_PREFIX}<NAME>}} in its place."
        )
    url = make_url(expand_secrets(location))
    if url.get_backend_name() not in ("sqlite", "postgresql", "mysql", "mssql", "oracle"):
        raise InvalidInput(f"location: {url.get_backend_name()!r} databases are not supported.")
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise InvalidInput("location: name the SQLite database file.")
        inside_source_folders(settings, Path(url.database), "location")
    if _same_database(url, make_url(settings.resolved_database_url)):
        raise InvalidInput("location: a source cannot be the portal's own database.")
    return url


def _same_database(url: URL, own: URL) -> bool:
    if url.get_backend_name() != own.get_backend_name():
        return False
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "").resolve() == Path(own.database or "").resolve()
    return (url.host or "localhost", url.port, url.database) == (
        own.host or "localhost",
        own.port,
        own.database,
    )


def check_query(query: str) -> str:
    """One read-only statement, without its trailing semicolon."""
    text = query.strip().rstrip(";").strip()
    if not text:
        raise InvalidInput("query: a SQL source needs a SELECT statement.")
    if ";" in text:
        raise InvalidInput(
            f"query: send one statement; found ';' at character {text.index(';') + 1}."
        )
    body = _LEADING_COMMENTS.sub("", text)
    first = body.split(None, 1)[0].upper() if body else ""
    if first not in ("SELECT", "WITH"):
        raise InvalidInput(f"query: must start with SELECT or WITH, not {first!r}.")
    return text


def checked(settings: Settings, config: SourceConfig) -> SourceConfig:
    """The configuration if every rule holds; the first broken rule is refused by field."""
    if not config.kind:
        return SourceConfig()
    if config.kind not in KINDS:
        raise InvalidInput(f"kind: {config.kind!r} is not a source kind; use file, url or sql.")
    if config.mode not in {m.value for m in WriteMode}:
        modes = ", ".join(m.value for m in WriteMode)
        raise InvalidInput(f"mode: {config.mode!r} is not a load mode; use one of {modes}.")
    if config.format and config.format not in FORMATS:
        raise InvalidInput(
            f"format: {config.format!r} is not supported; use one of {', '.join(FORMATS)}."
        )
    if not config.location:
        raise InvalidInput("location: say where the data comes from.")
    if config.kind == "file":
        inside_source_folders(settings, Path(config.location), "location")
    elif config.kind == "url":
        _check_url(config.location)
    else:
        database_url(settings, config.location)
        check_query(config.query)
    if config.kind != "sql" and config.query:
        raise InvalidInput("query: only SQL sources have a query.")
    return config


def portable_location(settings: Settings, location: str) -> str:
    """A file source inside the home's own sources folder, stored relative to the home, so that a
    backup restored into another home still finds it; any other location as given."""
    own = (settings.home / "sources").resolve()
    resolved = Path(location).resolve() if Path(location).is_absolute() else None
    if resolved is not None and resolved.is_relative_to(own):
        return str(Path("sources") / resolved.relative_to(own))
    return location


def configure_source(
    session: Session, *, actor: Actor, settings: Settings, ref: str, config: SourceConfig
) -> Dataset:
    """Save (or with an empty kind, remove) the dataset's source and schedule its next pull."""
    dataset = get_dataset_for_edit(session, actor=actor, ref=ref)
    config = checked(settings, config)
    location = (
        portable_location(settings, config.location) if config.kind == "file" else (config.location)
    )
    dataset.source_kind, dataset.source_location = config.kind, location
    dataset.source_query, dataset.source_format = config.query, config.format
    dataset.source_mode = config.mode
    schedule_next_pull(dataset)
    record_event(
        session,
        actor=actor,
        action="dataset.source",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={"kind": config.kind, "location": config.location},
    )
    return dataset


def source_view(dataset: Dataset) -> dict[str, Any]:
    """The source as the API and pages show it."""
    config = SourceConfig.of(dataset)
    return {
        "kind": config.kind,
        "location": config.location,  # no secrets: passwords are environment variables
        "query": config.query,
        "format": config.format,
        "mode": config.mode,
        "update_frequency": dataset.update_frequency,
        "last_pulled_at": dataset.last_pulled_at.isoformat() if dataset.last_pulled_at else None,
        "next_pull_at": dataset.next_pull_at.isoformat() if dataset.next_pull_at else None,
        "last_pull_job": dataset.last_pull_job_id,
    }
