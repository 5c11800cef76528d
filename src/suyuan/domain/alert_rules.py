"""The built-in alert rules (GEN-12 to GEN-16, QBT-6.8, QBT-8.9): pure judgements, no I/O.

Each rule takes facts the services gathered (an event, a lot's expiry date, a code's scan
history, a distributor's region) and returns a :class:`Finding` (rule, severity, object,
evidence) or nothing. The per-tenant thresholds are :class:`RuleSettings`
(:mod:`suyuan.domain.alert_settings`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from suyuan.domain.regions import province_of


class AlertRule(StrEnum):
    """The built-in rules; stored values never change."""

    TEMPERATURE = "temperature_excursion"
    HUMIDITY = "humidity_excursion"
    EXPIRY_NEAR = "expiry_near"
    EXPIRED = "expired"
    SCAN_COUNT = "scan_count"
    SCAN_CITIES = "scan_cities"
    CHANNEL_DIVERSION = "channel_diversion"
    FORGED_CODE = "forged_code"
    UNKNOWN_CODE = "unknown_code"
    NOT_COMMISSIONED = "not_commissioned"
    VOIDED_SCAN = "voided_scan"
    HELD_SHIPPED = "held_shipped"
    RECALLED_SHIPPED = "recalled_shipped"
    COMMISSIONED_TWICE = "commissioned_twice"


class Severity(StrEnum):
    """How urgent an alert is; stored values never change."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    """An alert's handling state (GEN-16); stored values never change."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive limits, e.g. 5–25 °C."""

    low: float
    high: float

    def contains(self, low: float, high: float) -> bool:
        """True when the readings ``low``..``high`` stay inside the limits."""
        return self.low <= low and high <= self.high

    def to_list(self) -> list[float]:
        """JSON form ``[low, high]``."""
        return [self.low, self.high]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired: what, how bad, about which object, and why."""

    rule: AlertRule
    severity: Severity
    object: str | None
    evidence: dict[str, Any] = field(default_factory=dict)


# --- sensor data (GEN-13) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """One EPCIS sensor report reduced to a range in °C or % relative humidity."""

    kind: str
    low: float
    high: float
    report: dict[str, Any]


_TEMPERATURE = "Temperature"
_HUMIDITY = "RelativeHumidity"
_VALUE_FIELDS = ("value", "minValue", "maxValue", "meanValue")


def _measurement(text: Any) -> str:
    word = str(text or "")
    return re.split(r"[:/#]", word)[-1]


def _celsius(value: float, uom: str | None) -> float:
    if uom == "FAH":
        return (value - 32) * 5 / 9
    if uom == "KEL":
        return value - 273.15
    return value


def _numbers(report: Mapping[str, Any]) -> list[float]:
    numbers = []
    for name in _VALUE_FIELDS:
        value = report.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            numbers.append(float(value))
        elif isinstance(value, str):
            try:
                numbers.append(float(value))
            except ValueError:
                continue
    return numbers


def sensor_readings(event: Mapping[str, Any]) -> Iterator[Reading]:
    """Temperature and humidity reports of an event's ``sensorElementList``."""
    elements = event.get("sensorElementList") or ()
    if isinstance(elements, dict):
        elements = [elements]
    for element in elements:
        reports = element.get("sensorReport") or () if isinstance(element, dict) else ()
        if isinstance(reports, dict):
            reports = [reports]
        for report in reports:
            if not isinstance(report, dict):
                continue
            kind = _measurement(report.get("type"))
            numbers = _numbers(report)
            if kind not in (_TEMPERATURE, _HUMIDITY) or not numbers:
                continue
            uom = report.get("uom")
            if kind == _TEMPERATURE:
                numbers = [_celsius(n, uom) for n in numbers]
            yield Reading(kind, min(numbers), max(numbers), dict(report))


