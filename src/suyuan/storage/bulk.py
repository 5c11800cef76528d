"""Set-wise SQL for hot paths: one statement per batch, never one per row.

``any_of`` binds a whole list as ONE parameter (PostgreSQL ``= ANY(array)``, SQLite
``IN (SELECT value FROM json_each(?))``), so a 20,000-key filter neither hits a
database's parameter limit nor costs SQLAlchemy an expansion of 20,000 bind markers per
execution (a plain ``IN`` list re-renders its SQL every time it runs).
``bulk_insert`` and ``bulk_upsert`` write plain tuples through the driver: COPY or one
``executemany`` with the values converted by SQLAlchemy's own bind processors.

SQLAlchemy Core has no tuple-level executemany or COPY, hence this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

CHUNK = 500
BIG_CHUNK = 20_000


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """Slices of ``items`` small enough for an ``IN`` list on every database."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ValueList(sa.TypeDecorator[Sequence[Any]]):
    """A list bound as one parameter: a PostgreSQL array, or JSON text for ``json_each``."""

    impl = sa.String
    cache_ok = True

    def __init__(self, item: sa.types.TypeEngine[Any]) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(self.item))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value: Sequence[Any] | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return list(value)
        return orjson.dumps(list(value)).decode()


def _in_values(
    column: sa.ColumnElement[Any], values: sa.BindParameter[Any], dialect: str
) -> sa.ColumnElement[bool]:
    if dialect == "postgresql":
        return column == sa.any_(values)
    listed = sa.func.json_each(values).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def in_list(
    column: sa.ColumnElement[Any], name: str, dialect: str, item: sa.types.TypeEngine[Any]
) -> sa.ColumnElement[bool]:
    """``column IN (the list bound as :name)``, for statements built once and executed with
    the list as the ``name`` parameter."""
    return _in_values(column, sa.bindparam(name, type_=ValueList(item)), dialect)


def any_of(dialect: sa.Dialect, column: Any, values: Iterable[Any]) -> sa.ColumnElement[bool]:
    """``column IN values`` with the values bound now, as one parameter (strings or integers)."""
    item = sa.BigInteger() if isinstance(column.type, sa.Integer) else column.type
    bound = sa.bindparam(None, list(values), type_=ValueList(item))
    return _in_values(column, bound, dialect.name)


_UNSET = object()
_PROCESSORS: dict[tuple[str, str, tuple[str, ...]], list[tuple[int, Any]]] = {}


def _bind_processors(
    dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...]
) -> list[tuple[int, Any]]:
    """SQLAlchemy's own value conversions for the columns that need one (dates, JSON)."""
    key = (dialect.name, table.name, columns)
    found = _PROCESSORS.get(key)
    if found is None:
        found = []
        for position, name in enumerate(columns):
            processor = table.c[name].type._cached_bind_processor(dialect)
            if processor is not None:
                found.append((position, processor))
        _PROCESSORS[key] = found
    return found


def _converted(
    dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> Sequence[tuple[Any, ...]]:
    processors = _bind_processors(dialect, table, columns)
    if not processors:
        return rows
    # Batches repeat values (one record time, one namespace map): convert each
    # distinct object once.
    done: list[tuple[Any, Any]] = [(_UNSET, None)] * len(processors)
    converted = []
    for row in rows:
        values = list(row)
        for slot, (position, processor) in enumerate(processors):
            value = values[position]
            last, out = done[slot]
            if value is not last:
                out = processor(value)
                done[slot] = (value, out)
            values[position] = out
        converted.append(tuple(values))
    return converted


def bulk_insert(
    conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert plain tuples in ``columns`` order with the least per-row work the driver allows:
    one ``executemany`` on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL.

    Values are converted by the same bind processors SQLAlchemy would apply, so rows are
    stored exactly as ``table.insert()`` would store them; the rows of the open transaction.
    """
    if not rows:
        return
    rows = _converted(conn.dialect, table, columns, rows)
    names = ", ".join(columns)
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        copy_sql = f"COPY {table.name} ({names}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def bulk_upsert(
    conn: sa.Connection,
    table: sa.Table,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    keys: tuple[str, ...],
) -> None:
    """Insert tuples, replacing the other columns of rows whose ``keys`` already exist.

    One ``executemany`` of ``INSERT ... ON CONFLICT (keys) DO UPDATE`` on either database
    (psycopg pipelines it); values converted as ``bulk_insert`` converts them.
    """
    if not rows:
        return
    rows = _converted(conn.dialect, table, columns, rows)
    names = ", ".join(columns)
    update = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    marks = ", ".join(mark for _ in columns)
    sql = (
        f"INSERT INTO {table.name} ({names}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update}"
    )
    driver = conn.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()
