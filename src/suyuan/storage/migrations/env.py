"""Alembic environment: runs migrations on the engine handed over by suyuan.storage.schema."""

from __future__ import annotations

from alembic import context

import suyuan.storage.alert_tables  # registers the alert tables on metadata
import suyuan.storage.public_tables  # noqa: F401  (registers the public tables on metadata)
from suyuan.storage.engine import is_sqlite
from suyuan.storage.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=is_sqlite(connection),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
