"""Recalls on both databases: scope by forward trace, notices, recovery, close, report
(QBT-5.2.7, QBT-10.5, QBT-8.9, GEN-27, GEN-28, GEN-29, GEN-17)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa

from suyuan.bootstrap import Runtime
from suyuan.domain import operations as ops
from suyuan.domain.access import Actor, Role
from suyuan.errors import Conflict, NotFound, PermissionDenied
from suyuan.queries.trace import trace_forward
from suyuan.services.recall_reports import report_csv, report_pdf
from suyuan.services.recalls import (
    RecallNotFound,
    RecallScope,
    close_recall,
    list_recalls,
    open_recall,
    recall_status,
    recall_unit_rows,
    scan_recovered,
)
from suyuan.services.webhooks import add_webhook
from suyuan.storage.alert_tables import webhook_deliveries
from suyuan.storage.public_tables import alerts
from suyuan.storage.tables import lots, recall_notices, units
from trace_chains import (
    BOTTLE,
    Chain,
    Parties,
    at,
    bottles,
    build_reference_chain,
    build_wide_chain,
    key,
    make_parties,
)


def user(enterprise_id: int | None, *roles: Role, name: str = "") -> Actor:
    """A user of an enterprise (or of the platform) with ``roles``."""
    return Actor(name=name or "-".join(roles), roles=frozenset(roles), enterprise_id=enterprise_id)


def forward_units(runtime: Runtime, lot: str) -> dict[str, int | None]:
    """Unit key → holder of every unit of the lots the forward trace finds."""
    with runtime.uow(write=False) as uow:
        traced = trace_forward(uow.connection, Actor.system(), lot)
        lot_ids = sa.select(lots.c.id).where(lots.c.key.in_([x["id"] for x in traced["lots"]]))
        rows = uow.connection.execute(
            sa.select(units.c.key, units.c.holder_id).where(units.c.lot_id.in_(lot_ids))
        )
        return {row[0]: row[1] for row in rows}


def statuses(runtime: Runtime, keys: list[str]) -> dict[str, str]:
    """Stored status of each unit key."""
    with runtime.uow(write=False) as uow:
        rows = uow.connection.execute(
            sa.select(units.c.key, units.c.status).where(units.c.key.in_(keys))
        )
        return {row[0]: row[1] for row in rows}


def open_(runtime: Runtime, actor: Actor, tenant: int, scope: RecallScope) -> dict[str, Any]:
    """Open a level-2 recall."""
    with runtime.uow() as uow:
        opened: dict[str, Any] = open_recall(
            uow, actor, tenant_id=tenant, scope=scope, reason="甲醇超标 methanol", level=2
        )
    return opened


def scan(runtime: Runtime, actor: Actor, recall_id: int, *codes: str) -> dict[str, Any]:
    """Scan returned codes."""
    with runtime.uow() as uow:
        result: dict[str, Any] = scan_recovered(uow, actor, recall_id=recall_id, codes=list(codes))
    return result


def status(runtime: Runtime, actor: Actor, recall_id: int) -> dict[str, Any]:
    """The recall's status as ``actor`` sees it."""
    with runtime.uow(write=False) as uow:
        found: dict[str, Any] = recall_status(uow, actor, recall_id)
    return found


def test_recall_of_a_lot_is_exactly_its_forward_trace_and_notifies_every_holder(
    runtime: Runtime,
) -> None:
    """QBT-5.2.7, GEN-27, GEN-28: recalling base liquor BL1 takes exactly the units the
    forward trace finds (batch P1, the sold bottle included; not P2, whose blend was
    corrected to leave BL1 out), with the cases holding them; they are recalled at once;
    each holder gets one notice per channel with its own codes, an alert and a webhook."""
    chain = build_reference_chain(runtime)
    p = chain.parties
    with runtime.uow() as uow:
        add_webhook(
            uow,
            Actor.system(),
            tenant_id=p.distributor.id,
            url="http://127.0.0.1:9/hook",
            secret="s" * 16,
        )
    expected = forward_units(runtime, chain.lots["BL1"])
    assert set(expected) == {key(b) for b in chain.bottles[:12]}
    opened = open_(
        runtime,
        user(p.distillery.id, Role.QC),
        p.distillery.id,
        RecallScope(lots=(chain.lots["BL1"],)),
    )
    recall_id = opened["recall_id"]
    with runtime.uow(write=False) as uow:
        rows = recall_unit_rows(uow, Actor.system(), recall_id)
        notices = uow.connection.execute(
            sa.select(recall_notices).where(recall_notices.c.recall_id == recall_id)
        ).all()
        notice_alerts = uow.connection.execute(
            sa.select(alerts).where(alerts.c.rule == "recall_notice")
        ).all()
        deliveries = uow.connection.execute(sa.select(webhook_deliveries)).all()
    in_scope = {r["key"]: r for r in rows if r["kind"] == "unit"}
    assert set(in_scope) == set(expected)
    assert opened["unit_count"] == len(expected) == 12
    assert opened["by_previous_status"]["sold"] == 1
    containers = {r["key"] for r in rows if r["kind"] != "unit"}
    assert containers == {key(chain.cases["c4"])}  # c1 was unpacked at the store
    assert set(statuses(runtime, list(expected)).values()) == {"recalled"}
    by_holder: dict[int | None, set[str]] = {}
    for unit_key, holder in expected.items():
        by_holder.setdefault(holder, set()).add(unit_key)
    assert {h["holder_id"]: h["units"] for h in opened["holders"]} == {
        h: len(k) for h, k in by_holder.items()
    }
    assert {p.distributor.id, p.store.id} <= set(by_holder)
    assert sorted((n.holder_id, n.channel) for n in notices) == sorted(
        (h, c) for h in by_holder for c in ("email", "sms", "webhook")
    )
    for notice in notices:
        assert set(notice.payload["codes"]) == by_holder[notice.holder_id]
        assert notice.payload["unit_count"] == len(by_holder[notice.holder_id])
    assert {a.tenant_id for a in notice_alerts} == set(by_holder)
    assert len(notice_alerts) == len(by_holder)
    (delivery,) = deliveries
    assert delivery.tenant_id == p.distributor.id
    assert delivery.payload["alert"]["detail"]["recall_id"] == recall_id


