"""The profile model: what an industry declares (record types, fields, public items, QC limits).

The core stores, validates, publishes and judges records only through these declarations, so a
new industry is a new ``Profile`` value and never a change to the core (QBT-4.2, QBT-8.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from suyuan.domain.profiles.errors import UnknownCategory, UnknownRecordType


class FieldType(StrEnum):
    """The value type of a record field; stored values never change."""

    STRING = "string"  # one line, at most 255 characters
    TEXT = "text"  # long free text, newlines allowed
    INTEGER = "integer"
    DECIMAL = "decimal"
    QUANTITY = "quantity"  # {"value": Decimal, "unit": str}
    DATE = "date"  # ISO 8601 calendar date
    DATETIME = "datetime"  # ISO 8601 instant, normalised to UTC
    BOOLEAN = "boolean"
    ENUM = "enum"
    FILE = "file"  # a reference to an attached document: URI or sha256
    PERSON_REF = "person_ref"
    SUPPLIER_REF = "supplier_ref"
    EQUIPMENT_REF = "equipment_ref"
    FACILITY_REF = "facility_ref"
    LOT_REF = "lot_ref"
    CODE_REF = "code_ref"  # a trace code, at most 100 characters (QBT-7.2)
    LIST = "list"


class AttachesTo(StrEnum):
    """What a record describes: the subject the core links it to."""

    LOT = "lot"
    EVENT = "event"
    PRODUCT = "product"
    ENTERPRISE = "enterprise"
    UNIT = "unit"
    PERSON = "person"
    EQUIPMENT = "equipment"
    FACILITY = "facility"


class ItemAttribute(StrEnum):
    """Table 15/16 信息属性: one value per product (品类) or per coded unit (单品)."""

    CATEGORY = "category"
    UNIT = "unit"


class ItemDataType(StrEnum):
    """Table 15/16 数据类型: 字符, 文本 or 文件."""

    STRING = "string"
    TEXT = "text"
    FILE = "file"


class SourceKind(StrEnum):
    """Where the value of a public or uploaded item comes from."""

    PRODUCT = "product"  # a product field of the profile
    ENTERPRISE = "enterprise"  # the enterprise master data kept by the core
    RECORD = "record"  # a field of a record type of the profile
    UNIT = "unit"  # an attribute of the coded unit kept by the core (trace code, parent)
    COMPUTED = "computed"  # derived by the core, e.g. "flow" or "qc_verdict"


class Comparator(StrEnum):
    """How a QC limit compares a result."""

    MAX = "max"  # result <= limit
    MIN = "min"  # result >= limit
    RANGE = "range"  # limit <= result <= upper
    LABEL_TOLERANCE = "label_tolerance"  # |result - labelled value| <= limit
    PRESENT = "present"  # a value (certificate number, file) is given
    EQUALS = "equals"  # result == expected, e.g. a rapid test is "negative"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record type or of the product master.

    ``name`` is the snake_case English key used in storage, APIs and EPCIS; ``label_zh`` is the
    term of the source standard. ``public`` fields feed a public item (Table 15), ``upload``
    fields an uploaded item (Table 16). ``unit`` is the canonical unit of a decimal or quantity;
    a quantity accepts any unit that converts exactly to it unless ``allowed`` narrows them.
    """

    name: str
    label_zh: str
    label_en: str
    type: FieldType = FieldType.STRING
    unit: str | None = None
    required: bool = False
    allowed: tuple[str, ...] = ()
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    public: bool = False
    upload: bool = False
    item_type: FieldType | None = None
    group: str | None = None
    pattern: str | None = None
    pattern_hint: str | None = None
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class RequiredWhen:
    """A field that becomes required when another field has one of some values."""

    field: str
    when_field: str
    values: tuple[str, ...]
    reason: str  # completes "required …", e.g. "for meat"


