"""``statedata config show``."""

from __future__ import annotations

import typer

from statedata.core.config import effective_settings, load_settings

app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True, rich_markup_mode=None)


@app.command("show")
def show() -> None:
    """Print the effective settings, secrets hidden."""
    settings = load_settings()
    for name, value in effective_settings(settings).items():
        typer.echo(f"{name}={value}")
