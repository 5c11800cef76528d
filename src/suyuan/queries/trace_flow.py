"""Flow (流向): the ordered path of custody of one unit (QBT-T15.20), from its own
movements and those of the containers it travelled in, while it was inside them.

Three statements: the unit with its holder; one recursive statement that finds every
container the unit was ever packed into (up to ``MAX_NESTING`` levels) and returns their
packing history and movements together; the names of the parties and places shown.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
import sqlalchemy as sa

from suyuan.domain.access import Actor
from suyuan.queries.trace_core import (
    MAX_NESTING,
    MOVEMENT_STEPS,
    Names,
    TraceNotFound,
    each_step,
    holder_columns,
    holder_of,
    load_names,
    number,
    resolve_unit_key,
    statements,
    withdrawn,
)
from suyuan.storage.tables import enterprises, event_epcs, events, units

Span = tuple[Any, Any]


def _unit(dialect: str) -> sa.Select[Any]:
    return (
        sa.select(units.c.key, units.c.status, units.c.holder_id, *holder_columns())
        .outerjoin(enterprises, enterprises.c.id == units.c.holder_id)
        .where(units.c.key == sa.bindparam("key"))
    )


def _history(dialect: str) -> sa.Select[Any]:
    """Rows ``part = 'a'``: packing and unpacking of the unit and of every container it
    was ever in (``child`` None for an unpack-all of a container); rows ``part = 'm'``:
    movements naming any of them (``child`` = the key named). In event-time order."""
    parent, child, anyone = (event_epcs.alias(n) for n in ("parent", "child", "anyone"))
    counted = sa.and_(events.c.event_type == "AggregationEvent", events.c.id.not_in(withdrawn()))
    start = sa.cast(sa.bindparam("key", type_=sa.String()), event_epcs.c.epc.type)
    reach = sa.select(start.label("epc"), sa.literal_column("0").label("depth")).cte(
        "reach", recursive=True
    )
    # Every parent the key was ever a child of, whatever the event: a superset of the
    # containers (``_membership`` keeps what counted aggregations say). Joining ``events``
    # here to check would make SQLite build a Bloom filter over the whole events table
    # (it cannot estimate the rows of a recursive CTE): seconds instead of microseconds.
    reach = reach.union(
        sa.select(parent.c.epc, reach.c.depth + number(1))
        .select_from(reach)
        .join(child, child.c.epc == reach.c.epc)
        .join(parent, parent.c.event_pk == child.c.event_pk)
        .where(
            reach.c.depth < number(MAX_NESTING),
            each_step(child.c.role == "child", reach.c.depth, dialect),
            each_step(parent.c.role == "parent", reach.c.depth, dialect),
        )
    )
    keys = sa.select(reach.c.epc)
    nothing = sa.null()
    named = (
        sa.select(
            sa.literal_column("'a'").label("part"),
            events.c.id,
            events.c.event_time,
            events.c.action,
            child.c.epc.label("child"),
            parent.c.epc.label("parent"),
            sa.cast(nothing, events.c.biz_step.type).label("biz_step"),
            sa.cast(nothing, events.c.tenant_id.type).label("tenant_id"),
            sa.cast(nothing, events.c.body.type).label("body"),
        )
        .join(events, events.c.id == child.c.event_pk)
        .join(parent, sa.and_(parent.c.event_pk == child.c.event_pk, parent.c.role == "parent"))
        .where(child.c.role == "child", child.c.epc.in_(keys), counted)
    )
    emptied = (
        sa.select(
            sa.literal_column("'a'"),
            events.c.id,
            events.c.event_time,
            events.c.action,
            nothing,
            parent.c.epc,
            nothing,
            nothing,
            nothing,
        )
        .join(events, events.c.id == parent.c.event_pk)
        .where(
            parent.c.role == "parent",
            parent.c.epc.in_(keys),
            events.c.action == "DELETE",
            counted,
            ~sa.exists().where(anyone.c.event_pk == events.c.id, anyone.c.role == "child"),
        )
    )
    moved = (
        sa.select(
            sa.literal_column("'m'"),
            events.c.id,
            events.c.event_time,
            nothing,
            event_epcs.c.epc,
            nothing,
            events.c.biz_step,
            events.c.tenant_id,
            events.c.body,
        )
        .join(events, events.c.id == event_epcs.c.event_pk)
        .where(
            event_epcs.c.epc.in_(keys),
            event_epcs.c.role.in_(("epc", "parent")),
            events.c.biz_step.in_(MOVEMENT_STEPS),
            events.c.id.not_in(withdrawn()),
        )
    )
    history = sa.union_all(named, emptied, moved).subquery("history")
    same_event = sa.func.coalesce(history.c.child, sa.literal_column("''"))
    return sa.select(history).order_by(
        history.c.event_time, history.c.id, history.c.part, same_event
    )


def _spans_in_parents(rows: list[Any], child: str) -> dict[str, list[Span]]:
    """When ``child`` sat in each container (a unit sits in one container at a time)."""
    spans: dict[str, list[Span]] = defaultdict(list)
    current: str | None = None
    for row in rows:
        if row.child is None and row.parent != current:
            continue
        if row.child is not None and row.child != child:
            continue
        if row.action == "ADD":
            if current is not None and current != row.parent:
                spans[current][-1] = (spans[current][-1][0], row.event_time)
            if current != row.parent:
                spans[row.parent].append((row.event_time, None))
            current = row.parent
        elif row.action == "DELETE" and current is not None and current == row.parent:
            spans[current][-1] = (spans[current][-1][0], row.event_time)
            current = None
    return spans


def _intersect(first: list[Span], second: list[Span]) -> list[Span]:
    found = []
    for a_start, a_end in first:
        for b_start, b_end in second:
            start = (
                b_start
                if a_start is None
                else a_start
                if b_start is None
                else max(a_start, b_start)
            )
            end = b_end if a_end is None else a_end if b_end is None else min(a_end, b_end)
            if start is None or end is None or start < end:
                found.append((start, end))
    return found


def _membership(rows: list[Any], key: str) -> dict[str, list[Span]]:
    """For the unit and every container it was ever in: when it was inside (intervals).

    The unit is inside a pallet while it is inside a case *and* that case is on the
    pallet: each level's spans are intersected with the level below.
    """
    periods: dict[str, list[Span]] = {key: [(None, None)]}
    frontier = [key]
    for _ in range(MAX_NESTING):
        found: dict[str, list[Span]] = defaultdict(list)
        for member in frontier:
            for container, spans in _spans_in_parents(rows, member).items():
                found[container] += _intersect(periods[member], spans)
        frontier = [c for c in found if c not in periods]
        for container, spans in found.items():
            periods[container] = periods.get(container, []) + spans
        if not frontier:
            break
    return periods


def _inside(moment: Any, spans: list[Span]) -> bool:
    return any(
        (start is None or moment >= start) and (end is None or moment < end) for start, end in spans
    )


def trace_flow(conn: sa.Connection, actor: Actor, text: str) -> dict[str, Any]:
    """The ordered path of custody of a unit (QBT-T15.20): time, place, shipper, receiver,
    documents — from its own movements and those of the containers it travelled in."""
    key = resolve_unit_key(text)
    unit = conn.execute(statements(conn, _unit), {"key": key}).first() if key else None
    if unit is None:
        raise TraceNotFound(f"code {text!r} not found", detail={"code": text})
    rows = conn.execute(statements(conn, _history), {"key": unit.key}).all()
    periods = _membership([r for r in rows if r.part == "a"], unit.key)
    moves, seen = [], set()
    for row in rows:
        if row.part != "m" or row.id in seen:
            continue
        if not _inside(row.event_time, periods.get(row.child, [])):
            continue
        seen.add(row.id)
        moves.append((orjson.loads(row.body), row))
    names = _names(conn, moves)
    return {
        "code": unit.key,
        "status": unit.status,
        "holder": holder_of(unit),
        "steps": [_flow_step(event, row, names) for event, row in moves],
    }


def _names(conn: sa.Connection, moves: list[tuple[dict[str, Any], Any]]) -> Names:
    parties: set[str] = set()
    places: set[str] = set()
    for event, _row in moves:
        for item in event.get("sourceList") or ():
            parties.add(item.get("source") or "")
        for item in event.get("destinationList") or ():
            parties.add(item.get("destination") or "")
        places.add((event.get("bizLocation") or {}).get("id") or "")
    places |= parties
    places.discard("")
    parties.discard("")
    return load_names(
        conn, ids=[row.tenant_id for _e, row in moves], parties=parties, places=places
    )


def _flow_step(event: dict[str, Any], row: Any, names: Names) -> dict[str, Any]:
    sources = [s.get("source") for s in event.get("sourceList") or ()]
    destinations = [d.get("destination") for d in event.get("destinationList") or ()]
    place = (event.get("bizLocation") or {}).get("id")
    return {
        "time": event.get("eventTime"),
        "step": row.biz_step,
        "place": {"id": place, "name": names.places.get(place or "", place)} if place else None,
        "by": names.holder(row.tenant_id),
        "shipper": names.party(sources[0] if sources else None),
        "receiver": names.party(destinations[0] if destinations else None),
        "documents": [
            {"type": d.get("type"), "number": d.get("bizTransaction")}
            for d in event.get("bizTransactionList") or ()
        ],
        "via": row.child,
    }
