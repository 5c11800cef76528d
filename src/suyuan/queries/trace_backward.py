"""Backward trace (溯源): from a code or a batch up to every raw material lot.

Three statements for a code, whatever the size of the chain: the packaging chain up and
down with holders and product (one recursive statement), the lot genealogy with each
lot's direct inputs and product name (one recursive statement), and the records of the
unit, its containers and every lot. A batch takes the lot lookup, the genealogy, the
records and one statement for its unit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor
from suyuan.queries.trace_core import (
    MAX_DEPTH,
    TraceNotFound,
    each_step,
    find_lot,
    holder_columns,
    holder_of,
    number,
    records_for,
    resolve_unit_key,
    stage_name,
    statements,
    withdrawn,
)
from suyuan.storage.bulk import in_list
from suyuan.storage.tables import BigId, enterprises, lot_edges, lots, products, units

QC_TYPES = frozenset(
    {"T1.1", "T1.3", "T2.1", "T4.1", "T5.2", "T6.2", "T6.4", "T10.4", "G2.1", "M3.1"}
)
UNIT_CODES_SHOWN = 1000


@dataclass(frozen=True)
class _Statements:
    packaging: sa.CompoundSelect[Any]
    genealogy_of_one: sa.Select[Any]
    genealogy: sa.Select[Any]
    unit_codes: sa.Select[Any]


def _product_columns() -> list[sa.ColumnElement[Any]]:
    return [
        products.c.gtin.label("product_gtin"),
        products.c.name.label("product_name"),
        products.c.category.label("product_category"),
        products.c.tenant_id.label("product_enterprise"),
        products.c.attributes.label("product_attributes"),
    ]


def _packaging(dialect: str) -> sa.CompoundSelect[Any]:
    """The unit (``nesting`` 0), its containers (-1 = the one it is in, -2 …) and its
    contents (1 = directly inside, 2 …), with holder names; the product of the unit."""
    up = (
        sa.select(units.c.id, units.c.parent_id, sa.literal_column("0").label("depth"))
        .where(units.c.key == sa.bindparam("key"))
        .cte("up", recursive=True)
    )
    up = up.union_all(
        sa.select(units.c.id, units.c.parent_id, up.c.depth + number(1))
        .join(up, units.c.id == up.c.parent_id)
        .where(up.c.depth < number(MAX_DEPTH))
    )
    down = (
        sa.select(units.c.id, sa.literal_column("1").label("depth"))
        .join(up, units.c.parent_id == up.c.id)
        .where(up.c.depth == number(0))
        .cte("down", recursive=True)
    )
    down = down.union_all(
        sa.select(units.c.id, down.c.depth + number(1))
        .join(down, units.c.parent_id == down.c.id)
        .where(down.c.depth < number(MAX_DEPTH))
    )
    held = units.outerjoin(enterprises, enterprises.c.id == units.c.holder_id)
    upward = (
        sa.select(units, (-up.c.depth).label("nesting"), *holder_columns(), *_product_columns())
        .select_from(held.join(up, up.c.id == units.c.id))
        .outerjoin(products, sa.and_(products.c.gtin == units.c.gtin, up.c.depth == number(0)))
    )
    nulls = [sa.null().label(c.name) for c in _product_columns()]
    downward = sa.select(
        units, down.c.depth.label("nesting"), *holder_columns(), *nulls
    ).select_from(held.join(down, down.c.id == units.c.id))
    return sa.union_all(upward, downward)


def _genealogy(dialect: str, *, one: bool) -> sa.Select[Any]:
    """The start lots and every lot upstream, each row one edge walked (``output_id`` is
    the lot it went into; None for a start lot), with the lot's product.

    From ``:lot_id`` when ``one`` (a bottle's batch: PostgreSQL then keeps one generic
    plan for the prepared statement instead of planning it again for each bottle, as it
    does for a list of unknown length), else from the list ``:lot_ids``."""
    start = (
        lots.c.id == sa.bindparam("lot_id", type_=sa.BigInteger())
        if one
        else in_list(lots.c.id, "lot_ids", dialect, sa.BigInteger())
    )
    walk = (
        sa.select(
            lots.c.id.label("lot_id"),
            sa.literal_column("0").label("depth"),
            sa.cast(sa.null(), BigId).label("output_id"),
        )
        .where(start)
        .cte("genealogy", recursive=True)
    )
    if dialect == "postgresql":
        return _genealogy_by_lookups(walk)
    # UNION, not UNION ALL: a lot reached twice the same way is walked once.
    walk = walk.union(
        sa.select(lot_edges.c.input_lot_id, walk.c.depth + number(1), lot_edges.c.output_lot_id)
        .join(walk, lot_edges.c.output_lot_id == walk.c.lot_id)
        .where(
            walk.c.depth < number(MAX_DEPTH),
            each_step(lot_edges.c.event_pk.not_in(withdrawn()), walk.c.depth, dialect),
        )
    )
    return (
        sa.select(lots, walk.c.depth, walk.c.output_id, *_product_columns())
        .join(walk, walk.c.lot_id == lots.c.id)
        .outerjoin(products, products.c.gtin == lots.c.gtin)
    )


def _genealogy_by_lookups(walk: sa.CTE) -> sa.Select[Any]:
    """The same on PostgreSQL, each step a LATERAL index lookup (``OFFSET 0`` / ``LIMIT 1``
    keep the planner from flattening them): its generic plan for a recursive CTE of unknown
    size would read lots and lot_edges whole (the tables are small beside the units) at
    every trace."""
    edges = (
        sa.select(lot_edges.c.input_lot_id, lot_edges.c.output_lot_id)
        .where(lot_edges.c.output_lot_id == walk.c.lot_id, lot_edges.c.event_pk.not_in(withdrawn()))
        .offset(number(0))
        .lateral("edges")
    )
    walk = walk.union(
        sa.select(edges.c.input_lot_id, walk.c.depth + number(1), edges.c.output_lot_id)
        .select_from(walk.join(edges, sa.true()))
        .where(walk.c.depth < number(MAX_DEPTH))
    )
    lot = sa.select(lots).where(lots.c.id == walk.c.lot_id).limit(number(1)).lateral("lot")
    product = (
        sa.select(*_product_columns())
        .where(products.c.gtin == lot.c.gtin)
        .limit(number(1))
        .lateral("product")
    )
    return sa.select(lot, walk.c.depth, walk.c.output_id, product).select_from(
        walk.join(lot, sa.true()).outerjoin(product, sa.true())
    )


def _unit_codes(dialect: str) -> sa.Select[Any]:
    return (
        sa.select(units.c.key, sa.func.count().over().label("total"))
        .where(units.c.lot_id == sa.bindparam("lot_id"))
        .order_by(units.c.id)
        .limit(UNIT_CODES_SHOWN)
    )


def _build(dialect: str) -> _Statements:
    return _Statements(
        _packaging(dialect),
        _genealogy(dialect, one=True),
        _genealogy(dialect, one=False),
        _unit_codes(dialect),
    )


def _unit_dict(row: Any) -> dict[str, Any]:
    return {
        "key": row.key,
        "kind": row.kind,
        "gtin": row.gtin,
        "serial": row.serial,
        "status": row.status,
        "disposition": row.disposition,
        "location": row.location,
        "holder": holder_of(row),
    }


def _product(row: Any, gtin: str | None) -> dict[str, Any] | None:
    if not gtin:
        return None
    if row is None or row.product_gtin is None:
        return {"gtin": gtin}
    return {
        "gtin": row.product_gtin,
        "name": row.product_name,
        "category": row.product_category,
        "enterprise_id": row.product_enterprise,
        "attributes": row.product_attributes,
    }


@dataclass
class _Lineage:
    """The genealogy: lot rows by id, their smallest depth and direct inputs."""

    rows: dict[int, Any]
    depth: dict[int, int]
    inputs: dict[int, set[int]]

    def ordered(self) -> list[Any]:
        # Sorted here, not in SQL: collations differ between databases, results must not.
        return sorted(self.rows.values(), key=lambda r: (self.depth[r.id], r.key))


def _lineage(conn: sa.Connection, lot_ids: list[int]) -> _Lineage:
    found = _Lineage({}, {}, {})
    if not lot_ids:
        return found
    built = statements(conn, _build)
    rows = (
        conn.execute(built.genealogy_of_one, {"lot_id": lot_ids[0]})
        if len(lot_ids) == 1
        else conn.execute(built.genealogy, {"lot_ids": lot_ids})
    )
    for row in rows:
        found.rows.setdefault(row.id, row)
        found.depth[row.id] = min(row.depth, found.depth.get(row.id, row.depth))
        if row.output_id is not None:
            found.inputs.setdefault(row.output_id, set()).add(row.id)
    return found


def _lot_list(lineage: _Lineage, lot_records: dict[str, list[dict[str, Any]]]) -> list[Any]:
    return [
        {
            "id": row.key,
            "lot": row.lot,
            "gtin": row.gtin,
            "product": row.product_name,
            "stage": stage_name(row.stage),
            "status": row.status,
            "quantity": row.quantity,
            "uom": row.uom,
            "depth": lineage.depth[row.id],
            "inputs": sorted(lineage.rows[i].key for i in lineage.inputs.get(row.id, ())),
            "records": lot_records.get(row.key, []),
        }
        for row in lineage.ordered()
    ]


def trace_back(conn: sa.Connection, actor: Actor, text: str) -> dict[str, Any]:
    """From a code (any printed form) or a batch: packaging, product, genealogy, records, QC."""
    key = resolve_unit_key(text)
    chain = list(conn.execute(statements(conn, _build).packaging, {"key": key})) if key else []
    if not chain:
        return _back_from_batch(conn, actor, text)
    unit = next(r for r in chain if r.nesting == 0)
    containers = sorted((r for r in chain if r.nesting < 0), key=lambda r: -r.nesting)
    contents = sorted((r for r in chain if r.nesting > 0), key=lambda r: (r.nesting, r.id))
    subjects = [unit.key, *(r.key for r in containers)]
    lineage = _lineage(conn, sorted({r.lot_id for r in [unit, *contents] if r.lot_id}))
    found = records_for(conn, [*subjects, *(r.key for r in lineage.ordered())], actor)
    lot_list = _lot_list(lineage, found)
    return {
        "query": text,
        "code": unit.key,
        "unit": _unit_dict(unit),
        "containers": [_unit_dict(r) | {"level": -r.nesting} for r in containers],
        "contents": [_unit_dict(r) | {"level": r.nesting} for r in contents],
        "product": _product(unit, unit.gtin),
        "batch": lot_list[0]["id"] if lot_list else None,
        "lots": lot_list,
        "records": [r for s in subjects for r in found.get(s, [])],
        "qc": _qc(lot_list),
    }


def _back_from_batch(conn: sa.Connection, actor: Actor, text: str) -> dict[str, Any]:
    lot_row = find_lot(conn, text)
    if lot_row is None:
        raise TraceNotFound(
            f"{text!r} is neither a known code nor a known batch", detail={"code": text}
        )
    lineage = _lineage(conn, [lot_row.id])
    found = records_for(conn, [r.key for r in lineage.ordered()], actor)
    lot_list = _lot_list(lineage, found)
    codes = conn.execute(statements(conn, _build).unit_codes, {"lot_id": lot_row.id}).all()
    return {
        "query": text,
        "batch": lot_row.key,
        "product": _product(lineage.rows.get(lot_row.id), lot_row.gtin),
        "lots": lot_list,
        "records": [],
        "qc": _qc(lot_list),
        "unit_codes": {"count": codes[0].total if codes else 0, "codes": [r.key for r in codes]},
    }


def _qc(lot_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"lot": lot["id"], "stage": lot["stage"], **record}
        for lot in lot_list
        for record in lot["records"]
        if record["type"] in QC_TYPES
    ]