def sensor_findings(
    event: Mapping[str, Any], *, subject: str | None, temperature: Range, humidity: Range
) -> list[Finding]:
    """A temperature or humidity excursion: any reading outside its limits (GEN-13)."""
    findings = []
    for kind, rule, limits, unit in (
        (_TEMPERATURE, AlertRule.TEMPERATURE, temperature, "CEL"),
        (_HUMIDITY, AlertRule.HUMIDITY, humidity, "P1"),
    ):
        bad = [r for r in sensor_readings(event) if r.kind == kind]
        bad = [r for r in bad if not limits.contains(r.low, r.high)]
        if not bad:
            continue
        worst = max(max(limits.low - r.low, r.high - limits.high) for r in bad)
        findings.append(
            Finding(
                rule,
                Severity.CRITICAL if worst >= 5 else Severity.WARNING,
                subject,
                {
                    "event_id": event.get("eventID"),
                    "event_time": event.get("eventTime"),
                    "location": (event.get("bizLocation") or {}).get("id")
                    or (event.get("readPoint") or {}).get("id"),
                    "limits": {"low": limits.low, "high": limits.high, "uom": unit},
                    "readings": [r.report for r in bad],
                    "observed": {"low": min(r.low for r in bad), "high": max(r.high for r in bad)},
                },
            )
        )
    return findings


# --- expiry (GEN-14) ----------------------------------------------------------------------

_EXPIRY_NAMES = ("itemExpirationDate", "bestBeforeDate", "sellByDate")
_PRODUCTION_NAMES = ("productionDate", "production_date")


