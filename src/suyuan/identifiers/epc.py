"""EPC pure-identity URNs (GS1 Tag Data Standard) to and from element strings and Digital Link.

``urn:epc:id:sgtin:0614141.812345.6789`` is ``(01)80614141123458(21)6789``. Going from a
URN needs nothing else; going to one needs the GS1 Company Prefix length, which the key
itself does not reveal: pass ``company_prefix_length``, or let a lookup guess it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from biip.gs1_prefixes import GS1CompanyPrefix

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.digital_link import DEFAULT_BASE, DigitalLink
from suyuan.identifiers.element_strings import (
    ElementString,
    parse_element_strings,
    validate_element,
)
from suyuan.identifiers.gs1 import gs1_check_digit

KIND = "EPC URN"

CompanyPrefixLookup = Callable[[str], int]
"""Given a key's digits from the company prefix on, return the prefix length (6 to 12)."""

# TDS 7.1: characters of GS1 character set 82 that an EPC URN must percent-escape.
_URN_ESCAPES = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_DIGITS = re.compile(r"\d+")


def default_company_prefix_length(digits: str) -> int:
    """Guess the GS1 Company Prefix length at the start of ``digits``.

    First GS1's published prefix-length list (bundled with biip); failing that, the
    GS1 China allocation (690-691 → 7 digits, 692-695 → 8); else 7, the length of
    most prefixes in the TDS examples. Callers with real allocations should pass their own.
    """
    found = GS1CompanyPrefix.extract(digits) if len(digits) >= 3 else None
    if found is not None and 6 <= len(found.value) <= 12:
        return len(found.value)
    if digits[:3] in {"692", "693", "694", "695"}:
        return 8
    return 7


def escape_urn_component(value: str) -> str:
    """Percent-escape the characters TDS forbids raw in an EPC URN serial."""
    return "".join(_URN_ESCAPES.get(char, char) for char in value)


def _unescape(value: str, urn: str) -> str:
    if "%" in _ESCAPE.sub("", value):
        raise InvalidIdentifier(urn, "has a '%' that is not followed by two hex digits", kind=KIND)
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _digits(part: str, urn: str, what: str) -> str:
    if _DIGITS.fullmatch(part) is None:
        raise InvalidIdentifier(urn, f"{what} {part!r} must be digits", kind=KIND)
    return part


def _split(urn: str) -> tuple[str, str, str]:
    """Return (``id``/``class``/``idpat``, scheme, body) of an EPC URN."""
    parts = urn.strip().split(":", 4)
    if len(parts) != 5 or parts[0].lower() != "urn" or parts[1].lower() != "epc":
        reason = "must start urn:epc:id:, urn:epc:class: or urn:epc:idpat:"
        raise InvalidIdentifier(urn, reason, kind=KIND)
    return parts[2].lower(), parts[3].lower(), parts[4]


def _company_and_reference(fields: list[str], urn: str, total: int) -> tuple[str, str]:
    company = _digits(fields[0], urn, "company prefix")
    reference = _digits(fields[1], urn, "reference")
    if not 6 <= len(company) <= 12:
        raise InvalidIdentifier(
            urn, f"company prefix must have 6 to 12 digits, not {len(company)}", kind=KIND
        )
    if len(company) + len(reference) != total:
        reason = f"company prefix and reference must have {total} digits together"
        raise InvalidIdentifier(urn, f"{reason}, not {len(company) + len(reference)}", kind=KIND)
    return company, reference


def _with_check(body: str) -> str:
    return body + gs1_check_digit(body)


def parse_epc_urn(urn: str) -> tuple[ElementString, ...]:
    """Convert an EPC URN (sgtin, sscc, sgln, grai, giai, lgtin, sgtin idpat) to element strings."""
    kind, scheme, body = _split(urn)
    converter = _FROM_URN.get((kind, scheme))
    if converter is None:
        raise InvalidIdentifier(urn, f"unsupported EPC scheme {kind}:{scheme}", kind=KIND)
    count = 2 if scheme in ("sscc", "giai") else 3
    fields = body.split(".", count - 1)  # the last field (a serial) may itself hold dots
    if len(fields) != count:
        raise InvalidIdentifier(urn, f"needs {count} dot-separated fields", kind=KIND)
    return converter(fields, urn)


