"""Builders of small EPCIS 2.0 JSON-LD documents for event-store tests."""

from __future__ import annotations

from typing import Any

import orjson

from shared_data import CONFORMANCE

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

GTIN = "06901234567892"
"""The bottle product (company prefix 6901234) that tests file as the tenant's own."""
PARTNER_GTIN = "06911234567891"
"""A product nobody filed in the tenant: a partner's."""


def bottle(serial: int | str, gtin: str = GTIN) -> str:
    """SGTIN EPC URN of one bottle."""
    prefix = "6901234" if gtin == GTIN else "6911234"
    reference = gtin[0] + gtin[1 + len(prefix) : 13]
    return f"urn:epc:id:sgtin:{prefix}.{reference}.{serial}"


def bottle_key(serial: int | str, gtin: str = GTIN) -> str:
    """Canonical key of one bottle."""
    return f"/01/{gtin}/21/{serial}"


def sscc(n: int) -> str:
    """SSCC EPC URN of case or pallet ``n`` (company prefix 6901234)."""
    return f"urn:epc:id:sscc:6901234.{n:010d}"


def sscc_key(n: int) -> str:
    """Canonical key of SSCC ``n``."""
    body = f"{str(n).zfill(10)[0]}6901234{str(n).zfill(10)[1:]}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return f"/00/{body}{(10 - total % 10) % 10}"


def lgtin(lot: str, gtin: str = GTIN) -> str:
    """LGTIN EPC class URN of one lot."""
    return f"urn:epc:class:lgtin:6901234.{gtin[0]}{gtin[8:13]}.{lot}"


def sgln(location: str) -> str:
    """An SGLN URN."""
    return f"urn:epc:id:sgln:6901234.00000.{location}"


def event(
    kind: str = "ObjectEvent",
    *,
    time: str = "2026-01-05T08:00:00+08:00",
    event_id: str | None = None,
    action: str | None = "OBSERVE",
    biz_step: str | None = None,
    disposition: str | None = None,
    location: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One event in the JSON-LD binding."""
    out: dict[str, Any] = {"type": kind, "eventTime": time, "eventTimeZoneOffset": time[-6:]}
    if event_id:
        out["eventID"] = event_id
    if action and kind != "TransformationEvent":
        out["action"] = action
    if biz_step:
        out["bizStep"] = biz_step
    if disposition:
        out["disposition"] = disposition
    if location:
        out["bizLocation"] = {"id": sgln(location)}
    return out | fields


def commission(*serials: int, lot: str = "L1", **kw: Any) -> dict[str, Any]:
    """Commission own bottles into a lot."""
    return event(
        action="ADD",
        biz_step="commissioning",
        disposition="active",
        location="plant",
        epcList=[bottle(s) for s in serials],
        ilmd={"cbvmda:lotNumber": lot},
        **kw,
    )


def pack(parent: str, children: list[str], **kw: Any) -> dict[str, Any]:
    """Aggregate ``children`` into ``parent``."""
    return event(
        "AggregationEvent",
        action="ADD",
        biz_step="packing",
        parentID=parent,
        childEPCs=children,
        **kw,
    )


def document(*events: dict[str, Any], context: list[Any] | None = None) -> bytes:
    """An EPCISDocument holding ``events``."""
    return orjson.dumps(
        {
            "@context": context or [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-01-05T00:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    )


NOT_EVENT_DOCUMENTS = frozenset(
    {
        "xml/CBV/CBV-11.4-2020-06-16a.xml",
        "xml/Mimasu/Example-masterData.xml",
        "xml/CaptureJob/Example-CaptureJobRunning.xml",
        "xml/CaptureJob/Example-CaptureJobSuccess.xml",
        "xml/CaptureJob/Example-CaptureJobWithErrorFile.xml",
        "xml/CaptureJob/Example-CaptureJobWithErrors.xml",
    }
)


def conformance_documents() -> list[str]:
    """Every event document under json/, json-simple-context/ and xml/ (relative paths)."""
    if not CONFORMANCE.is_dir():
        return []
    return sorted(
        str(path.relative_to(CONFORMANCE))
        for folder in ("json", "json-simple-context", "xml")
        for path in (CONFORMANCE / folder).rglob("*")
        if path.suffix in (".json", ".jsonld", ".xml")
        and str(path.relative_to(CONFORMANCE)) not in NOT_EVENT_DOCUMENTS
    )
