"""One canonical key per unit or container, many printable forms (HW-1 multiple coding rules).

``parse_code`` reads any printed code (Digital Link URI, trace code, element string,
EPC URN, bare SSCC, bare GTIN + serial) and returns the key and the form it found;
``render`` prints a key in a chosen form.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.digital_link import DEFAULT_BASE, DigitalLink, encode_value
from suyuan.identifiers.element_strings import (
    GS1_SYMBOLOGIES,
    ElementString,
    format_bracketed,
    format_raw,
    parse_bracketed,
    parse_raw,
)
from suyuan.identifiers.epc import parse_epc_urn
from suyuan.identifiers.gs1 import Gtin, Sscc, gs1_check_digit
from suyuan.identifiers.idis import IdisPrefix, TraceCode

_AI21 = re.compile(r"[!%-?A-Z_a-z\x22]{1,20}")
# AIs that commonly follow (01) in raw data; used to tell raw data from GTIN + serial.
_AFTER_GTIN = frozenset({"10", "11", "13", "15", "17", "21", "22", "30", "31", "37"})


@dataclass(frozen=True, slots=True)
class UnitKey:
    """The canonical key of a unit (one bottle, case…): GTIN-14 and a GS1 serial (AI 21)."""

    gtin: Gtin
    serial: str

    def __post_init__(self) -> None:
        if _AI21.fullmatch(self.serial) is None:
            reason = "serial must be 1 to 20 characters of GS1 character set 82"
            raise InvalidIdentifier(self.serial, reason, kind="serial")

    @property
    def path(self) -> str:
        """The canonical Digital Link path, ``/01/{gtin}/21/{serial}``."""
        return f"/01/{self.gtin.value}/21/{encode_value(self.serial)}"

    def element_strings(self) -> tuple[ElementString, ...]:
        """``(01)`` and ``(21)``."""
        return (ElementString("01", self.gtin.value), ElementString("21", self.serial))

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
class ContainerKey:
    """The canonical key of a logistic unit (pallet, shipping case): its SSCC."""

    sscc: Sscc

    @property
    def path(self) -> str:
        """The canonical Digital Link path, ``/00/{sscc}``."""
        return f"/00/{self.sscc.value}"

    def element_strings(self) -> tuple[ElementString, ...]:
        """``(00)``."""
        return (ElementString("00", self.sscc.value),)

    def __str__(self) -> str:
        return self.path


CodeKey = UnitKey | ContainerKey


class CodeForm(StrEnum):
    """The printed forms a key can take. Stored values never change."""

    TRACE_CODE = "trace_code"
    DIGITAL_LINK = "digital_link"
    ELEMENT_STRING = "element_string"
    ELEMENT_STRING_RAW = "element_string_raw"
    EPC_URN = "epc_urn"
    PLAIN = "plain"


@dataclass(frozen=True, slots=True)
class ParsedCode:
    """What ``parse_code`` found: the key, the form, and extras carried by that form."""

    key: CodeKey
    form: CodeForm
    prefix: IdisPrefix | None = None
    lot: str | None = None


def render(
    key: CodeKey,
    form: CodeForm,
    *,
    prefix: IdisPrefix | None = None,
    base_url: str = DEFAULT_BASE,
    symbology_identifier: str = "",
) -> str:
    """Print ``key`` in ``form``: trace codes need ``prefix``, Digital Links use ``base_url``."""
    if form is CodeForm.TRACE_CODE:
        if prefix is None:
            raise InvalidIdentifier(
                str(key), "a trace code needs an enterprise prefix", kind="code"
            )
        return str(to_trace_code(key, prefix))
    if form is CodeForm.DIGITAL_LINK:
        return base_url.rstrip("/") + key.path
    if form is CodeForm.ELEMENT_STRING:
        return format_bracketed(key.element_strings())
    if form is CodeForm.ELEMENT_STRING_RAW:
        return format_raw(key.element_strings(), symbology_identifier=symbology_identifier)
    if form is CodeForm.EPC_URN:
        raise InvalidIdentifier(
            str(key), "use epc.element_strings_to_epc for EPC URNs", kind="code"
        )
    return to_plain(key)


def to_trace_code(key: CodeKey, prefix: IdisPrefix) -> TraceCode:
    """The QB/T 7.2 trace code of a unit; its serial must be ``[0-9A-Z]``."""
    if isinstance(key, ContainerKey):
        raise InvalidIdentifier(key.sscc.value, "an SSCC has no trace-code form", kind="code")
    return TraceCode.build(prefix, key.gtin, key.serial)


def to_plain(key: CodeKey) -> str:
    """GTIN-14 followed by the serial, or the bare 18-digit SSCC."""
    if isinstance(key, ContainerKey):
        return key.sscc.value
    return key.gtin.value + key.serial


def key_from_element_strings(elements: Sequence[ElementString], text: str) -> CodeKey:
    """The unit key of ``(01)+(21)`` or the container key of ``(00)``."""
    values = dict(elements)
    if "01" in values and "21" in values:
        return UnitKey(Gtin(values["01"]), values["21"])
    if "00" in values:
        return ContainerKey(Sscc(values["00"]))
    reason = "identifies neither a unit (GTIN + serial) nor a container (SSCC)"
    raise InvalidIdentifier(text, reason, kind="code")


def _from_elements(elements: Sequence[ElementString], text: str, form: CodeForm) -> ParsedCode:
    lot = next((value for ai, value in elements if ai == "10"), None)
    return ParsedCode(key_from_element_strings(elements, text), form, lot=lot)


def _parse_trace_code(text: str, known_prefixes: Collection[str] | None) -> ParsedCode:
    code = TraceCode.parse(text)
    if known_prefixes is not None and code.prefix.value not in known_prefixes:
        reason = f"enterprise prefix {code.prefix.value} is not one of ours"
        raise InvalidIdentifier(text, reason, kind="trace code")
    return ParsedCode(UnitKey(code.gtin, code.serial), CodeForm.TRACE_CODE, prefix=code.prefix)


def _looks_raw(code: str) -> bool:
    """Whether digits-first ``code`` is raw ``(01)…`` data rather than GTIN + serial."""
    if not code.startswith("01") or len(code) < 19 or code[16:18] not in _AFTER_GTIN:
        return False
    body = code[2:16]
    return body.isdigit() and gs1_check_digit(body[:13]) == body[13]


def _parse_plain(code: str, text: str) -> ParsedCode:
    if len(code) == 18 and code.isdigit() and gs1_check_digit(code[:17]) == code[17]:
        return ParsedCode(ContainerKey(Sscc(code)), CodeForm.PLAIN)
    if _looks_raw(code) or (len(code) == 20 and code.startswith("00") and code.isdigit()):
        return _from_elements(parse_raw(code), text, CodeForm.ELEMENT_STRING_RAW)
    if len(code) < 15:
        raise InvalidIdentifier(text, "is too short for GTIN-14 + serial or SSCC", kind="code")
    try:
        gtin = Gtin.parse(code[:14])
    except InvalidIdentifier as exc:
        if len(code) != 18 or not code.isdigit():
            raise
        expected = gs1_check_digit(code[:17])
        reason = f"as an SSCC: wrong check digit {code[17]}, expected {expected}; as GTIN + serial"
        raise InvalidIdentifier(text, f"{reason}: {exc.reason}", kind="code") from exc
    return ParsedCode(UnitKey(gtin, code[14:]), CodeForm.PLAIN)


def parse_code(text: str, *, known_prefixes: Collection[str] | None = None) -> ParsedCode:
    """Detect the form of a printed code and return its canonical key.

    A leading non-GS1 symbology identifier (``]Q1``) is dropped; GS1 ones (``]d2``,
    ``]Q3``…) mark raw element strings.

    ``known_prefixes``, if given, restricts trace codes to these enterprise prefixes.
    Bare digits are ambiguous: 18 digits with a valid check digit are an SSCC; ``01``,
    a valid GTIN and a common AI are raw element strings; else GTIN-14 + serial.
    """
    code = text.strip()
    if code[:1] == "]" and code[1:3] not in GS1_SYMBOLOGIES:
        code = code[3:]  # e.g. ]Q1 before a URL: the scanner's tag, not part of the code
    if not code:
        raise InvalidIdentifier(text, "is empty", kind="code")
    head = code[:8].lower()
    if head.startswith(("https://", "http://")) or code[0] == "/":
        link = DigitalLink.parse(code)
        return _from_elements(link.element_strings(), text, CodeForm.DIGITAL_LINK)
    if head == "urn:epc:":
        return _from_elements(parse_epc_urn(code), text, CodeForm.EPC_URN)
    if code[0] == "(":
        return _from_elements(parse_bracketed(code), text, CodeForm.ELEMENT_STRING)
    if code[0] == "]" or "\x1d" in code:
        return _from_elements(parse_raw(code), text, CodeForm.ELEMENT_STRING_RAW)
    if "/" in code:
        return _parse_trace_code(code, known_prefixes)
    return _parse_plain(code, text)
