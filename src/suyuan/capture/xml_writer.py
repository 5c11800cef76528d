"""Write canonical events as an EPCIS 2.0 XML document, streaming one event at a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, BinaryIO, Final

from lxml import etree

from suyuan.capture import cbv
from suyuan.capture.cbv import Vocabulary
from suyuan.capture.model import (
    DocumentError,
    DocumentHeader,
    DocumentKind,
    Event,
    ParsedEvent,
)

EPCIS: Final = "urn:epcglobal:epcis:xsd:2"
EPCISQ: Final = "urn:epcglobal:epcis-query:xsd:2"
SBDH: Final = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_RESERVED: Final = frozenset({"epcis", "epcisq", "sbdh", "xsi", "xml"})

_COMMON: Final = (
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "errorDeclaration",
    "certificationInfo",
)
_TAIL: Final = (
    "sourceList",
    "destinationList",
    "sensorElementList",
    "persistentDisposition",
)
_WHAT_WHERE: Final = ("bizStep", "disposition", "readPoint", "bizLocation")
FIELD_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "ObjectEvent": (
        *_COMMON,
        "epcList",
        "action",
        *_WHAT_WHERE,
        "bizTransactionList",
        "quantityList",
        *_TAIL,
        "ilmd",
    ),
    "AggregationEvent": (
        *_COMMON,
        "parentID",
        "childEPCs",
        "action",
        *_WHAT_WHERE,
        "bizTransactionList",
        "childQuantityList",
        *_TAIL,
    ),
    "TransactionEvent": (
        *_COMMON,
        "bizTransactionList",
        "parentID",
        "epcList",
        "action",
        *_WHAT_WHERE,
        "quantityList",
        *_TAIL,
    ),
    "TransformationEvent": (
        *_COMMON,
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        *_WHAT_WHERE,
        "bizTransactionList",
        *_TAIL,
        "ilmd",
    ),
    "AssociationEvent": (
        *_COMMON,
        "parentID",
        "childEPCs",
        "childQuantityList",
        "action",
        *_WHAT_WHERE,
        "bizTransactionList",
        *_TAIL,
    ),
}
_VOCAB_ATTRS: Final = {
    "type": Vocabulary.MEASUREMENT_TYPE,
    "exception": Vocabulary.SENSOR_ALERT_TYPE,
    "component": Vocabulary.COMPONENT,
}


def write_xml_document(
    events: Iterable[ParsedEvent | Event],
    header: DocumentHeader | None,
    out: BinaryIO,
    *,
    query_name: str | None = None,
) -> int:
    """Stream an EPCIS 2.0 XML EPCISDocument (or EPCISQueryDocument) to ``out``.

    Returns the number of events written.
    """
    header = header or DocumentHeader()
    is_query = query_name is not None or header.kind is DocumentKind.QUERY_DOCUMENT
    nsmap = _root_nsmap(header, is_query)
    attrib = {"schemaVersion": "2.0", "creationDate": header.creation_date or _now()}
    root_tag = f"{{{EPCISQ}}}EPCISQueryDocument" if is_query else f"{{{EPCIS}}}EPCISDocument"
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(root_tag, attrib, nsmap=nsmap):
            epcis_header = _epcis_header(header, nsmap)
            if epcis_header is not None:
                xf.write(epcis_header)
            with xf.element("EPCISBody"):
                if is_query:
                    with xf.element(f"{{{EPCISQ}}}QueryResults"):
                        xf.write(_text_element("queryName", query_name or header.query_name))
                        if header.subscription_id:
                            xf.write(_text_element("subscriptionID", header.subscription_id))
                        with xf.element("resultsBody"), xf.element("EventList"):
                            count = _write_events(xf, events, nsmap)
                else:
                    with xf.element("EventList"):
                        count = _write_events(xf, events, nsmap)
    return count


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _root_nsmap(header: DocumentHeader, is_query: bool) -> dict[str | None, str]:
    nsmap: dict[str | None, str] = {
        p: uri for p, uri in sorted(header.namespaces.items()) if p not in _RESERVED
    }
    nsmap["epcis"] = EPCIS
    nsmap["xsi"] = XSI
    if is_query:
        nsmap["epcisq"] = EPCISQ
    return nsmap


def _write_events(xf: Any, events: Iterable[ParsedEvent | Event], nsmap: Any) -> int:
    count = 0
    for item in events:
        if isinstance(item, ParsedEvent):
            event, namespaces, index = item.event, item.namespaces, item.index
        else:
            event, namespaces, index = item, {}, count
        xf.write(event_element(event, namespaces, nsmap, index=index))
        count += 1
    return count


def event_element(
    event: Event, namespaces: dict[str, str], root_nsmap: Any, *, index: int = 0
) -> Any:
    """Build the XML element of one canonical event (EPCIS 2.0 field order)."""
    kind = event.get("type")
    if kind not in FIELD_ORDER:
        raise DocumentError(
            f"event {index}: type {kind!r} cannot be written as EPCIS 2.0 XML",
            rule="type",
            index=index,
        )
    names = _Namer(namespaces, root_nsmap)
    elem = etree.Element(kind, nsmap=names.local_nsmap())
    order = FIELD_ORDER[kind]
    for name in order:
        if name in event:
            try:
                _standard(elem, name, event[name], names)
            except (AttributeError, TypeError) as exc:
                raise DocumentError(
                    f"event {index}: {name} has the wrong shape for XML ({exc})",
                    rule="type",
                    index=index,
                ) from exc
    for key, value in event.items():
        if key not in order and key != "type":
            _extension(elem, key, value, names)
    return elem


class _Namer:
    """Turns ``prefix:local`` keys into qualified XML names."""

    def __init__(self, namespaces: dict[str, str], root_nsmap: Any) -> None:
        self.namespaces = namespaces
        self.root = root_nsmap

    def local_nsmap(self) -> dict[str | None, str]:
        """Declare the event's own prefixes on its element (or the root's, if it has none).

        lxml's incremental writer cannot see the root's declarations from a separately
        built element, so each event re-declares the prefixes it uses.
        """
        source = self.namespaces or {p: u for p, u in self.root.items() if p}
        return {p: uri for p, uri in source.items() if p not in _RESERVED}

    def tag(self, key: str) -> str:
        prefix, sep, local = key.partition(":")
        if not sep:
            return key
        uri = self.namespaces.get(prefix) or self.root.get(prefix)
        if uri is None:
            uri = f"urn:x-undeclared-prefix:{prefix}"
        return f"{{{uri}}}{local}"


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _text_element(tag: str, text: str | None) -> Any:
    elem = etree.Element(tag)
    elem.text = text or ""
    return elem


def lexical(value: Any) -> str:
    """Write a JSON scalar in XML lexical form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return format(value, "f") if "e" in text else text
    if value is None:
        return ""
    return str(value)


