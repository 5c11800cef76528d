"""Trace: backward (溯源), forward (追踪) and flow (流向), on the projections.

Every trace runs a fixed number of set-based queries whatever the size of the chain
(recursive CTEs for genealogy and packaging, ``IN`` lists for the rest): the counts
are pinned in tests. Nothing replays event history except ``flow``, which reads only
the movement and packing events of one unit and its containers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from suyuan.domain.access import Actor, Role
from suyuan.domain.events import identifier_key
from suyuan.domain.operations import PARTY_BASE, STAGE_BASE
from suyuan.domain.profiles import find_profile
from suyuan.errors import InvalidIdentifier, NotFound
from suyuan.identifiers.forms import parse_code
from suyuan.storage.tables import (
    enterprises,
    event_corrections,
    event_epcs,
    events,
    locations,
    lot_edges,
    lots,
    products,
    records,
    units,
)

_STAGES = {"receiving": "raw_material", "commissioning": "production_batch"}
MOVEMENT_STEPS = (
    "shipping",
    "receiving",
    "retail_selling",
    "departing",
    "arriving",
    "accepting",
    "transporting",
    "loading",
    "unloading",
)
MAX_DEPTH = 64
MAX_NESTING = 6  # bottle → case → pallet → load …: one flow query per level
Span = tuple[Any, Any]


class TraceNotFound(NotFound):
    """The code or batch is not known to the store."""

    code = "trace_not_found"


def _withdrawn() -> sa.Select[Any]:
    """Events that do not count: those declared in error, and the declarations themselves.

    A correction is a new event (errorDeclaration + corrective events); the projections
    keep what the wrong event wrote, so every trace leaves it out here.
    """
    declared = sa.select(event_corrections.c.event_pk)
    # Written as the partial index ix_events_declarations is, so both databases use it.
    declarations = sa.select(events.c.id).where(events.c.has_error_declaration == sa.true())
    return sa.union_all(declared, declarations)  # type: ignore[return-value]


def counted_edges() -> sa.Subquery:
    """Lot edges of events that still count."""
    return (
        sa.select(lot_edges.c.input_lot_id, lot_edges.c.output_lot_id)
        .where(lot_edges.c.event_pk.not_in(_withdrawn()))
        .subquery("edges")
    )


def stage_name(biz_step: str | None) -> str | None:
    """A short stage name for a lot from the business step that created it."""
    if biz_step is None:
        return None
    if biz_step.startswith(STAGE_BASE):
        return biz_step[len(STAGE_BASE) :]
    return _STAGES.get(biz_step, biz_step.rsplit("/", 1)[-1])


# --- resolving what the user typed -----------------------------------------------------------


def resolve_unit_key(text: str) -> str | None:
    """The canonical key of a printed unit or container code, or None if it is no code."""
    try:
        return parse_code(text).key.path
    except InvalidIdentifier:
        return None


def find_lot(conn: sa.Connection, text: str) -> sa.Row[Any] | None:
    """A lot given as GTIN:LOT, a lot Digital Link / EPC class, a key, or a bare lot number."""
    candidates = [text.strip()]
    if ":" in text and not text.startswith(("http", "urn:", "/")):
        gtin, lot = text.split(":", 1)
        candidates.append(f"/01/{gtin.strip().zfill(14)}/10/{lot.strip()}")
    else:
        candidates.append(identifier_key(text.strip()))
    row = conn.execute(sa.select(lots).where(lots.c.key.in_(candidates))).first()
    if row is None:
        row = conn.execute(
            sa.select(lots).where(lots.c.lot == text.strip()).order_by(lots.c.id).limit(1)
        ).first()
    return row


# --- shared pieces ------------------------------------------------------------------------


@dataclass
class _Names:
    """Enterprise and location names, loaded once per trace."""

    enterprises: dict[int, dict[str, Any]]
    slugs: dict[str, dict[str, Any]]
    places: dict[str, str]

    def party(self, uri: str | None) -> dict[str, Any] | None:
        if not uri:
            return None
        if uri.startswith(PARTY_BASE):
            found = self.slugs.get(uri[len(PARTY_BASE) :])
            if found:
                return {"id": uri, "name": found["name"], "enterprise": found["slug"]}
        return {"id": uri, "name": self.places.get(uri, uri)}

    def holder(self, tenant_id: int | None) -> dict[str, Any] | None:
        found = self.enterprises.get(tenant_id or -1)
        return (
            None
            if found is None
            else {
                "id": tenant_id,
                "slug": found["slug"],
                "name": found["name"],
                "role": found["role"],
            }
        )


def _names(conn: sa.Connection) -> _Names:
    rows = conn.execute(
        sa.select(
            enterprises.c.id,
            enterprises.c.slug,
            enterprises.c.name,
            enterprises.c.role,
            enterprises.c.region,
        )
    ).all()
    by_id = {r.id: dict(r._mapping) for r in rows}
    places = {r.uri: r.name for r in conn.execute(sa.select(locations.c.uri, locations.c.name))}
    return _Names(by_id, {r["slug"]: r for r in by_id.values()}, places)


def _can_see_all(actor: Actor, tenant_id: int) -> bool:
    return (
        actor.is_system
        or actor.enterprise_id == tenant_id
        or (actor.is_platform and Role.REGULATOR in actor.roles)
    )


def _public_fields(profile_id: str, record_type: str) -> set[str] | None:
    profile = find_profile(profile_id)
    if profile is None:
        return None
    found = profile.find_record_type(record_type)
    return None if found is None else {f.name for f in found.fields if f.public}


def _record_view(row: Any, actor: Actor) -> dict[str, Any]:
    data = dict(row.data)
    full = _can_see_all(actor, row.tenant_id)
    if not full:
        public = _public_fields(row.profile, row.record_type) or set()
        data = {k: v for k, v in data.items() if k in public}
    return {
        "id": row.id,
        "type": row.record_type,
        "subject": row.subject,
        "enterprise_id": row.tenant_id,
        "data": data,
        "internal": full,
    }


def _records_for(
    conn: sa.Connection, subjects: Sequence[str], actor: Actor
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not subjects:
        return found
    rows = conn.execute(
        sa.select(records)
        .where(
            records.c.subject.in_(list(subjects)),
            sa.or_(records.c.event_pk.is_(None), records.c.event_pk.not_in(_withdrawn())),
        )
        .order_by(records.c.id)
    )
    for row in rows:
        found[row.subject].append(_record_view(row, actor))
    return found


# --- backward ------------------------------------------------------------------------------


def _unit_dict(row: Any, names: _Names) -> dict[str, Any]:
    return {
        "key": row.key,
        "kind": row.kind,
        "gtin": row.gtin,
        "serial": row.serial,
        "status": row.status,
        "disposition": row.disposition,
        "location": row.location,
        "holder": names.holder(row.holder_id),
    }


def _ancestors(conn: sa.Connection, unit_id: int) -> list[Any]:
    up = (
        sa.select(units.c.id, units.c.parent_id, sa.literal(0).label("depth"))
        .where(units.c.id == unit_id)
        .cte("up", recursive=True)
    )
    up = up.union_all(
        sa.select(units.c.id, units.c.parent_id, (up.c.depth + 1).label("depth"))
        .join(up, units.c.id == up.c.parent_id)
        .where(up.c.depth < MAX_DEPTH)
    )
    statement = (
        sa.select(units, up.c.depth)
        .join(up, up.c.id == units.c.id)
        .where(up.c.depth > 0)
        .order_by(up.c.depth)
    )
    return list(conn.execute(statement))


def _descendants(conn: sa.Connection, unit_id: int) -> list[Any]:
    down = (
        sa.select(units.c.id, sa.literal(0).label("depth"))
        .where(units.c.parent_id == unit_id)
        .cte("down", recursive=True)
    )
    down = down.union_all(
        sa.select(units.c.id, (down.c.depth + 1).label("depth"))
        .join(down, units.c.parent_id == down.c.id)
        .where(down.c.depth < MAX_DEPTH)
    )
    statement = sa.select(units, down.c.depth).join(down, down.c.id == units.c.id)
    return list(conn.execute(statement.order_by(down.c.depth, units.c.id)))


def _genealogy(conn: sa.Connection, lot_ids: Iterable[int]) -> list[Any]:
    """The lots and every lot upstream of them, with depth and direct inputs."""
    start = list(lot_ids)
    if not start:
        return []
    up = (
        sa.select(lots.c.id.label("lot_id"), sa.literal(0).label("depth"))
        .where(lots.c.id.in_(start))
        .cte("genealogy", recursive=True)
    )
    edges = counted_edges()
    up = up.union_all(
        sa.select(edges.c.input_lot_id, (up.c.depth + 1))
        .join(up, edges.c.output_lot_id == up.c.lot_id)
        .where(up.c.depth < MAX_DEPTH)
    )
    depth = (
        sa.select(up.c.lot_id, sa.func.min(up.c.depth).label("depth"))
        .group_by(up.c.lot_id)
        .subquery()
    )
    statement = sa.select(lots, depth.c.depth).join(depth, depth.c.lot_id == lots.c.id)
    # Sorted here, not in SQL: collations differ between databases, results must not.
    return sorted(conn.execute(statement), key=lambda row: (row.depth, row.key))


def _inputs_of(conn: sa.Connection, lot_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if lot_ids:
        edges = counted_edges()
        rows = conn.execute(
            sa.select(edges.c.output_lot_id, edges.c.input_lot_id)
            .where(edges.c.output_lot_id.in_(lot_ids))
            .order_by(edges.c.output_lot_id, edges.c.input_lot_id)
        )
        for row in rows:
            if row.input_lot_id not in found[row.output_lot_id]:
                found[row.output_lot_id].append(row.input_lot_id)
    return found


def _lot_dict(
    row: Any,
    inputs: list[int],
    by_id: dict[int, Any],
    lot_records: list[dict[str, Any]],
    product_names: dict[str, str],
) -> dict[str, Any]:
    return {
        "id": row.key,
        "lot": row.lot,
        "gtin": row.gtin,
        "product": product_names.get(row.gtin or ""),
        "stage": stage_name(row.stage),
        "status": row.status,
        "quantity": row.quantity,
        "uom": row.uom,
        "depth": row.depth,
        "inputs": sorted(by_id[i].key for i in inputs if i in by_id),
        "records": lot_records,
    }


def trace_back(conn: sa.Connection, actor: Actor, text: str) -> dict[str, Any]:
    """From a code (any printed form) or a batch: packaging, product, genealogy, records, QC."""
    key = resolve_unit_key(text)
    unit = conn.execute(sa.select(units).where(units.c.key == key)).first() if key else None
    lot_row = None
    if unit is None:
        lot_row = find_lot(conn, text)
        if lot_row is None:
            raise TraceNotFound(
                f"{text!r} is neither a known code nor a known batch", detail={"code": text}
            )
    names = _names(conn)
    result: dict[str, Any] = {"query": text}
    start_lots: list[int] = []
    subjects: list[str] = []
    if unit is not None:
        containers = _ancestors(conn, unit.id)
        contents = _descendants(conn, unit.id)
        result |= {
            "code": unit.key,
            "unit": _unit_dict(unit, names),
            "containers": [_unit_dict(r, names) | {"level": r.depth} for r in containers],
            "contents": [_unit_dict(r, names) | {"level": r.depth + 1} for r in contents],
        }
        subjects = [unit.key, *(r.key for r in containers)]
        start_lots = sorted({r.lot_id for r in [unit, *contents] if r.lot_id})
    else:
        assert lot_row is not None
        start_lots = [lot_row.id]
        result |= {"batch": lot_row.key}
    genealogy = _genealogy(conn, start_lots)
    by_id = {row.id: row for row in genealogy}
    inputs = _inputs_of(conn, list(by_id))
    lot_keys = [row.key for row in genealogy]
    found_records = _records_for(conn, [*subjects, *lot_keys], actor)
    product_names = dict(conn.execute(sa.select(products.c.gtin, products.c.name)).all())
    lot_list = [
        _lot_dict(row, inputs.get(row.id, []), by_id, found_records.get(row.key, []), product_names)
        for row in genealogy
    ]
    gtin = unit.gtin if unit is not None else lot_row.gtin if lot_row is not None else None
    result |= {
        "product": _product(conn, gtin),
        "batch": lot_list[0]["id"] if lot_list and unit is not None else result.get("batch"),
        "lots": lot_list,
        "records": [r for s in subjects for r in found_records.get(s, [])],
        "qc": _qc(lot_list),
    }
    if lot_row is not None:
        result["unit_codes"] = _lot_unit_codes(conn, lot_row.id)
    return result


def _product(conn: sa.Connection, gtin: str | None) -> dict[str, Any] | None:
    if not gtin:
        return None
    row = conn.execute(sa.select(products).where(products.c.gtin == gtin)).first()
    if row is None:
        return {"gtin": gtin}
    return {
        "gtin": row.gtin,
        "name": row.name,
        "category": row.category,
        "enterprise_id": row.tenant_id,
        "attributes": row.attributes,
    }


def _qc(lot_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    qc_types = {"T1.1", "T1.3", "T2.1", "T4.1", "T5.2", "T6.2", "T6.4", "T10.4", "G2.1", "M3.1"}
    return [
        {"lot": lot["id"], "stage": lot["stage"], **record}
        for lot in lot_list
        for record in lot["records"]
        if record["type"] in qc_types
    ]


def _lot_unit_codes(conn: sa.Connection, lot_id: int, limit: int = 1000) -> dict[str, Any]:
    count = conn.execute(
        sa.select(sa.func.count()).select_from(units).where(units.c.lot_id == lot_id)
    ).scalar_one()
    sample = (
        conn.execute(
            sa.select(units.c.key).where(units.c.lot_id == lot_id).order_by(units.c.id).limit(limit)
        )
        .scalars()
        .all()
    )
    return {"count": count, "codes": list(sample)}


# --- forward -------------------------------------------------------------------------------


def _descendant_lots(conn: sa.Connection, lot_id: int) -> list[Any]:
    down = (
        sa.select(lots.c.id.label("lot_id"), sa.literal(0).label("depth"))
        .where(lots.c.id == lot_id)
        .cte("descent", recursive=True)
    )
    edges = counted_edges()
    down = down.union_all(
        sa.select(edges.c.output_lot_id, (down.c.depth + 1))
        .join(down, edges.c.input_lot_id == down.c.lot_id)
        .where(down.c.depth < MAX_DEPTH)
    )
    depth = (
        sa.select(down.c.lot_id, sa.func.min(down.c.depth).label("depth"))
        .group_by(down.c.lot_id)
        .subquery()
    )
    statement = sa.select(lots, depth.c.depth).join(depth, depth.c.lot_id == lots.c.id)
    # Sorted here, not in SQL: collations differ between databases, results must not.
    return sorted(conn.execute(statement), key=lambda row: (row.depth, row.key))


def trace_forward(conn: sa.Connection, actor: Actor, text: str) -> dict[str, Any]:
    """From a lot at any stage: descendant lots, every unit, grouped by holder, containers once."""
    lot_row = find_lot(conn, text)
    if lot_row is None:
        raise TraceNotFound(f"batch {text!r} not found", detail={"lot": text})
    descendants = _descendant_lots(conn, lot_row.id)
    lot_ids = [row.id for row in descendants]
    names = _names(conn)
    groups = conn.execute(
        sa.select(units.c.holder_id, units.c.status, units.c.parent_id, sa.func.count().label("n"))
        .where(units.c.lot_id.in_(lot_ids))
        .group_by(units.c.holder_id, units.c.status, units.c.parent_id)
    ).all()
    parents = {g.parent_id for g in groups if g.parent_id is not None}
    tops = _top_containers(conn, parents)
    holders: dict[Any, dict[str, Any]] = {}
    total = 0
    for group in groups:
        total += group.n
        entry = holders.setdefault(
            group.holder_id,
            {
                "holder": names.holder(group.holder_id),
                "unit_count": 0,
                "by_status": {},
                "containers": {},
                "loose_units": 0,
            },
        )
        entry["unit_count"] += group.n
        entry["by_status"][group.status] = entry["by_status"].get(group.status, 0) + group.n
        if group.parent_id is None:
            entry["loose_units"] += group.n
        else:
            top = tops.get(group.parent_id)
            if top is not None:
                box = entry["containers"].setdefault(top["key"], top | {"unit_count": 0})
                box["unit_count"] += group.n
    holder_list = []
    for entry in sorted(holders.values(), key=_holder_order):
        entry["containers"] = sorted(entry["containers"].values(), key=lambda c: c["key"])
        entry["by_status"] = dict(sorted(entry["by_status"].items()))
        entry["container_count"] = len(entry["containers"])
        holder_list.append(entry)
    return {
        "lot": lot_row.key,
        "stage": stage_name(lot_row.stage),
        "lots": [
            {"id": r.key, "stage": stage_name(r.stage), "depth": r.depth, "status": r.status}
            for r in descendants
        ],
        "unit_count": total,
        "holders": holder_list,
    }


def _holder_order(entry: dict[str, Any]) -> tuple[int, str]:
    return -entry["unit_count"], (entry["holder"] or {}).get("slug", "")


def _top_containers(conn: sa.Connection, parent_ids: set[int]) -> dict[int, dict[str, Any]]:
    """For each container id, its outermost container (a pallet counts once).

    The ids go in slices: PostgreSQL takes at most 65,535 parameters per statement, and a
    recall scope of a million bottles names ~170,000 cases.
    """
    found: dict[int, dict[str, Any]] = {}
    ordered = sorted(parent_ids)
    for start in range(0, len(ordered), TOP_CONTAINER_SLICE):
        found |= _top_containers_of(conn, ordered[start : start + TOP_CONTAINER_SLICE])
    return found


TOP_CONTAINER_SLICE = 20_000


def _top_containers_of(conn: sa.Connection, parent_ids: list[int]) -> dict[int, dict[str, Any]]:
    up = (
        sa.select(
            units.c.id.label("start"), units.c.id, units.c.parent_id, sa.literal(0).label("depth")
        )
        .where(units.c.id.in_(parent_ids))
        .cte("tops", recursive=True)
    )
    up = up.union_all(
        sa.select(up.c.start, units.c.id, units.c.parent_id, (up.c.depth + 1))
        .join(up, units.c.id == up.c.parent_id)
        .where(up.c.depth < MAX_DEPTH)
    )
    rows = conn.execute(
        sa.select(up.c.start, units.c.id, units.c.key, units.c.kind, units.c.status)
        .join(units, units.c.id == up.c.id)
        .where(up.c.parent_id.is_(None))
    )
    return {r.start: {"key": r.key, "kind": r.kind, "status": r.status} for r in rows}


# --- flow ----------------------------------------------------------------------------------


def _aggregation_history(conn: sa.Connection, keys: list[str]) -> list[Any]:
    """Packing and unpacking of ``keys`` (child, parent, action, time), in event-time order.

    Also the unpack-all events (DELETE without childEPCs) of every container the keys
    were ever packed into, with ``child`` None: they empty the container too.
    """
    parent = event_epcs.alias("parent")
    child = event_epcs.alias("child")
    anyone = event_epcs.alias("anyone")
    counted = sa.and_(events.c.event_type == "AggregationEvent", events.c.id.not_in(_withdrawn()))
    named = (
        sa.select(
            child.c.epc.label("child"),
            parent.c.epc.label("parent"),
            events.c.action,
            events.c.event_time,
            events.c.id,
        )
        .join(events, events.c.id == child.c.event_pk)
        .join(parent, sa.and_(parent.c.event_pk == child.c.event_pk, parent.c.role == "parent"))
        .where(child.c.role == "child", child.c.epc.in_(keys), counted)
    )
    containers = (
        sa.select(parent.c.epc)
        .join(child, sa.and_(child.c.event_pk == parent.c.event_pk, child.c.role == "child"))
        .where(parent.c.role == "parent", child.c.epc.in_(keys))
    )
    emptied = (
        sa.select(
            sa.null().label("child"),
            parent.c.epc.label("parent"),
            events.c.action,
            events.c.event_time,
            events.c.id,
        )
        .join(events, events.c.id == parent.c.event_pk)
        .where(
            parent.c.role == "parent",
            parent.c.epc.in_(containers),
            events.c.action == "DELETE",
            counted,
            ~sa.exists().where(anyone.c.event_pk == events.c.id, anyone.c.role == "child"),
        )
    )
    history = sa.union_all(named, emptied).subquery()
    return list(conn.execute(sa.select(history).order_by(history.c.event_time, history.c.id)))


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


def _membership(conn: sa.Connection, key: str) -> dict[str, list[Span]]:
    """For the unit and every container it was ever in: when it was inside (intervals).

    The unit is inside a pallet while it is inside a case *and* that case is on the
    pallet: each level's spans are intersected with the level below.
    """
    periods: dict[str, list[Span]] = {key: [(None, None)]}
    frontier = [key]
    for _ in range(MAX_NESTING):
        rows = _aggregation_history(conn, frontier)
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
    unit = conn.execute(sa.select(units).where(units.c.key == key)).first() if key else None
    if unit is None:
        raise TraceNotFound(f"code {text!r} not found", detail={"code": text})
    periods = _membership(conn, unit.key)
    rows = conn.execute(
        sa.select(
            events.c.id,
            events.c.body,
            events.c.event_time,
            events.c.biz_step,
            events.c.tenant_id,
            event_epcs.c.epc,
        )
        .join(event_epcs, event_epcs.c.event_pk == events.c.id)
        .where(
            event_epcs.c.epc.in_(list(periods)),
            event_epcs.c.role.in_(("epc", "parent")),
            events.c.biz_step.in_(MOVEMENT_STEPS),
            events.c.id.not_in(_withdrawn()),
        )
        .order_by(events.c.event_time, events.c.id)
    ).all()
    names = _names(conn)
    steps, seen = [], set()
    for row in rows:
        if row.id in seen or not _inside(row.event_time, periods[row.epc]):
            continue
        seen.add(row.id)
        event = orjson.loads(row.body)
        steps.append(_flow_step(event, row, names))
    return {
        "code": unit.key,
        "status": unit.status,
        "holder": names.holder(unit.holder_id),
        "steps": steps,
    }


def _flow_step(event: dict[str, Any], row: Any, names: _Names) -> dict[str, Any]:
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
        "via": row.epc,
    }