def _sgtin(fields: list[str], urn: str) -> tuple[ElementString, ...]:
    company, reference = _company_and_reference(fields, urn, 13)
    gtin = validate_element("01", _with_check(reference[0] + company + reference[1:]), text=urn)
    return (gtin, validate_element("21", _unescape(fields[2], urn), text=urn))


def _lgtin(fields: list[str], urn: str) -> tuple[ElementString, ...]:
    gtin, lot = _sgtin(fields, urn)
    return (gtin, ElementString("10", lot.value))


def _sgtin_pattern(fields: list[str], urn: str) -> tuple[ElementString, ...]:
    if fields[2] != "*":
        raise InvalidIdentifier(urn, "only the serial may be '*' in an sgtin pattern", kind=KIND)
    return _sgtin([*fields[:2], "0"], urn)[:1]


def _sscc(fields: list[str], urn: str) -> tuple[ElementString, ...]:
    company, reference = _company_and_reference(fields, urn, 17)
    return (validate_element("00", _with_check(reference[0] + company + reference[1:]), text=urn),)


def _sgln(fields: list[str], urn: str) -> tuple[ElementString, ...]:
    company, reference = _company_and_reference(fields, urn, 12)
    gln = validate_element("414", _with_check(company + reference), text=urn)
    extension = _unescape(fields[2], urn)
    return (gln,) if extension == "0" else (gln, validate_element("254", extension, text=urn))


def _grai(fields: list[str], urn: str) -> tuple[ElementString, ...]:
    company, reference = _company_and_reference(fields, urn, 12)
    value = "0" + _with_check(company + reference) + _unescape(fields[2], urn)
    return (validate_element("8003", value, text=urn),)


def _giai(fields: list[str], urn: str) -> tuple[ElementString, ...]:
    company = _digits(fields[0], urn, "company prefix")
    if not 6 <= len(company) <= 12:
        raise InvalidIdentifier(
            urn, f"company prefix must have 6 to 12 digits, not {len(company)}", kind=KIND
        )
    return (validate_element("8004", company + _unescape(fields[1], urn), text=urn),)


_FROM_URN: dict[tuple[str, str], Callable[[list[str], str], tuple[ElementString, ...]]] = {
    ("id", "sgtin"): _sgtin,
    ("id", "sscc"): _sscc,
    ("id", "sgln"): _sgln,
    ("id", "grai"): _grai,
    ("id", "giai"): _giai,
    ("class", "lgtin"): _lgtin,
    ("idpat", "sgtin"): _sgtin_pattern,
}


def element_strings_to_epc(
    elements: Sequence[ElementString],
    *,
    company_prefix_length: int | None = None,
    lookup: CompanyPrefixLookup = default_company_prefix_length,
) -> str:
    """Render element strings as the EPC URN of their primary key.

    ``(01)+(21)`` → sgtin, ``(01)+(10)`` → lgtin class, ``(01)`` alone → sgtin idpat,
    ``(00)`` → sscc, ``(414)[+(254)]`` → sgln, ``(8003)`` → grai, ``(8004)`` → giai.
    """
    values = dict(elements)
    text = "".join(str(e) for e in elements)
    for ai, (start, render) in _TO_URN.items():
        if ai in values:
            digits = values[ai][start:]
            size = company_prefix_length if company_prefix_length is not None else lookup(digits)
            if not 6 <= size <= 12:
                reason = f"company prefix length must be 6 to 12, not {size}"
                raise InvalidIdentifier(text, reason, kind=KIND)
            return render(values, size)
    raise InvalidIdentifier(
        text, "has no key with an EPC URN form (01, 00, 414, 8003, 8004)", kind=KIND
    )