def _standard(elem: Any, name: str, value: Any, names: _Namer) -> None:  # noqa: C901
    if name in ("bizStep", "disposition"):
        vocab = Vocabulary.BIZ_STEP if name == "bizStep" else Vocabulary.DISPOSITION
        _sub(elem, name, cbv.to_xml_form(vocab, str(value)))
    elif name in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        container = _sub(elem, name)
        for epc in value:
            _sub(container, "epc", str(epc))
    elif name.endswith("QuantityList") or name == "quantityList":
        _quantity_list(_sub(elem, name), value)
    elif name in ("readPoint", "bizLocation", "ilmd"):
        _object(_sub(elem, name), value, names)
    elif name == "bizTransactionList":
        _typed_list(_sub(elem, name), value, "bizTransaction", Vocabulary.BIZ_TRANSACTION_TYPE)
    elif name in ("sourceList", "destinationList"):
        tag = name[: -len("List")]
        _typed_list(_sub(elem, name), value, tag, Vocabulary.SOURCE_DESTINATION_TYPE)
    elif name == "sensorElementList":
        container = _sub(elem, name)
        for sensor in value:
            _sensor_element(_sub(container, "sensorElement"), sensor, names)
    elif name == "persistentDisposition":
        container = _sub(elem, name)
        for key in ("unset", "set"):
            for word in value.get(key, []):
                _sub(container, key, cbv.to_xml_form(Vocabulary.DISPOSITION, word))
    elif name == "errorDeclaration":
        _error_declaration(_sub(elem, name), value, names)
    else:
        _sub(elem, name, lexical(value))


def _object(elem: Any, value: dict[str, Any], names: _Namer) -> None:
    """Write ``id`` first (readPoint, bizLocation) then the extension fields."""
    if "id" in value:
        _sub(elem, "id", str(value["id"]))
    for key, inner in value.items():
        if key != "id":
            _extension(elem, key, inner, names)


def _quantity_list(elem: Any, items: list[dict[str, Any]]) -> None:
    for item in items:
        qe = _sub(elem, "quantityElement")
        _sub(qe, "epcClass", str(item.get("epcClass", "")))
        if "quantity" in item:
            _sub(qe, "quantity", lexical(item["quantity"]))
            if "uom" in item:
                _sub(qe, "uom", str(item["uom"]))


def _typed_list(elem: Any, items: list[dict[str, Any]], tag: str, vocab: Vocabulary) -> None:
    for item in items:
        child = _sub(elem, tag, str(item.get(tag, "")))
        if "type" in item:
            child.set("type", cbv.to_xml_form(vocab, str(item["type"])))


