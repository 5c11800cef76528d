"""Automatic conformity judgement of QC results against a profile's limits (GEN-10, QBT-5.2.2).

A verdict is always computed from results and limits, never typed in, so the public item
"inspection result and quality grade" (QBT-T15.17) cannot disagree with the lab's numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from suyuan.domain.profiles import units
from suyuan.domain.profiles.coercion import FieldValue, Rejected, coerce_value, is_blank
from suyuan.domain.profiles.model import Comparator, Field, FieldType, Profile, QcLimit

_SHOWN = Decimal("0.0001")  # values in messages; comparisons always use exact values


@dataclass(frozen=True, slots=True)
class QcFailure:
    """One limit a result broke (or could not be checked against)."""

    analyte: str
    value: str | None
    limit: str
    basis: str
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of judging one set of results: passed only if no limit failed."""

    passed: bool
    grade: str | None
    failures: tuple[QcFailure, ...]

    @property
    def summary_zh(self) -> str:
        """The public wording of QBT-T15.17, e.g. ``合格，一级`` or ``不合格``."""
        if not self.passed:
            return "不合格"
        return f"合格，{self.grade}" if self.grade else "合格"


def judge(
    profile: Profile,
    product_category: str,
    results: Mapping[str, object],
    label: Mapping[str, object],
) -> Verdict:
    """Judge ``results`` (record field → value) against the limits for ``product_category``.

    ``label`` holds the values declared on the product label (e.g. ``alcohol_content``) for
    tolerance limits. A result missing for a limit is a failure: untested is not conforming.
    """
    failures = [
        failure
        for limit in profile.limits_for(product_category)
        if (failure := _check(profile, limit, results, label)) is not None
    ]
    grade = results.get("grade")
    return Verdict(
        passed=not failures,
        grade=str(grade).strip() if not is_blank(grade) else None,
        failures=tuple(failures),
    )


def describe_limit(limit: QcLimit) -> str:
    """The limit in words, e.g. ``≤ 0.6 g/L at 100 % vol``."""
    unit = f" {limit.unit}" if limit.unit else ""
    at100 = " at 100 % vol" if limit.pure_alcohol_basis else ""
    texts = {
        Comparator.MAX: f"≤ {limit.limit}{unit}{at100}",
        Comparator.MIN: f"≥ {limit.limit}{unit}{at100}",
        Comparator.RANGE: f"{limit.limit} to {limit.upper}{unit}{at100}",
        Comparator.LABEL_TOLERANCE: f"labelled value ± {limit.limit}{unit}",
        Comparator.PRESENT: "present",
        Comparator.EQUALS: f"= {limit.expected}",
    }
    return texts[limit.comparator]


def _field(profile: Profile, limit: QcLimit, name: str) -> Field:
    record_type = profile.get_record_type(limit.record_type)
    declared = record_type.find_field(name)
    # A limit on an undeclared field is a profile bug caught by check_profile; be lenient here.
    return declared or Field(name, name, name, FieldType.STRING)


def _fail(limit: QcLimit, value: str | None, message: str) -> QcFailure:
    text = f"{limit.label_en}: {message} ({limit.basis})"
    return QcFailure(limit.analyte, value, describe_limit(limit), limit.basis, text)


def _check(
    profile: Profile, limit: QcLimit, results: Mapping[str, object], label: Mapping[str, object]
) -> QcFailure | None:
    raw = results.get(limit.field)
    if limit.comparator is Comparator.PRESENT:
        return _fail(limit, None, "missing") if is_blank(raw) else None
    if is_blank(raw):
        return _fail(limit, None, "no result")
    try:
        value = coerce_value(_field(profile, limit, limit.field), raw)
    except Rejected as exc:
        return _fail(limit, str(raw), f"unreadable result {raw!r} ({exc.text})")
    if limit.comparator is Comparator.EQUALS:
        ok = str(value) == limit.expected
        return None if ok else _fail(limit, str(value), f"{value}, expected {limit.expected}")
    number = _in_unit(value, limit.unit)
    if limit.comparator is Comparator.LABEL_TOLERANCE:
        return _check_label(profile, limit, number, label)
    shown = f"{_show(number)} {limit.unit or ''}".strip()
    if limit.pure_alcohol_basis:
        scaled = _at_pure_alcohol(profile, limit, number, results)
        if isinstance(scaled, QcFailure):
            return scaled
        shown = f"{shown} = {_show(scaled)} {limit.unit} at 100 % vol"
        number = scaled
    return (
        None
        if _within(limit, number)
        else _fail(limit, shown, f"{shown}, limit {describe_limit(limit)}")
    )


def _within(limit: QcLimit, number: Decimal) -> bool:
    low_ok = limit.comparator is Comparator.MAX or limit.limit is None or number >= limit.limit
    if limit.comparator is Comparator.MIN:
        return low_ok
    bound = limit.limit if limit.comparator is Comparator.MAX else limit.upper
    return low_ok and (bound is None or number <= bound)


def _in_unit(value: FieldValue, unit: str | None) -> Decimal:
    if isinstance(value, Mapping):
        number = Decimal(value["value"])
        return units.convert(number, str(value["unit"]), unit) if unit else number
    return Decimal(value)


def _at_pure_alcohol(
    profile: Profile, limit: QcLimit, number: Decimal, results: Mapping[str, object]
) -> Decimal | QcFailure:
    raw = results.get(limit.alcohol_field)
    alcohol_field = replace(_field(profile, limit, limit.alcohol_field), required=False)
    try:
        alcohol = None if is_blank(raw) else _in_unit(coerce_value(alcohol_field, raw), "% vol")
    except Rejected:
        alcohol = None
    if alcohol is None or alcohol <= 0:
        return _fail(limit, _show(number), "cannot convert to 100 % vol without alcohol content")
    return number * Decimal(100) / alcohol


def _check_label(
    profile: Profile, limit: QcLimit, number: Decimal, label: Mapping[str, object]
) -> QcFailure | None:
    name = limit.label_field or limit.field
    raw = label.get(name)
    try:
        declared = None if is_blank(raw) else coerce_value(_field(profile, limit, limit.field), raw)
    except Rejected:
        declared = None
    if declared is None:
        return _fail(limit, _show(number), f"no labelled {name} to compare with")
    labelled = _in_unit(declared, limit.unit)
    if abs(number - labelled) <= (limit.limit or Decimal(0)):
        return None
    unit = limit.unit or ""
    shown = f"{_show(number)} {unit}".strip()
    return _fail(
        limit,
        shown,
        f"{shown} differs from the labelled {_show(labelled)} {unit}"
        f" by more than {limit.limit} {unit}",
    )


def _show(number: Decimal) -> str:
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        number = number.quantize(_SHOWN).normalize()
    return format(number, "f")
