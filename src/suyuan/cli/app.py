"""The root `suyuan` command, its options and the single mapping of errors to exit codes."""

from __future__ import annotations

import logging
from typing import Any

import typer
from typer.core import TyperGroup

from suyuan import __version__
from suyuan.bootstrap import Runtime
from suyuan.config import Settings
from suyuan.errors import SuyuanError


class SuyuanGroup(TyperGroup):
    """Maps every ``SuyuanError`` to a one-line message and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SuyuanError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(code=1) from exc


app = typer.Typer(
    cls=SuyuanGroup,
    help="suyuan (溯源): product quality traceability — codes, events, trace, recall.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"suyuan {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    database_url: str = typer.Option(
        None,
        "--database-url",
        envvar="SUYUAN_DATABASE_URL",
        help="Database URL (default sqlite:///suyuan.db).",
    ),
    key_dir: str = typer.Option(
        None, "--key-dir", envvar="SUYUAN_KEY_DIR", help="Directory of secret key material."
    ),
    resolver_url: str = typer.Option(
        None,
        "--resolver-url",
        envvar="SUYUAN_RESOLVER_URL",
        help="Public base URL of the resolver, printed in QR codes.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """suyuan (溯源): give every unit an unforgeable code, record its life, trace and recall it."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    overrides: dict[str, Any] = {}
    if database_url:
        overrides["database_url"] = database_url
    if key_dir:
        overrides["key_dir"] = key_dir
    if resolver_url:
        overrides["resolver_url"] = resolver_url
    runtime = Runtime(Settings(**overrides))
    ctx.obj = runtime
    ctx.call_on_close(runtime.close)


def runtime_of(ctx: typer.Context) -> Runtime:
    """The Runtime the root command built."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj


def _register() -> None:
    # Imported here so each sub-command module can import `app`/`runtime_of` from us.
    from suyuan.cli import (
        alerts,
        chain,
        codes,
        db,
        demo,
        enterprises,
        events,
        imports,
        products,
        publish,
        recalls,
        serve,
        trace,
        users,
    )

    for module in (
        db,
        enterprises,
        products,
        users,
        codes,
        chain,
        imports,
        recalls,
        events,
        trace,
        demo,
        serve,
        publish,
        alerts,
    ):
        module.register(app)


_register()
