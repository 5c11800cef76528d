"""The alert engine on both databases: each rule fires on its scenario and stays quiet on normal
data (GEN-12 to GEN-17, QBT-6.8, QBT-8.9); signed webhook delivery with retry and log (GEN-16)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from tests.event_documents import (
    PARTNER_GTIN,
    bottle,
    bottle_key,
    commission,
    document,
    event,
    pack,
    sscc,
    sscc_key,
)
from tests.factories import make_enterprise, make_product

from suyuan.bootstrap import Runtime
from suyuan.domain.access import Actor, Role
from suyuan.services.alert_checks import evaluate_captured_events, run_checks
from suyuan.services.alerts import (
    AlertClosed,
    acknowledge_alert,
    close_alert,
    list_alerts,
    raise_alert,
    set_rules,
)
from suyuan.services.capture import capture_document
from suyuan.services.enterprises import Enterprise
from suyuan.services.scan_alerts import evaluate_scan_log
from suyuan.services.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    add_webhook,
    deliver_pending,
    delivery_log,
    is_signed,
)
from suyuan.storage.public_tables import scan_log
from suyuan.storage.tables import events, lots

SYSTEM = Actor.system()


def _capture(runtime: Runtime, tenant: Enterprise, *items: dict[str, Any]) -> None:
    """Capture a document, then run the event rules as the capture pipeline does."""
    with runtime.uow() as uow:
        before = uow.connection.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0
    capture_document(runtime.uow, SYSTEM, tenant_id=tenant.id, source=document(*items))
    with runtime.uow() as uow:
        rows = uow.connection.execute(
            sa.select(events.c.id, events.c.body).where(events.c.id > before).order_by(events.c.id)
        ).all()
        evaluate_captured_events(uow.connection, tenant.id, [(json.loads(b), pk) for pk, b in rows])
        uow.commit()


def _rules(runtime: Runtime, tenant: Enterprise | None = None) -> list[tuple[str, str | None]]:
    with runtime.uow(write=False) as uow:
        found = list_alerts(uow, SYSTEM, tenant_id=tenant.id if tenant else None, limit=1000)
    return sorted((a.rule, a.object) for a in found)


@pytest.fixture
def producer(runtime: Runtime) -> Enterprise:
    """A distillery with its bottle product (shelf life 30 days)."""
    enterprise = make_enterprise(runtime)
    make_product(runtime, enterprise, shelf_life="30天")
    return enterprise


def _sensor(value: float, serial: int) -> dict[str, Any]:
    return event(
        biz_step="storing",
        location="cellar",
        epcList=[bottle(serial)],
        sensorElementList=[
            {"sensorReport": [{"type": "Temperature", "value": value, "uom": "CEL"}]}
        ],
    )


def test_event_rules_fire_on_their_scenarios_and_stay_quiet_on_normal_data(
    runtime: Runtime, producer: Enterprise
) -> None:
    """GEN-13 (temperature), GEN-15 (commissioned twice), GEN-17 (held goods shipped)."""
    _capture(runtime, producer, commission(1, 2, 3, lot="L1"))
    _capture(runtime, producer, _sensor(18.0, 1), _sensor(31.0, 2))
    partner = [bottle(s, PARTNER_GTIN) for s in (7, 8)]
    _capture(
        runtime,
        producer,
        event(action="ADD", biz_step="commissioning", epcList=partner,
              ilmd={"cbvmda:lotNumber": "P1"}),
        event(action="ADD", biz_step="commissioning", epcList=[bottle(9, PARTNER_GTIN)],
              ilmd={"cbvmda:lotNumber": "P2"}),
        pack(sscc(1), partner),
    )  # fmt: skip
    with runtime.uow() as uow:
        uow.connection.execute(
            lots.update().where(lots.c.key == f"/01/{PARTNER_GTIN}/10/P1").values(status="hold")
        )
        uow.commit()
    day = "2026-01-06T08:00:00+08:00"

    def ship(epc: str) -> dict[str, Any]:
        return event(biz_step="shipping", disposition="in_transit", epcList=[epc], time=day)

    _capture(
        runtime,
        producer,
        ship(sscc(1)),
        ship(bottle(9, PARTNER_GTIN)),
        ship(bottle(3)),
        event(action="ADD", biz_step="commissioning", epcList=[bottle(7, PARTNER_GTIN)],
              time="2026-01-07T08:00:00+08:00", ilmd={"cbvmda:lotNumber": "P1"}),
    )  # fmt: skip
    found = [(rule, key) for rule, key in _rules(runtime, producer) if not rule.endswith("_moved")]
    assert found == [
        ("commissioned_twice", bottle_key(7, PARTNER_GTIN)),
        ("held_shipped", sscc_key(1)),
        ("temperature_excursion", bottle_key(2)),
    ]
    with runtime.uow(write=False) as uow:
        held = next(iter(list_alerts(uow, SYSTEM, rule="held_shipped")))
    assert {hit["key"] for hit in held.evidence["affected"]} == {
        bottle_key(7, PARTNER_GTIN),
        bottle_key(8, PARTNER_GTIN),
    }


def test_expiry_fires_near_and_past_and_stays_quiet_for_fresh_or_sold_stock(
    runtime: Runtime, producer: Enterprise
) -> None:
    """GEN-14: ILMD expiry dates first, else the product's shelf life from production."""

    def made(lot: str, *serials: int, **ilmd: str) -> dict[str, Any]:
        return event(action="ADD", biz_step="commissioning", epcList=[bottle(s) for s in serials],
                     ilmd={"cbvmda:lotNumber": lot, **ilmd})  # fmt: skip

    _capture(
        runtime,
        producer,
        made("NEAR", 1, 2, **{"cbvmda:itemExpirationDate": "2026-03-20"}),
        made("FAR", 3, **{"cbvmda:itemExpirationDate": "2027-03-20"}),
        made("SHELF", 4),
        made("SOLD", 5, **{"cbvmda:itemExpirationDate": "2026-02-01"}),
    )
    _capture(runtime, producer, event(biz_step="retail_selling", disposition="retail_sold",
                                      epcList=[bottle(5)]))  # fmt: skip
    with runtime.uow() as uow:
        outcome = run_checks(uow, SYSTEM, tenant_id=producer.id, today=date(2026, 3, 1))
    assert outcome["lots_checked"] == 3
    gtin = "06901234567892"
    assert _rules(runtime, producer) == [
        ("expired", f"/01/{gtin}/10/SHELF"),
        ("expiry_near", f"/01/{gtin}/10/NEAR"),
    ]
    with runtime.uow() as uow:
        again = run_checks(uow, SYSTEM, tenant_id=None, today=date(2026, 3, 1))
    assert again["alerts"] == 0


