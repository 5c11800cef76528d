"""Quality control on both databases: computed verdicts, holds, refusals, release, reports
(QBT-5.2.2, QBT-T5.2, QBT-T10.3, GEN-9, GEN-10, GEN-17)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from suyuan.bootstrap import Runtime
from suyuan.domain import operations as ops
from suyuan.domain.access import Actor, Role
from suyuan.domain.operations import party
from suyuan.errors import Conflict, InvalidInput, PermissionDenied
from suyuan.services.capture import CaptureRejected
from suyuan.services.quality import (
    MAX_ATTACHMENT,
    list_holds,
    record_verdicts,
    release_hold,
    store_attachment,
)
from suyuan.storage.public_tables import alerts
from suyuan.storage.tables import attachments, audit_log, events, lot_holds, lots, records
from trace_chains import (
    BASE,
    BLEND,
    BOTTLE,
    SORGHUM,
    STAGE,
    Parties,
    at,
    bottles,
    key,
    lot_key,
    make_parties,
    ssccs,
)

GOOD = {
    "alcohol_content": "52",
    "quantity": "5200 kg",
    "methanol": "0.20 g/L",
    "lead": "0.05 mg/kg",
    "cyanide": "1.1 mg/L",
}


def qc_user(parties: Parties, *roles: Role) -> Actor:
    """A user of the distillery with ``roles``."""
    return Actor(name="-".join(roles), roles=frozenset(roles), enterprise_id=parties.distillery.id)


def quality(parties: Parties, **changes: str) -> dict[str, Any]:
    """A T5.2 record: GOOD results with ``changes``."""
    record: dict[str, Any] = parties.ctx(parties.distillery).record("T5.2", GOOD | changes)
    return record


def distil(parties: Parties, lot: str, hours: float, **changes: str) -> dict[str, Any]:
    """Sorghum S1 distilled into base liquor ``lot`` with its T5.2 results."""
    event: dict[str, Any] = ops.transform(
        at(hours),
        inputs=[(ops.lot_class(SORGHUM, "S1"), Decimal(100), "KGM")],
        output_gtin=BASE,
        output_lot=lot,
        output_quantity=Decimal(50),
        uom="LTR",
        step=STAGE + "distillation",
        records=[quality(parties, **changes)],
    )
    return event


def blend(hours: float, inputs: list[str], output: str) -> dict[str, Any]:
    """Base liquors blended into ``output``."""
    event: dict[str, Any] = ops.transform(
        at(hours),
        inputs=[(ops.lot_class(BASE, i), None, "LTR") for i in inputs],
        output_gtin=BLEND,
        output_lot=output,
        output_quantity=None,
        uom="LTR",
        step=STAGE + "blending",
    )
    return event


def intake(parties: Parties) -> None:
    """Sorghum S1 received."""
    parties.ctx(parties.distillery).capture(
        [
            ops.intake(
                at(0), gtin=SORGHUM, lot="S1", quantity=Decimal(9000), uom="KGM", supplier=None
            )
        ],
        name="intake",
    )


def lot_status(runtime: Runtime, gtin: str, lot: str) -> str:
    """The stored status of a lot."""
    with runtime.uow(write=False) as uow:
        return str(
            uow.connection.execute(
                sa.select(lots.c.status).where(lots.c.key == lot_key(gtin, lot))
            ).scalar_one()
        )


def count(runtime: Runtime, table: sa.Table, *where: Any) -> int:
    """Rows of ``table`` matching ``where``."""
    with runtime.uow(write=False) as uow:
        return int(
            uow.connection.execute(
                sa.select(sa.func.count()).select_from(table).where(*where)
            ).scalar_one()
        )


# Base liquor is labelled 52 % vol, category grain: methanol ≤ 0.6 g/L and cyanide
# ≤ 8.0 mg/L at 100 % vol (GB 2757), lead ≤ 0.5 mg/kg (GB 2762), alcohol 52 ± 1.0.
LIMIT_CASES = [
    ("M0", {"methanol": "0.312 g/L"}, True),  # 0.312 × 100 / 52 = 0.600
    ("M1", {"methanol": "0.313 g/L"}, False),  # 0.602
    ("M2", {"methanol": "312 mg/L"}, True),  # the same, in another unit
    ("C0", {"cyanide": "4.16 mg/L"}, True),  # 8.0 at 100 % vol
    ("C1", {"cyanide": "4.17 mg/L"}, False),
    ("L0", {"lead": "0.5 mg/kg"}, True),
    ("L1", {"lead": "0.51 mg/kg"}, False),
    ("A0", {"alcohol_content": "53.0"}, True),
    ("A1", {"alcohol_content": "53.1"}, False),
    ("A2", {"alcohol_content": "51.0"}, True),
    ("A3", {"alcohol_content": "50.9"}, False),
    # A typed grade or verdict changes nothing: the numbers decide.
    ("T1", {"methanol": "0.9 g/L", "grade": "优级", "verdict": "合格"}, False),
]


def test_verdicts_are_computed_from_t52_results_at_and_around_each_limit(
    runtime: Runtime,
) -> None:
    """QBT-5.2.2, QBT-T5.2, GEN-10: methanol and cyanide (GB 2757, at 100 % vol), lead
    (GB 2762) and alcohol content against the label, each at and just past its limit;
    the verdict is computed at capture, and nowhere stored as typed input."""
    parties = make_parties(runtime)
    intake(parties)
    parties.ctx(parties.distillery).capture(
        [
            distil(parties, name, 10 + n, **changes)
            for n, (name, changes, _) in enumerate(LIMIT_CASES)
        ],
        name="distillation",
    )
    actor = qc_user(parties, Role.QC)
    for name, _changes, passed in LIMIT_CASES:
        with runtime.uow(write=False) as uow:
            (verdict,) = record_verdicts(uow, actor, lot=f"{BASE}:{name}")
        assert verdict["passed"] is passed, (name, verdict)
        assert verdict["summary"] == ("合格" if passed else "不合格")
        assert lot_status(runtime, BASE, name) == ("active" if passed else "hold"), name
    with runtime.uow(write=False) as uow:
        (failures,) = record_verdicts(uow, actor, lot=f"{BASE}:T1")
        stored = list(
            uow.connection.execute(sa.select(records.c.data).where(records.c.record_type == "T5.2"))
        )
    assert any("methanol" in f and "GB 2757" in f for f in failures["failures"])
    for (data,) in stored:
        assert not {"passed", "verdict", "result"} & set(data)
    assert data["extra"] == {"verdict": "合格"}  # kept as given, never read
    with runtime.uow(write=False) as uow:
        held = {h["lot"] for h in list_holds(uow, actor)}
    assert held == {lot_key(BASE, n) for n, _c, ok in LIMIT_CASES if not ok}


def test_a_failed_lot_and_every_lot_made_from_it_are_held(runtime: Runtime) -> None:
    """GEN-10, GEN-17: a failed base liquor holds its blend and bottling batch at once,
    and lots made from it later (a new blend and its bottles in one capture) are held
    too; a lot from good liquor is not. One alert names every held lot."""
    parties = make_parties(runtime)
    intake(parties)
    a = parties.ctx(parties.distillery)
    first = bottles(parties, 6)
    a.capture(
        [
            distil(parties, "BAD", 10, methanol="0.9 g/L"),
            distil(parties, "OK", 11),
            blend(12, ["BAD"], "BD1"),
            blend(13, ["OK"], "BD2"),
            ops.commission(
                at(14), epcs=first[:3], lot="P1", input_lots=[ops.lot_class(BLEND, "BD1")]
            ),
            ops.commission(
                at(14), epcs=first[3:], lot="P2", input_lots=[ops.lot_class(BLEND, "BD2")]
            ),
        ],
        name="production",
    )
    assert [
        lot_status(runtime, g, n) for g, n in [(BASE, "BAD"), (BLEND, "BD1"), (BOTTLE, "P1")]
    ] == ["hold"] * 3
    assert [
        lot_status(runtime, g, n) for g, n in [(BASE, "OK"), (BLEND, "BD2"), (BOTTLE, "P2")]
    ] == ["active"] * 3
    later = bottles(parties, 2)
    a.capture(
        [
            blend(20, ["BAD", "OK"], "BD3"),
            ops.commission(at(21), epcs=later, lot="P3", input_lots=[ops.lot_class(BLEND, "BD3")]),
        ],
        name="later blend",
    )
    assert lot_status(runtime, BLEND, "BD3") == "hold"
    assert lot_status(runtime, BOTTLE, "P3") == "hold"
    origin = sa.select(lots.c.id).where(lots.c.key == lot_key(BASE, "BAD")).scalar_subquery()
    assert count(runtime, lot_holds, lot_holds.c.origin_lot_id == origin) == 5
    (alert,) = list(_alerts(runtime, "qc_failed"))
    assert alert.object == lot_key(BASE, "BAD")
    assert set(alert.detail["held_lots"]) == {
        lot_key(BASE, "BAD"),
        lot_key(BLEND, "BD1"),
        lot_key(BOTTLE, "P1"),
    }
    assert "methanol" in alert.detail["reason"]


def _alerts(runtime: Runtime, rule: str) -> list[Any]:
    with runtime.uow(write=False) as uow:
        return list(uow.connection.execute(sa.select(alerts).where(alerts.c.rule == rule)))


def _held_goods(runtime: Runtime) -> tuple[Parties, list[str], str, str]:
    """Six bottles of a batch made from failed liquor, packed in a case on a pallet, with
    two more shipped to the distributor before the QC result came in."""
    parties = make_parties(runtime)
    intake(parties)
    a = parties.ctx(parties.distillery)
    codes = bottles(parties, 8)
    (case,) = ssccs(parties, "case", 1)
    (pallet,) = ssccs(parties, "pallet", 1)
    a.capture(
        [
            distil(parties, "BL", 10),
            blend(12, ["BL"], "BD"),
            ops.commission(at(14), epcs=codes, lot="P", input_lots=[ops.lot_class(BLEND, "BD")]),
            ops.pack(at(15), parent=case, children=codes[:6]),
            ops.observe(
                at(16),
                epcs=codes[6:],
                step="shipping",
                disposition="in_transit",
                source=party(parties.distillery.slug),
                destination=party(parties.distributor.slug),
            ),
        ],
        name="production",
    )
    parties.ctx(parties.distributor).capture(
        [
            ops.observe(
                at(18),
                epcs=codes[6:],
                step="receiving",
                disposition="in_progress",
                source=party(parties.distillery.slug),
                destination=party(parties.distributor.slug),
            )
        ],
        name="receive",
    )
    late = ops.record_only(
        at(20),
        subjects=[],
        quantity_classes=[ops.lot_class(BASE, "BL")],
        records=[quality(parties, lead="0.8 mg/kg")],
    )
    a.capture([late], name="late QC result")
    return parties, codes, case, pallet


def test_own_shipping_selling_and_loading_of_held_units_is_refused(runtime: Runtime) -> None:
    """GEN-10: a late failing result holds the batch; shipping a bottle or its case,
    selling it, or loading the case onto an outgoing pallet is refused with a message
    naming the unit and its lot, and nothing of the document is stored."""
    parties, codes, case, pallet = _held_goods(runtime)
    assert lot_status(runtime, BOTTLE, "P") == "hold"
    a = parties.ctx(parties.distillery)
    to_b = {
        "source": party(parties.distillery.slug),
        "destination": party(parties.distributor.slug),
    }
    loading = ops.pack(at(30), parent=pallet, children=[case]) | {"bizStep": "loading"}
    attempts = [
        ops.observe(at(30), epcs=[codes[0]], step="shipping", disposition="in_transit", **to_b),
        ops.observe(at(30), epcs=[case], step="shipping", disposition="in_transit", **to_b),
        ops.observe(at(30), epcs=[codes[1]], step="retail_selling", disposition="retail_sold"),
        loading,
    ]
    before = count(runtime, events)
    for n, event in enumerate(attempts):
        good = ops.record_only(at(29), subjects=[codes[5]], step="inspecting")
        with pytest.raises(CaptureRejected) as refused:
            a.capture([good, event], name=f"attempt {n}")
        message = str(refused.value)
        assert "on QC hold" in message, message
        assert lot_key(BOTTLE, "P") in message
        assert "/01/" + BOTTLE + "/21/" in message
        assert refused.value.errors[0]["rule"] == "on_hold"
    assert count(runtime, events) == before


def test_partner_capture_of_held_units_is_accepted_and_alerted(runtime: Runtime) -> None:
    """GEN-10, GEN-17, QBT-8.9: the distributor's own shipment of held bottles it
    already holds is its data, accepted, and raises a held-goods alert."""
    parties, codes, _case, _pallet = _held_goods(runtime)
    result = parties.ctx(parties.distributor).capture(
        [
            ops.observe(
                at(30),
                epcs=codes[6:],
                step="shipping",
                disposition="in_transit",
                source=party(parties.distributor.slug),
                destination=party(parties.store.slug),
            )
        ],
        name="partner ships held goods",
    )
    assert result.captured == 1
    found = _alerts(runtime, "held_shipped")
    assert {a.object for a in found} == {key(c) for c in codes[6:]}
    assert {a.tenant_id for a in found} == {parties.distributor.id}
    assert all(a.detail["affected"][0]["lot"] == lot_key(BOTTLE, "P") for a in found)


def test_a_producer_may_refuse_partners_moving_its_held_goods(runtime: Runtime) -> None:
    """GEN-10 (by configuration): with the lot owner's ``refuse_partner_holds`` on, the
    distributor's shipment of held bottles is refused with the on-hold reason."""
    from suyuan.services.alerts import set_rules

    parties, codes, _case, _pallet = _held_goods(runtime)
    with runtime.uow() as uow:
        set_rules(
            uow,
            qc_user(parties, Role.QC),
            parties.distillery.id,
            {"refuse_partner_holds": "on"},
        )
    shipment = ops.observe(
        at(30),
        epcs=codes[6:],
        step="shipping",
        disposition="in_transit",
        source=party(parties.distributor.slug),
        destination=party(parties.store.slug),
    )
    with pytest.raises(CaptureRejected) as refused:
        parties.ctx(parties.distributor).capture([shipment], name="partner ships held goods")
    assert refused.value.errors[0]["rule"] == "on_hold"


