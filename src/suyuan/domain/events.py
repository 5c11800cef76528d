"""What the event store indexes about one canonical EPCIS event (pure).

The canonical event dict is described in :mod:`suyuan.capture.model`. Indexing turns
it into the columns and side rows the store queries: times in UTC, CBV words, and
every identifier the event names, under its role and in canonical key form
(Digital Link path, e.g. ``/01/06901234567892/21/ABC``) so that an EPC URN and the
equivalent Digital Link URI match each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from suyuan.capture.cbv import Vocabulary, to_json_form
from suyuan.errors import InvalidIdentifier, InvalidInput
from suyuan.identifiers.epc import canonical_key
from suyuan.identifiers.forms import parse_code
from suyuan.identifiers.gs1 import gs1_check_digit

SUYUAN_PREFIX = "sy"
SUYUAN_NAMESPACE = "https://suyuan.dev/ns/epcis/1"
"""suyuan's own EPCIS extension namespace (profile records, corrections)."""

# Roles an identifier plays in an event; stored values never change.
EPC_ROLES = {
    "epcList": "epc",
    "childEPCs": "child",
    "inputEPCList": "input",
    "outputEPCList": "output",
}
QUANTITY_ROLES = {
    "quantityList": "qty",
    "childQuantityList": "cqty",
    "inputQuantityList": "iqty",
    "outputQuantityList": "oqty",
}

_SSCC = re.compile(r"urn:epc:id:sscc:(\d{6,12})\.(\d{5,11})")


@dataclass(frozen=True, slots=True)
class EventIndex:
    """The indexed facts of one event."""

    event_type: str
    event_time: datetime
    time_zone: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    event_id: str | None
    has_error_declaration: bool
    corrective_event_ids: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]
    attributes: tuple[tuple[str, str], ...]


class InvalidEventField(InvalidInput):
    """One field of an event has a value the store cannot index; names the field and rule."""

    code = "invalid_event_field"

    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message, detail={"field": field, "rule": rule})
        self.field = field
        self.rule = rule


def parse_time(text: str, *, field: str) -> datetime:
    """An ISO 8601 timestamp with offset, as UTC; naive or malformed input is an error."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidEventField(
            f"{field} {text!r}: not an ISO 8601 date-time", field=field, rule="date_time"
        ) from None
    if moment.tzinfo is None:
        raise InvalidEventField(
            f"{field} {text!r}: needs a time zone offset (or Z)", field=field, rule="date_time"
        )
    return moment.astimezone(UTC)


@lru_cache(maxsize=65536)
def _cached_key(text: str) -> str:
    try:
        return canonical_key(text)
    except (InvalidIdentifier, ValueError):
        pass
    if text[:1].isdigit() and "/" in text:
        # An industrial-internet trace code (88.118.8/GTIN14+serial) names a GS1 unit too.
        try:
            return parse_code(text).key.path
        except (InvalidIdentifier, ValueError):
            pass
    return text


_SGTIN_HEAD = re.compile(r"urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})")
_SERIAL = re.compile(r"[0-9A-Za-z]{1,20}")


@lru_cache(maxsize=4096)
def _sgtin_base(head: str) -> str | None:
    """``/01/<GTIN>/21/`` for the ``urn:epc:id:sgtin:prefix.reference`` part of an SGTIN."""
    match = _SGTIN_HEAD.fullmatch(head)
    if match is None or len(match[1]) + len(match[2]) != 13:
        return None
    prefix, reference = match.groups()
    body = reference[0] + prefix + reference[1:]
    return f"/01/{body}{gs1_check_digit(body)}/21/"


@lru_cache(maxsize=65536)
def identifier_key(text: str) -> str:
    """The canonical matching key of an EPC URN, Digital Link URI or element string.

    Identifiers that are not GS1 keys (any other URI) are their own key. The two
    commonest URN forms take a fast path (an SGTIN's GTIN part is worked out once per
    product), and recent answers are remembered: capture asks for the key of every
    identifier several times (index, state rules, alerts, publishing).
    """
    head, _dot, serial = text.rpartition(".")
    base = _sgtin_base(head) if head.startswith("urn:epc:id:sgtin:") else None
    if base is not None and _SERIAL.fullmatch(serial):
        return base + serial
    match = _SSCC.fullmatch(text)
    if match and len(match[1]) + len(match[2]) == 17:
        body = match[2][0] + match[1] + match[2][1:]
        return f"/00/{body}{gs1_check_digit(body)}"
    return _cached_key(text)


def _cbv(vocabulary: Vocabulary, value: Any) -> str | None:
    return None if value is None else to_json_form(vocabulary, str(value))


def _identifiers(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    parent = event.get("parentID")
    if parent:
        yield "parent", identifier_key(parent)
    for field, role in EPC_ROLES.items():
        for epc in event.get(field) or ():
            yield role, identifier_key(epc)
    for field, role in QUANTITY_ROLES.items():
        for quantity in event.get(field) or ():
            epc_class = quantity.get("epcClass")
            if epc_class:
                yield role, identifier_key(epc_class)


def _attributes(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for item in event.get("bizTransactionList") or ():
        kind = _cbv(Vocabulary.BIZ_TRANSACTION_TYPE, item.get("type")) or ""
        yield f"bizTransaction:{kind}", str(item.get("bizTransaction", ""))
    for field, name, key in (
        ("sourceList", "source", "source"),
        ("destinationList", "destination", "destination"),
    ):
        for item in event.get(field) or ():
            kind = _cbv(Vocabulary.SOURCE_DESTINATION_TYPE, item.get("type")) or ""
            yield f"{name}:{kind}", str(item.get(key, ""))
    if event.get("transformationID"):
        yield "transformationID", str(event["transformationID"])


def index_event(event: dict[str, Any]) -> EventIndex:
    """Index one canonical event (already validated against the EPCIS schema)."""
    declaration = event.get("errorDeclaration")
    time_text = event.get("eventTime")
    if not isinstance(time_text, str):
        raise InvalidEventField("eventTime: required", field="eventTime", rule="required")
    return EventIndex(
        event_type=str(event.get("type")),
        event_time=parse_time(time_text, field="eventTime"),
        time_zone=str(event.get("eventTimeZoneOffset", "+00:00")),
        action=event.get("action"),
        biz_step=_cbv(Vocabulary.BIZ_STEP, event.get("bizStep")),
        disposition=_cbv(Vocabulary.DISPOSITION, event.get("disposition")),
        read_point=(event.get("readPoint") or {}).get("id"),
        biz_location=(event.get("bizLocation") or {}).get("id"),
        event_id=event.get("eventID"),
        has_error_declaration=isinstance(declaration, dict),
        corrective_event_ids=tuple((declaration or {}).get("correctiveEventIDs") or ())
        if isinstance(declaration, dict)
        else (),
        identifiers=tuple(dict.fromkeys(_identifiers(event))),
        attributes=tuple(dict.fromkeys(_attributes(event))),
    )
