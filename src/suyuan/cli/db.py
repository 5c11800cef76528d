"""`suyuan db`: create or migrate the database schema."""

from __future__ import annotations

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.output import console, print_json
from suyuan.storage.schema import upgrade

db_app = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Create the schema in an empty database, or migrate it to the newest version."""
    runtime = runtime_of(ctx)
    before, after = upgrade(runtime.engine)
    url = runtime.engine.url.render_as_string(hide_password=True)
    if json_out:
        print_json({"database": url, "from": before, "to": after})
    elif before == after:
        console.print(f"{url}: schema already at {after}")
    else:
        console.print(f"{url}: schema {before or 'empty'} → {after}")


def register(app: typer.Typer) -> None:
    """Attach `db` to the root command."""
    app.add_typer(db_app, name="db")
