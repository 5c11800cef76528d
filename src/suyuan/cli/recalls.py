"""`suyuan recall` and `suyuan qc`: quality holds, recalls, recovery by scanning, reports."""

from __future__ import annotations

from pathlib import Path

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import console, print_json, print_table
from suyuan.domain.access import Actor
from suyuan.errors import InvalidInput
from suyuan.queries.trace import find_lot
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.quality import list_holds, record_verdicts, release_hold
from suyuan.services.recall_reports import report_csv, report_pdf
from suyuan.services.recalls import (
    RecallScope,
    close_recall,
    list_recalls,
    open_recall,
    recall_status,
    scan_recovered,
)

recall_app = typer.Typer(help="Open, follow, recover and close recalls.", no_args_is_help=True)
qc_app = typer.Typer(help="Quality holds: list, verdicts, release.", no_args_is_help=True)


def _print_status(status: dict) -> None:  # type: ignore[type-arg]
    console.print(
        f"[bold]recall {status['recall_id']}[/bold] level {status['level']} · "
        f"{status['status']} · {status['reason']}"
    )
    console.print(
        f"{status['unit_count']} units in scope · {status['recovered']} recovered · "
        f"{status['missing']} missing"
    )
    print_table(
        "by holder",
        ("holder", "units", "recovered", "missing"),
        [
            (h["name"] or h["holder"], h["units"], h["recovered"], h["missing"])
            for h in status["holders"]
        ],
    )


@recall_app.command("open")
def open_command(
    ctx: typer.Context,
    lot: list[str] = typer.Option(None, "--lot", help="Lot at any stage (GTIN:LOT); repeat."),
    codes: Path = typer.Option(None, "--codes", help="File with one code per line."),
    product: str = typer.Option(None, "--product", help="GTIN, with --batch."),
    batch: str = typer.Option(None, "--batch", help="Production batch of --product."),
    reason: str = typer.Option(..., "--reason", help="Why the product is recalled."),
    level: int = typer.Option(3, "--level", help="1 (most severe), 2 or 3."),
    enterprise: str = typer.Option(
        None, "--enterprise", "-e", help="Recalling enterprise (default: the lot's owner)."
    ),
    json_out: bool = JSON,
) -> None:
    """Open a recall: scope by forward trace, units marked recalled, holders notified."""
    runtime = runtime_of(ctx)
    actor = Actor.system()
    code_list: tuple[str, ...] = ()
    if codes is not None:
        if not codes.is_file():
            raise InvalidInput(f"{codes}: no such file")
        code_list = tuple(c.strip() for c in codes.read_text().splitlines() if c.strip())
    scope = RecallScope(lots=tuple(lot or ()), codes=code_list, product=product, batch=batch)
    with runtime.uow() as uow:
        if enterprise:
            tenant = resolve_tenant(uow, actor, enterprise_ref(enterprise))
        else:
            first = (lot or [f"{product}:{batch}" if product and batch else ""])[0]
            found = find_lot(uow.connection, first) if first else None
            if found is None:
                raise InvalidInput("name the recalling enterprise with --enterprise")
            tenant = found.tenant_id
        status = open_recall(uow, actor, tenant_id=tenant, scope=scope, reason=reason, level=level)
    if json_out:
        print_json(status)
    else:
        _print_status(status)


@recall_app.command("status")
def status_command(
    ctx: typer.Context, recall_id: int = typer.Argument(...), json_out: bool = JSON
) -> None:
    """Progress overall and per holder."""
    with runtime_of(ctx).uow(write=False) as uow:
        status = recall_status(uow, Actor.system(), recall_id)
    if json_out:
        print_json(status)
    else:
        _print_status(status)


@recall_app.command("list")
def list_command(ctx: typer.Context, json_out: bool = JSON) -> None:
    """All recalls."""
    with runtime_of(ctx).uow(write=False) as uow:
        found = list_recalls(uow, Actor.system())
    if json_out:
        print_json(found)
    else:
        print_table(
            "recalls",
            ("id", "level", "status", "units", "reason"),
            [
                (r["recall_id"], r["level"], r["status"], r["unit_count"], r["reason"])
                for r in found
            ],
        )


