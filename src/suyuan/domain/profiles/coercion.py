"""Coercion of one raw field value (CSV text, JSON, Python) into its canonical form.

Canonical forms: str for text, references, dates (``YYYY-MM-DD``) and instants (ISO 8601 in
UTC); int; Decimal; bool; ``{"value": Decimal, "unit": str}`` for quantities; ``str`` or a
``dict[str, str]`` for files; a list for lists. Coercing a canonical value returns it unchanged,
which is what lets records travel as plain strings (EPCIS, CSV) and come back equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from suyuan.domain.profiles import units
from suyuan.domain.profiles.model import Field, FieldType

FieldValue = Any  # str | int | Decimal | bool | dict[str, Decimal | str] | list[FieldValue]

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_QUANTITY = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(.*)$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# XML 1.0 cannot carry most C0 controls nor U+FFFE/U+FFFF, so they are refused everywhere.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LIST_SEPARATORS = re.compile(r"[;；\n]")
_FILE_KEYS = frozenset({"uri", "sha256", "name", "media_type"})
_TRUE = frozenset({"true", "yes", "y", "1", "是", "有"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "无"})
_MAX_LENGTH = {FieldType.STRING: 255, FieldType.TEXT: 65_535, FieldType.CODE_REF: 100}


class Rejected(Exception):
    """A value breaks ``rule``; ``text`` completes the message ``"<table> <field>: <text>"``."""

    def __init__(self, rule: str, text: str) -> None:
        super().__init__(text)
        self.rule = rule
        self.text = text


def is_blank(raw: object) -> bool:
    """Whether ``raw`` counts as "not given" (None, empty or whitespace text, empty list)."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple | dict):
        return len(raw) == 0
    return False


def coerce_value(field: Field, raw: object, *, tz: tzinfo | None = None) -> FieldValue:
    """Coerce a non-blank ``raw`` for ``field`` or raise ``Rejected``."""
    return _COERCERS[field.type](field, raw, tz)


def _fmt(number: Decimal | int) -> str:
    return format(Decimal(number), "f")


def _text(field: Field, raw: object, tz: tzinfo | None) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal | float):
        raise Rejected("type", "must be text")
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if CONTROL_CHARACTERS.search(text):
        raise Rejected("type", "must not contain control characters")
    if field.type is not FieldType.TEXT and "\n" in text:
        raise Rejected("type", "must be a single line")
    limit = field.max_length or _MAX_LENGTH.get(field.type, 255)
    if len(text) > limit:
        what = "a trace code" if field.type is FieldType.CODE_REF else "text"
        raise Rejected("length", f"must be {what} of at most {limit} characters")
    if field.pattern and not re.fullmatch(field.pattern, text):
        raise Rejected("pattern", f"must be {field.pattern_hint or 'like ' + field.pattern}")
    return text


def _range_text(field: Field, noun: str) -> str:
    lo, hi = field.minimum, field.maximum
    if noun == "integer" and hi is None and lo in (0, 1):
        text = "must be a positive integer" if lo == 1 else "must be a non-negative integer"
    elif lo is not None and hi is not None:
        text = (
            f"must be {'an' if noun == 'integer' else 'a'} {noun} between {_fmt(lo)} and {_fmt(hi)}"
        )
    elif lo is not None:
        text = f"must be {'an' if noun == 'integer' else 'a'} {noun} of at least {_fmt(lo)}"
    elif hi is not None:
        text = f"must be {'an' if noun == 'integer' else 'a'} {noun} of at most {_fmt(hi)}"
    else:
        text = f"must be {'an' if noun == 'integer' else 'a'} {noun}"
    return f"{text} ({field.unit})" if field.unit else text


def _check_range(field: Field, value: Decimal, noun: str) -> None:
    too_low = field.minimum is not None and value < field.minimum
    too_high = field.maximum is not None and value > field.maximum
    if too_low or too_high:
        raise Rejected("range", _range_text(field, noun))


def _parse_decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal | int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))  # repr keeps 0.1 as 0.1, not its binary expansion
    elif isinstance(raw, str) and _DECIMAL.match(raw.strip()):
        value = Decimal(raw.strip())
    else:
        return None
    return value if value.is_finite() else None


def _integer(field: Field, raw: object, tz: tzinfo | None) -> int:
    if isinstance(raw, str) and _INTEGER.match(raw.strip()):
        value = Decimal(raw.strip())
    else:
        parsed = _parse_decimal(raw) if not isinstance(raw, str) else None
        if parsed is None or parsed != parsed.to_integral_value():
            raise Rejected("type", _range_text(field, "integer"))
        value = parsed
    _check_range(field, value, "integer")
    return int(value)


def _decimal(field: Field, raw: object, tz: tzinfo | None) -> Decimal:
    value = _parse_decimal(raw)
    if value is None:
        raise Rejected("type", _range_text(field, "decimal"))
    _check_range(field, value, "decimal")
    return value


