"""Walking down containers (storage/containment.py) on both databases (GEN-8, QBT-5.2.7).

The walk from a pallet to its cases and bottles is what recall scope, publishing and
shipment alerts do; on PostgreSQL it must stay an index lookup per container even while
a capture fills the table in one transaction, before any ANALYZE has seen the rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from factories import make_enterprise
from suyuan.bootstrap import Runtime
from suyuan.storage.bulk import bulk_insert
from suyuan.storage.containment import inside
from suyuan.storage.tables import units

PALLETS, CASES, BOTTLES = 40, 50, 6  # 12,000 bottles, 2,000 cases


def _fill(conn: sa.Connection, tenant_id: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[tuple[object, ...]] = []
    next_id = 1_000_000
    for p in range(PALLETS):
        pallet = next_id = next_id + 1
        rows.append((pallet, tenant_id, f"/00/p{p}", "container", "packed", None, now))
        for c in range(CASES):
            case = next_id = next_id + 1
            rows.append((case, tenant_id, f"/00/c{p}-{c}", "container", "packed", pallet, now))
            for b in range(BOTTLES):
                next_id += 1
                key = f"/01/06901234567892/21/B{p}x{c}x{b}"
                rows.append((next_id, tenant_id, key, "unit", "packed", case, now))
    columns = ("id", "tenant_id", "key", "kind", "status", "parent_id", "updated_at")
    bulk_insert(conn, units, columns, rows)


def _walk(conn: sa.Connection, top_keys: list[str]) -> sa.Select[tuple[int, str]]:
    seed = sa.select(units.c.id.label("top"), units.c.id, units.c.key).where(
        units.c.key.in_(top_keys)
    )
    down = seed.cte("walk", recursive=True)
    found_in, on = inside(conn.dialect, down.c.id, units.c.id, units.c.key)
    down = down.union_all(
        sa.select(down.c.top, found_in.c.id, found_in.c.key).select_from(down).join(found_in, on)
    )
    return sa.select(down.c.top, down.c.key)


def test_walk_down_finds_every_level_with_index_lookups(runtime: Runtime) -> None:
    """GEN-8: the walk from two pallets returns each pallet, its 50 cases and their 300
    bottles, once each; on PostgreSQL, in a transaction that has just filled the table
    (no statistics on the new rows), the recursive step reads ``units`` through
    ``ix_units_parent_id``, never by a sequential scan."""
    enterprise = make_enterprise(runtime)
    with runtime.uow() as uow:
        conn = uow.connection
        _fill(conn, enterprise.id)
        walk = _walk(conn, ["/00/p3", "/00/p7"])
        found = conn.execute(walk).all()
        assert len(found) == 2 * (1 + CASES + CASES * BOTTLES)
        assert len({key for _top, key in found}) == len(found)
        assert {key for _top, key in found if key.startswith("/01/")} == {
            f"/01/06901234567892/21/B{p}x{c}x{b}"
            for p in (3, 7)
            for c in range(CASES)
            for b in range(BOTTLES)
        }
        if conn.dialect.name == "postgresql":
            compiled = walk.compile(conn, compile_kwargs={"literal_binds": True})
            plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {compiled}").scalars())
            assert "ix_units_parent_id" in plan, plan
            assert "Seq Scan on units" not in plan, plan
