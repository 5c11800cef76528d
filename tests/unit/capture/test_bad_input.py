"""Bad, unsafe and oversized input fails with errors naming the event (GEN-26, QBT-11.3)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from suyuan.capture import (
    DocumentError,
    LimitExceeded,
    Limits,
    UnsafeXml,
    read_document,
)
from suyuan.capture.validation import validate_event

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T08:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.1"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


def _document(*events: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2024-05-01T00:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    ).encode()


def _errors(data: bytes) -> list[str]:
    _, events = read_document(data)
    return [e.message for p in events for e in validate_event(p)]


def test_malformed_json_reports_the_position_and_the_event() -> None:
    """A syntax error names the event being read and the line and column."""
    good = _document(_event(), _event())
    at = good.rfind(b'"action": "OBSERVE"')
    data = good[:at] + b'"action" "OBSERVE"' + good[at + len(b'"action": "OBSERVE"') :]
    _, events = read_document(data)
    with pytest.raises(DocumentError) as caught:
        list(events)
    assert caught.value.index == 1
    assert caught.value.location == "/epcisBody/eventList/1"
    assert "line 1 column" in str(caught.value)


def test_malformed_json_in_the_header_is_reported_with_its_position() -> None:
    """A syntax error before the event list is reported at once."""
    with pytest.raises(DocumentError, match="malformed JSON at line 1"):
        read_document(b'{"type": "EPCISDocument",, }')


def test_unknown_biz_step_is_named_with_event_index_and_location() -> None:
    """A bare bizStep that is not a CBV term is refused with a readable message."""
    messages = _errors(_document(_event(), _event(), _event(), _event(bizStep="shiping")))
    assert messages == [
        "event 3 (/epcisBody/eventList/3): bizStep 'shiping' is not a CBV business step"
    ]


def test_unknown_disposition_is_refused_and_cbv_urn_in_json_is_normalised() -> None:
    """An unknown disposition word is refused; a CBV URN in JSON means the bare word
    (JSON-LD expands both to one IRI) and is stored as the bare word."""
    document = _document(
        _event(disposition="in_transti", bizStep="urn:epcglobal:cbv:bizstep:shipping")
    )
    messages = _errors(document)
    assert any("disposition 'in_transti' is not a CBV disposition" in m for m in messages)
    assert not any("bizStep" in m for m in messages)
    _header, events = read_document(document)
    assert next(events).event["bizStep"] == "shipping"


def test_user_uri_biz_step_passes() -> None:
    """A non-CBV URI is a legitimate user vocabulary value."""
    assert _errors(_document(_event(bizStep="https://example.com/bizstep/distilling"))) == []


def test_missing_event_time_and_bad_action_are_reported() -> None:
    """eventTime is required; action must be ADD, OBSERVE or DELETE."""
    messages = _errors(_document(_event(eventTime=None, action="MOVE")))
    assert "event 0 (/epcisBody/eventList/0): eventTime is required" in messages
    assert any("action 'MOVE' is not ADD, OBSERVE or DELETE" in m for m in messages)


def test_wrong_types_are_schema_errors_with_the_field_path() -> None:
    """A string where the schema wants a list is reported at that field."""
    messages = _errors(_document(_event(epcList=5)))
    assert any(m.startswith("event 0 (/epcisBody/eventList/0): epcList") for m in messages)


def test_aggregation_add_needs_parent_id() -> None:
    """An AggregationEvent ADD without parentID breaks a semantic rule."""
    event = _event(type="AggregationEvent", epcList=None, childEPCs=["urn:epc:id:sgtin:1.2.3"])
    messages = _errors(_document(event))
    assert any("parentID is required in a AggregationEvent OBSERVE" in m for m in messages) or (
        messages == []
    )
    event["action"] = "ADD"
    messages = _errors(_document(event))
    assert any("parentID is required in a AggregationEvent ADD" in m for m in messages)


def test_event_that_is_not_an_object_is_refused() -> None:
    """An eventList item that is not a JSON object names its index."""
    _, events = read_document(_document(_event(), 42))  # type: ignore[arg-type]
    with pytest.raises(DocumentError, match=r"event 1 \(/epcisBody/eventList/1\)"):
        list(events)


def test_xml_bad_biz_step_urn_is_mapped_then_refused() -> None:
    """An XML CBV URN with an unknown word is reported like the JSON bare word."""
    data = XML_EVENT.replace(b"bizstep:shipping", b"bizstep:shiping")
    messages = _errors(data)
    assert messages == ["event 0 (line 5): bizStep 'shiping' is not a CBV business step"]


XML_EVENT = b"""<?xml version="1.0"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
    creationDate="2024-05-01T00:00:00Z">
  <EPCISBody><EventList>
    <ObjectEvent>
      <eventTime>2024-05-01T08:00:00.000+08:00</eventTime>
      <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
      <epcList><epc>urn:epc:id:sgtin:0614141.107346.1</epc></epcList>
      <action>OBSERVE</action>
      <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
    </ObjectEvent>
  </EventList></EPCISBody>
