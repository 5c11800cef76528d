"""Read EPCIS 2.0 and 1.2 XML documents into canonical events, streaming and safely.

Parsing uses ``lxml.etree.iterparse`` with entity resolution, DTD loading and network
access switched off; each event element is converted when it ends and then removed, so
memory stays flat. A DOCTYPE with an internal subset (``[...]``, where entities are
declared) or an external identifier (``SYSTEM``/``PUBLIC``) is refused before parsing.
A bare ``<!DOCTYPE name>`` declares nothing and is tolerated, because several GS1
example documents carry one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from lxml import etree

from suyuan.capture import cbv
from suyuan.capture.cbv import Vocabulary
from suyuan.capture.limits import (
    CountingReader,
    Limits,
    check_event_count,
    ensure_seekable,
    inspect_event,
)
from suyuan.capture.model import (
    DocumentError,
    DocumentHeader,
    DocumentKind,
    Event,
    LimitExceeded,
    NotAnEventDocument,
    ParsedEvent,
    SourceFormat,
    UnsafeXml,
)

EPCIS_NS: Final = {"urn:epcglobal:epcis:xsd:2": "2.0", "urn:epcglobal:epcis:xsd:1": "1.2"}
QUERY_NS: Final = {
    "urn:epcglobal:epcis-query:xsd:2": "2.0",
    "urn:epcglobal:epcis-query:xsd:1": "1.2",
}
SBDH_NS: Final = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
_XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
_EVENT_TAGS: Final = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
        "QuantityEvent",
    }
)
_WRAPPERS: Final = frozenset({"extension", "baseExtension"})
_PROLOG_BYTES: Final = 1 << 16
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[^\s>\[]+\s*([^>]*)>?", re.IGNORECASE)


def read_xml(source: BinaryIO, *, limits: Limits) -> tuple[DocumentHeader, Iterator[ParsedEvent]]:
    """Read the header of an EPCIS XML document and return it with an iterator of events."""
    source = ensure_seekable(source, limits)
    _refuse_unsafe_prolog(source)
    stream = _stream(CountingReader(source, limits.max_document_bytes), limits)
    header = next(stream)
    assert isinstance(header, DocumentHeader)
    return header, stream  # type: ignore[return-value]


def _refuse_unsafe_prolog(source: BinaryIO) -> None:
    """Refuse DTD internal subsets, external identifiers and entity declarations."""
    start = source.tell()
    head = source.read(_PROLOG_BYTES)
    source.seek(start)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="replace").encode()
    if b"<!ENTITY" in head.upper():
        raise UnsafeXml("XML entity declarations are not allowed", rule="xml_entity")
    match = _DOCTYPE.search(head)
    if match is None:
        return
    rest = match.group(1).strip()
    if rest or not match.group(0).endswith(b">"):
        raise UnsafeXml(
            "XML DOCTYPE with an internal subset or external identifier is not allowed "
            "(DTDs and entities are refused for safety)",
            rule="xml_doctype",
        )


def _parser(reader: CountingReader) -> Any:
    return etree.iterparse(
        reader,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )


def _stream(reader: CountingReader, limits: Limits) -> Iterator[DocumentHeader | ParsedEvent]:
    """Yield the header (once EventList starts), then each event as its element ends."""
    state = _State(limits)
    try:
        for action, elem in _parser(reader):
            if action == "start":
                yield from state.start(elem)
            else:
                yield from state.end(elem)
    except etree.XMLSyntaxError as exc:
        raise state.syntax_error(exc) from exc
    if state.header is not None and not state.header_sent:
        yield state.header


class _State:
    """The walk through one XML document."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.header: DocumentHeader | None = None
        self.header_sent = False
        self.format = SourceFormat.XML
        self.event_list: Any = None
        self.current: Any = None
        self.current_depth = 0
        self.depth = 0
        self.index = 0
        self.line = 0

    def start(self, elem: Any) -> Iterator[DocumentHeader]:
        self.depth += 1
        if self.header is None:
            self.header = self._root(elem)
            return
        local = _local(elem.tag)
        if self.current is not None:
            if (
                self.limits.max_depth
                and self.depth - self.current_depth > 2 * self.limits.max_depth
            ):
                raise LimitExceeded(
                    f"event {self.index} (line {self.line}): nesting is deeper than the limit "
                    f"of {self.limits.max_depth}",
                    rule="max_depth",
                    index=self.index,
                    location=f"line {self.line}",
                )
            return
        if local == "EventList" and self.event_list is None:
            self.event_list = elem
            self.header_sent = True
            yield self.header
        elif self.event_list is not None and local in _EVENT_TAGS and self._in_list(elem):
            self.current = elem
            self.current_depth = self.depth
            self.line = elem.sourceline or 0

    def _in_list(self, elem: Any) -> bool:
        parent = elem.getparent()
        if parent is self.event_list:
            return True
        return _local(parent.tag) == "extension" and parent.getparent() is self.event_list

    def end(self, elem: Any) -> Iterator[ParsedEvent]:
        self.depth -= 1
        if elem is self.current:
            yield self._event(elem)
            self.current = None
            _drop(elem)
            return
        if self.current is not None or self.header is None:
            return
        local = _local(elem.tag)
        if local == "EPCISHeader":
            read_epcis_header(elem, self.header)
            _drop(elem)
        elif local in ("queryName", "subscriptionID") and self.event_list is None:
            text = (elem.text or "").strip()
            if local == "queryName":
                self.header.query_name = text
            else:
                self.header.subscription_id = text
        elif elem.getparent() is self.event_list and self.event_list is not None:
            _drop(elem)

    def _root(self, elem: Any) -> DocumentHeader:
        namespace, local = _split(elem.tag)
        _refuse_doctype(elem)
        if local == "EPCISDocument" and namespace in EPCIS_NS:
            kind, version = DocumentKind.DOCUMENT, EPCIS_NS[namespace]
        elif local == "EPCISQueryDocument" and namespace in QUERY_NS:
            kind, version = DocumentKind.QUERY_DOCUMENT, QUERY_NS[namespace]
        else:
            raise NotAnEventDocument(
                f"XML root element {local!r} ({namespace or 'no namespace'}) is not an "
                "EPCISDocument or EPCISQueryDocument",
                rule="document_type",
            )
        if version == "1.2":
            self.format = SourceFormat.XML_1_2
        header = DocumentHeader(kind=kind)
        header.schema_version = elem.get("schemaVersion") or version
        header.creation_date = elem.get("creationDate")
        header.namespaces = {p: uri for p, uri in elem.nsmap.items() if p}
        return header

    def _event(self, elem: Any) -> ParsedEvent:
        location = f"line {self.line}"
        check_event_count(self.index + 1, self.limits.max_events, location=location)
        names = _Names()
        event = convert_event(elem, names)
        inspect_event(event, self.limits, index=self.index, location=location)
        parsed = ParsedEvent(
            index=self.index,
            event=event,
            namespaces=names.bound,
            location=location,
            source_format=self.format,
        )
        self.index += 1
        return parsed

    def syntax_error(self, exc: etree.XMLSyntaxError) -> DocumentError:
        line = exc.position[0] if exc.position else 0
        if self.current is not None or self.event_list is not None:
            return DocumentError(
                f"event {self.index} (line {self.line or line}): malformed XML at line {line}: "
                f"{exc.msg}",
                rule="xml",
                index=self.index,
                location=f"line {line}",
            )
        return DocumentError(f"malformed XML at line {line}: {exc.msg}", rule="xml")


