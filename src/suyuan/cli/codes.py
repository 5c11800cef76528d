"""`suyuan codes`: issue blocks of codes for printing, verify, void, and print labels."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from suyuan.bootstrap import Runtime
from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import console, err_console, print_json, print_table
from suyuan.codes.labels import (
    Symbology,
    labels_for_block,
    symbol_png,
    symbol_svg,
    write_label_sheet,
)
from suyuan.codes.printer_files import PrinterFormat
from suyuan.domain.access import Actor
from suyuan.errors import InvalidInput
from suyuan.services.code_files import write_block_file
from suyuan.services.codes import (
    IssuedBlock,
    destruction_records,
    get_block,
    issue_block,
    list_blocks,
    tenant_keyring,
    verify_codes,
    void_codes,
)
from suyuan.services.enterprises import get_enterprise, resolve_tenant
from suyuan.services.products import get_product

_IMAGES = ("pdf", "svg", "png")

codes_app = typer.Typer(help="Issue, verify, void and label trace codes.", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _write_with_bar(runtime: Runtime, block: IssuedBlock, out: BinaryIO, fmt: PrinterFormat) -> int:
    with _progress() as bar:
        task = bar.add_task("writing codes", total=block.count)
        return write_block_file(
            runtime, block, out, fmt, progress=lambda done, _total: bar.update(task, completed=done)
        )


@codes_app.command("issue")
def issue(
    ctx: typer.Context,
    gtin: str = typer.Option(..., "--gtin", help="Product GTIN the codes are for."),
    count: int = typer.Option(..., "--count", "-n", help="How many codes."),
    level: str = typer.Option("item", "--level", help="item, cap, case or pallet."),
    out: Path = typer.Option(None, "--out", "-o", help="Printer file to write ('-' = stdout)."),
    fmt: PrinterFormat = typer.Option(PrinterFormat.IDIS, "--format", help="Printer file format."),
    enterprise: str = typer.Option(None, "--enterprise", "-e", help="Owner (default: GTIN's)."),
    json_out: bool = JSON,
) -> None:
    """Issue a block of N codes and write them to a printer file (streamed, O(1) rows)."""
    runtime = runtime_of(ctx)
    actor = Actor.system()
    with runtime.uow() as uow:
        tenant = (
            resolve_tenant(uow, actor, enterprise_ref(enterprise))
            if enterprise
            else get_product(uow, actor, gtin).tenant_id
        )
        if out is not None and fmt is PrinterFormat.IDIS and level in ("item", "cap"):
            # Refuse before reserving: a block whose file cannot be written is wasted.
            owner = get_enterprise(uow, actor, tenant)
            if not owner.idis_prefix:
                raise InvalidInput(
                    f"enterprise {owner.slug} has no IDIS prefix: use --format url or element"
                )
        block = issue_block(
            uow,
            actor,
            tenant_id=tenant,
            gtin=gtin,
            count=count,
            level=level,
            key_dir=runtime.settings.key_dir,
        )
    written = 0
    if out is not None:
        if str(out) == "-":
            written = write_block_file(runtime, block, sys.stdout.buffer, fmt)
        else:
            with out.open("wb") as handle:
                written = _write_with_bar(runtime, block, handle, fmt)
    summary = {
        "block_id": block.id,
        "count": block.count,
        "level": block.level,
        "first_code": block.first_code,
        "file": str(out) if out else None,
        "written": written,
    }
    if json_out:
        print_json(summary)
    elif str(out) != "-":
        console.print(
            f"block {block.id}: {block.count} {block.level} codes from {block.first_code}"
            + (f", written to {out}" if out else "")
        )


@codes_app.command("export")
def export(
    ctx: typer.Context,
    block_id: int = typer.Argument(..., help="Block id."),
    out: Path = typer.Option(..., "--out", "-o", help="Printer file to write ('-' = stdout)."),
    fmt: PrinterFormat = typer.Option(PrinterFormat.IDIS, "--format", help="File format."),
) -> None:
    """Write a block's printer file again (codes are derived, never stored one by one)."""
    runtime = runtime_of(ctx)
    with runtime.uow(write=False) as uow:
        block = get_block(uow, Actor.system(), block_id)
    if str(out) == "-":
        write_block_file(runtime, block, sys.stdout.buffer, fmt)
        return
    with out.open("wb") as handle:
        written = _write_with_bar(runtime, block, handle, fmt)
    console.print(f"{written} codes written to {out}")


@codes_app.command("verify")
def verify(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="Codes in any printed form."),
    json_out: bool = JSON,
) -> None:
    """Say for each code: well-formed, genuine or forged, whose, and its current state."""
    runtime = runtime_of(ctx)
    with runtime.uow(write=False) as uow:
        checks = verify_codes(uow, codes, key_dir=runtime.settings.key_dir)
    if json_out:
        print_json([c.to_dict() for c in checks])
        return
    print_table(
        "codes",
        ("code", "well-formed", "genuine", "state", "reason", "block"),
        [(c.code, c.well_formed, c.genuine, c.state, c.reason, c.block_id) for c in checks],
    )


