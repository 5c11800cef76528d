"""The event store on both databases: capture, query back, idempotency, corrections, rules.

Requirements: GEN-26 (EPCIS 2.0 capture and query), QBT-11.3 (traceability events),
QBT-7.4 (packaging hierarchy), QBT-10.2.5 (lots and transformations).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from event_documents import (
    CONFORMANCE,
    CONTEXT,
    GTIN,
    PARTNER_GTIN,
    bottle,
    bottle_key,
    commission,
    conformance_documents,
    document,
    event,
    lgtin,
    pack,
    sgln,
    sscc,
    sscc_key,
)
from factories import make_enterprise, make_product
from suyuan.bootstrap import Runtime
from suyuan.capture import read_document
from suyuan.capture.hashing import event_hash
from suyuan.capture.limits import Limits
from suyuan.domain.access import Actor, Role
from suyuan.queries.events import parse_query, query_events
from suyuan.services.capture import Behaviour, CaptureRejected, CaptureResult, capture_document
from suyuan.services.enterprises import Enterprise
from suyuan.storage.tables import event_corrections, events, lot_edges, lots, units


def _capture(
    runtime: Runtime,
    tenant: Enterprise,
    source: bytes,
    behaviour: Behaviour = Behaviour.ROLLBACK,
    **kw: Any,
) -> CaptureResult:
    return capture_document(
        runtime.uow,
        Actor.system(),
        tenant_id=tenant.id,
        source=source,
        behaviour=behaviour,
        key_dir=runtime.settings.key_dir,
        **kw,
    )


def _actor(tenant: Enterprise) -> Actor:
    return Actor(name="t", roles=frozenset({Role.ADMIN}), enterprise_id=tenant.id)


def _query(runtime: Runtime, tenant: Enterprise, **params: str) -> list[dict[str, Any]]:
    raw = {"perPage": "1000", "orderBy": "recordTime"} | params
    with runtime.uow(write=False) as uow:
        page = query_events(uow.connection, _actor(tenant), parse_query(raw))
    assert page.next_token is None
    return [e.event for e in page.events]


def _count(runtime: Runtime, table: sa.Table, tenant: Enterprise) -> int:
    with runtime.uow(write=False) as uow:
        return int(
            uow.connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant.id)
            ).scalar_one()
        )


def _unit(runtime: Runtime, key: str) -> dict[str, Any]:
    """A unit's projection row, with parent, lot and last event as keys / eventIDs."""
    parent = units.alias("parent")
    with runtime.uow(write=False) as uow:
        row = (
            uow.connection.execute(
                sa.select(
                    units.c.status,
                    units.c.disposition,
                    units.c.location,
                    units.c.holder_id,
                    parent.c.key.label("parent"),
                    lots.c.key.label("lot"),
                    events.c.event_id.label("last_event"),
                )
                .select_from(
                    units.outerjoin(parent, parent.c.id == units.c.parent_id)
                    .outerjoin(lots, lots.c.id == units.c.lot_id)
                    .outerjoin(events, events.c.id == units.c.last_event_id)
                )
                .where(units.c.key == key)
            )
            .mappings()
            .one()
        )
    return dict(row)


# --- conformance documents ------------------------------------------------------------------


def _dedup_key(parsed: Any) -> str:
    identity = parsed.event.get("eventID") or event_hash(parsed.event, parsed.namespaces)
    return str(identity) + ("#d" if "errorDeclaration" in parsed.event else "")


