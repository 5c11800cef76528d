"""The market-produce (LZ-1..LZ-3) and generic (GEN-4, GEN-9) profiles validate and judge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from suyuan.domain.profiles import (
    InvalidRecord,
    check_profile,
    get_profile,
    judge,
    validate_record,
)

MARKET = get_profile("market_produce")
GENERIC = get_profile("generic")
DELIVERY = {
    "delivery_time": "2021-01-14T06:00:00+08:00",
    "lot_number": "L-1",
    "vendor": "V-1",
    "goods": "白菜",
    "category": "vegetable",
    "origin": "甘肃省榆中县",
    "origin_certificate_number": "CD-9",
    "supplier": "S-1",
    "weight": "120",
}


def _messages(profile_id: str, key: str, data: dict[str, object]) -> list[str]:
    with pytest.raises(InvalidRecord) as caught:
        validate_record(get_profile(profile_id), key, data)
    return [e.message for e in caught.value.errors]


def test_vendor_registration_requires_real_name_and_keeps_id_number_private() -> None:
    """LZ-1: real-name registration; the ID number is stored, never public."""
    vendor = validate_record(
        MARKET,
        "vendor",
        {
            "real_name": "马某",
            "id_number": "62010219800101123x",
            "id_verified": "yes",
            "stall": "A-12",
            "market": "东湖新源菜市场",
            "categories": "meat; vegetable",
        },
    )
    assert vendor.fields["categories"] == ["meat", "vegetable"]
    id_number = MARKET.get_record_type("vendor").find_field("id_number")
    assert id_number is not None
    assert not id_number.public
    public_sources = {(i.source.record_type, i.source.key) for i in MARKET.public_items}
    assert ("vendor", "id_number") not in public_sources
    assert _messages(
        "market_produce",
        "M1.1",
        {
            "real_name": "马某",
            "id_number": "123",
            "id_verified": "true",
            "stall": "A",
            "market": "M",
        },
    ) == ["M1 ID number: must be an 18-character resident ID number"]


def test_meat_delivery_requires_a_quarantine_certificate() -> None:
    """LZ-2: meat enters the market with its quarantine certificate."""
    assert _messages("market_produce", "delivery", {**DELIVERY, "category": "meat"}) == [
        "M2 quarantine certificate number: required for meat"
    ]
    meat = validate_record(
        MARKET,
        "delivery",
        {**DELIVERY, "category": "meat", "quarantine_certificate_number": "QC-1"},
    )
    assert meat.fields["weight"] == {"value": Decimal(120), "unit": "kg"}


def test_trade_on_a_trace_scale_validates_weight_in_jin() -> None:
    """LZ-2: vendor, goods, weight, unit price, amount, time, source lot, ticket."""
    trade = validate_record(
        MARKET,
        "trade",
        {
            "vendor": "V-1",
            "goods": "白菜",
            "weight": "2 斤",
            "unit_price": "3 元/斤",
            "amount": "6.00",
            "trade_time": "2021-01-14T09:30:00+08:00",
            "source_lot": "L-1",
            "payment_reference": "WX-1",
            "ticket_code": "T-0001",
        },
    )
    assert trade.fields["weight"] == {"value": Decimal(2), "unit": "斤"}
    assert trade.fields["unit_price"] == {"value": Decimal(3), "unit": "CNY/斤"}


def test_ticket_page_items_name_goods_vendor_market_origin_certificate_time_weight() -> None:
    """LZ-3: a ticket shows goods, stall, vendor, market, origin, certificate, time, weight."""
    labels = [i.label_en for i in MARKET.public_items]
    assert labels == [
        "goods",
        "vendor stall",
        "vendor name",
        "market",
        "origin",
        "quarantine certificate",
        "rapid test result",
        "trade time",
        "weight",
    ]


@pytest.mark.parametrize(
    ("category", "results", "failed"),
    [
        (
            "vegetable",
            {"origin_certificate_number": "CD-9", "pesticide_residue": "negative"},
            set(),
        ),
        (
            "vegetable",
            {"origin_certificate_number": "CD-9", "pesticide_residue": "positive"},
            {"pesticide_residue"},
        ),
        ("vegetable", {"pesticide_residue": "negative"}, {"origin_certificate"}),
        ("meat", {"origin_certificate_number": "CD-9"}, {"quarantine_certificate"}),
        (
            "meat",
            {"origin_certificate_number": "CD-9", "quarantine_certificate_number": "Q"},
            set(),
        ),
        ("fruit", {"origin_certificate_number": "CD-9"}, set()),
    ],
)
def test_market_verdicts(category: str, results: dict[str, object], failed: set[str]) -> None:
    """LZ-2: certificates present; vegetables test negative for pesticide residue."""
    verdict = judge(MARKET, category, results, {})
    assert {f.analyte for f in verdict.failures} == failed
    assert verdict.passed is (not failed)


def test_generic_profile_validates_batch_and_qc_and_judges_pass_fail() -> None:
    """GEN-9: a batch with production date and a pass/fail QC record, without any industry."""
    batch = validate_record(GENERIC, "batch", {"batch_number": "B1", "production_date": "2024/5/1"})
    assert batch.fields["production_date"] == "2024-05-01"
    qc = validate_record(GENERIC, "qc", {"test_time": "2024-05-01T10:00:00Z", "result": "PASS"})
    assert judge(GENERIC, "any", qc.fields, {}).passed
    assert not judge(GENERIC, "any", {"result": "fail"}, {}).passed
    assert _messages("generic", "qc", {"test_time": "2024-05-01T10:00:00Z", "result": "ok"}) == [
        "G2 result: must be one of: pass, fail"
    ]


def test_market_and_generic_profiles_are_consistent() -> None:
    """QBT-4.2: the same core checks accept every profile."""
    check_profile(MARKET)
    check_profile(GENERIC)
