"""Read and write EPCIS 2.0 JSON/JSON-LD documents, streaming.

Reading makes two passes over a seekable stream: a short header pass (``ijson.parse``)
that stops where the event list starts, and an event pass (``ijson.items``, built in
C) that yields one event at a time, so memory stays flat for any document size. If
``@context``, ``type``, ``schemaVersion`` or ``creationDate`` are missing before the
event list, the header pass scans on to the end of the document to find them (the
GS1 examples sometimes put ``@context`` last). Non-seekable streams are first spooled
to a temporary file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO, Final

import ijson
import orjson

from suyuan.capture.limits import (
    CountingReader,
    Limits,
    check_event_count,
    ensure_seekable,
    inspect_event,
)
from suyuan.capture.model import (
    EPCIS_CONTEXT_URL,
    EVENT_TYPES,
    DocumentError,
    DocumentHeader,
    DocumentKind,
    Event,
    NotAnEventDocument,
    ParsedEvent,
    SourceFormat,
    event_location,
)
from suyuan.capture.normalise import normalise_json_event

_DOC_EVENTS: Final = "epcisBody.eventList"
_QUERY_EVENTS: Final = "epcisBody.queryResults.resultsBody.eventList"
_QUERY_RESULTS: Final = "epcisBody.queryResults."
_QUERY_NAMES: Final = frozenset({_QUERY_RESULTS + "queryName", _QUERY_RESULTS + "subscriptionID"})
_EXACT_ERROR_MAX: Final = 64 << 20
_HEADER_KEYS: Final = frozenset(
    {"@context", "type", "schemaVersion", "creationDate", "sender", "receiver", "epcisHeader"}
)

STANDARD_PREFIXES: Final[dict[str, str]] = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
"""Prefixes bound by the standard EPCIS 2.0 context (protected: never re-bound)."""


def read_jsonld(
    source: BinaryIO, *, limits: Limits
) -> tuple[DocumentHeader, Iterator[ParsedEvent]]:
    """Read the header of a JSON-LD document and return it with an iterator of its events."""
    source = ensure_seekable(source, limits)
    start = source.tell()
    top, events_prefix = _scan_header(source, limits, start)
    header = _header_from(top, events_prefix)
    if header.kind is DocumentKind.EVENT:
        return header, iter([_single_event(top, header, limits)])
    if events_prefix is None:
        return header, iter(())
    return header, _events(source, start, events_prefix, header, limits)


def _scan_header(source: BinaryIO, limits: Limits, start: int) -> tuple[dict[str, Any], str | None]:
    """Build the top-level fields (not epcisBody) and find where the event list is."""
    reader = CountingReader(source, limits.max_document_bytes)
    builder = ijson.ObjectBuilder()
    events_prefix: str | None = None
    body: dict[str, Any] = {}
    try:
        parser = ijson.parse(reader, use_float=True)
        first = next(parser, None)
        if first is None or first[1] != "start_map":
            raise DocumentError("a JSON EPCIS document must be a JSON object", rule="json")
        builder.event(first[1], first[2])
        for prefix, event, value in parser:
            if prefix == "" and event == "map_key" and value == "epcisBody":
                continue
            if prefix.startswith("epcisBody"):
                if events_prefix is None:
                    events_prefix = _body_event(prefix, event, value, body)
                    if events_prefix and _header_complete(builder.value, body, events_prefix):
                        break
                elif prefix in _QUERY_NAMES and event == "string":
                    body[prefix[len(_QUERY_RESULTS) :]] = value
                continue
            builder.event(event, value)
    except ijson.JSONError as exc:
        raise _syntax_error(source, start, exc, reader.count, None) from exc
    top: dict[str, Any] = builder.value
    top.update(body)
    return top, events_prefix


def _body_event(prefix: str, event: str, value: Any, body: dict[str, Any]) -> str | None:
    """Note query-result names; return the event list prefix when its array starts."""
    if prefix in (_DOC_EVENTS, _QUERY_EVENTS):
        if event != "start_array":
            raise DocumentError(
                f"{prefix.replace('.', '/')} must be a JSON array, not {event}",
                rule="type",
                location="/" + prefix.replace(".", "/"),
            )
        return prefix
    if prefix in _QUERY_NAMES and event == "string":
        body[prefix[len(_QUERY_RESULTS) :]] = value
    return None


def _header_complete(top: dict[str, Any], body: dict[str, Any], events_prefix: str) -> bool:
    needed = ("@context", "type", "schemaVersion", "creationDate")
    if events_prefix == _QUERY_EVENTS and "queryName" not in body:
        return False
    return all(k in top for k in needed)


def _header_from(top: dict[str, Any], events_prefix: str | None) -> DocumentHeader:
    doc_type = top.get("type")
    if doc_type == "EPCISQueryDocument" or events_prefix == _QUERY_EVENTS:
        kind = DocumentKind.QUERY_DOCUMENT
    elif doc_type == "EPCISDocument":
        kind = DocumentKind.DOCUMENT
    elif isinstance(doc_type, str) and (doc_type in EVENT_TYPES or "eventTime" in top):
        kind = DocumentKind.EVENT
    else:
        raise NotAnEventDocument(
            f"JSON document of type {doc_type!r} is not an EPCISDocument, "
            "EPCISQueryDocument or EPCIS event",
            rule="document_type",
        )
    context = top.get("@context", [])
    context_list = context if isinstance(context, list) else [context]
    header = DocumentHeader(kind=kind, context=context_list)
    header.namespaces = context_prefixes(context_list)
    if kind is DocumentKind.EVENT:
        return header
    header.schema_version = _str_or_none(top.get("schemaVersion"))
    header.creation_date = _str_or_none(top.get("creationDate"))
    header.sender = _str_or_none(top.get("sender"))
    header.receiver = _str_or_none(top.get("receiver"))
    header.query_name = _str_or_none(top.get("queryName"))
    header.subscription_id = _str_or_none(top.get("subscriptionID"))
    epcis_header = top.get("epcisHeader")
    if isinstance(epcis_header, dict):
        master = epcis_header.get("epcisMasterData", {})
        if isinstance(master, dict) and isinstance(master.get("vocabularyList"), list):
            header.master_data = master["vocabularyList"]
    skip = _HEADER_KEYS | {"queryName", "subscriptionID"}
    header.extra = {k: v for k, v in top.items() if k not in skip}
    return header


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def context_prefixes(context: Iterable[Any]) -> dict[str, str]:
    """Return the prefix → namespace map declared by the dict entries of an @context."""
    found: dict[str, str] = {}
    for entry in context:
        if isinstance(entry, dict):
            for key, value in entry.items():
                if isinstance(value, str) and not key.startswith("@") and ":" not in key:
                    found[key] = value
    return found


def _single_event(top: dict[str, Any], header: DocumentHeader, limits: Limits) -> ParsedEvent:
    """Turn a bare event document into its one ParsedEvent."""
    return _finish(top, 0, "/", header.namespaces, limits)


def _events(
    source: BinaryIO, start: int, prefix: str, header: DocumentHeader, limits: Limits
) -> Iterator[ParsedEvent]:
    """Yield the events under ``prefix`` one at a time (second, C-speed pass)."""
    source.seek(start)
    reader = CountingReader(source, limits.max_document_bytes)
    query = prefix == _QUERY_EVENTS
    index = 0
    try:
        for item in ijson.items(reader, prefix + ".item", use_float=True):
            location = event_location(index, query=query)
            check_event_count(index + 1, limits.max_events, location=location)
            if not isinstance(item, dict):
                raise DocumentError(
                    f"event {index} ({location}): an event must be a JSON object, "
                    f"not {type(item).__name__}",
                    rule="type",
                    index=index,
                    location=location,
                )
            yield _finish(item, index, location, header.namespaces, limits)
            index += 1
    except ijson.JSONError as exc:
        location = event_location(index, query=query)
        raise _syntax_error(source, start, exc, reader.count, (index, location)) from exc


def _finish(
    item: dict[str, Any], index: int, location: str, doc_ns: dict[str, str], limits: Limits
) -> ParsedEvent:
    namespaces = doc_ns
    local = item.pop("@context", None)
    if local is not None:
        namespaces = {**doc_ns, **context_prefixes(local if isinstance(local, list) else [local])}
    used = inspect_event(item, limits, index=index, location=location)
    normalise_json_event(item)
    bound = {p: namespaces.get(p) or STANDARD_PREFIXES.get(p) for p in used}
    return ParsedEvent(
        index=index,
        event=item,
        namespaces={p: uri for p, uri in bound.items() if uri},
        location=location,
        source_format=SourceFormat.JSONLD,
    )


def _syntax_error(
    source: BinaryIO,
    start: int,
    exc: Exception,
    count: int,
    where: tuple[int, str] | None,
) -> DocumentError:
    """Describe a JSON syntax error with the most exact position that is cheap to get."""
    position = f"near byte {count}"
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    try:
        source.seek(start)
        data = source.read(_EXACT_ERROR_MAX + 1)
        if len(data) <= _EXACT_ERROR_MAX:
            json.loads(data)
    except json.JSONDecodeError as decode_error:
        position = (
            f"at line {decode_error.lineno} column {decode_error.colno} (byte {decode_error.pos})"
        )
        reason = decode_error.msg
    except (OSError, ValueError):
        pass
    if where is None:
        return DocumentError(f"malformed JSON {position}: {reason}", rule="json")
    index, location = where
    return DocumentError(
        f"event {index} ({location}): malformed JSON {position}: {reason}",
        rule="json",
        index=index,
        location=location,
    )


def write_document(
    events: Iterable[ParsedEvent | Event],
    header: DocumentHeader | None,
    out: BinaryIO,
    *,
    query_name: str | None = None,
) -> int:
    """Stream an EPCISDocument (or EPCISQueryDocument if ``query_name``) to ``out``.

    Event prefixes not bound by the document ``@context`` are declared in an
    event-level ``@context``. Returns the number of events written.
    """
    header = header or DocumentHeader()
    is_query = query_name is not None or header.kind is DocumentKind.QUERY_DOCUMENT
    context = _document_context(header)
    doc_ns = context_prefixes(context)
    top = _top_fields(header, context, is_query)
    head = orjson.dumps(top)[:-1]
    if is_query:
        results: dict[str, Any] = {"queryName": query_name or header.query_name or ""}
        if header.subscription_id:
            results["subscriptionID"] = header.subscription_id
        out.write(head + b',"epcisBody":{"queryResults":' + orjson.dumps(results)[:-1])
        out.write(b',"resultsBody":{"eventList":[')
    else:
        out.write(head + b',"epcisBody":{"eventList":[')
    count = 0
    for item in events:
        if count:
            out.write(b",")
        out.write(orjson.dumps(_with_local_context(item, doc_ns)))
        count += 1
    out.write(b"]}}}}" if is_query else b"]}}")
    return count


def _document_context(header: DocumentHeader) -> list[Any]:
    if header.context:
        return list(header.context)
    extra = {
        p: uri
        for p, uri in header.namespaces.items()
        if p not in STANDARD_PREFIXES and p not in _XML_INFRA_PREFIXES
    }
    return [EPCIS_CONTEXT_URL, *({p: uri} for p, uri in sorted(extra.items()))]


_XML_INFRA_PREFIXES: Final = frozenset({"xsi", "sbdh", "epcis", "epcisq", "epcismd", "xml"})


def _top_fields(header: DocumentHeader, context: list[Any], is_query: bool) -> dict[str, Any]:
    top: dict[str, Any] = {"@context": context}
    top.update({k: v for k, v in header.extra.items() if k in ("id",) or ":" in k})
    top["type"] = "EPCISQueryDocument" if is_query else "EPCISDocument"
    top["schemaVersion"] = header.schema_version or "2.0"
    top["creationDate"] = header.creation_date or _now()
    if not is_query:
        if header.sender:
            top["sender"] = header.sender
        if header.receiver:
            top["receiver"] = header.receiver
        if "instanceIdentifier" in header.extra:
            top["instanceIdentifier"] = header.extra["instanceIdentifier"]
        if header.master_data is not None:
            top["epcisHeader"] = {"epcisMasterData": {"vocabularyList": header.master_data}}
    return top


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _with_local_context(item: ParsedEvent | Event, doc_ns: dict[str, str]) -> Event:
    if not isinstance(item, ParsedEvent):
        return item
    missing = {
        p: uri
        for p, uri in item.namespaces.items()
        if p not in STANDARD_PREFIXES and doc_ns.get(p) != uri
    }
    if not missing:
        return item.event
    return {"@context": [{p: uri} for p, uri in sorted(missing.items())], **item.event}
