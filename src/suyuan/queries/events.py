"""EPCIS 2.0 event queries: the standard query parameters translated into indexed SQL.

Identifiers in MATCH_ parameters may be EPC URNs (pure identity or ``idpat`` patterns),
Digital Link URIs or element strings; they are matched on canonical keys, so a query
by Digital Link finds events captured with EPC URNs and the other way round.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from suyuan.capture.cbv import Vocabulary, to_json_form
from suyuan.capture.model import ParsedEvent, SourceFormat
from suyuan.domain.access import Actor
from suyuan.domain.events import SUYUAN_NAMESPACE, SUYUAN_PREFIX, identifier_key, parse_time
from suyuan.errors import InvalidInput
from suyuan.identifiers.epc import digital_link_to_epc, epc_to_digital_link
from suyuan.storage.tables import event_attributes, event_corrections, event_epcs, events

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
_MATCH_ROLES: dict[str, tuple[str, ...]] = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("qty", "cqty"),
    "MATCH_inputEPCClass": ("iqty",),
    "MATCH_outputEPCClass": ("oqty",),
    "MATCH_anyEPCClass": ("qty", "cqty", "iqty", "oqty"),
}
_EQ_COLUMNS = {
    "EQ_action": events.c.action,
    "EQ_readPoint": events.c.read_point,
    "EQ_bizLocation": events.c.biz_location,
    "EQ_eventID": events.c.event_id,
}
_TIME_BOUNDS = {
    "GE_eventTime": (events.c.event_time, ">="),
    "LT_eventTime": (events.c.event_time, "<"),
    "GE_recordTime": (events.c.record_time, ">="),
    "LT_recordTime": (events.c.record_time, "<"),
}
_ATTRIBUTE_PREFIXES = ("EQ_bizTransaction_", "EQ_source_", "EQ_destination_")
_CONTROL = {"perPage", "nextPageToken", "orderBy", "orderDirection", "eventCountLimit"}


class InvalidQuery(InvalidInput):
    """A query parameter is unknown or has a bad value (QueryParameterException)."""

    code = "query_parameter_exception"


@dataclass(frozen=True, slots=True)
class EventQuery:
    """A parsed EPCIS query: parameter name → list of values."""

    params: dict[str, list[str]] = field(default_factory=dict)
    per_page: int = DEFAULT_PER_PAGE
    order_by: str = "eventTime"
    descending: bool = False
    after: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of results and the token of the next, if any."""

    events: list[ParsedEvent]
    next_token: str | None


def _values(raw: str | Sequence[str]) -> list[str]:
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


def parse_query(raw: Mapping[str, str | Sequence[str]]) -> EventQuery:
    """Parse query parameters (REST query string or a named query's body)."""
    params: dict[str, list[str]] = {}
    for name, value in raw.items():
        if name in _CONTROL:
            continue
        if not _known(name):
            raise InvalidQuery(f"unknown query parameter {name!r}", detail={"parameter": name})
        params[name] = _values(value)
    order_by = str(raw.get("orderBy", "eventTime"))
    if order_by not in ("eventTime", "recordTime"):
        raise InvalidQuery(f"orderBy {order_by!r}: must be eventTime or recordTime")
    direction = str(raw.get("orderDirection", "ASC")).upper()
    if direction not in ("ASC", "DESC"):
        raise InvalidQuery(f"orderDirection {direction!r}: must be ASC or DESC")
    per_page = _int(raw.get("perPage", raw.get("eventCountLimit", DEFAULT_PER_PAGE)), "perPage")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidQuery(f"perPage {per_page}: must be 1 to {MAX_PER_PAGE}")
    token = raw.get("nextPageToken")
    return EventQuery(
        params=params,
        per_page=per_page,
        order_by=order_by,
        descending=direction == "DESC",
        after=_decode_token(str(token)) if token else None,
    )


