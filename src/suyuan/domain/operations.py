"""Process operations as EPCIS events (pure): what a user does, in the GS1 vocabulary.

Each builder returns one canonical event dict (see :mod:`suyuan.capture.model`) for a
step of the chain: raw material intake, transformation (koji, fermentation and
distillation, blending), commissioning bottle codes, packing and unpacking, shipping,
receiving, retail sale, destruction, and a plain observation that carries a record.
Profile records ride in the suyuan namespace (``sy:record``), so an EPCIS export carries
them and a re-import restores them. Times are passed in: nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from suyuan.domain.events import SUYUAN_NAMESPACE, SUYUAN_PREFIX

LOT_NUMBER = "cbvmda:lotNumber"
STAGE_BASE = "https://suyuan.dev/ns/bizstep/"
"""Process steps a profile names (koji_making, distillation …) as non-CBV bizStep URIs."""
PARTY_BASE = "urn:suyuan:party:"
"""Enterprises as EPCIS source/destination parties."""
MOVEMENTS = {
    "ship": ("shipping", "in_transit"),
    "receive": ("receiving", "in_progress"),
    "sell": ("retail_selling", "retail_sold"),
}
"""Movement operations: their CBV business step and disposition."""


def stage_step(stage: str) -> str:
    """The bizStep URI of a profile process step."""
    return STAGE_BASE + stage


def party(slug: str) -> str:
    """The identifier of an enterprise as a source or destination party."""
    return PARTY_BASE + slug


NAMESPACES = {SUYUAN_PREFIX: SUYUAN_NAMESPACE, "cbvmda": "urn:epcglobal:cbv:mda"}


@dataclass(frozen=True, slots=True)
class Where:
    """Where and when an operation happens, and which business documents it belongs to."""

    time: datetime
    location: str | None = None
    read_point: str | None = None
    documents: tuple[tuple[str, str], ...] = ()

    def stamp(self) -> dict[str, Any]:
        """The time, place and document fields every event carries."""
        offset = self.time.strftime("%z") or "+0000"
        fields: dict[str, Any] = {
            "eventTime": self.time.isoformat(timespec="milliseconds"),
            "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
        }
        if self.read_point or self.location:
            fields["readPoint"] = {"id": self.read_point or self.location}
        if self.location:
            fields["bizLocation"] = {"id": self.location}
        if self.documents:
            fields["bizTransactionList"] = [
                {"type": kind, "bizTransaction": value} for kind, value in self.documents
            ]
        return fields


def lot_class(gtin: str, lot: str) -> str:
    """The Digital Link of a lot (an EPC class), e.g. ``https://id.gs1.org/01/…/10/LOT``."""
    return f"https://id.gs1.org/01/{gtin}/10/{lot}"


def unit_link(gtin: str, serial: str) -> str:
    """The Digital Link of a serialised unit."""
    return f"https://id.gs1.org/01/{gtin}/21/{serial}"


def _quantity(epc_class: str, amount: Decimal | int | float, uom: str | None) -> dict[str, Any]:
    value = float(amount) if isinstance(amount, Decimal) else amount
    item: dict[str, Any] = {"epcClass": epc_class, "quantity": value}
    if uom:
        item["uom"] = uom
    return item


def _with_records(
    event: dict[str, Any], records: Sequence[Mapping[str, Any]], *, ilmd: bool = False
) -> dict[str, Any]:
    if not records:
        return event
    payload: Any = records[0] if len(records) == 1 else list(records)
    element = {f"{SUYUAN_PREFIX}:record": _unwrap(payload)}
    if ilmd:
        event.setdefault("ilmd", {}).update(element)
    else:
        event.update(element)
    return event


def _unwrap(payload: Any) -> Any:
    # Records arrive as {"sy:record": {...}} (profiles.record_to_epcis); keep the body.
    if isinstance(payload, list):
        return [_unwrap(item) for item in payload]
    if isinstance(payload, Mapping) and f"{SUYUAN_PREFIX}:record" in payload:
        return payload[f"{SUYUAN_PREFIX}:record"]
    return payload


def intake(
    where: Where,
    *,
    gtin: str,
    lot: str,
    quantity: Decimal,
    uom: str,
    supplier: str | None,
    records: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Raw or auxiliary material received as a lot (QBT-10.1): a new lot comes into being."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        **where.stamp(),
        "epcList": [],
        "quantityList": [_quantity(lot_class(gtin, lot), quantity, uom)],
        "action": "ADD",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "ilmd": {LOT_NUMBER: lot},
    }
    if supplier:
        event["sourceList"] = [{"type": "owning_party", "source": supplier}]
    return _with_records(event, records, ilmd=True)


