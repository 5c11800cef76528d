"""Engines for SQLite (WAL, busy timeout) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from suyuan.config import normalise_database_url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the settings suyuan relies on."""
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is bypassed so that we choose the BEGIN
        # mode per transaction (see _sqlite_begin).
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    given = dict(kwargs.pop("connect_args", {}))
    # libpq takes one ``options`` string: suyuan's settings first, then the URL's
    # (``?options=...``) and the caller's, so that a later ``-c`` wins and none is lost.
    from_url = sa.engine.make_url(url).query.get("options")
    parts = (POSTGRES_OPTIONS, from_url, given.get("options"))
    given["options"] = " ".join(part for part in parts if isinstance(part, str) and part)
    return sa.create_engine(url, pool_pre_ping=True, connect_args=given, **kwargs)


POSTGRES_OPTIONS = "-c jit=off"
"""Session settings of every PostgreSQL connection. No JIT: suyuan's statements are short
and many are recursive, which the planner estimates blind; cost estimates passed
``jit_above_cost`` and LLVM compilation took 30–980 ms for statements that run in under
1 ms (docs/benchmarks.md, trace). Set per connection, not per transaction, so that no
trace pays a round trip for it."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # A writer asks for IMMEDIATE so it queues on busy_timeout instead of failing
    # on lock upgrade; readers stay DEFERRED and never block anyone in WAL mode.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine | sa.Connection) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"