def _known(name: str) -> bool:
    return (
        name in _MATCH_ROLES
        or name in _EQ_COLUMNS
        or name in _TIME_BOUNDS
        or name in ("eventType", "EQ_bizStep", "EQ_disposition", "EXISTS_errorDeclaration")
        or name.startswith(_ATTRIBUTE_PREFIXES)
    )


def _int(value: Any, name: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidQuery(f"{name} {value!r}: must be an integer") from None


def _encode_token(value: str, pk: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([value, pk])).decode().rstrip("=")


def _decode_token(token: str) -> tuple[str, int]:
    try:
        value, pk = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return str(value), int(pk)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidQuery(f"nextPageToken {token!r} is not valid") from None


def _match(roles: tuple[str, ...], values: list[str]) -> sa.ColumnElement[bool]:
    exact, patterns = [], []
    for value in values:
        if value.endswith("*"):
            patterns.append(identifier_key(value) + "/%")
        else:
            exact.append(identifier_key(value))
    conditions: list[sa.ColumnElement[bool]] = []
    if exact:
        conditions.append(event_epcs.c.epc.in_(exact))
    conditions += [event_epcs.c.epc.like(p) for p in patterns]
    return events.c.id.in_(
        sa.select(event_epcs.c.event_pk).where(event_epcs.c.role.in_(roles), sa.or_(*conditions))
    )


def _conditions(query: EventQuery) -> Iterator[sa.ColumnElement[bool]]:
    for name, values in query.params.items():
        if name == "eventType":
            yield events.c.event_type.in_(values)
        elif name == "EQ_bizStep":
            yield events.c.biz_step.in_([to_json_form(Vocabulary.BIZ_STEP, v) for v in values])
        elif name == "EQ_disposition":
            yield events.c.disposition.in_(
                [to_json_form(Vocabulary.DISPOSITION, v) for v in values]
            )
        elif name in _EQ_COLUMNS:
            yield _EQ_COLUMNS[name].in_(values)
        elif name in _TIME_BOUNDS:
            column, op = _TIME_BOUNDS[name]
            moment = _time(values, name)
            yield column >= moment if op == ">=" else column < moment
        elif name in _MATCH_ROLES:
            yield _match(_MATCH_ROLES[name], values)
        elif name == "EXISTS_errorDeclaration":
            yield events.c.has_error_declaration.is_(True)
        else:
            yield _attribute(name, values)


def _time(values: list[str], name: str) -> datetime:
    if len(values) != 1:
        raise InvalidQuery(f"{name}: give exactly one timestamp")
    try:
        return parse_time(values[0], field=name)
    except InvalidInput as exc:
        raise InvalidQuery(str(exc)) from exc


def _attribute(name: str, values: list[str]) -> sa.ColumnElement[bool]:
    prefix = next(p for p in _ATTRIBUTE_PREFIXES if name.startswith(p))
    kind = name[len(prefix) :]
    vocabulary = (
        Vocabulary.BIZ_TRANSACTION_TYPE
        if prefix == "EQ_bizTransaction_"
        else Vocabulary.SOURCE_DESTINATION_TYPE
    )
    attribute = f"{prefix[3:-1]}:{to_json_form(vocabulary, kind)}"
    return events.c.id.in_(
        sa.select(event_attributes.c.event_pk).where(
            event_attributes.c.name == attribute, event_attributes.c.value.in_(values)
        )
    )


def _tenant_scope(actor: Actor) -> sa.ColumnElement[bool] | None:
    if actor.is_system or (actor.is_platform and actor.can_read_tenant(-1)):
        return None
    return events.c.tenant_id == (actor.enterprise_id if actor.enterprise_id is not None else -1)


def query_events(conn: sa.Connection, actor: Actor, query: EventQuery) -> EventPage:
    """One page of events matching ``query`` that ``actor`` may read, in the asked order."""
    column = events.c.event_time if query.order_by == "eventTime" else events.c.record_time
    statement = sa.select(events.c.id, events.c.body, events.c.namespaces, column.label("k"))
    scope = _tenant_scope(actor)
    if scope is not None:
        statement = statement.where(scope)
    for condition in _conditions(query):
        statement = statement.where(condition)
    if query.after is not None:
        moment, pk = datetime.fromisoformat(query.after[0]), query.after[1]
        if query.descending:
            statement = statement.where(sa.tuple_(column, events.c.id) < (moment, pk))
        else:
            statement = statement.where(sa.tuple_(column, events.c.id) > (moment, pk))
    order = (column.desc(), events.c.id.desc()) if query.descending else (column, events.c.id)
    rows = conn.execute(statement.order_by(*order).limit(query.per_page + 1)).all()
    more = len(rows) > query.per_page
    rows = rows[: query.per_page]
    corrected = _corrected(conn, [row.id for row in rows])
    found = [
        ParsedEvent(
            index=n,
            event=_with_correction(orjson.loads(row.body), corrected.get(row.id)),
            namespaces=dict(row.namespaces or {})
            | ({SUYUAN_PREFIX: SUYUAN_NAMESPACE} if row.id in corrected else {}),
            location=f"/events/{row.id}",
            source_format=SourceFormat.JSONLD,
        )
        for n, row in enumerate(rows)
    ]
    token = _encode_token(rows[-1].k.isoformat(), rows[-1].id) if more and rows else None
    return EventPage(found, token)


def _corrected(conn: sa.Connection, pks: list[int]) -> dict[int, int]:
    if not pks:
        return {}
    rows = conn.execute(
        sa.select(event_corrections.c.event_pk, event_corrections.c.declaration_pk).where(
            event_corrections.c.event_pk.in_(pks)
        )
    )
    return {row.event_pk: row.declaration_pk for row in rows}


def _with_correction(event: dict[str, Any], declaration_pk: int | None) -> dict[str, Any]:
    # The original stays as captured; readers learn it was declared erroneous through
    # an extension field naming the declaration (both stay queryable).
    if declaration_pk is not None:
        event[f"{SUYUAN_PREFIX}:correctedBy"] = f"/events/{declaration_pk}"
    return event


def distinct_values(conn: sa.Connection, actor: Actor, column_name: str) -> list[str]:
    """The distinct stored values of one indexed column (for /bizSteps, /readPoints ...)."""
    column = events.c[column_name]
    statement = sa.select(column).where(column.is_not(None)).distinct().order_by(column)
    scope = _tenant_scope(actor)
    if scope is not None:
        statement = statement.where(scope)
    return [str(v) for v in conn.execute(statement.limit(10_000)).scalars()]


_EPC_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def convert_epc_format(event: dict[str, Any], mode: str | None) -> dict[str, Any]:
    """Apply the GS1-EPC-Format header: ``Always_GS1_Digital_Link`` or ``Always_EPC_URN``."""
    if mode == "Always_GS1_Digital_Link":
        convert = _to_digital_link
    elif mode == "Always_EPC_URN":
        convert = _to_urn
    else:
        return event
    out = dict(event)
    for name in _EPC_FIELDS:
        if name in out:
            out[name] = [convert(epc) for epc in out[name]]
    if "parentID" in out:
        out["parentID"] = convert(out["parentID"])
    for name in _CLASS_FIELDS:
        if name in out:
            out[name] = [q | {"epcClass": convert(q["epcClass"])} for q in out[name]]
    return out


def _to_digital_link(epc: str) -> str:
    if not epc.startswith("urn:epc:"):
        return epc
    try:
        return epc_to_digital_link(epc)
    except InvalidInput:
        return epc


def _to_urn(epc: str) -> str:
    if not epc.startswith(("http://", "https://")):
        return epc
    try:
        return digital_link_to_epc(epc)
    except InvalidInput:
        return epc
