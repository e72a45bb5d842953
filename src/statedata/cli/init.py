"""``statedata init``: create or upgrade an instance in place."""

from __future__ import annotations

import typer

from statedata.cli.context import open_instance
from statedata.core.migrate import current_revision, upgrade_database
from statedata.identity.agencies import seed_agencies


def init() -> None:
    """Create the instance under STATEDATA_HOME, or upgrade its database in place; keeps all data."""
    instance = open_instance(require_schema=False)
    before = current_revision(instance.engine)
    upgrade_database(instance.engine)
    after = current_revision(instance.engine)
    with instance.session() as session:
        added = seed_agencies(session)
    instance.settings.secret()  # generate the signing key now, not on the first request
    state = "created" if before is None else ("upgraded" if before != after else "up to date")
    typer.echo(
        f"instance {state} at {instance.settings.home} (schema {after}); {added} agencies added"
    )
