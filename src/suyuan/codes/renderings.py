"""Printable forms of one unit code: IDIS trace code, GS1 Digital Link URL, GS1 element string.

These single-code functions define the exact text that the bulk printer files produce
byte for byte (the tests check it). Prefixes are parsed by ``suyuan.identifiers.idis``;
base URLs are checked here only for what would break a CSV line or a URL.
"""

from __future__ import annotations

import re

from suyuan.errors import InvalidInput
from suyuan.identifiers.gs1 import Gtin
from suyuan.identifiers.idis import IdisPrefix

MAX_TRACE_CODE_LENGTH = 100  # QBT-7.2(c)
_BASE_URL_RE = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?")


def check_idis_prefix(prefix: str | IdisPrefix, *, serial_length: int = 17) -> str:
    """The prefix text, if it parses (``88.x.y`` or OID) and codes stay within 100 characters."""
    value = (prefix if isinstance(prefix, IdisPrefix) else IdisPrefix.parse(prefix)).value
    if len(value) + 1 + 14 + serial_length > MAX_TRACE_CODE_LENGTH:
        raise InvalidInput(f"identifier prefix {value!r} makes trace codes exceed 100 characters")
    return value


def check_base_url(url: str) -> str:
    """Return the resolver base URL without a trailing slash; refuses text unsafe in CSV/URLs."""
    base = url.rstrip("/")
    if _BASE_URL_RE.fullmatch(base) is None:
        raise InvalidInput(f"resolver base URL {url!r} must be http(s)://host[:port][/path]")
    return base


def idis_code(prefix: str | IdisPrefix, gtin: Gtin, serial: str) -> str:
    """The industrial-internet trace code ``prefix/GTIN14SERIAL`` (QBT-7.2)."""
    return f"{check_idis_prefix(prefix, serial_length=len(serial))}/{gtin.value}{serial}"


def digital_link_url(base_url: str, gtin: Gtin, serial: str) -> str:
    """The GS1 Digital Link URL ``base/01/GTIN14/21/SERIAL``; base32 needs no escaping."""
    return f"{check_base_url(base_url)}/01/{gtin.value}/21/{serial}"


def element_string(gtin: Gtin, serial: str) -> str:
    """The human-readable GS1 element string ``(01)GTIN14(21)SERIAL``."""
    return f"(01){gtin.value}(21){serial}"
