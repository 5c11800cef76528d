"""Baijiu product master fields and the published item tables: QB/T Tables 15 and 16 (QBT-9)."""

from __future__ import annotations

from suyuan.domain.profiles._declare import ENUM, Q, T, alcohol, f
from suyuan.domain.profiles.model import (
    Field,
    ItemAttribute,
    ItemDataType,
    PublicItem,
    Source,
    SourceKind,
    UploadItem,
)

CATEGORY, UNIT = ItemAttribute.CATEGORY, ItemAttribute.UNIT
STRING, TEXT, FILE = ItemDataType.STRING, ItemDataType.TEXT, ItemDataType.FILE

# GB 2757-2012 sets methanol limits by raw material: grain (粮谷类) or other (其他).
PRODUCT_CATEGORIES = ("grain", "other")

# fmt: off
PRODUCT_FIELDS: tuple[Field, ...] = (
    f("name", "产品名称", "product name", required=True, public=True, upload=True),
    alcohol(required=True, public=True),
    f("net_content", "净含量", "net content", Q, unit="mL", minimum=0, required=True,
      public=True, upload=True),
    f("specification", "规格", "specification", public=True, upload=True),
    f("standard_number", "产品执行标准号", "product standard number", public=True),
    f("production_process", "生产工艺", "production process", public=True),
    f("origin", "产地", "origin", public=True),
    f("ingredients", "原料", "ingredients", T, public=True),
    f("storage_conditions", "贮存条件", "storage conditions", public=True),
    f("licence_number", "生产许可编号", "production licence number", public=True,
      pattern=r"SC\s*(\d\s*){13}\d", pattern_hint="SC followed by 14 digits"),
    f("warning_statement", "警示语", "warning statement", T, public=True),
    f("special_groups_statement", "特殊人群适应性", "special groups statement", T, public=True),
    f("shelf_life", "保质期", "shelf life", public=True, upload=True),
    f("aroma_type", "香型", "aroma type"),
    f("category", "原料类别", "raw material category", ENUM, allowed=PRODUCT_CATEGORIES,
      required=True),
)


def _product(key: str) -> Source:
    return Source(SourceKind.PRODUCT, key)


def _enterprise(key: str) -> Source:
    return Source(SourceKind.ENTERPRISE, key)


_NET_CONTENT_SPEC = Source(SourceKind.COMPUTED, "net_content_specification",
                           inputs=("product.net_content", "product.specification",
                                   "unit.packaging_level"))
_DATE_BATCH = Source(SourceKind.COMPUTED, "production_date_batch",
                     inputs=("bottling_production.production_date",
                             "bottling_production.production_batch"))
_TRACE_CODE = Source(SourceKind.UNIT, "trace_code")

_PUBLIC_ROWS = (
    ("产品名称", "product name", CATEGORY, STRING, _product("name"), "42%vol×××酒"),
    ("净含量、规格", "net content, specification", CATEGORY, STRING, _NET_CONTENT_SPEC,
     "500ml×6瓶"),
    ("产品执行标准号", "product standard number", CATEGORY, STRING, _product("standard_number"),
     "GB/T 10781.2"),
    ("生产工艺", "production process", CATEGORY, STRING, _product("production_process"),
     "固态法"),
    ("生产日期、批号", "production date, batch number", UNIT, STRING, _DATE_BATCH,
     "2019-10-17 203"),
    ("保质期", "shelf life", UNIT, STRING, _product("shelf_life"), "企业自定义"),
    ("企业名称", "enterprise name", CATEGORY, STRING, _enterprise("name"), "某某酒业有限公司"),
    ("企业地址", "enterprise address", CATEGORY, STRING, _enterprise("address"),
     "某省某市某路某号"),
    ("联系电话", "contact telephone", CATEGORY, STRING, _enterprise("telephone"),
     "区号+电话号码、手机号码"),
    ("企业网址", "enterprise website", CATEGORY, STRING, _enterprise("website"),
     "http://www.xxx.com"),
    ("产地", "place of origin", CATEGORY, STRING, _product("origin"), "某省某市"),
    ("产品的追溯编码", "product trace code", UNIT, STRING, _TRACE_CODE,
     "工业互联网企业标识编码+企业内部编码"),
    ("原料", "ingredients", CATEGORY, TEXT, _product("ingredients"), ""),
    ("贮存条件", "storage conditions", CATEGORY, STRING, _product("storage_conditions"),
     "存放于阴凉干燥处"),
    ("生产许可编号", "production licence number", CATEGORY, STRING, _product("licence_number"),
     "SC×××× ××××"),
    ("警示语", "warning statement", CATEGORY, TEXT, _product("warning_statement"),
     "未成年人不得饮用。过量饮酒，有害健康"),
    ("产品检验结果及质量等级", "inspection result and quality grade", UNIT, STRING,
     Source(SourceKind.COMPUTED, "qc_verdict",
            inputs=("blending_quality.methanol", "blending_quality.lead",
                    "blending_quality.cyanide", "blending_quality.alcohol_content",
                    "blending_quality.grade", "product.alcohol_content", "product.category")),
     "合格，一级"),
    ("主要原料合格证明", "conformity certificates of main raw materials", UNIT, FILE,
     Source(SourceKind.RECORD, "accompanying_inspection_report", record_type="raw_material"),
     ""),
    ("特殊人群适应性", "suitability for special groups", CATEGORY, TEXT,
     _product("special_groups_statement"), "应与产品包装标签中的特殊人群适应性内容一致"),
    ("流向信息", "flow information", UNIT, TEXT,
     Source(SourceKind.COMPUTED, "flow",
            inputs=("dispatch_note.dispatch_time", "dispatch_note.shipper",
                    "dispatch_consignee.consignee", "receipt_note.consignee",
                    "receipt_shipper.shipper")),
     "时间、地点、发货单位、收货单位"),
)

_UPLOAD_ROWS = (
    ("产品的追溯编码", "product trace code", UNIT, STRING, _TRACE_CODE,
     "工业互联网企业标识编码+企业内部产品编码"),
    ("上一级包装追溯编码", "parent package trace code", UNIT, STRING,
     Source(SourceKind.UNIT, "parent_trace_code"), "工业互联网企业标识编码+企业内部产品编码"),
    ("产品名称", "product name", CATEGORY, STRING, _product("name"), "42%vol×××酒"),
    ("净含量、规格", "net content, specification", CATEGORY, STRING, _NET_CONTENT_SPEC, "500ml"),
    ("生产日期、批号", "production date, batch number", UNIT, STRING, _DATE_BATCH,
     "2019-10-17 203"),
    ("保质期", "shelf life", UNIT, STRING, _product("shelf_life"), "企业自定义"),
    ("生产企业", "manufacturer", CATEGORY, STRING, _enterprise("name"), "某某酒业有限公司"),
    ("地址", "address", CATEGORY, STRING, _enterprise("address"), "北京市朝阳区"),
)
# fmt: on

PUBLIC_ITEMS: tuple[PublicItem, ...] = tuple(
    PublicItem(f"T15.{n}", *row) for n, row in enumerate(_PUBLIC_ROWS, start=1)
)
UPLOAD_ITEMS: tuple[UploadItem, ...] = tuple(
    UploadItem(f"T16.{n}", *row) for n, row in enumerate(_UPLOAD_ROWS, start=1)
)
