"""EPCIS 2.0 capture documents: read JSON-LD and XML (2.0 and 1.2), validate, write.

The canonical event form is described in :mod:`suyuan.capture.model`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Literal

from suyuan.capture.jsonld import read_jsonld, write_document
from suyuan.capture.limits import DEFAULT_LIMITS, Limits, ensure_seekable
from suyuan.capture.model import (
    DocumentError,
    DocumentHeader,
    DocumentKind,
    Event,
    EventError,
    LimitExceeded,
    NotAnEventDocument,
    ParsedEvent,
    SourceFormat,
    UnsafeXml,
)
from suyuan.capture.xml_reader import read_xml
from suyuan.capture.xml_writer import write_xml_document

__all__ = [
    "DEFAULT_LIMITS",
    "DocumentError",
    "DocumentHeader",
    "DocumentKind",
    "Event",
    "EventError",
    "LimitExceeded",
    "Limits",
    "NotAnEventDocument",
    "ParsedEvent",
    "SourceFormat",
    "UnsafeXml",
    "read_document",
    "stream_events",
    "write_events",
]

Format = Literal["jsonld", "xml"]

_JSON_TYPES = ("json", "ld+json")
_XML_TYPES = ("xml",)


def read_document(
    source: bytes | BinaryIO,
    *,
    content_type: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[DocumentHeader, Iterator[ParsedEvent]]:
    """Read an EPCIS document (JSON-LD, XML 2.0 or XML 1.2): its header, then its events.

    The format comes from ``content_type`` when it names JSON or XML, else from the
    first non-blank byte. Events are parsed lazily as the iterator is consumed;
    errors raise :class:`DocumentError` subclasses naming the event and its location.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        stream: BinaryIO = io.BytesIO(bytes(source))
    else:
        stream = source
    stream = ensure_seekable(stream, limits)
    if _sniff(stream, content_type) == "xml":
        return read_xml(stream, limits=limits)
    return read_jsonld(stream, limits=limits)


def _sniff(stream: BinaryIO, content_type: str | None) -> Format:
    if content_type:
        media = content_type.split(";")[0].strip().lower()
        if media.endswith(_JSON_TYPES):
            return "jsonld"
        if media.endswith(_XML_TYPES):
            return "xml"
    start = stream.tell()
    head = stream.read(1024)
    stream.seek(start)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "xml"
    if text.startswith((b"{", b"[")) or not text:
        return "jsonld"
    raise DocumentError(
        "document is neither JSON nor XML (it starts with "
        f"{text[:20].decode('utf-8', 'replace')!r})",
        rule="format",
    )


def stream_events(
    events: Iterable[ParsedEvent | Event],
    out: BinaryIO,
    fmt: Format,
    *,
    header: DocumentHeader | None = None,
    query_name: str | None = None,
) -> int:
    """Write events as a JSON-LD or XML EPCIS document to a binary stream; return the count.

    With ``query_name`` (or a query-document header) an EPCISQueryDocument is written.
    """
    if fmt == "jsonld":
        return write_document(events, header, out, query_name=query_name)
    if fmt == "xml":
        return write_xml_document(events, header, out, query_name=query_name)
    raise ValueError(f"unknown format {fmt!r}: use 'jsonld' or 'xml'")


def write_events(
    events: Iterable[ParsedEvent | Event],
    fmt: Format,
    header: DocumentHeader | None = None,
    query_name: str | None = None,
) -> bytes:
    """Write events as a JSON-LD or XML EPCIS document and return its bytes."""
    out = io.BytesIO()
    stream_events(events, out, fmt, header=header, query_name=query_name)
    return out.getvalue()
