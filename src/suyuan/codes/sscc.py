"""SSCC-18 for cases and pallets: extension digit, company prefix, serial reference, check digit.

An SSCC has no room for a keyed tag, so it cannot be verified offline: serial references
come from a sequential counter per company prefix, and the service checks a presented
SSCC against the ranges it has issued (one row per block), as GS1 intends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from suyuan.errors import InvalidInput
from suyuan.identifiers.gs1 import Sscc

_SSCC_BODY = 17  # 18 digits minus the check digit
_PREFIX_LENGTHS = range(4, 13)  # GS1 company prefixes have 4 to 12 digits


def _check_prefix(company_prefix: str) -> str:
    if not (company_prefix.isascii() and company_prefix.isdigit()):
        raise InvalidInput(f"company prefix {company_prefix!r} must contain only digits")
    if len(company_prefix) not in _PREFIX_LENGTHS:
        raise InvalidInput(f"company prefix {company_prefix!r} must have 4 to 12 digits")
    return company_prefix


def sscc_capacity(company_prefix: str) -> int:
    """How many serial references one extension digit offers under ``company_prefix``."""
    digits: int = _SSCC_BODY - 1 - len(_check_prefix(company_prefix))
    return int(10**digits)


def make_sscc(company_prefix: str, *, extension_digit: int, serial_reference: int) -> Sscc:
    """Build the SSCC-18 for one serial reference; rejects out-of-range references (GEN-2)."""
    capacity = sscc_capacity(company_prefix)
    if not 0 <= extension_digit <= 9:
        raise InvalidInput(f"extension digit {extension_digit} must be 0..9")
    if not 0 <= serial_reference < capacity:
        raise InvalidInput(
            f"serial reference {serial_reference} is outside 0..{capacity - 1}",
            detail={"company_prefix": company_prefix, "serial_reference": serial_reference},
        )
    width = _SSCC_BODY - 1 - len(company_prefix)
    return Sscc.from_body(f"{extension_digit}{company_prefix}{serial_reference:0{width}d}")


def iter_ssccs(
    company_prefix: str, *, extension_digit: int, start: int, count: int
) -> Iterator[Sscc]:
    """The SSCCs of serial references ``start .. start + count - 1``."""
    if count < 0:
        raise InvalidInput("count must not be negative")
    for reference in range(start, start + count):
        yield make_sscc(company_prefix, extension_digit=extension_digit, serial_reference=reference)


@dataclass(frozen=True, slots=True)
class SsccParts:
    """An SSCC split into the fields it was built from."""

    extension_digit: int
    company_prefix: str
    serial_reference: int


def split_sscc(sscc: Sscc, company_prefix_length: int) -> SsccParts:
    """Split ``sscc`` given the length of its company prefix (not encoded in the SSCC itself)."""
    if company_prefix_length not in _PREFIX_LENGTHS:
        raise InvalidInput(f"company prefix length {company_prefix_length} must be 4..12")
    value = sscc.value
    return SsccParts(
        extension_digit=int(value[0]),
        company_prefix=value[1 : 1 + company_prefix_length],
        serial_reference=int(value[1 + company_prefix_length : _SSCC_BODY]),
    )
