"""The EPCIS 2.0 REST binding under /epcis on both databases (GEN-26, QBT-11.3, QBT-4.6)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest

from event_documents import (
    PARTNER_GTIN,
    bottle,
    commission,
    document,
    event,
    lgtin,
    pack,
    sgln,
    sscc,
)
from factories import ApiUser, make_api_user, make_enterprise, make_product
from suyuan.bootstrap import Runtime
from suyuan.services.clock import now

JSONLD = {"Content-Type": "application/ld+json"}
DL_BOTTLE_9 = f"https://id.gs1.org/01/{PARTNER_GTIN}/21/9"


def _catalog() -> list[dict[str, Any]]:
    """Seven events, each picked out by at least one query parameter."""
    e5 = event(
        event_id="e5",
        time="2026-01-05T00:00:00+00:00",
        biz_step="receiving",
        disposition="in_progress",
        quantityList=[{"epcClass": lgtin("LOTB"), "quantity": 5, "uom": "KGM"}],
    )
    return [
        commission(
            1,
            2,
            event_id="e1",
            time="2026-01-01T00:00:00+00:00",
            readPoint={"id": sgln("rp1")},
            bizTransactionList=[{"type": "po", "bizTransaction": "urn:po:1"}],
        ),
        pack(sscc(1), [bottle(1), bottle(2)], event_id="e2", time="2026-01-02T00:00:00+00:00"),
        event(
            event_id="e3",
            time="2026-01-03T00:00:00+00:00",
            epcList=[sscc(1)],
            biz_step="shipping",
            disposition="in_transit",
            location="loc2",
            readPoint={"id": sgln("rp2")},
            bizTransactionList=[{"type": "desadv", "bizTransaction": "urn:desadv:9"}],
        ),
        event(
            "TransformationEvent",
            event_id="e4",
            time="2026-01-04T00:00:00+00:00",
            inputEPCList=[bottle(7, PARTNER_GTIN)],
            outputEPCList=[bottle(8, PARTNER_GTIN)],
            inputQuantityList=[{"epcClass": lgtin("LOTA"), "quantity": 1, "uom": "KGM"}],
        ),
        e5,
        event(
            "TransactionEvent",
            event_id="e6",
            action="ADD",
            time="2026-01-06T00:00:00+00:00",
            epcList=[bottle(3, PARTNER_GTIN)],
            bizTransactionList=[{"type": "po", "bizTransaction": "urn:po:2"}],
        ),
        e5
        | {
            "errorDeclaration": {
                "declarationTime": "2026-01-07T00:00:00Z",
                "reason": "incorrect_data",
            }
        },
    ]


LATE = event(event_id="e8", time="2026-01-08T00:00:00+00:00", epcList=[DL_BOTTLE_9])
ALL = ["e1", "e2", "e3", "e4", "e5", "e5!", "e6", "e8"]


class Store:
    """A tenant with the catalog captured through the API, and a second tenant's user."""

    def __init__(self, client: Any, runtime: Runtime) -> None:
        self.client = client
        self.enterprise = make_enterprise(runtime)
        make_product(runtime, self.enterprise)
        self.user = make_api_user(runtime, self.enterprise)
        self.job = _post(client, self.user, document(*_catalog()))
        self.between = now().isoformat()
        _post(client, self.user, document(LATE))
        self.other = make_api_user(runtime, make_enterprise(runtime))

    def get(self, path: str, user: ApiUser | None = None, **headers: str) -> Any:
        """GET as ``user`` (the tenant's by default); asserts 200."""
        response = self.client.get(path, headers=(user or self.user).headers | headers)
        assert response.status_code == 200, response.text
        return response

    def labels(self, path: str, params: dict[str, str] | None = None) -> list[str]:
        response = self.client.get(path, params=params or {}, headers=self.user.headers)
        assert response.status_code == 200, (params, response.text)
        return _labels(response.json())


