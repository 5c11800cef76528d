"""Per-tenant alert rule settings (GEN-12): defaults, stored overrides and `NAME=VALUE` edits.

A tenant stores only what it changed, as JSON; :func:`settings_from` lays that over the
defaults. Names accepted by ``suyuan alerts rules --set NAME=VALUE``:

- ``temperature=5..25`` and ``humidity=20..80`` (limits, °C and % RH);
- ``temperature_location:<bizLocation URI>=2..8`` and ``temperature_category:<category>=…``
  (limits for one storage place or product category; an empty value removes them);
- ``expiry_warning_days``, ``scan_count_max`` (N), ``scan_cities_max`` (K),
  ``scan_window_hours`` (T), ``dedup_hours`` (whole numbers);
- ``region_check=on|off``; ``recipients=1,2`` (webhook ids; empty: every active webhook);
- ``disabled=scan_count,expiry_near`` (rules switched off).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from suyuan.domain.alert_rules import AlertRule, Range
from suyuan.errors import InvalidInput

DEFAULT_TEMPERATURE = Range(5.0, 25.0)
"""Storage limits for baijiu, °C."""
DEFAULT_HUMIDITY = Range(20.0, 80.0)
"""Relative humidity limits, %."""


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One tenant's thresholds, windows and recipients."""

    temperature: Range = DEFAULT_TEMPERATURE
    humidity: Range = DEFAULT_HUMIDITY
    temperature_by_location: dict[str, Range] = field(default_factory=dict)
    temperature_by_category: dict[str, Range] = field(default_factory=dict)
    expiry_warning_days: int = 30
    scan_count_max: int = 10
    scan_cities_max: int = 3
    scan_window_hours: int = 24
    dedup_hours: int = 24
    region_check: bool = True
    recipients: tuple[int, ...] = ()
    disabled: frozenset[str] = frozenset()
    refuse_partner_holds: bool = False
    """A held lot's owner refuses partners' shipments and sales of its units (else alerts)."""

    def is_enabled(self, rule: AlertRule) -> bool:
        """False when the tenant switched ``rule`` off."""
        return rule.value not in self.disabled

    def temperature_for(self, *, location: str | None, category: str | None) -> Range:
        """Limits for a place (first) or a product category, else the tenant's default."""
        if location and location in self.temperature_by_location:
            return self.temperature_by_location[location]
        if category and category in self.temperature_by_category:
            return self.temperature_by_category[category]
        return self.temperature

    def to_dict(self) -> dict[str, Any]:
        """JSON form, every setting included."""
        return {
            "temperature": self.temperature.to_list(),
            "humidity": self.humidity.to_list(),
            "temperature_location": _ranges(self.temperature_by_location),
            "temperature_category": _ranges(self.temperature_by_category),
            "expiry_warning_days": self.expiry_warning_days,
            "scan_count_max": self.scan_count_max,
            "scan_cities_max": self.scan_cities_max,
            "scan_window_hours": self.scan_window_hours,
            "dedup_hours": self.dedup_hours,
            "region_check": self.region_check,
            "recipients": list(self.recipients),
            "disabled": sorted(self.disabled),
            "refuse_partner_holds": self.refuse_partner_holds,
        }


def _ranges(table: Mapping[str, Range]) -> dict[str, list[float]]:
    return {name: limits.to_list() for name, limits in table.items()}


_INTEGERS = (
    "expiry_warning_days",
    "scan_count_max",
    "scan_cities_max",
    "scan_window_hours",
    "dedup_hours",
)
_RULE_NAMES = frozenset(rule.value for rule in AlertRule)


def _range(value: Any, name: str) -> Range:
    if isinstance(value, str):
        parts = value.replace(",", "..").split("..")
    elif isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        parts = []
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(
            f"{name}: give limits as LOW..HIGH, e.g. 5..25", detail={"setting": name}
        ) from None
    if low > high:
        raise InvalidInput(f"{name}: low limit {low} above high {high}", detail={"setting": name})
    return Range(low, high)


def _integer(value: Any, name: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidInput(f"{name}: must be a whole number", detail={"setting": name}) from None
    if number < 0:
        raise InvalidInput(f"{name}: must not be negative", detail={"setting": name})
    return number


def _boolean(value: Any, name: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no"):
        return False
    raise InvalidInput(f"{name}: give on or off", detail={"setting": name})


def _ids(value: Any, name: str) -> list[int]:
    items = value if isinstance(value, list) else str(value).split(",")
    return [_integer(item, name) for item in items if str(item).strip()]


def _rules(value: Any, name: str) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(",")
    names = [str(item).strip() for item in items if str(item).strip()]
    unknown = sorted(set(names) - _RULE_NAMES)
    if unknown:
        raise InvalidInput(
            f"{name}: unknown rule {', '.join(unknown)}; rules: {', '.join(sorted(_RULE_NAMES))}",
            detail={"setting": name},
        )
    return names


def settings_from(stored: Mapping[str, Any]) -> RuleSettings:
    """The defaults with a tenant's stored overrides laid over them."""
    return RuleSettings(
        temperature=_range(stored.get("temperature", DEFAULT_TEMPERATURE.to_list()), "temperature"),
        humidity=_range(stored.get("humidity", DEFAULT_HUMIDITY.to_list()), "humidity"),
        temperature_by_location={
            k: _range(v, k) for k, v in (stored.get("temperature_location") or {}).items()
        },
        temperature_by_category={
            k: _range(v, k) for k, v in (stored.get("temperature_category") or {}).items()
        },
        **{name: _integer(stored[name], name) for name in _INTEGERS if name in stored},
        region_check=_boolean(stored.get("region_check", True), "region_check"),
        recipients=tuple(_ids(stored.get("recipients") or [], "recipients")),
        disabled=frozenset(_rules(stored.get("disabled") or [], "disabled")),
        refuse_partner_holds=_boolean(
            stored.get("refuse_partner_holds", False), "refuse_partner_holds"
        ),
    )


def apply_changes(stored: Mapping[str, Any], changes: Mapping[str, str]) -> dict[str, Any]:
    """New stored overrides after ``NAME=VALUE`` edits; raises ``InvalidInput`` on bad ones."""
    result: dict[str, Any] = dict(stored)
    for name, value in changes.items():
        _apply_one(result, name.strip(), value.strip())
    settings_from(result)
    return result


def _apply_one(result: dict[str, Any], name: str, value: str) -> None:
    scoped = name.partition(":")
    if scoped[0] in ("temperature_location", "temperature_category") and scoped[2]:
        table = dict(result.get(scoped[0]) or {})
        if value:
            table[scoped[2]] = _range(value, name).to_list()
        else:
            table.pop(scoped[2], None)
        result[scoped[0]] = table
    elif name in ("temperature", "humidity"):
        result[name] = _range(value, name).to_list()
    elif name in _INTEGERS:
        result[name] = _integer(value, name)
    elif name in ("region_check", "refuse_partner_holds"):
        result[name] = _boolean(value, name)
    elif name == "recipients":
        result[name] = _ids(value, name)
    elif name == "disabled":
        result[name] = _rules(value, name)
    else:
        raise InvalidInput(
            f"unknown alert setting {name!r}",
            detail={"setting": name, "known": sorted(RuleSettings().to_dict())},
        )


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["NAME=VALUE", ...]`` from the command line as a mapping."""
    changes = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"{pair!r}: give NAME=VALUE", detail={"setting": pair})
        changes[name.strip()] = value
    return changes
