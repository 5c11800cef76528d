"""GS1 element strings: ``(01)06901234567892(21)ABC`` and the raw ``\\x1d``-separated form.

The AI table (format, pattern, whether FNC1 must follow) comes from ``biip``, which
ships GS1's syntax dictionary; this module adds what biip does not do: errors that
name the AI and the problem, check digits that raise instead of being recorded,
calendar-valid dates, and formatting back to both forms.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.gs1 import gs1_check_digit

GS = "\x1d"
"""The group separator that stands for FNC1 in transmitted barcode data."""

KIND = "GS1 element string"

GS1_SYMBOLOGIES = frozenset({"C1", "e0", "d2", "Q3", "J1"})
"""Symbology identifiers (after ``]``) whose data is GS1 element strings (GS1 GenSpecs 5.1.2)."""

# Where the GS1 key carrying a check digit sits inside the value: (start, length).
_CHECKED_KEYS: dict[str, tuple[int, int]] = {
    "00": (0, 18),
    "01": (0, 14),
    "02": (0, 14),
    "03": (0, 14),
    "253": (0, 13),
    "255": (0, 13),
    "8003": (1, 13),
    "8006": (0, 14),
    "8017": (0, 18),
    "8018": (0, 18),
    "8026": (0, 14),
    **{f"41{n}": (0, 13) for n in range(8)},
}

# Date AIs (YYMMDD) where GS1 allows day 00 to mean "no specific day".
_DAY_ZERO_DATES = frozenset({"11", "12", "13", "15", "16", "17"})
_OTHER_DATES = frozenset({"4326", "7006", "7007"})
_DATE_TIMES = frozenset({"4324", "4325", "7003", "8008"})

_BRACKETED_AI = re.compile(r"\((\d{2,4})\)")
_CSET82 = re.compile(r"[!%-?A-Z_a-z\x22]*")
_NUMBER_IN_FORMAT = re.compile(r"^([NXYZ])(\.\.)?(\d+)$")


class ElementString(NamedTuple):
    """One GS1 element string: an Application Identifier and its value."""

    ai: str
    value: str

    def __str__(self) -> str:
        return f"({self.ai}){self.value}"


@dataclass(frozen=True, slots=True)
class AiDefinition:
    """What GS1 says an Application Identifier holds."""

    ai: str
    title: str
    description: str
    format: str
    is_variable_length: bool
    pattern: re.Pattern[str]

    @property
    def value_format(self) -> str:
        """The format of the value alone, without the AI (e.g. ``X..20``)."""
        return self.format.split("+", 1)[1]


_DEFINITIONS: dict[str, AiDefinition | None] = {}


def find_ai_definition(ai: str) -> AiDefinition | None:
    """Return the definition of ``ai`` (exactly), or ``None`` if GS1 defines no such AI."""
    try:
        return _DEFINITIONS[ai]
    except KeyError:
        pass
    definition: AiDefinition | None = None
    if ai.isascii() and ai.isdigit() and 2 <= len(ai) <= 4:
        try:
            found = GS1ApplicationIdentifier.extract(ai)
        except ParseError:
            found = None
        if found is not None and found.ai == ai:
            definition = AiDefinition(
                ai=found.ai,
                title=found.data_title,
                description=found.description,
                format=found.format,
                is_variable_length=found.separator_required,
                pattern=re.compile(found.pattern.removeprefix(f"^{found.ai}").removesuffix("$")),
            )
    _DEFINITIONS[ai] = definition
    return definition


def get_ai_definition(ai: str) -> AiDefinition:
    """Return the definition of ``ai``; raise ``InvalidIdentifier`` if it is unknown."""
    definition = find_ai_definition(ai)
    if definition is None:
        raise InvalidIdentifier(ai, f"unknown application identifier ({ai})", kind="GS1 AI")
    return definition


def _leading_ai(data: str) -> AiDefinition | None:
    """The AI at the start of ``data``; GS1's AI set is prefix-free, so the first hit wins."""
    for size in (2, 3, 4):
        definition = find_ai_definition(data[:size])
        if definition is not None:
            return definition
    return None


