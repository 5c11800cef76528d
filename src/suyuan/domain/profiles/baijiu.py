"""The baijiu profile: QB/T "Specification for Baijiu quality safety traceability system".

Every row of Tables 1-14 is a record type with every field its table lists (snake_case keys,
the draft's Chinese terms as labels); Table 15 is the public view, Table 16 the upload to the
national platform (NP). The tables are minimum sets ending in 等, so extras are accepted.

QC limits and their basis (QBT-5.2.2, GEN-10):

- methanol ≤ 0.6 g/L (grain-based) or ≤ 2.0 g/L (other raw materials), and cyanide (as HCN)
  ≤ 8.0 mg/L, both "按100%酒精度折算" (stated at 100 % vol): GB 2757-2012, Table 2. The
  measured value is scaled by 100 / measured alcohol content before comparison.
- lead (as Pb) ≤ 0.5 mg/kg for distilled spirits: GB 2762-2017 (unchanged in GB 2762-2022).
- alcohol content within ±1.0 % vol of the labelled value: GB/T 10781.1/.2/.3-2021 (the same
  tolerance appears in the other baijiu product standards, e.g. GB/T 26760).
"""

from __future__ import annotations

from decimal import Decimal

from suyuan.domain.profiles.baijiu_distribution import DISTRIBUTION_RECORD_TYPES
from suyuan.domain.profiles.baijiu_items import (
    PRODUCT_CATEGORIES,
    PRODUCT_FIELDS,
    PUBLIC_ITEMS,
    UPLOAD_ITEMS,
)
from suyuan.domain.profiles.baijiu_production import PRODUCTION_RECORD_TYPES
from suyuan.domain.profiles.model import Comparator, ProcessStep, Profile, QcLimit

_QUALITY = "blending_quality"  # QC results use the analyte fields of QB/T T5.2

QC_LIMITS: tuple[QcLimit, ...] = (
    QcLimit(
        "methanol",
        "methanol",
        "甲醇",
        _QUALITY,
        "methanol",
        Comparator.MAX,
        "GB 2757-2012 (grain-based, at 100 % vol)",
        limit=Decimal("0.6"),
        unit="g/L",
        applies_to=("grain",),
        pure_alcohol_basis=True,
    ),
    QcLimit(
        "methanol",
        "methanol",
        "甲醇",
        _QUALITY,
        "methanol",
        Comparator.MAX,
        "GB 2757-2012 (other raw materials, at 100 % vol)",
        limit=Decimal("2.0"),
        unit="g/L",
        applies_to=("other",),
        pure_alcohol_basis=True,
    ),
    QcLimit(
        "cyanide",
        "cyanide (as HCN)",
        "氰化物（以HCN计）",
        _QUALITY,
        "cyanide",
        Comparator.MAX,
        "GB 2757-2012 (at 100 % vol)",
        limit=Decimal("8.0"),
        unit="mg/L",
        pure_alcohol_basis=True,
    ),
    QcLimit(
        "lead",
        "lead (as Pb)",
        "铅（以Pb计）",
        _QUALITY,
        "lead",
        Comparator.MAX,
        "GB 2762-2017 (distilled spirits)",
        limit=Decimal("0.5"),
        unit="mg/kg",
    ),
    QcLimit(
        "alcohol_content",
        "alcohol content",
        "酒精度",
        _QUALITY,
        "alcohol_content",
        Comparator.LABEL_TOLERANCE,
        "GB/T 10781-2021 (labelled value ± 1.0 % vol)",
        limit=Decimal("1.0"),
        unit="% vol",
        label_field="alcohol_content",
    ),
)

PROCESS_STEPS: tuple[ProcessStep, ...] = (
    ProcessStep(
        "koji_making", "Koji making", "制曲", ("koji_production", "koji_outbound"), "QBT-8.3.1"
    ),
    ProcessStep(
        "fermentation",
        "Fermentation",
        "发酵",
        ("material_receipt", "fermentation", "clearance"),
        "QBT-8.3.1",
    ),
    ProcessStep(
        "distillation",
        "Distillation",
        "蒸馏",
        ("fermentation", "blending_quality", "clearance"),
        "QBT-8.3.1",
    ),
    ProcessStep(
        "base_liquor_storage",
        "Base liquor storage",
        "基酒贮存",
        ("base_liquor_storage",),
        "QBT-8.3.1",
    ),
    ProcessStep("blending", "Blending", "勾调", ("blending", "clearance"), "QBT-8.3.1"),
    ProcessStep(
        "bottling",
        "Bottling",
        "灌装",
        (
            "liquor_intake",
            "filled_bottle_inspection",
            "bottling_production",
            "packaging_inspection",
            "finished_goods_receipt",
            "clearance",
        ),
        "QBT-8.3.1",
    ),
)

BAIJIU = Profile(
    id="baijiu",
    name="Baijiu (QB/T baijiu quality safety traceability)",
    name_zh="白酒质量安全追溯",
    record_types=(*PRODUCTION_RECORD_TYPES, *DISTRIBUTION_RECORD_TYPES),
    public_items=PUBLIC_ITEMS,
    upload_items=UPLOAD_ITEMS,
    qc_limits=QC_LIMITS,
    process_steps=PROCESS_STEPS,
    product_fields=PRODUCT_FIELDS,
    product_categories=PRODUCT_CATEGORIES,
    description="QB/T draft 白酒质量安全追溯体系规范, Tables 1-16",
)