def test_every_conformance_event_document_is_captured_and_queried_back_equal(
    runtime: Runtime,
) -> None:
    """GEN-26: every GS1 example event document is accepted and reads back with equal content.

    Each document goes to its own enterprise (the examples share eventIDs). Events
    come back in capture order; only what the store adds (nothing, for documents
    without error declarations) is ignored.
    """
    names = conformance_documents()
    if not names:
        pytest.skip("GS1 conformance data not available")
    total = 0
    for name in names:
        tenant = make_enterprise(runtime)
        source = (CONFORMANCE / name).read_bytes()
        _header, parsed = read_document(source)
        expected = list({_dedup_key(p): p for p in reversed(list(parsed))}.values())[::-1]
        result = _capture(runtime, tenant, source, name=name)
        assert result.status == "succeeded", (name, result.errors)
        assert result.captured == len(expected), name
        with runtime.uow(write=False) as uow:
            page = query_events(
                uow.connection,
                _actor(tenant),
                parse_query({"perPage": "1000", "orderBy": "recordTime"}),
            )
        stored = [
            ({k: v for k, v in e.event.items() if k != "sy:correctedBy"}, e.namespaces)
            for e in page.events
        ]
        assert [s[0] for s in stored] == [p.event for p in expected], name
        for (_body, namespaces), original in zip(stored, expected, strict=True):
            assert {k: v for k, v in namespaces.items() if k != "sy"} == original.namespaces
        total += len(expected)
    assert total > 100


def test_json_and_xml_forms_of_one_example_are_one_event(runtime: Runtime) -> None:
    """GEN-26: the XML and JSON-LD forms of example 9.6.1 hash equal, so they dedupe."""
    tenant = make_enterprise(runtime)
    xml = (CONFORMANCE / "xml/Example_9.6.1-ObjectEvent-2020_06_18a.xml").read_bytes()
    first = _capture(runtime, tenant, xml)
    assert (first.captured, first.duplicates) == (2, 0)
    _header, parsed = read_document(xml)
    parsed_list = list(parsed)
    without_ids = [{k: v for k, v in p.event.items() if k != "eventID"} for p in parsed_list]
    context: list[Any] = [CONTEXT, parsed_list[1].namespaces]
    again = _capture(runtime, tenant, document(*without_ids, context=context))
    assert (again.captured, again.duplicates) == (0, 2)


# --- idempotency ---------------------------------------------------------------------------


def test_the_same_document_captured_twice_is_stored_once(runtime: Runtime) -> None:
    """GEN-26: capture is idempotent by eventID."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    doc = document(commission(1, 2, event_id="urn:uuid:1"), commission(3, event_id="urn:uuid:2"))
    first = _capture(runtime, tenant, doc)
    second = _capture(runtime, tenant, doc)
    assert (first.captured, first.duplicates) == (2, 0)
    assert (second.captured, second.duplicates, second.rejected) == (0, 2, 0)
    assert second.status == "succeeded"
    assert _count(runtime, events, tenant) == 2


def test_events_without_id_are_deduplicated_by_canonical_hash(runtime: Runtime) -> None:
    """GEN-26: no eventID: the CBV 2.0 hash decides, so key order and time zone don't matter."""
    tenant = make_enterprise(runtime)
    one = event(epcList=[bottle(1, PARTNER_GTIN)], biz_step="receiving")
    same = dict(reversed(list(one.items()))) | {
        "eventTime": "2026-01-05T00:00:00+00:00",
        "eventTimeZoneOffset": "+08:00",
    }
    other = one | {"bizStep": "shipping"}
    result = _capture(runtime, tenant, document(one, same, other))
    assert (result.captured, result.duplicates) == (2, 1)
    again = _capture(runtime, tenant, document(same))
    assert (again.captured, again.duplicates) == (0, 1)
    assert _count(runtime, events, tenant) == 2


def test_one_event_id_in_two_tenants_is_two_events(runtime: Runtime) -> None:
    """Deduplication is per tenant: enterprises never see each other's events."""
    a, b = make_enterprise(runtime), make_enterprise(runtime)
    doc = document(event(event_id="urn:uuid:x", epcList=[bottle(1, PARTNER_GTIN)]))
    assert _capture(runtime, a, doc).captured == 1
    assert _capture(runtime, b, doc).captured == 1
    assert len(_query(runtime, a)) == len(_query(runtime, b)) == 1


