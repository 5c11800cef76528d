"""Composition root: build the engine, key store and app from one Settings object."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine

from suyuan.config import Settings
from suyuan.storage.engine import make_engine
from suyuan.storage.schema import check_schema
from suyuan.storage.uow import UnitOfWork


@dataclass
class Runtime:
    """What a running suyuan needs: settings, one engine, and factories for units of work."""

    settings: Settings
    _checked: bool = field(default=False, init=False)

    @cached_property
    def engine(self) -> Engine:
        """The database engine (created lazily, once)."""
        return make_engine(self.settings.database_url)

    def require_schema(self) -> None:
        """Raise ``SchemaMissing`` unless the database is migrated (checked once)."""
        if not self._checked:
            check_schema(self.engine)
            self._checked = True

    def uow(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work on a migrated database."""
        self.require_schema()
        return UnitOfWork(self.engine, write=write)

    def close(self) -> None:
        """Release database connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()