def _sensor_element(elem: Any, value: dict[str, Any], names: _Namer) -> None:
    if "sensorMetadata" in value:
        _sensor_attributes(_sub(elem, "sensorMetadata"), value["sensorMetadata"], names)
    for report in value.get("sensorReport", []):
        _sensor_attributes(_sub(elem, "sensorReport"), report, names)
    for key, inner in value.items():
        if key not in ("sensorMetadata", "sensorReport"):
            _extension(elem, key, inner, names)


def _sensor_attributes(elem: Any, attrs: dict[str, Any], names: _Namer) -> None:
    for key, value in attrs.items():
        if key in _VOCAB_ATTRS:
            elem.set(key, cbv.to_xml_form(_VOCAB_ATTRS[key], str(value)))
        else:
            elem.set(names.tag(key), lexical(value))


def _error_declaration(elem: Any, value: dict[str, Any], names: _Namer) -> None:
    _sub(elem, "declarationTime", str(value.get("declarationTime", "")))
    if "reason" in value:
        _sub(elem, "reason", cbv.to_xml_form(Vocabulary.ERROR_REASON, str(value["reason"])))
    if "correctiveEventIDs" in value:
        container = _sub(elem, "correctiveEventIDs")
        for event_id in value["correctiveEventIDs"]:
            _sub(container, "correctiveEventID", str(event_id))
    for key, inner in value.items():
        if key not in ("declarationTime", "reason", "correctiveEventIDs"):
            _extension(elem, key, inner, names)


def _extension(parent: Any, key: str, value: Any, names: _Namer) -> None:
    """Write an extension field: lists repeat the element, dicts nest (see model.py)."""
    if isinstance(value, list):
        for item in value:
            _extension(parent, key, item, names)
        return
    child = etree.SubElement(parent, names.tag(key))
    if not isinstance(value, dict):
        child.text = lexical(value)
        return
    for inner_key, inner in value.items():
        if inner_key == "#text":
            child.text = lexical(inner)
        elif inner_key.startswith("@"):
            child.set(names.tag(inner_key[1:]), lexical(inner))
        else:
            _extension(child, inner_key, inner, names)


def _epcis_header(header: DocumentHeader, nsmap: Any) -> Any:
    if not (header.sender or header.receiver or header.master_data is not None):
        return None
    elem = etree.Element("EPCISHeader")
    if header.sender or header.receiver:
        _sbdh(elem, header)
    if header.master_data is not None:
        master = _sub(_sub(elem, "extension"), "EPCISMasterData")
        _vocabulary_list(_sub(master, "VocabularyList"), header.master_data, nsmap)
    return elem


def _sbdh(parent: Any, header: DocumentHeader) -> None:
    def q(local: str) -> str:
        return f"{{{SBDH}}}{local}"

    sbdh = etree.SubElement(parent, q("StandardBusinessDocumentHeader"), nsmap={"sbdh": SBDH})
    _sub(sbdh, q("HeaderVersion"), "1.0")
    for role, value in (("Sender", header.sender), ("Receiver", header.receiver)):
        if value:
            _sub(_sub(sbdh, q(role)), q("Identifier"), value)
    ident = _sub(sbdh, q("DocumentIdentification"))
    _sub(ident, q("Standard"), "EPCglobal")
    _sub(ident, q("TypeVersion"), "2.0")
    _sub(ident, q("InstanceIdentifier"), str(header.extra.get("instanceIdentifier", "1")))
    _sub(ident, q("Type"), "Events")
    _sub(ident, q("CreationDateAndTime"), header.creation_date or _now())


def _vocabulary_list(elem: Any, vocabularies: list[dict[str, Any]], nsmap: Any) -> None:
    names = _Namer({}, nsmap)
    for vocabulary in vocabularies:
        voc = _sub(elem, "Vocabulary")
        voc.set("type", str(vocabulary.get("type", "")))
        items = _sub(voc, "VocabularyElementList")
        for element in vocabulary.get("vocabularyElementList", []):
            item = _sub(items, "VocabularyElement")
            item.set("id", str(element.get("id", "")))
            for attribute in element.get("attributes", []):
                attr = _sub(item, "attribute")
                attr.set("id", str(attribute.get("id", "")))
                value = attribute.get("attribute")
                if isinstance(value, dict):
                    for key, inner in value.items():
                        _extension(attr, key, inner, names)
                else:
                    attr.text = lexical(value)
            if "children" in element:
                children = _sub(item, "children")
                for child in element["children"]:
                    _sub(children, "id", str(child))
