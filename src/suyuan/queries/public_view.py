"""The public view of a code (QBT-9(a), QBT-10.4.1, QBT-T15.1-20), read from the public projection.

Reads go straight to the DB-API driver with fixed SQL. On PostgreSQL a resolve is one round
trip: the unit row (with its scan counter when the counters live in the same database), the
packing walk and the flow together. On SQLite, where a small query costs a few microseconds
and a recursive one tens, the unit row is one query and the packing walk goes up one level
at a time (one two-index statement per container). Products and batches are cached for a
few seconds. The reader sees only ``public_*`` tables (QBT-11.4(g)): on PostgreSQL through
a role granted nothing else, on SQLite through a published file opened read-only.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from suyuan.config import normalise_database_url
from suyuan.storage.engine import POSTGRES_OPTIONS

T = TypeVar("T")
MAX_LEVELS = 6
Span = tuple[datetime | None, datetime | None]
# The packing walk rows (child, parent, from, to, depth) and the flow rows (carrier, step,
# at, id, place, shipper, receiver) in time order of a unit and the containers above it.
_Trail = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]
# SQLite: the unit row (kind 2; with its scan counter on a full server), then the packing
# rows (kind 0: node, parent, from, to) and the flow rows (kind 1: node, step, at, id, place,
# shipper, receiver) of the unit, of the containers it was packed in and of the containers
# those were packed in, in one statement of plain index lookups (the walk goes on from
# Python in the rare case of deeper packing). A row may come more than once when a path
# repeats (a bottle put back into the same case): the walk reads each node's rows as a set.
_SQLITE_UNIT = (
    "SELECT 2, key, tenant_id, gtin, kind, lot_key, state, trace_code, NULL, NULL, NULL, NULL"
    " FROM public_units WHERE key = ?1"
)
_SQLITE_UNIT_COUNTS = (
    "SELECT 2, u.key, u.tenant_id, u.gtin, u.kind, u.lot_key, u.state, u.trace_code,"
    " c.count, c.first_at, c.first_place, c.places"
    " FROM public_units u LEFT JOIN scan_counts c ON c.key = u.key WHERE u.key = ?1"
)
_SQLITE_OWN = (
    " UNION ALL SELECT 0, ?1, parent, from_at, to_at, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
    " FROM public_packing WHERE child = ?1"
    " UNION ALL SELECT 1, ?1, step, at, id, place, shipper, receiver, NULL, NULL, NULL, NULL"
    " FROM public_flow WHERE key = ?1"
    " UNION ALL SELECT 0, a.parent, b.parent, b.from_at, b.to_at, NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL FROM public_packing a JOIN public_packing b ON b.child = a.parent"
    " WHERE a.child = ?1"
    " UNION ALL SELECT 1, a.parent, f.step, f.at, f.id, f.place, f.shipper, f.receiver, NULL,"
    " NULL, NULL, NULL FROM public_packing a JOIN public_flow f ON f.key = a.parent"
    " WHERE a.child = ?1"
    " UNION ALL SELECT 0, b.parent, c.parent, c.from_at, c.to_at, NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL FROM public_packing a JOIN public_packing b ON b.child = a.parent"
    " JOIN public_packing c ON c.child = b.parent WHERE a.child = ?1"
    " UNION ALL SELECT 1, b.parent, f.step, f.at, f.id, f.place, f.shipper, f.receiver, NULL,"
    " NULL, NULL, NULL FROM public_packing a JOIN public_packing b ON b.child = a.parent"
    " JOIN public_flow f ON f.key = b.parent WHERE a.child = ?1"
)
# SQLite: the packing rows (kind 0: parent, from, to) and the flow rows (kind 1: step, at,
# id, place, shipper, receiver) of one unit or container, two index lookups in one
# statement. The walk up the packing goes level by level from Python: a handful of these
# cost less than one recursive query (temporary B-trees for DISTINCT, UNION, ORDER BY).
_CARRIER = (
    "SELECT 0, parent, from_at, to_at, NULL, NULL, NULL FROM public_packing WHERE child = ?"
    " UNION ALL SELECT 1, step, at, id, place, shipper, receiver FROM public_flow WHERE key = ?"
)
# PostgreSQL: the unit (with its scan counter on a full server), the packing walk and the
# flow of the unit and of every container above it, in one round trip: the unit row
# (kind 0) first, then walk rows (kind 1), then flow rows (kind 2) in time order. The flow
# rows of containers are filtered to the periods the unit was inside in Python.
_PG_WALK = (
    "WITH RECURSIVE up(child, parent, from_at, to_at, depth) AS ("
    " SELECT child, parent, from_at, to_at, 1 FROM public_packing WHERE child = %(key)s"
    " UNION ALL SELECT p.child, p.parent, p.from_at, p.to_at, up.depth + 1"
    f" FROM public_packing p JOIN up ON p.child = up.parent WHERE up.depth < {MAX_LEVELS})"
)
_PG_REST = (
    # (DISTINCT types its NULLs as text before the union: cast them)
    " UNION ALL SELECT DISTINCT 1, child, parent, NULL::varchar, NULL::varchar,"
    " NULL::varchar, NULL::varchar, NULL::varchar, NULL::text, from_at, to_at, depth,"
    " NULL::bigint FROM up"
    # The flow of each carrier by its index, a lookup per carrier (LATERAL, kept apart by
    # OFFSET 0): as a plain join the planner may take a sequential scan and a hash of the
    # whole table (it did on the small world's generic plan, ~1 ms a resolve).
    " UNION ALL SELECT 2, f.key, f.step, f.place, f.shipper, f.receiver, NULL, NULL, NULL,"
    " f.at, NULL, f.id, NULL"
    " FROM (SELECT CAST(%(key)s AS VARCHAR) AS key UNION SELECT parent FROM up) k,"
    " LATERAL (SELECT * FROM public_flow WHERE public_flow.key = k.key OFFSET 0) f"
    " ORDER BY 1, 10, 12"
)
_PG_HEAD_COUNTS = (
    " SELECT 0, u.key, u.gtin, u.kind, u.lot_key, u.state, u.trace_code, c.first_place,"
    " c.places::text, c.first_at, NULL::timestamptz, u.tenant_id, c.count::bigint"
    " FROM public_units u LEFT JOIN scan_counts c ON c.key = u.key WHERE u.key = %(key)s"
)
_PG_HEAD = (
    " SELECT 0, u.key, u.gtin, u.kind, u.lot_key, u.state, u.trace_code, NULL::varchar,"
    " NULL::text, NULL::timestamptz, NULL::timestamptz, u.tenant_id, NULL::bigint"
    " FROM public_units u WHERE u.key = %(key)s"
)
_PG_UNIT_COUNTS_TRAIL = _PG_WALK + _PG_HEAD_COUNTS + _PG_REST
_PG_UNIT_TRAIL = _PG_WALK + _PG_HEAD + _PG_REST
_CACHE_SECONDS = 10.0


def to_utc(value: Any) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite keeps naive UTC text)."""
    if value is None:
        return None
    if type(value) is str:  # SQLite: the same moments come back again and again
        moment = _parsed.get(value)
        if moment is None:
            if len(_parsed) >= 100_000:
                _parsed.clear()
            moment = _parsed[value] = _aware(datetime.fromisoformat(value))
        return moment
    return _aware(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_parsed: dict[str, datetime] = {}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True, slots=True)
