"""The recursive step "units directly inside a container", planned as index lookups.

PostgreSQL cannot estimate the rows of a recursive CTE and plans its recursive term
blind: joined plainly to ``units``, the step becomes a hash join over a sequential scan
of the whole table at every level of every walk (measured: over a second per call on a
half-million-unit store, so a capture that walks containers each batch grows quadratic).
As a ``LATERAL`` subquery that cannot be pulled up (``OFFSET 0``) each container's
children are one parameterised lookup of ``ix_units_parent_id``. SQLite already nests
loops over the index and has no ``LATERAL``: it keeps the plain join.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from suyuan.storage.tables import units


def inside(
    dialect: sa.Dialect, container_id: sa.ColumnElement[Any], *columns: sa.Column[Any]
) -> tuple[sa.FromClause, sa.ColumnElement[bool]]:
    """A FROM item holding ``columns`` of the units whose container is ``container_id`` (a
    column of the recursive CTE), and the condition to join it on.

    Read the columns as ``found.c.<name>`` (``found`` is the first item returned)."""
    if dialect.name == "postgresql":
        step = (
            sa.select(*columns)
            .where(units.c.parent_id == container_id)
            .offset(sa.literal_column("0", sa.Integer()))
            .lateral("contained")
        )
        return step, sa.true()
    return units, units.c.parent_id == container_id


def with_contents(conn: sa.Connection, unit_ids: Sequence[int]) -> list[int]:
    """The ids of ``unit_ids`` and of every unit packed inside them, at any depth, once each."""
    if not unit_ids:
        return []
    down = (
        sa.select(units.c.id.label("unit_id"))
        .where(units.c.id.in_(list(unit_ids)))
        .cte("with_contents", recursive=True)
    )
    found_in, on = inside(conn.dialect, down.c.unit_id, units.c.id)
    down = down.union(sa.select(found_in.c.id).select_from(down).join(found_in, on))
    return [int(v) for v in conn.execute(sa.select(down.c.unit_id)).scalars()]
