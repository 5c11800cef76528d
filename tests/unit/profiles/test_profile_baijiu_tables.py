"""The baijiu profile declares every QB/T table row with every field (QBT-8.1 to QBT-9)."""

from __future__ import annotations

import pytest

from suyuan.domain.profiles import (
    FieldType,
    ItemAttribute,
    ItemDataType,
    SourceKind,
    check_profile,
    get_profile,
)

BAIJIU = get_profile("baijiu")

# Written from REQUIREMENTS.md section 6 (and the draft's Chinese terms), independently of the
# profile: row → [(term in the table, field keys that realise it)]. A term realised by one
# field must be that field's Chinese label; split terms (e.g. 生产日期批次) name several keys.
EXPECTED_ROWS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "T1.1": [
        ("原辅料名称", ("material_name",)),
        ("产地", ("origin",)),
        ("随货检验报告", ("accompanying_inspection_report",)),
        ("验收检验记录", ("acceptance_inspection_record",)),
    ],
    "T1.2": [
        ("企业名称", ("enterprise_name",)),
        ("地址", ("address",)),
        ("网址", ("website",)),
        ("联系方式", ("contact",)),
        ("相关资质", ("qualifications",)),
    ],
    "T1.3": [("水质监测合格证明", ("water_quality_certificate",))],
    "T2.1": [
        ("生产车间班组", ("workshop_team",)),
        ("投料", ("material_feeding",)),
        ("曲粮配比", ("koji_grain_ratio",)),
        ("成品曲的感官质量（等级）", ("finished_koji_grade",)),
    ],
    "T2.2": [
        ("时间", ("time",)),
        ("品种", ("variety",)),
        ("数量", ("quantity",)),
        ("质量等级", ("quality_grade",)),
        ("去向", ("destination",)),
    ],
    "T3.1": [
        ("时间", ("time",)),
        ("料名", ("material_name",)),
        ("来源", ("source",)),
        ("数量", ("quantity",)),
        ("质量", ("quality",)),
        ("批号", ("batch_number",)),
        ("接收人员", ("receiving_staff",)),
        ("送料人员", ("delivering_staff",)),
    ],
    "T3.2": [
        ("生产车间", ("workshop",)),
        ("班组", ("team",)),
        ("投粮", ("grain_input",)),
        ("辅料", ("auxiliary_materials",)),
        ("大曲曲料", ("daqu_input",)),
        ("发酵周期", ("fermentation_cycle",)),
        ("蒸馏", ("distillation",)),
        ("摘酒", ("liquor_cut",)),
        ("基酒贮存方式", ("base_liquor_storage_method",)),
        ("容器", ("container",)),
    ],
    "T3.3": [
        ("工序", ("process_step",)),
        ("品名", ("product_name",)),
        ("生产日期", ("production_date",)),
        ("清场时间", ("clearance_time",)),
        ("检查项目及结果", ("check_items_results",)),
        ("清场负责人及复查人", ("clearance_responsible", "rechecker")),
        ("生产作业区清洁记录", ("cleaning_record",)),
    ],
    "T4.1": [
        ("基酒合格报告", ("conformity_report",)),
        ("基酒入库时间", ("storage_in_time",)),
        ("贮存容器", ("storage_container",)),
        ("贮存期限", ("storage_period",)),
        ("质量等级", ("quality_grade",)),
        ("出库或使用时间", ("outbound_time",)),
    ],
    "T5.1": [
        ("时间", ("time",)),
        ("搅拌", ("stirring",)),
        ("过滤", ("filtration",)),
        ("加浆用水水质报告", ("dilution_water_report",)),
        (
            "加工助剂（厂家、合格证明报告）",
            ("processing_aids", "processing_aid_manufacturer", "processing_aid_conformity_report"),
        ),
        ("勾调生产日期批次", ("blending_date", "blending_batch")),
        ("静置时间", ("standing_time",)),
    ],
    "T5.2": [
        ("酒精度", ("alcohol_content",)),
        ("数量", ("quantity",)),
        ("等级", ("grade",)),
        ("感官", ("sensory",)),
        ("总酸", ("total_acids",)),
        ("总酯", ("total_esters",)),
        ("乙酸乙酯", ("ethyl_acetate",)),
        ("乳酸乙酯", ("ethyl_lactate",)),
        ("己酸乙酯", ("ethyl_caproate",)),
        ("丁酸乙酯", ("ethyl_butyrate",)),
        ("固形物", ("solids",)),
        ("甲醇", ("methanol",)),
        ("铅", ("lead",)),
        ("氰化物", ("cyanide",)),
    ],
    "T6.1": [
        ("产品名称", ("product_name",)),
        ("香型", ("aroma_type",)),
        ("酒精度", ("alcohol_content",)),
        ("批号", ("batch_number",)),
        ("进酒时间", ("intake_time",)),
        ("数量", ("quantity",)),
        ("质量等级", ("quality_grade",)),
    ],
    "T6.2": [
        ("酒瓶、瓶盖供方", ("bottle_supplier", "cap_supplier")),
        ("净含量", ("net_content",)),
        ("气密性", ("seal_tightness",)),
        ("在线检验人员", ("online_inspector",)),
    ],
    "T6.3": [
        ("分厂", ("branch_plant",)),
        ("车间", ("workshop",)),
        ("班组", ("team",)),
        ("编码及批号", ("code", "batch_number")),
        ("合格证明", ("conformity_certificate",)),
        ("包装材料生产厂家、批次", ("packaging_material_manufacturer", "packaging_material_batch")),
        ("产品名称", ("product_name",)),
        ("净含量", ("net_content",)),
        ("酒精度", ("alcohol_content",)),
        ("规格", ("specification",)),
        ("生产日期、批次", ("production_date", "production_batch")),
        ("产品追溯编码", ("trace_codes",)),
        ("产品、规格、名称、质量信息", ("quality_info",)),
        ("关键工序操作人员", ("key_process_operators",)),
    ],
    "T6.4": [
        ("检验项目", ("inspection_items",)),
        ("检验报告", ("inspection_report",)),
        ("检验人员", ("inspector",)),
        ("合格证", ("conformity_certificate",)),
    ],
    "T6.5": [
        ("时间", ("time",)),
        ("产品名称", ("product_name",)),
        ("生产日期批号", ("production_date", "batch_number")),
        ("数量", ("quantity",)),
        ("质量状态", ("quality_status",)),
        ("操作人员", ("operator",)),
    ],
    "T7.1": [
        ("设备名称", ("equipment_name",)),
        ("生产厂家", ("manufacturer",)),
        ("合格证明报告", ("conformity_report",)),
    ],
    "T7.2": [
        ("使用时间", ("use_time",)),
        ("使用人员", ("user",)),
        ("清洗时间", ("cleaning_time",)),
        ("清洗人员", ("cleaning_staff",)),
        ("消毒时间", ("disinfection_time",)),
        ("消毒人员", ("disinfection_staff",)),
    ],
    "T7.3": [
        ("维护时间", ("maintenance_time",)),
        ("维护人员", ("maintenance_staff",)),
        ("问题记录", ("problem_log",)),
    ],
    "T8.1": [("设施名称", ("facility_name",)), ("所属车间", ("workshop",))],
    "T8.2": [
        ("维护时间", ("maintenance_time",)),
        ("维护人员", ("maintenance_staff",)),
        ("问题记录", ("problem_log",)),
    ],
    "T9.1": [
        ("姓名", ("name",)),
        ("职务", ("job_title",)),
        ("培训", ("training",)),
        ("资质", ("qualifications",)),
        ("岗位", ("post",)),
        ("编组", ("group",)),
        ("在班", ("on_shift",)),
        ("健康证明", ("health_certificate",)),
    ],
    "T10.1": [
        ("产品名称", ("product_name",)),
        ("酒精度", ("alcohol_content",)),
        ("净含量", ("net_content",)),
        ("原料", ("ingredients",)),
        ("规格", ("specification",)),
        ("产品执行标准号", ("standard_number",)),
        ("生产工艺", ("production_process",)),
        ("生产日期批次", ("production_date", "production_batch")),
        ("产地", ("origin",)),
        ("追溯标识", ("trace_identifier",)),
        ("编码", ("code",)),
    ],
    "T10.2": [
        ("适用年龄", ("applicable_age",)),
        ("警示语", ("warning_statement",)),
        ("贮存条件", ("storage_conditions",)),
        ("其他质量承诺", ("other_quality_commitments",)),
    ],
    "T10.3": [
        ("产品放行记录", ("release_record",)),
        ("产品留样记录", ("retained_sample_record",)),
        ("不合格产品处置记录", ("nonconforming_disposal_record",)),
        ("退货处置记录", ("return_disposal_record",)),
    ],
    "T10.4": [
        ("产品名称", ("product_name",)),
        ("生产日期批号", ("production_date", "batch_number")),
        ("检验方法", ("test_method",)),
        ("检验结果", ("test_result",)),
        ("检验设备", ("test_equipment",)),
        ("操作人员", ("operator",)),
    ],
    "T10.5": [
        ("产品名称", ("product_name",)),
        ("产品日期批号", ("production_date", "batch_number")),
        ("出入库信息", ("direction", "movement_time", "quantity")),
    ],
    "T11.1": [
        ("发货单编号", ("dispatch_note_number",)),
        ("订货单编号", ("purchase_order_number",)),
        ("发货单位", ("shipper",)),
        ("发货地址", ("ship_from_address",)),
        ("发货时间", ("dispatch_time",)),
        ("发货数量", ("dispatch_quantity",)),
    ],
    "T11.2": [("收货单位", ("consignee",)), ("收货地址", ("delivery_address",))],
    "T12.1": [
        ("收货单编号", ("receipt_note_number",)),
        ("订货单编号", ("purchase_order_number",)),
        ("收货单位", ("consignee",)),
        ("收货地址", ("delivery_address",)),
        ("收货数量", ("received_quantity",)),
    ],
    "T12.2": [
        ("发货单位", ("shipper",)),
        ("发货地址", ("ship_from_address",)),
        ("发货时间", ("dispatch_time",)),
    ],
    "T13.1": [
        ("购货单位", ("purchaser",)),
        ("联系方式", ("contact",)),
        ("地址", ("address",)),
        ("产品名称", ("product_name",)),
        ("数量", ("quantity",)),
        ("生产日期批次", ("production_date", "production_batch")),
        ("发货日期", ("shipment_date",)),
    ],
    "T13.2": [
        ("物流公司", ("logistics_company",)),
        ("货物信息", ("goods_info",)),
        ("运送时间", ("transport_time",)),
        ("到达时间", ("arrival_time",)),
        ("始发地点", ("origin",)),
        ("到达地点", ("destination",)),
        ("接收单位名称", ("receiving_entity",)),
    ],
    # T13.3 is not detailed in the draft; the catalogue's minimum (section 6.4 interpretation).
    "T13.3": [
        ("门店基本信息", ("store_id", "store_name", "store_address", "operator")),
        ("销售信息", ("sale_time", "unit_codes", "quantity", "price")),
    ],
    "T14.1": [("消费者姓名", ("consumer_name",)), ("联系方式", ("contact",))],
    "T14.2": [
        ("投诉时间", ("complaint_time",)),
        ("地点", ("location",)),
        ("投诉内容", ("complaint_content",)),
    ],
    "T14.3": [
        ("追溯查询时间", ("query_time",)),
        ("地点", ("location",)),
        ("次数", ("count",)),
        ("查询渠道", ("channel",)),
        ("意见反馈", ("feedback",)),
    ],
}
PRODUCT_LINE: list[tuple[str, tuple[str, ...]]] = [
    ("产品名称", ("product_name",)),
    ("生产企业", ("manufacturer",)),
    ("包装转换比", ("package_ratio",)),
    ("包装转换比单位", ("package_ratio_unit",)),
    ("追溯码", ("trace_code",)),
    ("上一级包装追溯码", ("parent_trace_code",)),
    ("包装层级", ("packaging_level",)),
    ("生产日期批次", ("production_date", "production_batch")),
]
LOGISTICS: list[tuple[str, tuple[str, ...]]] = [
    ("物流公司", ("logistics_company",)),
    ("始发地点", ("origin",)),
    ("到达地点", ("destination",)),
]
EXPECTED_ROWS |= {
    "T11.3": PRODUCT_LINE,
    "T12.3": PRODUCT_LINE,
    "T11.4": LOGISTICS,
    "T12.4": LOGISTICS,
}