def test_recall_by_codes_brings_the_contents_of_a_pallet(runtime: Runtime) -> None:
    """GEN-27: a codes list naming a pallet recalls its cases and every bottle in them;
    a code of another producer or an unknown code is refused and nothing is opened."""
    chain = build_wide_chain(runtime, 2)
    p = chain.parties
    qc = user(p.distillery.id, Role.QC)
    for wrong in ("/00/069099910000000011", "not a code"):
        with pytest.raises(Exception, match="not"):
            open_(runtime, qc, p.distillery.id, RecallScope(codes=(wrong,)))
    opened = open_(runtime, qc, p.distillery.id, RecallScope(codes=(chain.pallet,)))
    assert opened["unit_count"] == 12
    with runtime.uow(write=False) as uow:
        rows = recall_unit_rows(uow, Actor.system(), opened["recall_id"])
        assert [r["recall_id"] for r in list_recalls(uow, qc)] == [opened["recall_id"]]
    assert {r["key"] for r in rows if r["kind"] == "unit"} == {key(b) for b in chain.bottles}
    assert {r["key"] for r in rows if r["kind"] != "unit"} == {
        key(c) for c in [chain.pallet, *chain.cases.values()]
    }
    assert set(statuses(runtime, [r["key"] for r in rows]).values()) == {"recalled"}


def test_recovery_by_scanning_counts_each_unit_once_per_holder(runtime: Runtime) -> None:
    """QBT-10.5, GEN-28, GEN-29: a recall by product and batch; the distributor scans a
    case (its six bottles recovered), scans it again (nothing more), and scans the
    pallet (the rest); the store's user recovers nothing it does not hold; progress per
    holder; close destroyed; the CSV lists every unit and container, the PDF is valid."""
    chain = build_wide_chain(runtime, 2)
    p = chain.parties
    qc = user(p.distillery.id, Role.QC)
    opened = open_(runtime, qc, p.distillery.id, RecallScope(product=BOTTLE, batch="P"))
    recall_id = opened["recall_id"]
    assert [(h["holder_id"], h["units"]) for h in opened["holders"]] == [(p.distributor.id, 12)]
    store = user(p.store.id, Role.WAREHOUSE)
    with pytest.raises(RecallNotFound):
        scan(runtime, store, recall_id, chain.cases["c0"])
    warehouse = user(p.distributor.id, Role.WAREHOUSE)
    first = scan(runtime, warehouse, recall_id, chain.cases["c0"], "/01/06901234567892/21/NOPE")
    assert (first["newly_recovered"], first["units_in_scanned"]) == (6, 6)
    assert first["not_found"] == ["/01/06901234567892/21/NOPE"]
    assert scan(runtime, warehouse, recall_id, chain.cases["c0"])["newly_recovered"] == 0
    assert scan(runtime, warehouse, recall_id, *chain.bottles[:3])["newly_recovered"] == 0
    seen = status(runtime, warehouse, recall_id)
    assert (seen["recovered"], seen["missing"]) == (6, 6)
    assert [(h["recovered"], h["missing"]) for h in seen["holders"]] == [(6, 6)]
    assert scan(runtime, warehouse, recall_id, chain.pallet)["newly_recovered"] == 6
    with runtime.uow() as uow, pytest.raises(PermissionDenied):
        close_recall(uow, warehouse, recall_id=recall_id, disposition="destroyed", note="")
    with runtime.uow() as uow:
        closed = close_recall(
            uow,
            qc,
            recall_id=recall_id,
            disposition="destroyed",
            note="无害化销毁 destroyed under supervision",
        )
    assert (closed["status"], closed["disposition"], closed["recovered"]) == (
        "closed",
        "destroyed",
        12,
    )
    assert set(statuses(runtime, [key(b) for b in chain.bottles]).values()) == {"destroyed"}
    with pytest.raises(Conflict):
        scan(runtime, warehouse, recall_id, chain.pallet)
    assert [t["action"] for t in closed["timeline"]] == ["opened", *["scanned"] * 4, "closed"]
    with runtime.uow(write=False) as uow:
        table = report_csv(uow, qc, recall_id).decode("utf-8-sig")
        pdf = report_pdf(uow, qc, recall_id)
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 12 + 2 + 1
    assert {r["code"] for r in rows} == {
        key(c) for c in [*chain.bottles, *chain.cases.values(), chain.pallet]
    }
    assert all(r["recovered_at"] and r["holder"] == p.distributor.slug for r in rows)
    assert_pdf(pdf, pages=1)


