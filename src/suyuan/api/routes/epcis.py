"""/epcis: the EPCIS 2.0 REST binding (capture, events, top-level resources, named queries)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from suyuan.api.deps import ActorDep, RuntimeDep, UowDep
from suyuan.capture import write_events
from suyuan.capture.limits import Limits
from suyuan.capture.model import ParsedEvent
from suyuan.errors import Conflict, InvalidInput, NotFound
from suyuan.queries.events import (
    EVENT_TYPES,
    EventQuery,
    convert_epc_format,
    distinct_values,
    parse_query,
    query_events,
)
from suyuan.services.capture import Behaviour, CaptureRejected, capture_document, get_capture
from suyuan.services.enterprises import resolve_tenant
from suyuan.storage.tables import named_queries

router = APIRouter(prefix="/epcis", tags=["epcis"])
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}


def _wants_xml(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "xml" in accept and "json" not in accept


@router.post("/capture", status_code=202)
async def capture_route(request: Request, actor: ActorDep, runtime: RuntimeDep) -> Response:
    """Capture an EPCIS document (JSON-LD or XML); 202 with the capture job's location."""
    raw = request.headers.get("gs1-capture-error-behaviour", "rollback").lower()
    try:
        behaviour = Behaviour(raw)
    except ValueError:
        raise InvalidInput(f"GS1-Capture-Error-Behaviour {raw!r}: rollback or proceed") from None
    body = await request.body()
    settings = runtime.settings
    with runtime.uow(write=False) as uow:
        tenant = resolve_tenant(uow, actor, None)
    try:
        result = capture_document(
            runtime.uow,
            actor,
            tenant_id=tenant,
            source=body,
            content_type=request.headers.get("content-type"),
            behaviour=behaviour,
            limits=Limits(max_document_bytes=settings.max_capture_bytes),
            name="POST /epcis/capture",
            seal_every=settings.seal_every,
            key_dir=settings.key_dir,
        )
        capture_id = result.capture_id
    except CaptureRejected as exc:
        if exc.detail.get("unreadable") or exc.detail.get("capture_id") is None:
            raise
        capture_id = exc.detail["capture_id"]
    return Response(
        status_code=202,
        headers={"Location": f"/epcis/capture/{capture_id}"} | VERSION_HEADERS,
    )