def _split_quantity(field: Field, raw: object) -> tuple[Decimal | None, str]:
    default = field.unit or ""
    if isinstance(raw, Mapping):
        unit = raw.get("unit")
        return _parse_decimal(raw.get("value")), str(unit) if unit is not None else default
    if isinstance(raw, str):
        match = _QUANTITY.match(raw.strip())
        if match is None:
            return None, default
        return Decimal(match.group(1)), match.group(2).strip() or default
    return _parse_decimal(raw), default


def _quantity(field: Field, raw: object, tz: tzinfo | None) -> dict[str, Decimal | str]:
    value, spelled = _split_quantity(field, raw)
    canonical = field.unit or ""
    if value is None:
        raise Rejected("type", f"must be a quantity with a unit ({canonical})")
    unit = units.normalise_unit(spelled) or spelled
    accepted = field.allowed or units.units_like(canonical)
    if unit not in accepted:
        raise Rejected("unit", f"unit must be one of {', '.join(accepted)}, not {spelled!r}")
    if field.minimum is not None or field.maximum is not None:
        _check_range(field, units.convert(value, unit, canonical), "quantity")
    return {"value": value, "unit": unit}


def _date(field: Field, raw: object, tz: tzinfo | None) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = raw.strip() if isinstance(raw, str) else ""
    # The draft itself writes dates as 2019—10—17; labels write 2019年10月17日 or 2019.10.17.
    text = re.sub(r"[—–－/.年月]", "-", text).removesuffix("日")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        raise Rejected("type", "must be a date (YYYY-MM-DD)") from None


def _datetime(field: Field, raw: object, tz: tzinfo | None) -> str:
    value: datetime | None = raw if isinstance(raw, datetime) else None
    if isinstance(raw, str) and len(raw.strip()) > 10:
        text = raw.strip()
        text = text[:10].replace("/", "-").replace(".", "-") + text[10:]
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
    if value is None:
        raise Rejected("type", "must be a date and time (ISO 8601)")
    if value.tzinfo is None:
        if tz is None:
            raise Rejected("timezone", "must be a date and time with a timezone offset")
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC).isoformat()


def _boolean(field: Field, raw: object, tz: tzinfo | None) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower() if isinstance(raw, str | int) else ""
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise Rejected("type", "must be true or false")


def _enum(field: Field, raw: object, tz: tzinfo | None) -> str:
    text = raw.strip() if isinstance(raw, str) else None
    for allowed in field.allowed:
        if text is not None and text.casefold() == allowed.casefold():
            return allowed
    raise Rejected("enum", f"must be one of: {', '.join(field.allowed)}")


def _file(field: Field, raw: object, tz: tzinfo | None) -> str | dict[str, str]:
    message = "must be a file reference (a URI or sha256, or a mapping with uri/sha256)"
    if isinstance(raw, str):
        return _text(replace(field, type=FieldType.STRING, pattern=None), raw, tz)
    if not isinstance(raw, Mapping) or not set(raw) <= _FILE_KEYS:
        raise Rejected("type", message)
    ref = {str(k): str(v).strip() for k, v in raw.items() if not is_blank(v)}
    if not (ref.get("uri") or ref.get("sha256")):
        raise Rejected("type", message)
    if "sha256" in ref and not _SHA256.match(ref["sha256"]):
        raise Rejected("type", "must carry a sha256 of 64 lower-case hex digits")
    for value in ref.values():
        _text(replace(field, type=FieldType.STRING, pattern=None), value, tz)
    return dict(sorted(ref.items()))


def _list(field: Field, raw: object, tz: tzinfo | None) -> list[FieldValue]:
    if isinstance(raw, str):
        items: list[object] = [part for part in _LIST_SEPARATORS.split(raw) if part.strip()]
    elif isinstance(raw, list | tuple):
        items = [item for item in raw if not is_blank(item)]
    else:
        raise Rejected("type", "must be a list")
    item_field = replace(field, type=field.item_type or FieldType.STRING, item_type=None)
    result = []
    for position, item in enumerate(items, start=1):
        try:
            result.append(coerce_value(item_field, item, tz=tz))
        except Rejected as exc:
            raise Rejected(exc.rule, f"item {position} {exc.text}") from None
    return result


_Coercer = Callable[[Field, object, "tzinfo | None"], FieldValue]

_COERCERS: dict[FieldType, _Coercer] = {
    FieldType.STRING: _text,
    FieldType.TEXT: _text,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.QUANTITY: _quantity,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.BOOLEAN: _boolean,
    FieldType.ENUM: _enum,
    FieldType.FILE: _file,
    FieldType.PERSON_REF: _text,
    FieldType.SUPPLIER_REF: _text,
    FieldType.EQUIPMENT_REF: _text,
    FieldType.FACILITY_REF: _text,
    FieldType.LOT_REF: _text,
    FieldType.CODE_REF: _text,
    FieldType.LIST: _list,
}