# --- error declarations --------------------------------------------------------------------


def test_error_declaration_marks_the_original_and_both_stay_queryable(runtime: Runtime) -> None:
    """GEN-26: a declaration is stored next to the original, which is marked as corrected."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    original = commission(1, event_id="urn:uuid:orig")
    corrective = commission(2, event_id="urn:uuid:fix")
    declaration = original | {
        "errorDeclaration": {
            "declarationTime": "2026-01-06T00:00:00Z",
            "reason": "incorrect_data",
            "correctiveEventIDs": ["urn:uuid:fix"],
        }
    }
    assert _capture(runtime, tenant, document(original)).captured == 1
    result = _capture(runtime, tenant, document(declaration, corrective))
    assert (result.captured, result.rejected) == (2, 0), result.errors
    assert _capture(runtime, tenant, document(declaration)).duplicates == 1
    both = _query(runtime, tenant, EQ_eventID="urn:uuid:orig")
    assert len(both) == 2
    stored_original = next(e for e in both if "errorDeclaration" not in e)
    assert stored_original["sy:correctedBy"].startswith("/events/")
    assert {k: v for k, v in stored_original.items() if k != "sy:correctedBy"} == original
    declared = _query(runtime, tenant, EXISTS_errorDeclaration="true")
    assert declared == [declaration]
    assert _count(runtime, event_corrections, tenant) == 1
    # The declaration is not a second commissioning: unit 1 keeps its state.
    assert _unit(runtime, bottle_key(1))["last_event"] == "urn:uuid:orig"


def test_error_declaration_of_an_event_without_id_finds_it_by_hash(runtime: Runtime) -> None:
    """GEN-26: without eventIDs the declaration names its original by canonical hash."""
    tenant = make_enterprise(runtime)
    original = event(epcList=[bottle(9, PARTNER_GTIN)], biz_step="shipping")
    declaration = original | {
        "errorDeclaration": {"declarationTime": "2026-01-06T00:00:00Z", "reason": "did_not_occur"}
    }
    _capture(runtime, tenant, document(original))
    assert _capture(runtime, tenant, document(declaration)).captured == 1
    stored = _query(runtime, tenant)
    assert len(stored) == 2
    assert "sy:correctedBy" in stored[0]
    assert stored[1] == declaration


# --- bad input: rollback and proceed -------------------------------------------------------


def _mixed() -> bytes:
    good = event(epcList=[bottle(1, PARTNER_GTIN)], biz_step="receiving")
    bad = event(epcList=[bottle(2, PARTNER_GTIN)], biz_step="receiving")
    bad["eventTime"] = "yesterday"
    also_good = event(epcList=[bottle(3, PARTNER_GTIN)], biz_step="receiving")
    also_bad = event(epcList=[bottle(4, PARTNER_GTIN)], action="SOMETIMES")
    return document(good, bad, also_good, also_bad)


def test_rollback_stores_nothing_and_names_every_bad_event(runtime: Runtime) -> None:
    """GEN-26: default behaviour: one bad event rejects the document; each error is located."""
    tenant = make_enterprise(runtime)
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, _mixed())
    errors = caught.value.errors
    assert sorted({e["index"] for e in errors}) == [1, 3]
    assert errors[0]["location"] == "/epcisBody/eventList/1"
    assert errors[0]["field"] == "eventTime"
    assert "action" in [e["field"] for e in errors if e["index"] == 3]
    assert all(e["rule"] and e["message"] for e in errors)
    assert "nothing stored" in str(caught.value)
    assert _count(runtime, events, tenant) == 0
    assert _count(runtime, units, tenant) == 0
    job = caught.value.detail["capture_id"]
    with runtime.uow(write=False) as uow:
        from suyuan.services.capture import get_capture

        status = get_capture(uow, Actor.system(), job)
    assert (status["status"], status["rejected"], status["captured"]) == ("failed", 2, 0)


def test_proceed_stores_the_good_events_and_reports_the_bad(runtime: Runtime) -> None:
    """GEN-26: GS1-Capture-Error-Behaviour proceed."""
    tenant = make_enterprise(runtime)
    result = _capture(runtime, tenant, _mixed(), Behaviour.PROCEED)
    assert (result.status, result.captured, result.rejected) == ("partial", 2, 2)
    assert sorted({e["index"] for e in result.errors}) == [1, 3]
    assert _count(runtime, events, tenant) == 2
    assert [e["epcList"] for e in _query(runtime, tenant)] == [
        [bottle(1, PARTNER_GTIN)],
        [bottle(3, PARTNER_GTIN)],
    ]


def test_rule_breaks_are_reported_with_rollback_too(runtime: Runtime) -> None:
    """A schema error and a state-rule error in one document are both reported."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    bad = event(epcList=[bottle(2, PARTNER_GTIN)], action="SOMETIMES")
    unknown_child = pack(sscc(1), [bottle(77)])
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, document(bad, unknown_child))
    assert (1, "unknown_child") in [(e["index"], e["rule"]) for e in caught.value.errors]
    assert _count(runtime, events, tenant) == 0


