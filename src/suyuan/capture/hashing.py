"""Canonical EPCIS event hash of CBV 2.0 §8.9 (``ni:///sha-256;…?ver=CBV2.0``).

The pre-hash string is built straight from one event in the JSON/JSON-LD binding shape.
The rules are those of the reference implementation (``epcis-event-hash-generator`` 1.9,
JSON path, ratified ``ref.gs1.org/standards/epcis/2.0.0`` context), including its quirks,
because every EPCIS 2.0 implementation that publishes event IDs is compared against it:

* field order of the algorithm; repeated values of one field are sorted as strings;
* ``bizTransactionList``, ``sourceList``, ``destinationList``, ``ilmd``, ``errorDeclaration``
  excepted, and extension fields end up in one trailing section sorted as strings;
* bare CBV words are widened to ``https://ref.gs1.org/cbv/…`` / ``https://gs1.org/voc/…``,
  old ``urn:epcglobal:cbv:`` URNs are rewritten to the same Web URIs;
* timestamps become UTC with milliseconds; numbers lose leading "+" and trailing zeros;
* EPC URNs and GS1 Digital Link URIs become constrained canonical Digital Link URIs.

Two paths give the same string. The general path turns the event into the reference's element
tree and renders that (``general_prehash_string``); it is the reference-exact fallback. The
fast path (``_FastEvent``) renders the usual field shapes directly: EPC URNs through cached
GTIN/GLN leads (``hash_identifiers.fast_epc``, ``sgtin_batch``), timestamps by slicing with
cached UTC shifts, string values through a cache per namespaces-and-vocabulary context. Any
field of an unusual shape falls back to the element tree, and the tests check on generated
events, usual and odd, that both paths agree.

The module has no third-party dependency; the reference is only a test oracle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Final, cast

from suyuan.capture.hash_identifiers import (
    digital_link,
    fast_epc,
    fast_epc_list,
    sgtin_batch,
)
from suyuan.errors import InvalidInput

__all__ = ["EventHashError", "event_hash", "general_prehash_string", "prehash_string"]

Node = tuple[str, str, list["Node"]]
"""One element of the reference's data model: name, text, children (order is irrelevant)."""


class EventHashError(InvalidInput):
    """The event cannot be hashed (the reference implementation rejects it as well)."""

    code = "event_not_hashable"


# --------------------------------------------------------------------------- vocabularies

_CBV: Final = "https://ref.gs1.org/cbv/"
_VOC: Final = "https://gs1.org/voc/"


def _terms(base: str, words: str) -> dict[str, str]:
    return {w: base + w for w in words.split()}


