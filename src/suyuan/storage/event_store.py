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
from suyuan.storage.bulk import BIG_CHUNK, any_of, bulk_insert, chunks
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


def existing_dedup_keys(conn: sa.Connection, tenant_id: int, keys: Sequence[str]) -> dict[str, int]:
    """Which of ``keys`` are already stored for the tenant, with their event pk."""
    found: dict[str, int] = {}
    for part in chunks(list(dict.fromkeys(keys)), BIG_CHUNK):
        rows = conn.execute(
            sa.select(events.c.dedup_key, events.c.id).where(
                events.c.tenant_id == tenant_id, any_of(conn.dialect, events.c.dedup_key, part)
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
    columns = tuple(rows[0])
    pks = reserve_ids(conn, events, len(rows))
    bulk_insert(
        conn,
        events,
        ("id", *columns),
        [(pk, *(row[c] for c in columns)) for pk, row in zip(pks, rows, strict=True)],
    )
    return pks


EPC_COLUMNS = ("tenant_id", "event_pk", "role", "epc")
ATTRIBUTE_COLUMNS = ("tenant_id", "event_pk", "name", "value")


def insert_index_rows(
    conn: sa.Connection,
    epc_rows: list[tuple[int, int, str, str]],
    attribute_rows: list[tuple[int, int, str, str]],
    correction_rows: list[dict[str, Any]],
) -> None:
    """Insert the identifier and attribute rows (tuples in ``EPC_COLUMNS`` and
    ``ATTRIBUTE_COLUMNS`` order) and the correction rows of a batch."""
    bulk_insert(conn, event_epcs, EPC_COLUMNS, epc_rows)
    bulk_insert(conn, event_attributes, ATTRIBUTE_COLUMNS, attribute_rows)
    if correction_rows:
        conn.execute(event_corrections.insert(), correction_rows)


# --- bulk writing ----------------------------------------------------------------------------


def reserve_ids(conn: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """``count`` fresh primary keys of ``table``, in increasing order, for explicit inserts.

    PostgreSQL draws them from the column's sequence (safe with concurrent writers).
    SQLite hands out ``max(id) + 1 ...``, exactly what it would assign itself: capture
    holds the database's write lock (``BEGIN IMMEDIATE``) from the read to the insert,
    and a deferred transaction that lost the race fails on write instead of reusing ids.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        return list(
            conn.exec_driver_sql(
                f"SELECT nextval({sequence}) FROM generate_series(1, {int(count)})"
            ).scalars()
        )
    top = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
    start = int(top or 0) + 1
    return list(range(start, start + count))


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
    dialect = conn.dialect
    for part in chunks(keys, BIG_CHUNK):
        _load_units(conn, any_of(dialect, units.c.key, part), by_id, parents, lot_ids)
    frontier = list(by_id)
    while frontier:
        found: list[int] = []
        for part in chunks(frontier, BIG_CHUNK):
            inside = any_of(dialect, units.c.parent_id, part)
            found += _load_units(conn, inside, by_id, parents, lot_ids)
        frontier = found
    missing_parents = [p for p in set(parents.values()) if p not in by_id]
    for part in chunks(missing_parents, BIG_CHUNK):
        _load_units(conn, any_of(dialect, units.c.id, part), by_id, parents, lot_ids)
    lot_keys_by_id = _load_lots(conn, projection, set(lot_ids.values()), list(lot_keys))
    for row_id, state in by_id.items():
        if row_id in parents and parents[row_id] in by_id:
            state.parent = state.stored_parent = by_id[parents[row_id]].key
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
            state_time=row.state_time,
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
    dialect = conn.dialect
    conditions = [any_of(dialect, lots.c.id, part) for part in chunks(list(ids), BIG_CHUNK)]
    conditions += [
        any_of(dialect, lots.c.key, part) for part in chunks(list(dict.fromkeys(keys)), BIG_CHUNK)
    ]
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
    """Write what a batch changed: new lots and units, updated units, lot edges.

    New units are inserted once with their final state (their row ids are reserved
    first, so a new bottle can point at a new case). Changed units are updated set-wise:
    one statement per distinct new state (a shipped pallet and everything in it share
    one), and one per new container for those that moved.
    """
    _save_lots(conn, projection, moment)
    lot_id = {key: lot.row_id for key, lot in projection.lots.items()}
    new = [s for s in projection.units.values() if s.is_new]
    for state, pk in zip(new, reserve_ids(conn, units, len(new)), strict=True):
        state.row_id = pk
    row_id = projection.units
    if new:
        bulk_insert(
            conn,
            units,
            _UNIT_COLUMNS,
            [
                (
                    s.row_id,
                    s.tenant_id,
                    s.key,
                    s.kind,
                    s.key[4:18] if s.key.startswith("/01/") else None,
                    s.key.split("/21/", 1)[1] if "/21/" in s.key else None,
                    *_unit_state(s, lot_id, event_pks),
                    row_id[s.parent].row_id if s.parent in row_id else None,
                    moment,
                )
                for s in new
            ],
        )
    changed: dict[tuple[Any, ...], list[int]] = {}
    moved: dict[int | None, list[int]] = {}
    for state in projection.units.values():
        if state.is_new:
            state.is_new = state.dirty = False
            state.stored_parent = state.parent
            continue
        if not state.dirty:
            continue
        assert state.row_id is not None
        changed.setdefault(_unit_state(state, lot_id, event_pks), []).append(state.row_id)
        if state.parent != state.stored_parent:
            parent = row_id[state.parent].row_id if state.parent in row_id else None
            moved.setdefault(parent, []).append(state.row_id)
            state.stored_parent = state.parent
        state.dirty = False
    for values, ids in changed.items():
        update = units.update().values(dict(zip(_STATE_COLUMNS, values, strict=True)))
        for part in chunks(ids):
            conn.execute(update.values(updated_at=moment).where(units.c.id.in_(part)))
    for parent_id, ids in moved.items():
        for part in chunks(ids):
            conn.execute(units.update().values(parent_id=parent_id).where(units.c.id.in_(part)))
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


_STATE_COLUMNS = (
    "status",
    "disposition",
    "lot_id",
    "holder_id",
    "location",
    "last_event_id",
    "state_time",
)
_UNIT_COLUMNS = (
    "id",
    "tenant_id",
    "key",
    "kind",
    "gtin",
    "serial",
    *_STATE_COLUMNS,
    "parent_id",
    "updated_at",
)


def _unit_state(
    state: UnitState, lot_id: dict[str, int | None], event_pks: dict[int, int]
) -> tuple[Any, ...]:
    """The values of ``_STATE_COLUMNS`` for one unit."""
    last = state.last_event
    return (
        state.status,
        state.disposition,
        lot_id.get(state.lot) if state.lot else None,
        state.holder,
        state.location,
        event_pks.get(last, last) if last is not None else None,
        state.state_time,
    )


_LOT_COLUMNS = (
    "id",
    "tenant_id",
    "key",
    "gtin",
    "lot",
    "stage",
    "status",
    "quantity",
    "uom",
    "attributes",
    "updated_at",
)


def _save_lots(conn: sa.Connection, projection: Projection, moment: datetime) -> None:
    new = [lot for lot in projection.lots.values() if lot.is_new]
    if not new:
        return
    for lot, pk in zip(new, reserve_ids(conn, lots, len(new)), strict=True):
        lot.row_id = pk
        lot.is_new = False
    bulk_insert(
        conn,
        lots,
        _LOT_COLUMNS,
        [
            (
                lot.row_id,
                lot.tenant_id,
                lot.key,
                lot.key[4:18] if lot.key.startswith("/01/") else None,
                lot.key.split("/10/", 1)[1] if "/10/" in lot.key else None,
                lot.stage,
                lot.status,
                str(lot.attributes.get("quantity", "")) or None,
                lot.attributes.get("uom"),
                lot.attributes,
                moment,
            )
            for lot in new
        ],
    )
