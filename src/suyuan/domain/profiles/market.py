"""The market-produce profile: meat, vegetable and fruit markets with trace scales (LZ-1..LZ-3).

Vendors register under their real name before trading (LZ-1); deliveries carry origin and,
for meat, quarantine certificates; vegetables get a pesticide-residue rapid test; every trade
on a trace scale prints a ticket whose QR code leads to the public ticket page (LZ-2, LZ-3).
"""

from __future__ import annotations

from suyuan.domain.profiles._declare import (
    BOOL,
    CODE,
    ENUM,
    EQUIPMENT,
    EVENT,
    FILE,
    LIST,
    LOT,
    LOT_REF,
    PERSON,
    PERSON_SUBJECT,
    SUPPLIER,
    TIME,
    N,
    Q,
    date_,
    f,
    rt,
)
from suyuan.domain.profiles.model import (
    Comparator,
    ItemAttribute,
    ItemDataType,
    ProcessStep,
    Profile,
    PublicItem,
    QcLimit,
    RequiredWhen,
    Source,
    SourceKind,
    UploadItem,
)

CATEGORIES = ("meat", "vegetable", "fruit", "other")
_ID_NUMBER = r"\d{17}[\dXx]"  # resident identity card number, GB 11643

# fmt: off
VENDOR = rt(
    "M1.1", "vendor", "Vendor registration", "经营者实名登记", PERSON_SUBJECT, None, "LZ-1",
    f("real_name", "姓名", "vendor name", required=True, public=True),
    # The ID number is needed for real-name access (LZ-1) but is personal data: never public.
    f("id_number", "身份证号", "ID number", required=True, pattern=_ID_NUMBER,
      pattern_hint="an 18-character resident ID number"),
    f("id_verified", "身份已核验", "identity verified", BOOL, required=True),
    f("stall", "摊位号", "stall", required=True, public=True),
    f("market", "市场", "market", required=True, public=True),
    f("phone", "联系电话", "phone"),
    f("categories", "经营品类", "categories", LIST, item_type=ENUM, allowed=CATEGORIES),
    date_("registration_date", "登记日期"),
)
DELIVERY = rt(
    "M2.1", "delivery", "Incoming delivery", "进货登记", LOT, "market_entry", "LZ-2",
    f("delivery_time", "进货时间", "delivery time", TIME, required=True),
    f("lot_number", "批次号", "lot number", required=True, upload=True),
    f("vendor", "经营者", "vendor", PERSON, required=True),
    f("goods", "品名", "goods", required=True),
    f("category", "品类", "category", ENUM, allowed=CATEGORIES, required=True),
    f("origin", "产地", "origin", required=True, public=True),
    f("origin_certificate_number", "产地证明编号", "origin certificate number"),
    f("origin_certificate_file", "产地证明", "origin certificate", FILE),
    f("quarantine_certificate_number", "检疫合格证明编号", "quarantine certificate number",
      public=True),
    f("quarantine_certificate_file", "检疫合格证明", "quarantine certificate", FILE),
    f("supplier", "供货商", "supplier", SUPPLIER, required=True),
    f("weight", "重量", "weight", Q, unit="kg", minimum=0, required=True),
    required_when=(
        RequiredWhen("quarantine_certificate_number", "category", ("meat",), "for meat"),
    ),
)
RAPID_TEST = rt(
    "M3.1", "rapid_test", "Rapid test", "快速检测", LOT, "market_entry", "LZ-2",
    f("test_time", "检测时间", "test time", TIME, required=True),
    f("lot_number", "批次号", "lot number", required=True),
    f("goods", "品名", "goods", required=True),
    f("item", "检测项目", "test item", required=True),
    f("method", "检测方法", "method"),
    f("inhibition_rate", "抑制率", "inhibition rate", N, unit="%", minimum=0, maximum=100),
    f("pesticide_residue", "检测结果", "pesticide residue", ENUM,
      allowed=("negative", "positive"), required=True, public=True),
    f("tester", "检测人员", "tester", PERSON),
)
TRADE = rt(
    "M4.1", "trade", "Trade on a trace scale", "溯源秤交易", EVENT, "retail", "LZ-2",
    f("vendor", "经营者", "vendor", PERSON, required=True, upload=True),
    f("goods", "品名", "goods", required=True, public=True, upload=True),
    f("weight", "重量", "weight", Q, unit="kg", minimum=0, required=True, public=True,
      upload=True),
    f("unit_price", "单价", "unit price", Q, unit="CNY/kg", minimum=0, required=True,
      upload=True),
    f("amount", "金额", "amount", N, unit="CNY", minimum=0, required=True, upload=True),
    f("trade_time", "交易时间", "trade time", TIME, required=True, public=True, upload=True),
    f("source_lot", "来源批次", "source lot", LOT_REF, required=True, upload=True),
    f("payment_reference", "支付流水号", "payment reference"),
    f("ticket_code", "溯源票码", "ticket code", CODE, required=True, public=True),
    f("scale", "溯源秤", "trace scale", EQUIPMENT),
)