def _refuse_doctype(root: Any) -> None:
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    declares = dtd is not None and (any(dtd.iterentities()) or any(dtd.iterelements()))
    if declares or info.system_url or info.public_id:
        raise UnsafeXml(
            "XML DOCTYPE with an internal subset or external identifier is not allowed",
            rule="xml_doctype",
        )


def _drop(elem: Any) -> None:
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        parent.remove(elem)


def _split(tag: Any) -> tuple[str | None, str]:
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


def _local(tag: Any) -> str:
    return _split(tag)[1]


class _Names:
    """The prefixes one event's extension keys use, each bound to one namespace URI."""

    def __init__(self) -> None:
        self.bound: dict[str, str] = {}
        self._by_uri: dict[str, str] = {}

    def key(self, elem: Any, tag: str) -> str:
        """Return the JSON key for an element or attribute name in canonical form."""
        namespace, local = _split(tag)
        if namespace is None:
            return local
        if namespace in self._by_uri:
            return f"{self._by_uri[namespace]}:{local}"
        prefix = next((p for p, uri in elem.nsmap.items() if uri == namespace and p), None)
        if prefix is None or prefix in self.bound:
            prefix = self._fresh()
        self.bound[prefix] = namespace
        self._by_uri[namespace] = prefix
        return f"{prefix}:{local}"

    def _fresh(self) -> str:
        n = 1
        while f"ns{n}" in self.bound:
            n += 1
        return f"ns{n}"