@router.get("/capture/{capture_id}")
def capture_status_route(capture_id: int, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """A capture job: running, success, counts and errors."""
    return get_capture(uow, actor, capture_id)


def _events_response(
    request: Request, events: list[ParsedEvent], next_token: str | None, query_name: str | None
) -> Response:
    mode = request.headers.get("gs1-epc-format")
    converted = [
        ParsedEvent(
            e.index, convert_epc_format(e.event, mode), e.namespaces, e.location, e.source_format
        )
        for e in events
    ]
    headers = dict(VERSION_HEADERS)
    if next_token:
        params = dict(request.query_params) | {"nextPageToken": next_token}
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    if _wants_xml(request):
        body = write_events(converted, "xml", query_name=query_name or "SimpleEventQuery")
        return Response(body, media_type="application/xml", headers=headers)
    body = write_events(converted, "jsonld", query_name=query_name or "SimpleEventQuery")
    return Response(body, media_type="application/ld+json", headers=headers)


def _run(
    request: Request, uow: UowDep, actor: ActorDep, query: EventQuery, name: str | None = None
) -> Response:
    page = query_events(uow.connection, actor, query)
    return _events_response(request, page.events, page.next_token, name)


@router.get("/events")
def events_route(request: Request, uow: UowDep, actor: ActorDep) -> Response:
    """Query events with the standard EPCIS query parameters."""
    return _run(request, uow, actor, parse_query(_multi(request)))


def _multi(request: Request) -> dict[str, list[str] | str]:
    params: dict[str, list[str] | str] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values if len(values) > 1 else values[0]
    return params


@router.get("/events/{event_id:path}")
def event_route(event_id: str, request: Request, uow: UowDep, actor: ActorDep) -> Response:
    """One event by its eventID."""
    page = query_events(uow.connection, actor, parse_query({"EQ_eventID": [event_id]}))
    if not page.events:
        raise NotFound(f"event {event_id!r} not found")
    return _events_response(request, page.events, None, None)


@router.get("/epcs/{epc:path}/events")
def epc_events_route(epc: str, request: Request, uow: UowDep, actor: ActorDep) -> Response:
    """Events naming one EPC (URN or Digital Link) in any role."""
    params = _multi(request) | {"MATCH_anyEPC": [epc]}
    return _run(request, uow, actor, parse_query(params))


def _collection(members: list[str]) -> JSONResponse:
    return JSONResponse(
        {"@context": [CONTEXT], "type": "Collection", "member": members}, headers=VERSION_HEADERS
    )


@router.get("/eventTypes")
def event_types_route(actor: ActorDep) -> JSONResponse:
    """The event types this repository supports."""
    return _collection(list(EVENT_TYPES))


@router.get("/eventTypes/{event_type}/events")
def event_type_events_route(
    event_type: str, request: Request, uow: UowDep, actor: ActorDep
) -> Response:
    """Events of one type."""
    return _run(request, uow, actor, parse_query(_multi(request) | {"eventType": [event_type]}))


_RESOURCES = {
    "bizSteps": ("biz_step", "EQ_bizStep"),
    "dispositions": ("disposition", "EQ_disposition"),
    "readPoints": ("read_point", "EQ_readPoint"),
    "bizLocations": ("biz_location", "EQ_bizLocation"),
}


def _resource_routes(resource: str, column: str, parameter: str) -> None:
    def list_values(uow: UowDep, actor: ActorDep) -> JSONResponse:
        return _collection(distinct_values(uow.connection, actor, column))

    def value_events(value: str, request: Request, uow: UowDep, actor: ActorDep) -> Response:
        return _run(request, uow, actor, parse_query(_multi(request) | {parameter: [value]}))

    list_values.__doc__ = f"The {resource} used by stored events."
    value_events.__doc__ = f"Events with one of the {resource}."
    router.add_api_route(f"/{resource}", list_values, methods=["GET"], name=f"{resource}")
    router.add_api_route(
        f"/{resource}/{{value:path}}/events",
        value_events,
        methods=["GET"],
        name=f"{resource}_events",
    )


for _resource, (_column, _parameter) in _RESOURCES.items():
    _resource_routes(_resource, _column, _parameter)


@router.post("/queries", status_code=201)
async def create_query_route(request: Request, uow: UowDep, actor: ActorDep) -> Response:
    """Create a named query: {"name": ..., "query": {EPCIS query parameters}}."""
    try:
        body = orjson.loads(await request.body())
        name, query = str(body["name"]), body["query"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise InvalidInput('body must be {"name": ..., "query": {...}}') from None
    parse_query(query)
    tenant = resolve_tenant(uow, actor, None)
    conn = uow.connection
    exists = conn.execute(
        sa.select(named_queries.c.name).where(
            named_queries.c.tenant_id == tenant, named_queries.c.name == name
        )
    ).first()
    if exists:
        raise Conflict(f"query {name!r} already exists")
    from suyuan.services.clock import now

    conn.execute(
        named_queries.insert().values(tenant_id=tenant, name=name, query=query, created_at=now())
    )
    uow.commit()
    return Response(status_code=201, headers={"Location": f"/epcis/queries/{name}"})


def _named(uow: UowDep, actor: ActorDep, name: str) -> dict[str, Any]:
    tenant = resolve_tenant(uow, actor, None)
    row = uow.connection.execute(
        sa.select(named_queries).where(
            named_queries.c.tenant_id == tenant, named_queries.c.name == name
        )
    ).first()
    if row is None:
        raise NotFound(f"query {name!r} not found")
    return dict(row.query)


@router.get("/queries")
def list_queries_route(uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Named queries of the caller's enterprise."""
    tenant = resolve_tenant(uow, actor, None)
    rows = uow.connection.execute(
        sa.select(named_queries).where(named_queries.c.tenant_id == tenant)
    )
    return [{"name": row.name, "query": row.query} for row in rows]


@router.get("/queries/{name}")
def get_query_route(name: str, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """One named query's definition."""
    return {"name": name, "query": _named(uow, actor, name)}


@router.delete("/queries/{name}", status_code=204)
def delete_query_route(name: str, uow: UowDep, actor: ActorDep) -> Response:
    """Delete a named query."""
    _named(uow, actor, name)
    tenant = resolve_tenant(uow, actor, None)
    uow.connection.execute(
        named_queries.delete().where(
            named_queries.c.tenant_id == tenant, named_queries.c.name == name
        )
    )
    uow.commit()
    return Response(status_code=204)


@router.get("/queries/{name}/events")
def named_query_events_route(name: str, request: Request, uow: UowDep, actor: ActorDep) -> Response:
    """Run a named query."""
    params = _named(uow, actor, name) | {
        k: v for k, v in _multi(request).items() if k in ("perPage", "nextPageToken")
    }
    return _run(request, uow, actor, parse_query(params), name)
