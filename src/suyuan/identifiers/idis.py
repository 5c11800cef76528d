"""Industrial Internet identifiers (工业互联网标识) and QB/T 7.2 trace codes.

A trace code is ``<enterprise prefix>/<GTIN-14><serial>``, at most 100 characters.
The prefix is either Handle style as issued by the national resolution system
(``88.608.8889``) or an OID under China's arc per GB/T 26231 (``1.2.156.…``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.gs1 import Gtin, gs1_check_digit

MAX_TRACE_CODE_LENGTH = 100
"""QB/T 7.2(c): a whole trace code has at most 100 characters."""

MAX_SERIAL_LENGTH = 20

_HANDLE = re.compile(r"88(?:\.[0-9]{1,12}){2,6}")
# Arcs are non-negative integers without leading zeros (ITU-T X.660 / GB/T 17969).
_OID = re.compile(r"(?:1\.2\.156|2\.16\.156)(?:\.(?:0|[1-9][0-9]{0,17})){1,20}")
_SERIAL = re.compile(r"[0-9A-Z]+")
_PREFIX_CACHE: dict[str, IdisPrefix] = {}
_PREFIX_CACHE_SIZE = 4096


class PrefixKind(StrEnum):
    """How an enterprise prefix is written."""

    HANDLE = "handle"
    OID = "oid"


@dataclass(frozen=True, slots=True)
class IdisPrefix:
    """An enterprise identifier prefix: ``88.608.8889`` (Handle) or ``1.2.156.…`` (OID)."""

    value: str
    kind: PrefixKind

    @classmethod
    def parse(cls, text: str) -> IdisPrefix:
        """Parse and classify a prefix; surrounding blanks are ignored."""
        value = text.strip()
        cached = _PREFIX_CACHE.get(value)
        if cached is not None:
            return cached
        if _HANDLE.fullmatch(value):
            prefix = cls(value, PrefixKind.HANDLE)
        elif _OID.fullmatch(value):
            prefix = cls(value, PrefixKind.OID)
        else:
            reason = "must be 88.<industry>.<enterprise> or an OID under 1.2.156 or 2.16.156"
            raise InvalidIdentifier(text, reason, kind="enterprise prefix")
        if len(_PREFIX_CACHE) >= _PREFIX_CACHE_SIZE:
            _PREFIX_CACHE.clear()
        _PREFIX_CACHE[value] = prefix
        return prefix

    @property
    def arcs(self) -> tuple[str, ...]:
        """The dot-separated parts, e.g. ``("88", "608", "8889")``."""
        return tuple(self.value.split("."))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class TraceCode:
    """A QB/T 7.2 trace code: enterprise prefix, ``/``, GTIN-14 and serial ``[0-9A-Z]``."""

    prefix: IdisPrefix
    gtin: Gtin
    serial: str

    @classmethod
    def parse(cls, text: str, *, max_serial_length: int = MAX_SERIAL_LENGTH) -> TraceCode:
        """Parse a printed trace code, trimming blanks and upper-casing the serial."""
        code = text.strip()
        if len(code) > MAX_TRACE_CODE_LENGTH:
            reason = f"has {len(code)} characters, at most {MAX_TRACE_CODE_LENGTH} are allowed"
            raise InvalidIdentifier(text, reason, kind="trace code")
        prefix_text, slash, suffix = code.partition("/")
        if not slash:
            raise InvalidIdentifier(
                text, "has no '/' after the enterprise prefix", kind="trace code"
            )
        try:
            prefix = IdisPrefix.parse(prefix_text)
        except InvalidIdentifier as exc:
            raise InvalidIdentifier(text, exc.reason, kind="trace code") from exc
        return cls(
            prefix, _gtin_at_start(suffix, text), _serial(suffix[14:], text, max_serial_length)
        )

    @classmethod
    def build(cls, prefix: IdisPrefix, gtin: Gtin, serial: str) -> TraceCode:
        """Assemble a trace code, checking serial alphabet and total length."""
        code = cls(prefix, gtin, _serial(serial, serial, MAX_SERIAL_LENGTH))
        if len(str(code)) > MAX_TRACE_CODE_LENGTH:
            reason = f"would have {len(str(code))} characters, at most {MAX_TRACE_CODE_LENGTH}"
            raise InvalidIdentifier(str(code), reason, kind="trace code")
        return code

    @property
    def internal_code(self) -> str:
        """The enterprise-internal code (企业内部编码): GTIN-14 then serial."""
        return self.gtin.value + self.serial

    def __str__(self) -> str:
        return f"{self.prefix.value}/{self.gtin.value}{self.serial}"


def _gtin_at_start(suffix: str, text: str) -> Gtin:
    digits = suffix[:14]
    if len(digits) < 14 or not (digits.isascii() and digits.isdigit()):
        reason = "the part after '/' must start with a 14-digit GTIN"
        raise InvalidIdentifier(text, reason, kind="trace code")
    expected = gs1_check_digit(digits[:13])
    if digits[13] != expected:
        reason = f"GTIN {digits}: wrong check digit {digits[13]}, expected {expected}"
        raise InvalidIdentifier(text, reason, kind="trace code")
    return Gtin(digits)


def _serial(raw: str, text: str, max_length: int) -> str:
    serial = raw.upper()
    if not 1 <= len(serial) <= max_length:
        reason = f"serial must have 1 to {max_length} characters, not {len(serial)}"
        raise InvalidIdentifier(text, reason, kind="trace code")
    if not serial.isascii() or _SERIAL.fullmatch(serial) is None:
        raise InvalidIdentifier(text, "serial may contain only 0-9 and A-Z", kind="trace code")
    return serial