</epcis:EPCISDocument>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE epcis:EPCISDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
    creationDate="2024-05-01T00:00:00Z"><EPCISBody><EventList><ObjectEvent>
    <eventTime>&xxe;</eventTime></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE epcis:EPCISDocument SYSTEM "http://example.com/evil.dtd">
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"/>"""


@pytest.mark.parametrize(
    "data", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion-laughs", "external-dtd"]
)
def test_xml_with_dtd_entities_is_refused(data: bytes) -> None:
    """XXE, entity expansion and external DTDs are refused before any content is read."""
    with pytest.raises(UnsafeXml, match="not allowed"):
        read_document(data)


def test_entity_declared_past_the_prolog_window_is_still_refused() -> None:
    """Padding the prolog with comments does not smuggle a DTD past the byte check."""
    padding = b"<!--" + b"x" * 70_000 + b"-->"
    data = XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0"?>' + padding)
    with pytest.raises(UnsafeXml, match="not allowed"):
        read_document(data)


def test_bare_doctype_without_declarations_is_tolerated() -> None:
    """``<!DOCTYPE name>`` declares nothing (the GS1 examples use it) and is accepted."""
    data = XML_EVENT.replace(b"?>\n", b"?>\n<!DOCTYPE project>\n", 1)
    _, events = read_document(data)
    assert len(list(events)) == 1


def test_malformed_xml_reports_the_line() -> None:
    """An XML syntax error names the event being read and the line."""
    data = XML_EVENT.replace(b"</action>", b"</acton>")
    _, events = read_document(data)
    with pytest.raises(DocumentError, match=r"event 0 \(line 5\): malformed XML at line 9"):
        list(events)


def test_oversized_document_is_refused_up_front() -> None:
    """A document over max_document_bytes is refused before parsing (bytes or stream)."""
    data = _document(*[_event() for _ in range(50)])
    with pytest.raises(LimitExceeded, match="larger than the limit of 1000 bytes"):
        read_document(data, limits=Limits(max_document_bytes=1000))

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    with pytest.raises(LimitExceeded):
        read_document(Unseekable(), limits=Limits(max_document_bytes=1000))  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_too_many_events_names_the_first_event_over_the_limit(fmt: str) -> None:
    """max_events stops the stream at the first event past the limit."""
    if fmt == "json":
        data = _document(*[_event() for _ in range(5)])
        where = "/epcisBody/eventList/3"
    else:
        body = XML_EVENT.split(b"<ObjectEvent>")[1].split(b"</ObjectEvent>")[0]
        events = b"".join(b"<ObjectEvent>" + body + b"</ObjectEvent>\n" for _ in range(5))
        data = XML_EVENT.replace(b"<ObjectEvent>" + body + b"</ObjectEvent>", events)
        where = "line"
    _, parsed = read_document(data, limits=Limits(max_events=3))
    with pytest.raises(LimitExceeded, match="more than 3 events") as caught:
        list(parsed)
    assert caught.value.index == 3
    assert where in str(caught.value)


def test_oversized_and_too_deep_events_are_refused() -> None:
    """max_event_bytes and max_depth apply per event."""
    big = _event(**{"ex:blob": "x" * 5000})
    _, events = read_document(_document(_event(), big), limits=Limits(max_event_bytes=2000))
    with pytest.raises(LimitExceeded, match=r"event 1 \(/epcisBody/eventList/1\)"):
        list(events)
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"ex:n": deep}
    _, events = read_document(_document(_event(**{"ex:deep": deep})))
    with pytest.raises(LimitExceeded, match="nesting is deeper than the limit of 32"):
        list(events)


def test_non_event_documents_and_garbage_are_refused() -> None:
    """A JSON object that is not an EPCIS document, and text that is neither format."""
    with pytest.raises(DocumentError, match="not an EPCISDocument"):
        read_document(b'{"type": "Something"}')
    with pytest.raises(DocumentError, match="neither JSON nor XML"):
        read_document(b"hello")


def test_bare_single_event_document_is_one_event() -> None:
    """A lone event object (REST capture of one event) reads as one event."""
    event = _event()
    event["@context"] = [CONTEXT, {"ex": "http://ex.com/"}]
    event["ex:note"] = "n"
    _, events = read_document(json.dumps(event).encode())
    parsed = list(events)
    assert len(parsed) == 1
    assert parsed[0].namespaces == {"ex": "http://ex.com/"}
    assert "@context" not in parsed[0].event
