"""The ``statedata`` command: one Typer group per file, joined here."""

from __future__ import annotations

import sys

import typer

from statedata.cli import (
    agencies,
    backup,
    config,
    datasets,
    demo,
    init,
    link,
    pprl,
    quality,
    serve,
    tokens,
    users,
)
from statedata.core.errors import StatedataError
from statedata.wiring import wire

app = typer.Typer(
    name="statedata",
    help="Run a state's State Data Plan: inventory, open data, quality, standards, person index, sharing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: readable in any terminal and in the generated docs
)
app.command("init")(init.init)
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.command("demo")(demo.demo)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(users.app, name="user")
app.add_typer(agencies.app, name="agency")
app.add_typer(datasets.app, name="dataset")
app.add_typer(tokens.app, name="token")
app.add_typer(config.app, name="config")
app.add_typer(quality.app, name="quality")
app.add_typer(link.app, name="link")
app.add_typer(pprl.app, name="pprl")


def main() -> None:
    """Entry point: domain errors (bad settings, bad input) end with one clear line and exit code 2."""
    try:
        wire()
        app()
    except StatedataError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        sys.exit(2)