_BIZ_STEPS: Final = _terms(
    _CBV + "BizStep-",
    "accepting arriving assembling collecting commissioning consigning creating_class_instance"
    " cycle_counting decommissioning departing destroying disassembling dispensing encoding"
    " entering_exiting holding inspecting installing killing loading other packing picking"
    " receiving removing repackaging repairing replacing reserving retail_selling sampling"
    " sensor_reporting shipping staging_outbound stock_taking stocking storing transporting"
    " unloading unpacking void_shipping",
)
_DISPOSITIONS: Final = _terms(
    _CBV + "Disp-",
    "active available completeness_verified completeness_inferred conformant container_closed"
    " container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit"
    " inactive mismatch_instance mismatch_class mismatch_quantity needs_replacement"
    " no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved"
    " retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown",
)
_BTT: Final = _terms(
    _CBV + "BTT-", "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
_SDT: Final = _terms(_CBV + "SDT-", "owning_party possessing_party location")
_ERROR_REASONS: Final = _terms(_CBV + "ER-", "did_not_occur incorrect_data")
_COMPONENTS: Final = _terms(
    _CBV + "Comp-",
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting"
    " northing latitude longitude altitude",
)
_SENSOR_ALERTS: Final = _terms(_VOC, "ALARM_CONDITION ERROR_CONDITION")
_MEASUREMENTS: Final = _terms(
    _VOC,
    "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude"
    " AmountOfSubstance AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum"
    " AngularVelocity Area Capacitance Conductance Conductivity Count Density Dimensionless"
    " DoseEquivalent DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent"
    " ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency Illuminance"
    " Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux"
    " LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass"
    " MassConcentration MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy"
    " MolarMass MolarVolume Power Pressure RadiantFlux RadiantIntensity RelativeHumidity"
    " Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension"
    " Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux"
    " Wavenumber",
)


_VOCAB_FIELDS: Final = {"bizStep": _BIZ_STEPS, "disposition": _DISPOSITIONS}
_PAIR_TERMS: Final = {"bizTransactionList": _BTT, "sourceList": _SDT, "destinationList": _SDT}
_SENSOR_TERMS: Final = {
    "type": _MEASUREMENTS,
    "exception": _SENSOR_ALERTS,
    "component": _COMPONENTS,
}
_CURIES: Final = {"cbv": _CBV, "gs1": _VOC}


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _expand(value: Any, terms: Mapping[str, str], into: set[str]) -> None:
    """What JSON-LD expansion makes of a ``@type: @vocab`` value (CBV/GS1 bases only)."""
    if type(value) is str and value in terms:  # the usual bare CBV word
        into.add(terms[value])
        return
    for item in _as_list(value):
        if not isinstance(item, str):
            continue
        if item in terms:
            into.add(terms[item])
        elif item.startswith(_EXPANDED_BASES):
            into.add(item)
        else:
            prefix, colon, rest = item.partition(":")
            if colon and prefix in _CURIES:
                into.add(_CURIES[prefix] + rest)


def _vocabulary_expansions(event: Mapping[str, Any]) -> set[str]:
    """CBV/GS1 URIs that JSON-LD expansion would produce from the event's vocabulary fields."""
    found: set[str] = set()
    for key in _EXPANDING_KEYS.intersection(event):
        value = event[key]
        if key in _VOCAB_FIELDS:
            _expand(value, _VOCAB_FIELDS[key], found)
        elif key in _PAIR_TERMS:
            for item in _as_list(value):
                if isinstance(item, dict):
                    _expand(item.get("type"), _PAIR_TERMS[key], found)
        elif key == "sensorElementList":
            _sensor_expansions(value, found)
        elif isinstance(value, dict):  # persistentDisposition, errorDeclaration
            for field, terms in _NESTED_TERMS[key].items():
                _expand(value.get(field), terms, found)
    return found


def _sensor_expansions(elements: Any, found: set[str]) -> None:
    for element in _as_list(elements):
        if isinstance(element, dict):
            for report in _as_list(element.get("sensorReport")):
                if isinstance(report, dict):
                    for key, terms in _SENSOR_TERMS.items():
                        _expand(report.get(key), terms, found)


_NESTED_TERMS: Final = {
    "persistentDisposition": {"set": _DISPOSITIONS, "unset": _DISPOSITIONS},
    "errorDeclaration": {"reason": _ERROR_REASONS},
}
_EXPANDING_KEYS: Final = frozenset(
    {*_VOCAB_FIELDS, *_PAIR_TERMS, *_NESTED_TERMS, "sensorElementList"}
)


# Only expansions under these two bases take part in the bare-word rewrite (reference rule).
_EXPANDED_BASES: Final = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")


@lru_cache(maxsize=1024)
def _suffix_index(expanded: frozenset[str]) -> dict[str, str | None]:
    """Map each value that ends one expanded URI after "-" or "/" to it (None if ambiguous)."""
    index: dict[str, str | None] = {}
    for uri in expanded:
        for i, char in enumerate(uri):
            if char in "-/":
                suffix = uri[i + 1 :]
                index[suffix] = None if suffix in index and index[suffix] != uri else uri
    return index


# --------------------------------------------------------------------------- value rules

_OLD_CBV_URNS: Final = (
    ("urn:epcglobal:cbv:bizstep:", _CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", _CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", _CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", _CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", _CBV + "ER-"),
)
_NUMBER_START: Final = frozenset("0123456789+-.iInN")


def _normalise_number(text: str) -> str:
    """Python float round trip of the reference: "+05.50" -> "5.5", "1e3" -> "1000"."""
    first = text[0]
    if first not in _NUMBER_START and first.isascii():
        return text  # cannot be a float literal; skips the costly exception path
    try:
        number = float(text)
    except ValueError:
        return text
    try:
        return str(int(number)) if int(number) == number else str(number)
    except ValueError:  # NaN: the reference keeps the text
        return text
    except OverflowError as exc:  # infinity: the reference drops the whole event
        raise EventHashError(
            f"value {text!r} is an infinite number", detail={"value": text}
        ) from exc


@lru_cache(maxsize=1 << 15)
def _canonical_value(text: str) -> str:
    """Apply the reference's value rules: CBV URN rewrite, number form, Digital Link form."""
    if "urn:epcglobal:cbv:" in text:
        for old, new in _OLD_CBV_URNS:
            text = text.replace(old, new)
    text = _normalise_number(text)
    return digital_link(text) or text


_TIMESTAMP_CHARS: Final = frozenset("0123456789-:.,+TZ ")


@lru_cache(maxsize=1 << 14)
def _canonical_time(text: str) -> str:
    """UTC, millisecond precision, "Z"; unparsable text is kept as it is (reference rule)."""
    if len(text) == 24 and text[23] == "Z" and text[19] == "." and text[10] == "T":
        try:
            datetime.fromisoformat(text)  # already canonical when it is a valid instant
        except ValueError:
            return text
        return text
    if not text or not _TIMESTAMP_CHARS.issuperset(text):
        return text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        # The reference reads naive times in the host's zone; UTC keeps hashes reproducible.
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    millis = round(moment.microsecond, -3)  # half-even on ints, as in the reference
    if millis == 1_000_000:  # the reference crashes here; carrying the second is the intent
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    else:
        moment = moment.replace(microsecond=millis)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


# --------------------------------------------------------------------------- event tree

_PAIR: Final = "\x00pair"  # a (type, value) entry of bizTransactionList/sourceList/destinationList
_PAIR_LISTS: Final = frozenset({"bizTransactionList", "sourceList", "destinationList"})
_PAIR_VALUES: Final = frozenset({"bizTransaction", "source", "destination"})
_RENAMED: Final = {
    "inputEPC": "epc",
    "outputEPC": "epc",
    "inputQuantity": "quantityElement",
    "outputQuantity": "quantityElement",
    "childQuantity": "quantityElement",
}
_DROPPED_KEYS: Final = frozenset({"#text", "rdfs:comment", "comment"})


@lru_cache(maxsize=256)
def _namespace_maps(pairs: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Prefix -> "{uri}" for names and prefix -> uri (braces dropped) for values."""
    return (
        {prefix: "{" + uri + "}" for prefix, uri in pairs},
        {prefix: uri.replace("{", "").replace("}", "") for prefix, uri in pairs},
    )


class _TreeBuilder:
    """Turns the JSON event into the reference's element tree (XML-like names and nesting)."""

    __slots__ = ("_key_ns", "_suffixes", "_value_ns", "expanded", "missed")

    def __init__(self, namespaces: Mapping[str, str], expanded: set[str]) -> None:
        self._key_ns, self._value_ns = _namespace_maps(tuple(namespaces.items()))
        self.expanded = expanded
        self._suffixes = _suffix_index(frozenset(expanded)) if expanded else {}
        self.missed: set[str] = set()

    def _key(self, key: str) -> str:
        if self._key_ns and ":" in key:
            prefix, _, local = key.partition(":")
            if prefix in self._key_ns:
                return self._key_ns[prefix] + local
        return key

    def _text(self, raw: Any) -> str:
        if not isinstance(raw, str):
            return str(raw)  # True -> "True", 26.0 -> "26.0": Python's str(), as the reference
        value: str = raw
        if value.startswith(_EXPANDED_BASES) and value not in self.expanded:
            self.missed.add(value)
        # A bare word that ends exactly one expanded CBV/GS1 URI takes that URI (reference rule).
        widened = self._suffixes.get(value) if ":" not in value else None
        if widened:
            value = widened
        if self._value_ns and ":" in value:
            prefix, _, local = value.partition(":")
            if prefix in self._value_ns:
                return self._value_ns[prefix] + local
        return value

    def children(self, obj: Mapping[str, Any]) -> list[Node]:
        """Child elements of a JSON object; "…List" keys become wrapper elements."""
        kids: list[Node] = []
        groups: dict[str, list[Node]] = {}
        for raw_key, value in obj.items():
            if raw_key in _DROPPED_KEYS or raw_key.startswith("@xmlns"):
                continue
            name = self._key(raw_key)
            values = value if isinstance(value, list) else (value,)
            if name.endswith("List"):
                members = groups.setdefault(name, [])
                if name in _PAIR_LISTS:
                    members.extend(self._pair(item) for item in values)
                else:
                    element = name[:-4]
                    for item in values:
                        members.append(self.node(element, item))
            elif name == "childEPCs":
                members = groups.setdefault(name, [])
                members.extend(("epc", self.node("epc", item)[1], []) for item in values)
            else:
                kids.extend(self.node(name, item) for item in values)
        kids.extend((name, "", members) for name, members in groups.items())
        return kids

    def node(self, name: str, value: Any) -> Node:
        """One element named ``name`` holding a JSON value."""
        if isinstance(value, dict):
            kids = self.children(value)
            text = value.get("#text")
            if name == "quantity" and kids:
                name = "quantityElement"
            return (_RENAMED.get(name, name), text if isinstance(text, str) else "", kids)
        if isinstance(value, list):
            return (name, "", [self.node(_list_item_name(item), item) for item in value])
        return (_RENAMED.get(name, name), self._text(value), [])

    def _pair(self, value: Any) -> Node:
        # The reference keeps the first two children in document order; "type" first is the
        # order of every published example and of the XML binding, and makes key order moot.
        if not isinstance(value, dict):
            return (_PAIR, "", [self.node("", value)])
        kids = self.children(value)
        if _PAIR_VALUES.isdisjoint(value):
            kids.sort()
        else:
            kids.sort(key=lambda kid: kid[0] != "type")
        return (_PAIR, "", kids[:2])


def _list_item_name(item: Any) -> str:
    kind = item.get("type") if isinstance(item, dict) else None
    return kind if isinstance(kind, str) else ""


# --------------------------------------------------------------------------- pre-hash

_Order = tuple[tuple[str, "_Order | None", bool], ...]
"""(element name, order of its children or None for a leaf, is a timestamp)."""


def _order(*entries: str | tuple[str, _Order]) -> _Order:
    built: list[tuple[str, _Order | None, bool]] = []
    for entry in entries:
        name, sub = entry if isinstance(entry, tuple) else (entry, None)
        lowered = name.lower()
        built.append((name, sub, "time" in lowered and "offset" not in lowered))
    return tuple(built)


_QUANTITY: Final = _order(("quantityElement", _order("epcClass", "quantity", "uom")))
_EPCS: Final = _order("epc")
_SENSOR_ELEMENT: Final = _order(
    (
        "sensorMetadata",
        _order(
            "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
            "dataProcessingMethod", "bizRules",
        ),
    ),
    (
        "sensorReport",
        _order(
            "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
            "time", "microorganism", "chemicalSubstance", "value", "component", "stringValue",
            "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue",
            "sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem",
        ),
    ),
)  # fmt: skip
# bizTransactionList, sourceList and destinationList are absent on purpose: the reference lists
# them but its child order never matches their (type, value) pairs, so they always fall through
# to the trailing sorted section together with ilmd and extensions.
_EVENT_ORDER: Final = _order(
    "eventTime", "eventTimeZoneOffset", "certificationInfo", "parentID",
    ("epcList", _EPCS), ("inputEPCList", _EPCS), ("childEPCs", _EPCS),
    ("quantityList", _QUANTITY), ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY), ("outputEPCList", _EPCS), ("outputQuantityList", _QUANTITY),
    "action", "transformationID", "bizStep", "disposition",
    ("persistentDisposition", _order("set", "unset")),
    ("readPoint", _order("id")), ("bizLocation", _order("id")),
    ("sensorElementList", _order(("sensorElement", _SENSOR_ELEMENT))),
)  # fmt: skip
_NOT_HASHED: Final = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})


