"""SQL of the event store: bulk inserts of events and their index rows, projection load/save.

Written for the hot path: every statement here works on a whole batch of events
(``executemany`` / ``IN`` lists), never object by object.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from suyuan.domain.units import LotState, Projection, UnitState
from suyuan.storage.tables import (
    event_attributes,
    event_corrections,
    event_epcs,
    events,
    ledger_heads,
    lot_edges,
    lots,
    units,
)

CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """Slices of ``items`` small enough for an ``IN`` list on every database."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_dedup_keys(conn: sa.Connection, tenant_id: int, keys: Sequence[str]) -> dict[str, int]:
    """Which of ``keys`` are already stored for the tenant, with their event pk."""
    found: dict[str, int] = {}
    for part in chunks(list(dict.fromkeys(keys))):
        rows = conn.execute(
            sa.select(events.c.dedup_key, events.c.id).where(
                events.c.tenant_id == tenant_id, events.c.dedup_key.in_(part)
            )
        )
        found.update({row.dedup_key: row.id for row in rows})
    return found


def find_event_pks(conn: sa.Connection, tenant_id: int, event_ids: Sequence[str]) -> dict[str, int]:
    """Stored (non-declaration) events by eventID or hash, for error declarations."""
    found: dict[str, int] = {}
    for part in chunks(list(dict.fromkeys(event_ids))):
        rows = conn.execute(
            sa.select(events.c.event_id, events.c.event_hash, events.c.id).where(
                events.c.tenant_id == tenant_id,
                sa.or_(events.c.event_id.in_(part), events.c.event_hash.in_(part)),
                events.c.has_error_declaration.is_(False),
            )
        )
        for row in rows:
            found[row.event_id] = row.id
            found[row.event_hash] = row.id
    return found


@dataclass(frozen=True, slots=True)
class LedgerHead:
    """Where a tenant's hash chain stands."""

    last_seq: int
    head: bytes
    sealed_seq: int


def lock_ledger_head(conn: sa.Connection, tenant_id: int, genesis: bytes) -> LedgerHead:
    """The tenant's chain head, locked for this transaction (created at genesis if new)."""
    query = sa.select(ledger_heads).where(ledger_heads.c.tenant_id == tenant_id)
    values = {"tenant_id": tenant_id, "last_seq": 0, "head": genesis.hex(), "sealed_seq": 0}
    if conn.dialect.name == "postgresql":
        # Two first captures of a tenant at once: both insert the genesis head; the
        # second waits for the first to commit, does nothing, then queues on the lock.
        conn.execute(postgresql.insert(ledger_heads).values(values).on_conflict_do_nothing())
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:  # SQLite: the write transaction (BEGIN IMMEDIATE) already serialises
        conn.execute(ledger_heads.insert().values(values))
        return LedgerHead(0, genesis, 0)
    return LedgerHead(row.last_seq, bytes.fromhex(row.head), row.sealed_seq)


def save_ledger_head(conn: sa.Connection, tenant_id: int, head: LedgerHead) -> None:
    """Move the tenant's chain head."""
    conn.execute(
        ledger_heads.update()
        .where(ledger_heads.c.tenant_id == tenant_id)
        .values(last_seq=head.last_seq, head=head.head.hex(), sealed_seq=head.sealed_seq)
    )


