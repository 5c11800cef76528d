"""GS1 Digital Link URIs (uncompressed): ``https://host/01/{gtin}/10/{lot}/21/{ser}?17=261231``.

Written by hand rather than through biip: biip knows neither the alphabetic path names
(``/gtin/…``) nor keeps non-AI query parameters such as ``linkType``, and this parser
sits on the resolver's hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.element_strings import ElementString, find_ai_definition, validate_element

KIND = "GS1 Digital Link URI"

DEFAULT_BASE = "https://id.gs1.org"
"""The base GS1 itself uses for canonical Digital Link URIs."""

# Primary key AI -> the key qualifiers it may take, in the one order the standard allows.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "01": ("22", "10", "21", "235"),
    "8006": ("22", "10", "21"),
    "00": (),
    "414": ("254", "7040"),
    "415": ("8020",),
    "417": ("7040",),
    "8003": (),
    "8004": ("7040",),
    "8010": ("8011",),
    "8013": (),
    "8017": ("8019",),
    "8018": ("8019",),
    "253": (),
    "255": (),
    "401": (),
    "402": (),
}

# Alphabetic path names from GS1 Digital Link 1.0; parsed, never produced.
ALPHA_NAMES: dict[str, str] = {
    "gtin": "01",
    "itip": "8006",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
    "tpx": "235",
    "sscc": "00",
    "gln": "414",
    "glnx": "254",
    "payTo": "415",
    "refNo": "8020",
    "grai": "8003",
    "giai": "8004",
    "cpid": "8010",
    "cpsn": "8011",
    "gmn": "8013",
    "gsrnp": "8017",
    "gsrn": "8018",
    "srin": "8019",
    "gdti": "253",
    "gcn": "255",
    "ginc": "401",
    "gsin": "402",
}

_SHORT_GTIN_LENGTHS = frozenset({8, 12, 13})
_PARAM_SAFE = ":/"  # keeps linkType=gs1:pip readable; both are legal in a query


def _ai_of(name: str) -> str | None:
    """The AI a path segment or query key names, numerically or alphabetically."""
    if name.isdigit():
        return name if find_ai_definition(name) is not None else None
    return ALPHA_NAMES.get(name)


def encode_value(value: str) -> str:
    """Percent-encode a value for a URI path segment or query: all but ``A-Za-z0-9-._~``."""
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed GS1 Digital Link: primary key, key qualifiers, data attributes, other params."""

    primary: ElementString
    qualifiers: tuple[ElementString, ...] = ()
    attributes: tuple[ElementString, ...] = ()
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, uri: str) -> DigitalLink:
        """Parse an ``http(s)`` Digital Link with any host and path prefix, or a bare path."""
        text = uri.strip()
        path, query = _split_uri(text, uri)
        segments = [s for s in path.split("/") if s]  # values are never empty
        start = _find_primary(segments)
        if start is None:
            reason = "no GS1 primary key (such as /01/, /00/, /414/) followed by value pairs"
            raise InvalidIdentifier(uri, reason, kind=KIND)
        primary = _path_element(segments[start], segments[start + 1], uri)
        qualifiers = _qualifiers(primary.ai, segments[start + 2 :], uri)
        attributes, params = _query(query, primary.ai, qualifiers, uri)
        return cls(primary, qualifiers, attributes, params)

    @classmethod
    def from_element_strings(
        cls, elements: tuple[ElementString, ...] | list[ElementString]
    ) -> DigitalLink:
        """Arrange element strings as a Digital Link: one primary key, its qualifiers, the rest
        as data attributes in their given order."""
        primaries = [e for e in elements if e.ai in PRIMARY_KEYS]
        if len(primaries) != 1:
            text = "".join(str(e) for e in elements)
            found = ", ".join(f"({e.ai})" for e in primaries) or "none"
            raise InvalidIdentifier(
                text, f"needs exactly one primary key, found {found}", kind=KIND
            )
        primary = primaries[0]
        allowed = PRIMARY_KEYS[primary.ai]
        qualifiers = sorted(
            (e for e in elements if e.ai in allowed), key=lambda e: allowed.index(e.ai)
        )
        attributes = tuple(e for e in elements if e is not primary and e.ai not in allowed)
        return cls(primary, tuple(qualifiers), attributes)

    @property
    def path(self) -> str:
        """The path form without host or query, e.g. ``/01/06901234567892/21/ABC``."""
        return "".join(
            f"/{ai}/{encode_value(value)}" for ai, value in (self.primary, *self.qualifiers)
        )

    def to_uri(self, base: str = DEFAULT_BASE) -> str:
        """Render under ``base`` (scheme, host and optional path prefix)."""
        query = [f"{ai}={encode_value(value)}" for ai, value in self.attributes]
        query += [
            f"{quote(k, safe=_PARAM_SAFE)}={quote(v, safe=_PARAM_SAFE)}" for k, v in self.params
        ]
        uri = base.rstrip("/") + self.path
        return f"{uri}?{'&'.join(query)}" if query else uri

    def element_strings(self) -> tuple[ElementString, ...]:
        """All AI data in order: primary key, qualifiers, then data attributes."""
        return (self.primary, *self.qualifiers, *self.attributes)

    def get(self, ai: str) -> str | None:
        """The value of ``ai`` anywhere in the link, or ``None``."""
        for element in self.element_strings():
            if element.ai == ai:
                return element.value
        return None

    def __str__(self) -> str:
        return self.to_uri()


