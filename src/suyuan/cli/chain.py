"""`suyuan chain`: record each step of the chain, from grain intake to store sale, as events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import console, print_json
from suyuan.domain import operations as ops
from suyuan.domain.access import Actor
from suyuan.domain.operations import party
from suyuan.errors import InvalidInput
from suyuan.services.enterprises import get_enterprise, resolve_tenant
from suyuan.services.operations import OperationContext, decimal, to_epc, to_lot

chain_app = typer.Typer(
    help="Record the chain as events: intake, transform, commission, pack, ship, receive, sell.",
    no_args_is_help=True,
)
ENTERPRISE = typer.Option(..., "--enterprise", "-e", help="Enterprise doing this (id or slug).")
AT = typer.Option(None, "--at", help="When (ISO 8601 with offset); default now.")
LOCATION = typer.Option(None, "--location", help="Business location URI (e.g. an SGLN).")
DOCS = typer.Option(None, "--doc", help="Business document TYPE:NUMBER (po, desadv, recadv…).")
RECORDS = typer.Option(
    None, "--record", help='Profile record TYPE=JSON, e.g. \'T5.2={"methanol": "0.3"}\'.'
)


def _context(ctx: typer.Context, enterprise: str) -> OperationContext:
    runtime = runtime_of(ctx)
    with runtime.uow(write=False) as uow:
        tenant = resolve_tenant(uow, Actor.system(), enterprise_ref(enterprise))
    return OperationContext(
        runtime.uow,
        Actor.system(),
        tenant,
        key_dir=runtime.settings.key_dir,
        seal_every=runtime.settings.seal_every,
    )


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise InvalidInput(f"--at {text!r}: give a time zone offset, e.g. +08:00")
    return moment


def _documents(items: list[str] | None) -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        kind, sep, value = item.partition(":")
        if not sep or not value:
            raise InvalidInput(f"--doc {item!r}: expected TYPE:NUMBER, e.g. desadv:FH-2026-001")
        pairs.append((kind, value))
    return pairs


def _records(octx: OperationContext, items: list[str] | None) -> list[dict[str, Any]]:
    found = []
    for item in items or []:
        kind, sep, raw = item.partition("=")
        if not sep:
            raise InvalidInput(f"--record {item!r}: expected TYPE=JSON")
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"--record {kind}: not valid JSON ({exc.msg})") from exc
        found.append(octx.record(kind, data))
    return found


def _finish(octx: OperationContext, event: dict[str, Any], name: str, json_out: bool) -> None:
    result = octx.capture([event], name=name)
    if json_out:
        print_json(result.to_dict() | {"event_ids": result.event_ids})
    else:
        console.print(f"{name}: recorded ({', '.join(result.event_ids)})")


@chain_app.command("intake")
def intake(
    ctx: typer.Context,
    lot: str = typer.Option(..., "--lot", help="Material lot as GTIN:LOT."),
    quantity: str = typer.Option(..., "--quantity", help="Amount received."),
    uom: str = typer.Option("KGM", "--uom", help="UN/CEFACT unit (KGM, LTR, …)."),
    supplier: str = typer.Option(None, "--supplier", help="Supplier enterprise slug."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    doc: list[str] = DOCS,
    record: list[str] = RECORDS,
    json_out: bool = JSON,
) -> None:
    """Receive a raw or auxiliary material lot (QBT-10.1, Table 1, T3.1)."""
    octx = _context(ctx, enterprise)
    epc_class = to_lot(lot)
    gtin, lot_number = epc_class.split("/01/")[1].split("/10/")
    event = ops.intake(
        octx.where(at=_when(at), location=location, documents=_documents(doc)),
        gtin=gtin,
        lot=lot_number,
        quantity=decimal(quantity, "--quantity"),
        uom=uom,
        supplier=party(supplier) if supplier else None,
        records=_records(octx, record),
    )
    _finish(octx, event, "intake", json_out)


@chain_app.command("transform")
def transform(
    ctx: typer.Context,
    inputs: list[str] = typer.Option(..., "--input", help="Input lot GTIN:LOT[=QUANTITY]."),
    output: str = typer.Option(..., "--output", help="Output lot GTIN:LOT."),
    stage: str = typer.Option(
        ...,
        "--stage",
        help="koji_making, fermentation, distillation, base_liquor_storage, "
        "blending, bottling, or any process step of the profile.",
    ),
    quantity: str = typer.Option(None, "--quantity", help="Output amount."),
    uom: str = typer.Option("LTR", "--uom", help="Unit of the amounts."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    record: list[str] = RECORDS,
    json_out: bool = JSON,
) -> None:
    """Turn input lots into an output lot: koji making, distillation, blending (Tables 2–5)."""
    octx = _context(ctx, enterprise)
    parsed_inputs = []
    for item in inputs:
        lot, _, amount = item.partition("=")
        parsed_inputs.append((to_lot(lot), decimal(amount, "--input") if amount else None, uom))
    out_class = to_lot(output)
    gtin, lot_number = out_class.split("/01/")[1].split("/10/")
    event = ops.transform(
        octx.where(at=_when(at), location=location),
        inputs=parsed_inputs,
        output_gtin=gtin,
        output_lot=lot_number,
        output_quantity=decimal(quantity, "--quantity") if quantity else None,
        uom=uom,
        step=ops.stage_step(stage),
        records=_records(octx, record),
    )
    _finish(octx, event, f"transform ({stage})", json_out)


@chain_app.command("commission")
def commission(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="Codes being applied (any printed form)."),
    batch: str = typer.Option(..., "--batch", help="Production batch number (lot)."),
    source_lot: list[str] = typer.Option(None, "--from-lot", help="Blended lot GTIN:LOT used."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    record: list[str] = RECORDS,
    json_out: bool = JSON,
) -> None:
    """Commission bottle codes at bottling, linked to batch and blended lot (QBT-7.4, 10.2.4)."""
    octx = _context(ctx, enterprise)
    event = ops.commission(
        octx.where(at=_when(at), location=location),
        epcs=[to_epc(c) for c in codes],
        lot=batch,
        input_lots=[to_lot(x) for x in source_lot or []],
        records=_records(octx, record),
    )
    _finish(octx, event, "commission", json_out)


@chain_app.command("pack")
def pack(
    ctx: typer.Context,
    parent: str = typer.Argument(..., help="Case or pallet code."),
    children: list[str] = typer.Argument(..., help="Codes packed into it."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    json_out: bool = JSON,
) -> None:
    """Pack bottles into a case or cases into a pallet (QBT-10.2.5)."""
    octx = _context(ctx, enterprise)
    event = ops.pack(
        octx.where(at=_when(at), location=location),
        parent=to_epc(parent),
        children=[to_epc(c) for c in children],
    )
    _finish(octx, event, "pack", json_out)


@chain_app.command("unpack")
def unpack(
    ctx: typer.Context,
    parent: str = typer.Argument(..., help="Case or pallet code."),
    children: list[str] = typer.Argument(None, help="Codes taken out (default: all)."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    json_out: bool = JSON,
) -> None:
    """Take codes out of a container (a damaged case, a split pallet)."""
    octx = _context(ctx, enterprise)
    event = ops.unpack(
        octx.where(at=_when(at), location=location),
        parent=to_epc(parent),
        children=[to_epc(c) for c in children or []],
    )
    _finish(octx, event, "unpack", json_out)


def _movement(
    ctx: typer.Context,
    kind: str,
    codes: list[str],
    enterprise: str,
    counterpart: str | None,
    at: str | None,
    location: str | None,
    doc: list[str] | None,
    record: list[str] | None,
    json_out: bool,
) -> None:
    octx = _context(ctx, enterprise)
    with octx.make_uow() as uow:
        me = get_enterprise(uow, Actor.system(), octx.tenant_id).slug
    event = ops.movement(
        octx.where(at=_when(at), location=location, documents=_documents(doc)),
        kind=kind,
        epcs=[to_epc(c) for c in codes],
        me=me,
        counterpart=counterpart,
        records=_records(octx, record),
    )
    _finish(octx, event, ops.MOVEMENTS[kind][0], json_out)


@chain_app.command("ship")
def ship(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="Codes shipped (pallets carry their contents)."),
    to: str = typer.Option(..., "--to", help="Consignee enterprise slug."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    doc: list[str] = DOCS,
    record: list[str] = RECORDS,
    json_out: bool = JSON,
) -> None:
    """Ship goods with a dispatch note (QBT-10.2.6, Table 11)."""
    _movement(ctx, "ship", codes, enterprise, to, at, location, doc, record, json_out)


@chain_app.command("receive")
def receive(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="Codes received."),
    from_: str = typer.Option(None, "--from", help="Shipper enterprise slug."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    doc: list[str] = DOCS,
    record: list[str] = RECORDS,
    json_out: bool = JSON,
) -> None:
    """Receive goods with a receiving note (QBT-10.3, Table 12)."""
    _movement(
        ctx,
        "receive",
        codes,
        enterprise,
        from_,
        at,
        location,
        doc,
        record,
        json_out,
    )


@chain_app.command("sell")
def sell(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="Codes sold."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    record: list[str] = RECORDS,
    json_out: bool = JSON,
) -> None:
    """Record a store sale (Table 13.3)."""
    _movement(
        ctx,
        "sell",
        codes,
        enterprise,
        None,
        at,
        location,
        None,
        record,
        json_out,
    )


@chain_app.command("destroy")
def destroy(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="Codes destroyed."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    record: list[str] = RECORDS,
    json_out: bool = JSON,
) -> None:
    """Destroy nonconforming or returned product (QBT-T10.3)."""
    octx = _context(ctx, enterprise)
    event = ops.destroy(
        octx.where(at=_when(at), location=location),
        epcs=[to_epc(c) for c in codes],
        records=_records(octx, record),
    )
    _finish(octx, event, "destroy", json_out)


@chain_app.command("record")
def record_command(
    ctx: typer.Context,
    record: list[str] = typer.Option(..., "--record", help="Profile record TYPE=JSON."),
    codes: list[str] = typer.Option(None, "--code", help="Units the record is about."),
    lots: list[str] = typer.Option(None, "--lot", help="Lots (GTIN:LOT) it is about."),
    step: str = typer.Option("inspecting", "--step", help="CBV business step."),
    enterprise: str = ENTERPRISE,
    at: str = AT,
    location: str = LOCATION,
    json_out: bool = JSON,
) -> None:
    """Attach records (inspections, storage, clearance …) to units or lots as an event."""
    octx = _context(ctx, enterprise)
    if not codes and not lots:
        raise InvalidInput("name what the record is about: --code or --lot")
    event = ops.record_only(
        octx.where(at=_when(at), location=location),
        subjects=[to_epc(c) for c in codes or []],
        quantity_classes=[to_lot(x) for x in lots or []],
        step=step,
        records=_records(octx, record),
    )
    _finish(octx, event, "record", json_out)


def register(app: typer.Typer) -> None:
    """Attach `chain` to the root command."""
    app.add_typer(chain_app, name="chain")