def _item(number: int, zh: str, en: str, source: Source) -> PublicItem:
    return PublicItem(f"LZ-3.{number}", zh, en, ItemAttribute.UNIT, ItemDataType.STRING, source)


def _record(record_type: str, key: str) -> Source:
    return Source(SourceKind.RECORD, key, record_type=record_type)


PUBLIC_ITEMS = (
    _item(1, "品名", "goods", _record("trade", "goods")),
    _item(2, "摊位号", "vendor stall", _record("vendor", "stall")),
    _item(3, "经营者", "vendor name", _record("vendor", "real_name")),
    _item(4, "市场", "market", _record("vendor", "market")),
    _item(5, "产地", "origin", _record("delivery", "origin")),
    _item(6, "检疫合格证明编号", "quarantine certificate",
          _record("delivery", "quarantine_certificate_number")),
    _item(7, "快速检测结果", "rapid test result", _record("rapid_test", "pesticide_residue")),
    _item(8, "交易时间", "trade time", _record("trade", "trade_time")),
    _item(9, "重量", "weight", _record("trade", "weight")),
)

UPLOAD_ITEMS = tuple(
    UploadItem(f"LZ-2.{n}", zh, en, ItemAttribute.UNIT, ItemDataType.STRING, _record("trade", key))
    for n, (zh, en, key) in enumerate((
        ("经营者", "vendor", "vendor"), ("品名", "goods", "goods"), ("重量", "weight", "weight"),
        ("单价", "unit price", "unit_price"), ("金额", "amount", "amount"),
        ("交易时间", "trade time", "trade_time"), ("来源批次", "source lot", "source_lot"),
    ), start=1)
)

QC_LIMITS = (
    QcLimit("origin_certificate", "origin certificate", "产地证明", "delivery",
            "origin_certificate_number", Comparator.PRESENT, "LZ-1 market access"),
    QcLimit("quarantine_certificate", "quarantine certificate", "动物检疫合格证明", "delivery",
            "quarantine_certificate_number", Comparator.PRESENT,
            "Animal Epidemic Prevention Law (动物防疫法): meat needs a quarantine certificate",
            applies_to=("meat",)),
    QcLimit("pesticide_residue", "pesticide residue rapid test", "农药残留快速检测", "rapid_test",
            "pesticide_residue", Comparator.EQUALS,
            "GB/T 5009.199-2003 enzyme inhibition rapid test", expected="negative",
            applies_to=("vegetable",)),
)

PROCESS_STEPS = (
    ProcessStep("market_entry", "Market entry", "进场", ("delivery", "rapid_test"), "LZ-2"),
    ProcessStep("retail", "Retail trade", "零售交易", ("trade",), "LZ-2"),
)
# fmt: on

MARKET_PRODUCE = Profile(
    id="market_produce",
    name="Market produce (meat, vegetables, fruit)",
    name_zh="肉菜流通追溯",
    record_types=(VENDOR, DELIVERY, RAPID_TEST, TRADE),
    public_items=PUBLIC_ITEMS,
    upload_items=UPLOAD_ITEMS,
    qc_limits=QC_LIMITS,
    process_steps=PROCESS_STEPS,
    product_fields=(
        f("name", "品名", "goods", required=True, public=True),
        f("category", "品类", "category", ENUM, allowed=CATEGORIES, required=True),
    ),
    product_categories=CATEGORIES,
    description="Lanzhou market traceability: real-name vendors, trace scales, tickets",
)
