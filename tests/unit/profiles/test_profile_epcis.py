"""Records travel inside EPCIS events and come back equal, through JSON and XML (QBT-11.3)."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from suyuan.domain.profiles import (
    NAMESPACE,
    Carriage,
    Field,
    FieldType,
    InvalidRecord,
    RecordType,
    ValidatedRecord,
    carriage_for,
    get_profile,
    list_profiles,
    record_from_epcis,
    record_to_epcis,
    units,
    validate_record,
)
from suyuan.domain.profiles.coercion import Rejected, coerce_value, is_blank

_LINE = st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp"))
_WORDS = st.text(_LINE, min_size=1, max_size=30)
_PARAGRAPH = st.text(st.one_of(_LINE, st.sampled_from("\n\r\t")), min_size=1, max_size=60)
_HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
_REF = {
    FieldType.STRING,
    FieldType.PERSON_REF,
    FieldType.SUPPLIER_REF,
    FieldType.EQUIPMENT_REF,
    FieldType.FACILITY_REF,
    FieldType.LOT_REF,
    FieldType.CODE_REF,
}


def _number(field: Field, places: int) -> st.SearchStrategy[Decimal]:
    low = Decimal(field.minimum) if field.minimum is not None else Decimal(-(10**6))
    high = Decimal(field.maximum) if field.maximum is not None else Decimal(10**6)
    return st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False)


def _value(field: Field) -> st.SearchStrategy[Any]:
    kind = field.type
    if field.pattern:
        return st.sampled_from(["62010219800101123X", "SC11462011200123", "SC1146 2011 2001 23"])
    if kind in _REF:
        return _WORDS
    if kind is FieldType.TEXT:
        return _PARAGRAPH
    if kind is FieldType.INTEGER:
        return _number(field, 0).map(lambda d: str(int(d)))
    if kind is FieldType.DECIMAL:
        return _number(field, 3).map(str)
    if kind is FieldType.QUANTITY:
        accepted = field.allowed or units.units_like(field.unit or "")
        return st.builds(
            lambda v, u: f"{v} {u}", st.decimals(0, 10**4, places=3), st.sampled_from(accepted)
        )
    if kind is FieldType.DATE:
        return st.dates().map(lambda d: d.strftime("%Y/%m/%d"))
    if kind is FieldType.DATETIME:
        zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])
        return st.datetimes(timezones=zones).map(lambda d: d.isoformat())
    if kind is FieldType.BOOLEAN:
        return st.sampled_from(["是", "否", "true", "0", True])
    if kind is FieldType.ENUM:
        return st.sampled_from(field.allowed)
    if kind is FieldType.FILE:
        return st.one_of(_WORDS, st.fixed_dictionaries({"sha256": _HEX}, optional={"name": _WORDS}))
    item = Field(field.name, "", "", field.item_type or FieldType.STRING, allowed=field.allowed)
    return st.lists(_value(item), min_size=1, max_size=4)


def _valid(field: Field, value: Any) -> bool:
    if is_blank(value):
        return False
    try:
        coerce_value(field, value)
    except Rejected:
        return False
    return True


@st.composite
def records(draw: st.DrawFn) -> ValidatedRecord:
    profile = draw(st.sampled_from(list_profiles()))
    record_type: RecordType = draw(st.sampled_from(profile.record_types))
    data: dict[str, Any] = {}
    conditional = {rule.field for rule in record_type.required_when}
    for field in record_type.fields:
        if field.required or field.name in conditional or draw(st.booleans()):
            data[field.name] = draw(_value(field).filter(partial(_valid, field)))
    names = st.from_regex(r"[a-z][a-z0-9_]{0,8}|[窖池酒龄]{1,3}", fullmatch=True)
    extra = draw(
        st.dictionaries(
            names.filter(lambda n: n not in record_type.field_names and not n.startswith("xml")),
            _WORDS.filter(str.strip),
            max_size=3,
        )
    )
    return validate_record(profile, record_type.id, {**data, "extra": extra})


def _to_xml(parent: etree._Element, name: str, value: Any) -> None:
    tag = f"{{{NAMESPACE}}}{name.split(':', 1)[1]}"
    for item in value if isinstance(value, list) else [value]:
        element = etree.SubElement(parent, tag)
        if isinstance(item, dict):
            for key, child in item.items():
                _to_xml(element, key, child)
        else:
            element.text = item


def _from_xml(element: etree._Element) -> Any:
    if len(element) == 0:
        return element.text or ""
    result: dict[str, Any] = {}
    for child in element:
        key = f"sy:{etree.QName(child).localname}"
        value = _from_xml(child)
        if key in result:
            previous = result[key]
            result[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[key] = value
    return result


def _through_xml(ext: dict[str, Any]) -> dict[str, Any]:
    """The EPCIS JSON-LD ↔ XML mapping of a user extension: nested elements, repeated lists."""
    root = etree.Element("extension", nsmap={"sy": NAMESPACE})
    for key, value in ext.items():
        _to_xml(root, key, value)
    parsed = etree.fromstring(etree.tostring(root, encoding="UTF-8"))
    return _from_xml(parsed)  # type: ignore[no-any-return]


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


@settings(max_examples=150, deadline=None)
@given(records())
def test_record_round_trips_through_epcis_json(record: ValidatedRecord) -> None:
    """QBT-11.3: record → sy:record extension → record is the identity; leaves are strings."""
    ext = record_to_epcis(record)
    assert set(ext) == {"sy:record"}
    assert all(isinstance(leaf, str) for leaf in _leaves(ext))
    assert record_from_epcis(ext) == record


@settings(max_examples=150, deadline=None)
@given(records())
def test_record_round_trips_through_epcis_xml(record: ValidatedRecord) -> None:
    """QBT-11.3: the same element survives XML, where one-item lists collapse to scalars."""
    assert record_from_epcis(_through_xml(record_to_epcis(record))) == record


def test_carriage_shape_is_namespaced_and_typed_by_the_profile() -> None:
    """QBT-11.3: the shape other systems rely on."""
    baijiu = get_profile("baijiu")
    record = validate_record(
        baijiu,
        "T13.3",
        {
            "store_id": "S1",
            "store_name": "店",
            "sale_time": "2024-05-01T12:00:00+08:00",
            "unit_codes": ["88.1/A"],
            "quantity": 1,
            "price": "399.00",
            "cellar": "3",
        },
    )
    assert record_to_epcis(record) == {
        "sy:record": {
            "sy:profile": "baijiu",
            "sy:type": "T13.3",
            "sy:key": "store_sale",
            "sy:fields": {
                "sy:store_id": "S1",
                "sy:store_name": "店",
                "sy:sale_time": "2024-05-01T04:00:00+00:00",
                "sy:unit_codes": ["88.1/A"],
                "sy:quantity": "1",
                "sy:price": "399.00",
                "sy:extra": {"sy:cellar": "3"},
            },
        }
    }
    assert NAMESPACE == "https://suyuan.dev/ns/epcis/1"
    assert carriage_for(baijiu.get_record_type("T5.2")) is Carriage.ILMD
    assert carriage_for(baijiu.get_record_type("T13.3")) is Carriage.EXTENSION


def test_malformed_or_invalid_extension_is_rejected() -> None:
    """QBT-11.3: what comes back in is validated like any other input."""
    with pytest.raises(InvalidRecord, match="malformed"):
        record_from_epcis({"sy:record": {"sy:fields": {}}})
    bad = {
        "sy:record": {
            "sy:profile": "generic",
            "sy:type": "G2.1",
            "sy:fields": {"sy:result": "maybe"},
        }
    }
    with pytest.raises(InvalidRecord, match="G2 result: must be one of"):
        record_from_epcis(bad)