def test_every_table_row_1_to_14_is_a_record_type_and_nothing_else() -> None:
    """QBT-8.1 to QBT-8.8: exactly the rows of Tables 1-14, in table order."""
    ids = [t.id for t in BAIJIU.record_types]
    assert sorted(ids) == sorted(EXPECTED_ROWS)
    assert ids == sorted(ids, key=lambda i: tuple(int(p) for p in i[1:].split(".")))


@pytest.mark.parametrize(("row", "terms"), sorted(EXPECTED_ROWS.items()))
def test_table_row_has_every_field_the_table_lists(
    row: str, terms: list[tuple[str, tuple[str, ...]]]
) -> None:
    """QBT-T<row>: every field named in the table exists, with the draft's term as label."""
    record_type = BAIJIU.get_record_type(row)
    assert record_type.table == row.split(".")[0]
    for term, keys in terms:
        for key in keys:
            assert record_type.find_field(key) is not None, f"{row} lacks {key} ({term})"
        if len(keys) == 1:
            assert record_type.find_field(keys[0]).label_zh == term  # type: ignore[union-attr]


def test_record_types_accept_enterprise_defined_extras() -> None:
    """QBT-8.1 interpretation: the tables are minimum sets (等)."""
    assert all(t.allow_extra for t in BAIJIU.record_types)