@codes_app.command("void")
def void(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="Spoiled codes in any printed form."),
    reason: str = typer.Option(..., "--reason", help="Why (e.g. 'label misprinted')."),
    destroyed: bool = typer.Option(False, "--destroyed", help="Record physical destruction."),
    enterprise: str = typer.Option(None, "--enterprise", "-e", help="Owner (default: codes')."),
    json_out: bool = JSON,
) -> None:
    """Void spoiled labels or record their destruction (QBT-7.3(b))."""
    runtime = runtime_of(ctx)
    actor = Actor.system()
    with runtime.uow() as uow:
        if enterprise:
            tenant = resolve_tenant(uow, actor, enterprise_ref(enterprise))
        else:
            first = verify_codes(uow, codes[:1], key_dir=runtime.settings.key_dir)[0]
            if first.enterprise_id is None:
                raise InvalidInput(f"code {first.code}: {first.state} ({first.reason})")
            tenant = first.enterprise_id
        records = void_codes(
            uow,
            actor,
            tenant_id=tenant,
            codes=codes,
            reason=reason,
            key_dir=runtime.settings.key_dir,
            destroyed=destroyed,
        )
    if json_out:
        print_json(records)
    else:
        total = sum(r["count"] for r in records)
        console.print(f"{total} codes {'destroyed' if destroyed else 'voided'}: {reason}")


@codes_app.command("blocks")
def blocks(
    ctx: typer.Context,
    enterprise: str = typer.Option(None, "--enterprise", "-e", help="Only this enterprise."),
    block_id: int = typer.Option(None, "--block", help="Show one block's destruction records."),
    json_out: bool = JSON,
) -> None:
    """List issued blocks with voided counts, or one block's destruction records."""
    actor = Actor.system()
    with runtime_of(ctx).uow(write=False) as uow:
        if block_id is not None:
            records = destruction_records(uow, actor, block_id)
            if json_out:
                print_json(records)
            else:
                print_table(
                    f"block {block_id}: voided/destroyed",
                    ("at", "action", "count", "reason", "actor"),
                    [(r["at"], r["action"], r["count"], r["reason"], r["actor"]) for r in records],
                )
            return
        tenant = resolve_tenant(uow, actor, enterprise_ref(enterprise)) if enterprise else None
        found = list_blocks(uow, actor, tenant_id=tenant)
    if json_out:
        print_json(found)
        return
    print_table(
        "code blocks",
        ("id", "GTIN", "level", "count", "voided", "first code"),
        [(b["id"], b["gtin"], b["level"], b["count"], b["voided"], b["first_code"]) for b in found],
    )


@codes_app.command("label")
def label(
    ctx: typer.Context,
    block_id: int = typer.Option(..., "--block", help="Block to label."),
    out: Path = typer.Option(..., "--out", "-o", help="Output: .pdf sheet, or a directory."),
    start: int = typer.Option(0, "--start", help="First code (0-based) of the range."),
    count: int = typer.Option(None, "--count", help="How many codes (default: all)."),
    symbology: Symbology = typer.Option(Symbology.QR, "--symbology", help="qr or datamatrix."),
    image: str = typer.Option("pdf", "--image", help="pdf (a sheet), svg or png (one file each)."),
) -> None:
    """Write labels: QR codes of the resolver URL (QBT-6.4) or GS1 DataMatrix, code underneath."""
    runtime = runtime_of(ctx)
    with runtime.uow(write=False) as uow:
        block = get_block(uow, Actor.system(), block_id)
        enterprise = get_enterprise(uow, Actor.system(), block.tenant_id)
    if block.scheme != "serial":
        raise InvalidInput("labels are made for serialised blocks (SSCC labels: use the file)")
    keyring = tenant_keyring(runtime.settings.key_dir, block.tenant_id)
    if keyring is None:
        raise InvalidInput("no code key ring for this enterprise")
    if image not in _IMAGES:
        raise InvalidInput(f"--image {image!r}: must be pdf, svg or png")
    total = block.count - start if count is None else count
    if not (start >= 0 and 0 < total <= block.count - start):
        raise InvalidInput(f"range {start}+{total} is outside block {block.id} of {block.count}")
    sub = replace(block.serial_block(), start_counter=block.start_counter + start, count=total)
    labels = labels_for_block(
        keyring,
        sub,
        symbology=symbology,
        resolver_base_url=runtime.settings.resolver_url,
        idis_prefix=enterprise.idis_prefix,
    )
    if image == "pdf":
        with out.open("wb") as handle:
            pages = write_label_sheet(handle, labels)
        console.print(f"{total} labels on {pages} pages written to {out}")
        return
    out.mkdir(parents=True, exist_ok=True)
    for n, item in enumerate(labels):
        name = out / f"{start + n:08d}.{image}"
        if image == "svg":
            name.write_text(symbol_svg(item))
        else:
            name.write_bytes(symbol_png(item))
    console.print(f"{total} {image} labels written to {out}")


def register(app: typer.Typer) -> None:
    """Attach `codes` to the root command."""
    app.add_typer(codes_app, name="codes")
