"""Market trace tickets (LZ-3): a ticket code from a trade resolves to a public page with
vendor, goods, origin and inspection certificate — and nothing personal (ID numbers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from suyuan.api.app import create_app
from suyuan.bootstrap import Runtime
from suyuan.config import Settings
from suyuan.domain import operations as ops
from suyuan.domain.access import Actor
from suyuan.identifiers.gs1 import Gtin
from suyuan.services.enterprises import NewEnterprise, add_enterprise
from suyuan.services.operations import OperationContext
from suyuan.services.records import add_master_record

TICKET = "LZ20260501000123"
ID_NUMBER = "62010219800101123X"
JSON = {"accept": "application/json"}


@pytest.fixture
def market(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """A market with one vendor, one delivery of pork and one trade on a trace scale."""
    actor = Actor.system()
    with runtime.uow() as uow:
        tenant = add_enterprise(
            uow,
            actor,
            NewEnterprise(
                slug="lz-market", name="兰州某农贸市场", role="vendor", profile="market_produce"
            ),
        ).id
    with runtime.uow() as uow:
        add_master_record(
            uow,
            actor,
            tenant_id=tenant,
            record_type="M1.1",
            data={
                "real_name": "王建国",
                "id_number": ID_NUMBER,
                "id_verified": True,
                "stall": "A-12",
                "market": "兰州某农贸市场",
            },
        )
    ctx = OperationContext(runtime.uow, actor, tenant, key_dir=settings.key_dir)
    moment = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    delivery = ctx.record(
        "M2.1",
        {
            "delivery_time": moment.isoformat(),
            "lot_number": "P20260501",
            "vendor": "王建国",
            "goods": "猪肉",
            "category": "meat",
            "origin": "甘肃省定西市",
            "quarantine_certificate_number": "6201234567",
            "supplier": "定西某屠宰场",
            "weight": "120 kg",
        },
    )
    trade = ctx.record(
        "M4.1",
        {
            "vendor": "王建国",
            "goods": "猪肉",
            "weight": "1.5 kg",
            "unit_price": "28 CNY/kg",
            "amount": "42",
            "trade_time": moment.replace(hour=3).isoformat(),
            "source_lot": "P20260501",
            "ticket_code": TICKET,
            "payment_reference": "PAY-SECRET-9",
        },
    )
    gtin = Gtin.from_body("697000000001").value
    ctx.capture(
        [
            ops.intake(
                ops.Where(time=moment),
                gtin=gtin,
                lot="P20260501",
                quantity=Decimal(120),
                uom="KGM",
                supplier=None,
                records=[delivery],
            ),
            ops.record_only(
                ops.Where(time=moment.replace(hour=3)),
                subjects=[],
                step="retail_selling",
                records=[trade],
            ),
        ],
        name="market day",
    )
    with TestClient(create_app(settings.model_copy(update={"scan_flush_seconds": 0}))) as client:
        yield client


def test_a_ticket_resolves_to_vendor_goods_origin_and_certificate(market: TestClient) -> None:
    body = market.get(f"/t/{TICKET}", headers=JSON).json()
    assert body["verdict"] == "genuine"
    items = {item["id"]: item["value"] for item in body["items"]}
    assert list(items) == [f"LZ-3.{n}" for n in range(1, 10)]
    assert items["LZ-3.1"] == "猪肉"
    assert items["LZ-3.2"] == "A-12"
    assert items["LZ-3.3"] == "王建国"
    assert items["LZ-3.5"] == "甘肃省定西市"
    assert items["LZ-3.6"] == "6201234567"
    page = market.get(f"/t/{TICKET}").text
    for shown in ("猪肉", "王建国", "甘肃省定西市", "6201234567", "交易溯源票"):
        assert shown in page
    for hidden in (ID_NUMBER, "PAY-SECRET-9", "CNY", "单价", "unit_price"):
        assert hidden not in page
        assert hidden not in str(body)


def test_a_typed_ticket_code_resolves_and_an_unknown_one_does_not(market: TestClient) -> None:
    assert market.get("/q", params={"code": TICKET}, headers=JSON).json()["verdict"] == "genuine"
    unknown = market.get("/q", params={"code": "LZ-NO-SUCH"}, headers=JSON)
    assert unknown.status_code == 404
    assert unknown.json()["verdict"] == "malformed"
