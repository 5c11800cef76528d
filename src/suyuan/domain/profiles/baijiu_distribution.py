"""Baijiu record types for products, dispatch, receipt, sales and consumption: Tables 10-14."""

from __future__ import annotations

from suyuan.domain.profiles._declare import (
    CODE,
    ENUM,
    EQUIPMENT,
    EVENT,
    INT,
    LIST,
    LOT,
    PERSON,
    PERSON_SUBJECT,
    PRODUCT,
    TIME,
    UNIT,
    N,
    Q,
    T,
    alcohol,
    date_,
    f,
    product_name,
    rt,
)
from suyuan.domain.profiles.model import RecordType


# fmt: off
def _package_line(id_: str, key: str, basis: str) -> RecordType:
    # Tables 11.3 and 12.3 are the same line: one per code at the level shipped (QBT-10.2.5).
    return rt(
        id_, key, "Product information", "产品信息", EVENT, None, basis,
        product_name(),
        f("manufacturer", "生产企业", "manufacturer"),
        f("package_ratio", "包装转换比", "package ratio", INT, minimum=1),
        f("package_ratio_unit", "包装转换比单位", "package ratio unit"),
        f("trace_code", "追溯码", "trace code", CODE, required=True, upload=True),
        f("parent_trace_code", "上一级包装追溯码", "parent trace code", CODE, upload=True),
        f("packaging_level", "包装层级", "packaging level", required=True),
        date_(),
        f("production_batch", "生产批次", "production batch"),
    )


def _logistics(id_: str, key: str, basis: str) -> RecordType:
    return rt(
        id_, key, "Logistics information", "物流信息", EVENT, None, basis,
        f("logistics_company", "物流公司", "logistics company"),
        f("origin", "始发地点", "origin"),
        f("destination", "到达地点", "destination"),
    )


FINISHED_PRODUCT = (
    rt("T10.1", "product_info", "Product information", "产品信息", LOT, None, "QBT-8.4",
        product_name(public=True, upload=True),
        alcohol(public=True),
        f("net_content", "净含量", "net content", Q, unit="mL", minimum=0, public=True),
        f("ingredients", "原料", "ingredients", T, public=True),
        f("specification", "规格", "specification", public=True),
        f("standard_number", "产品执行标准号", "product standard number", public=True),
        f("production_process", "生产工艺", "production process", public=True),
        date_(required=True, public=True, upload=True),
        f("production_batch", "生产批次", "production batch", required=True, public=True,
          upload=True),
        f("origin", "产地", "origin", public=True),
        f("trace_identifier", "追溯标识", "trace identifier"),
        f("code", "编码", "code")),
    rt("T10.2", "consumer_instructions", "Consumer instructions", "消费说明", PRODUCT, None,
        "QBT-8.4",
        f("applicable_age", "适用年龄", "applicable age"),
        f("warning_statement", "警示语", "warning statement", T, public=True),
        f("storage_conditions", "贮存条件", "storage conditions", public=True),
        f("other_quality_commitments", "其他质量承诺", "other quality commitments", T)),
    rt("T10.3", "management_info", "Management information", "管理信息", LOT, None, "QBT-8.4",
        f("release_record", "产品放行记录", "product release record", T),
        f("retained_sample_record", "产品留样记录", "retained sample record", T),
        f("nonconforming_disposal_record", "不合格产品处置记录",
          "non-conforming product disposal record", T),
        f("return_disposal_record", "退货处置记录", "returned goods disposal record", T)),
    rt("T10.4", "product_inspection", "Product inspection report", "产品检验报告", LOT, None,
        "QBT-8.4",
        product_name(),
        date_(required=True),
        f("batch_number", "批号", "batch number", required=True),
        f("test_method", "检验方法", "test method"),
        f("test_result", "检验结果", "test result", T, required=True),
        f("test_equipment", "检验设备", "test equipment", EQUIPMENT),
        f("operator", "操作人员", "operator", PERSON)),
    rt("T10.5", "product_warehousing", "Product warehousing information", "产品仓储信息", LOT,
        None, "QBT-8.4",
        product_name(),
        date_(),
        f("batch_number", "批号", "batch number", required=True),
        f("direction", "出入库", "direction", ENUM, allowed=("inbound", "outbound"),
          required=True),
        f("movement_time", "出入库时间", "movement time", TIME, required=True),
        f("quantity", "数量", "quantity", INT, minimum=1, required=True),
        f("warehouse", "仓库", "warehouse")),
)

