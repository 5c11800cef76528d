"""Build the demo world through the same services a real user calls (no back doors).

One distillery with its suppliers, workshops, equipment and staff; production batches
over months (grain intake → koji → fermentation and distillation → storage → blending →
bottling → packing); three distributors in three provinces; dozens of stores; sales,
consumer complaints. And what real users meet: a batch that failed QC, a damaged case
unpacked and repacked, voided labels, a transfer between distributors.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from suyuan.codes.keys import KeyRing
from suyuan.codes.keystore import save_keyring
from suyuan.codes.serials import issue_serials
from suyuan.codes.sscc import iter_ssccs
from suyuan.demo import world as w
from suyuan.domain import operations as ops
from suyuan.domain.access import Actor, Role
from suyuan.domain.operations import party
from suyuan.domain.profiles import get_profile, validate_record
from suyuan.services.codes import issue_block, keyring_path, void_codes
from suyuan.services.enterprises import NewEnterprise, add_enterprise
from suyuan.services.operations import ID_BASE, OperationContext
from suyuan.services.products import add_product
from suyuan.services.records import add_master_record
from suyuan.services.users import create_token, create_user
from suyuan.storage.uow import UnitOfWork

DEMO_PASSWORD = "suyuan-demo"  # demo data only; printed in the summary
Progress = Callable[[str, int], None]


@dataclass
class Built:
    """What the builder made, for the summary."""

    counts: dict[str, int] = field(default_factory=dict)
    samples: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def tokens_users(self) -> list[str]:
        """Console user names of the demo (the token owners)."""
        return [name if name == "regulator" else f"{name}-admin" for name in self.tokens]

    def add(self, name: str, n: int = 1) -> None:
        """Count ``n`` more of something."""
        self.counts[name] = self.counts.get(name, 0) + n


@dataclass
class Demo:
    """Builds one world; all randomness comes from ``seed``."""

    make_uow: Callable[[], UnitOfWork]
    key_dir: Path
    resolver_url: str
    scale: w.Scale
    seed: int
    progress: Progress | None = None
    built: Built = field(default_factory=Built)
    tenants: dict[str, int] = field(default_factory=dict)
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    contents: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.size = w.SIZES[self.scale]
        self.actor = Actor.system()

    # --- helpers -------------------------------------------------------------------------

    def _step(self, label: str, n: int = 1) -> None:
        if self.progress is not None:
            self.progress(label, n)

    def ctx(self, slug: str) -> OperationContext:
        """Operations performed by one enterprise."""
        return OperationContext(
            self.make_uow, self.actor, self.tenants[slug], key_dir=self.key_dir, seal_every=50_000
        )

    def record(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """A validated baijiu record ready to ride in an event."""
        from suyuan.domain.profiles import record_to_epcis

        return record_to_epcis(validate_record(get_profile("baijiu"), kind, data))

    def queue(self, slug: str, events: Sequence[dict[str, Any]]) -> None:
        """Hold events of an enterprise until ``flush`` (distribution is captured in bulk)."""
        self.pending.setdefault(slug, []).extend(events)

    def flush(self, order: Sequence[str]) -> None:
        """Capture held events enterprise by enterprise, upstream first, so every
        enterprise's events follow the ones they depend on."""
        for slug in [*order, *(s for s in self.pending if s not in order)]:
            events = self.pending.pop(slug, [])
            if events:
                self.capture(slug, events, "distribution")

    def capture(self, slug: str, events: Sequence[dict[str, Any]], name: str) -> None:
        """Capture events for an enterprise, in chunks."""
        octx = self.ctx(slug)
        for start in range(0, len(events), 5000):
            octx.capture(events[start : start + 5000], name=name)
        self.built.add("events", len(events))

    @staticmethod
    def at(day: float, hour: float = 9.0) -> datetime:
        """A moment ``day`` days after the demo's start."""
        return w.START + timedelta(days=day, hours=hour - 8)

    # --- the world -----------------------------------------------------------------------

    def build(self) -> Built:
        """Build everything; returns counts and sample codes."""
        self._enterprises()
        self._products()
        self._master_data()
        keyring = KeyRing({0: hashlib.sha256(f"suyuan-demo-{self.seed}".encode()).digest()})
        path = keyring_path(self.key_dir, self.tenants[w.DISTILLERY.slug])
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        save_keyring(path, keyring)
        self.keyring = keyring
        pallets_by_batch = []
        for batch in range(self.size.batches):
            pallets_by_batch.append(self._production(batch))
        self._distribution(pallets_by_batch)
        self._void_labels()
        self._count_holds()
        self._seal()
        return self.built

    def _count_holds(self) -> None:
        """Failed-QC lots as the capture judged them (the verdict is computed there)."""
        import sqlalchemy as sa

        from suyuan.storage.tables import lot_holds

        with self.make_uow() as uow:
            origins = uow.connection.execute(
                sa.select(sa.func.count(sa.distinct(lot_holds.c.origin_lot_id)))
            ).scalar_one()
        self.built.add("qc.failed_lots", int(origins))

    def _seal(self) -> None:
        """Seal every ledger now, so inclusion proofs are ready for the whole demo."""
        from suyuan.services.ledger import seal_now

        for tenant in self.tenants.values():
            with self.make_uow() as uow:
                seal_now(uow, self.actor, tenant_id=tenant, key_dir=self.key_dir)

    def _enterprises(self) -> None:
        parties = [w.DISTILLERY, *w.SUPPLIERS, w.LOGISTICS, *w.DISTRIBUTORS]
        for distributor in w.DISTRIBUTORS:
            parties += w.stores(distributor, self.size.stores_per_distributor)
        with self.make_uow() as uow:
            platform = create_user(
                uow,
                self.actor,
                username="regulator",
                enterprise_id=None,
                roles=frozenset({Role.REGULATOR}),
                display_name="市场监管局",
                password=DEMO_PASSWORD,
            )
        for p in parties:
            producer = p is w.DISTILLERY
            with self.make_uow() as uow:
                enterprise = add_enterprise(
                    uow,
                    self.actor,
                    NewEnterprise(
                        slug=p.slug,
                        name=p.name,
                        role=p.role,
                        region=p.region,
                        address=p.address,
                        phone=p.phone,
                        gs1_company_prefix=w.PREFIX if producer else None,
                        idis_prefix=w.IDIS_PREFIX if producer else None,
                        licence=w.PRODUCT_ATTRIBUTES["licence_number"] if producer else None,
                        website="https://www.example-baijiu.cn" if producer else None,
                    ),
                )
            self.tenants[p.slug] = enterprise.id
            self.built.add(f"enterprises.{p.role}")
        for slug in (w.DISTILLERY.slug, w.DISTRIBUTORS[0].slug):
            with self.make_uow() as uow:
                create_user(
                    uow,
                    self.actor,
                    username=f"{slug}-admin",
                    enterprise_id=self.tenants[slug],
                    roles=frozenset({Role.ADMIN}),
                    password=DEMO_PASSWORD,
                )
            with self.make_uow() as uow:
                self.built.tokens[slug] = create_token(
                    uow, self.actor, username=f"{slug}-admin", name="demo"
                ).secret
        with self.make_uow() as uow:
            self.built.tokens["regulator"] = create_token(
                uow, self.actor, username=platform.username, name="demo"
            ).secret
        self._step("enterprises", len(parties))

    def _products(self) -> None:
        tenant = self.tenants[w.DISTILLERY.slug]
        items = [
            (
                w.BOTTLE,
                w.PRODUCT_ATTRIBUTES["name"] + " 500ml",
                "baijiu",
                "case:6,pallet:50",
                w.PRODUCT_ATTRIBUTES,
            ),
            (w.SORGHUM, "红粱（糯高粱）", "raw_material", "", {"origin": "四川省泸州市"}),
            (w.WHEAT, "小麦", "raw_material", "", {"origin": "河南省周口市"}),
            (w.KOJI, "中高温大曲", "koji", "", {}),
            (w.BASE_LIQUOR, "浓香型基酒", "base_liquor", "", {}),
            (
                w.BLEND,
                "勾调酒体 52%vol",
                "blended_liquor",
                "",
                {"alcohol_content": "52", "category": "grain"},
            ),
        ]
        for gtin, name, category, packaging, attributes in items:
            with self.make_uow() as uow:
                add_product(
                    uow,
                    self.actor,
                    tenant_id=tenant,
                    gtin=gtin,
                    name=name,
                    category=category,
                    packaging=packaging,
                    attributes=attributes,
                )
            self.built.add("products")

    def _master_data(self) -> None:
        tenant = self.tenants[w.DISTILLERY.slug]
        records = [
            ("T1.2", {"enterprise_name": s.name, "address": s.address, "contact": s.phone})
            for s in w.SUPPLIERS
        ]
        records += [
            ("T7.1", {"equipment_name": n, "manufacturer": "四川酿酒机械厂"})
            for n in ("甑桶 1 号", "冷凝器 2 号", "勾调罐 A3", "灌装线 L1")
        ]
        records += [
            ("T8.1", {"facility_name": n, "workshop": ws})
            for n, ws in (("窖池群 A 区", "酿酒一车间"), ("陶坛酒库", "贮酒车间"))
        ]
        records += [
            ("T9.1", {"name": n, "job_title": t, "post": t, "health_certificate": "有效"})
            for n, t in (
                ("张建国", "酿酒班长"),
                ("李秀英", "勾调师"),
                ("王强", "质检员"),
                ("陈静", "灌装线长"),
                ("刘洋", "仓库主管"),
            )
        ]
        for kind, data in records:
            with self.make_uow() as uow:
                add_master_record(uow, self.actor, tenant_id=tenant, record_type=kind, data=data)
            self.built.add("records.master")

    # --- production ----------------------------------------------------------------------

    def _production(self, batch: int) -> list[tuple[str, list[str]]]:
        """One batch from grain to packed pallets; returns [(pallet, [case, ...])]."""
        slug = w.DISTILLERY.slug
        day = batch * 14.0
        n = batch + 1
        events: list[dict[str, Any]] = []
        grain_lot = f"GL2026{(batch // 2) + 1:03d}"  # one grain lot feeds two batches
        if batch % 2 == 0:
            events.append(
                ops.intake(
                    self._where(day),
                    gtin=w.SORGHUM,
                    lot=grain_lot,
                    quantity=self._dec(20000, 30000),
                    uom="KGM",
                    supplier=party(w.SUPPLIERS[0].slug),
                    records=[
                        self.record(
                            "T1.1",
                            {
                                "material_name": "红粱",
                                "origin": "四川省泸州市",
                                "acceptance_record": "感官合格，水分 13.2%",
                            },
                        ),
                        self.record(
                            "T3.1",
                            {
                                "time": self.at(day).isoformat(),
                                "material_name": "红粱",
                                "source": "泸州红粱专业合作社",
                                "quantity": "25000 kg",
                                "batch_number": grain_lot,
                                "receiving_staff": "刘洋",
                            },
                        ),
                    ],
                )
            )
            self.built.add("lots.raw_material")
        wheat_lot = f"WL2026{n:03d}"
        events.append(
            ops.intake(
                self._where(day, 10),
                gtin=w.WHEAT,
                lot=wheat_lot,
                quantity=self._dec(8000, 9000),
                uom="KGM",
                supplier=party(w.SUPPLIERS[1].slug),
                records=[self.record("T1.1", {"material_name": "小麦", "origin": "河南省周口市"})],
            )
        )
        koji_lot = f"KJ2026{n:03d}"
        events.append(
            ops.transform(
                self._where(day + 1),
                inputs=[(ops.lot_class(w.WHEAT, wheat_lot), None, "KGM")],
                output_gtin=w.KOJI,
                output_lot=koji_lot,
                output_quantity=self._dec(7000, 7500),
                uom="KGM",
                step=ops.stage_step("koji_making"),
                records=[
                    self.record("T2.1", {"workshop_team": "制曲车间一班", "koji_grade": "一级"})
                ],
            )
        )
        base_lot = f"BL2026{n:03d}"
        events.append(
            ops.transform(
                self._where(day + 3),
                inputs=[
                    (ops.lot_class(w.SORGHUM, grain_lot), None, "KGM"),
                    (ops.lot_class(w.KOJI, koji_lot), None, "KGM"),
                ],
                output_gtin=w.BASE_LIQUOR,
                output_lot=base_lot,
                output_quantity=self._dec(5000, 6000),
                uom="LTR",
                step=ops.stage_step("distillation"),
                records=[
                    self.record(
                        "T3.2",
                        {
                            "workshop": "酿酒一车间",
                            "team": "张建国班组",
                            "fermentation_cycle": "60 d",
                            "storage_method": "陶坛贮存",
                        },
                    )
                ],
            )
        )
        events.append(
            ops.record_only(
                self._where(day + 4),
                subjects=[],
                quantity_classes=[ops.lot_class(w.BASE_LIQUOR, base_lot)],
                step="storing",
                records=[
                    self.record(
                        "T4.1",
                        {
                            "storage_in_time": self.at(day + 4).isoformat(),
                            "storage_container": f"陶坛 {n:03d}",
                            "storage_period": "12 月",
                            "quality_grade": "优级",
                        },
                    )
                ],
            )
        )
        blend_lot = f"BD2026{n:03d}"
        inputs = [ops.lot_class(w.BASE_LIQUOR, base_lot)]
        if batch > 0:
            inputs.append(ops.lot_class(w.BASE_LIQUOR, f"BL2026{n - 1:03d}"))
        failed = batch == w.FAILED_BATCH
        quality = {
            "alcohol_content": "52.1",
            "quantity": "5200 kg",
            "methanol": "0.92 g/L" if failed else f"0.{self.rng.randint(10, 28)} g/L",
            "lead": "0.05 mg/kg",
            "cyanide": "1.1 mg/L",
            "total_acids": "1.2 g/L",
            "total_esters": "3.1 g/L",
            "ethyl_caproate": "2.2 g/L",
        }
        events.append(
            ops.transform(
                self._where(day + 6),
                inputs=[(c, None, "LTR") for c in inputs],
                output_gtin=w.BLEND,
                output_lot=blend_lot,
                output_quantity=self._dec(5000, 5200),
                uom="LTR",
                step=ops.stage_step("blending"),
                records=[
                    self.record(
                        "T5.1",
                        {
                            "time": self.at(day + 6).isoformat(),
                            "blending_date": self.at(day + 6).date().isoformat(),
                            "blending_batch": blend_lot,
                            "standing_time": "7 d",
                        },
                    ),
                    self.record("T5.2", quality),
                ],
            )
        )
        self.capture(slug, events, f"batch {n} process")
        self.built.add("lots", 4 if batch % 2 else 5)
        self._step("batches")
        return self._bottling(batch, blend_lot, day + 8, failed)

    def _where(self, day: float, hour: float = 9.0) -> ops.Where:
        return ops.Where(time=self.at(day, hour))

    def _dec(self, low: int, high: int) -> Any:
        from decimal import Decimal

        return Decimal(self.rng.randint(low, high))

    def _bottling(
        self, batch: int, blend_lot: str, day: float, failed: bool
    ) -> list[tuple[str, list[str]]]:
        slug = w.DISTILLERY.slug
        count = self.size.bottles_per_batch - self.size.bottles_per_batch % 300
        tenant = self.tenants[slug]
        with self.make_uow() as uow:
            block = issue_block(
                uow,
                self.actor,
                tenant_id=tenant,
                gtin=w.BOTTLE,
                count=count,
                level="item",
                key_dir=self.key_dir,
            )
        serials = issue_serials(self.keyring, block.serial_block())
        bottles = [f"{ID_BASE}/01/{w.BOTTLE}/21/{s}" for s in serials]
        cases = self._ssccs(tenant, "case", count // 6)
        pallets = self._ssccs(tenant, "pallet", count // 300)
        batch_no = f"{self.at(day).strftime('%Y%m%d')}{batch + 1:02d}"
        where = ops.Where(time=self.at(day))
        events = [
            ops.commission(
                ops.Where(time=self.at(day, 8)),
                epcs=bottles[i : i + 2000],
                lot=batch_no,
                input_lots=[ops.lot_class(w.BLEND, blend_lot)],
                records=[
                    self.record(
                        "T6.3",
                        {
                            "product_name": w.PRODUCT_ATTRIBUTES["name"],
                            "production_date": self.at(day).date().isoformat(),
                            "production_batch": batch_no,
                            "workshop": "灌装车间",
                            "net_content": "500 mL",
                            "alcohol_content": "52",
                        },
                    )
                ]
                if i == 0
                else [],
            )
            for i in range(0, count, 2000)
        ]
        self.built.add("bottles", count)
        for c, case in enumerate(cases):
            self.contents[case] = bottles[c * 6 : c * 6 + 6]
            events.append(
                ops.pack(
                    ops.Where(time=self.at(day, 10)), parent=case, children=self.contents[case]
                )
            )
        layout = []
        for p, pallet in enumerate(pallets):
            contents = cases[p * 50 : p * 50 + 50]
            events.append(
                ops.pack(ops.Where(time=self.at(day, 11)), parent=pallet, children=contents)
            )
            layout.append((pallet, contents))
        events.append(
            ops.observe(
                where,
                epcs=pallets,
                step="storing",
                disposition="active",
                records=[
                    self.record(
                        "T6.5",
                        {
                            "time": self.at(day, 12).isoformat(),
                            "product_name": w.PRODUCT_ATTRIBUTES["name"],
                            "production_date": self.at(day).date().isoformat(),
                            "batch_number": batch_no,
                            "quantity": count,
                            "quality_status": "待检" if failed else "合格",
                            "operator": "刘洋",
                        },
                    )
                ],
            )
        )
        self.capture(slug, events, f"batch {batch + 1} bottling")
        self.built.add("cases", len(cases))
        self.built.add("pallets", len(pallets))
        if batch == 0:
            self._damaged_case(tenant, cases[0], bottles[:6], day)
            self.block = block
            self.built.samples["raw_material_lot"] = f"{w.SORGHUM}:GL2026001"
        if failed:
            self.built.samples["failed_qc_bottle"] = bottles[0]
            self.built.samples["failed_batch"] = batch_no
            return []
        return layout

    def _ssccs(self, tenant: int, level: str, count: int) -> list[str]:
        with self.make_uow() as uow:
            block = issue_block(
                uow,
                self.actor,
                tenant_id=tenant,
                gtin=w.BOTTLE,
                count=count,
                level=level,
                key_dir=self.key_dir,
            )
        extension = int(block.domain.rsplit(":", 1)[1])
        return [
            f"{ID_BASE}/00/{s.value}"
            for s in iter_ssccs(
                w.PREFIX, extension_digit=extension, start=block.start_counter, count=count
            )
        ]

    def _damaged_case(self, tenant: int, case: str, bottles: list[str], day: float) -> None:
        """A case damaged in the warehouse: unpacked, its bottles repacked into a new case."""
        new_case = self._ssccs(tenant, "case", 1)[0]
        pallet_events = [
            ops.unpack(ops.Where(time=self.at(day, 14)), parent=case, children=bottles),
            ops.pack(ops.Where(time=self.at(day, 15)), parent=new_case, children=bottles),
        ]
        self.capture(w.DISTILLERY.slug, pallet_events, "damaged case repacked")
        self.contents[case], self.contents[new_case] = [], bottles
        self.built.add("situations.repacked_cases")
        self.built.samples["repacked_case"] = new_case

    # --- distribution --------------------------------------------------------------------

    def _distribution(self, pallets_by_batch: list[list[tuple[str, list[str]]]]) -> None:
        shipments = [(b, p) for b, layout in enumerate(pallets_by_batch) for p in layout]
        for n, (batch, (pallet, cases)) in enumerate(shipments):
            distributor = w.DISTRIBUTORS[n % len(w.DISTRIBUTORS)]
            day = batch * 14.0 + 10 + (n % 5)
            self._ship(
                w.DISTILLERY.slug, distributor.slug, [pallet], day, f"FH{n + 1:06d}", len(cases) * 6
            )
            kept = self._to_stores(distributor, pallet, cases, day + 3, n)
            if n == 1 and kept:
                self._transfer(distributor, kept[:2], day + 6)
        self.flush([w.DISTILLERY.slug, *(d.slug for d in w.DISTRIBUTORS)])
        self._step("distribution", len(shipments))

    def _ship(
        self, shipper: str, consignee: str, codes: list[str], day: float, note: str, quantity: int
    ) -> None:
        dispatch = [
            self.record(
                "T11.1",
                {
                    "dispatch_note_number": note,
                    "order_number": f"DD{note[2:]}",
                    "shipper": shipper,
                    "dispatch_time": self.at(day).isoformat(),
                    "dispatch_quantity": quantity,
                },
            ),
            self.record("T11.4", {"logistics_company": w.LOGISTICS.name}),
        ]
        ship = ops.observe(
            ops.Where(time=self.at(day), documents=(("desadv", note),)),
            epcs=codes,
            step="shipping",
            disposition="in_transit",
            source=party(shipper),
            destination=party(consignee),
            records=dispatch,
        )
        self.queue(shipper, [ship])
        receipt = [
            self.record(
                "T12.1",
                {
                    "receipt_note_number": f"SH{note[2:]}",
                    "consignee": consignee,
                    "received_quantity": quantity,
                },
            )
        ]
        receive = ops.observe(
            ops.Where(time=self.at(day + 2), documents=(("recadv", f"SH{note[2:]}"),)),
            epcs=codes,
            step="receiving",
            disposition="in_progress",
            source=party(shipper),
            destination=party(consignee),
            records=receipt,
        )
        self.queue(consignee, [receive])
        self.built.add("shipments")

    def _to_stores(
        self, distributor: w.Party, pallet: str, cases: list[str], day: float, n: int
    ) -> list[str]:
        stores = w.stores(distributor, self.size.stores_per_distributor)
        self.queue(
            distributor.slug,
            [ops.unpack(ops.Where(time=self.at(day)), parent=pallet, children=cases)],
        )
        keep = len(cases) // 5  # a fifth stays in the distributor's warehouse
        for c, case in enumerate(cases[keep:]):
            store = stores[(n + c) % len(stores)]
            self._ship(distributor.slug, store.slug, [case], day + 1, f"FX{n:04d}{c:03d}", 6)
            self._sell(store, case, day + 5 + c % 20)
        if n == 0:
            self.built.samples["pallet"] = pallet
            self.built.samples["case"] = next(c for c in cases[:keep] if self.contents.get(c))
            # A commissioned bottle in that case, still in the distributor's warehouse.
            self.built.samples["bottle"] = self.contents[self.built.samples["case"]][0]
        return cases[:keep]

    def _sell(self, store: w.Party, case: str, day: float) -> None:
        bottles = self._contents(case)
        if self.rng.random() > self.size.sold_share * 2:
            return
        sold = bottles[: self.rng.randint(1, 6)]
        events = [ops.unpack(ops.Where(time=self.at(day, 10)), parent=case)]
        sale = self.record(
            "T13.3",
            {
                "store_id": store.slug,
                "store_name": store.name,
                "sale_time": self.at(day, 15).isoformat(),
                "unit_codes": sold,
                "quantity": len(sold),
                "operator": "店员",
            },
        )
        events.append(
            ops.observe(
                ops.Where(time=self.at(day, 15)),
                epcs=sold,
                step="retail_selling",
                disposition="retail_sold",
                records=[sale],
            )
        )
        self.queue(store.slug, events)
        self.built.add("bottles.sold", len(sold))
        self.built.samples.setdefault("sold_bottle", sold[0])
        if self.built.counts.get("complaints", 0) < 3 and self.rng.random() < 0.05:
            complaint = self.record(
                "T14.2",
                {
                    "complaint_time": self.at(day + 3).isoformat(),
                    "location": store.region,
                    "complaint_content": "瓶盖密封不严，酒液有渗漏",
                },
            )
            self.queue(
                store.slug,
                [
                    ops.record_only(
                        ops.Where(time=self.at(day + 3)),
                        subjects=[sold[0]],
                        step="inspecting",
                        records=[complaint],
                    )
                ],
            )
            self.built.add("complaints")

    def _contents(self, case: str) -> list[str]:
        return self.contents.get(case, [])

    def _transfer(self, source: w.Party, cases: list[str], day: float) -> None:
        """A distributor hands cases to another (调货): still traced end to end."""
        position = [d.slug for d in w.DISTRIBUTORS].index(source.slug)
        target = w.DISTRIBUTORS[(position + 1) % len(w.DISTRIBUTORS)]
        self._ship(source.slug, target.slug, cases, day, "DH000001", len(cases) * 6)
        self.built.add("situations.transfers")
        self.built.samples["transferred_case"] = cases[0]

    def _void_labels(self) -> None:
        """Five labels misprinted at bottling: voided, with a destruction record (QBT-7.3)."""
        tenant = self.tenants[w.DISTILLERY.slug]
        with self.make_uow() as uow:
            block = issue_block(
                uow,
                self.actor,
                tenant_id=tenant,
                gtin=w.BOTTLE,
                count=5,
                level="item",
                key_dir=self.key_dir,
            )
        codes = [
            f"{ID_BASE}/01/{w.BOTTLE}/21/{s}"
            for s in issue_serials(self.keyring, block.serial_block())
        ]
        with self.make_uow() as uow:
            void_codes(
                uow,
                self.actor,
                tenant_id=tenant,
                codes=codes,
                reason="标签印刷错位",
                key_dir=self.key_dir,
            )
        self.built.add("codes.voided", len(codes))
        self.built.samples["voided_code"] = codes[0]


def sample_urls(samples: dict[str, Any], resolver_url: str) -> dict[str, Any]:
    """Samples as {"code", "url"} (resolver URL = base + Digital Link path)."""
    out: dict[str, Any] = {}
    base = resolver_url.rstrip("/")
    for name, value in samples.items():
        if isinstance(value, str) and value.startswith(ID_BASE):
            path = value[len(ID_BASE) :]
            out[name] = {"code": path, "url": base + path}
        else:
            out[name] = value
    return out