def test_documents_over_the_size_limit_are_refused(runtime: Runtime) -> None:
    """GEN-26: the size limit is enforced before anything is stored."""
    tenant = make_enterprise(runtime)
    doc = document(*(event(epcList=[bottle(n, PARTNER_GTIN)]) for n in range(50)))
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, doc, limits=Limits(max_document_bytes=len(doc) - 1))
    assert caught.value.errors[0]["rule"]
    assert "bytes" in str(caught.value)
    assert _count(runtime, events, tenant) == 0
    assert _capture(runtime, tenant, doc, limits=Limits(max_document_bytes=len(doc))).captured == 50


def test_hostile_xml_is_refused(runtime: Runtime) -> None:
    """GEN-26: entity expansion is refused, not evaluated."""
    tenant = make_enterprise(runtime)
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
        b'creationDate="2026-01-01T00:00:00Z"><EPCISBody><EventList>&b;</EventList>'
        b"</EPCISBody></epcis:EPCISDocument>"
    )
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, hostile)
    assert caught.value.detail["unreadable"] is True
    assert _count(runtime, events, tenant) == 0


# --- projections ---------------------------------------------------------------------------


def test_unit_states_follow_pack_ship_receive_unpack_and_sell(runtime: Runtime) -> None:
    """QBT-7.4, QBT-11.3: status, container, lot, holder, location and last event per unit."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    bottles = list(range(1, 13))
    steps = [
        commission(*bottles, event_id="e:commission"),
        pack(sscc(1), [bottle(n) for n in bottles[:6]], event_id="e:case1"),
        pack(sscc(2), [bottle(n) for n in bottles[6:]], event_id="e:case2"),
        pack(sscc(9), [sscc(1), sscc(2)], event_id="e:pallet"),
        event(
            event_id="e:ship",
            epcList=[sscc(9)],
            biz_step="shipping",
            disposition="in_transit",
            time="2026-01-06T08:00:00+08:00",
        ),
        event(
            event_id="e:receive",
            epcList=[sscc(9)],
            biz_step="receiving",
            disposition="in_progress",
            location="shop",
            time="2026-01-07T08:00:00+08:00",
        ),
        event(
            "AggregationEvent",
            event_id="e:unpack",
            action="DELETE",
            biz_step="unpacking",
            parentID=sscc(1),
            childEPCs=[bottle(1)],
            time="2026-01-08T08:00:00+08:00",
        ),
        event(
            event_id="e:sell",
            epcList=[bottle(1)],
            biz_step="retail_selling",
            disposition="retail_sold",
            location="shop",
            time="2026-01-08T09:00:00+08:00",
        ),
    ]
    # One event per document, as they would arrive, to exercise state loaded from the store.
    for step in steps[:4]:
        assert _capture(runtime, tenant, document(step)).captured == 1
    state = _unit(runtime, bottle_key(2))
    assert state == {
        "status": "packed",
        "disposition": "active",
        "location": sgln("plant"),
        "holder_id": tenant.id,
        "parent": sscc_key(1),
        "lot": f"/01/{GTIN}/10/L1",
        "last_event": "e:case1",
    }
    assert _unit(runtime, sscc_key(1))["parent"] == sscc_key(9)
    for step in steps[4:6]:
        assert _capture(runtime, tenant, document(step)).captured == 1
    shipped_and_received = _unit(runtime, bottle_key(8))
    assert shipped_and_received["status"] == "received"
    assert shipped_and_received["location"] == sgln("shop")
    assert shipped_and_received["last_event"] == "e:receive"
    assert shipped_and_received["parent"] == sscc_key(2)
    assert _capture(runtime, tenant, document(*steps[6:])).captured == 2
    sold = _unit(runtime, bottle_key(1))
    assert sold | {"lot": None} == {
        "status": "sold",
        "disposition": "retail_sold",
        "location": sgln("shop"),
        "holder_id": tenant.id,
        "parent": None,
        "lot": None,
        "last_event": "e:sell",
    }
    assert sold["lot"] == f"/01/{GTIN}/10/L1"
    still_packed = _unit(runtime, bottle_key(2))
    assert (still_packed["status"], still_packed["parent"]) == ("received", sscc_key(1))
    pallet = _unit(runtime, sscc_key(9))
    assert (pallet["status"], pallet["parent"], pallet["last_event"]) == (
        "received",
        None,
        "e:receive",
    )


def test_shipping_a_pallet_moves_every_unit_inside_in_one_batch(runtime: Runtime) -> None:
    """QBT-7.4: the whole hierarchy in one document: children follow their container."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    result = _capture(
        runtime,
        tenant,
        document(
            commission(1, 2),
            pack(sscc(1), [bottle(1), bottle(2)]),
            pack(sscc(9), [sscc(1)]),
            event(epcList=[sscc(9)], biz_step="shipping", disposition="in_transit"),
        ),
    )
    assert result.captured == 4
    assert _unit(runtime, bottle_key(1))["status"] == "in_transit"
    assert _unit(runtime, sscc_key(1))["status"] == "in_transit"


