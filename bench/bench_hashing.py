"""Benchmark: suyuan's event hash against the reference epcis-event-hash-generator.

Run ``python bench/bench_hashing.py [N]``. Generates N realistic events (commissioning with
ILMD, aggregation of 6 units onto a pallet, shipping with business transactions, sensor
readings), hashes them with both implementations in one run, checks the hashes are identical
and prints events per second for each and the speed ratio.
"""

from __future__ import annotations

import random
import socket
import sys
import time
from typing import Any

from suyuan.capture.hashing import event_hash

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
NAMESPACES = {"ex": "https://ns.example.com/epcis/"}
COMPANY = "4012345"


def _refuse_network(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the benchmark must not use the network")


def _sgtin(rng: random.Random, item: str = "011111") -> str:
    return f"urn:epc:id:sgtin:{COMPANY}.{item}.{rng.randrange(10**9)}"


def _when(rng: random.Random) -> tuple[str, str]:
    offset = rng.choice(["+08:00", "+01:00", "-05:00", "+00:00"])
    day, hour = f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}", f"0{rng.randrange(10)}"
    clock = f"{hour}:1{rng.randrange(10)}:3{rng.randrange(10)}.{rng.randrange(1000):03d}"
    return f"{day}T{clock}{offset}", offset


def _commissioning(rng: random.Random) -> dict[str, Any]:
    time_, offset = _when(rng)
    return {
        "type": "ObjectEvent",
        "eventTime": time_,
        "eventTimeZoneOffset": offset,
        "epcList": [_sgtin(rng) for _ in range(rng.randrange(1, 4))],
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.00001.{rng.randrange(1, 9)}"},
        "bizLocation": {"id": f"urn:epc:id:sgln:{COMPANY}.00001.0"},
        "ilmd": {
            "ex:lot": f"L{rng.randrange(10**5)}",
            "ex:bestBefore": "2025-12-31",
            "ex:origin": {"ex:province": "Zhejiang", "ex:farm": "Anji-7"},
        },
    }


def _aggregation(rng: random.Random) -> dict[str, Any]:
    time_, offset = _when(rng)
    return {
        "type": "AggregationEvent",
        "eventTime": time_,
        "eventTimeZoneOffset": offset,
        "parentID": f"urn:epc:id:sscc:{COMPANY}.{rng.randrange(10**10):010d}",
        "childEPCs": [_sgtin(rng) for _ in range(6)],
        "action": "ADD",
        "bizStep": "packing",
        "disposition": "in_progress",
        "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.00002.0"},
    }


def _shipping(rng: random.Random) -> dict[str, Any]:
    time_, offset = _when(rng)
    po = rng.randrange(10**6)
    return {
        "type": "ObjectEvent",
        "eventTime": time_,
        "eventTimeZoneOffset": offset,
        "epcList": [f"urn:epc:id:sscc:{COMPANY}.{rng.randrange(10**10):010d}"],
        "quantityList": [
            {"epcClass": f"urn:epc:class:lgtin:{COMPANY}.011111.L{rng.randrange(99)}",
             "quantity": rng.randrange(1, 500), "uom": "KGM"}
        ],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.00003.0"},
        "bizTransactionList": [
            {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:4012345000009:{po}"},
            {"type": "desadv", "bizTransaction": f"https://erp.example.com/desadv/{po + 1}"},
        ],
        "sourceList": [{"type": "owning_party", "source": f"urn:epc:id:pgln:{COMPANY}.00000"}],
        "destinationList": [{"type": "location", "destination": "urn:epc:id:sgln:9521234.00001.0"}],
        "ex:carrier": "SF Express",
    }  # fmt: skip


def _sensor(rng: random.Random) -> dict[str, Any]:
    time_, offset = _when(rng)
    reports = [
        {"type": "Temperature", "value": round(rng.uniform(-20, 8), 1), "uom": "CEL",
         "time": time_},
        {"type": "RelativeHumidity", "value": rng.randrange(30, 90), "uom": "P1"},
    ]  # fmt: skip
    return {
        "type": "ObjectEvent",
        "eventTime": time_,
        "eventTimeZoneOffset": offset,
        "epcList": [_sgtin(rng)],
        "action": "OBSERVE",
        "bizStep": "sensor_reporting",
        "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.00004.0"},
        "sensorElementList": [
            {
                "sensorMetadata": {"time": time_, "deviceID": "urn:epc:id:giai:4012345.dev77"},
                "sensorReport": reports,
            }
        ],
    }


def make_events(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Count realistic events, the four kinds in turn."""
    rng = random.Random(seed)
    makers = [_commissioning, _aggregation, _shipping, _sensor]
    return [makers[i % len(makers)](rng) for i in range(count)]


def reference_hashes(events: list[dict[str, Any]]) -> list[str]:
    """Hashes from the reference, fed one EPCIS document holding all events."""
    from epcis_event_hash_generator import hash_generator, json_to_py

    json_to_py._namespaces.clear()  # the reference keeps prefixes in a module global
    document = {
        "@context": [CONTEXT, NAMESPACES],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-01-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }
    tree = json_to_py.event_list_from_epcis_document_json(document)
    hashes: list[str] = hash_generator.epcis_hashes_from_events(tree)
    return hashes


def reference_hashes_one_document_each(events: list[dict[str, Any]]) -> list[str]:
    """Hashes from the reference when each event arrives in a document of its own."""
    hashes: list[str] = []
    for event in events:
        hashes.extend(reference_hashes([event]))
    return hashes


def main() -> None:
    """Run the benchmark and report throughput, ratio and agreement."""
    socket.socket.connect = _refuse_network  # type: ignore[method-assign]
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    events = make_events(count)

    started = time.perf_counter()
    ours = [event_hash(event, NAMESPACES) for event in events]
    our_seconds = time.perf_counter() - started

    started = time.perf_counter()
    theirs = reference_hashes([dict(event) for event in events])
    their_seconds = time.perf_counter() - started

    single = events[: max(1, count // 4)]
    started = time.perf_counter()
    theirs_single = reference_hashes_one_document_each([dict(event) for event in single])
    single_seconds = (time.perf_counter() - started) * count / len(single)

    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    same += sum(a == b for a, b in zip(ours, theirs_single, strict=False))
    checked = count + len(single)
    out = sys.stdout.write
    out(f"events                          {count}\n")
    out(f"suyuan                          {count / our_seconds:10,.0f} events/s\n")
    out(f"reference, one document         {count / their_seconds:10,.0f} events/s\n")
    out(f"reference, document per event   {count / single_seconds:10,.0f} events/s\n")
    out(f"speed ratio, one document       {their_seconds / our_seconds:10,.1f}x\n")
    out(f"speed ratio, document per event {single_seconds / our_seconds:10,.1f}x\n")
    out(f"identical hashes                {same}/{checked}\n")
    if same != checked:
        raise SystemExit("hash mismatch against the reference")


if __name__ == "__main__":
    main()
