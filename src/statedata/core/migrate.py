"""Schema migrations: ``statedata init`` upgrades any existing database in place to the newest."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s"


# Tables the migrations make by hand (the full-text index and SQLite's FTS5 shadow tables): no
# model describes them, so autogenerate must not offer to drop them.
UNMODELLED_PREFIXES = ("catalog_search",)


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's filter: leave out what :data:`UNMODELLED_PREFIXES` names."""
    return not (type_ == "table" and name is not None and name.startswith(UNMODELLED_PREFIXES))


def alembic_config(engine: Engine | None = None, url: str = "") -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("statedata").joinpath("migrations"))
    )
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema to ``revision`` (the newest by default)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
