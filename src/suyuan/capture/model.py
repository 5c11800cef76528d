"""The canonical event form shared by capture, hashing and the event store.

One EPCIS event is a plain ``dict`` in the shape of the EPCIS 2.0 JSON/JSON-LD binding,
whatever format it was read from:

- keys ``type`` (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent,
  AssociationEvent), ``eventTime``, ``eventTimeZoneOffset``, ``recordTime`` (if given),
  ``eventID``, ``epcList``, ``action``, ``bizStep``, ``disposition``,
  ``readPoint: {"id"}``, ``bizLocation: {"id"}``,
  ``bizTransactionList: [{"type", "bizTransaction"}]``,
  ``sourceList``/``destinationList: [{"type", "source"|"destination"}]``,
  ``quantityList``/``childQuantityList``/``inputQuantityList``/``outputQuantityList:
  [{"epcClass", "quantity", "uom"}]``, ``parentID``, ``childEPCs``, ``inputEPCList``,
  ``outputEPCList``, ``transformationID``, ``sensorElementList``, ``ilmd``,
  ``persistentDisposition: {"set": [...], "unset": [...]}``, ``certificationInfo``,
  ``errorDeclaration: {"declarationTime", "reason", "correctiveEventIDs", ...}``;
- extension fields keyed ``"prefix:localName"``; the prefix is bound in
  :attr:`ParsedEvent.namespaces`. Values are strings, nested dicts and lists, as the
  JSON binding writes them. An XML extension element becomes: its text (a string,
  ``""`` when empty) if it has no child elements and no attributes; otherwise a dict
  whose keys are its child elements (repeated names become a list, in document
  order), its attributes as ``"@name"`` / ``"@prefix:name"`` and, if it has both
  children/attributes and non-blank text, ``"#text"``. Child elements in no namespace
  keep a bare key (``"anotherElement"``). ``xsi:type``/``xsi:nil`` annotations on
  extension elements are dropped (the JSON examples carry ``"true"``, not a typed value).
- CBV standard values (bizStep, disposition, bizTransaction and source/destination
  types, error reason, sensor measurement type, alert type, component) are the bare
  JSON words (``"shipping"``, ``"in_transit"``, ``"po"``, ``"owning_party"``,
  ``"Temperature"``). XML forms are mapped on read and back on write
  (:mod:`suyuan.capture.cbv`); other URIs pass through unchanged. JSON input is kept
  as given (a CBV URN in JSON is reported by validation, not rewritten).
- Timestamps (``eventTime``, ``recordTime``, ``declarationTime``, sensor ``time`` …)
  are kept exactly as written in the document (no normalisation to UTC); compare or
  hash them after parsing. ``quantity`` and numeric sensor attributes read from XML
  become ``int`` when integral in the lexical form (``"200"``) and ``float`` otherwise;
  ``booleanValue`` becomes ``bool``. An ``xsi:nil`` quantity is omitted.
- An event-level JSON ``@context`` is removed from the dict; the prefixes it binds go
  to :attr:`ParsedEvent.namespaces`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from suyuan.errors import InvalidInput

Event = dict[str, Any]
"""One event in canonical form (see the module docstring)."""

EVENT_TYPES: Final[tuple[str, ...]] = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)

EPCIS_CONTEXT_URL: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


class SourceFormat(StrEnum):
    """The serialisation an event was read from."""

    JSONLD = "jsonld"
    XML = "xml"
    XML_1_2 = "xml-1.2"


class DocumentKind(StrEnum):
    """The kind of EPCIS document."""

    DOCUMENT = "EPCISDocument"
    QUERY_DOCUMENT = "EPCISQueryDocument"
    EVENT = "Event"


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """One event read from a document, with what is needed to report on and store it."""

    index: int
    event: Event
    namespaces: dict[str, str]
    location: str
    source_format: SourceFormat


@dataclass(slots=True)
class DocumentHeader:
    """What a document says about itself, kept so that it can be returned or re-written.

    ``context`` is the document-level JSON-LD ``@context`` list (JSON) and
    ``namespaces`` the prefix → URI map of the root (XML ``xmlns`` declarations, or the
    prefix entries of the JSON ``@context``). ``master_data`` is the
    ``vocabularyList`` in JSON binding form. ``extra`` keeps any other top-level
    fields (``id``, ``instanceIdentifier``, extension fields).
    """

    kind: DocumentKind = DocumentKind.DOCUMENT
    schema_version: str | None = None
    creation_date: str | None = None
    sender: str | None = None
    receiver: str | None = None
    context: list[Any] = field(default_factory=list)
    namespaces: dict[str, str] = field(default_factory=dict)
    master_data: list[dict[str, Any]] | None = None
    query_name: str | None = None
    subscription_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventError:
    """One rule an event breaks; ``message`` names the event index and its location."""

    index: int
    location: str
    field: str
    rule: str
    message: str


class DocumentError(InvalidInput):
    """A document cannot be read: malformed, unsafe, too large or not an event document."""

    code = "invalid_epcis_document"

    def __init__(
        self,
        message: str,
        *,
        rule: str,
        index: int | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__(message, detail={"rule": rule, "index": index, "location": location})
        self.rule = rule
        self.index = index
        self.location = location


class UnsafeXml(DocumentError):
    """An XML document uses a DTD, entities or other constructs refused for safety."""

    code = "unsafe_xml"


class LimitExceeded(DocumentError):
    """A document, or one event in it, is larger than the configured limits allow."""

    code = "limit_exceeded"


class NotAnEventDocument(DocumentError):
    """A well-formed document that carries no EPCIS events (master data, capture job …)."""

    code = "not_an_event_document"


def event_location(index: int, *, query: bool = False) -> str:
    """Return the JSON pointer of the event at ``index`` in a document's event list."""
    if query:
        return f"/epcisBody/queryResults/resultsBody/eventList/{index}"
    return f"/epcisBody/eventList/{index}"