def _post(client: Any, user: ApiUser, body: bytes, **headers: str) -> str:
    response = client.post("/epcis/capture", content=body, headers=user.headers | JSONLD | headers)
    assert response.status_code == 202, response.text
    location = str(response.headers["Location"])
    assert location.startswith("/epcis/capture/")
    return location


def _events(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"])


def _labels(body: dict[str, Any]) -> list[str]:
    return [e["eventID"] + ("!" if "errorDeclaration" in e else "") for e in _events(body)]


@pytest.fixture
def store(client: Any, runtime: Runtime) -> Store:
    """The catalog, captured."""
    return Store(client, runtime)


def test_epcis_endpoints_require_a_token(client: Any) -> None:
    """GEN-21: capture, queries and jobs answer 401 without a valid bearer token."""
    for method, path in (
        ("GET", "/epcis/events"),
        ("POST", "/epcis/capture"),
        ("GET", "/epcis/capture/1"),
        ("GET", "/epcis/queries"),
        ("GET", "/epcis/eventTypes"),
        ("GET", "/epcis/epcs/urn:epc:id:sscc:6901234.0000000001/events"),
    ):
        response = client.request(method, path, headers={"Authorization": "Bearer sy_nope"})
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "unauthenticated"
        assert client.request(method, path).status_code == 401


def test_capture_answers_202_with_a_job_that_reports_its_outcome(store: Store) -> None:
    """GEN-26: POST /epcis/capture → 202 + Location; the job says what was stored."""
    job = store.get(store.job).json()
    assert (job["running"], job["success"], job["captured"], job["errors"]) == (False, True, 7, [])
    again = _post(store.client, store.user, document(*_catalog()))
    job = store.get(again).json()
    assert (job["success"], job["captured"], job["duplicates"]) == (True, 0, 7)


def _bad_document() -> bytes:
    bad = event(epcList=[bottle(4, PARTNER_GTIN)], action="SOMETIMES")
    return document(event(epcList=[bottle(5, PARTNER_GTIN)], event_id="good"), bad)


def test_rollback_is_the_default_and_the_job_names_the_bad_event(store: Store) -> None:
    """GEN-26: a bad event rejects the document; the job lists index, location, field, rule."""
    location = _post(store.client, store.user, _bad_document())
    job = store.get(location).json()
    assert (job["success"], job["status"], job["captured"], job["rejected"]) == (
        False,
        "failed",
        0,
        1,
    )
    error = job["errors"][0]
    assert (error["index"], error["location"], error["field"]) == (
        1,
        "/epcisBody/eventList/1",
        "action",
    )
    assert error["rule"]
    assert store.labels("/epcis/events", {"EQ_eventID": "good"}) == []


def test_proceed_through_the_header_stores_the_good_events(store: Store) -> None:
    """GEN-26: GS1-Capture-Error-Behaviour: proceed."""
    headers = {"GS1-Capture-Error-Behaviour": "proceed"}
    location = _post(store.client, store.user, _bad_document(), **headers)
    job = store.get(location).json()
    assert (job["status"], job["captured"], job["rejected"]) == ("partial", 1, 1)
    assert store.labels("/epcis/events", {"EQ_eventID": "good"}) == ["good"]
    response = store.client.post(
        "/epcis/capture",
        content=_bad_document(),
        headers=store.user.headers | JSONLD | {"GS1-Capture-Error-Behaviour": "sometimes"},
    )
    assert response.status_code == 400
    assert "GS1-Capture-Error-Behaviour" in response.json()["error"]["message"]


def test_hostile_xml_is_refused_with_a_clear_error(store: Store) -> None:
    """GEN-26: XXE is refused before parsing; the answer says why."""
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
        b'creationDate="2026-01-01T00:00:00Z"><EPCISBody><EventList>&x;</EventList>'
        b"</EPCISBody></epcis:EPCISDocument>"
    )
    response = store.client.post(
        "/epcis/capture",
        content=hostile,
        headers=store.user.headers | {"Content-Type": "application/xml"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "root:" not in response.text
    assert "DTD" in error["message"] or "entit" in error["message"].lower()
    assert error["detail"]["capture_id"]


QUERIES: list[tuple[dict[str, str], list[str]]] = [
    ({"eventType": "AggregationEvent"}, ["e2"]),
    ({"eventType": "TransformationEvent,TransactionEvent"}, ["e4", "e6"]),
    ({"GE_eventTime": "2026-01-06T00:00:00Z"}, ["e6", "e8"]),
    ({"LT_eventTime": "2026-01-02T00:00:00+00:00"}, ["e1"]),
    ({"EQ_action": "ADD"}, ["e1", "e2", "e6"]),
    ({"EQ_bizStep": "shipping"}, ["e3"]),
    ({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:receiving"}, ["e5", "e5!"]),
    ({"EQ_disposition": "in_transit"}, ["e3"]),
    ({"EQ_readPoint": sgln("rp2")}, ["e3"]),
    ({"EQ_bizLocation": sgln("plant")}, ["e1"]),
    ({"MATCH_epc": bottle(1)}, ["e1", "e2"]),
    ({"MATCH_epc": "https://id.gs1.org/01/06901234567892/21/2"}, ["e1", "e2"]),
    ({"MATCH_epc": "urn:epc:idpat:sgtin:6901234.056789.*"}, ["e1", "e2"]),
    ({"MATCH_epc": "urn:epc:id:sgtin:6911234.056789.9"}, ["e8"]),
    ({"MATCH_parentID": sscc(1)}, ["e2"]),
    ({"MATCH_inputEPC": bottle(7, PARTNER_GTIN)}, ["e4"]),
    ({"MATCH_outputEPC": bottle(8, PARTNER_GTIN)}, ["e4"]),
    ({"MATCH_anyEPC": sscc(1)}, ["e2", "e3"]),
    ({"MATCH_anyEPC": bottle(7, PARTNER_GTIN)}, ["e4"]),
    ({"MATCH_epcClass": lgtin("LOTB")}, ["e5", "e5!"]),
    ({"MATCH_epcClass": "urn:epc:idpat:sgtin:6901234.056789.*"}, ["e5", "e5!"]),
    ({"EQ_bizTransaction_po": "urn:po:1"}, ["e1"]),
    ({"EQ_bizTransaction_desadv": "urn:desadv:9"}, ["e3"]),
    ({"EQ_eventID": "e4"}, ["e4"]),
    ({"EXISTS_errorDeclaration": "true"}, ["e5!"]),
    (
        {"orderBy": "eventTime", "orderDirection": "DESC"},
        [*ALL[::-1][:2], "e5!", "e5", *ALL[:4][::-1]],
    ),
    ({"EQ_bizStep": "shipping", "EQ_disposition": "in_progress"}, []),
]


def test_every_query_parameter_filters(store: Store) -> None:
    """GEN-26: each standard parameter narrows the result exactly as the standard says."""
    assert store.labels("/epcis/events") == ALL
    for params, expected in QUERIES:
        assert store.labels("/epcis/events", params) == expected, params


def test_record_time_bounds(store: Store) -> None:
    """GE_/LT_recordTime split the two captures."""
    assert store.labels("/epcis/events", {"GE_recordTime": store.between}) == ["e8"]
    assert store.labels("/epcis/events", {"LT_recordTime": store.between}) == ALL[:-1]
    ordered = store.labels("/epcis/events", {"orderBy": "recordTime", "orderDirection": "DESC"})
    assert ordered[0] == "e8"


def test_bad_query_parameters_are_refused(store: Store) -> None:
    """QueryParameterException: unknown names and bad values are 400, naming the parameter."""
    for params in (
        {"EQ_colour": "red"},
        {"GE_eventTime": "yesterday"},
        {"perPage": "0"},
        {"orderBy": "colour"},
        {"nextPageToken": "garbage"},
    ):
        response = store.client.get("/epcis/events", params=params, headers=store.user.headers)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "query_parameter_exception", params
        assert next(iter(params)) in response.json()["error"]["message"], params


def test_pages_follow_next_page_token_and_the_link_header(store: Store) -> None:
    """GEN-26: perPage with nextPageToken walks every event once, in order."""
    seen: list[str] = []
    params: dict[str, str] = {"perPage": "3", "eventType": "ObjectEvent,AggregationEvent"}
    pages = 0
    while True:
        response = store.client.get("/epcis/events", params=params, headers=store.user.headers)
        body = response.json()
        seen += _labels(body)
        pages += 1
        link = response.headers.get("Link")
        if not link:
            break
        url = link[link.index("<") + 1 : link.index(">")]
        assert urlsplit(url).path == "/epcis/events"
        params = dict(parse_qsl(urlsplit(url).query))
        assert params["perPage"] == "3"
        assert params["eventType"] == "ObjectEvent,AggregationEvent"
        assert params["nextPageToken"]
    assert seen == ["e1", "e2", "e3", "e5", "e5!", "e8"]
    assert pages == 2


@pytest.mark.parametrize(("order", "direction"), [("eventTime", "ASC"), ("recordTime", "DESC")])
def test_one_event_per_page_walks_ties_in_both_directions(
    store: Store, order: str, direction: str
) -> None:
    """Equal times (e5 and its declaration; one capture's recordTime) never lose an event."""
    params = {"perPage": "1", "orderBy": order, "orderDirection": direction}
    seen: list[str] = []
    for _ in range(len(ALL) + 1):
        response = store.client.get("/epcis/events", params=params, headers=store.user.headers)
        seen += _labels(response.json())
        token = _next_token(response.headers.get("Link"))
        if token is None:
            break
        params["nextPageToken"] = token
    assert sorted(seen) == sorted(ALL)
    if order == "eventTime":
        assert seen == ALL


def _next_token(link: str | None) -> str | None:
    if not link:
        return None
    url = link[link.index("<") + 1 : link.index(">")]
    return dict(parse_qsl(urlsplit(url).query))["nextPageToken"]


def test_xml_is_returned_on_accept(store: Store) -> None:
    """GEN-26: Accept: application/xml gives an EPCISQueryDocument in XML."""
    response = store.get("/epcis/events?EQ_eventID=e3", Accept="application/xml")
    assert response.headers["content-type"].startswith("application/xml")
    text = response.text
    assert "EPCISQueryDocument" in text
    assert "<eventID>e3</eventID>" in text
    assert "urn:epcglobal:cbv:bizstep:shipping" in text
    assert (
        store.get("/epcis/events?EQ_eventID=e3")
        .headers["content-type"]
        .startswith("application/ld+json")
    )


def test_gs1_epc_format_header_converts_both_ways(store: Store) -> None:
    """GEN-26: GS1-EPC-Format: Always_GS1_Digital_Link / Always_EPC_URN."""

    def first(path: str, mode: str) -> dict[str, Any]:
        response = store.client.get(path, headers=store.user.headers | {"GS1-EPC-Format": mode})
        return _events(response.json())[0]

    as_dl = first("/epcis/events?EQ_eventID=e2", "Always_GS1_Digital_Link")
    assert as_dl["parentID"] == "https://id.gs1.org/00/069012340000000016"
    assert as_dl["childEPCs"][0] == "https://id.gs1.org/01/06901234567892/21/1"
    as_urn = first("/epcis/events?EQ_eventID=e8", "Always_EPC_URN")
    assert as_urn["epcList"] == ["urn:epc:id:sgtin:6911234.056789.9"]
    unchanged = first("/epcis/events?EQ_eventID=e8", "No_Preference")
    assert unchanged["epcList"] == [DL_BOTTLE_9]


def test_top_level_resources(store: Store) -> None:
    """GEN-26: /eventTypes, /bizSteps, /dispositions, /epcs/{epc}/events and their events."""
    assert "AssociationEvent" in store.get("/epcis/eventTypes").json()["member"]
    steps = store.get("/epcis/bizSteps").json()["member"]
    assert steps == ["commissioning", "packing", "receiving", "shipping"]
    assert store.get("/epcis/dispositions").json()["member"] == [
        "active",
        "in_progress",
        "in_transit",
    ]
    assert store.labels("/epcis/bizSteps/shipping/events") == ["e3"]
    assert store.labels("/epcis/dispositions/active/events") == ["e1"]
    assert store.labels(f"/epcis/epcs/{sscc(1)}/events") == ["e2", "e3"]
    assert store.labels(f"/epcis/epcs/{DL_BOTTLE_9}/events") == ["e8"]
    assert store.labels("/epcis/eventTypes/TransactionEvent/events") == ["e6"]
    assert store.labels("/epcis/events/e4") == ["e4"]
    assert store.client.get("/epcis/events/nope", headers=store.user.headers).status_code == 404


def test_named_queries_are_created_listed_run_and_deleted(store: Store) -> None:
    """GEN-26: /epcis/queries."""
    client, headers = store.client, store.user.headers
    body = {"name": "shipped", "query": {"EQ_bizStep": "shipping"}}
    response = client.post("/epcis/queries", json=body, headers=headers)
    assert response.status_code == 201
    assert response.headers["Location"] == "/epcis/queries/shipped"
    assert client.post("/epcis/queries", json=body, headers=headers).status_code == 409
    bad = {"name": "bad", "query": {"EQ_colour": "red"}}
    assert client.post("/epcis/queries", json=bad, headers=headers).status_code == 400
    assert store.get("/epcis/queries").json() == [body]
    assert store.get("/epcis/queries/shipped").json() == body
    assert store.labels("/epcis/queries/shipped/events") == ["e3"]
    # Another enterprise sees neither the query nor can run it.
    assert store.get("/epcis/queries", store.other).json() == []
    response = client.get("/epcis/queries/shipped/events", headers=store.other.headers)
    assert response.status_code == 404
    assert client.delete("/epcis/queries/shipped", headers=headers).status_code == 204
    assert client.get("/epcis/queries/shipped", headers=headers).status_code == 404


def test_an_enterprise_sees_none_of_another_enterprises_events_or_jobs(store: Store) -> None:
    """QBT-4.6: tenant isolation for events, EPC lookups, resources and capture jobs."""
    other = store.other
    assert _labels(store.get("/epcis/events", other).json()) == []
    assert _labels(store.get(f"/epcis/epcs/{sscc(1)}/events", other).json()) == []
    assert store.get("/epcis/bizSteps", other).json()["member"] == []
    assert store.client.get(store.job, headers=other.headers).status_code == 404
    assert store.client.get("/epcis/events/e4", headers=other.headers).status_code == 404
    # The other enterprise captures the same eventIDs without colliding.
    location = _post(store.client, other, document(*_catalog()[3:5]))
    assert store.get(location, other).json()["captured"] == 2
    assert _labels(store.get("/epcis/events", other).json()) == ["e4", "e5"]
    assert store.labels("/epcis/events", {"EQ_eventID": "e4"}) == ["e4"]


def test_a_regulator_reads_every_enterprise(store: Store, runtime: Runtime) -> None:
    """A platform regulator queries across enterprises."""
    regulator = make_api_user(runtime, None, roles="regulator")
    assert len(_labels(store.get("/epcis/events", regulator).json())) == len(ALL)
    response = store.client.post(
        "/epcis/capture", content=document(LATE), headers=regulator.headers | JSONLD
    )
    assert response.status_code in (403, 404)


def test_query_document_is_valid_json_ld(store: Store) -> None:
    """The response is an EPCISQueryDocument with the EPCIS context."""
    body = orjson.loads(store.get("/epcis/events?EQ_eventID=e1").content)
    assert body["type"] == "EPCISQueryDocument"
    assert "epcis-context.jsonld" in orjson.dumps(body["@context"]).decode()
    assert store.get("/epcis/events").headers["GS1-EPCIS-Version"] == "2.0.0"