def insert_events(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert event rows; returns their primary keys in order."""
    if not rows:
        return []
    result = conn.execute(
        events.insert().returning(events.c.id, sort_by_parameter_order=True), rows
    )
    return [row.id for row in result]


def insert_index_rows(
    conn: sa.Connection,
    epc_rows: list[dict[str, Any]],
    attribute_rows: list[dict[str, Any]],
    correction_rows: list[dict[str, Any]],
) -> None:
    """Insert the identifier, attribute and correction rows of a batch."""
    if epc_rows:
        conn.execute(event_epcs.insert(), epc_rows)
    if attribute_rows:
        conn.execute(event_attributes.insert(), attribute_rows)
    if correction_rows:
        conn.execute(event_corrections.insert(), correction_rows)


# --- projections -----------------------------------------------------------------------------


def load_projection(
    conn: sa.Connection,
    *,
    tenant_id: int,
    own_gtins: frozenset[str],
    unit_keys: Iterable[str],
    lot_keys: Iterable[str],
) -> Projection:
    """Load the states a batch of events touches: its units, their containers' contents."""
    projection = Projection(tenant_id=tenant_id, own_gtins=own_gtins)
    by_id: dict[int, UnitState] = {}
    parents: dict[int, int] = {}
    lot_ids: dict[int, int] = {}
    keys = list(dict.fromkeys(unit_keys))
    for part in chunks(keys):
        _load_units(conn, units.c.key.in_(part), by_id, parents, lot_ids)
    frontier = list(by_id)
    while frontier:
        found: list[int] = []
        for part in chunks(frontier):
            found += _load_units(conn, units.c.parent_id.in_(part), by_id, parents, lot_ids)
        frontier = found
    missing_parents = [p for p in set(parents.values()) if p not in by_id]
    for part in chunks(missing_parents):
        _load_units(conn, units.c.id.in_(part), by_id, parents, lot_ids)
    lot_keys_by_id = _load_lots(conn, projection, set(lot_ids.values()), list(lot_keys))
    for row_id, state in by_id.items():
        if row_id in parents and parents[row_id] in by_id:
            state.parent = by_id[parents[row_id]].key
            projection.children.setdefault(state.parent, set()).add(state.key)
        if row_id in lot_ids:
            state.lot = lot_keys_by_id.get(lot_ids[row_id])
        projection.units[state.key] = state
    return projection


def _load_units(
    conn: sa.Connection,
    condition: sa.ColumnElement[bool],
    by_id: dict[int, UnitState],
    parents: dict[int, int],
    lot_ids: dict[int, int],
) -> list[int]:
    new_ids = []
    for row in conn.execute(sa.select(units).where(condition)):
        if row.id in by_id:
            continue
        by_id[row.id] = UnitState(
            key=row.key,
            tenant_id=row.tenant_id,
            status=row.status,
            kind=row.kind,
            disposition=row.disposition,
            holder=row.holder_id,
            location=row.location,
            last_event=row.last_event_id,
            row_id=row.id,
        )
        if row.parent_id is not None:
            parents[row.id] = row.parent_id
        if row.lot_id is not None:
            lot_ids[row.id] = row.lot_id
        new_ids.append(row.id)
    return new_ids


def _load_lots(
    conn: sa.Connection, projection: Projection, ids: set[int], keys: list[str]
) -> dict[int, str]:
    by_id: dict[int, str] = {}
    conditions = [lots.c.id.in_(part) for part in chunks(list(ids))]
    conditions += [lots.c.key.in_(part) for part in chunks(list(dict.fromkeys(keys)))]
    for condition in conditions:
        for row in conn.execute(sa.select(lots).where(condition)):
            by_id[row.id] = row.key
            projection.lots[row.key] = LotState(
                key=row.key,
                tenant_id=row.tenant_id,
                stage=row.stage,
                status=row.status,
                row_id=row.id,
                attributes=dict(row.attributes or {}),
            )
    return by_id


def save_projection(
    conn: sa.Connection, projection: Projection, event_pks: dict[int, int], moment: datetime
) -> None:
    """Write what a batch changed: new lots and units, updated units, lot edges."""
    _save_lots(conn, projection, moment)
    lot_id = {key: lot.row_id for key, lot in projection.lots.items()}
    new = [s for s in projection.units.values() if s.is_new]
    if new:
        result = conn.execute(
            units.insert().returning(units.c.id, sort_by_parameter_order=True),
            [
                _unit_row(s, projection, lot_id, event_pks, moment) | {"parent_id": None}
                for s in new
            ],
        )
        for state, row in zip(new, result, strict=True):
            state.row_id = row.id
            state.is_new = False
    row_id = {key: s.row_id for key, s in projection.units.items()}
    dirty = [s for s in projection.units.values() if s.dirty]
    if dirty:
        conn.execute(
            units.update().where(units.c.id == sa.bindparam("b_id")),
            [
                {"b_id": s.row_id, "parent_id": row_id.get(s.parent) if s.parent else None}
                | _unit_row(s, projection, lot_id, event_pks, moment)
                for s in dirty
            ],
        )
    for state in dirty:
        state.dirty = False
    if projection.edges:
        conn.execute(
            lot_edges.insert(),
            [
                {
                    "tenant_id": projection.tenant_id,
                    "input_lot_id": lot_id[source],
                    "output_lot_id": lot_id[target],
                    "event_pk": event_pks.get(pk, pk),
                }
                for source, target, pk in dict.fromkeys(projection.edges)
            ],
        )
        projection.edges.clear()


def _unit_row(
    state: UnitState,
    projection: Projection,
    lot_id: dict[str, int | None],
    event_pks: dict[int, int],
    moment: datetime,
) -> dict[str, Any]:
    key = state.key
    gtin = key[4:18] if key.startswith("/01/") else None
    serial = key.split("/21/", 1)[1] if "/21/" in key else None
    last = state.last_event
    return {
        "tenant_id": state.tenant_id,
        "key": key,
        "kind": state.kind,
        "gtin": gtin,
        "serial": serial,
        "status": state.status,
        "disposition": state.disposition,
        "lot_id": lot_id.get(state.lot) if state.lot else None,
        "holder_id": state.holder,
        "location": state.location,
        "last_event_id": event_pks.get(last, last) if last is not None else None,
        "updated_at": moment,
    }


def _save_lots(conn: sa.Connection, projection: Projection, moment: datetime) -> None:
    new = [lot for lot in projection.lots.values() if lot.is_new]
    if not new:
        return
    result = conn.execute(
        lots.insert().returning(lots.c.id, sort_by_parameter_order=True),
        [
            {
                "tenant_id": lot.tenant_id,
                "key": lot.key,
                "gtin": lot.key[4:18] if lot.key.startswith("/01/") else None,
                "lot": lot.key.split("/10/", 1)[1] if "/10/" in lot.key else None,
                "stage": lot.stage,
                "status": lot.status,
                "quantity": str(lot.attributes.get("quantity", "")) or None,
                "uom": lot.attributes.get("uom"),
                "attributes": lot.attributes,
                "updated_at": moment,
            }
            for lot in new
        ],
    )
    for lot, row in zip(new, result, strict=True):
        lot.row_id = row.id
        lot.is_new = False
