"""A small demo world for the consumer-side tests, built through the real services.

Three batches (the third fails QC), one pallet each, sales in stores, voided labels, and
one bottle recalled through a captured EPCIS event (OBSERVE, disposition ``recalled``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from suyuan.bootstrap import Runtime
from suyuan.config import Settings, normalise_database_url
from suyuan.demo import world as w
from suyuan.demo.builder import Demo
from suyuan.domain import operations as ops
from suyuan.services.operations import ID_BASE
from suyuan.services.publishing import publish_all

TINY = w.Size(batches=3, bottles_per_batch=300, stores_per_distributor=2, sold_share=0.5)
RESOLVER = "https://trace.example.cn"
SUSPICIOUS_AFTER = 40  # checks; high enough that tests sharing a code do not trip it


class TinyDemo(Demo):
    """The demo builder at a size a test can afford (~1,000 bottles)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.size = TINY


@dataclass
class World:
    """A built world and the codes the tests use (canonical Digital Link paths)."""

    settings: Settings
    codes: dict[str, str]
    internal: dict[str, Any]


def _path(code: str) -> str:
    return code[len(ID_BASE) :] if code.startswith(ID_BASE) else code


def build_world(url: str, key_dir: Path) -> World:
    """Build the tiny world in the database at ``url``."""
    settings = Settings(
        database_url=url,
        key_dir=key_dir,
        resolver_url=RESOLVER,
        scan_flush_seconds=0,
        scan_alert_checks=SUSPICIOUS_AFTER,
    )
    runtime = Runtime(settings)
    try:
        demo = TinyDemo(runtime.uow, key_dir, RESOLVER, w.Scale.SMALL, 2026)
        built = demo.build()
        sold = built.samples["sold_bottle"]
        failed = built.samples["failed_qc_bottle"]
        bottles = [b for case in demo.contents.values() for b in case]
        genuine, recalled = [b for b in bottles if b not in (sold, failed)][:2]
        demo.ctx(w.DISTILLERY.slug).capture(
            [
                ops.observe(
                    ops.Where(time=demo.at(200)),
                    epcs=[recalled],
                    step="inspecting",
                    disposition="recalled",
                )
            ],
            name="recall",
        )
        with runtime.uow() as uow:
            publish_all(uow.connection)  # voided labels have no event: `suyuan publish`
            uow.commit()
        codes = {
            "genuine": _path(genuine),
            "sold": _path(sold),
            "failed_qc": _path(failed),
            "recalled": _path(recalled),
            "voided": _path(built.samples["voided_code"]),
            "case": _path(built.samples["case"]),
            "pallet": _path(built.samples["pallet"]),
        }
        return World(settings, codes, {"tokens": built.tokens})
    finally:
        runtime.close()


_TEMPLATES: dict[str, tuple[str, World]] = {}


@contextmanager
def world_copy(kind: str, directory: Path) -> Iterator[World]:
    """A private copy of the world (built once per process and database kind)."""
    if kind not in _TEMPLATES:
        home = Path(tempfile.mkdtemp(prefix="suyuan-world-"))
        template = world_database(kind, home)
        url = template.__enter__()
        atexit.register(template.__exit__, None, None, None)
        _TEMPLATES[kind] = (url, build_world(url, home / "keys"))
    url, built = _TEMPLATES[kind]
    with _copy_database(kind, url, directory) as copy:
        settings = built.settings.model_copy(update={"database_url": copy})
        yield World(settings, dict(built.codes), dict(built.internal))


@contextmanager
def _copy_database(kind: str, url: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        source = Path(url.split(":///", 1)[1])
        target = directory / f"copy-{uuid.uuid4().hex[:8]}.db"
        with sqlite3.connect(source) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    admin_url = normalise_database_url(os.environ["SUYUAN_TEST_DATABASE_URL"])
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"suyuan_pubc_{uuid.uuid4().hex[:12]}"
    template = make_url(url).database
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def world_database(kind: str, directory: Path) -> Iterator[str]:
    """A fresh migrated database of ``kind`` (sqlite or postgres), removed afterwards."""
    from suyuan.storage.engine import make_engine
    from suyuan.storage.schema import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{directory / f'world-{uuid.uuid4().hex[:8]}.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    admin_url = normalise_database_url(os.environ["SUYUAN_TEST_DATABASE_URL"])
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"suyuan_pub_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
