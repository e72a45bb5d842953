"""``statedata backup`` and ``statedata restore``."""

from __future__ import annotations

from pathlib import Path

import typer

from statedata.backup import backup_instance, restore_instance
from statedata.cli.context import open_instance
from statedata.core.db import utcnow


def backup(
    target: Path | None = typer.Argument(
        None, help="Archive to write (default: HOME/backups/statedata-<time>.tar.gz)."
    ),
) -> None:
    """Write the metadata database and the lake into one archive."""
    instance = open_instance()
    if target is None:
        target = instance.settings.home / "backups" / f"statedata-{utcnow():%Y%m%dT%H%M%SZ}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = backup_instance(instance.settings, instance.engine, target)
    typer.echo(
        f"backed up {sum(manifest['tables'].values()):,} rows and {len(manifest['folders'])} folders to {target}"
    )


def restore(
    source: Path = typer.Argument(..., help="Archive written by `statedata backup`."),
    replace: bool = typer.Option(
        False, "--replace", help="Overwrite an instance that already has data."
    ),
) -> None:
    """Restore an instance from an archive (into an empty instance unless --replace)."""
    instance = open_instance(require_schema=False)
    manifest = restore_instance(instance.settings, instance.engine, source, replace=replace)
    typer.echo(f"restored {sum(manifest['tables'].values()):,} rows from {source}")