def _scans(runtime: Runtime, *rows: tuple[str | None, str, str, int]) -> None:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    with runtime.uow() as uow:
        uow.connection.execute(
            scan_log.insert(),
            [
                {"key": key, "at": start + timedelta(minutes=n), "place": place,
                 "channel": "web", "verdict": verdict, "count": count}
                for n, (key, place, verdict, count) in enumerate(rows)
            ],
        )  # fmt: skip
        uow.commit()


def test_scan_rules_fire_on_their_scenarios_and_stay_quiet_on_normal_scans(
    runtime: Runtime, producer: Enterprise
) -> None:
    """QBT-6.8, GEN-15: bad codes, copied labels, channel diversion (窜货)."""
    distributor = make_enterprise(runtime, role="distributor", region="四川省成都市")
    destination = [{"type": "owning_party", "destination": f"urn:suyuan:party:{distributor.slug}"}]
    _capture(
        runtime, producer, commission(1, 2, 3, 4, lot="L1"), pack(sscc(2), [bottle(3), bottle(4)])
    )
    _capture(
        runtime,
        producer,
        event(biz_step="shipping", disposition="in_transit", epcList=[sscc(2)],
              destinationList=destination),
    )  # fmt: skip
    forged = "/01/06901234567892/21/FAKE"
    _scans(
        runtime,
        (forged, "北京", "forged", 1),
        ("/01/06901234567892/21/NEVER", "上海", "unknown", 1),
        (bottle_key(2), "成都", "voided", 1),
        *[(bottle_key(1), c, "genuine", n) for n, c in enumerate(["成都", "北京", "上海", "广州"])],
        *[(bottle_key(4), "宜宾", "genuine", n) for n in range(1, 12)],
        (bottle_key(3), "北京", "genuine", 1),
        (bottle_key(3), "北京", "genuine", 2),
    )  # fmt: skip
    with runtime.uow() as uow:
        evaluate_scan_log(uow.connection)
        uow.commit()
    assert _rules(runtime, producer) == [
        ("channel_diversion", bottle_key(3)),
        ("forged_code", forged),
        ("scan_cities", bottle_key(1)),
        ("scan_count", bottle_key(4)),
        ("unknown_code", "/01/06901234567892/21/NEVER"),
        ("voided_scan", bottle_key(2)),
    ]
    with runtime.uow() as uow:
        assert evaluate_scan_log(uow.connection) == 0
        set_rules(uow, SYSTEM, producer.id, {"region_check": "off"})