def _take_extensions(kids: list[Node]) -> list[Node]:
    """Pull out namespaced children of a nested element; they are appended after its fields."""
    if len(kids) <= 1 or any("eventTime" in k[0] or "action" in k[0] for k in kids):
        return []
    # Only "{…/}name" counts: a namespace URI without a final "/" stays behind (reference rule).
    taken = [k for k in kids if "{" in k[0] and "/}" in k[0]]
    if taken:
        kids[:] = [k for k in kids if not ("{" in k[0] and "/}" in k[0])]
    return taken


def _ordered(kids: list[Node], order: _Order) -> str:
    """Fields in algorithm order; consumed leaves are removed from ``kids``."""
    extensions = _take_extensions(kids)
    by_name: dict[str, list[Node]] = {}
    for kid in kids:
        by_name.setdefault(kid[0], []).append(kid)
    parts: list[str] = []
    consumed: set[int] = set()
    for name, sub, is_time in order:
        found = by_name.get(name)
        if not found:
            continue
        values = []
        for kid in found:
            text = _element(kid, sub, is_time)
            if text:
                values.append(text)
            if not kid[2]:
                consumed.add(id(kid))
        values.sort()
        parts.extend(values)
    if consumed:
        kids[:] = [kid for kid in kids if id(kid) not in consumed]
    if extensions:
        parts.append(_generic(extensions))
    return "".join(parts)


