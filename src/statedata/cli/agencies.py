"""``statedata agency create|list``."""

from __future__ import annotations

import typer

from statedata.cli.context import open_instance
from statedata.identity import agencies as service
from statedata.identity.actor import Actor

app = typer.Typer(help="Manage agencies.", no_args_is_help=True, rich_markup_mode=None)


@app.command("create")
def create(
    code: str = typer.Argument(..., help="Short code, e.g. DSS."),
    name: str = typer.Argument(..., help="Full name."),
) -> None:
    """Add an agency."""
    instance = open_instance()
    with instance.session() as session:
        agency = service.create_agency(session, actor=Actor.system("cli"), code=code, name=name)
        typer.echo(f"created {agency.code}: {agency.name}")


@app.command("list")
def list_agencies() -> None:
    """List agencies."""
    instance = open_instance()
    with instance.session() as session:
        for agency in service.list_agencies(session):
            typer.echo(f"{agency.code}\t{agency.name}")
