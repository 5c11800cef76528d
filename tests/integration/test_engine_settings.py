"""Session settings suyuan relies on, on each database (GEN-8)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from suyuan.storage.engine import make_engine


@pytest.mark.postgres
def test_postgresql_connections_run_without_jit(postgres_scratch: str) -> None:
    """GEN-8: every PostgreSQL connection has JIT off (recursive trace statements are
    estimated blind and LLVM compilation cost 30-980 ms per sub-millisecond statement),
    set once per connection so that no trace spends a round trip on it; other connect
    arguments given by the caller are kept."""
    engine = make_engine(postgres_scratch, connect_args={"application_name": "suyuan-test"})
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
            assert conn.exec_driver_sql("SHOW application_name").scalar_one() == "suyuan-test"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_options_from_url_and_caller_are_kept(postgres_scratch: str) -> None:
    """GEN-8: ``options`` given in the database URL or by the caller are added to suyuan's
    (libpq takes one string; a later ``-c`` wins), not put in their place."""
    url = postgres_scratch + "?options=-c%20statement_timeout%3D1234"
    engine = make_engine(url, connect_args={"options": "-c lock_timeout=2345"})
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "1234ms"
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar_one() == "2345ms"
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    """GEN-8: SQLite connections write ahead (readers never block the writer) and enforce
    foreign keys."""
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert isinstance(conn.execute(sa.text("SELECT 1")).scalar_one(), int)
    finally:
        engine.dispose()