DISPATCH = (
    rt("T11.1", "dispatch_note", "Dispatch information", "发货信息", EVENT, None, "QBT-8.5",
        f("dispatch_note_number", "发货单编号", "dispatch note number", required=True),
        f("purchase_order_number", "订货单编号", "purchase order number"),
        f("shipper", "发货单位", "shipper", required=True),
        f("ship_from_address", "发货地址", "ship-from address"),
        f("dispatch_time", "发货时间", "dispatch time", TIME, required=True),
        f("dispatch_quantity", "发货数量", "dispatch quantity", INT, minimum=1, required=True)),
    rt("T11.2", "dispatch_consignee", "Consignee information", "收货信息", EVENT, None,
        "QBT-8.5",
        f("consignee", "收货单位", "consignee", required=True),
        f("delivery_address", "收货地址", "delivery address")),
    _package_line("T11.3", "dispatch_product", "QBT-8.5"),
    _logistics("T11.4", "dispatch_logistics", "QBT-8.5"),
)

RECEIPT = (
    rt("T12.1", "receipt_note", "Receipt information", "收货信息", EVENT, None, "QBT-8.6",
        f("receipt_note_number", "收货单编号", "receipt note number", required=True),
        f("purchase_order_number", "订货单编号", "purchase order number"),
        f("consignee", "收货单位", "consignee", required=True),
        f("delivery_address", "收货地址", "delivery address"),
        f("received_quantity", "收货数量", "received quantity", INT, minimum=1, required=True)),
    rt("T12.2", "receipt_shipper", "Dispatch information", "发货信息", EVENT, None, "QBT-8.6",
        f("shipper", "发货单位", "shipper", required=True),
        f("ship_from_address", "发货地址", "ship-from address"),
        f("dispatch_time", "发货时间", "dispatch time", TIME)),
    _package_line("T12.3", "receipt_product", "QBT-8.6"),
    _logistics("T12.4", "receipt_logistics", "QBT-8.6"),
)

SALES = (
    rt("T13.1", "sales_shipment", "Enterprise shipment information", "企业发货信息", EVENT, None,
        "QBT-8.7",
        f("purchaser", "购货单位", "purchaser", required=True),
        f("contact", "联系方式", "contact"),
        f("address", "地址", "address"),
        product_name(),
        f("quantity", "数量", "quantity", INT, minimum=1, required=True),
        date_(),
        f("production_batch", "生产批次", "production batch"),
        date_("shipment_date", "发货日期", required=True)),
    rt("T13.2", "sales_logistics", "Logistics information", "物流信息", EVENT, None, "QBT-8.7",
        f("logistics_company", "物流公司", "logistics company"),
        f("goods_info", "货物信息", "goods information", T),
        f("transport_time", "运送时间", "transport time", TIME),
        f("arrival_time", "到达时间", "arrival time", TIME),
        f("origin", "始发地点", "origin"),
        f("destination", "到达地点", "destination"),
        f("receiving_entity", "接收单位名称", "receiving entity name")),
    rt("T13.3", "store_sale", "Store sales information", "门店销售信息", EVENT, None, "QBT-8.7",
        f("store_id", "门店编号", "store id", required=True),
        f("store_name", "门店名称", "store name", required=True),
        f("store_address", "门店地址", "store address"),
        f("operator", "经营者", "operator"),
        f("sale_time", "销售时间", "sale time", TIME, required=True),
        f("unit_codes", "单品追溯码", "unit codes", LIST, item_type=CODE, required=True),
        f("quantity", "数量", "quantity", INT, minimum=1, required=True),
        f("price", "价格", "price", N, unit="CNY", minimum=0)),
)

CONSUMPTION = (
    rt("T14.1", "consumer", "Consumer information", "消费者信息", PERSON_SUBJECT, None, "QBT-8.8",
        f("consumer_name", "消费者姓名", "consumer name"),
        f("contact", "联系方式", "contact", required=True)),
    rt("T14.2", "complaint", "Complaint information", "投诉信息", UNIT, None, "QBT-8.8",
        f("complaint_time", "投诉时间", "complaint time", TIME, required=True),
        f("location", "地点", "location"),
        f("complaint_content", "投诉内容", "complaint content", T, required=True),
        f("trace_code", "追溯码", "trace code", CODE)),
    rt("T14.3", "trace_query", "Trace query record", "追溯查询记录", UNIT, None, "QBT-8.8",
        f("query_time", "追溯查询时间", "query time", TIME, required=True),
        f("location", "地点", "location"),
        f("count", "次数", "count", INT, minimum=1),
        f("channel", "查询渠道", "query channel"),
        f("feedback", "意见反馈", "feedback", T)),
)
# fmt: on

DISTRIBUTION_RECORD_TYPES: tuple[RecordType, ...] = (
    *FINISHED_PRODUCT,
    *DISPATCH,
    *RECEIPT,
    *SALES,
    *CONSUMPTION,
)
