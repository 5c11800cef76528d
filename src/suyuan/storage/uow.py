"""UnitOfWork: one database transaction per service call; rolls back unless committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Engine


class UnitOfWork:
    """A transaction on one connection. ``commit()`` or everything is rolled back."""

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self._engine = engine
        self._write = write
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None
        self._deferred = 0

    @property
    def connection(self) -> sa.Connection:
        """The connection of the open transaction."""
        if self._connection is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._connection

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        connection = self._engine.connect()
        if self._write:
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        self._connection = connection
        self._transaction = connection.begin()
        return self

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """Make several service calls one transaction: their commits wait for the end.

        Used by imports, where nothing may be half-done: if any call fails, the
        exception leaves the block and everything is rolled back.
        """
        self._deferred += 1
        try:
            yield
        finally:
            self._deferred -= 1
        if self._deferred == 0:
            self.commit()

    def commit(self) -> None:
        """Make the work of this unit durable (deferred inside ``all_or_nothing``)."""
        if self._deferred:
            return
        assert self._transaction is not None
        self._transaction.commit()
        self._transaction = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        try:
            if self._transaction is not None:
                self._transaction.rollback()
        finally:
            self._connection.close()
            self._connection = None
            self._transaction = None
