"""Shared fixtures: databases (SQLite and PostgreSQL), runtime, HTTP client, CLI runner.

Every storage test runs on both databases. PostgreSQL runs when
SUYUAN_TEST_DATABASE_URL is set; then a missing server is an error, not a skip, and
the session fails if no PostgreSQL test passed (so CI cannot go green without it).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from suyuan.bootstrap import Runtime
from suyuan.config import Settings, normalise_database_url
from suyuan.storage.engine import make_engine
from suyuan.storage.schema import upgrade

PG_URL = os.environ.get("SUYUAN_TEST_DATABASE_URL")
_postgres = {"seen": 0, "passed": 0, "skipped": 0}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres" in item.keywords and not PG_URL:
            item.add_marker(pytest.mark.skip(reason="SUYUAN_TEST_DATABASE_URL not set"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Runs in the xdist controller too (reports are forwarded), so the count is global.
    if "postgres" not in report.keywords:
        return
    if report.skipped and not hasattr(report, "wasxfail"):  # an expected failure is no skip
        _postgres["skipped"] += 1
    elif report.when == "call":
        _postgres["seen"] += 1
        if report.passed:
            _postgres["passed"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With SUYUAN_TEST_DATABASE_URL set, a run whose PostgreSQL tests all failed to pass
    (server missing, fixtures broken) fails as a whole: CI must not go green without them."""
    if os.environ.get("PYTEST_XDIST_WORKER") is not None or not PG_URL:
        return
    if _postgres["skipped"] or (_postgres["seen"] and not _postgres["passed"]):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(  # noqa: T201
            f"\nERROR: SUYUAN_TEST_DATABASE_URL is set but {_postgres['skipped']} PostgreSQL "
            f"tests were skipped and {_postgres['passed']} passed"
        )


# --- databases --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _pg_admin_url() -> str:
    assert PG_URL is not None
    return normalise_database_url(PG_URL)


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL template database for this worker."""
    if not PG_URL:
        pytest.skip("SUYUAN_TEST_DATABASE_URL not set")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"suyuan_tpl_{worker}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "suyuan.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    scratch: str = request.getfixturevalue("postgres_scratch")
    _empty_postgres(scratch)
    yield scratch


@pytest.fixture(scope="session")
def postgres_scratch(postgres_template: str) -> Iterator[str]:
    """One migrated PostgreSQL database per worker, emptied before each test.

    Creating and dropping a database per test cost 2–3 s under load; deleting the rows
    of every table and restarting the sequences costs tens of milliseconds and leaves
    the same fresh state.
    """
    name = f"suyuan_s_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _empty_postgres(url: str) -> None:
    database = make_url(url).database
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        # A previous test's stray connection must not hold locks on the rows we delete.
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )
    admin.dispose()
    engine = sa.create_engine(normalise_database_url(url), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        tables = (
            conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
            .scalars()
            .all()
        )
        sequences = (
            conn.exec_driver_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            )
            .scalars()
            .all()
        )
        # Foreign keys are not checked while emptying (replica role), so order is free.
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [f'DELETE FROM "{name}"' for name in tables]
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        conn.exec_driver_sql(";".join(statements))
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the fresh database and a private key directory."""
    return Settings(
        database_url=database_url,
        key_dir=tmp_path / "keys",
        resolver_url="https://trace.example.cn",
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A Runtime on the fresh database."""
    rt = Runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for CLI runs against the fresh database."""
    return {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_KEY_DIR": str(settings.key_dir),
        "SUYUAN_RESOLVER_URL": settings.resolver_url,
    }


@pytest.fixture
def client(settings: Settings) -> Iterator[Any]:
    """An in-process HTTP client for the full app."""
    from fastapi.testclient import TestClient

    from suyuan.api.app import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client