@dataclass(frozen=True, slots=True)
class RecordType:
    """A kind of trace record, one row of a QB/T table (e.g. ``T5.2``)."""

    id: str
    key: str
    table: str
    name: str
    name_zh: str
    fields: tuple[Field, ...]
    attaches_to: AttachesTo
    step: str | None = None
    allow_extra: bool = True  # QBT-8.1: the tables are minimum sets ending in 等
    required_when: tuple[RequiredWhen, ...] = ()
    basis: str = ""

    def find_field(self, name: str) -> Field | None:
        """The field called ``name``, or ``None``."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def field_names(self) -> tuple[str, ...]:
        """The names of the declared fields, in order."""
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an item's value comes from.

    For ``PRODUCT``, ``ENTERPRISE`` and ``UNIT`` ``key`` names the field or attribute; for
    ``RECORD`` ``record_type`` names the record type and ``key`` its field; for ``COMPUTED``
    ``key`` names the computation and ``inputs`` lists what it reads as ``"<where>.<field>"``.
    """

    kind: SourceKind
    key: str
    record_type: str | None = None
    inputs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InfoItem:
    """One row of a published item table (Table 15 or Table 16)."""

    id: str
    label_zh: str
    label_en: str
    attribute: ItemAttribute
    data_type: ItemDataType
    source: Source
    example: str = ""


@dataclass(frozen=True, slots=True)
class PublicItem(InfoItem):
    """An item open to public query (QB/T Table 15, QBT-9(a))."""


@dataclass(frozen=True, slots=True)
class UploadItem(InfoItem):
    """An item uploaded to the national platform (QB/T Table 16, QBT-9(b))."""


@dataclass(frozen=True, slots=True)
class QcLimit:
    """A specification limit that ``qc.judge`` applies automatically (GEN-10, QBT-5.2.2).

    ``field`` names the result (a field of ``record_type``); ``limit`` and ``upper`` are in
    ``unit``. ``pure_alcohol_basis`` limits are stated at 100 % vol, so the measured value is
    scaled by 100 / alcohol content first. ``applies_to`` lists product categories (empty = all).
    """

    analyte: str
    label_en: str
    label_zh: str
    record_type: str
    field: str
    comparator: Comparator
    basis: str
    limit: Decimal | None = None
    upper: Decimal | None = None
    unit: str | None = None
    expected: str | None = None
    applies_to: tuple[str, ...] = ()
    pure_alcohol_basis: bool = False
    alcohol_field: str = "alcohol_content"
    label_field: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessStep:
    """A key production node and the record types expected at it (QBT-8.3.1)."""

    key: str
    name: str
    name_zh: str
    record_types: tuple[str, ...]
    basis: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything an industry declares: the only place industry knowledge lives."""

    id: str
    name: str
    name_zh: str
    record_types: tuple[RecordType, ...]
    public_items: tuple[PublicItem, ...]
    upload_items: tuple[UploadItem, ...]
    qc_limits: tuple[QcLimit, ...]
    process_steps: tuple[ProcessStep, ...]
    product_fields: tuple[Field, ...]
    product_categories: tuple[str, ...] = ()
    description: str = ""

    def find_record_type(self, key_or_id: str) -> RecordType | None:
        """The record type with this key (``blending_quality``) or id (``T5.2``), or ``None``."""
        return next((t for t in self.record_types if key_or_id in (t.key, t.id)), None)

    def get_record_type(self, key_or_id: str) -> RecordType:
        """The record type with this key or id; raise ``UnknownRecordType`` if there is none."""
        record_type = self.find_record_type(key_or_id)
        if record_type is None:
            raise UnknownRecordType(self.id, key_or_id)
        return record_type

    def find_product_field(self, name: str) -> Field | None:
        """The product field called ``name``, or ``None``."""
        return next((f for f in self.product_fields if f.name == name), None)

    def limits_for(self, category: str) -> tuple[QcLimit, ...]:
        """The QC limits that apply to products of ``category``; raise if it is unknown."""
        if self.product_categories and category not in self.product_categories:
            raise UnknownCategory(self.id, category, self.product_categories)
        return tuple(q for q in self.qc_limits if not q.applies_to or category in q.applies_to)
