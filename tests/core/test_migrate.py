"""Migrations: the models and the migrations agree, and init upgrades in place."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from statedata.core.migrate import (
    current_revision,
    head_revision,
    include_name,
    upgrade_database,
)
from statedata.tables import metadata


def test_the_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "include_name": include_name}
        )
        differences = compare_metadata(context, metadata)

    assert differences == []


def test_upgrading_an_up_to_date_database_changes_nothing(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()

    upgrade_database(engine)

    assert current_revision(engine) == head_revision()