def _ilmd_value(ilmd: Mapping[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        for key, value in ilmd.items():
            if key == name or key.endswith(f":{name}"):
                return value
    return None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def expiry_date(ilmd: Mapping[str, Any]) -> date | None:
    """``cbvmda:itemExpirationDate`` (or best-before, sell-by) of an event's ILMD."""
    return _date(_ilmd_value(ilmd, _EXPIRY_NAMES))


def production_date(ilmd: Mapping[str, Any]) -> date | None:
    """``cbvmda:productionDate`` (or a record's ``production_date``) of an event's ILMD."""
    found = _date(_ilmd_value(ilmd, _PRODUCTION_NAMES))
    record = _ilmd_value(ilmd, ("record",))
    if found is None and isinstance(record, dict):
        found = _date(record.get("production_date"))
    return found


_SHELF = re.compile(r"^\s*(?:P)?(\d+)\s*(天|日|个月|月|年|days?|months?|years?|D|M|Y)?\s*$", re.I)
_DAYS = {"天": 1, "日": 1, "d": 1, "day": 1, "days": 1, "个月": 30, "月": 30, "m": 30}
_DAYS |= {"month": 30, "months": 30, "年": 365, "y": 365, "year": 365, "years": 365}


def shelf_life_days(text: Any) -> int | None:
    """A shelf life such as ``36个月``, ``3年``, ``720天``, ``P18M`` or ``365`` in days.

    Words like ``长期`` (unlimited, usual for baijiu) give None: no expiry.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text if text > 0 else None
    match = _SHELF.match(str(text or ""))
    if match is None:
        return None
    amount, unit = int(match[1]), (match[2] or "天").lower()
    return amount * _DAYS[unit] if amount > 0 else None


def expiry_finding(
    *, lot: str, expires: date, today: date, warning_days: int, evidence: Mapping[str, Any]
) -> Finding | None:
    """Stock past its expiry date, or within ``warning_days`` of it (GEN-14)."""
    left = (expires - today).days
    if left > warning_days:
        return None
    rule = AlertRule.EXPIRED if left < 0 else AlertRule.EXPIRY_NEAR
    severity = Severity.CRITICAL if left < 0 else Severity.WARNING
    return Finding(
        rule,
        severity,
        lot,
        {
            **evidence,
            "expires": expires.isoformat(),
            "days_left": left,
            "warning_days": warning_days,
        },
    )


def expires_on(production: date, shelf_days: int) -> date:
    """The expiry date of a product made on ``production`` with that shelf life."""
    return production + timedelta(days=shelf_days)


# --- consumer scans (GEN-15, QBT-6.8) -------------------------------------------------------


def copied_label_findings(
    *,
    key: str,
    total_checks: int,
    recent_places: Sequence[str],
    max_checks: int,
    max_cities: int,
    window_hours: int,
) -> list[Finding]:
    """A code checked more than N times, or from more than K cities within T hours."""
    findings = []
    if total_checks > max_checks:
        findings.append(
            Finding(
                AlertRule.SCAN_COUNT,
                Severity.WARNING,
                key,
                {"checks": total_checks, "limit": max_checks},
            )
        )
    cities = sorted({p for p in recent_places if p and p != "unknown"})
    if len(cities) > max_cities:
        findings.append(
            Finding(
                AlertRule.SCAN_CITIES,
                Severity.CRITICAL,
                key,
                {"cities": cities, "limit": max_cities, "window_hours": window_hours},
            )
        )
    return findings


_VERDICT_RULES = {
    ("forged", None): (AlertRule.FORGED_CODE, Severity.CRITICAL),
    ("unknown", "never_commissioned"): (AlertRule.NOT_COMMISSIONED, Severity.WARNING),
    ("unknown", None): (AlertRule.UNKNOWN_CODE, Severity.CRITICAL),
    ("voided", None): (AlertRule.VOIDED_SCAN, Severity.WARNING),
}


def scan_verdict_finding(
    *, verdict: str, reason: str | None, subject: str | None, evidence: Mapping[str, Any]
) -> Finding | None:
    """A consumer checked a forged, never-issued, never-commissioned or voided code."""
    found = _VERDICT_RULES.get((verdict, reason)) or _VERDICT_RULES.get((verdict, None))
    if found is None:
        return None
    rule, severity = found
    return Finding(rule, severity, subject, {**evidence, "verdict": verdict, "reason": reason})


def diversion_finding(
    *, key: str, place: str | None, region: str | None, evidence: Mapping[str, Any]
) -> Finding | None:
    """A consumer scan in another province than the distributor's sales region (窜货)."""
    expected, actual = province_of(region), province_of(place)
    if expected is None or actual is None or expected == actual:
        return None
    return Finding(
        AlertRule.CHANNEL_DIVERSION,
        Severity.WARNING,
        key,
        {
            **evidence,
            "place": place,
            "place_province": actual,
            "region": region,
            "region_province": expected,
        },
    )


# --- custody: held or recalled goods moving, double commissioning ---------------------------

_SHIPPING_STEPS = frozenset({"shipping", "departing"})
_SELLING_STEPS = frozenset({"retail_selling"})


def movement_of(event: Mapping[str, Any]) -> str | None:
    """``shipping`` or ``selling`` when an event moves goods out, else None."""
    step, disposition = event.get("bizStep"), event.get("disposition")
    if step in _SELLING_STEPS or disposition == "retail_sold":
        return "selling"
    if step in _SHIPPING_STEPS or disposition == "in_transit":
        return "shipping"
    return None


def is_commissioning(event: Mapping[str, Any]) -> bool:
    """True for an event that brings codes to life (ObjectEvent ADD or bizStep commissioning)."""
    kind = event.get("type")
    if kind == "ObjectEvent" and event.get("action") == "ADD":
        return True
    return kind == "TransformationEvent" and event.get("bizStep") == "commissioning"


def blocked_movement_finding(
    *, key: str, movement: str, lot_status: str | None, recalled: bool, evidence: Mapping[str, Any]
) -> Finding | None:
    """Held (quarantined) or recalled goods shipped or sold (GEN-17, QBT-8.9)."""
    if recalled or lot_status == "recalled":
        rule = AlertRule.RECALLED_SHIPPED
    elif lot_status == "hold":
        rule = AlertRule.HELD_SHIPPED
    else:
        return None
    return Finding(
        rule,
        Severity.CRITICAL,
        key,
        {**evidence, "movement": movement, "lot_status": lot_status, "recalled": recalled},
    )


def commissioned_twice_finding(
    *, key: str, earlier: Sequence[Mapping[str, Any]], evidence: Mapping[str, Any]
) -> Finding | None:
    """A code commissioned again after an earlier commissioning (GEN-15: registered twice)."""
    if not earlier:
        return None
    return Finding(
        AlertRule.COMMISSIONED_TWICE,
        Severity.CRITICAL,
        key,
        {**evidence, "earlier": list(earlier)},
    )