def _element(kid: Node, sub: _Order | None, is_time: bool) -> str:
    name, text, grandkids = kid
    nested = _ordered(grandkids, sub) if sub else ""
    text = text.strip()
    if text:
        text = _canonical_time(text) if is_time else _canonical_value(text)
        if text:
            text = "=" + text
    return name + text + nested if text or nested else ""


def _generic(kids: Iterable[Node]) -> str:
    """Everything the order does not name: name=value, children inline, siblings sorted."""
    parts: list[str] = []
    keep_order = False
    count = 0
    for name, text, grandkids in kids:
        count += 1
        if name == _PAIR:
            parts.append(_generic(grandkids))
            continue
        keep_order = keep_order or name in _PAIR_VALUES
        text = text.strip()
        parts.append(name + ("=" + _canonical_value(text) if text else "") + _generic(grandkids))
    # (type, value) pairs keep "type" first; every other sibling list is sorted.
    if count > 1 and not keep_order:
        parts.sort()
    return "".join(parts)


_TOP: Final = {name: (rank, sub, is_time) for rank, (name, sub, is_time) in enumerate(_EVENT_ORDER)}
_SKIPPED_KEYS: Final = _NOT_HASHED | _DROPPED_KEYS


def _is_flat(event: Mapping[str, Any]) -> bool:
    # Field-by-field rendering is exact when the top level has an eventTime/action element (so
    # the reference takes no top-level extensions) and no element named like a pair value.
    has_anchor = isinstance(event.get("eventTime"), str) or isinstance(event.get("action"), str)
    return has_anchor and _PAIR_VALUES.isdisjoint(event)