def test_a_unit_in_a_second_container_is_rejected_naming_it(runtime: Runtime) -> None:
    """QBT-7.4: a unit sits in one container at a time; the error names the unit."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    _capture(runtime, tenant, document(commission(1, 2), pack(sscc(1), [bottle(1), bottle(2)])))
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, document(pack(sscc(2), [bottle(2)])))
    (error,) = caught.value.errors
    assert error["rule"] == "one_container"
    assert error["index"] == 0
    assert bottle(2) in error["message"] or bottle_key(2) in error["message"]
    assert sscc_key(1) in error["message"] or sscc(1) in error["message"]
    assert _unit(runtime, bottle_key(2))["parent"] == sscc_key(1)
    # In one document too: the second packing of the same bottle is the one refused.
    with pytest.raises(CaptureRejected) as caught:
        _capture(
            runtime,
            tenant,
            document(commission(3), pack(sscc(3), [bottle(3)]), pack(sscc(4), [bottle(3)])),
        )
    assert [(e["index"], e["rule"]) for e in caught.value.errors] == [(2, "one_container")]
    # Unpacked first, it may be packed again.
    unpack = event(
        "AggregationEvent",
        action="DELETE",
        biz_step="unpacking",
        parentID=sscc(1),
        childEPCs=[bottle(2)],
    )
    assert _capture(runtime, tenant, document(unpack, pack(sscc(2), [bottle(2)]))).captured == 2
    assert _unit(runtime, bottle_key(2))["parent"] == sscc_key(2)


def test_a_destroyed_unit_takes_no_new_events(runtime: Runtime) -> None:
    """A destroyed or decommissioned unit is terminal."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    destroy = event(epcList=[bottle(1)], action="DELETE", biz_step="destroying")
    decommission = event(epcList=[bottle(2)], action="DELETE", biz_step="decommissioning")
    _capture(runtime, tenant, document(commission(1, 2), destroy, decommission))
    assert _unit(runtime, bottle_key(1))["status"] == "destroyed"
    assert _unit(runtime, bottle_key(2))["status"] == "decommissioned"
    for serial in (1, 2):
        with pytest.raises(CaptureRejected) as caught:
            _capture(runtime, tenant, document(event(epcList=[bottle(serial)], biz_step="storing")))
        assert caught.value.errors[0]["rule"] == "terminal"
        assert bottle_key(serial) in caught.value.errors[0]["message"]
    with pytest.raises(CaptureRejected):
        _capture(runtime, tenant, document(pack(sscc(1), [bottle(1)])))
    assert _count(runtime, events, tenant) == 3