def _fixed_length(definition: AiDefinition) -> int | None:
    total = 0
    for part in definition.value_format.split("+"):
        matched = _NUMBER_IN_FORMAT.match(part)
        if matched is None or matched.group(2):
            return None
        total += int(matched.group(3))
    return total


def _shape_problem(definition: AiDefinition, value: str) -> str:
    """Say in words why ``value`` does not match the AI's format."""
    matched = _NUMBER_IN_FORMAT.match(definition.value_format)
    if matched is not None:
        charset, dots, size = matched.group(1), matched.group(2), int(matched.group(3))
        if not dots and len(value) != size:
            return f"must be {size} characters long, not {len(value)}"
        if dots and not 1 <= len(value) <= size:
            return f"must be 1 to {size} characters long, not {len(value)}"
        if charset == "N" and not (value.isascii() and value.isdigit()):
            return "must contain only digits"
        if charset == "X" and _CSET82.fullmatch(value) is None:
            bad = next(c for c in value if _CSET82.fullmatch(c) is None)
            return f"character {bad!r} is not in GS1 character set 82"
    if _is_date(definition.ai) and value.isascii() and value.isdigit():
        return _check_date(definition.ai, value) or "is not a valid date"
    return f"does not match format {definition.value_format}"


def _is_date(ai: str) -> bool:
    return ai in _DAY_ZERO_DATES or ai in _OTHER_DATES or ai in _DATE_TIMES


def _check_date(ai: str, value: str) -> str | None:
    """Return a problem with a YYMMDD[HHMM…] value, or ``None`` when it is a real date."""
    month, day = int(value[2:4]), int(value[4:6])
    if not 1 <= month <= 12:
        return f"month {value[2:4]} is not 01 to 12"
    if day == 0 and ai in _DAY_ZERO_DATES:
        return None
    last = calendar.monthrange(2000 + int(value[0:2]), month)[1]
    if not 1 <= day <= last:  # 2000 + YY: century unknown here; only 2100 would differ
        return f"day {value[4:6]} does not exist in month {value[2:4]}"
    if ai in _DATE_TIMES and (int(value[6:8]) > 23 or int(value[8:10] or "0") > 59):
        return f"time {value[6:10]} is not a valid HHMM"
    if ai == "7007" and len(value) == 12:
        return _check_date("7006", value[6:])
    return None


def _semantic_problem(ai: str, value: str) -> str | None:
    checked = _CHECKED_KEYS.get(ai)
    if checked is not None:
        start, size = checked
        key = value[start : start + size]
        expected = gs1_check_digit(key[:-1])
        if key[-1] != expected:
            return f"wrong check digit {key[-1]}, expected {expected}"
    if _is_date(ai):
        return _check_date(ai, value)
    return None


def validate_element(ai: str, value: str, *, text: str | None = None) -> ElementString:
    """Check ``value`` against the rules of ``ai`` and return the element string.

    Raises ``InvalidIdentifier`` naming the AI and the problem (length, character set,
    check digit, date). ``text`` is the whole input, quoted in the error.
    """
    definition = find_ai_definition(ai)
    quoted = text if text is not None else f"({ai}){value}"
    if definition is None:
        raise InvalidIdentifier(quoted, f"unknown application identifier ({ai})", kind=KIND)
    if definition.pattern.fullmatch(value) is None:
        problem = _shape_problem(definition, value)
        raise InvalidIdentifier(quoted, f"AI ({ai}) {definition.title}: {problem}", kind=KIND)
    problem_or_none = _semantic_problem(ai, value)
    if problem_or_none is not None:
        reason = f"AI ({ai}) {definition.title}: {problem_or_none}"
        raise InvalidIdentifier(quoted, reason, kind=KIND)
    return ElementString(ai, value)


def parse_bracketed(text: str) -> tuple[ElementString, ...]:
    """Parse the human-readable form ``(01)06901234567892(21)ABC``.

    A ``(`` inside a value is kept as data unless it starts ``(AI)`` for a known AI.
    """
    data = text.strip()
    marks = [m for m in _BRACKETED_AI.finditer(data) if find_ai_definition(m.group(1))]
    if not marks or marks[0].start() != 0:
        raise InvalidIdentifier(text, "must start with an AI in parentheses, e.g. (01)", kind=KIND)
    elements = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(data)
        elements.append(validate_element(mark.group(1), data[mark.end() : end], text=text))
    return tuple(elements)


