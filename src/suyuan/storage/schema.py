"""Create, migrate and check the database schema with Alembic."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from suyuan.errors import SchemaMissing

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine``; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration this version of suyuan knows."""
    script = ScriptDirectory.from_config(_script_config())
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to the newest schema; returns (before, after)."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, head_revision()


def check_schema(engine: Engine) -> None:
    """Raise ``SchemaMissing`` unless the database is at the newest migration."""
    try:
        current = current_revision(engine)
    except sa.exc.OperationalError as exc:
        raise SchemaMissing(
            f"cannot open database {_safe_url(engine)}: {exc.orig}",
            detail={"database": _safe_url(engine)},
        ) from exc
    head = head_revision()
    if current == head:
        return
    if current is None:
        message = f"database {_safe_url(engine)} has no suyuan schema: run `suyuan db upgrade`"
    else:
        message = (
            f"database {_safe_url(engine)} is at schema {current}, this suyuan needs {head}: "
            "run `suyuan db upgrade`"
        )
    raise SchemaMissing(message, detail={"current": current, "head": head})


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _script_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
