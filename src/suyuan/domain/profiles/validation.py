"""Validation of one trace record against its profile's record type (QBT-8.1 to QBT-8.8)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from suyuan.domain.profiles.coercion import (
    CONTROL_CHARACTERS,
    FieldValue,
    Rejected,
    coerce_value,
    is_blank,
)
from suyuan.domain.profiles.errors import FieldError, InvalidRecord
from suyuan.domain.profiles.model import Field, Profile, RecordType

EXTRA_KEY = "extra"
# Extra field names become EPCIS element names, so they must be XML names without a colon.
_EXTRA_NAME = re.compile(r"^[^\W\d]\w{0,63}$")


@dataclass(frozen=True, slots=True)
class ValidatedRecord:
    """A record whose declared fields are coerced to canonical values.

    ``fields`` holds declared fields only (blank optional fields are left out); ``extra`` holds
    enterprise-defined fields the profile did not declare (QBT-8.1), as text.
    """

    profile: str
    type_id: str
    key: str
    table: str
    fields: Mapping[str, FieldValue]
    extra: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, FieldValue]:
        """Declared fields plus, when there are any, the extras under ``"extra"``."""
        data = dict(self.fields)
        if self.extra:
            data[EXTRA_KEY] = dict(self.extra)
        return data

    def to_json(self) -> dict[str, Any]:
        """``as_dict`` with every Decimal as a string, ready for a JSON encoder."""
        return {name: jsonable(value) for name, value in self.as_dict().items()}


def jsonable(value: FieldValue) -> Any:
    """A canonical value with Decimals written as plain strings (never ``1E+2``)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def validate_record(
    profile: Profile,
    record_type_key: str,
    data: Mapping[str, object],
    *,
    tz: tzinfo | None = None,
) -> ValidatedRecord:
    """Coerce and check ``data`` as a record of ``record_type_key`` (key or table id).

    Every broken rule is collected and raised together as ``InvalidRecord``. ``tz`` is the
    enterprise's timezone, applied to date-times given without an offset (spreadsheets).
    """
    record_type = profile.get_record_type(record_type_key)
    errors: list[FieldError] = []
    values: dict[str, FieldValue] = {}
    for declared in record_type.fields:
        raw = data.get(declared.name)
        if is_blank(raw):
            continue
        try:
            values[declared.name] = coerce_value(declared, raw, tz=tz)
        except Rejected as exc:
            errors.append(_error(record_type, declared, exc.rule, exc.text))
    errors.extend(_missing(record_type, data, values))
    extra = _extras(record_type, data, errors)
    if errors:
        raise InvalidRecord(record_type.id, errors)
    return ValidatedRecord(
        profile=profile.id,
        type_id=record_type.id,
        key=record_type.key,
        table=record_type.table,
        fields=values,
        extra=extra,
    )


def _error(record_type: RecordType, declared: Field, rule: str, text: str) -> FieldError:
    message = f"{record_type.table} {declared.label_en}: {text}"
    return FieldError(record_type.table, declared.name, rule, message)


def _missing(
    record_type: RecordType, data: Mapping[str, object], values: Mapping[str, FieldValue]
) -> list[FieldError]:
    errors = [
        _error(record_type, declared, "required", "required")
        for declared in record_type.fields
        if declared.required and is_blank(data.get(declared.name))
    ]
    for rule in record_type.required_when:
        declared = record_type.find_field(rule.field)
        if declared is None or not is_blank(data.get(rule.field)):
            continue
        if values.get(rule.when_field) in rule.values:
            errors.append(_error(record_type, declared, "required", f"required {rule.reason}"))
    return errors


def _extras(
    record_type: RecordType, data: Mapping[str, object], errors: list[FieldError]
) -> dict[str, str]:
    declared = set(record_type.field_names)
    given: dict[str, object] = {k: v for k, v in data.items() if k not in declared}
    nested = given.pop(EXTRA_KEY, None)
    if isinstance(nested, Mapping):
        given.update({str(k): v for k, v in nested.items()})
    elif not is_blank(nested):
        given[EXTRA_KEY] = nested
    extra: dict[str, str] = {}
    for name, raw in given.items():
        problem = _extra_problem(record_type, declared, name, raw)
        if problem:
            errors.append(FieldError(record_type.table, name, problem[0], problem[1]))
        elif not is_blank(raw):
            extra[name] = _extra_text(raw)
    return dict(sorted(extra.items()))


def _extra_text(raw: object) -> str:
    text = format(raw, "f") if isinstance(raw, Decimal) else str(raw)
    # XML parsers turn CR LF into LF; doing it here keeps the EPCIS round trip exact.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _extra_problem(
    record_type: RecordType, declared: set[str], name: str, raw: object
) -> tuple[str, str] | None:
    prefix = f"{record_type.table} {name}"
    if not record_type.allow_extra:
        return "unknown", f"{prefix}: unknown field"
    if name in declared or not _EXTRA_NAME.match(name) or name.lower().startswith("xml"):
        return "name", f"{prefix}: extra field names must be words of letters, digits and _"
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, str | int | Decimal)):
        return "type", f"{prefix}: extra field values must be text or numbers"
    text = str(raw) if raw is not None else ""
    if CONTROL_CHARACTERS.search(text):
        return "type", f"{prefix}: must not contain control characters"
    return None