def _children(elem: Any) -> Iterator[Any]:
    """Yield child elements, looking through standard ``extension`` wrappers."""
    for child in elem:
        if not isinstance(child.tag, str):
            continue
        if child.tag in _WRAPPERS:
            yield from _children(child)
        else:
            yield child


def _text(elem: Any) -> str:
    return (elem.text or "").strip()


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Add a value; a repeated key becomes a list in document order.

    Converted extension values are never lists themselves, so a list means repetition.
    """
    if key not in target:
        target[key] = value
    elif isinstance(target[key], list):
        target[key].append(value)
    else:
        target[key] = [target[key], value]


def extension_value(elem: Any, names: _Names) -> Any:
    """Convert an extension element to its JSON form (see :mod:`suyuan.capture.model`)."""
    attrs = {k: v for k, v in elem.attrib.items() if not k.startswith("{" + XSI_NS)}
    kids = [c for c in elem if isinstance(c.tag, str)]
    if not kids and not attrs:
        return _text(elem)
    value: dict[str, Any] = {}
    for name, attr in attrs.items():
        value["@" + names.key(elem, name)] = attr
    for child in kids:
        _put(value, names.key(child, child.tag), extension_value(child, names))
    if _text(elem):
        value["#text"] = _text(elem)
    return value


_TEXT_FIELDS: Final = frozenset(
    {
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "eventID",
        "action",
        "parentID",
        "transformationID",
        "certificationInfo",
    }
)
_EPC_LISTS: Final = frozenset({"epcList", "childEPCs", "inputEPCList", "outputEPCList"})
_QUANTITY_LISTS: Final = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
_NUMERIC_ATTRS: Final = frozenset(
    {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
)
_VOCAB_ATTRS: Final = {
    "type": Vocabulary.MEASUREMENT_TYPE,
    "exception": Vocabulary.SENSOR_ALERT_TYPE,
    "component": Vocabulary.COMPONENT,
}


def convert_event(elem: Any, names: _Names) -> Event:
    """Convert one EPCIS event element (2.0 or 1.2) into the canonical dict."""
    event: Event = {"type": _local(elem.tag)}
    for child in _children(elem):
        if _split(child.tag)[0] is not None:
            _put(event, names.key(child, child.tag), extension_value(child, names))
        else:
            name = child.tag
            event[name] = _standard_field(name, child, names)
    return event


def _standard_field(name: str, elem: Any, names: _Names) -> Any:  # noqa: C901 - a dispatch
    if name in _TEXT_FIELDS:
        return _text(elem)
    if name == "bizStep":
        return cbv.to_json_form(Vocabulary.BIZ_STEP, _text(elem))
    if name == "disposition":
        return cbv.to_json_form(Vocabulary.DISPOSITION, _text(elem))
    if name in _EPC_LISTS:
        return [_text(c) for c in _children(elem) if c.tag == "epc"]
    if name in _QUANTITY_LISTS:
        return [_quantity(c) for c in _children(elem) if c.tag == "quantityElement"]
    if name in ("readPoint", "bizLocation"):
        return _with_extensions({}, elem, names)
    if name == "bizTransactionList":
        return [_typed(c, "bizTransaction", Vocabulary.BIZ_TRANSACTION_TYPE) for c in elem]
    if name in ("sourceList", "destinationList"):
        tag = name[: -len("List")]
        return [_typed(c, tag, Vocabulary.SOURCE_DESTINATION_TYPE) for c in _children(elem)]
    if name == "sensorElementList":
        return [_sensor_element(c, names) for c in _children(elem) if c.tag == "sensorElement"]
    if name == "persistentDisposition":
        return _persistent_disposition(elem)
    if name == "ilmd":
        return _with_extensions({}, elem, names)
    if name == "errorDeclaration":
        return _error_declaration(elem, names)
    return extension_value(elem, names)


def _with_extensions(target: dict[str, Any], elem: Any, names: _Names) -> dict[str, Any]:
    """Fill ``target`` from the children of ``elem``: ``id`` as text, others as extensions."""
    for child in _children(elem):
        if child.tag == "id":
            target["id"] = _text(child)
        else:
            _put(target, names.key(child, child.tag), extension_value(child, names))
    return target


def _typed(elem: Any, tag: str, vocabulary: Vocabulary) -> dict[str, Any]:
    item: dict[str, Any] = {}
    kind = elem.get("type")
    if kind is not None:
        item["type"] = cbv.to_json_form(vocabulary, kind.strip())
    item[tag] = _text(elem)
    return item


def number(text: str) -> int | float:
    """Parse an XML decimal/double lexical form: int when it has no point or exponent."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return float(text)