@recall_app.command("scan")
def scan_command(
    ctx: typer.Context,
    recall_id: int = typer.Argument(...),
    codes: list[str] = typer.Argument(..., help="Codes scanned (a case recovers its contents)."),
    json_out: bool = JSON,
) -> None:
    """Record returned goods by scanning (QBT-10.5)."""
    with runtime_of(ctx).uow() as uow:
        result = scan_recovered(uow, Actor.system(), recall_id=recall_id, codes=codes)
    if json_out:
        print_json(result)
    else:
        console.print(
            f"{result['newly_recovered']} units recovered"
            + (f"; not found: {', '.join(result['not_found'])}" if result["not_found"] else "")
        )


@recall_app.command("close")
def close_command(
    ctx: typer.Context,
    recall_id: int = typer.Argument(...),
    disposition: str = typer.Option(
        ..., "--disposition", help="destroyed, reworked or released (after review)."
    ),
    note: str = typer.Option("", "--note", help="Closing note."),
    json_out: bool = JSON,
) -> None:
    """Close a recall with its final disposition."""
    with runtime_of(ctx).uow() as uow:
        status = close_recall(
            uow, Actor.system(), recall_id=recall_id, disposition=disposition, note=note
        )
    if json_out:
        print_json(status)
    else:
        _print_status(status)


@recall_app.command("report")
def report_command(
    ctx: typer.Context,
    recall_id: int = typer.Argument(...),
    out: Path = typer.Option(..., "--out", "-o", help="report.pdf or report.csv"),
) -> None:
    """Write the recall report (PDF summary or CSV of every unit)."""
    with runtime_of(ctx).uow(write=False) as uow:
        data = (report_pdf if out.suffix.lower() == ".pdf" else report_csv)(
            uow, Actor.system(), recall_id
        )
    out.write_bytes(data)
    console.print(f"report written to {out} ({len(data)} bytes)")


@qc_app.command("holds")
def holds_command(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include released holds."),
    json_out: bool = JSON,
) -> None:
    """Lots on QC hold."""
    with runtime_of(ctx).uow(write=False) as uow:
        found = list_holds(uow, Actor.system(), active_only=not all_)
    if json_out:
        print_json(found)
    else:
        print_table(
            "holds",
            ("lot", "stage", "held at", "reason", "released"),
            [
                (h["lot"], h["stage"], h["held_at"], h["reason"], h["released_at"] or "")
                for h in found
            ],
        )


@qc_app.command("verdicts")
def verdicts_command(
    ctx: typer.Context, lot: str = typer.Argument(...), json_out: bool = JSON
) -> None:
    """Computed verdicts of a lot's QC records."""
    with runtime_of(ctx).uow(write=False) as uow:
        found = record_verdicts(uow, Actor.system(), lot=lot)
    if json_out:
        print_json(found)
    else:
        print_table(
            f"QC verdicts of {lot}",
            ("record", "type", "passed", "summary", "failures"),
            [
                (v["record_id"], v["type"], v["passed"], v["summary"], "; ".join(v["failures"]))
                for v in found
            ],
        )


@qc_app.command("release")
def release_command(
    ctx: typer.Context,
    lot: str = typer.Argument(..., help="A held lot (GTIN:LOT)."),
    reason: str = typer.Option(..., "--reason", help="Why it may be released."),
    json_out: bool = JSON,
) -> None:
    """Release a hold (QC role; audited)."""
    with runtime_of(ctx).uow() as uow:
        released = release_hold(uow, Actor.system(), lot=lot, reason=reason)
    if json_out:
        print_json({"released": released})
    else:
        console.print(f"released: {', '.join(released)}")


def register(app: typer.Typer) -> None:
    """Attach `recall` and `qc` to the root command."""
    app.add_typer(recall_app, name="recall")
    app.add_typer(qc_app, name="qc")