def _prehash_via_tree(builder: _TreeBuilder, event: Mapping[str, Any], head: str) -> str:
    kids = builder.children(event)
    body = _ordered(kids, _EVENT_ORDER)
    return head + body + _generic(kid for kid in kids if kid[0] not in _NOT_HASHED)


# --------------------------------------------------------------------------- fast path

_DIGITS: Final = "0123456789"


@lru_cache(maxsize=1 << 12)
def _utc_clock(clock_zone: str) -> tuple[int, str] | None:
    """("HH:MM" + zone) -> (days to add to the date, UTC "HH:MM"), None if it is no time."""
    try:
        moment = datetime.fromisoformat(f"2000-01-02T{clock_zone[:5]}:00{clock_zone[5:]}")
    except ValueError:
        return None
    utc = moment.astimezone(UTC)
    return utc.day - 2, utc.isoformat()[11:16]


@lru_cache(maxsize=1 << 12)
def _utc_date(date: str, days: int) -> str | None:
    """The ISO date ``days`` after ``date``, None if it is no date or out of range."""
    try:
        moment = datetime.fromisoformat(date + "T12:00:00+00:00") + timedelta(days=days)
    except (ValueError, OverflowError):
        return None
    return moment.isoformat()[:10]


def _fast_time(text: str) -> str | None:
    """``_canonical_time(text)`` for "YYYY-MM-DDTHH:MM:SS(.f{1,6})(Z|±hh:mm)", else None."""
    if text[-1:] == "Z":
        core, zone = text[:-1], "Z"
    elif text[-6:-5] in ("+", "-"):
        core, zone = text[:-6], text[-6:]
    else:
        return None
    if len(core) < 19 or core[4] + core[7] + core[10] + core[13] + core[16] != "--T::":
        return None
    if core[17] not in "012345" or core[18] not in _DIGITS or not text.isascii():
        return None
    fraction = core[20:]
    if len(core) == 19:
        millis = "000"
    elif core[19] != "." or not 0 < len(fraction) <= 6 or not fraction.isdigit():
        return None
    elif len(fraction) <= 3:
        millis = fraction + "00"[: 3 - len(fraction)]
    else:
        rounded = round(int(fraction + "00"[: 6 - len(fraction)]), -3)
        if rounded == 1_000_000:
            return None
        millis = f"{rounded // 1000:03d}"
    shift = _utc_clock(core[11:16] + zone)
    date = _utc_date(core[:10], shift[0]) if shift else None
    return f"{date}T{shift[1]}{core[16:19]}.{millis}Z" if shift and date else None


_OLD_CBV: Final = "urn:epcglobal:cbv:"
_BT_URN: Final = _OLD_CBV + "bt:"
_TREE_ONLY: Final = "\x00tree"  # a nested key that only the element tree renders right
_SERIALISED: Final = ("urn:epc:id:sgtin:", "urn:epc:id:sscc:")
_BATCH_FROM: Final = 4  # shorter EPC lists are quicker one by one
_EXACT_INT: Final = 1 << 53  # ints up to here survive the reference's float round trip
_LEAF_FIELDS: Final = frozenset(
    {"eventTimeZoneOffset", "certificationInfo", "parentID", "action", "transformationID",
     "bizStep", "disposition"}
)  # fmt: skip
_EPC_FIELDS: Final = frozenset({"epcList", "inputEPCList", "outputEPCList", "childEPCs"})
_QUANTITY_FIELDS: Final = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
_QUANTITY_KEYS: Final = frozenset({"epcClass", "quantity", "uom"})
_PAIR_VALUE_OF: Final = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
# Element names the element tree treats specially (renamed, grouped, kept in order).
_NESTED_ODD: Final = frozenset({*_PAIR_VALUES, *_RENAMED, "childEPCs", "quantity"})
_TOP_ODD: Final = _NESTED_ODD | _TOP.keys() | _NOT_HASHED


def _field_ranks(order: _Order) -> dict[str, tuple[int, bool]]:
    return {name: (rank, is_time) for rank, (name, sub, is_time) in enumerate(order) if not sub}


_QUANTITY_RANKS: Final = _field_ranks(_QUANTITY[0][1] or ())
_METADATA_RANKS: Final = _field_ranks(_SENSOR_ELEMENT[0][1] or ())
_REPORT_RANKS: Final = _field_ranks(_SENSOR_ELEMENT[1][1] or ())
_SENSOR_PARTS: Final = frozenset({"sensorMetadata", "sensorReport"})
_CACHE_SIZE: Final = 1 << 12  # entries per cache of one context (at most 64 contexts)