def _quantity(elem: Any) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for child in _children(elem):
        if child.tag == "quantity":
            if child.get(f"{{{XSI_NS}}}nil") not in ("true", "1") and _text(child):
                item["quantity"] = _number_or_text(_text(child))
        elif child.tag in ("epcClass", "uom"):
            item[child.tag] = _text(child)
    return item


def _number_or_text(text: str) -> int | float | str:
    try:
        return number(text)
    except ValueError:
        return text


def _sensor_attributes(elem: Any, names: _Names) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for name, value in elem.attrib.items():
        if name.startswith("{"):
            item[names.key(elem, name)] = value
        elif name in _NUMERIC_ATTRS:
            item[name] = _number_or_text(value)
        elif name == "booleanValue":
            item[name] = {"true": True, "1": True, "false": False, "0": False}.get(
                value.strip(), value
            )
        elif name in _VOCAB_ATTRS:
            item[name] = cbv.to_json_form(_VOCAB_ATTRS[name], value.strip())
        else:
            item[name] = value
    return item


def _sensor_element(elem: Any, names: _Names) -> dict[str, Any]:
    item: dict[str, Any] = {}
    reports: list[dict[str, Any]] = []
    for child in _children(elem):
        if child.tag == "sensorMetadata":
            item["sensorMetadata"] = _sensor_attributes(child, names)
        elif child.tag == "sensorReport":
            reports.append(_sensor_attributes(child, names))
        else:
            _put(item, names.key(child, child.tag), extension_value(child, names))
    item["sensorReport"] = reports
    return item


def _persistent_disposition(elem: Any) -> dict[str, list[str]]:
    item: dict[str, list[str]] = {}
    for child in _children(elem):
        if child.tag in ("set", "unset"):
            word = cbv.to_json_form(Vocabulary.DISPOSITION, _text(child))
            item.setdefault(child.tag, []).append(word)
    return item


def _error_declaration(elem: Any, names: _Names) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for child in _children(elem):
        if child.tag == "declarationTime":
            item["declarationTime"] = _text(child)
        elif child.tag == "reason":
            item["reason"] = cbv.to_json_form(Vocabulary.ERROR_REASON, _text(child))
        elif child.tag == "correctiveEventIDs":
            item["correctiveEventIDs"] = [_text(c) for c in _children(child)]
        else:
            _put(item, names.key(child, child.tag), extension_value(child, names))
    return item


def read_epcis_header(elem: Any, header: DocumentHeader) -> None:
    """Fill ``header`` from an EPCISHeader element: SBDH sender/receiver and master data."""
    for sbdh in elem.iter(f"{{{SBDH_NS}}}StandardBusinessDocumentHeader"):
        header.sender = _sbdh_text(sbdh, "Sender") or header.sender
        header.receiver = _sbdh_text(sbdh, "Receiver") or header.receiver
        found = sbdh.find(f".//{{{SBDH_NS}}}InstanceIdentifier")
        if found is not None:
            header.extra["instanceIdentifier"] = _text(found)
    for master in elem.iter("EPCISMasterData"):
        names = _Names()
        header.master_data = [_vocabulary(v, names) for v in master.iter("Vocabulary")]
        for prefix, uri in names.bound.items():
            header.namespaces.setdefault(prefix, uri)


def _sbdh_text(sbdh: Any, role: str) -> str | None:
    found = sbdh.find(f"{{{SBDH_NS}}}{role}/{{{SBDH_NS}}}Identifier")
    return None if found is None else _text(found)


def _vocabulary(elem: Any, names: _Names) -> dict[str, Any]:
    elements = [_vocabulary_element(e, names) for e in elem.iter("VocabularyElement")]
    return {"type": elem.get("type", ""), "vocabularyElementList": elements}


def _vocabulary_element(elem: Any, names: _Names) -> dict[str, Any]:
    item: dict[str, Any] = {"id": elem.get("id", "")}
    attributes = []
    for child in _children(elem):
        if child.tag == "attribute":
            attributes.append({"id": child.get("id", ""), "attribute": _attribute(child, names)})
        elif child.tag == "children":
            item["children"] = [_text(c) for c in _children(child)]
    if attributes:
        item["attributes"] = attributes
    return item


def _attribute(elem: Any, names: _Names) -> Any:
    kids = [c for c in elem if isinstance(c.tag, str)]
    if not kids:
        return _text(elem)
    value: dict[str, Any] = {}
    for child in kids:
        _put(value, names.key(child, child.tag), extension_value(child, names))
    return value
