"""``statedata token create|revoke``."""

from __future__ import annotations

import typer

from statedata.cli.context import open_instance
from statedata.identity import tokens as service
from statedata.identity.actor import Actor
from statedata.identity.users import get_user

app = typer.Typer(help="Manage API tokens.", no_args_is_help=True, rich_markup_mode=None)
OPERATOR = Actor.system("cli")


@app.command("create")
def create(
    username: str = typer.Argument(..., help="Whose token."),
    name: str = typer.Option(..., help="Where the token will be used."),
    scope: list[str] = typer.Option(["read"], help="read, write or admin; repeat for more."),
    days: int = typer.Option(90, min=1, help="Days until it expires."),
) -> None:
    """Create a token and print its secret (shown only once)."""
    instance = open_instance()
    with instance.session() as session:
        user = get_user(session, username=username)
        token, secret = service.create_token(
            session,
            actor=OPERATOR,
            name=name,
            scopes=scope,
            expires_in_days=days,
            max_days=instance.settings.token_max_days,
            for_user=user,
        )
        typer.echo(f"token {token.id} for {user.username}, expires {token.expires_at:%Y-%m-%d}:")
        typer.echo(secret)


@app.command("revoke")
def revoke(token_id: int = typer.Argument(..., help="The token's id.")) -> None:
    """Revoke a token; it is refused from now on."""
    instance = open_instance()
    with instance.session() as session:
        service.revoke_token(session, actor=OPERATOR, token_id=token_id)
    typer.echo(f"revoked token {token_id}")
