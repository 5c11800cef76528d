"""Record validation: exact messages, all errors at once, CSV coercion, extras (QBT-8.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from suyuan.domain.profiles import (
    InvalidRecord,
    UnknownRecordType,
    get_profile,
    validate_record,
)
from suyuan.errors import InvalidInput, NotFound

BAIJIU = get_profile("baijiu")
CHINA = timezone(timedelta(hours=8))
QUALITY = {
    "alcohol_content": "52",
    "quantity": "1000",
    "methanol": "0.2",
    "lead": "0.05",
    "cyanide": "1.0",
}


def _messages(record_type: str, data: Mapping[str, object]) -> list[str]:
    with pytest.raises(InvalidRecord) as caught:
        validate_record(BAIJIU, record_type, data)
    return [e.message for e in caught.value.errors]


def test_missing_hygiene_analyte_is_required() -> None:
    """QBT-T5.2: "T5 methanol: required"."""
    data = {k: v for k, v in QUALITY.items() if k != "methanol"}
    assert _messages("blending_quality", data) == ["T5 methanol: required"]


def test_package_ratio_must_be_a_positive_integer() -> None:
    """QBT-T11.3: "T11 package ratio: must be a positive integer"."""
    line = {"product_name": "x", "trace_code": "88.1/1", "packaging_level": "case"}
    for bad in ("6.5", "0", "-2", "six", True):
        assert _messages("dispatch_product", {**line, "package_ratio": bad}) == [
            "T11 package ratio: must be a positive integer"
        ]


def test_alcohol_content_must_be_a_decimal_between_0_and_100() -> None:
    """QBT-T5.2: "T5 alcohol content: must be a decimal between 0 and 100 (% vol)"."""
    for bad in ("abc", "100.1", "-1", "NaN"):
        assert _messages("blending_quality", {**QUALITY, "alcohol_content": bad}) == [
            "T5 alcohol content: must be a decimal between 0 and 100 (% vol)"
        ]


def test_all_errors_of_a_record_are_reported_at_once() -> None:
    """QBT-8.1: one pass reports every broken rule, with structured detail."""
    with pytest.raises(InvalidRecord) as caught:
        validate_record(BAIJIU, "T5.2", {"alcohol_content": "x", "quantity": "2 g/L"})
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert [(e.table, e.field, e.rule) for e in error.errors] == [
        ("T5", "alcohol_content", "type"),
        ("T5", "quantity", "unit"),
        ("T5", "methanol", "required"),
        ("T5", "lead", "required"),
        ("T5", "cyanide", "required"),
    ]
    assert str(error).startswith("T5 alcohol content: must be a decimal")
    assert error.detail["record_type"] == "T5.2"
    assert len(error.detail["errors"]) == 5


def test_csv_strings_are_coerced_to_typed_values() -> None:
    """QBT-8.1: spreadsheet text becomes Decimal, quantity, int, date and UTC instant."""
    record = validate_record(
        BAIJIU,
        "T5.2",
        {
            **QUALITY,
            "alcohol_content": " 52.5 ",
            "quantity": "1,000".replace(",", "") + " 公斤",
            "methanol": "0.25 g/l",
            "lead": "0.05mg/kg",
            "test_time": "2024-03-01 08:30",
        },
        tz=CHINA,
    )
    assert record.fields["alcohol_content"] == Decimal("52.5")
    assert record.fields["quantity"] == {"value": Decimal(1000), "unit": "kg"}
    assert record.fields["methanol"] == {"value": Decimal("0.25"), "unit": "g/L"}
    assert record.fields["lead"] == {"value": Decimal("0.05"), "unit": "mg/kg"}
    assert record.fields["cyanide"] == {"value": Decimal("1.0"), "unit": "mg/L"}
    assert record.fields["test_time"] == "2024-03-01T00:30:00+00:00"
    assert record.to_json()["alcohol_content"] == "52.5"
    assert record.to_json()["methanol"] == {"value": "0.25", "unit": "g/L"}


@pytest.mark.parametrize(
    "text", ["2019-10-17", "2019/10/17", "2019.10.17", "20191017", "2019—10—17", "2019年10月17日"]
)
def test_dates_in_common_spellings_normalise_to_iso_8601(text: str) -> None:
    """QBT-T15.5 interpretation: the draft writes 2019—10—17; store ISO 8601."""
    record = validate_record(
        BAIJIU,
        "T3.3",
        {
            "process_step": "蒸馏",
            "clearance_time": "2024-01-02T10:00:00+08:00",
            "clearance_responsible": "P-1",
            "production_date": text,
        },
    )
    assert record.fields["production_date"] == "2019-10-17"


def test_bad_dates_and_naive_times_are_rejected() -> None:
    """Gap 9: ISO 8601 timestamps with timezone."""
    assert _messages(
        "T3.3",
        {
            "process_step": "蒸馏",
            "clearance_time": "2024-01-02 10:00",
            "clearance_responsible": "P-1",
            "production_date": "2019-02-30",
        },
    ) == [
        "T3 production date: must be a date (YYYY-MM-DD)",
        "T3 clearance time: must be a date and time with a timezone offset",
    ]


def test_quantity_unit_is_checked_and_converted_for_range() -> None:
    """QBT-T5.2 interpretation: value, unit (and method) for automatic judgement."""
    assert _messages("T5.2", {**QUALITY, "lead": "0.1 mg/L"}) == [
        "T5 lead: unit must be one of mg/kg, g/kg, not 'mg/L'"
    ]
    assert _messages("T5.2", {**QUALITY, "methanol": "-1 mg/L"}) == [
        "T5 methanol: must be a quantity of at least 0 (g/L)"
    ]
    record = validate_record(
        BAIJIU, "T5.2", {**QUALITY, "methanol": {"value": 300, "unit": "mg/L"}}
    )
    assert record.fields["methanol"] == {"value": Decimal(300), "unit": "mg/L"}


def test_text_fields_refuse_control_characters_and_overlong_codes() -> None:
    """QBT-7.2: a trace code is at most 100 characters."""
    line = {"product_name": "x", "packaging_level": "case"}
    assert _messages("T11.3", {**line, "trace_code": "8" * 101}) == [
        "T11 trace code: must be a trace code of at most 100 characters"
    ]
    assert _messages("T11.3", {**line, "trace_code": "a\x01b"}) == [
        "T11 trace code: must not contain control characters"
    ]
    assert _messages("T11.3", {**line, "trace_code": "a\nb"}) == [
        "T11 trace code: must be a single line"
    ]


def test_lists_booleans_enums_and_files() -> None:
    """QBT-T13.3, QBT-T9.1, QBT-T10.5, QBT-T1.1 field types."""
    sale = validate_record(
        BAIJIU,
        "store_sale",
        {
            "store_id": "S1",
            "store_name": "旗舰店",
            "sale_time": "2024-05-01T12:00:00Z",
            "unit_codes": "88.1/A; 88.1/B；88.1/C",
            "quantity": "3",
            "price": "399.00",
        },
    )
    assert sale.fields["unit_codes"] == ["88.1/A", "88.1/B", "88.1/C"]
    assert sale.fields["quantity"] == 3
    person = validate_record(BAIJIU, "personnel", {"name": "张三", "on_shift": "是"})
    assert person.fields["on_shift"] is True
    assert _messages("personnel", {"name": "张三", "on_shift": "maybe"}) == [
        "T9 on shift: must be true or false"
    ]
    moved = validate_record(
        BAIJIU,
        "T10.5",
        {
            "product_name": "x",
            "batch_number": "203",
            "direction": "Inbound",
            "movement_time": "2024-05-01T12:00:00+08:00",
            "quantity": 6,
        },
    )
    assert moved.fields["direction"] == "inbound"
    material = validate_record(
        BAIJIU,
        "raw_material",
        {
            "material_name": "高粱",
            "accompanying_inspection_report": {"uri": "https://x/r.pdf", "sha256": "a" * 64},
        },
    )
    assert material.fields["accompanying_inspection_report"]["sha256"] == "a" * 64
    assert _messages(
        "raw_material",
        {"material_name": "高粱", "accompanying_inspection_report": {"name": "r.pdf"}},
    ) == [
        "T1 accompanying inspection report: must be a file reference"
        " (a URI or sha256, or a mapping with uri/sha256)"
    ]


def test_extra_fields_are_kept_under_extra() -> None:
    """QBT-8.1 interpretation: enterprise-defined extra fields are accepted."""
    record = validate_record(BAIJIU, "T5.2", {**QUALITY, "窖池": "3号", "extra": {"cellar": 7}})
    assert record.extra == {"cellar": "7", "窖池": "3号"}
    assert record.as_dict()["extra"] == {"cellar": "7", "窖池": "3号"}
    assert validate_record(BAIJIU, "T5.2", record.as_dict()) == record
    assert _messages("T5.2", {**QUALITY, "bad name": "x"}) == [
        "T5 bad name: extra field names must be words of letters, digits and _"
    ]


def test_blank_optional_fields_are_left_out() -> None:
    """CSV cells that are empty mean "not given"."""
    record = validate_record(BAIJIU, "T5.2", {**QUALITY, "grade": "  ", "total_acids": ""})
    assert "grade" not in record.fields
    assert "total_acids" not in record.fields


def test_unknown_record_type_is_not_found() -> None:
    """QBT-4.2: record types come from the profile only."""
    with pytest.raises(UnknownRecordType) as caught:
        validate_record(BAIJIU, "T99.1", {})
    assert isinstance(caught.value, NotFound)
