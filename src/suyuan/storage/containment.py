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
