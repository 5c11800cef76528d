"""Supply chains with known answers, built through the real operations (no back doors).

``build_reference_chain`` makes the fixture genealogy the trace tests check against:

    sorghum S1 ─┬─────────────── distillation BL1 ─┐
                │  wheat W1 → koji K1 ─┬──────────┤── blending BD1 → batch P1 (12 bottles)
                └─ sorghum S2 ─────────┴─ BL2 ────┤
                                                  └── blending BD2 → batch P2 (6 bottles)

S1 is split across two distillations; BD1 blends two base liquors; BD2 was first
captured with BL1 as an input too (and methanol 0.28), then corrected (errorDeclaration)
to BL2 alone.
Bottles: P1 = b1…b12 in cases c1 (b1…b6) and c2 (b7…b12), P2 = b13…b18 in c3; all
three cases on pallet L1. c2 is damaged: unpacked and its bottles repacked into c4,
which takes its place on the pallet; b18 is taken out of c3 as a retained sample.
The distillery (A) ships L1 to the distributor (B), which receives it (the receipt
is captured before the shipment), unpacks the pallet and sends the empty pallet
back, ships c1 to the store (C) — first to the wrong consignee, then corrected —
and keeps c3 and c4. The store unpacks c1, sells b1 alone and returns b2 to B.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from factories import make_enterprise, make_product
from suyuan.bootstrap import Runtime
from suyuan.codes.keys import KeyRing
from suyuan.codes.keystore import save_keyring
from suyuan.codes.serials import issue_serials
from suyuan.codes.sscc import iter_ssccs
from suyuan.domain import operations as ops
from suyuan.domain.access import Actor
from suyuan.domain.operations import party
from suyuan.identifiers.gs1 import Gtin
from suyuan.services.codes import issue_block, keyring_path, tenant_keyring
from suyuan.services.enterprises import Enterprise
from suyuan.services.operations import ID_BASE, OperationContext

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=CST)
STAGE = "https://suyuan.dev/ns/bizstep/"
PREFIX = "6901234"
BOTTLE = "06901234567892"


def gtin(item: int) -> str:
    """A GTIN-14 of a material under the distillery's prefix."""
    return Gtin.from_body(f"0{PREFIX}{item:05d}").value


SORGHUM, WHEAT, KOJI, BASE, BLEND = (gtin(n) for n in (11, 12, 13, 14, 15))


def at(hours: float) -> ops.Where:
    """A moment ``hours`` after T0."""
    return ops.Where(time=T0 + timedelta(hours=hours))


def lot_key(gtin_value: str, lot: str) -> str:
    """The canonical key of a lot, as trace results name it."""
    return f"/01/{gtin_value}/10/{lot}"


def key(epc: str) -> str:
    """The canonical key of a unit or container EPC (Digital Link URI)."""
    return epc[len(ID_BASE) :]


@dataclass
class Parties:
    """The enterprises of a chain and how each acts."""

    runtime: Runtime
    distillery: Enterprise
    distributor: Enterprise
    store: Enterprise
    other: Enterprise

    def ctx(self, enterprise: Enterprise) -> OperationContext:
        """Operations performed by ``enterprise``."""
        return OperationContext(
            self.runtime.uow, Actor.system(), enterprise.id, key_dir=self.runtime.settings.key_dir
        )


