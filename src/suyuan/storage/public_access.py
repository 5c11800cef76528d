"""Keeping the public resolver apart from the internal system (QBT-11.4(g)).

PostgreSQL: ``grant_public_role`` makes a login role that may read the published
``public_*`` tables and write check records, complaints and alerts — and nothing else.
SQLite: ``export_public`` copies the published tables into a separate file that the
public server opens read-only; it holds no internal table at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from suyuan.errors import InvalidInput
from suyuan.storage.engine import make_engine
from suyuan.storage.public_tables import (
    PUBLISHED_TABLES,
    alerts,
    complaints,
    scan_counts,
    scan_log,
)

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# table → privileges beyond SELECT on the published tables
_FEEDBACK_GRANTS = {
    scan_counts: "SELECT, INSERT, UPDATE",
    scan_log: "SELECT, INSERT, UPDATE",
    complaints: "SELECT, INSERT",
    alerts: "INSERT",
}


def grant_public_role(engine: Engine, role: str, password: str | None) -> list[str]:
    """Create (or update) the public role and grant it the public tables only (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        raise InvalidInput("roles exist on PostgreSQL only; on SQLite use `suyuan publish --to`")
    if _ROLE.fullmatch(role) is None:
        raise InvalidInput(f"role {role!r}: use lower-case letters, digits and _")
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
        f"THEN CREATE ROLE {role} LOGIN; END IF; END $$",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
    ]
    statements += [f"GRANT SELECT ON {table.name} TO {role}" for table in PUBLISHED_TABLES]
    for table, privileges in _FEEDBACK_GRANTS.items():
        statements.append(f"GRANT {privileges} ON {table.name} TO {role}")
        if "id" in table.c:
            statements.append(f"GRANT USAGE ON SEQUENCE {table.name}_id_seq TO {role}")
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        if password is not None:
            conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {_literal(conn, password)}")
    return statements


def _literal(conn: sa.Connection, value: str) -> str:
    rendered: Any = sa.literal(value).compile(
        dialect=conn.dialect, compile_kwargs={"literal_binds": True}
    )
    return str(rendered)


def export_public(source: Engine, target_url: str) -> dict[str, int]:
    """Copy the published tables into a SQLite file for ``serve --public`` (replaced in one
    transaction, so a reader sees either the old or the new projection)."""
    if not target_url.startswith("sqlite:///"):
        raise InvalidInput("the public file must be a sqlite:/// URL")
    Path(target_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    target = make_engine(target_url)
    counts: dict[str, int] = {}
    try:
        from suyuan.storage.tables import metadata

        metadata.create_all(target, tables=list(PUBLISHED_TABLES))
        with source.connect() as reader, target.begin() as writer:
            for table in PUBLISHED_TABLES:
                writer.execute(table.delete())
                counts[table.name] = _copy(reader, writer, table)
    finally:
        target.dispose()
    return counts


def _copy(reader: sa.Connection, writer: sa.Connection, table: sa.Table) -> int:
    total = 0
    result = reader.execution_options(stream_results=True, yield_per=20_000).execute(
        sa.select(table)
    )
    for rows in result.partitions():
        writer.execute(table.insert(), [dict(r._mapping) for r in rows])
        total += len(rows)
    return total
