"""Publishing the public projection (QBT-9(a), QBT-4.6, QBT-11.4(g)).

``publish_captured`` runs at the end of every capture, in the same transaction: it reads
the tenant's events past its watermark and refreshes exactly what they touched — the
public state of units (and of everything inside a container that changed), packing
intervals, B2B flow steps (QBT-T15.20), batch items (T15.5, T15.17, T15.18), product
items and market tickets (LZ-3). ``publish_all`` rebuilds everything (``suyuan publish``).
Only the values of the profile's public items are ever written; nothing internal is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from suyuan.domain.access import Actor
from suyuan.domain.events import identifier_key
from suyuan.domain.operations import PARTY_BASE
from suyuan.domain.profiles import Profile, SourceKind, find_profile, judge, validate_record
from suyuan.domain.units import UnitState, gtin_of
from suyuan.domain.verdicts import public_state
from suyuan.errors import SuyuanError
from suyuan.identifiers.forms import UnitKey, parse_code, to_trace_code
from suyuan.identifiers.idis import IdisPrefix
from suyuan.queries.trace import MOVEMENT_STEPS, trace_back
from suyuan.services.clock import now
from suyuan.storage.bulk import BIG_CHUNK, any_of, bulk_insert, bulk_upsert
from suyuan.storage.containment import inside
from suyuan.storage.public_tables import (
    public_flow,
    public_lots,
    public_packing,
    public_products,
    public_tickets,
    public_units,
    public_watermarks,
)
from suyuan.storage.tables import (
    code_blocks,
    enterprises,
    event_epcs,
    events,
    locations,
    lot_edges,
    lots,
    products,
    records,
    units,
)

CHUNK = BIG_CHUNK
_PUBLIC_UNIT_COLUMNS = (
    "key",
    "tenant_id",
    "gtin",
    "kind",
    "lot_key",
    "state",
    "trace_code",
    "published_at",
)
# public_state() of the statuses units usually have, looked up once per row.
_PUBLIC_STATES = {
    status: public_state(status).value
    for status in ("issued", "commissioned", "packed", "in_transit", "received", "sold")
}
_TRACE_SERIAL = re.compile(r"[0-9A-Z]{1,20}")
_FLOW_STEPS = frozenset({"shipping", "receiving", "retail_selling", "departing", "arriving"})
_PUBLIC_STEP = {"departing": "shipping", "arriving": "receiving"}


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """Insert or replace rows by primary key, on either database (one executemany)."""
    if not rows:
        return
    columns = tuple(rows[0])
    bulk_upsert(conn, table, columns, [tuple(r[c] for c in columns) for r in rows], tuple(keys))


# --- entry points ---------------------------------------------------------------------------


def publish_captured(
    conn: sa.Connection,
    tenant_id: int,
    *,
    changed: Mapping[str, UnitState] | None = None,
    upto: int | None = None,
) -> int:
    """Publish what the tenant's events since the last publish changed; returns units written.

    ``changed`` is, when the caller knows it, the state of every unit those events changed
    (capture passes what its projection created or updated, as saved, with every
    container whose contents changed as far as it loaded them; it publishes after each
    batch, so the watermark is at the batch's start): the units are then not found again
    from the events' identifiers and a walk down every named container, and the public
    rows of serialised items are made from these states (containers are still read:
    their batch is their contents').
    ``upto``, when given, is the tenant's newest event (capture knows the keys it stored;
    finding the maximum in a table the open transaction has just filled can cost a scan).
    """
    mark = conn.execute(
        sa.select(public_watermarks.c.last_event_pk).where(
            public_watermarks.c.tenant_id == tenant_id
        )
    ).scalar()
    last = int(mark or 0)
    top = upto
    if top is None:
        top = conn.execute(
            sa.select(sa.func.max(events.c.id)).where(events.c.tenant_id == tenant_id)
        ).scalar()
    if top is None or int(top) <= last:
        return 0
    written = _publish_events(conn, tenant_id, last, int(top), changed)
    _upsert(
        conn,
        public_watermarks,
        [{"tenant_id": tenant_id, "last_event_pk": int(top)}],
        ["tenant_id"],
    )
    return written


def publish_all(conn: sa.Connection) -> dict[str, int]:
    """Rebuild the whole public projection from the internal one (``suyuan publish``)."""
    for table in (public_flow, public_packing, public_units, public_lots, public_products):
        conn.execute(table.delete())
    conn.execute(public_tickets.delete())
    conn.execute(public_watermarks.delete())
    tenants = conn.execute(sa.select(enterprises.c.id)).scalars().all()
    counts = {"units": 0}
    for tenant_id in tenants:
        counts["units"] += publish_captured(conn, int(tenant_id))
    counts["units"] += _publish_all_units(conn)
    counts["products"] = len(_publish_products(conn, None))
    for name, table in (
        ("lots", public_lots),
        ("flow", public_flow),
        ("packing", public_packing),
        ("tickets", public_tickets),
    ):
        counts[name] = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    return counts


def publish_keys(conn: sa.Connection, keys: Iterable[str]) -> int:
    """Republish the public state of some units (e.g. after codes were voided)."""
    return _publish_units(conn, list(dict.fromkeys(keys)))


def _publish_all_units(conn: sa.Connection) -> int:
    # Units that never had an event (voided labels) are covered here.
    keys = conn.execute(sa.select(units.c.key).where(units.c.last_event_id.is_(None))).scalars()
    return _publish_units(conn, list(keys))


# --- one range of events ------------------------------------------------------------------


def _publish_events(
    conn: sa.Connection,
    tenant_id: int,
    after: int,
    upto: int,
    changed: Mapping[str, UnitState] | None,
) -> int:
    window = sa.and_(events.c.tenant_id == tenant_id, events.c.id > after, events.c.id <= upto)
    rows = conn.execute(
        sa.select(
            events.c.id,
            events.c.event_type,
            events.c.action,
            events.c.biz_step,
            events.c.event_time,
            events.c.body,
        ).where(
            window,
            sa.or_(
                events.c.event_type == "AggregationEvent",
                events.c.biz_step.in_(MOVEMENT_STEPS),
            ),
        )
    ).all()
    _publish_packing(conn, [r for r in rows if r.event_type == "AggregationEvent"])
    _publish_flow(conn, [r for r in rows if r.biz_step in _FLOW_STEPS])
    if changed is None:
        touched = list(
            dict.fromkeys(
                conn.execute(
                    sa.select(event_epcs.c.epc)
                    .join(events, events.c.id == event_epcs.c.event_pk)
                    .where(window, event_epcs.c.role.in_(("epc", "child", "parent", "output")))
                ).scalars()
            )
        )
        written = _publish_units(
            conn, list(dict.fromkeys(touched + _descendant_keys(conn, touched)))
        )
    else:
        written = _publish_units(conn, list(changed), changed)
    record_lots = conn.execute(
        sa.select(records.c.subject)
        .join(events, events.c.id == records.c.event_pk)
        .where(window, records.c.subject_kind == "lot")
    ).scalars()
    _publish_lots(conn, set(record_lots))
    _publish_tickets(conn, window)
    return written


def _descendant_keys(conn: sa.Connection, keys: list[str]) -> list[str]:
    """Everything inside the named containers (a recalled pallet recalls its bottles)."""
    containers = [k for k in keys if k.startswith("/00/")]
    if not containers:
        return []
    found: list[str] = []
    for chunk in _chunks(containers):
        down = (
            sa.select(units.c.id, units.c.key)
            .where(any_of(conn.dialect, units.c.key, chunk))
            .cte("inside", recursive=True)
        )
        found_in, on = inside(conn.dialect, down.c.id, units.c.id, units.c.key)
        down = down.union_all(
            sa.select(found_in.c.id, found_in.c.key).select_from(down).join(found_in, on)
        )
        found += conn.execute(sa.select(down.c.key)).scalars().all()
    return found


# --- units --------------------------------------------------------------------------------


def _publish_units(
    conn: sa.Connection, keys: list[str], known: Mapping[str, UnitState] | None = None
) -> int:
    """Write the public state of units whose public view changed; returns rows written.

    A serialised item (``/01/…/21/…``) whose saved state is in ``known`` is not read back:
    its public row needs only its status, batch and GTIN.
    """
    written = 0
    prefixes = dict(
        conn.execute(
            sa.select(enterprises.c.id, enterprises.c.idis_prefix).where(
                enterprises.c.idis_prefix.is_not(None)
            )
        ).all()
    )
    gtins: set[str] = set()
    lot_keys: set[str] = set()
    moment = now()
    for chunk in _chunks(keys):
        rows = _unit_rows(conn, chunk, known)
        container_lots = _container_lots(conn, [r[0] for r in rows if r[3] == "container"])
        current = {
            key: (state, lot_key, gtin)
            for key, state, lot_key, gtin in conn.execute(
                sa.select(
                    public_units.c.key,
                    public_units.c.state,
                    public_units.c.lot_key,
                    public_units.c.gtin,
                ).where(any_of(conn.dialect, public_units.c.key, chunk))
            )
        }
        out = []
        states = _PUBLIC_STATES
        # Plain tuples: ~120,000 rows per 20,000 captured events pass through this loop.
        for unit_id, key, tenant_id, kind, unit_gtin, status, own_lot, block_gtin in rows:
            if kind != "unit" and kind != "container":
                continue
            lot_key = own_lot or container_lots.get(unit_id)
            gtin = unit_gtin or block_gtin or (gtin_of(lot_key) if lot_key else None)
            state = states.get(status) or public_state(status).value
            if gtin:
                gtins.add(gtin)
            if lot_key:
                lot_keys.add(lot_key)
            if current.get(key) == (state, lot_key, gtin):
                continue
            trace_code = _trace_code(key, prefixes.get(tenant_id))
            out.append((key, tenant_id, gtin, kind, lot_key, state, trace_code, moment))
        bulk_upsert(conn, public_units, _PUBLIC_UNIT_COLUMNS, out, ("key",))
        written += len(out)
    missing_products = gtins - set(
        conn.execute(
            sa.select(public_products.c.gtin).where(
                any_of(conn.dialect, public_products.c.gtin, gtins)
            )
        ).scalars()
    )
    if missing_products:
        _publish_products(conn, missing_products)
    missing_lots = lot_keys - set(
        conn.execute(
            sa.select(public_lots.c.key).where(any_of(conn.dialect, public_lots.c.key, lot_keys))
        ).scalars()
    )
    _publish_lots(conn, missing_lots)
    return written


def _unit_rows(
    conn: sa.Connection, keys: Sequence[str], known: Mapping[str, UnitState] | None
) -> list[Any]:
    """``(id, key, tenant_id, kind, gtin, status, lot_key, block_gtin)`` of each unit: from
    its saved state for a serialised item in ``known`` (id and block not needed), else read."""
    rows: list[Any] = []
    unread: list[str] = []
    for key in keys:
        saved = known.get(key) if known is not None else None
        if saved is not None and saved.kind == "unit" and key.startswith("/01/"):
            row = (None, key, saved.tenant_id, "unit", key[4:18], saved.status, saved.lot, None)
            rows.append(row)
        else:
            unread.append(key)
    if unread:
        rows += conn.execute(
            sa.select(
                units.c.id,
                units.c.key,
                units.c.tenant_id,
                units.c.kind,
                units.c.gtin,
                units.c.status,
                lots.c.key.label("lot_key"),
                code_blocks.c.gtin.label("block_gtin"),
            )
            .outerjoin(lots, lots.c.id == units.c.lot_id)
            .outerjoin(code_blocks, code_blocks.c.id == units.c.block_id)
            .where(any_of(conn.dialect, units.c.key, unread))
        ).all()
    return rows


def _container_lots(conn: sa.Connection, ids: list[int]) -> dict[int, str]:
    """The batch of the goods inside each container, when they are all of one batch."""
    if not ids:
        return {}
    down = (
        sa.select(units.c.id.label("top"), units.c.id, units.c.lot_id)
        .where(any_of(conn.dialect, units.c.id, ids))
        .cte("content", recursive=True)
    )
    found_in, on = inside(conn.dialect, down.c.id, units.c.id, units.c.lot_id)
    down = down.union_all(
        sa.select(down.c.top, found_in.c.id, found_in.c.lot_id).select_from(down).join(found_in, on)
    )
    rows = conn.execute(
        sa.select(down.c.top, sa.func.min(lots.c.key), sa.func.count(sa.distinct(lots.c.key)))
        .join(lots, lots.c.id == down.c.lot_id)
        .group_by(down.c.top)
    ).all()
    return {int(top): key for top, key, n in rows if n == 1}


def _trace_code(key: str, prefix: str | None) -> str | None:
    """The QB/T 7.2 trace code of a unit (T15.12); an SSCC prints as its Digital Link path."""
    if not key.startswith("/01/"):
        return key
    if not prefix:
        return key
    gtin, serial = key[4:18], key[22:]
    if _TRACE_SERIAL.fullmatch(serial):
        return f"{prefix}/{gtin}{serial}"
    try:
        parsed = parse_code(key)
        if isinstance(parsed.key, UnitKey):
            return str(to_trace_code(parsed.key, IdisPrefix.parse(prefix)))
    except SuyuanError:
        pass
    return key


# --- products -----------------------------------------------------------------------------


def _publish_products(conn: sa.Connection, gtins: set[str] | None) -> list[str]:
    statement = sa.select(
        products,
        enterprises.c.name.label("enterprise_name"),
        enterprises.c.address,
        enterprises.c.phone,
        enterprises.c.website,
        enterprises.c.profile,
    ).join(enterprises, enterprises.c.id == products.c.tenant_id)
    if gtins is not None:
        statement = statement.where(products.c.gtin.in_(list(gtins)))
    moment = now()
    out = []
    for row in conn.execute(statement).mappings():
        profile = find_profile(row["profile"]) or find_profile("baijiu")
        assert profile is not None
        out.append(
            {
                "gtin": row["gtin"],
                "tenant_id": row["tenant_id"],
                "profile": profile.id,
                "items": product_items(profile, row),
                "published_at": moment,
            }
        )
    _upsert(conn, public_products, out, ["gtin"])
    return [r["gtin"] for r in out]


_ENTERPRISE_COLUMNS = {"telephone": "phone", "name": "enterprise_name"}


def product_items(profile: Profile, row: Any) -> dict[str, str | None]:
    """The category-level public items of one product (Table 15 rows with product sources)."""
    attributes = dict(row["attributes"] or {})
    attributes.setdefault("name", row["name"])
    items: dict[str, str | None] = {}
    for item in profile.public_items:
        source = item.source
        value: Any = None
        if source.kind is SourceKind.PRODUCT:
            value = attributes.get(source.key)
        elif source.kind is SourceKind.ENTERPRISE:
            value = row[_ENTERPRISE_COLUMNS.get(source.key, source.key)]
        elif source.key == "net_content_specification":
            value = _net_content(attributes)
        else:
            continue
        items[item.id] = None if value in (None, "") else str(_plain(value))
    return items


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and "value" in value:
        return f"{value['value']} {value.get('unit', '')}".strip()
    return value


def _net_content(attributes: dict[str, Any]) -> str | None:
    content = _plain(attributes.get("net_content"))
    spec = attributes.get("specification")
    parts = [str(p) for p in (content, spec) if p]
    return "，".join(parts) or None


# --- lots ---------------------------------------------------------------------------------


def _publish_lots(conn: sa.Connection, keys: set[str]) -> None:
    """Publish batch items for finished-goods lots and every lot downstream of ``keys``."""
    if not keys:
        return
    ids = conn.execute(sa.select(lots.c.id).where(lots.c.key.in_(list(keys)))).scalars().all()
    if not ids:
        return
    down = (
        sa.select(lots.c.id.label("lot_id"), sa.literal(0).label("depth"))
        .where(lots.c.id.in_(list(ids)))
        .cte("downstream", recursive=True)
    )
    down = down.union_all(
        sa.select(lot_edges.c.output_lot_id, down.c.depth + 1)
        .join(down, lot_edges.c.input_lot_id == down.c.lot_id)
        .where(down.c.depth < 32)
    )
    rows = conn.execute(
        sa.select(
            lots.c.key,
            lots.c.tenant_id,
            lots.c.gtin,
            products.c.attributes.label("product_attributes"),
            enterprises.c.profile,
        )
        .join(products, products.c.gtin == lots.c.gtin)
        .join(enterprises, enterprises.c.id == products.c.tenant_id)
        .where(
            lots.c.id.in_(sa.select(down.c.lot_id)),
            sa.exists().where(units.c.lot_id == lots.c.id),
        )
    ).all()
    moment = now()
    out = []
    for row in rows:
        profile = find_profile(row.profile)
        if profile is None or profile.id != "baijiu":
            continue
        category = (row.product_attributes or {}).get("category")
        items, passed = lot_items(conn, profile, row.key, category)
        out.append(
            {
                "key": row.key,
                "tenant_id": row.tenant_id,
                "gtin": row.gtin,
                "items": items,
                "qc_passed": passed,
                "published_at": moment,
            }
        )
    _upsert(conn, public_lots, out, ["key"])


def lot_items(
    conn: sa.Connection, profile: Profile, key: str, category: str | None
) -> tuple[dict[str, Any], bool | None]:
    """The batch-derived public items: production date and batch, QC verdict, certificates."""
    trace = trace_back(conn, Actor.system(), key)
    by_type: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for lot in trace["lots"]:
        for record in lot["records"]:
            by_type.setdefault(record["type"], []).append((lot, record["data"]))
    ids = {rt.key: rt.id for rt in profile.record_types}
    own = next((lot for lot in trace["lots"] if lot["id"] == key), None)
    bottling = [d for lot, d in by_type.get(ids["bottling_production"], []) if lot is own]
    date_batch = None
    if bottling:
        data = bottling[0]
        date_batch = " ".join(
            str(v) for v in (data.get("production_date"), data.get("production_batch")) if v
        )
    elif own is not None:
        date_batch = own["lot"]
    verdict, passed = _qc_item(profile, by_type.get(ids["blending_quality"], []), category)
    reports = [
        str(_plain(d["accompanying_inspection_report"]))
        for _lot, d in by_type.get(ids["raw_material"], [])
        if d.get("accompanying_inspection_report")
    ]
    items = {"T15.5": date_batch or None, "T15.17": verdict, "T15.18": "；".join(reports) or None}
    return items, passed


def _qc_item(
    profile: Profile, found: list[tuple[dict[str, Any], dict[str, Any]]], category: str | None
) -> tuple[str | None, bool | None]:
    """T15.17 from the nearest QC record upstream, judged against the limits (never typed)."""
    if not found:
        return None, None
    nearest = min(found, key=lambda pair: pair[0]["depth"])[1]
    data = {k: v for k, v in nearest.items() if k != "extra"}
    try:
        record = validate_record(profile, "blending_quality", data)
    except SuyuanError:
        return None, None
    label = {"alcohol_content": data.get("alcohol_content")}
    try:
        verdict = judge(profile, category or "grain", record.fields, label)
    except SuyuanError:
        return None, None
    return verdict.summary_zh, verdict.passed


# --- packing and flow ---------------------------------------------------------------------


_PACKING_COLUMNS = ("child", "parent", "from_at")


def _publish_packing(conn: sa.Connection, rows: Sequence[Any]) -> None:
    inserts: list[tuple[str, str, datetime]] = []
    for row in rows:
        event = orjson.loads(row.body)
        parent = identifier_key(event["parentID"]) if event.get("parentID") else None
        children = [identifier_key(c) for c in event.get("childEPCs") or ()]
        if parent is None:
            continue
        if row.action == "ADD":
            inserts += [(c, parent, row.event_time) for c in children]
        elif row.action == "DELETE":
            bulk_insert(conn, public_packing, _PACKING_COLUMNS, inserts)
            inserts = []
            _close_packing(conn, parent, children, row.event_time)
    bulk_insert(conn, public_packing, _PACKING_COLUMNS, inserts)


def _close_packing(conn: sa.Connection, parent: str, children: list[str], moment: datetime) -> None:
    condition = sa.and_(public_packing.c.parent == parent, public_packing.c.to_at.is_(None))
    if children:
        condition = sa.and_(condition, public_packing.c.child.in_(children))
    conn.execute(public_packing.update().where(condition).values(to_at=moment))


def _party_names(conn: sa.Connection) -> tuple[dict[str, str], dict[str, str]]:
    slugs = dict(conn.execute(sa.select(enterprises.c.slug, enterprises.c.name)).all())
    places = dict(conn.execute(sa.select(locations.c.uri, locations.c.name)).all())
    return slugs, places


def _party(uri: str | None, slugs: dict[str, str], places: dict[str, str]) -> str | None:
    if not uri:
        return None
    if uri.startswith(PARTY_BASE):
        return slugs.get(uri[len(PARTY_BASE) :])
    return places.get(uri)  # an unnamed internal URI is not shown


def _publish_flow(conn: sa.Connection, rows: Sequence[Any]) -> None:
    """B2B movements only (QBT-T15.20): time, place, shipper, consignee — no prices, no people."""
    if not rows:
        return
    slugs, places = _party_names(conn)
    out: list[dict[str, Any]] = []
    for row in rows:
        event = orjson.loads(row.body)
        sources = [s.get("source") for s in event.get("sourceList") or ()]
        targets = [d.get("destination") for d in event.get("destinationList") or ()]
        place = (event.get("bizLocation") or {}).get("id")
        base = {
            "at": row.event_time,
            "step": _PUBLIC_STEP.get(row.biz_step, row.biz_step),
            "place": places.get(place or ""),
            "shipper": _party(sources[0] if sources else None, slugs, places),
            "receiver": _party(targets[0] if targets else None, slugs, places),
            "source_event": row.id,
        }
        out += [base | {"key": identifier_key(e)} for e in event.get("epcList") or ()]
    existing = set(
        conn.execute(
            sa.select(public_flow.c.source_event, public_flow.c.key).where(
                public_flow.c.source_event.in_([r.id for r in rows])
            )
        ).all()
    )
    fresh = [r for r in out if (r["source_event"], r["key"]) not in existing]
    for chunk in _chunks(fresh):
        conn.execute(public_flow.insert(), list(chunk))


# --- market tickets (LZ-3) ------------------------------------------------------------------


def _publish_tickets(conn: sa.Connection, window: Any) -> None:
    trades = conn.execute(
        sa.select(records.c.tenant_id, records.c.profile, records.c.data)
        .join(events, events.c.id == records.c.event_pk)
        .where(window, records.c.record_type == "M4.1")
    ).all()
    moment = now()
    out = []
    for trade in trades:
        profile = find_profile(trade.profile)
        data = dict(trade.data)
        if profile is None or not data.get("ticket_code"):
            continue
        out.append(
            {
                "code": str(data["ticket_code"]),
                "tenant_id": trade.tenant_id,
                "profile": profile.id,
                "items": ticket_items(conn, profile, trade.tenant_id, data),
                "published_at": moment,
            }
        )
    _upsert(conn, public_tickets, out, ["code"])


def ticket_items(
    conn: sa.Connection, profile: Profile, tenant_id: int, trade: dict[str, Any]
) -> dict[str, str | None]:
    """The public items of a trace ticket: goods, vendor, market, origin, certificates."""
    sources: dict[str, dict[str, Any]] = {"trade": trade}
    vendor = str(trade.get("vendor") or "")
    for subject, found in conn.execute(
        sa.select(records.c.subject, records.c.data)
        .where(records.c.tenant_id == tenant_id, records.c.record_type == "M1.1")
        .order_by(records.c.id)
    ).all():
        data = dict(found)
        if vendor in (subject, data.get("real_name"), data.get("stall")):
            sources["vendor"] = data
    lot = str(trade.get("source_lot") or "").strip()
    subjects = {lot, identifier_key(lot)} if lot else {""}
    for record_type, name in (("M2.1", "delivery"), ("M3.1", "rapid_test")):
        found = conn.execute(
            sa.select(records.c.data)
            .where(
                records.c.tenant_id == tenant_id,
                records.c.record_type == record_type,
                sa.or_(
                    records.c.subject.in_(list(subjects)), records.c.subject.endswith(f"/10/{lot}")
                ),
            )
            .order_by(records.c.id.desc())
            .limit(1)
        ).scalar()
        if found is not None:
            sources[name] = dict(found)
    items: dict[str, str | None] = {}
    for item in profile.public_items:
        data = sources.get(item.source.record_type or "", {})
        value = _plain(data.get(item.source.key))
        items[item.id] = None if value in (None, "") else str(value)
    return items