def test_release_needs_the_qc_role_and_a_reason_and_is_audited(runtime: Runtime) -> None:
    """QBT-5.2.2, QBT-T10.3: an operator may not release; a blank reason is refused;
    a QC user releases the whole hold (origin and descendants), the audit log records
    who and why, and the bottles can then be shipped."""
    parties, codes, _case, _pallet = _held_goods(runtime)
    lot = f"{BASE}:BL"
    with runtime.uow() as uow, pytest.raises(PermissionDenied, match="qc"):
        release_hold(uow, qc_user(parties, Role.OPERATOR), lot=lot, reason="retested")
    with runtime.uow() as uow, pytest.raises(InvalidInput, match="reason"):
        release_hold(uow, qc_user(parties, Role.QC), lot=lot, reason="  ")
    outsider = Actor(name="qc-other", roles=frozenset({Role.QC}), enterprise_id=parties.other.id)
    with runtime.uow() as uow, pytest.raises(Exception, match="not found"):
        release_hold(uow, outsider, lot=lot, reason="retested")
    with runtime.uow() as uow:
        released = release_hold(
            uow, qc_user(parties, Role.QC), lot=lot, reason="retest by CNAS lab: lead 0.04 mg/kg"
        )
    assert set(released) == {lot_key(BASE, "BL"), lot_key(BLEND, "BD"), lot_key(BOTTLE, "P")}
    assert lot_status(runtime, BOTTLE, "P") == "active"
    with runtime.uow(write=False) as uow:
        (row,) = uow.connection.execute(
            sa.select(audit_log).where(audit_log.c.action == "release_hold")
        ).all()
        assert list_holds(uow, qc_user(parties, Role.QC)) == []
        history = list_holds(uow, qc_user(parties, Role.QC), active_only=False)
    assert (row.actor, row.object_type, row.object_id) == ("qc", "lot", lot_key(BASE, "BL"))
    assert row.detail["reason"].startswith("retest by CNAS")
    assert {h["released_by"] for h in history} == {"qc"}
    with runtime.uow() as uow, pytest.raises(Conflict, match="not on hold"):
        release_hold(uow, qc_user(parties, Role.QC), lot=lot, reason="again")
    result = parties.ctx(parties.distillery).capture(
        [
            ops.observe(
                at(40),
                epcs=codes[:1],
                step="shipping",
                disposition="in_transit",
                source=party(parties.distillery.slug),
                destination=party(parties.distributor.slug),
            )
        ],
        name="ship after release",
    )
    assert result.captured == 1