class PublicUnit:
    """One published unit or container."""

    key: str
    tenant_id: int
    gtin: str | None
    kind: str
    lot_key: str | None
    state: str
    trace_code: str | None
    # PostgreSQL: the packing walk and flow rows read with the unit (see flow_of).
    trail: _Trail | None = field(default=None, compare=False, repr=False)


class FlowStep(NamedTuple):
    """One B2B movement of the unit or a container it travelled in (QBT-T15.20)."""

    at: datetime
    step: str
    place: str | None
    shipper: str | None
    receiver: str | None


class Database:
    """A thin DB-API connection for one process: SQLite (optionally read-only) or psycopg."""

    def __init__(self, url: str, *, read_only: bool = False, writer: bool = False) -> None:
        url = normalise_database_url(url)
        self.is_sqlite = url.startswith("sqlite")
        self._lock = threading.Lock()
        self._url = url
        self._read_only = read_only
        self._writer = writer
        self._conn: Any = None

    @property
    def url(self) -> str:
        """The database URL."""
        return self._url

    def twin(self, *, writer: bool = False) -> Database:
        """Another connection to the same database; ``writer``: for batches written off the
        request path (SQLite: no automatic checkpoint inside COMMIT, see :meth:`checkpoint`;
        PostgreSQL: asynchronous commit)."""
        return Database(self._url, read_only=self._read_only and not writer, writer=writer)

    def _connect(self) -> Any:
        if self.is_sqlite:
            path = self._url.split(":///", 1)[1]
            if self._read_only:
                conn = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30
                )
            else:
                conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.isolation_level = None
            conn.execute("PRAGMA busy_timeout=30000")
            # Resolves read random pages of a large file: keep more of it in the page cache
            # and map it, instead of a read() system call per page.
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA mmap_size=1073741824")
            if self._writer:
                conn.execute("PRAGMA wal_autocheckpoint=0")
            return conn
        import psycopg

        dsn = self._url.replace("postgresql+psycopg://", "postgresql://", 1)
        # Every query here is a few index lookups; the planner's estimate for the recursive
        # packing walk can still cross jit_above_cost, and JIT compiling costs ~100 ms.
        options = POSTGRES_OPTIONS
        if self._writer:
            options += " -c synchronous_commit=off"
        return psycopg.connect(dsn, autocommit=not self._writer, options=options)

    @property
    def connection(self) -> Any:
        """The open connection (made on first use)."""
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def sql(self, text: str) -> str:
        """``?`` placeholders for SQLite, ``%s`` for psycopg."""
        return text if self.is_sqlite else text.replace("?", "%s")

    def fetch(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""
        with self._lock:
            try:
                cursor = self.connection.execute(self.sql(text), tuple(params))
                return list(cursor.fetchall())
            except Exception:  # closing a broken connection may fail too
                self.reset()
                raise

    def fetch_named(self, text: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run one query with named (``%(name)s``) parameters (psycopg only)."""
        with self._lock:
            try:
                return list(self.connection.execute(text, params).fetchall())
            except Exception:  # closing a broken connection may fail too
                self.reset()
                raise

    def run(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows, in one transaction."""
        with self._lock:
            conn = self.connection
            try:
                if self.is_sqlite:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany(self.sql(text), [tuple(r) for r in rows])
                    conn.execute("COMMIT")
                else:
                    with conn.transaction(), conn.cursor() as cursor:
                        cursor.executemany(self.sql(text), [tuple(r) for r in rows])
            except Exception:  # closing a broken connection may fail too
                self.reset()
                raise

    def transaction(
        self,
        work: Callable[[Transaction], T],
        *,
        commit_lock: threading.Lock | None = None,
        after_commit: Callable[[], None] | None = None,
    ) -> T:
        """Run ``work`` in one transaction and commit it; the commit and ``after_commit``
        happen together while holding ``commit_lock`` (when given)."""
        with self._lock:
            conn = self.connection
            try:
                if self.is_sqlite:
                    conn.execute("BEGIN IMMEDIATE")
                elif conn.autocommit:
                    conn.execute("BEGIN")
                result = work(Transaction(self, conn))
                with commit_lock or contextlib.nullcontext():
                    conn.execute("COMMIT") if self.is_sqlite else conn.commit()
                    if after_commit is not None:
                        after_commit()
            except Exception:  # closing a broken connection may fail too
                self.reset()
                raise
            return result

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file as far as readers allow."""
        with self._lock:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def reset(self) -> None:
        """Drop the connection (a failed one is reopened on next use)."""
        if self._conn is not None:
            try:
                if self.is_sqlite and self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                self._conn.close()
            except Exception:  # closing a broken connection may fail too
                pass
            self._conn = None

    def close(self) -> None:
        """Close the connection."""
        self.reset()


class Transaction:
    """Statements inside :meth:`Database.transaction`."""

    def __init__(self, db: Database, conn: Any) -> None:
        self._db = db
        self._conn = conn

    def fetch(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""
        return list(self._conn.execute(self._db.sql(text), tuple(params)).fetchall())

    def many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows."""
        if self._db.is_sqlite:
            self._conn.executemany(text, rows)
        else:
            with self._conn.cursor() as cursor:
                cursor.executemany(self._db.sql(text), rows)


class _Cache:
    """A tiny time-bounded cache for product and batch rows."""

    def __init__(self, seconds: float = _CACHE_SECONDS, size: int = 10_000) -> None:
        self._seconds = seconds
        self._size = size
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, load: Callable[[str], Any]) -> Any:
        found = self._items.get(key)
        moment = time.monotonic()
        if found is not None and moment - found[0] < self._seconds:
            return found[1]
        value = load(key)
        if len(self._items) >= self._size:
            self._items.clear()
        self._items[key] = (moment, value)
        return value


class AsyncReads:
    """PostgreSQL connections for reads awaited on the event loop (a few, each running one
    query at a time), so a server keeps answering while its queries run. Bound to the
    loop that first uses them; another loop gets new connections."""

    SIZE = 4

    def __init__(self, url: str) -> None:
        self._dsn = normalise_database_url(url).replace("postgresql+psycopg://", "postgresql://", 1)
        self._loop: Any = None
        self._idle: list[Any] = []
        self._open = 0
        self._waiting: collections.deque[Any] = collections.deque()

    async def fetch(self, text: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run one query with named parameters and return its rows."""
        conn = await self._acquire()
        try:
            cursor = await conn.execute(text, params)
            rows: list[tuple[Any, ...]] = await cursor.fetchall()
        except BaseException:
            self._open -= 1
            self._hand_on(None)
            await conn.close()
            raise
        self._hand_on(conn)
        return rows

    async def _acquire(self) -> Any:
        import psycopg

        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._drop()
            self._loop = loop
        if self._idle:
            return self._idle.pop()
        if self._open < self.SIZE:
            self._open += 1
            try:
                return await psycopg.AsyncConnection.connect(
                    self._dsn, autocommit=True, options=POSTGRES_OPTIONS
                )
            except BaseException:
                self._open -= 1
                raise
        waiter = loop.create_future()
        self._waiting.append(waiter)
        try:
            conn = await waiter
        except asyncio.CancelledError:  # a connection handed over meanwhile goes on
            if waiter.done() and not waiter.cancelled():
                self._hand_on(waiter.result())
            raise
        return conn if conn is not None else await self._acquire()

    def _hand_on(self, conn: Any) -> None:
        """Give a connection (or, after a failure, the right to open one) to the next
        waiting query, or keep it."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        if conn is not None:
            self._idle.append(conn)

    def _drop(self) -> None:
        """Forget connections made on another loop (their sockets closed at once)."""
        for conn in self._idle:
            conn.pgconn.finish()
        self._idle = []
        self._open = 0
        self._waiting.clear()

    async def close(self) -> None:
        """Close the idle connections (on the loop that made them)."""
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        for conn in idle:
            await conn.close()


class PublicReader:
    """Reads the public projection; nothing else is reachable through it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._products = _Cache()
        self._lots = _Cache()
        self._async: AsyncReads | None = None

    @property
    def reads_async(self) -> bool:
        """Whether :meth:`unit_and_counts_async` awaits its query (PostgreSQL)."""
        return not self.db.is_sqlite

    async def unit_and_counts_async(
        self, key: str
    ) -> tuple[PublicUnit | None, tuple[Any, ...] | None]:
        """:meth:`unit_and_counts`, the query awaited on the running loop (PostgreSQL)."""
        if self.db.is_sqlite:
            return self.unit_and_counts(key)
        if self._async is None:
            self._async = AsyncReads(self.db.url)
        rows = await self._async.fetch(_PG_UNIT_COUNTS_TRAIL, {"key": key})
        unit, stored, _ = _pg_rows(rows)
        return unit, stored

    async def close_async(self) -> None:
        """Close the connections of :meth:`unit_and_counts_async`."""
        if self._async is not None:
            await self._async.close()

    def tenant_of_gtin(self, gtin: str) -> int | None:
        """The enterprise that filed a GTIN (to find its code key ring), cached."""
        found = self.product(gtin)
        return None if found is None else int(found["tenant_id"])

    def product(self, gtin: str) -> dict[str, Any] | None:
        """Category-level public items of a product."""
        return self._products.get(gtin, self._load_product)  # type: ignore[no-any-return]

    def _load_product(self, gtin: str) -> dict[str, Any] | None:
        rows = self.db.fetch(
            "SELECT tenant_id, profile, items FROM public_products WHERE gtin = ?", (gtin,)
        )
        if not rows:
            return None
        tenant_id, profile, items = rows[0]
        return {"tenant_id": tenant_id, "profile": profile, "items": _json(items)}

    def lot(self, key: str) -> dict[str, Any] | None:
        """Batch-derived public items."""
        return self._lots.get(key, self._load_lot)  # type: ignore[no-any-return]

    def _load_lot(self, key: str) -> dict[str, Any] | None:
        rows = self.db.fetch("SELECT items, qc_passed FROM public_lots WHERE key = ?", (key,))
        if not rows:
            return None
        items, passed = rows[0]
        return {"items": _json(items), "qc_passed": None if passed is None else bool(passed)}

    def unit(self, key: str) -> PublicUnit | None:
        """The published unit or container under a canonical key, with its packing walk and
        flow (read in the same round trip on PostgreSQL; see :meth:`flow_of`)."""
        if not self.db.is_sqlite:
            return self._pg_unit(_PG_UNIT_TRAIL, key)[0]
        return self._sqlite_unit(_SQLITE_UNIT + _SQLITE_OWN, key)[0]

    def unit_and_counts(self, key: str) -> tuple[PublicUnit | None, tuple[Any, ...] | None]:
        """The unit and its stored scan counter row (count, first_at, first_place, places),
        in one query; only for a full server, whose counters are in the same database."""
        if not self.db.is_sqlite:
            return self._pg_unit(_PG_UNIT_COUNTS_TRAIL, key)
        return self._sqlite_unit(_SQLITE_UNIT_COUNTS + _SQLITE_OWN, key)

    def _sqlite_unit(
        self, statement: str, key: str
    ) -> tuple[PublicUnit | None, tuple[Any, ...] | None]:
        rows = self.db.fetch(statement, (key,))
        head = None
        fetched: dict[str, dict[tuple[Any, ...], None]] = {key: {}}
        for row in rows:
            if row[0] == 2:
                head = row
                continue
            node = row[1]
            found = fetched.get(node)
            if found is None:
                found = fetched[node] = {}
            found[(row[0], *row[2:8])] = None
            if row[0] == 0 and node == key:  # a container of the unit: its rows came too
                fetched.setdefault(row[2], {})
        if head is None:
            return None, None
        for parent in [r[1] for r in fetched[key] if r[0] == 0]:
            for r in fetched[parent]:  # the next level's containers: their rows came too
                if r[0] == 0:
                    fetched.setdefault(r[1], {})
        _, key, tenant_id, gtin, kind, lot_key, state, trace_code = head[:8]
        trail = self._walk(key, {node: list(found) for node, found in fetched.items()})
        unit = PublicUnit(key, tenant_id, gtin, kind, lot_key, state, trace_code, trail)
        return unit, (head[8:] if head[8] is not None else None)

    def _pg_unit(
        self, statement: str, key: str
    ) -> tuple[PublicUnit | None, tuple[Any, ...] | None]:
        unit, stored, _ = self._pg_read(statement, key)
        return unit, stored

    def _pg_read(self, statement: str, key: str) -> tuple[PublicUnit | None, Any, _Trail]:
        """PostgreSQL: the unit, its counter row and its trail (walk, flow) in one query."""
        return _pg_rows(self.db.fetch_named(statement, {"key": key}))

    def ticket(self, code: str) -> dict[str, Any] | None:
        """A market trace ticket (LZ-3)."""
        rows = self.db.fetch(
            "SELECT tenant_id, profile, items FROM public_tickets WHERE code = ?", (code,)
        )
        if not rows:
            return None
        tenant_id, profile, items = rows[0]
        return {"tenant_id": tenant_id, "profile": profile, "items": _json(items)}

    def flow(self, key: str) -> list[FlowStep]:
        """Movements of the unit and of each container while it was inside (QBT-T15.20)."""
        if self.db.is_sqlite:
            return _steps(key, *self._walk(key))
        return _steps(key, *self._pg_read(_PG_UNIT_TRAIL, key)[2])

    def flow_of(self, unit: PublicUnit) -> list[FlowStep]:
        """:meth:`flow` of a unit read by :meth:`unit` or :meth:`unit_and_counts` (no
        further query when its walk and flow came with it)."""
        if unit.trail is None:
            return self.flow(unit.key)
        return _steps(unit.key, *unit.trail)

    def _walk(self, key: str, known: dict[str, list[tuple[Any, ...]]] | None = None) -> _Trail:
        """SQLite: the trail of ``key`` up to MAX_LEVELS of packing (what one recursive
        query would give); ``known``: the rows (as _CARRIER gives them) of the nodes
        already read."""
        fetched: dict[str, list[tuple[Any, ...]]] = {} if known is None else known

        def carrier(node: str) -> list[tuple[Any, ...]]:
            rows = fetched.get(node)
            if rows is None:
                rows = fetched[node] = self.db.fetch(_CARRIER, (node, node))
            return rows

        walk: list[tuple[Any, ...]] = []
        frontier = [key]
        for depth in range(1, MAX_LEVELS + 1):
            found: dict[tuple[Any, ...], None] = {}
            for node in frontier:
                for row in carrier(node):
                    if row[0] == 0:
                        found[(node, row[1], row[2], row[3], depth)] = None
            if not found:
                break
            walk.extend(found)
            frontier = list(dict.fromkeys(row[1] for row in found))
        for node in frontier:  # the top level's own flow
            carrier(node)
        flows = sorted(
            ((node, *row[1:]) for node, rows in fetched.items() for row in rows if row[0] == 1),
            key=lambda row: (row[2], row[3]),
        )
        return walk, flows


def _pg_rows(rows: list[tuple[Any, ...]]) -> tuple[PublicUnit | None, Any, _Trail]:
    """The unit, its counter row and its trail from the rows of _PG_UNIT_TRAIL (or
    _PG_UNIT_COUNTS_TRAIL)."""
    walk = [(r[1], r[2], r[9], r[10], r[11]) for r in rows if r[0] == 1]
    flows = [(r[1], r[2], r[9], r[11], r[3], r[4], r[5]) for r in rows if r[0] == 2]
    if not rows or rows[0][0] != 0:
        return None, None, (walk, flows)
    head = rows[0]
    unit = PublicUnit(head[1], head[11], head[2], head[3], head[4], head[5], head[6], (walk, flows))
    stored = None if head[12] is None else (head[12], head[9], head[7], head[8])
    return unit, stored, (walk, flows)


def _steps(key: str, walk: list[tuple[Any, ...]], flows: list[tuple[Any, ...]]) -> list[FlowStep]:
    """The flow steps of ``key``: each carrier's movements within the periods the unit was
    inside it."""
    windows = _windows(key, walk) if walk else {key: _ALWAYS}
    steps = []
    for carrier, step, at, _, place, shipper, receiver in flows:
        spans = windows.get(carrier)
        if not spans:
            continue
        moment = to_utc(at)
        assert moment is not None
        for start, end in spans:
            if (start is None or moment >= start) and (end is None or moment < end):
                steps.append(FlowStep(moment, step, place, shipper, receiver))
                break
    return steps


_ALWAYS: list[Span] = [(None, None)]


def _windows(key: str, rows: list[tuple[Any, ...]]) -> dict[str, list[Span]]:
    """For the unit and every container it was in: the periods it was inside, from the
    packing walk rows (child, parent, from, to, depth)."""
    spans: dict[str, list[Span]] = {key: [(None, None)]}
    frontier: dict[str, list[Span]] = {key: [(None, None)]}
    by_depth: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_depth.setdefault(int(row[4]), []).append(row)
    for depth in sorted(by_depth):
        nxt: dict[str, list[Span]] = {}
        for child, parent, start, end, _ in by_depth[depth]:
            for outer in frontier.get(child, ()):
                span = _intersect(outer, (to_utc(start), to_utc(end)))
                if span is not None:
                    nxt.setdefault(parent, []).append(span)
        for parent, found in nxt.items():
            spans.setdefault(parent, []).extend(found)
        frontier = nxt
    return spans


def _intersect(
    a: tuple[datetime | None, datetime | None], b: tuple[datetime | None, datetime | None]
) -> tuple[datetime | None, datetime | None] | None:
    (s1, e1), (s2, e2) = a, b
    start = s2 if s1 is None else s1 if s2 is None else max(s1, s2)
    end = e2 if e1 is None else e1 if e2 is None else min(e1, e2)
    if start is not None and end is not None and end <= start:
        return None
    return (start, end)


def _within(moment: datetime, span: tuple[datetime | None, datetime | None]) -> bool:
    start, end = span
    return (start is None or moment >= start) and (end is None or moment < end)
