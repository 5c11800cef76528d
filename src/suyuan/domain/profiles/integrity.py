"""Consistency checks run on every profile before it is registered."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from suyuan.domain.profiles import units
from suyuan.domain.profiles.errors import InvalidProfile
from suyuan.domain.profiles.model import (
    Comparator,
    Field,
    FieldType,
    InfoItem,
    Profile,
    SourceKind,
)

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def check_profile(profile: Profile) -> None:
    """Raise ``InvalidProfile`` listing every inconsistency: duplicates, dangling references."""
    problems = [
        *_duplicates("record type id", (t.id for t in profile.record_types)),
        *_duplicates("record type key", (t.key for t in profile.record_types)),
        *_duplicates("public item", (i.id for i in profile.public_items)),
        *_duplicates("upload item", (i.id for i in profile.upload_items)),
        *_field_problems("product", profile.product_fields),
        *_item_problems(profile, profile.public_items, "public"),
        *_item_problems(profile, profile.upload_items, "upload"),
        *_limit_problems(profile),
        *_step_problems(profile),
    ]
    for record_type in profile.record_types:
        problems.extend(_field_problems(record_type.id, record_type.fields))
        for rule in record_type.required_when:
            for name in (rule.field, rule.when_field):
                if record_type.find_field(name) is None:
                    problems.append(f"{record_type.id}: required_when names no field {name!r}")
    if problems:
        raise InvalidProfile(profile.id, problems)


def _duplicates(what: str, values: Iterable[str]) -> list[str]:
    return [f"duplicate {what} {v!r}" for v, n in Counter(values).items() if n > 1]


def _field_problems(where: str, fields: Iterable[Field]) -> list[str]:
    fields = tuple(fields)
    problems = _duplicates(f"{where} field", (f.name for f in fields))
    for f in fields:
        if not _SNAKE.match(f.name):
            problems.append(f"{where}.{f.name}: name must be snake_case")
        if f.type is FieldType.ENUM and not f.allowed:
            problems.append(f"{where}.{f.name}: enum without allowed values")
        if f.type is FieldType.QUANTITY and (
            f.unit is None or units.normalise_unit(f.unit) != f.unit
        ):
            problems.append(f"{where}.{f.name}: quantity needs a known canonical unit")
        if f.type is FieldType.LIST and f.item_type in (FieldType.LIST, None):
            problems.append(f"{where}.{f.name}: list needs a non-list item type")
    return problems


def _resolves(profile: Profile, reference: str) -> bool:
    where, _, name = reference.partition(".")
    if where == "product":
        return profile.find_product_field(name) is not None
    if where in ("enterprise", "unit", "lot"):
        return bool(name)  # master data the core keeps for every profile
    record_type = profile.find_record_type(where)
    return record_type is not None and record_type.find_field(name) is not None


def _item_problems(profile: Profile, items: Iterable[InfoItem], flag: str) -> list[str]:
    problems = []
    for item in items:
        source = item.source
        direct: Field | None = None
        if source.kind is SourceKind.PRODUCT:
            direct = profile.find_product_field(source.key)
            refs = [f"product.{source.key}"]
        elif source.kind is SourceKind.RECORD:
            record_type = profile.find_record_type(source.record_type or "")
            direct = record_type.find_field(source.key) if record_type else None
            refs = [f"{source.record_type}.{source.key}"]
        else:
            refs = list(source.inputs)
        problems += [
            f"{item.id}: source {r!r} not found" for r in refs if not _resolves(profile, r)
        ]
        if direct is not None and not getattr(direct, flag):
            problems.append(f"{item.id}: source field {direct.name!r} is not marked {flag}")
    return problems


def _limit_problems(profile: Profile) -> list[str]:
    problems = []
    for limit in profile.qc_limits:
        if not _resolves(profile, f"{limit.record_type}.{limit.field}"):
            problems.append(
                f"QC {limit.analyte}: field {limit.record_type}.{limit.field} not found"
            )
        needs_number = limit.comparator not in (Comparator.PRESENT, Comparator.EQUALS)
        if needs_number and limit.limit is None:
            problems.append(f"QC {limit.analyte}: a {limit.comparator} limit needs a value")
        if limit.comparator is Comparator.EQUALS and limit.expected is None:
            problems.append(f"QC {limit.analyte}: an equals limit needs an expected value")
        unknown = [c for c in limit.applies_to if c not in profile.product_categories]
        problems += [f"QC {limit.analyte}: unknown category {c!r}" for c in unknown]
    return problems


def _step_problems(profile: Profile) -> list[str]:
    problems = _duplicates("process step", (s.key for s in profile.process_steps))
    steps = {s.key for s in profile.process_steps}
    for step in profile.process_steps:
        missing = [k for k in step.record_types if profile.find_record_type(k) is None]
        problems += [f"step {step.key}: no record type {k!r}" for k in missing]
    for record_type in profile.record_types:
        if record_type.step is not None and record_type.step not in steps:
            problems.append(f"{record_type.id}: unknown step {record_type.step!r}")
    return problems