UPLOADS = [
    ("application/pdf", 1000, None),
    ("image/jpeg", 10, None),
    ("image/png", MAX_ATTACHMENT, None),
    ("text/html", 100, "not accepted"),
    ("application/pdf", MAX_ATTACHMENT + 1, "exceeds"),
]


def test_inspection_report_upload_stores_its_sha256_and_refuses_other_files(
    runtime: Runtime,
) -> None:
    """GEN-9, GEN-11, QBT-T10.4: a PDF or image report is stored with its SHA-256;
    other media types, files over the limit, users without a QC or operator role and
    uploads into another enterprise are refused, and nothing of them is stored."""
    parties = make_parties(runtime)
    tenant = parties.distillery.id
    expected = []
    for media_type, size, error in UPLOADS:
        content = b"%PDF-1.4\n" + b"x" * (size - 9)
        with runtime.uow() as uow:
            upload = {"filename": "检验报告.pdf", "media_type": media_type, "content": content}
            if error is not None:
                with pytest.raises(InvalidInput, match=error):
                    store_attachment(uow, qc_user(parties, Role.QC), tenant_id=tenant, **upload)
                continue
            stored = store_attachment(uow, qc_user(parties, Role.QC), tenant_id=tenant, **upload)
        digest = hashlib.sha256(content).hexdigest()
        assert (stored["sha256"], stored["reference"]) == (digest, f"sha256:{digest}")
        expected.append((digest, size, content))
    pdf = {"filename": "r.pdf", "media_type": "application/pdf", "content": b"%PDF"}
    with runtime.uow() as uow, pytest.raises(PermissionDenied):
        store_attachment(uow, qc_user(parties, Role.SALES), tenant_id=tenant, **pdf)
    with runtime.uow() as uow, pytest.raises(Exception, match="not found"):
        store_attachment(uow, qc_user(parties, Role.QC), tenant_id=parties.other.id, **pdf)
    with runtime.uow(write=False) as uow:
        rows = uow.connection.execute(sa.select(attachments).order_by(attachments.c.id)).all()
    assert [(r.sha256, r.size, bytes(r.content)) for r in rows] == expected
    assert {r.tenant_id for r in rows} == {tenant}