def _strip_symbology(text: str) -> str:
    if not text.startswith("]"):
        return text.lstrip(GS)
    code = text[1:3]
    if code not in GS1_SYMBOLOGIES:
        reason = f"symbology identifier ]{code} does not announce GS1 element strings"
        raise InvalidIdentifier(text, reason, kind=KIND)
    return text[3:].lstrip(GS)


def parse_raw(text: str, *, separator: str = GS) -> tuple[ElementString, ...]:
    """Parse transmitted barcode data: AIs without brackets, FNC1 sent as ``separator``.

    An optional leading symbology identifier (``]d2``, ``]Q3``, ``]C1``, ``]e0``, ``]J1``)
    is accepted and dropped.
    """
    rest = _strip_symbology(text.strip())
    if not rest:
        raise InvalidIdentifier(text, "contains no element strings", kind=KIND)
    elements = []
    while rest:
        definition = _leading_ai(rest)
        if definition is None:
            raise InvalidIdentifier(
                text, f"unknown application identifier at {rest[:4]!r}", kind=KIND
            )
        start = len(definition.ai)
        fixed = None if definition.is_variable_length else _fixed_length(definition)
        if fixed is None:
            end = rest.find(separator, start)
            end = len(rest) if end < 0 else end
        else:
            end = start + fixed
            if end > len(rest):
                problem = f"must be {fixed} characters long, not {len(rest) - start}"
                raise InvalidIdentifier(text, f"AI ({definition.ai}): {problem}", kind=KIND)
        elements.append(validate_element(definition.ai, rest[start:end], text=text))
        rest = rest[end:].lstrip(separator)
    return tuple(elements)


def parse_element_strings(text: str) -> tuple[ElementString, ...]:
    """Parse element strings in either form: bracketed if it starts with ``(``, else raw."""
    if text.lstrip().startswith("("):
        return parse_bracketed(text)
    return parse_raw(text)


def format_bracketed(elements: tuple[ElementString, ...] | list[ElementString]) -> str:
    """Render element strings in the human-readable form, ``(01)…(21)…``."""
    return "".join(f"({ai}){value}" for ai, value in elements)


def format_raw(
    elements: tuple[ElementString, ...] | list[ElementString],
    *,
    symbology_identifier: str = "",
    separator: str = GS,
) -> str:
    """Render element strings as barcode data: FNC1 only after a variable-length value
    that is not last. ``symbology_identifier`` (e.g. ``]d2``) is prepended if given.
    """
    parts = [symbology_identifier]
    last = len(elements) - 1
    for index, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if index < last and get_ai_definition(ai).is_variable_length:
            parts.append(separator)
    return "".join(parts)


def expand_year(two_digits: int, *, reference_year: int) -> int:
    """Expand a YY year per GS1 General Specifications 7.12: within -49..+50 of the reference."""
    century = reference_year - reference_year % 100
    difference = two_digits - reference_year % 100
    if difference >= 51:
        century -= 100
    elif difference <= -50:
        century += 100
    return century + two_digits


def element_date(element: ElementString, *, reference_year: int) -> dt.date:
    """The date a YYMMDD element means; day 00 means the last day of the month.

    ``reference_year`` (normally the current year) resolves the century; this module
    never reads the clock.
    """
    ai, value = element
    if not _is_date(ai):
        raise InvalidIdentifier(str(element), f"AI ({ai}) is not a date", kind=KIND)
    year = expand_year(int(value[0:2]), reference_year=reference_year)
    month, day = int(value[2:4]), int(value[4:6])
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise InvalidIdentifier(str(element), f"AI ({ai}): {exc}", kind=KIND) from exc


def element_decimal(element: ElementString) -> Decimal:
    """The number a measure element means: AI 31nn-36nn have ``n`` implied decimals."""
    ai, value = element
    if len(ai) != 4 or ai[:2] not in {"31", "32", "33", "34", "35", "36"}:
        raise InvalidIdentifier(str(element), f"AI ({ai}) is not a measure", kind=KIND)
    return Decimal(value).scaleb(-int(ai[3]))
