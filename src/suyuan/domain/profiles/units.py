"""Units of measure that profile quantities accept, their spellings and exact conversions."""

from __future__ import annotations

from decimal import Decimal

# Each unit belongs to one dimension and has an exact factor to that dimension's base unit.
# Only linear, exact conversions are listed: months and years are not a whole number of days,
# and mg/L cannot become mg/kg without the liquid's density, so those never convert.
_UNITS: dict[str, tuple[str, Decimal]] = {
    "kg": ("mass", Decimal(1)),
    "g": ("mass", Decimal("0.001")),
    "mg": ("mass", Decimal("0.000001")),
    "t": ("mass", Decimal(1000)),
    "斤": ("mass", Decimal("0.5")),  # the market jin is exactly 500 g
    "L": ("volume", Decimal(1)),
    "mL": ("volume", Decimal("0.001")),
    "hL": ("volume", Decimal(100)),
    "g/L": ("mass_concentration", Decimal(1)),
    "mg/L": ("mass_concentration", Decimal("0.001")),
    "g/100mL": ("mass_concentration", Decimal(10)),
    "mg/100mL": ("mass_concentration", Decimal("0.01")),
    "mg/kg": ("mass_fraction", Decimal(1)),
    "g/kg": ("mass_fraction", Decimal(1000)),
    "% vol": ("alcohol", Decimal(1)),
    "%": ("percent", Decimal(1)),
    "d": ("duration", Decimal(1)),
    "h": ("duration", Decimal(1) / Decimal(24)),
    "min": ("duration", Decimal(1) / Decimal(1440)),
    "month": ("months", Decimal(1)),
    "year": ("months", Decimal(12)),
    "CNY": ("money", Decimal(1)),
    "CNY/kg": ("unit_price", Decimal(1)),
    "CNY/斤": ("unit_price", Decimal(2)),
    "CNY/g": ("unit_price", Decimal(1000)),
}

# Spellings seen in spreadsheets and on Chinese labels, mapped to the canonical symbol.
_ALIASES: dict[str, str] = {
    "千克": "kg",
    "公斤": "kg",
    "克": "g",
    "毫克": "mg",
    "吨": "t",
    "升": "L",
    "l": "L",
    "毫升": "mL",
    "ml": "mL",
    "g/l": "g/L",
    "mg/l": "mg/L",
    "g/100ml": "g/100mL",
    "mg/100ml": "mg/100mL",
    "%vol": "% vol",
    "% v/v": "% vol",
    "%v/v": "% vol",
    "度": "% vol",
    "天": "d",
    "日": "d",
    "day": "d",
    "days": "d",
    "小时": "h",
    "hour": "h",
    "hours": "h",
    "分钟": "min",
    "月": "month",
    "个月": "month",
    "months": "month",
    "年": "year",
    "years": "year",
    "元": "CNY",
    "rmb": "CNY",
    "元/千克": "CNY/kg",
    "元/公斤": "CNY/kg",
    "元/kg": "CNY/kg",
    "元/斤": "CNY/斤",
    "元/克": "CNY/g",
}


def normalise_unit(text: str) -> str | None:
    """Return the canonical symbol for ``text`` (``"ml"`` → ``"mL"``), or ``None`` if unknown."""
    spelled = " ".join(text.split())
    if spelled in _UNITS:
        return spelled
    return _ALIASES.get(spelled) or _ALIASES.get(spelled.lower())


def is_convertible(unit: str, target: str) -> bool:
    """Whether a value in ``unit`` converts exactly to ``target`` (same dimension)."""
    if unit == target:
        return True
    return unit in _UNITS and target in _UNITS and _UNITS[unit][0] == _UNITS[target][0]


def convert(value: Decimal, unit: str, target: str) -> Decimal:
    """Convert ``value`` from ``unit`` to ``target``; raise ``ValueError`` across dimensions."""
    if unit == target:
        return value
    if not is_convertible(unit, target):
        raise ValueError(f"cannot convert {unit} to {target}")
    return value * _UNITS[unit][1] / _UNITS[target][1]


def units_like(target: str) -> tuple[str, ...]:
    """Every known unit that converts to ``target``, ``target`` first."""
    others = [u for u in _UNITS if u != target and is_convertible(u, target)]
    return (target, *others)