def transform(
    where: Where,
    *,
    inputs: Sequence[tuple[str, Decimal | None, str | None]],
    output_gtin: str,
    output_lot: str,
    output_quantity: Decimal | None,
    uom: str | None,
    step: str,
    transformation_id: str | None = None,
    records: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Input lots become an output lot (koji making, distillation, blending …)."""
    event: dict[str, Any] = {
        "type": "TransformationEvent",
        **where.stamp(),
        "inputQuantityList": [
            _quantity(epc_class, amount if amount is not None else 1, in_uom)
            for epc_class, amount, in_uom in inputs
        ],
        "outputQuantityList": [
            _quantity(
                lot_class(output_gtin, output_lot),
                output_quantity if output_quantity is not None else 1,
                uom,
            )
        ],
        "bizStep": step,
        "disposition": "in_progress",
        "ilmd": {LOT_NUMBER: output_lot},
    }
    if transformation_id:
        event["transformationID"] = transformation_id
    return _with_records(event, records, ilmd=True)


def commission(
    where: Where,
    *,
    epcs: Sequence[str],
    lot: str | None,
    input_lots: Sequence[str] = (),
    records: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Bottle (or case) codes come to life, linked to their production batch (QBT-7.4)."""
    if input_lots:
        event: dict[str, Any] = {
            "type": "TransformationEvent",
            **where.stamp(),
            "inputQuantityList": [_quantity(c, 1, None) for c in input_lots],
            "outputEPCList": list(epcs),
            "bizStep": "commissioning",
            "disposition": "active",
        }
    else:
        event = {
            "type": "ObjectEvent",
            **where.stamp(),
            "epcList": list(epcs),
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
        }
    if lot:
        event["ilmd"] = {LOT_NUMBER: lot}
    return _with_records(event, records, ilmd=True)


def pack(where: Where, *, parent: str, children: Sequence[str]) -> dict[str, Any]:
    """Children go into a container (bottle → case → pallet, QBT-10.2.5)."""
    return {
        "type": "AggregationEvent",
        **where.stamp(),
        "parentID": parent,
        "childEPCs": list(children),
        "action": "ADD",
        "bizStep": "packing",
        "disposition": "in_progress",
    }


def unpack(where: Where, *, parent: str, children: Sequence[str] = ()) -> dict[str, Any]:
    """Children come out of a container (all of them when none are named)."""
    return {
        "type": "AggregationEvent",
        **where.stamp(),
        "parentID": parent,
        "childEPCs": list(children),
        "action": "DELETE",
        "bizStep": "unpacking",
        "disposition": "in_progress",
    }


def observe(
    where: Where,
    *,
    epcs: Sequence[str],
    step: str,
    disposition: str | None,
    source: str | None = None,
    destination: str | None = None,
    records: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Goods seen at a step: shipping, receiving, storing, retail selling, inspecting …"""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        **where.stamp(),
        "epcList": list(epcs),
        "action": "OBSERVE",
        "bizStep": step,
    }
    if disposition:
        event["disposition"] = disposition
    if source:
        event["sourceList"] = [{"type": "owning_party", "source": source}]
    if destination:
        event["destinationList"] = [{"type": "owning_party", "destination": destination}]
    return _with_records(event, records)


def movement(
    where: Where,
    *,
    kind: str,
    epcs: Sequence[str],
    me: str,
    counterpart: str | None,
    records: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Ship to, receive from (``counterpart`` slug) or sell: custody moves (Tables 11–13)."""
    step, disposition = MOVEMENTS[kind]
    other = party(counterpart) if counterpart else None
    source: str | None
    destination: str | None
    if kind == "ship":
        source, destination = party(me), other
    elif kind == "receive":
        source, destination = other, party(me)
    else:  # a sale ends business-to-business custody: no parties
        source, destination = None, None
    return observe(
        where,
        epcs=epcs,
        step=step,
        disposition=disposition,
        source=source,
        destination=destination,
        records=records,
    )


def destroy(
    where: Where, *, epcs: Sequence[str], records: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """Units destroyed (nonconforming product disposal, QBT-T10.3)."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        **where.stamp(),
        "epcList": list(epcs),
        "action": "DELETE",
        "bizStep": "destroying",
        "disposition": "destroyed",
    }
    return _with_records(event, records)


def record_only(
    where: Where,
    *,
    subjects: Sequence[str],
    quantity_classes: Sequence[str] = (),
    step: str = "inspecting",
    records: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """An observation whose purpose is to carry records about units or lots."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        **where.stamp(),
        "epcList": list(subjects),
        "action": "OBSERVE",
        "bizStep": step,
    }
    if quantity_classes:
        event["quantityList"] = [{"epcClass": c} for c in quantity_classes]
    return _with_records(event, records)