def make_parties(runtime: Runtime) -> Parties:
    """A distillery with its products, a distributor, a store and an unrelated distributor.

    Names and code keys are fixed, so the same chain built on two databases is the same.
    """
    made = [
        make_enterprise(
            runtime,
            slug=slug,
            name=name,
            role=role,
            gs1_company_prefix=prefix,
            idis_prefix=f"88.118.{n}",
        )
        for n, (slug, name, role, prefix) in enumerate(
            [
                ("distillery", "宜宾测试酒业", "producer", PREFIX),
                ("distributor", "成都测试商贸", "distributor", "6909991"),
                ("store", "成都测试专卖店", "retailer", "6909992"),
                ("other", "广州测试供应链", "distributor", "6909993"),
            ],
            start=901,
        )
    ]
    distillery, distributor, store, other = made
    key_dir = runtime.settings.key_dir
    path = keyring_path(key_dir, distillery.id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    save_keyring(path, KeyRing({0: hashlib.sha256(b"trace-chains").digest()}))
    make_product(runtime, distillery, gtin=BOTTLE)
    for material in (SORGHUM, WHEAT, KOJI):
        make_product(runtime, distillery, gtin=material, packaging="")
    for liquor in (BASE, BLEND):  # QC judges liquor against its label and category
        make_product(
            runtime, distillery, gtin=liquor, packaging="", alcohol_content="52", category="grain"
        )
    return Parties(runtime, distillery, distributor, store, other)


def bottles(parties: Parties, count: int) -> list[str]:
    """``count`` issued bottle codes of the distillery, as Digital Link URIs."""
    runtime, tenant = parties.runtime, parties.distillery.id
    key_dir = runtime.settings.key_dir
    with runtime.uow() as uow:
        block = issue_block(
            uow,
            Actor.system(),
            tenant_id=tenant,
            gtin=BOTTLE,
            count=count,
            level="item",
            key_dir=key_dir,
        )
    ring = tenant_keyring(key_dir, tenant)
    assert ring is not None
    return [f"{ID_BASE}/01/{BOTTLE}/21/{s}" for s in issue_serials(ring, block.serial_block())]


def ssccs(parties: Parties, level: str, count: int) -> list[str]:
    """``count`` issued SSCCs (cases or pallets) of the distillery."""
    runtime = parties.runtime
    with runtime.uow() as uow:
        block = issue_block(
            uow,
            Actor.system(),
            tenant_id=parties.distillery.id,
            gtin=BOTTLE,
            count=count,
            level=level,
            key_dir=runtime.settings.key_dir,
        )
    extension = int(block.domain.rsplit(":", 1)[1])
    return [
        f"{ID_BASE}/00/{s.value}"
        for s in iter_ssccs(
            PREFIX, extension_digit=extension, start=block.start_counter, count=count
        )
    ]


@dataclass
class Chain:
    """What a chain made, by name."""

    parties: Parties
    bottles: list[str] = field(default_factory=list)
    cases: dict[str, str] = field(default_factory=dict)
    pallet: str = ""
    lots: dict[str, str] = field(default_factory=dict)
    event_ids: dict[str, str] = field(default_factory=dict)


def _bottling_record(parties: Parties) -> dict[str, Any]:
    return parties.ctx(parties.distillery).record(
        "T6.3",
        {
            "product_name": "52%vol 测试酒",
            "production_date": "2026-03-05",
            "production_batch": "P1",
            "workshop": "灌装车间",
        },
    )


def _quality(parties: Parties, methanol: str) -> dict[str, Any]:
    return parties.ctx(parties.distillery).record(
        "T5.2",
        {
            "alcohol_content": "52.1",
            "quantity": "5200 kg",
            "methanol": f"{methanol} g/L",
            "lead": "0.05 mg/kg",
            "cyanide": "1.1 mg/L",
        },
    )


def _production(parties: Parties, chain: Chain) -> None:
    """Intake, koji, distillation (S1 split), blending (BD2 corrected), bottling."""
    a = parties.ctx(parties.distillery)
    names = {
        "S1": (SORGHUM, "S1"),
        "S2": (SORGHUM, "S2"),
        "W1": (WHEAT, "W1"),
        "K1": (KOJI, "K1"),
        "BL1": (BASE, "BL1"),
        "BL2": (BASE, "BL2"),
        "BD1": (BLEND, "BD1"),
        "BD2": (BLEND, "BD2"),
        "P1": (BOTTLE, "P1"),
        "P2": (BOTTLE, "P2"),
    }
    chain.lots = {name: lot_key(g, lot) for name, (g, lot) in names.items()}
    cls = {name: ops.lot_class(g, lot) for name, (g, lot) in names.items()}
    supplier = party(parties.other.slug)
    material = a.record("T1.1", {"material_name": "红粱", "origin": "四川省泸州市"})
    events = [
        ops.intake(
            at(0),
            gtin=SORGHUM,
            lot="S1",
            quantity=Decimal(20000),
            uom="KGM",
            supplier=supplier,
            records=[material],
        ),
        ops.intake(
            at(1), gtin=SORGHUM, lot="S2", quantity=Decimal(9000), uom="KGM", supplier=supplier
        ),
        ops.intake(at(1), gtin=WHEAT, lot="W1", quantity=Decimal(8000), uom="KGM", supplier=None),
        ops.transform(
            at(24),
            inputs=[(cls["W1"], None, "KGM")],
            output_gtin=KOJI,
            output_lot="K1",
            output_quantity=Decimal(7000),
            uom="KGM",
            step=STAGE + "koji_making",
        ),
        ops.transform(
            at(72),
            inputs=[(cls["S1"], Decimal(10000), "KGM"), (cls["K1"], Decimal(3000), "KGM")],
            output_gtin=BASE,
            output_lot="BL1",
            output_quantity=Decimal(5000),
            uom="LTR",
            step=STAGE + "distillation",
        ),
        ops.transform(
            at(73),
            inputs=[
                (cls["S1"], Decimal(10000), "KGM"),
                (cls["S2"], Decimal(9000), "KGM"),
                (cls["K1"], Decimal(4000), "KGM"),
            ],
            output_gtin=BASE,
            output_lot="BL2",
            output_quantity=Decimal(7000),
            uom="LTR",
            step=STAGE + "distillation",
        ),
        ops.transform(
            at(96),
            inputs=[(cls["BL1"], None, "LTR"), (cls["BL2"], None, "LTR")],
            output_gtin=BLEND,
            output_lot="BD1",
            output_quantity=Decimal(8000),
            uom="LTR",
            step=STAGE + "blending",
            records=[_quality(parties, "0.25")],
        ),
    ]
    a.capture(events, name="production")
    wrong = ops.transform(
        at(97),
        inputs=[(cls["BL1"], None, "LTR"), (cls["BL2"], None, "LTR")],
        output_gtin=BLEND,
        output_lot="BD2",
        output_quantity=Decimal(3000),
        uom="LTR",
        step=STAGE + "blending",
        records=[_quality(parties, "0.28")],
    )
    wrong_id = a.capture([wrong], name="blend BD2").event_ids[0]
    right = ops.transform(
        at(97),
        inputs=[(cls["BL2"], None, "LTR")],
        output_gtin=BLEND,
        output_lot="BD2",
        output_quantity=Decimal(3000),
        uom="LTR",
        step=STAGE + "blending",
        records=[_quality(parties, "0.31")],
    )
    right["eventID"] = "urn:uuid:6f1b3f0e-0000-4000-8000-00000000bd02"
    a.capture([_declare(wrong, wrong_id, right["eventID"]), right], name="blend BD2 corrected")
    chain.event_ids["wrong_blend"] = wrong_id
    chain.bottles = bottles(parties, 18)
    a.capture(
        [
            ops.commission(
                at(120),
                epcs=chain.bottles[:12],
                lot="P1",
                input_lots=[cls["BD1"]],
                records=[_bottling_record(parties)],
            ),
            ops.commission(at(121), epcs=chain.bottles[12:], lot="P2", input_lots=[cls["BD2"]]),
        ],
        name="bottling",
    )


def _declare(event: dict[str, Any], event_id: str, corrective: str) -> dict[str, Any]:
    """An error declaration for a captured event: the same event, its id and the reason."""
    declared = dict(event) | {"eventID": event_id}
    declared["errorDeclaration"] = {
        "declarationTime": (T0 + timedelta(days=30)).isoformat(),
        "reason": "incorrect_data",
        "correctiveEventIDs": [corrective],
    }
    return declared


def _packing(parties: Parties, chain: Chain) -> None:
    """Cases onto a pallet; the damaged case c2 is replaced by c4."""
    a = parties.ctx(parties.distillery)
    c1, c2, c3, c4 = ssccs(parties, "case", 4)
    (pallet,) = ssccs(parties, "pallet", 1)
    chain.cases = {"c1": c1, "c2": c2, "c3": c3, "c4": c4}
    chain.pallet = pallet
    b = chain.bottles
    a.capture(
        [
            ops.pack(at(122), parent=c1, children=b[0:6]),
            ops.pack(at(122), parent=c2, children=b[6:12]),
            ops.pack(at(122), parent=c3, children=b[12:18]),
            ops.pack(at(123), parent=pallet, children=[c1, c2, c3]),
            ops.unpack(at(124), parent=pallet, children=[c2]),
            ops.unpack(at(124.5), parent=c2),
            ops.pack(at(125), parent=c4, children=b[6:12]),
            ops.pack(at(125.5), parent=pallet, children=[c4]),
            ops.unpack(at(126), parent=c3, children=[b[17]]),
        ],
        name="packing",
    )


def _distribution(parties: Parties, chain: Chain) -> None:
    """A → B (receipt captured first), B → C (wrong consignee corrected), sale, return."""
    a, b, c = (parties.ctx(e) for e in (parties.distillery, parties.distributor, parties.store))
    slugs = {e: party(e.slug) for e in (parties.distillery, parties.distributor, parties.store)}
    pallet, c1 = chain.pallet, chain.cases["c1"]
    receive = ops.observe(
        ops.Where(time=T0 + timedelta(hours=150), documents=(("recadv", "SH-0001"),)),
        epcs=[pallet],
        step="receiving",
        disposition="in_progress",
        source=slugs[parties.distillery],
        destination=slugs[parties.distributor],
    )
    b.capture([receive], name="receive pallet (captured early)")
    ship = ops.observe(
        ops.Where(time=T0 + timedelta(hours=130), documents=(("desadv", "FH-0001"),)),
        epcs=[pallet],
        step="shipping",
        disposition="in_transit",
        source=slugs[parties.distillery],
        destination=slugs[parties.distributor],
    )
    a.capture([ship], name="ship pallet")
    wrong = ops.observe(
        ops.Where(time=T0 + timedelta(hours=160), documents=(("desadv", "FX-WRONG"),)),
        epcs=[c1],
        step="shipping",
        disposition="in_transit",
        source=slugs[parties.distributor],
        destination=party(parties.other.slug),
    )
    b.capture([ops.unpack(at(155), parent=pallet)], name="unpack pallet")
    empty_pallet_back = ops.observe(
        ops.Where(time=T0 + timedelta(hours=165), documents=(("desadv", "PAL-RET"),)),
        epcs=[pallet],
        step="shipping",
        disposition="in_transit",
        source=slugs[parties.distributor],
        destination=slugs[parties.distillery],
    )
    b.capture([empty_pallet_back], name="empty pallet returned")
    wrong_id = b.capture([wrong], name="ship c1 (wrong)").event_ids[0]
    right = ops.observe(
        ops.Where(time=T0 + timedelta(hours=160), documents=(("desadv", "FX-0002"),)),
        epcs=[c1],
        step="shipping",
        disposition="in_transit",
        source=slugs[parties.distributor],
        destination=slugs[parties.store],
    )
    right["eventID"] = "urn:uuid:6f1b3f0e-0000-4000-8000-0000000c1002"
    b.capture([_declare(wrong, wrong_id, right["eventID"]), right], name="ship c1 corrected")
    chain.event_ids["wrong_ship"] = wrong_id
    first, second = chain.bottles[0], chain.bottles[1]
    c.capture(
        [
            ops.observe(
                ops.Where(time=T0 + timedelta(hours=170), documents=(("recadv", "SH-0002"),)),
                epcs=[c1],
                step="receiving",
                disposition="in_progress",
                source=slugs[parties.distributor],
                destination=slugs[parties.store],
            ),
            ops.unpack(at(171), parent=c1),
            ops.observe(at(180), epcs=[first], step="retail_selling", disposition="retail_sold"),
            ops.observe(
                ops.Where(time=T0 + timedelta(hours=190), documents=(("desadv", "TH-0001"),)),
                epcs=[second],
                step="shipping",
                disposition="returned",
                source=slugs[parties.store],
                destination=slugs[parties.distributor],
            ),
        ],
        name="store",
    )
    b.capture(
        [
            ops.observe(
                ops.Where(time=T0 + timedelta(hours=200), documents=(("recadv", "TH-0001"),)),
                epcs=[second],
                step="receiving",
                disposition="returned",
                source=slugs[parties.store],
                destination=slugs[parties.distributor],
            )
        ],
        name="return received",
    )


def build_reference_chain(runtime: Runtime) -> Chain:
    """The fixture genealogy and flows described in the module docstring."""
    parties = make_parties(runtime)
    chain = Chain(parties)
    _production(parties, chain)
    _packing(parties, chain)
    _distribution(parties, chain)
    return chain


def build_wide_chain(runtime: Runtime, width: int) -> Chain:
    """``width`` raw lots blended into one batch of ``width`` cases of six on one pallet,
    shipped and received: a chain whose size grows with ``width`` (for query counts)."""
    parties = make_parties(runtime)
    a = parties.ctx(parties.distillery)
    b = parties.ctx(parties.distributor)
    chain = Chain(parties)
    raws = [f"R{n}" for n in range(width)]
    events = [
        ops.intake(at(n), gtin=SORGHUM, lot=r, quantity=Decimal(100), uom="KGM", supplier=None)
        for n, r in enumerate(raws)
    ]
    events += [
        ops.transform(
            at(50 + n),
            inputs=[(ops.lot_class(SORGHUM, r), None, "KGM")],
            output_gtin=BASE,
            output_lot=f"B{n}",
            output_quantity=None,
            uom="LTR",
            step=STAGE + "distillation",
            records=[_quality(parties, "0.2")],
        )
        for n, r in enumerate(raws)
    ]
    events.append(
        ops.transform(
            at(100),
            inputs=[(ops.lot_class(BASE, f"B{n}"), None, "LTR") for n in range(width)],
            output_gtin=BLEND,
            output_lot="BD",
            output_quantity=None,
            uom="LTR",
            step=STAGE + "blending",
        )
    )
    a.capture(events, name="production")
    chain.bottles = bottles(parties, 6 * width)
    cases = ssccs(parties, "case", width)
    (chain.pallet,) = ssccs(parties, "pallet", 1)
    chain.cases = {f"c{n}": c for n, c in enumerate(cases)}
    packing = [
        ops.commission(
            at(120),
            epcs=chain.bottles,
            lot="P",
            input_lots=[ops.lot_class(BLEND, "BD")],
            records=[_bottling_record(parties)],
        )
    ]
    packing += [
        ops.pack(at(121), parent=c, children=chain.bottles[6 * n : 6 * n + 6])
        for n, c in enumerate(cases)
    ]
    packing.append(ops.pack(at(122), parent=chain.pallet, children=cases))
    to_b = party(parties.distributor.slug)
    packing.append(
        ops.observe(
            ops.Where(time=T0 + timedelta(hours=130), documents=(("desadv", "FH-1"),)),
            epcs=[chain.pallet],
            step="shipping",
            disposition="in_transit",
            source=party(parties.distillery.slug),
            destination=to_b,
        )
    )
    a.capture(packing, name="bottling")
    b.capture(
        [
            ops.observe(
                at(140),
                epcs=[chain.pallet],
                step="receiving",
                disposition="in_progress",
                source=party(parties.distillery.slug),
                destination=to_b,
            )
        ],
        name="receive",
    )
    chain.lots = {"R0": lot_key(SORGHUM, "R0"), "P": lot_key(BOTTLE, "P")}
    return chain


def keys_of(lots: list[dict[str, Any]]) -> set[str]:
    """The lot ids of a trace result's lot list."""
    return {lot["id"] for lot in lots}
