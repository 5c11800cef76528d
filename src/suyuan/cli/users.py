"""`suyuan users` and `suyuan tokens`: people, roles and API tokens."""

from __future__ import annotations

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import console, print_json, print_table
from suyuan.domain.access import Actor
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.users import create_token, create_user, list_users, parse_roles

users_app = typer.Typer(help="Create and list users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Issue API tokens for machines and scripts.", no_args_is_help=True)


@users_app.command("create")
def create(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Login name."),
    roles: str = typer.Option(
        ..., "--roles", help="Comma list: admin, operator, qc, warehouse, sales, regulator."
    ),
    enterprise: str = typer.Option(
        None, "--enterprise", "-e", help="Enterprise id or slug; omit for a platform user."
    ),
    name: str = typer.Option(None, "--name", help="Display name."),
    password: str = typer.Option(None, "--password", help="Password for the web console."),
    json_out: bool = JSON,
) -> None:
    """Create a user in an enterprise (or on the platform, e.g. a regulator)."""
    actor = Actor.system()
    with runtime_of(ctx).uow() as uow:
        tenant = resolve_tenant(uow, actor, enterprise_ref(enterprise)) if enterprise else None
        user = create_user(
            uow,
            actor,
            username=username,
            enterprise_id=tenant,
            roles=parse_roles(roles),
            display_name=name,
            password=password,
        )
    if json_out:
        print_json(user.to_dict())
    else:
        console.print(f"user {user.username} created with roles {', '.join(user.roles)}")


@users_app.command("list")
def list_command(ctx: typer.Context, json_out: bool = JSON) -> None:
    """List users."""
    with runtime_of(ctx).uow(write=False) as uow:
        found = list_users(uow, Actor.system())
    if json_out:
        print_json([u.to_dict() for u in found])
        return
    print_table(
        "users",
        ("id", "username", "enterprise", "roles"),
        [(u.id, u.username, u.enterprise_id or "platform", ",".join(u.roles)) for u in found],
    )


@tokens_app.command("create")
def create_token_command(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The user the token acts as."),
    name: str = typer.Option("api", "--name", help="What the token is for."),
    days: int = typer.Option(None, "--days", help="Expire after this many days."),
    json_out: bool = JSON,
) -> None:
    """Issue an API token; it is printed once and only its hash is stored."""
    with runtime_of(ctx).uow() as uow:
        token = create_token(uow, Actor.system(), username=username, name=name, days=days)
    if json_out:
        print_json(token.to_dict())
    else:
        console.print(token.secret)


def register(app: typer.Typer) -> None:
    """Attach `users` and `tokens` to the root command."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
