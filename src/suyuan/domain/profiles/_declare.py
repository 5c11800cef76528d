"""Short constructors for the declarative tables of the built-in profiles."""

from __future__ import annotations

from typing import Any

from suyuan.domain.profiles.model import AttachesTo, Field, FieldType, RecordType

# fmt: off
S, T, INT, N, Q = (FieldType.STRING, FieldType.TEXT, FieldType.INTEGER, FieldType.DECIMAL,
                 FieldType.QUANTITY)
DATE, TIME, BOOL, ENUM, FILE = (FieldType.DATE, FieldType.DATETIME, FieldType.BOOLEAN,
                                FieldType.ENUM, FieldType.FILE)
PERSON, SUPPLIER, EQUIPMENT, CODE, LIST = (FieldType.PERSON_REF, FieldType.SUPPLIER_REF,
                                           FieldType.EQUIPMENT_REF, FieldType.CODE_REF,
                                           FieldType.LIST)
LOT_REF = FieldType.LOT_REF
LOT, EVENT, PRODUCT, ENTERPRISE, UNIT = (AttachesTo.LOT, AttachesTo.EVENT, AttachesTo.PRODUCT,
                                         AttachesTo.ENTERPRISE, AttachesTo.UNIT)
PERSON_SUBJECT, EQUIPMENT_SUBJECT, FACILITY_SUBJECT = (AttachesTo.PERSON, AttachesTo.EQUIPMENT,
                                                       AttachesTo.FACILITY)
PERCENT_VOL = "% vol"


def f(name: str, zh: str, en: str, kind: FieldType = S, **options: Any) -> Field:
    """A field: key, Chinese term, English label, type, options."""
    return Field(name, zh, en, kind, **options)


def rt(
    id_: str, key: str, name: str, name_zh: str, attaches: AttachesTo, step: str | None,
    basis: str, *fields: Field, **options: Any,
) -> RecordType:
    """A record type; its table is the part of ``id_`` before the dot."""
    return RecordType(id_, key, id_.split(".")[0], name, name_zh, fields, attaches, step,
                      basis=basis, **options)


def alcohol(**options: Any) -> Field:
    """Alcohol content in % vol (酒精度)."""
    return f("alcohol_content", "酒精度", "alcohol content", N, unit=PERCENT_VOL,
              minimum=0, maximum=100, **options)


def analyte(name: str, zh: str, en: str, unit: str, group: str, **options: Any) -> Field:
    """A non-negative analytical result with a unit."""
    return f(name, zh, en, Q, unit=unit, minimum=0, group=group, **options)


def date_(name: str = "production_date", zh: str = "生产日期", **options: Any) -> Field:
    """A calendar date, by default the production date."""
    return f(name, zh, name.replace("_", " "), DATE, **options)


def product_name(**options: Any) -> Field:
    """The required product name (产品名称)."""
    return f("product_name", "产品名称", "product name", required=True, **options)


# fmt: on