class _Receiver(BaseHTTPRequestHandler):
    secret = ""
    answers: ClassVar[list[int]] = []
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        signed = is_signed(
            self.secret, self.headers[TIMESTAMP_HEADER], body, self.headers[SIGNATURE_HEADER]
        )
        self.received.append({"signed": signed, "body": json.loads(body)})
        self.send_response(self.answers.pop(0) if self.answers else 200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    """A local HTTP receiver on 127.0.0.1 that checks signatures: first 500, then 200."""
    handler = type("Receiver", (_Receiver,), {"secret": "s3cret-s3cret-s3cret", "answers": [500],
                                              "received": []})  # fmt: skip
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()
    server.server_close()


def test_webhook_delivery_is_signed_retried_with_backoff_and_logged(
    runtime: Runtime, producer: Enterprise, receiver: tuple[str, type[_Receiver]]
) -> None:
    """GEN-16: each alert is delivered to the responsible system, retried after a failure."""
    url, handler = receiver
    with runtime.uow() as uow:
        add_webhook(uow, SYSTEM, tenant_id=producer.id, url=url, secret=handler.secret)
    with runtime.uow() as uow:
        add_webhook(uow, SYSTEM, tenant_id=producer.id, url=url, secret=handler.secret,
                    events=["expired"])  # fmt: skip
    with runtime.uow() as uow:
        alert_id = raise_alert(uow.connection, tenant_id=producer.id, rule="qc_failed",
                               severity="high", object="L9", evidence={"limit": 1})  # fmt: skip
        duplicate = raise_alert(uow.connection, tenant_id=producer.id, rule="qc_failed",
                                severity="critical", object="L9", evidence={})  # fmt: skip
        uow.commit()
    assert alert_id is not None
    assert duplicate is None
    first = deliver_pending(runtime.uow)
    assert (first.attempted, first.retrying) == (1, 1)
    assert deliver_pending(runtime.uow).attempted == 0  # not due yet: backoff
    later = deliver_pending(runtime.uow, at=datetime.now(UTC) + timedelta(hours=1))
    assert (later.attempted, later.delivered) == (1, 1)
    assert [r["signed"] for r in handler.received] == [True, True]
    assert handler.received[1]["body"]["alert"]["rule"] == "qc_failed"
    assert handler.received[1]["body"]["alert"]["severity"] == "critical"
    with runtime.uow(write=False) as uow:
        log = delivery_log(uow, SYSTEM, tenant_id=producer.id, alert_id=alert_id)
    assert [a["status_code"] for a in log[0]["attempts"]] == [500, 200]
    assert log[0]["attempts"][0]["next_attempt_at"] is not None
    assert log[0]["status"] == "delivered"


def test_alerts_are_acknowledged_closed_with_a_note_and_isolated_by_tenant(
    runtime: Runtime, producer: Enterprise
) -> None:
    """GEN-16, QBT-8.9: handling is recorded; an enterprise sees only its own alerts."""
    other = make_enterprise(runtime)
    with runtime.uow() as uow:
        mine = raise_alert(uow.connection, tenant_id=producer.id, rule="expired",
                           severity="critical", object="lot-a", evidence={})  # fmt: skip
        raise_alert(uow.connection, tenant_id=other.id, rule="expired", severity="warning",
                    object="lot-b", evidence={})  # fmt: skip
        uow.commit()
    assert mine is not None
    staff = Actor("qc-zhang", frozenset({Role.QC}), enterprise_id=producer.id)
    outsider = Actor("eve", frozenset({Role.ADMIN}), enterprise_id=other.id)
    regulator = Actor("reg", frozenset({Role.REGULATOR}))
    with runtime.uow(write=False) as uow:
        assert [a.object for a in list_alerts(uow, outsider)] == ["lot-b"]
        assert len(list_alerts(uow, regulator)) == 2
        assert list_alerts(uow, staff, status="open", severity="critical", rule="expired")
    with runtime.uow() as uow:
        acked = acknowledge_alert(uow, staff, mine, note="checking the cellar")
    assert (acked.status, acked.acknowledged_by) == ("acknowledged", "qc-zhang")
    with runtime.uow() as uow:
        closed = close_alert(uow, staff, mine, note="lot destroyed")
    assert closed.status == "closed"
    assert closed.note == "checking the cellar\nlot destroyed"
    with runtime.uow() as uow, pytest.raises(AlertClosed):
        close_alert(uow, staff, mine, note="again")
    with runtime.uow() as uow:
        again = raise_alert(uow.connection, tenant_id=producer.id, rule="expired",
                            severity="critical", object="lot-a", evidence={})  # fmt: skip
        assert again is None  # closed within the de-duplication window