def _urn_gtin(values: dict[str, str], size: int) -> str:
    gtin = values["01"]
    head = f"{gtin[1 : 1 + size]}.{gtin[0]}{gtin[1 + size : 13]}"
    if "21" in values:
        return f"urn:epc:id:sgtin:{head}.{escape_urn_component(values['21'])}"
    if "10" in values:
        return f"urn:epc:class:lgtin:{head}.{escape_urn_component(values['10'])}"
    return f"urn:epc:idpat:sgtin:{head}.*"


def _urn_sscc(values: dict[str, str], size: int) -> str:
    sscc = values["00"]
    return f"urn:epc:id:sscc:{sscc[1 : 1 + size]}.{sscc[0]}{sscc[1 + size : 17]}"


def _urn_sgln(values: dict[str, str], size: int) -> str:
    gln = values["414"]
    extension = escape_urn_component(values.get("254", "0"))
    return f"urn:epc:id:sgln:{gln[:size]}.{gln[size:12]}.{extension}"


def _urn_grai(values: dict[str, str], size: int) -> str:
    grai = values["8003"]
    if len(grai) == 14:
        raise InvalidIdentifier(f"(8003){grai}", "a GRAI without serial has no EPC URN", kind=KIND)
    serial = escape_urn_component(grai[14:])
    return f"urn:epc:id:grai:{grai[1 : 1 + size]}.{grai[1 + size : 13]}.{serial}"


def _urn_giai(values: dict[str, str], size: int) -> str:
    giai = values["8004"]
    return f"urn:epc:id:giai:{giai[:size]}.{escape_urn_component(giai[size:])}"


# Primary AI -> (where the company prefix starts in its value, renderer).
_TO_URN: dict[str, tuple[int, Callable[[dict[str, str], int], str]]] = {
    "01": (1, _urn_gtin),
    "00": (1, _urn_sscc),
    "414": (0, _urn_sgln),
    "8003": (1, _urn_grai),
    "8004": (0, _urn_giai),
}


def epc_to_digital_link(urn: str, *, base: str = DEFAULT_BASE) -> str:
    """Convert an EPC URN to a Digital Link URI under ``base``."""
    return DigitalLink.from_element_strings(parse_epc_urn(urn)).to_uri(base)


def digital_link_to_epc(
    uri: str,
    *,
    company_prefix_length: int | None = None,
    lookup: CompanyPrefixLookup = default_company_prefix_length,
) -> str:
    """Convert a Digital Link URI to an EPC URN; data attributes other than a lot are dropped."""
    link = DigitalLink.parse(uri)
    elements = [link.primary, *link.qualifiers]
    if link.primary.ai == "01" and link.get("21") is None:
        elements += [e for e in link.attributes if e.ai == "10"]
    return element_strings_to_epc(
        elements, company_prefix_length=company_prefix_length, lookup=lookup
    )


def identity_link(elements: Sequence[ElementString]) -> DigitalLink:
    """The Digital Link of what the element strings identify, without descriptive data.

    A serialised trade item keeps only its serial (lot and CPV describe, they do not
    identify); an unserialised one keeps its lot; other keys keep their qualifiers.
    """
    link = DigitalLink.from_element_strings(list(elements))
    if link.primary.ai not in ("01", "8006"):
        return DigitalLink(link.primary, link.qualifiers)
    by_ai = dict(elements)
    for ai in ("21", "235", "10"):
        if ai in by_ai:
            return DigitalLink(link.primary, (ElementString(ai, by_ai[ai]),))
    return DigitalLink(link.primary)


def canonical_key(text: str) -> str:
    """A stable matching key for an EPC URN, Digital Link URI or element string.

    It is the Digital Link path without host, e.g. ``/01/06901234567892/21/ABC``,
    ``/01/06901234567892/10/LOT`` for a lot, ``/00/106141412345678908`` for an SSCC.
    """
    stripped = text.strip()
    if stripped[:8].lower() == "urn:epc:":
        elements: Sequence[ElementString] = parse_epc_urn(stripped)
    elif stripped.startswith("/") or stripped[:8].lower().startswith(("http://", "https://")):
        elements = DigitalLink.parse(stripped).element_strings()
    else:
        elements = parse_element_strings(stripped)
    return identity_link(elements).path
