"""Carriage of profile records inside EPCIS 2.0 events, in the suyuan namespace.

A record travels as one user extension element, in ``ilmd`` when it is lot master data (an
ObjectEvent ADD or a TransformationEvent output) and among the event's extension fields
otherwise. Every leaf is a string and every list is a repeated element, so the JSON-LD form
maps one-to-one onto EPCIS XML::

    {"sy:record": {
        "sy:profile": "baijiu", "sy:type": "T5.2", "sy:key": "blending_quality",
        "sy:fields": {
            "sy:alcohol_content": "52.0",
            "sy:methanol": {"sy:value": "0.31", "sy:unit": "g/L"},
            "sy:unit_codes": ["…", "…"],
            "sy:extra": {"sy:cellar": "No. 3"}}}}

Coming back, the profile's field types restore Decimals, ints, booleans and one-item lists
(which XML → JSON turns into a plain string).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from suyuan.domain.profiles.errors import FieldError, InvalidRecord
from suyuan.domain.profiles.model import AttachesTo, FieldType, Profile, RecordType
from suyuan.domain.profiles.registry import get_profile
from suyuan.domain.profiles.validation import EXTRA_KEY, ValidatedRecord, validate_record

NAMESPACE = "https://suyuan.dev/ns/epcis/1"
PREFIX = "sy"
RECORD_ELEMENT = f"{PREFIX}:record"
CONTEXT: dict[str, str] = {PREFIX: NAMESPACE}


class Carriage(StrEnum):
    """Where in an EPCIS event a record travels."""

    ILMD = "ilmd"
    EXTENSION = "extension"


def carriage_for(record_type: RecordType) -> Carriage:
    """``ilmd`` for lot and product master data, event extension for everything else."""
    lot_data = record_type.attaches_to in (AttachesTo.LOT, AttachesTo.PRODUCT)
    return Carriage.ILMD if lot_data else Carriage.EXTENSION


def _q(name: str) -> str:
    return f"{PREFIX}:{name}"


def _leaf(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {_q(str(k)): _leaf(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_leaf(v) for v in value]
    return str(value)


def record_to_epcis(record: ValidatedRecord) -> dict[str, Any]:
    """The ``{"sy:record": …}`` extension element for ``record`` (string leaves only)."""
    fields: dict[str, Any] = {_q(name): _leaf(value) for name, value in record.fields.items()}
    if record.extra:
        fields[_q(EXTRA_KEY)] = {_q(name): value for name, value in record.extra.items()}
    body = {
        _q("profile"): record.profile,
        _q("type"): record.type_id,
        _q("key"): record.key,
        _q("fields"): fields,
    }
    return {RECORD_ELEMENT: body}


def _local(name: str) -> str:
    prefix, _, local = name.rpartition(":")
    if prefix not in (PREFIX, NAMESPACE, f"{{{NAMESPACE}}}") and prefix:
        raise ValueError(name)
    return local


def _unqualify(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_local(str(k)): _unqualify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unqualify(v) for v in value]
    return value


def record_from_epcis(ext: Mapping[str, Any], profile: Profile | None = None) -> ValidatedRecord:
    """Rebuild and re-validate a record from its extension element.

    ``ext`` is the element itself or a mapping holding ``sy:record``; without ``profile`` the
    one named in the element is looked up in the registry. Raises ``InvalidRecord`` when the
    element is malformed or its fields break the profile's rules.
    """
    body = ext.get(RECORD_ELEMENT, ext)
    try:
        plain = _unqualify(body)
        type_id, profile_id, fields = plain["type"], plain["profile"], plain.get("fields") or {}
        if not isinstance(fields, Mapping) or not isinstance(type_id, str):
            raise TypeError(type_id)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRecord("?", [_shape_error(str(exc))]) from exc
    if profile is None:
        profile = get_profile(str(profile_id))
    record_type = profile.get_record_type(type_id)
    data = dict(fields)
    for declared in record_type.fields:
        # XML → JSON cannot tell a one-item list from a scalar; the profile can.
        value = data.get(declared.name)
        if declared.type is FieldType.LIST and value is not None and not isinstance(value, list):
            data[declared.name] = [value]
    return validate_record(profile, record_type.id, data)


def _shape_error(detail: str) -> FieldError:
    return FieldError("?", RECORD_ELEMENT, "shape", f"{RECORD_ELEMENT}: malformed ({detail})")
