"""Forward trace (追踪): from a lot at any stage to every unit made from it — the recall scope.

Three statements whatever the size of the scope: the lot, its descendant lots (one
recursive statement), and one roll-up that groups the units of those lots by holder and
status and by outermost container, in the database: a million-unit recall sends a few
thousand rows to Python, not a million ids. A pallet counts once, with its contents.
The list of containers is capped per holder (``container_limit``, first keys in byte
order); ``container_count`` always counts them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor
from suyuan.queries.trace_core import (
    MAX_DEPTH,
    TraceNotFound,
    allow_large_aggregate,
    binary,
    each_step,
    find_lot,
    holder_columns,
    holder_of,
    number,
    stage_name,
    statements,
    withdrawn,
)
from suyuan.storage.bulk import in_list
from suyuan.storage.tables import enterprises, lot_edges, lots, units

CONTAINER_LIMIT = 100


@dataclass(frozen=True)
class _Statements:
    descent: sa.Select[Any]
    roll_up: sa.CompoundSelect[Any]


def _descent(dialect: str) -> sa.Select[Any]:
    down = (
        sa.select(lots.c.id.label("lot_id"), sa.literal_column("0").label("depth"))
        .where(lots.c.id == sa.bindparam("lot_id"))
        .cte("descent", recursive=True)
    )
    # UNION, not UNION ALL: a lot reached twice at the same depth is walked once.
    down = down.union(
        sa.select(lot_edges.c.output_lot_id, down.c.depth + number(1))
        .join(down, lot_edges.c.input_lot_id == down.c.lot_id)
        .where(
            down.c.depth < number(MAX_DEPTH),
            each_step(lot_edges.c.event_pk.not_in(withdrawn()), down.c.depth, dialect),
        )
    )
    depth = (
        sa.select(down.c.lot_id, sa.func.min(down.c.depth).label("depth"))
        .group_by(down.c.lot_id)
        .subquery()
    )
    return sa.select(lots, depth.c.depth).join(depth, depth.c.lot_id == lots.c.id)


def _roll_up(dialect: str) -> sa.CompoundSelect[Any]:
    """Rows ``part = 's'``: units per holder and status (``extra`` = loose units);
    rows ``part = 'c'``: the first ``:limit`` outermost containers per holder by key, with
    the units of the scope inside (``n``) and the holder's container count (``extra``)."""
    big = sa.BigInteger()
    # Grouped by lot first: with an index on (lot_id, holder_id, status, parent_id) the
    # database could group as it reads it (see docs/benchmarks.md, not in the schema).
    grouped = (units.c.lot_id, units.c.holder_id, units.c.status, units.c.parent_id)
    scope = (
        sa.select(*grouped, sa.func.count().label("n"))
        .where(in_list(units.c.lot_id, "lot_ids", dialect, big))
        .group_by(*grouped)
        .cte("scope")
    )
    tops = _outermost(scope, dialect)
    boxes = (
        sa.select(
            scope.c.holder_id,
            tops.c.key,
            tops.c.kind,
            tops.c.status,
            sa.cast(sa.func.sum(scope.c.n), big).label("n"),
        )
        .join(tops, sa.and_(tops.c.start == scope.c.parent_id, tops.c.parent_id.is_(None)))
        .group_by(scope.c.holder_id, tops.c.id, tops.c.key, tops.c.kind, tops.c.status)
        .subquery("boxes")
    )
    ranked = sa.select(
        boxes,
        sa.func.row_number()
        .over(partition_by=boxes.c.holder_id, order_by=binary(boxes.c.key, dialect))
        .label("rank"),
        sa.func.count().over(partition_by=boxes.c.holder_id).label("total"),
    ).subquery("ranked")
    loose = sa.case((scope.c.parent_id.is_(None), scope.c.n), else_=0)
    per_status = (
        sa.select(
            sa.literal_column("'s'").label("part"),
            scope.c.holder_id,
            scope.c.status,
            sa.cast(sa.func.sum(scope.c.n), big).label("n"),
            sa.cast(sa.func.sum(loose), big).label("extra"),
            sa.null().label("key"),
            sa.null().label("kind"),
            *holder_columns(),
        )
        .select_from(scope.outerjoin(enterprises, enterprises.c.id == scope.c.holder_id))
        .group_by(
            scope.c.holder_id,
            scope.c.status,
            enterprises.c.slug,
            enterprises.c.name,
            enterprises.c.role,
        )
    )
    containers = sa.select(
        sa.literal_column("'c'"),
        ranked.c.holder_id,
        ranked.c.status,
        ranked.c.n,
        ranked.c.total,
        ranked.c.key,
        ranked.c.kind,
        *(sa.null().label(c.name) for c in holder_columns()),
    ).where(ranked.c.rank <= sa.bindparam("limit", type_=big))
    return sa.union_all(per_status, containers)


