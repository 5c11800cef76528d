"""Migrations build exactly the schema the code declares, on both databases (GEN-9)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from suyuan.storage.engine import make_engine
from suyuan.storage.schema import alembic_config, current_revision, head_revision, upgrade
from suyuan.storage.tables import metadata


def _index_differences(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    return [d for d in diffs if isinstance(d, tuple) and d[0] in ("add_index", "remove_index")]


def _columns(engine: sa.Engine, index_name: str) -> list[str]:
    found = sa.inspect(engine).get_indexes("event_epcs")
    return next(list(ix["column_names"]) for ix in found if ix["name"] == index_name)


def test_migrated_indexes_match_the_tables_down_and_up(database_url: str) -> None:
    """GEN-9: a migrated database has every index the tables declare and no other (the
    covering event_epcs indexes that trace reads without table rows included), and the
    migrations go down to an empty database and up again."""
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        assert _index_differences(engine) == []
        assert _columns(engine, "ix_event_epcs_epc") == ["epc", "event_pk", "role"]
        assert _columns(engine, "ix_event_epcs_event_pk") == ["event_pk", "role", "epc"]
        command.downgrade(alembic_config(engine), "base")
        assert current_revision(engine) is None
        assert "event_epcs" not in sa.inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert _index_differences(engine) == []
    finally:
        engine.dispose()
