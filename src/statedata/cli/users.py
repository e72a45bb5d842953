"""``statedata user create|list|disable``."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from statedata.cli.context import open_instance
from statedata.identity import users as service
from statedata.identity.actor import Actor

app = typer.Typer(
    help="Manage the people who can sign in.", no_args_is_help=True, rich_markup_mode=None
)
OPERATOR = Actor.system("cli")


@app.command("create")
def create(
    username: str = typer.Argument(..., help="Lowercase sign-in name."),
    role: str = typer.Option(
        ..., help="admin, agency_data_officer, steward, analyst or researcher."
    ),
    agency: str | None = typer.Option(
        None, help="Agency code; required for officers and stewards."
    ),
    full_name: str = typer.Option("", help="The person's name."),
    email: str = typer.Option("", help="The person's email."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 12 characters."
    ),
) -> None:
    """Add a user."""
    instance = open_instance()
    with instance.session() as session:
        user = service.create_user(
            session,
            actor=OPERATOR,
            username=username,
            password=password,
            role=role,
            agency_code=agency,
            full_name=full_name,
            email=email,
        )
        typer.echo(f"created {user.username} ({user.role})")


@app.command("list")
def list_users() -> None:
    """List users."""
    instance = open_instance()
    table = Table("username", "role", "agency", "active", "last sign-in")
    with instance.session() as session:
        for user in service.list_users(session, actor=OPERATOR):
            table.add_row(
                user.username,
                user.role,
                user.agency.code if user.agency else "",
                "yes" if user.is_active else "no",
                str(user.last_login_at or ""),
            )
    Console().print(table)


@app.command("disable")
def disable(username: str = typer.Argument(..., help="Who to disable.")) -> None:
    """Disable a user: their sessions and tokens stop working at once."""
    instance = open_instance()
    with instance.session() as session:
        service.set_user_active(session, actor=OPERATOR, username=username, active=False)
    typer.echo(f"disabled {username}")
