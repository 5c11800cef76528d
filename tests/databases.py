"""Fresh databases outside the per-test ``database_url`` fixture (module-wide worlds,
one test comparing both databases). Same templates as tests/conftest.py."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from suyuan.config import normalise_database_url


@contextmanager
def fresh_sqlite(template: Path, directory: Path) -> Iterator[str]:
    """A copy of the migrated SQLite template."""
    target = directory / f"suyuan-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    yield f"sqlite:///{target}"


@contextmanager
def fresh_postgres(template_name: str) -> Iterator[str]:
    """A PostgreSQL database created from the migrated template, dropped afterwards."""
    admin_url = normalise_database_url(os.environ["SUYUAN_TEST_DATABASE_URL"])
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"suyuan_m_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
