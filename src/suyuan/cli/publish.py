"""`suyuan publish`: rebuild the public projection, export it, grant the public role."""

from __future__ import annotations

import time

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.output import console, print_json
from suyuan.services.publishing import publish_all
from suyuan.storage.public_access import export_public, grant_public_role


def publish(
    ctx: typer.Context,
    to: str = typer.Option(
        None, "--to", help="Also export the public tables to this SQLite file (sqlite:///…)."
    ),
    grant_role: str = typer.Option(
        None, "--grant-role", help="PostgreSQL: create/grant the public role, e.g. suyuan_public."
    ),
    role_password: str = typer.Option(
        None, "--role-password", envvar="SUYUAN_PUBLIC_ROLE_PASSWORD", help="Its password."
    ),
    watch: float = typer.Option(
        0.0, "--watch", help="With --to: export again every this many seconds (0: once)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Rebuild the public projection (QB/T Table 15 items per unit) from the internal one.

    The public resolver (`suyuan serve --public`) reads only this projection (QBT-11.4(g)).
    """
    runtime = runtime_of(ctx)
    with runtime.uow() as uow:
        counts: dict[str, object] = dict(publish_all(uow.connection))
        uow.commit()
    if grant_role:
        grant_public_role(runtime.engine, grant_role, role_password)
        counts["granted"] = grant_role
    if to:
        counts["exported"] = export_public(runtime.engine, to)
    if json_out:
        print_json(counts)
    else:
        console.print(counts)
    while to and watch > 0:
        time.sleep(watch)
        export_public(runtime.engine, to)


def register(app: typer.Typer) -> None:
    """Attach `publish` to the root command."""
    app.command("publish")(publish)