def test_t5_2_groups_general_physicochemical_and_hygiene_with_units() -> None:
    """QBT-T5.2: analytes are numeric with units; the hygiene ones are required."""
    record_type = BAIJIU.get_record_type("blending_quality")
    groups = {f.name: f.group for f in record_type.fields if f.group}
    assert [n for n, g in groups.items() if g == "hygiene"] == ["methanol", "lead", "cyanide"]
    assert len([g for g in groups.values() if g == "physicochemical"]) == 7
    for name in ("methanol", "lead", "cyanide", "total_acids", "ethyl_caproate"):
        declared = record_type.find_field(name)
        assert declared is not None
        assert declared.type is FieldType.QUANTITY
        assert declared.unit
    assert all(record_type.find_field(n).required for n in ("methanol", "lead", "cyanide"))  # type: ignore[union-attr]


# Table 15 from REQUIREMENTS.md section 7: (Chinese name, attribute, data type).
TABLE_15 = [
    ("产品名称", "category", "string"),
    ("净含量、规格", "category", "string"),
    ("产品执行标准号", "category", "string"),
    ("生产工艺", "category", "string"),
    ("生产日期、批号", "unit", "string"),
    ("保质期", "unit", "string"),
    ("企业名称", "category", "string"),
    ("企业地址", "category", "string"),
    ("联系电话", "category", "string"),
    ("企业网址", "category", "string"),
    ("产地", "category", "string"),
    ("产品的追溯编码", "unit", "string"),
    ("原料", "category", "text"),
    ("贮存条件", "category", "string"),
    ("生产许可编号", "category", "string"),
    ("警示语", "category", "text"),
    ("产品检验结果及质量等级", "unit", "string"),
    ("主要原料合格证明", "unit", "file"),
    ("特殊人群适应性", "category", "text"),
    ("流向信息", "unit", "text"),
]
TABLE_16 = [
    ("产品的追溯编码", "unit"),
    ("上一级包装追溯编码", "unit"),
    ("产品名称", "category"),
    ("净含量、规格", "category"),
    ("生产日期、批号", "unit"),
    ("保质期", "unit"),
    ("生产企业", "category"),
    ("地址", "category"),
]


