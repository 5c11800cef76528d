"""A minimal generic profile: a product, batch records and pass/fail QC (GEN-4, GEN-9).

It names no industry, which is the point: the core runs on it exactly as on baijiu.
"""

from __future__ import annotations

from suyuan.domain.profiles._declare import (
    ENUM,
    EQUIPMENT,
    FILE,
    LOT,
    PERSON,
    TIME,
    Q,
    T,
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
    Source,
    SourceKind,
    UploadItem,
)

_UNIT, _CATEGORY, _STRING = ItemAttribute.UNIT, ItemAttribute.CATEGORY, ItemDataType.STRING
_TRACE_CODE = Source(SourceKind.UNIT, "trace_code")

# fmt: off
BATCH = rt(
    "G1.1", "batch", "Batch record", "批次记录", LOT, "production", "GEN-7",
    f("batch_number", "批号", "batch number", required=True, public=True, upload=True),
    date_(required=True, public=True, upload=True),
    f("quantity", "数量", "quantity", Q, unit="kg", minimum=0),
    f("line", "生产线", "production line", EQUIPMENT),
    f("operator", "操作人员", "operator", PERSON),
)
QC = rt(
    "G2.1", "qc", "QC record", "质检记录", LOT, "inspection", "GEN-9",
    f("test_time", "检验时间", "test time", TIME, required=True),
    f("items", "检验项目", "inspection items", T),
    f("result", "检验结果", "result", ENUM, allowed=("pass", "fail"), required=True),
    f("report", "检验报告", "inspection report", FILE),
    f("inspector", "检验人员", "inspector", PERSON),
)
# The inspector's pass/fail is the only limit: a generic product has no numeric standard here.
QC_LIMITS = (
    QcLimit("result", "inspection result", "检验结果", "qc", "result", Comparator.EQUALS,
            "enterprise QC procedure (GEN-9)", expected="pass"),
)
PUBLIC_ITEMS = (
    PublicItem("G.1", "产品名称", "product name", _CATEGORY, _STRING,
               Source(SourceKind.PRODUCT, "name")),
    PublicItem("G.2", "批号", "batch number", _UNIT, _STRING,
               Source(SourceKind.RECORD, "batch_number", record_type="batch")),
    PublicItem("G.3", "生产日期", "production date", _UNIT, _STRING,
               Source(SourceKind.RECORD, "production_date", record_type="batch")),
    PublicItem("G.4", "检验结果", "inspection result", _UNIT, _STRING,
               Source(SourceKind.COMPUTED, "qc_verdict", inputs=("qc.result",))),
    PublicItem("G.5", "追溯码", "trace code", _UNIT, _STRING, _TRACE_CODE),
    PublicItem("G.6", "流向信息", "flow information", _UNIT, ItemDataType.TEXT,
               Source(SourceKind.COMPUTED, "flow")),
)
UPLOAD_ITEMS = (
    UploadItem("G.U1", "追溯码", "trace code", _UNIT, _STRING, _TRACE_CODE),
    UploadItem("G.U2", "产品名称", "product name", _CATEGORY, _STRING,
               Source(SourceKind.PRODUCT, "name")),
    UploadItem("G.U3", "批号", "batch number", _UNIT, _STRING,
               Source(SourceKind.RECORD, "batch_number", record_type="batch")),
)
# fmt: on

GENERIC = Profile(
    id="generic",
    name="Generic product",
    name_zh="通用产品",
    record_types=(BATCH, QC),
    public_items=PUBLIC_ITEMS,
    upload_items=UPLOAD_ITEMS,
    qc_limits=QC_LIMITS,
    process_steps=(
        ProcessStep("production", "Production", "生产", ("batch",)),
        ProcessStep("inspection", "Inspection", "检验", ("qc",)),
    ),
    product_fields=(
        f("name", "产品名称", "product name", required=True, public=True, upload=True),
        f("description", "产品描述", "description", T),
        f("shelf_life", "保质期", "shelf life"),
    ),
    description="Minimal profile: product, batch with production date, pass/fail QC",
)
