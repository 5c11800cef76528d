"""`suyuan import`: load master data and records from CSV or XLSX (QBT-4.3)."""

from __future__ import annotations

from pathlib import Path

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import console, err_console, print_json
from suyuan.domain.access import Actor
from suyuan.domain.profiles import get_profile
from suyuan.services.enterprises import get_enterprise, resolve_tenant
from suyuan.services.imports import ImportRejected, import_file, write_template


def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV (UTF-8) or XLSX file, header in the first row."),
    kind: str = typer.Option(
        ...,
        "--type",
        help="enterprises, products, or a record type of the profile "
        "(table id like T1.2, T5.2, or its key like supplier, blending_quality).",
    ),
    enterprise: str = typer.Option(None, "--enterprise", "-e", help="Owner (id or slug)."),
    make_template: bool = typer.Option(
        False, "--template", help="Write an empty template for --type to FILE instead."
    ),
    profile: str = typer.Option(None, "--profile", help="Profile for --template without -e."),
    json_out: bool = JSON,
) -> None:
    """Import a file; every row is checked first and errors name row and column.

    Nothing is half-imported: a file with any bad row writes nothing.
    """
    runtime = runtime_of(ctx)
    actor = Actor.system()
    tenant = None
    if enterprise:
        with runtime.uow(write=False) as uow:
            tenant = resolve_tenant(uow, actor, enterprise_ref(enterprise))
            profile = profile or get_enterprise(uow, actor, tenant).profile
    if make_template:
        write_template(kind, get_profile(profile or "baijiu"), file)
        console.print(f"template for {kind} written to {file}")
        return
    if not file.is_file():
        raise typer.BadParameter(f"{file}: no such file")
    try:
        result = import_file(
            runtime.uow,
            actor,
            path=file,
            kind=kind,
            tenant_id=tenant,
            key_dir=runtime.settings.key_dir,
        )
    except ImportRejected as exc:
        if json_out:
            print_json({"imported": 0, "errors": exc.errors})
        else:
            for error in exc.errors[:50]:
                err_console.print(
                    f"{file}: row {error['row']}, column {error['column']}: {error['message']}",
                    markup=False,
                    soft_wrap=True,
                )
            err_console.print("nothing was imported")
        raise typer.Exit(code=1) from exc
    if json_out:
        print_json(result.to_dict())
    else:
        console.print(f"{file}: {result.rows} rows of {result.kind} imported")


def register(app: typer.Typer) -> None:
    """Attach `import` to the root command."""
    app.command("import")(import_command)