def assert_pdf(data: bytes, *, pages: int) -> None:
    """A PDF with ``pages`` pages (counted from its page tree, without a PDF library)."""
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    assert counts
    assert max(counts) == pages


def _three_batches(runtime: Runtime) -> tuple[Parties, dict[str, list[str]]]:
    parties = make_parties(runtime)
    codes = bottles(parties, 6)
    batches = {"D": codes[:2], "R": codes[2:4], "K": codes[4:]}
    parties.ctx(parties.distillery).capture(
        [ops.commission(at(1), epcs=b, lot=lot, input_lots=[]) for lot, b in batches.items()]
        + [ops.observe(at(2), epcs=codes[5:], step="retail_selling", disposition="retail_sold")],
        name="bottling",
    )
    return parties, batches


def test_closing_applies_destroyed_reworked_or_released(runtime: Runtime) -> None:
    """QBT-T10.3, GEN-29: destroyed and reworked apply to recovered units only (the
    others stay recalled); released after review restores every unit's earlier status."""
    parties, batches = _three_batches(runtime)
    qc = user(parties.distillery.id, Role.QC)
    expected = {
        "destroyed": ["destroyed", "recalled"],
        "reworked": ["decommissioned", "recalled"],
        "released": ["commissioned", "sold"],
    }
    for (lot, codes), (disposition, after) in zip(batches.items(), expected.items(), strict=True):
        opened = open_(runtime, qc, parties.distillery.id, RecallScope(product=BOTTLE, batch=lot))
        scan(runtime, qc, opened["recall_id"], codes[0])
        with runtime.uow() as uow:
            close_recall(uow, qc, recall_id=opened["recall_id"], disposition=disposition, note="")
        shown = statuses(runtime, [key(c) for c in codes])
        assert [shown[key(c)] for c in codes] == after, disposition
    with runtime.uow() as uow, pytest.raises(Exception, match="destroyed, reworked"):
        close_recall(uow, qc, recall_id=opened["recall_id"], disposition="sold", note="")


def test_recalls_are_isolated_between_producers_and_open_to_regulators(
    runtime: Runtime,
) -> None:
    """GEN-27, QBT-8.9: another producer can neither recall our batch nor see or scan
    our recall; a holder sees only its own part; a regulator opens one for us."""
    chain: Chain = build_wide_chain(runtime, 1)
    p = chain.parties
    rival = user(p.other.id, Role.QC)
    with pytest.raises(NotFound):
        open_(runtime, rival, p.other.id, RecallScope(product=BOTTLE, batch="P"))
    with pytest.raises(NotFound):
        open_(runtime, rival, p.distillery.id, RecallScope(product=BOTTLE, batch="P"))
    with pytest.raises(PermissionDenied):
        open_(
            runtime,
            user(p.distillery.id, Role.SALES),
            p.distillery.id,
            RecallScope(product=BOTTLE, batch="P"),
        )
    regulator = user(None, Role.REGULATOR, name="market-regulator")
    opened = open_(runtime, regulator, p.distillery.id, RecallScope(product=BOTTLE, batch="P"))
    recall_id = opened["recall_id"]
    assert opened["opened_by"] == "market-regulator"
    assert opened["enterprise_id"] == p.distillery.id
    with pytest.raises(RecallNotFound):
        status(runtime, rival, recall_id)
    with pytest.raises(RecallNotFound):
        scan(runtime, rival, recall_id, chain.pallet)
    with runtime.uow(write=False) as uow:
        assert list_recalls(uow, rival) == []
        with pytest.raises(RecallNotFound):
            report_csv(uow, rival, recall_id)
    holder = status(runtime, user(p.distributor.id, Role.WAREHOUSE), recall_id)
    assert [h["holder_id"] for h in holder["holders"]] == [p.distributor.id]
    assert status(runtime, user(p.distillery.id, Role.QC), recall_id)["unit_count"] == 6