class _Context:
    """What the rendering of values depends on (namespaces, expansions), with caches."""

    __slots__ = (
        "children", "expanded", "key_ns", "names", "suffixes", "urn", "value_ns", "values",
    )  # fmt: skip

    def __init__(self, pairs: tuple[tuple[str, str], ...], expanded: frozenset[str]) -> None:
        self.key_ns, self.value_ns = _namespace_maps(pairs)
        self.expanded = expanded
        self.suffixes = _suffix_index(expanded) if expanded else {}
        self.urn = "urn" not in self.value_ns  # EPC URNs are then taken as they are
        self.values: dict[str, str] = {}  # canonical text of string values (no missed URIs)
        self.names: dict[str, str] = {}  # element names of JSON keys
        self.children: dict[str, str] = {}  # the same for nested keys (see _child_name)


_context: Final = lru_cache(maxsize=64)(_Context)


class _FastEvent:
    """Pre-hash of a flat event (see ``_is_flat``) field by field, without the element tree.

    Each handler returns False when a value has an unusual shape; that field then goes
    through the element tree, which is exact in every case.
    """

    __slots__ = ("_builder", "_ctx", "_expanded", "_namespaces", "ordered", "rest")

    def __init__(self, namespaces: Mapping[str, str], expanded: set[str], ctx: _Context) -> None:
        self._namespaces, self._expanded, self._ctx = namespaces, expanded, ctx
        self._builder: _TreeBuilder | None = None
        self.ordered: list[tuple[int, str]] = []
        self.rest: list[str] = []

    def builder(self) -> _TreeBuilder:
        """The element-tree builder, made on first use; it records missed CBV/GS1 URIs."""
        if self._builder is None:
            ctx = self._ctx
            builder = self._builder = _TreeBuilder.__new__(_TreeBuilder)
            builder._key_ns, builder._value_ns = ctx.key_ns, ctx.value_ns
            builder._suffixes, builder.expanded = ctx.suffixes, self._expanded
            builder.missed = set()
        return self._builder

    def canon(self, value: Any) -> str:
        """A leaf value as the element tree renders it: ``_text``, strip, value rules."""
        if type(value) is str:
            known = self._ctx.values.get(value)
            if known is not None:
                return known
            if self._ctx.urn and value.startswith("urn:epc"):
                fast = self._urn_value(value)
                if fast:
                    return fast
        elif type(value) is int and -_EXACT_INT < value < _EXACT_INT:
            return str(value)
        text = self.builder()._text(value).strip()
        text = _canonical_value(text) if text else ""
        if type(value) is str and not value.startswith(_EXPANDED_BASES):
            self._remember(value, text)
        return text

    def _urn_value(self, value: str) -> str | None:
        """Usual EPC URNs and business transaction URNs, None for any other text."""
        if value.startswith("urn:epc:"):
            fast = fast_epc(value)
            if fast and not value.startswith(_SERIALISED):  # these are rarely seen twice
                self._remember(value, fast)
            return fast
        if value.startswith(_BT_URN) and value.count(_OLD_CBV) == 1:
            return value.rstrip()  # no value rule touches these (not cached: unique)
        return None

    def _remember(self, value: str, text: str) -> None:
        values = self._ctx.values
        if len(values) >= _CACHE_SIZE:
            values.clear()
        values[value] = text

    def time(self, value: Any) -> str:
        """A timestamp as the element tree renders it."""
        if type(value) is str and value[:13] not in self._ctx.value_ns:
            fast = _fast_time(value)
            if fast:
                return fast
        text = self.builder()._text(value).strip()
        return _canonical_time(text) if text else ""

    def name(self, key: str) -> str:
        """The element name of a JSON key."""
        name = self._ctx.names.get(key)
        if name is None:
            name = self.builder()._key(key)
            if len(self._ctx.names) < _CACHE_SIZE:
                self._ctx.names[key] = name
        return name

    def _leaf(self, key: str, value: Any) -> bool:
        if not isinstance(value, str | int | float):
            return False
        text = self.canon(value)
        if text:
            self.ordered.append((_TOP[key][0], f"{key}={text}"))
        return True

    def _event_time(self, key: str, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        text = self.time(value)
        if text:
            self.ordered.append((0, "eventTime=" + text))
        return True

    def _epcs(self, key: str, values: Any) -> bool:
        if not isinstance(values, list):
            return False
        batch = sgtin_batch(values) if len(values) >= _BATCH_FROM and self._ctx.urn else None
        if batch:
            lead, serials = batch
            serials.sort()
            self.ordered.append((_TOP[key][0], f"{key}epc={lead}" + f"epc={lead}".join(serials)))
            return True
        links = fast_epc_list(values, self._ctx.urn)
        if links is None:
            return False
        epcs = ["epc=" + (t or self.canon(v)) for t, v in zip(links, values, strict=True)]
        if "epc=" in epcs:
            epcs = [t for t in epcs if t != "epc="]
        if epcs:
            epcs.sort()
            self.ordered.append((_TOP[key][0], key + "".join(epcs)))
        return True

    def _quantities(self, key: str, values: Any) -> bool:
        if not isinstance(values, list):
            return False
        elements = []
        for item in values:
            if not isinstance(item, dict) or not item or not _QUANTITY_KEYS.issuperset(item):
                return False
            fields = self._fields(item, _QUANTITY_RANKS)
            if fields is None:
                return False
            if fields:
                elements.append("quantityElement" + fields)
        if elements:
            elements.sort()
            self.ordered.append((_TOP[key][0], key + "".join(elements)))
        return True

    def _fields(self, item: dict[str, Any], ranks: dict[str, tuple[int, bool]]) -> str | None:
        """``_ordered`` of one object's leaves named in ``ranks``; None for anything else."""
        parts = []
        for key, value in item.items():
            entry = ranks.get(key)
            if entry is None or isinstance(value, dict | list):
                return None
            text = self.time(value) if entry[1] else self.canon(value)
            if text:
                parts.append((entry[0], f"{key}={text}"))
        if len(parts) > 1:
            parts.sort()
        return "".join([text for _, text in parts])

    def _sensors(self, key: str, values: Any) -> bool:
        if not isinstance(values, list):
            return False
        elements = []
        for element in values:
            if not isinstance(element, dict) or not _SENSOR_PARTS.issuperset(element):
                return False
            metadata = element.get("sensorMetadata", {})
            fields = self._fields(metadata, _METADATA_RANKS) if type(metadata) is dict else None
            if fields is None:
                return False
            parts = ["sensorMetadata" + fields] if fields else []
            reports = []
            for report in _items(element.get("sensorReport", [])):
                fields = self._fields(report, _REPORT_RANKS) if type(report) is dict else None
                if fields is None:
                    return False
                if fields:
                    reports.append("sensorReport" + fields)
            reports.sort()
            parts.extend(reports)
            if parts:
                elements.append("sensorElement" + "".join(parts))
        if elements:
            elements.sort()
            self.ordered.append((_TOP[key][0], key + "".join(elements)))
        return True

    def _pairs(self, key: str, values: Any) -> bool:
        value_key = _PAIR_VALUE_OF[key]
        if not isinstance(values, list) or not all(
            type(v) is dict and len(v) == 2 and "type" in v and value_key in v for v in values
        ):
            return False
        pairs = []
        for item in values:
            kind, value = self.canon(item["type"]), self.canon(item[value_key])
            pairs.append(
                ("type=" + kind if kind else "type")
                + (f"{value_key}={value}" if value else value_key)
            )
        if pairs:
            pairs.sort()
            self.rest.append(key + "".join(pairs))
        return True

    def _location(self, key: str, value: Any) -> bool:
        if type(value) is not dict or len(value) != 1 or type(value.get("id")) is not str:
            return False
        text = self.canon(value["id"])
        if text:
            self.ordered.append((_TOP[key][0], f"{key}id={text}"))
        return True

    def _other(self, key: str, value: Any) -> bool:
        """ILMD and extension fields: one trailing entry per value."""
        name = self.name(key)
        if name in _TOP_ODD or name.endswith("List"):
            return False
        rendered = [self._render(name, item) for item in _items(value)]
        if None in rendered:
            return False
        self.rest.extend(cast(list[str], rendered))
        return True

    def _render(self, name: str, value: Any) -> str | None:
        """``_generic`` of the element ``node(name, value)``, None for unusual shapes."""
        if isinstance(value, list):
            return None
        if not isinstance(value, dict):
            text = self.canon(value)
            return f"{name}={text}" if text else name
        parts: list[str] = []
        known = self._ctx.children
        for raw_key, child in value.items():
            child_name = known.get(raw_key) or self._child_name(raw_key)
            if child_name is _TREE_ONLY:
                return None
            if not child_name:
                continue
            for item in child if isinstance(child, list) else (child,):
                if not isinstance(item, dict | list):  # a leaf, the usual case
                    text = self.canon(item)
                    parts.append(f"{child_name}={text}" if text else child_name)
                    continue
                part = self._render(child_name, item)
                if part is None:
                    return None
                parts.append(part)
        if len(parts) > 1:
            parts.sort()
        return name + "".join(parts)

    def _child_name(self, key: str) -> str:
        """Element name of a nested JSON key: "" if dropped, ``_TREE_ONLY`` if treated apart."""
        if key == "#text":  # the text of the enclosing element
            name = _TREE_ONLY
        elif key in _DROPPED_KEYS or key.startswith("@xmlns"):
            name = ""
        else:
            name = self.builder()._key(key)
            if name in _NESTED_ODD or name.endswith("List"):
                name = _TREE_ONLY
        if len(self._ctx.children) < _CACHE_SIZE:
            self._ctx.children[key] = name
        return name

    def _tree(self, key: str, value: Any) -> None:
        by_name: dict[str, list[Node]] = {}
        for kid in self.builder().children({key: value}):
            by_name.setdefault(kid[0], []).append(kid)
        for name, kids in by_name.items():
            entry = _TOP.get(name)
            if entry:
                rank, sub, is_time = entry
                texts = [t for t in (_element(kid, sub, is_time) for kid in kids) if t]
                self.ordered.extend((rank, text) for text in texts)
                kids = [kid for kid in kids if kid[2]]  # partly consumed: the rest trails
            if name not in _NOT_HASHED:
                self.rest.extend(_generic((kid,)) for kid in kids)

    def prehash(self, head: str) -> str:
        """Join the parts: algorithm order first, then everything else sorted."""
        self.ordered.sort()
        self.rest.sort()
        return head + "".join([text for _, text in self.ordered]) + "".join(self.rest)

    def missed(self) -> set[str]:
        """CBV/GS1 URIs met outside the vocabulary fields (then the tree must redo it all)."""
        return self._builder.missed if self._builder is not None else set()


def _items(value: Any) -> list[Any] | tuple[Any]:
    return value if isinstance(value, list) else (value,)


_Handler = Callable[[_FastEvent, str, Any], bool]
_HANDLERS: Final[dict[str, _Handler]] = {
    "eventTime": _FastEvent._event_time,
    "readPoint": _FastEvent._location,
    "bizLocation": _FastEvent._location,
    "sensorElementList": _FastEvent._sensors,
    **dict.fromkeys(_LEAF_FIELDS, _FastEvent._leaf),
    **dict.fromkeys(_EPC_FIELDS, _FastEvent._epcs),
    **dict.fromkeys(_QUANTITY_FIELDS, _FastEvent._quantities),
    **dict.fromkeys(_PAIR_LISTS, _FastEvent._pairs),
}


def _fast_prehash(event: Mapping[str, Any], namespaces: Mapping[str, str], head: str) -> str:
    """The pre-hash of a flat event; the element tree redoes it if a CBV URI was missed."""
    expanded = _vocabulary_expansions(event)
    ctx = _context(tuple(namespaces.items()), frozenset(expanded))
    fast = _FastEvent(namespaces, expanded, ctx)
    handlers, other = _HANDLERS, _FastEvent._other
    for key, value in event.items():
        if key in _SKIPPED_KEYS or key.startswith("@xmlns"):
            continue
        if not handlers.get(key, other)(fast, key, value):
            fast._tree(key, value)
    missed = fast.missed()
    if not missed:
        return fast.prehash(head)
    return _prehash_via_tree(_TreeBuilder(namespaces, expanded | missed), event, head)


def _prehash(event: Mapping[str, Any], namespaces: Mapping[str, str] | None, fast: bool) -> str:
    if type(event) is not dict and not isinstance(event, Mapping):
        raise EventHashError("an EPCIS event must be a JSON object")
    kind = event.get("type")
    head = "eventType=" + (kind if isinstance(kind, str) else "")
    namespaces = namespaces or {}
    flat = _is_flat(event)
    if flat and fast:
        return _fast_prehash(event, namespaces, head)
    expanded = _vocabulary_expansions(event)
    builder = _TreeBuilder(namespaces, expanded)
    # In a flat event, an empty top-level pair list leaves no trace (as in the reference) and
    # fields that are not hashed cannot call for a second pass.
    kept = {
        k: v
        for k, v in event.items()
        if k not in _SKIPPED_KEYS and not (k in _PAIR_LISTS and v == [])
    }
    result = _prehash_via_tree(builder, kept if flat else event, head)
    if builder.missed:
        # CBV/GS1 URIs outside the vocabulary fields also feed the bare-word rule; rare enough
        # to pay for a second pass instead of a pre-scan of every event.
        builder = _TreeBuilder(namespaces, expanded | builder.missed)
        result = _prehash_via_tree(builder, event, head)
    return result


def prehash_string(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    """The pre-hash string of one JSON-binding event (``namespaces``: prefix -> URI)."""
    return _prehash(event, namespaces, fast=True)


def general_prehash_string(
    event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None
) -> str:
    """:func:`prehash_string` without the fast path: the element tree for every field."""
    return _prehash(event, namespaces, fast=False)


def event_hash(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    """The CBV 2.0 event hash ``ni:///sha-256;<hex>?ver=CBV2.0`` of one JSON-binding event."""
    digest = hashlib.sha256(_prehash(event, namespaces, fast=True).encode()).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"
