"""Reading streams: a 50 MB document keeps memory flat (GEN-26)."""

from __future__ import annotations

import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from suyuan.capture import read_document

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
TARGET_BYTES = 50 * 1024 * 1024


def _events(count: int) -> Iterator[bytes]:
    for i in range(count):
        yield orjson.dumps(
            {
                "type": "ObjectEvent",
                "eventTime": "2024-05-01T08:00:00.000+08:00",
                "eventTimeZoneOffset": "+08:00",
                "eventID": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
                "epcList": [f"urn:epc:id:sgtin:0614141.107346.{i}"] * 4,
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
                "ex:note": "x" * 4000,
            }
        )


@pytest.fixture(scope="module")
def big_document() -> Iterator[Path]:
    """A generated ~50 MB EPCISDocument on disk."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.jsonld"
        sample = next(_events(1))
        count = TARGET_BYTES // (len(sample) + 1)
        with path.open("wb") as out:
            out.write(
                b'{"@context":["' + CONTEXT.encode() + b'",{"ex":"http://ex.com/"}],'
                b'"type":"EPCISDocument","schemaVersion":"2.0",'
                b'"creationDate":"2024-05-01T00:00:00Z","epcisBody":{"eventList":['
            )
            for i, event in enumerate(_events(count)):
                out.write(b"," + event if i else event)
            out.write(b"]}}")
        yield path


def test_a_50_mb_document_is_read_with_flat_memory(big_document: Path) -> None:
    """Peak traced memory stays far below the document size while every event is read."""
    assert big_document.stat().st_size >= TARGET_BYTES * 0.95
    tracemalloc.start()
    try:
        with big_document.open("rb") as source:
            header, events = read_document(source)
            count = 0
            for parsed in events:
                count += 1
                assert parsed.namespaces == {"ex": "http://ex.com/"}
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert header.creation_date == "2024-05-01T00:00:00Z"
    assert count > 10_000
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