def test_table_15_has_exactly_twenty_public_items_in_order() -> None:
    """QBT-9(a), QBT-T15.1 to QBT-T15.20."""
    items = BAIJIU.public_items
    assert [i.id for i in items] == [f"T15.{n}" for n in range(1, 21)]
    assert [(i.label_zh, i.attribute, i.data_type) for i in items] == [
        (zh, ItemAttribute(a), ItemDataType(t)) for zh, a, t in TABLE_15
    ]


def test_table_15_sources_flow_and_verdict_are_computed() -> None:
    """QBT-T15.17 is a computed QC verdict; QBT-T15.20 is the computed flow."""
    by_id = {i.id: i.source for i in BAIJIU.public_items}
    assert (by_id["T15.17"].kind, by_id["T15.17"].key) == (SourceKind.COMPUTED, "qc_verdict")
    assert (by_id["T15.20"].kind, by_id["T15.20"].key) == (SourceKind.COMPUTED, "flow")
    assert by_id["T15.12"].kind is SourceKind.UNIT
    assert by_id["T15.18"].record_type == "raw_material"


def test_table_16_has_eight_upload_items_in_order() -> None:
    """QBT-9(b), QBT-T16.1 to QBT-T16.8."""
    items = BAIJIU.upload_items
    assert [i.id for i in items] == [f"T16.{n}" for n in range(1, 9)]
    assert [(i.label_zh, i.attribute) for i in items] == [
        (zh, ItemAttribute(a)) for zh, a in TABLE_16
    ]
    assert items[1].source.key == "parent_trace_code"


def test_product_fields_cover_the_category_level_items() -> None:
    """QBT-T15.1-4, 7-11, 13-16, 19 and QBT-T10.1/T10.2 on the product master."""
    names = {f.name for f in BAIJIU.product_fields}
    assert {
        "name",
        "alcohol_content",
        "net_content",
        "specification",
        "standard_number",
        "production_process",
        "origin",
        "ingredients",
        "storage_conditions",
        "licence_number",
        "warning_statement",
        "special_groups_statement",
        "shelf_life",
    } <= names


def test_process_steps_are_the_six_key_nodes_of_8_3_1() -> None:
    """QBT-8.3.1: koji, fermentation, distillation, base liquor storage, blending, bottling."""
    assert [s.name_zh for s in BAIJIU.process_steps] == [
        "制曲",
        "发酵",
        "蒸馏",
        "基酒贮存",
        "勾调",
        "灌装",
    ]
    bottling = BAIJIU.process_steps[-1]
    assert "bottling_production" in bottling.record_types


def test_baijiu_profile_is_consistent() -> None:
    """QBT-4.2: every source, limit and step reference resolves."""
    check_profile(BAIJIU)