def _split_uri(text: str, uri: str) -> tuple[str, str]:
    """Return (path, query) of an http(s) URI or a bare path; drop any fragment."""
    text = text.split("#", 1)[0]
    if text.startswith("/"):
        rest = text
    else:
        scheme, sep, after = text.partition("://")
        if not sep or scheme.lower() not in ("http", "https"):
            raise InvalidIdentifier(uri, "must start with https:// or http://", kind=KIND)
        slash = after.find("/")
        if slash <= 0:
            raise InvalidIdentifier(uri, "has no host or no path", kind=KIND)
        rest = after[slash:]
    path, _, query = rest.partition("?")
    return path, query


def _find_primary(segments: list[str]) -> int | None:
    """Index of the primary key segment; anything before it is a path prefix."""
    for index in range(len(segments) - 1):
        if (len(segments) - index) % 2 == 0 and _ai_of(segments[index]) in PRIMARY_KEYS:
            return index
    return None


def _path_element(name: str, raw_value: str, uri: str) -> ElementString:
    ai = _ai_of(name)
    if ai is None:
        raise InvalidIdentifier(uri, f"path segment {name!r} is not a GS1 AI", kind=KIND)
    value = unquote(raw_value)
    if ai == "01" and len(value) in _SHORT_GTIN_LENGTHS:
        value = value.zfill(14)
    return validate_element(ai, value, text=uri)


def _qualifiers(primary_ai: str, pairs: list[str], uri: str) -> tuple[ElementString, ...]:
    allowed = PRIMARY_KEYS[primary_ai]
    position = 0
    found = []
    for index in range(0, len(pairs), 2):
        element = _path_element(pairs[index], pairs[index + 1], uri)
        if element.ai not in allowed:
            reason = f"({element.ai}) is not a key qualifier of ({primary_ai})"
            raise InvalidIdentifier(uri, reason, kind=KIND)
        at = allowed.index(element.ai)
        if at < position:
            order = " → ".join((primary_ai, *allowed))
            reason = f"key qualifier ({element.ai}) is out of order; the order is {order}"
            raise InvalidIdentifier(uri, reason, kind=KIND)
        position = at + 1
        found.append(element)
    return tuple(found)


def _query(
    query: str, primary_ai: str, qualifiers: tuple[ElementString, ...], uri: str
) -> tuple[tuple[ElementString, ...], tuple[tuple[str, str], ...]]:
    """Split the query into AI data attributes and other parameters (kept verbatim)."""
    if not query:
        return (), ()
    seen = {primary_ai, *(q.ai for q in qualifiers)}
    attributes: list[ElementString] = []
    params: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        raw_key, _, raw_value = item.partition("=")
        key, value = unquote(raw_key), unquote(raw_value)
        ai = _ai_of(key)
        if ai is None:
            params.append((key, value))
            continue
        if ai in seen:
            raise InvalidIdentifier(uri, f"AI ({ai}) appears more than once", kind=KIND)
        seen.add(ai)
        attributes.append(validate_element(ai, value, text=uri))
    return tuple(attributes), tuple(params)
