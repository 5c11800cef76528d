"""Benchmark: suyuan's event hash against the reference epcis-event-hash-generator.

Run ``python bench/bench_hashing.py [N]``. Generates N realistic events (commissioning with
ILMD, aggregation of 6 units onto a pallet, aggregation of 50 cases, shipping with business
transactions, sources and destinations, sensor readings), hashes the same events with both
implementations in one run, checks the hashes are identical and prints events per second for
each (wall clock and, less disturbed by other processes, CPU time), per event kind for
suyuan, and the speed ratio. Every event has fresh serial numbers and times, so per-value
caches only help where real traffic repeats values (locations, products, words).
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


def _aggregation(rng: random.Random, children: int = 6) -> dict[str, Any]:
    time_, offset = _when(rng)
    return {
        "type": "AggregationEvent",
        "eventTime": time_,
        "eventTimeZoneOffset": offset,
        "parentID": f"urn:epc:id:sscc:{COMPANY}.{rng.randrange(10**10):010d}",
        "childEPCs": [_sgtin(rng) for _ in range(children)],
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


def _pallet(rng: random.Random) -> dict[str, Any]:
    return _aggregation(rng, children=50)


MAKERS = [_commissioning, _aggregation, _shipping, _commissioning, _pallet, _shipping, _sensor]
"""The mix: commissioning and shipping twice as often as packing or sensor readings."""


def make_events(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Count realistic events, the kinds of MAKERS in turn."""
    rng = random.Random(seed)
    return [MAKERS[i % len(MAKERS)](rng) for i in range(count)]


def _timed(work: Any) -> tuple[Any, float, float]:
    """Result, wall seconds and CPU seconds of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _per_kind(count: int) -> dict[str, float]:
    """CPU events/s of suyuan for each kind alone (fresh events)."""
    rates = {}
    for maker in dict.fromkeys(MAKERS):
        rng = random.Random(11)
        events = [maker(rng) for _ in range(count)]
        _, _, cpu = _timed(lambda events=events: [event_hash(e, NAMESPACES) for e in events])
        rates[maker.__name__.strip("_")] = count / cpu
    return rates


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


def _pair(wall: float, cpu: float) -> str:
    return f"{wall:10,.1f}  {cpu:10,.1f}" if wall < 1000 else f"{wall:10,.0f}  {cpu:10,.0f}"


def main() -> None:
    """Run the benchmark and report throughput, ratio and agreement."""
    socket.socket.connect = _refuse_network  # type: ignore[method-assign]
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2800
    events = make_events(count)
    event_hash(make_events(1, seed=1)[0], NAMESPACES)  # imports and first-call costs

    ours, our_wall, our_cpu = _timed(lambda: [event_hash(e, NAMESPACES) for e in events])
    theirs, their_wall, their_cpu = _timed(lambda: reference_hashes([dict(e) for e in events]))
    single = events[: max(1, count // 4)]
    theirs_single, single_wall, _ = _timed(
        lambda: reference_hashes_one_document_each([dict(e) for e in single])
    )
    single_wall *= count / len(single)

    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    same += sum(a == b for a, b in zip(ours, theirs_single, strict=False))
    checked = count + len(single)
    out = sys.stdout.write
    out(f"events                          {count} (mix of {len(MAKERS)} kinds)\n")
    out("                                    wall clock        CPU time\n")
    out(f"suyuan                          {_pair(count / our_wall, count / our_cpu)}/s\n")
    out(f"reference, one document         {_pair(count / their_wall, count / their_cpu)}/s\n")
    out(f"reference, document per event   {count / single_wall:10,.0f}/s\n")
    out(f"speed ratio, one document       {_pair(their_wall / our_wall, their_cpu / our_cpu)}x\n")
    out(f"speed ratio, document per event {single_wall / our_wall:10,.1f}x\n")
    out(f"identical hashes                {same}/{checked}\n")
    for kind, rate in _per_kind(max(200, count // 4)).items():
        out(f"suyuan, {kind:<23} {'':10}    {rate:10,.0f}/s (CPU)\n")
    if same != checked:
        raise SystemExit("hash mismatch against the reference")


if __name__ == "__main__":
    main()