def test_a_destroyed_unit_leaves_its_container(runtime: Runtime) -> None:
    """A unit destroyed inside a case is no longer in it."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    destroy = event(epcList=[bottle(1)], action="DELETE", biz_step="destroying")
    _capture(runtime, tenant, document(commission(1, 2), pack(sscc(1), [bottle(1), bottle(2)])))
    _capture(runtime, tenant, document(destroy))
    assert _unit(runtime, bottle_key(1))["parent"] is None
    assert _unit(runtime, bottle_key(2))["parent"] == sscc_key(1)


def test_aggregation_of_unknown_own_children_is_refused_but_partner_children_pass(
    runtime: Runtime,
) -> None:
    """QBT-7.4: own products must be commissioned first; partners' products are taken as given."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, document(pack(sscc(1), [bottle(5)])))
    (error,) = caught.value.errors
    assert error["rule"] == "unknown_child"
    assert bottle_key(5) in error["message"]
    partner = pack(sscc(1), [bottle(5, PARTNER_GTIN)])
    assert _capture(runtime, tenant, document(partner)).captured == 1
    assert _unit(runtime, bottle_key(5, PARTNER_GTIN))["parent"] == sscc_key(1)


def test_commissioning_an_own_unit_twice_is_refused(runtime: Runtime) -> None:
    """An own unit is commissioned once."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    _capture(runtime, tenant, document(commission(1)))
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, document(commission(1, time="2026-02-01T00:00:00+00:00")))
    assert caught.value.errors[0]["rule"] == "commissioned_twice"


def test_transformation_links_input_and_output_lots(runtime: Runtime) -> None:
    """QBT-10.2.5: a transformation records lot → lot edges; quantities create lots."""
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    blend = event(
        "TransformationEvent",
        event_id="e:blend",
        biz_step="commissioning",
        inputQuantityList=[
            {"epcClass": lgtin("BASE1"), "quantity": 100, "uom": "LTR"},
            {"epcClass": lgtin("BASE2"), "quantity": 50, "uom": "LTR"},
        ],
        outputQuantityList=[{"epcClass": lgtin("BLEND"), "quantity": 150, "uom": "LTR"}],
    )
    bottling = event(
        "TransformationEvent",
        event_id="e:bottling",
        biz_step="commissioning",
        inputQuantityList=[{"epcClass": lgtin("BLEND"), "quantity": 150, "uom": "LTR"}],
        outputEPCList=[bottle(1), bottle(2)],
        ilmd={"cbvmda:lotNumber": "B1"},
    )
    assert _capture(runtime, tenant, document(blend)).captured == 1
    assert _capture(runtime, tenant, document(bottling)).captured == 1
    with runtime.uow(write=False) as uow:
        source, target = lots.alias("s"), lots.alias("t")
        edges = uow.connection.execute(
            sa.select(source.c.key, target.c.key, events.c.event_id)
            .select_from(
                lot_edges.join(source, source.c.id == lot_edges.c.input_lot_id)
                .join(target, target.c.id == lot_edges.c.output_lot_id)
                .join(events, events.c.id == lot_edges.c.event_pk)
            )
            .order_by(source.c.key, target.c.key)
        ).all()
        quantities = {
            row.key: row.quantity
            for row in uow.connection.execute(sa.select(lots.c.key, lots.c.quantity))
        }
    lot = f"/01/{GTIN}/10/"
    assert [tuple(e) for e in edges] == [
        (lot + "BASE1", lot + "BLEND", "e:blend"),
        (lot + "BASE2", lot + "BLEND", "e:blend"),
        (lot + "BLEND", lot + "B1", "e:bottling"),
    ]
    assert quantities[lot + "BASE1"] == "100"
    assert _unit(runtime, bottle_key(1))["lot"] == lot + "B1"
    assert _unit(runtime, bottle_key(1))["status"] == "commissioned"


def test_record_time_is_set_by_the_store(runtime: Runtime) -> None:
    """recordTime is the capture time, so GE_recordTime finds what was captured since."""
    tenant = make_enterprise(runtime)
    before = datetime.now().astimezone().isoformat()
    _capture(runtime, tenant, document(event(epcList=[bottle(1, PARTNER_GTIN)])))
    assert len(_query(runtime, tenant, GE_recordTime=before)) == 1


def test_documents_larger_than_a_batch_keep_state_between_batches(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events are stored in batches; later batches see the states earlier ones made."""
    monkeypatch.setattr("suyuan.services.capture.BATCH", 2)
    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    flow = [
        commission(1, 2, 3),
        pack(sscc(1), [bottle(1), bottle(2)]),
        commission(1, time="2026-02-01T00:00:00+00:00"),  # twice: refused
        commission(4, lot="L2"),
        pack(sscc(2), [bottle(3), bottle(4)]),
        pack(sscc(9), [sscc(1), sscc(2)]),
        event(epcList=[sscc(9)], biz_step="shipping", disposition="in_transit"),
    ]
    with pytest.raises(CaptureRejected) as caught:
        _capture(runtime, tenant, document(*flow))
    # Only the bad event is reported, not the events after it that depend on stored state.
    assert [(e["index"], e["rule"]) for e in caught.value.errors] == [(2, "commissioned_twice")]
    assert _count(runtime, events, tenant) == 0
    result = _capture(runtime, tenant, document(*flow), Behaviour.PROCEED)
    assert (result.captured, result.rejected) == (6, 1)
    assert _unit(runtime, bottle_key(2))["status"] == "in_transit"
    assert _unit(runtime, bottle_key(4))["parent"] == sscc_key(2)
    assert _unit(runtime, bottle_key(4))["status"] == "in_transit"
    with runtime.uow(write=False) as uow:
        seqs = (
            uow.connection.execute(
                sa.select(events.c.seq).where(events.c.tenant_id == tenant.id).order_by(events.c.id)
            )
            .scalars()
            .all()
        )
    assert seqs == [1, 2, 3, 4, 5, 6]


def test_concurrent_captures_of_a_new_tenant_all_succeed_on_one_chain(runtime: Runtime) -> None:
    """Captures racing for a tenant's first chain head queue up instead of failing."""
    import threading

    tenant = make_enterprise(runtime)
    failures: list[BaseException] = []

    def capture(n: int) -> None:
        try:
            doc = document(event(event_id=f"e{n}", epcList=[bottle(n, PARTNER_GTIN)]))
            _capture(runtime, tenant, doc)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=capture, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with runtime.uow(write=False) as uow:
        seqs = (
            uow.connection.execute(
                sa.select(events.c.seq)
                .where(events.c.tenant_id == tenant.id)
                .order_by(events.c.seq)
            )
            .scalars()
            .all()
        )
    assert seqs == [1, 2, 3, 4]
