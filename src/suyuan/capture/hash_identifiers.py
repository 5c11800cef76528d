"""GS1 identifiers in the constrained canonical GS1 Digital Link form of the CBV 2.0 event hash.

EPC URNs (pure identities, classes, patterns) and Digital Link URIs on any host become
``https://id.gs1.org/…`` URIs with AIs instead of short names, no query and no CPV or lot
qualifiers, following the reference implementation ``epcis-event-hash-generator`` 1.9
(including its quirks). Anything that is not a valid identifier maps to None.
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["digital_link", "fast_epc", "fast_epc_list", "sgtin_batch"]

# --------------------------------------------------------------------------- EPC -> DL

_DL: Final = "https://id.gs1.org/"
_PERCENT_SOURCE: Final = "!()*+,:"
_PERCENT: Final = str.maketrans({char: f"%{ord(char):02X}" for char in _PERCENT_SOURCE})
_AI82_CHARS: Final = frozenset(
    "!')(*+,.0123456789:;=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"
)
_AI82_ESCAPES: Final = frozenset(
    ["%2" + c for c in "125-6789ABCDEFabcdef".replace("-", "")]
    + ["%3" + c for c in "0123456789ABCDEFabcdef"]
    + ["%4" + c for c in "123456789ABCDEFabcdef"]
    + ["%5" + c for c in "0123456789AaFf"]
    + ["%6" + c for c in "123456789ABCDEFabcdef"]
    + ["%7" + c for c in "0123456789Aa"]
)
_CPI_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-")
_CPI_ESCAPES: Final = frozenset(
    ["%2" + c for c in "3dfDF"]
    + ["%3" + c for c in "0123456789"]
    + ["%4" + c for c in "123456789ABCDEFabcdef"]
    + ["%5" + c for c in "0123456789Aa"]
)


def _check_digit(digits: str) -> str:
    # GS1 mod-10: weight 3 on the rightmost digit, then alternating 1 and 3.
    if digits.isascii():  # byte sums avoid one int() per digit
        raw = digits.encode()
        odd, even = raw[-1::-2], raw[-2::-2]
        total = 3 * (sum(odd) - 48 * len(odd)) + sum(even) - 48 * len(even)
    else:  # other Unicode decimal digits, which the reference's "\d" also accepts
        total = 3 * sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2]))
    return str(-total % 10)


def _units(text: str, most: int, chars: frozenset[str], escapes: frozenset[str]) -> bool:
    """True if text is 1..most characters of an EPC alphabet (a %-escape counts as one)."""
    if "%" not in text:
        return 0 < len(text) <= most and chars.issuperset(text)
    count, i = 0, 0
    while i < len(text):
        if text[i] == "%":
            if text[i : i + 3] not in escapes:
                return False
            i += 3
        elif text[i] in chars:
            i += 1
        else:
            return False
        count += 1
    return 0 < count <= most


def _is_digits(text: str, length: int) -> bool:
    # str.isdecimal() is the same character class as the reference's re "\d".
    return len(text) == length and (length == 0 or text.isdecimal())


def _company_prefix(body: str) -> int:
    """Length of the GS1 company prefix before the first ".", or 0 if it is not 6-12 digits."""
    end = body.find(".")
    return end if 6 <= end <= 12 and body[:end].isdecimal() else 0


def _gtin(body: str, cp: int) -> str | None:
    """GTIN-14 with check digit from "CP.IR" (IR = indicator + item reference)."""
    ref = body[cp + 1 : 14]
    if not _is_digits(ref, 13 - cp):
        return None
    raw = ref[:1] + body[:cp] + ref[1:]
    return raw + _check_digit(raw)


def _key(body: str, cp: int, width: int, lead: str = "") -> str | None:
    """Fixed-width key "CP.REF" (REF = width - CP digits) with its check digit."""
    ref = body[cp + 1 : width + 1]
    if not _is_digits(ref, width - cp):
        return None
    raw = lead + body[:cp] + ref
    return raw + _check_digit(raw)


def _ai82(text: str, most: int) -> bool:
    return _units(text, most, _AI82_CHARS, _AI82_ESCAPES)


def _epc_sgtin(body: str, cp: int) -> str | None:
    gtin = _gtin(body, cp)
    if gtin and body[14:15] == "." and _ai82(body[15:], 20):
        return f"{_DL}01/{gtin}/21/{body[15:].translate(_PERCENT)}"
    return None


def _epc_sscc(body: str, cp: int) -> str | None:
    ref = body[cp + 1 :]
    if not _is_digits(ref, 17 - cp):
        return None
    raw = ref[:1] + body[:cp] + ref[1:]
    return f"{_DL}00/{raw}{_check_digit(raw)}"


def _epc_sgln(body: str, cp: int) -> str | None:
    gln = _key(body, cp, 12)
    if not gln or body[13:14] != "." or not _ai82(body[14:], 20):
        return None
    extension = body[14:]
    if extension == "0":
        return f"{_DL}414/{gln}"
    return f"{_DL}414/{gln}/254/{extension.translate(_PERCENT)}"


def _short_key_ok(body: str, cp: int) -> bool:
    """The reference writes a 12-digit company prefix as "CP.." (an empty reference + dot)."""
    return cp < 12 or body[13:14] == "."


def _epc_grai(body: str, cp: int) -> str | None:
    grai = _key(body, cp, 12, lead="0")
    serial_at = 14 if cp < 12 else 15
    if not grai or not _short_key_ok(body, cp) or body[serial_at - 1 : serial_at] != ".":
        return None
    if not _ai82(body[serial_at:], 16):
        return None
    return f"{_DL}8003/{grai}{body[14:].translate(_PERCENT)}"


def _epc_gdti(body: str, cp: int) -> str | None:
    gdti = _key(body, cp, 12)
    if not gdti or not _short_key_ok(body, cp) or not _ai82(body[13 if cp < 12 else 14 :], 20):
        return None
    return f"{_DL}253/{gdti}{body[14:].translate(_PERCENT)}"


def _epc_sgcn(body: str, cp: int) -> str | None:
    sgcn = _key(body, cp, 12)
    if not sgcn or body[13:14] != "." or not (0 < len(body) - 14 <= 12 and body[14:].isdecimal()):
        return None
    return f"{_DL}255/{sgcn}{body[14:]}"


def _epc_free_ref(ai: str) -> Any:
    def convert(body: str, cp: int) -> str | None:
        if not _ai82(body[cp + 1 :], 30 - cp):
            return None
        return f"{_DL}{ai}/{body[:cp]}{body[cp + 1 :].translate(_PERCENT)}"

    return convert


def _epc_numeric(ai: str, width: int) -> Any:
    def convert(body: str, cp: int) -> str | None:
        if len(body) != width + 1:
            return None
        key = _key(body, cp, width)
        return f"{_DL}{ai}/{key}" if key else None

    return convert


def _epc_cpi(body: str, cp: int) -> str | None:
    last = body.rfind(".")
    ref, serial = body[cp + 1 : last], body[last + 1 :]
    if last <= cp or not _units(ref, 30 - cp, _CPI_CHARS, _CPI_ESCAPES):
        return None
    if not (0 < len(serial) <= 12 and serial.isdecimal()):
        return None
    return f"{_DL}8010/{(body[:cp] + ref).translate(_PERCENT)}/8011/{serial}"


def _epc_itip(body: str, cp: int) -> str | None:
    gtin = _gtin(body, cp)
    if not gtin or body[14:15] + body[17:18] + body[20:21] != "...":
        return None
    if not (body[15:17].isdecimal() and body[18:20].isdecimal() and _ai82(body[21:], 20)):
        return None
    return f"{_DL}8006/{gtin}{body[15:17]}{body[18:20]}/21/{body[21:].translate(_PERCENT)}"


def _epc_upui(body: str, cp: int) -> str | None:
    gtin = _gtin(body, cp)
    if gtin and body[14:15] == "." and _ai82(body[15:], 28):
        return f"{_DL}01/{gtin}/235/{body[15:].translate(_PERCENT)}"
    return None


def _epc_pgln(body: str, cp: int) -> str | None:
    gln = _key(body, cp, 12)
    return f"{_DL}417/{gln}" if gln and len(body) == 13 else None


def _class_lgtin(body: str, cp: int) -> str | None:
    gtin = _gtin(body, cp)
    if gtin and body[14:15] == "." and _ai82(body[15:], 20):
        return f"{_DL}01/{gtin}/10/{body[15:].translate(_PERCENT)}"
    return None


def _pattern_gtin(body: str, cp: int) -> str | None:
    gtin = _gtin(body, cp)
    return f"{_DL}01/{gtin}" if gtin and body[14:] == ".*" else None


def _pattern_short(ai: str, lead: str = "") -> Any:
    def convert(body: str, cp: int) -> str | None:
        key = _key(body, cp, 12, lead=lead)
        if not key or body[13 if cp < 12 else 14 :] != ".*" or not _short_key_ok(body, cp):
            return None
        return f"{_DL}{ai}/{key}"

    return convert


def _pattern_cpi(body: str, cp: int) -> str | None:
    ref = body[cp + 1 : -2]
    if not body.endswith(".*") or not _units(ref, 30 - cp, _CPI_CHARS, _CPI_ESCAPES):
        return None
    return f"{_DL}8010/{(body[:cp] + ref).translate(_PERCENT)}"


def _pattern_itip(body: str, cp: int) -> str | None:
    gtin = _gtin(body, cp)
    if not gtin or body[14:15] + body[17:18] != ".." or body[20:] != ".*":
        return None
    if not (body[15:17].isdecimal() and body[18:20].isdecimal()):
        return None
    return f"{_DL}8006/{gtin}{body[15:17]}{body[18:20]}"


_EPC_SCHEMES: Final[dict[str, Any]] = {
    "urn:epc:id:sgtin:": _epc_sgtin,
    "urn:epc:id:sscc:": _epc_sscc,
    "urn:epc:id:sgln:": _epc_sgln,
    "urn:epc:id:grai:": _epc_grai,
    "urn:epc:id:giai:": _epc_free_ref("8004"),
    "urn:epc:id:gsrn:": _epc_numeric("8018", 17),
    "urn:epc:id:gsrnp:": _epc_numeric("8017", 17),
    "urn:epc:id:gdti:": _epc_gdti,
    "urn:epc:id:cpi:": _epc_cpi,
    "urn:epc:id:sgcn:": _epc_sgcn,
    "urn:epc:id:ginc:": _epc_free_ref("401"),
    "urn:epc:id:gsin:": _epc_numeric("402", 16),
    "urn:epc:id:itip:": _epc_itip,
    "urn:epc:id:upui:": _epc_upui,
    "urn:epc:id:pgln:": _epc_pgln,
    "urn:epc:class:lgtin:": _class_lgtin,
    "urn:epc:idpat:sgtin:": _pattern_gtin,
    "urn:epc:idpat:grai:": _pattern_short("8003", lead="0"),
    "urn:epc:idpat:gdti:": _pattern_short("253"),
    "urn:epc:idpat:sgcn:": _pattern_short("255"),
    "urn:epc:idpat:cpi:": _pattern_cpi,
    "urn:epc:idpat:itip:": _pattern_itip,
    "urn:epc:idpat:upui:": _pattern_gtin,
}


def _epc_to_dl(uri: str) -> str | None:
    scheme_end = uri.find(":", uri.find(":", 8) + 1) + 1  # "urn:epc:<kind>:<scheme>:"
    convert = _EPC_SCHEMES.get(uri[:scheme_end])
    if convert is None:
        return None
    body = uri[scheme_end:]
    cp = _company_prefix(body)
    result: str | None = convert(body, cp) if cp else None
    return result


# --------------------------------------------------------------------------- DL -> DL

_KEY_WORDS: Final = (
    "01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc"
    "|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai"
)
_DL_GATE: Final = re.compile(rf"https?:[^?#]*/(?:{_KEY_WORDS})/\d{{4}}[^/]")
_SHORT_NAMES: Final = (
    ("/gtin/", "/01/"), ("/itip/", "/8006/"), ("/cpid/", "/8010/"), ("/gln/", "/414/"),
    ("/party/", "/417/"), ("/gsrnp/", "/8017/"), ("/gsrn/", "/8018/"), ("/gcn/", "/255/"),
    ("/sscc/", "/00/"), ("/gdti/", "/253/"), ("/ginc/", "/401/"), ("/gsin/", "/402/"),
    ("/grai/", "/8003/"), ("/giai/", "/8004/"), ("/cpv/", "/22/"), ("/lot/", "/10/"),
    ("/ser/", "/21/"),
)  # fmt: skip
# The reference leaves the dots of "id.gs1.org" unescaped; they match any character here too.
_ON_CANONICAL_HOST: Final = re.compile(
    r"https://id.gs1.org/(?:01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/\d{4}[^/]"
)
_KEY_SEGMENTS: Final = (
    "/00/", "/01/", "/253/", "/255/", "/401/", "/402/", "/414/", "/417/",
    "/8003/", "/8004/", "/8006/", "/8010/", "/8017/", "/8018/",
)  # fmt: skip
_GTIN_14: Final = re.compile(r"https://id.gs1.org/01/\d{14}")
_GTIN_PADDING: Final = (
    (re.compile(r"https://id.gs1.org/01/\d{13}"), "/01/0"),
    (re.compile(r"https://id.gs1.org/01/\d{12}"), "/01/00"),
    (re.compile(r"https://id.gs1.org/01/\d{8}"), "/01/000000"),
)
_X: Final = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_ITEM: Final = r"https://id.gs1.org/(?:8006/\d{18}|01/\d{14})"
_CPV_LAST: Final = re.compile(rf"{_ITEM}/22/{_X}{{0,20}}$")
_CPV_INNER: Final = re.compile(
    rf"{_ITEM}/22/[/\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{{0,20}}$"
)
_LOT_AND_SERIAL: Final = re.compile(rf"{_ITEM}/10/{_X}{{0,20}}/21/{_X}{{0,20}}$")
_VALID_DL: Final = re.compile(
    r"https://id.gs1.org/(?:"
    rf"00/\d{{18}}|01/\d{{14}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}}|/235/{_X}{{0,28}})?"
    rf"|253/\d{{13}}{_X}{{0,17}}|255/\d{{13}}\d{{0,12}}|401/{_X}{{0,30}}|402/\d{{17}}"
    rf"|414/\d{{13}}(?:/254/{_X}{{0,20}})?|417/\d{{13}}|8003/\d{{14}}{_X}{{0,16}}"
    rf"|8004/{_X}{{0,30}}|8006/\d{{18}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}})?"
    r"|8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}(?:/8011/\d{0,12})?|8017/\d{18}|8018/\d{18}"
    r")$"
)


def _dl_to_dl(uri: str) -> str | None:
    """Constrained canonical Digital Link: id.gs1.org, AIs not names, no query, no CPV/lot."""
    if not _DL_GATE.match(uri):
        return None
    uri = uri.partition("?")[0]
    for name, ai in _SHORT_NAMES:
        if name in uri:
            uri = uri.replace(name, ai)
    if not _ON_CANONICAL_HOST.match(uri):
        for segment in _KEY_SEGMENTS:
            at = uri.find(segment)
            if at != -1:
                uri = "https://id.gs1.org" + uri[at:]
                break
    if not _GTIN_14.match(uri):
        for pattern, padded in _GTIN_PADDING:
            if pattern.match(uri):
                uri = uri.replace("/01/", padded)
                break
    return _strip_qualifiers(uri) if "/22/" in uri or "/10/" in uri else _valid(uri)


def _strip_qualifiers(uri: str) -> str | None:
    # The slicing mirrors the reference, including its use of the first "/22/" and "/10/".
    tail = uri[uri.find("/22/") + 4 :]
    if _CPV_LAST.match(uri):
        uri = uri[: uri.find("/22/")] + tail[tail.find("/") : -1]
    if _CPV_INNER.match(uri):
        uri = uri[: uri.find("/22/")] + tail[tail.find("/") :]
    if _LOT_AND_SERIAL.match(uri):
        rest = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + rest[rest.find("/") :]
    return _valid(uri)


def _valid(uri: str) -> str | None:
    return uri if _VALID_DL.match(uri) else None


def digital_link(text: str) -> str | None:
    """Canonical GS1 Digital Link URI for an EPC URN or DL URI, else None."""
    if "." not in text:
        return None
    if text.startswith("urn:epc:"):
        return _epc_to_dl(text)
    if text.startswith("http"):
        return _dl_to_dl(text)
    return None


# --------------------------------------------------------------------------- fast path

# Serial and lot characters that stay as they are in the Digital Link form (no %-escape).
_AI82_PLAIN: Final = _AI82_CHARS - frozenset(_PERCENT_SOURCE)
_LEAD_CACHE_SIZE: Final = 1 << 16
_leads: dict[str, str] = {}
"""EPC URN up to the company prefix and reference -> Digital Link up to the serial ("": bad)."""

_SGTIN: Final = "urn:epc:id:sgtin:"
_SSCC: Final = "urn:epc:id:sscc:"
_SGLN: Final = "urn:epc:id:sgln:"
_LGTIN: Final = "urn:epc:class:lgtin:"


def _new_lead(head: str) -> str:
    """Digital Link lead of an sgtin, lgtin (scheme + 14 chars) or sgln (scheme + 13) head."""
    scheme = head[: head.find(":", head.find(":", 8) + 1) + 1]
    body = head[len(scheme) :]
    cp = _company_prefix(body)
    if not cp:
        return ""
    if scheme == _SGLN:
        gln = _key(body, cp, 12)
        return f"{_DL}414/{gln}" if gln else ""
    gtin = _gtin(body, cp)
    if not gtin:
        return ""
    return f"{_DL}01/{gtin}/21/" if scheme == _SGTIN else f"{_DL}01/{gtin}/10/"


def _lead(head: str) -> str:
    lead = _leads.get(head)
    if lead is None:
        if len(_leads) >= _LEAD_CACHE_SIZE:
            _leads.clear()
        lead = _leads[head] = _new_lead(head)
    return lead


def _plain(text: str) -> bool:
    """1..20 characters that need no escape (the reference's serial and lot rule)."""
    return 0 < len(text) <= 20 and _AI82_PLAIN.issuperset(text)


def _fast_sgtin(text: str) -> str | None:
    lead = _lead(text[:31])
    serial = text[32:]
    return lead + serial if lead and text[31:32] == "." and _plain(serial) else None


def _fast_lgtin(text: str) -> str | None:
    lead = _lead(text[:34])
    lot = text[35:]
    return lead + lot if lead and text[34:35] == "." and _plain(lot) else None


def _fast_sgln(text: str) -> str | None:
    lead = _lead(text[:29])
    extension = text[30:]
    if not lead or text[29:30] != "." or not _plain(extension):
        return None
    return lead if extension == "0" else f"{lead}/254/{extension}"


def _fast_sscc(text: str) -> str | None:
    body = text[16:]
    cp = body.find(".")
    if len(body) != 18 or not 6 <= cp <= 12:
        return None
    raw = body[cp + 1] + body[:cp] + body[cp + 2 :]
    if not (raw.isdigit() and raw.isascii()):
        return None
    return f"{_DL}00/{raw}{_check_digit(raw)}"


_FAST_SCHEMES: Final = {
    _SGTIN: _fast_sgtin,
    _SSCC: _fast_sscc,
    _SGLN: _fast_sgln,
    _LGTIN: _fast_lgtin,
}


def fast_epc(text: str) -> str | None:
    """``digital_link(text)`` for an sgtin, sscc, sgln or lgtin URN of the usual shape.

    None means only "not the usual shape" (escapes, odd lengths, other schemes): the caller
    then takes the general path. The result is also ``text``'s canonical value as a whole:
    the usual shapes hold no character that another value rule would touch.
    """
    convert = _FAST_SCHEMES.get(text[: text.find(":", text.find(":", 8) + 1) + 1])
    return convert(text) if convert is not None else None


def fast_epc_list(texts: list[Any], convert: bool = True) -> list[str | None] | None:
    """``fast_epc`` of each text (all None unless ``convert``); None if one is no string."""
    links: list[str | None] = []
    leads, plain = _leads, _AI82_PLAIN
    for text in texts:
        if type(text) is not str:
            return None
        if not convert:
            links.append(None)
        elif text.startswith(_SGTIN):  # the commonest case inline
            lead = leads.get(text[:31]) or _lead(text[:31])
            serial = text[32:]
            if lead and text[31:32] == "." and 0 < len(serial) <= 20 and plain.issuperset(serial):
                links.append(lead + serial)
            else:
                links.append(fast_epc(text))
        else:
            links.append(fast_epc(text))
    return links


def _plain_chars(text: str) -> bool:
    return (text.isascii() and text.isalnum()) or _AI82_PLAIN.issuperset(text)


def sgtin_batch(texts: list[Any]) -> tuple[str, list[str]] | None:
    """(Digital Link lead, serials) when all texts are usual sgtin URNs of one GTIN, else None.

    Works on the joined list with string methods instead of one text at a time; the links are
    ``lead + serial`` (in any order: sort the serials to sort the links).
    """
    first = texts[0] if texts else None
    head = first[:32] if type(first) is str else ""
    lead = _lead(head[:31]) if head.startswith(_SGTIN) and head[31:] == "." else ""
    if not lead:
        return None
    try:
        pieces = ("\n" + "\n".join(texts)).split("\n" + head)
    except TypeError:
        return None
    # Serials free of line breaks and count + 1 pieces: every text starts with the head.
    serials = pieces[1:]
    if pieces[0] or len(serials) != len(texts) or "" in serials:
        return None
    if max(map(len, serials)) > 20 or not _plain_chars("".join(serials)):
        return None
    return lead, serials