def _outermost(scope: sa.CTE, dialect: str) -> sa.CTE:
    """For each container holding units of the scope (``start``), the chain of containers
    up from it; the row with ``parent_id`` NULL is the outermost, with its key, kind, status.

    On PostgreSQL each step is a LATERAL lookup by primary key (``LIMIT 1`` keeps the
    planner from turning it into a join): it cannot estimate the rows of a recursive CTE
    and would otherwise hash-join each step against a sequential scan of all units.
    """
    columns = (units.c.id, units.c.parent_id, units.c.key, units.c.kind, units.c.status)
    starts = sa.select(scope.c.parent_id).where(scope.c.parent_id.is_not(None))
    if dialect != "postgresql":
        tops = (
            sa.select(units.c.id.label("start"), *columns, sa.literal_column("0").label("depth"))
            .where(units.c.id.in_(starts))
            .cte("tops", recursive=True)
        )
        return tops.union_all(
            sa.select(tops.c.start, *columns, tops.c.depth + number(1))
            .join(tops, units.c.id == tops.c.parent_id)
            .where(tops.c.depth < number(MAX_DEPTH))
        )
    wanted = starts.distinct().subquery("wanted")
    first = (
        sa.select(*columns)
        .where(units.c.id == wanted.c.parent_id)
        .limit(number(1))
        .lateral("first")
    )
    tops = (
        sa.select(
            wanted.c.parent_id.label("start"), *first.c, sa.literal_column("0").label("depth")
        )
        .select_from(wanted.join(first, sa.true()))
        .cte("tops", recursive=True)
    )
    step = (
        sa.select(*columns).where(units.c.id == tops.c.parent_id).limit(number(1)).lateral("step")
    )
    return tops.union_all(
        sa.select(tops.c.start, *step.c, tops.c.depth + number(1))
        .select_from(tops.join(step, sa.true()))
        .where(tops.c.depth < number(MAX_DEPTH))
    )


def _build(dialect: str) -> _Statements:
    return _Statements(_descent(dialect), _roll_up(dialect))


def trace_forward(
    conn: sa.Connection, actor: Actor, text: str, *, container_limit: int | None = CONTAINER_LIMIT
) -> dict[str, Any]:
    """From a lot at any stage: descendant lots, every unit, grouped by holder, containers
    once (at most ``container_limit`` listed per holder; None lists them all)."""
    lot_row = find_lot(conn, text)
    if lot_row is None:
        raise TraceNotFound(f"batch {text!r} not found", detail={"lot": text})
    allow_large_aggregate(conn)
    built = statements(conn, _build)
    # Sorted here, not in SQL: collations differ between databases, results must not.
    descendants = sorted(
        conn.execute(built.descent, {"lot_id": lot_row.id}), key=lambda r: (r.depth, r.key)
    )
    limit = (1 << 62) if container_limit is None else max(container_limit, 0)
    rows = conn.execute(
        built.roll_up, {"lot_ids": [r.id for r in descendants], "limit": max(limit, 1)}
    ).all()
    holder_list = []
    for entry in _holders(rows, limit).values():
        entry["containers"] = sorted(entry["containers"], key=lambda c: c["key"])
        entry["by_status"] = dict(sorted(entry["by_status"].items()))
        holder_list.append(entry)
    holder_list.sort(key=_holder_order)
    return {
        "lot": lot_row.key,
        "stage": stage_name(lot_row.stage),
        "lots": [
            {"id": r.key, "stage": stage_name(r.stage), "depth": r.depth, "status": r.status}
            for r in descendants
        ],
        "unit_count": sum(h["unit_count"] for h in holder_list),
        "container_limit": container_limit,
        "holders": holder_list,
    }


def _holders(rows: Sequence[Any], limit: int) -> dict[Any, dict[str, Any]]:
    holders: dict[Any, dict[str, Any]] = {}
    for row in rows:
        entry = holders.setdefault(
            row.holder_id,
            {
                "holder": None,
                "unit_count": 0,
                "by_status": {},
                "containers": [],
                "loose_units": 0,
                "container_count": 0,
            },
        )
        if row.part == "s":
            entry["holder"] = holder_of(row)
            entry["unit_count"] += row.n
            entry["by_status"][row.status] = row.n
            entry["loose_units"] += row.extra
        else:
            entry["container_count"] = row.extra
            if len(entry["containers"]) < limit:
                box = {"key": row.key, "kind": row.kind, "status": row.status, "unit_count": row.n}
                entry["containers"].append(box)
    return holders


def _holder_order(entry: dict[str, Any]) -> tuple[int, str]:
    return -entry["unit_count"], (entry["holder"] or {}).get("slug", "")
