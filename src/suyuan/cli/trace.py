"""`suyuan trace`: backward (溯源), forward (追踪) and flow (流向) from the command line."""

from __future__ import annotations

from typing import Any

import typer
from rich.tree import Tree

from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON
from suyuan.cli.output import console, print_json, print_table
from suyuan.domain.access import Actor
from suyuan.queries.trace import trace_back, trace_flow, trace_forward

trace_app = typer.Typer(
    help="Trace a code or batch backward, a lot forward, a unit's flow.", no_args_is_help=True
)


def _holder(entry: dict[str, Any] | None) -> str:
    return entry["name"] if entry else "—"


@trace_app.command("back")
def back(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="A code in any printed form, or a batch (GTIN:LOT)."),
    json_out: bool = JSON,
) -> None:
    """Where it came from: packaging, product, batch, lot genealogy, records and QC."""
    with runtime_of(ctx).uow(write=False) as uow:
        result = trace_back(uow.connection, Actor.system(), code)
    if json_out:
        print_json(result)
        return
    title = result.get("code") or result.get("batch")
    tree = Tree(f"[bold]{title}[/bold]  {(result.get('product') or {}).get('name', '')}")
    unit = result.get("unit")
    if unit:
        tree.add(f"status {unit['status']} · holder {_holder(unit['holder'])}")
        for box in result.get("containers", []):
            tree.add(f"in {box['kind']} {box['key']}")
        if result.get("contents"):
            tree.add(f"contains {len(result['contents'])} codes")
    lots = {lot["id"]: lot for lot in result["lots"]}
    roots = [lot for lot in result["lots"] if lot["depth"] == 0]

    def add(node: Tree, lot: dict[str, Any], seen: set[str]) -> None:
        branch = node.add(
            f"[cyan]{lot['stage']}[/cyan] {lot['id']} "
            f"({lot.get('product') or ''}) · {len(lot['records'])} records"
        )
        for key in lot["inputs"]:
            if key in lots and key not in seen:
                add(branch, lots[key], seen | {key})

    for lot in roots:
        add(tree, lot, {lot["id"]})
    console.print(tree)
    if result["qc"]:
        print_table(
            "QC results",
            ("lot", "stage", "type"),
            [(q["lot"], q["stage"], q["type"]) for q in result["qc"]],
        )


@trace_app.command("forward")
def forward(
    ctx: typer.Context,
    lot: str = typer.Argument(..., help="A lot at any stage: GTIN:LOT or a lot number."),
    json_out: bool = JSON,
) -> None:
    """Where it went: descendant lots and every unit, grouped by holder (recall scope)."""
    with runtime_of(ctx).uow(write=False) as uow:
        result = trace_forward(uow.connection, Actor.system(), lot)
    if json_out:
        print_json(result)
        return
    console.print(
        f"[bold]{result['lot']}[/bold] → {len(result['lots'])} lots, {result['unit_count']} units"
    )
    print_table(
        "holders",
        ("holder", "units", "containers", "loose", "by status"),
        [
            (
                _holder(h["holder"]),
                h["unit_count"],
                h["container_count"],
                h["loose_units"],
                ", ".join(f"{k} {v}" for k, v in h["by_status"].items()),
            )
            for h in result["holders"]
        ],
    )


@trace_app.command("flow")
def flow(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="A unit code in any printed form."),
    json_out: bool = JSON,
) -> None:
    """The path of custody: time, place, shipper, receiver, documents (QBT-T15.20)."""
    with runtime_of(ctx).uow(write=False) as uow:
        result = trace_flow(uow.connection, Actor.system(), code)
    if json_out:
        print_json(result)
        return
    print_table(
        f"flow of {result['code']}",
        ("time", "step", "shipper", "receiver", "documents"),
        [
            (
                s["time"],
                s["step"],
                _holder(s["shipper"]),
                _holder(s["receiver"]),
                ", ".join(d["number"] or "" for d in s["documents"]),
            )
            for s in result["steps"]
        ],
    )


def register(app: typer.Typer) -> None:
    """Attach `trace` to the root command."""
    app.add_typer(trace_app, name="trace")
