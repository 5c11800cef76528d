"""/api/v1/chain: record operations of the chain as events; /api/v1/records: master data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from suyuan.api.deps import ActorDep, RuntimeDep, UowDep
from suyuan.domain import operations as ops
from suyuan.domain.operations import party
from suyuan.errors import InvalidInput
from suyuan.services.enterprises import get_enterprise, resolve_tenant
from suyuan.services.operations import OperationContext, to_epc, to_lot
from suyuan.services.records import add_master_record, list_records

router = APIRouter(tags=["chain"])


class RecordIn(BaseModel):
    """A profile record: its type (table id like T5.2, or key) and its fields."""

    type: str
    data: dict[str, Any]


class OperationIn(BaseModel):
    """Body of POST /api/v1/chain/{operation}; which fields apply depends on the operation."""

    at: datetime | None = None
    location: str | None = None
    documents: list[tuple[str, str]] = Field(default_factory=list)
    records: list[RecordIn] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list)
    parent: str | None = None
    lot: str | None = None
    inputs: list[tuple[str, Decimal | None]] = Field(default_factory=list)
    output: str | None = None
    stage: str | None = None
    quantity: Decimal | None = None
    uom: str | None = None
    counterpart: str | None = Field(default=None, description="Other enterprise's slug.")
    batch: str | None = None
    from_lots: list[str] = Field(default_factory=list)


def _split_lot(text: str | None, name: str) -> tuple[str, str]:
    if not text:
        raise InvalidInput(f"{name}: required (GTIN:LOT)")
    epc_class = to_lot(text)
    if "/10/" not in epc_class:
        raise InvalidInput(f"{name} {text!r}: expected GTIN:LOT")
    gtin, lot = epc_class.split("/01/")[1].split("/10/")
    return gtin, lot


def _build(op: str, body: OperationIn, octx: OperationContext, me: str) -> dict[str, Any]:
    where = octx.where(at=body.at, location=body.location, documents=body.documents)
    records = [octx.record(r.type, r.data) for r in body.records]
    codes = [to_epc(c) for c in body.codes]
    if op == "intake":
        gtin, lot = _split_lot(body.lot, "lot")
        if body.quantity is None:
            raise InvalidInput("quantity: required")
        return ops.intake(
            where,
            gtin=gtin,
            lot=lot,
            quantity=body.quantity,
            uom=body.uom or "KGM",
            supplier=party(body.counterpart) if body.counterpart else None,
            records=records,
        )
    if op == "transform":
        gtin, lot = _split_lot(body.output, "output")
        return ops.transform(
            where,
            inputs=[(to_lot(i), q, body.uom) for i, q in body.inputs],
            output_gtin=gtin,
            output_lot=lot,
            output_quantity=body.quantity,
            uom=body.uom,
            step=ops.stage_step(body.stage or "processing"),
            records=records,
        )
    if op == "commission":
        return ops.commission(
            where,
            epcs=codes,
            lot=body.batch,
            input_lots=[to_lot(x) for x in body.from_lots],
            records=records,
        )
    if op in ("pack", "unpack"):
        if not body.parent:
            raise InvalidInput("parent: required")
        builder = ops.pack if op == "pack" else ops.unpack
        return builder(where, parent=to_epc(body.parent), children=codes)
    if op in ops.MOVEMENTS:
        return ops.movement(
            where, kind=op, epcs=codes, me=me, counterpart=body.counterpart, records=records
        )
    if op == "destroy":
        return ops.destroy(where, epcs=codes, records=records)
    if op == "record":
        return ops.record_only(
            where,
            subjects=codes,
            quantity_classes=[to_lot(x) for x in body.from_lots],
            records=records,
        )
    raise InvalidInput(
        f"unknown operation {op!r}: intake, transform, commission, pack, unpack, "
        "ship, receive, sell, destroy, record"
    )


@router.post("/chain/{operation}", status_code=201)
def operation_route(
    operation: str, body: OperationIn, actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Record one step of the chain for the caller's enterprise; returns the capture result."""
    # No request-wide write transaction: the capture opens its own, and on SQLite a
    # second writer would wait for this one until "database is locked".
    with runtime.uow(write=False) as uow:
        tenant = resolve_tenant(uow, actor, None)
        me = get_enterprise(uow, actor, tenant).slug
    octx = OperationContext(
        runtime.uow,
        actor,
        tenant,
        key_dir=runtime.settings.key_dir,
        seal_every=runtime.settings.seal_every,
    )
    event = _build(operation, body, octx, me)
    result = octx.capture([event], name=operation)
    return result.to_dict() | {"event_ids": result.event_ids}


@router.post("/records", status_code=201)
def master_record_route(body: RecordIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Record master data of the caller's enterprise (supplier, equipment, facility, person)."""
    tenant = resolve_tenant(uow, actor, None)
    return add_master_record(
        uow, actor, tenant_id=tenant, record_type=body.type, data=body.data
    ).to_dict()


@router.get("/records")
def records_route(
    uow: UowDep, actor: ActorDep, type: str | None = None, subject: str | None = None
) -> list[dict[str, Any]]:
    """Records the caller may read, newest first."""
    tenant = None if actor.is_platform else actor.enterprise_id
    return [
        r.to_dict()
        for r in list_records(uow, actor, tenant_id=tenant, record_type=type, subject=subject)
    ]
