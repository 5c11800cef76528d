"""What the consumer side writes: check records, scan counts, complaints and alerts (QBT-T14).

Checks are buffered in memory and written in batches, by a writer thread with its own
database connection, so logging every scan costs a resolve a few microseconds and a batch
write never stalls the event loop: the writer wakes every ``flush_seconds`` (0.25 s by
default) or at ``FLUSH_ROWS`` buffered checks and writes the batch in one transaction. With
``flush_seconds`` 0 every check is written before the answer (tests, small sites).

Durability: a check is in memory until its batch commits (at most ``flush_seconds`` plus
the write), so a crash of the process loses at most that; on PostgreSQL the batch commits
asynchronously (``synchronous_commit=off``: a crash of the database server may lose the
last few hundred milliseconds of committed batches, never leaving a half-written one).
Counts read back add this process's pending and in-flight checks. Nothing personal is
stored with a check: time, coarse place, channel and count only. A complaint keeps the
contact the consumer typed and a salted hash prefix of the client address (for rate
limiting), never the address.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from suyuan.domain.verdicts import UNKNOWN_PLACE, ScanHistory, Thresholds
from suyuan.queries.public_view import Database, Transaction, to_utc
from suyuan.services import alerts as alert_service

FLUSH_SECONDS = 0.25
FLUSH_ROWS = 500
# Checks kept in memory while the database refuses batches; beyond this the oldest go.
MAX_BUFFERED = 200_000
# SQLite: the writer checkpoints the WAL itself every this many batches (outside the
# commit, which readers may wait for), instead of SQLite's automatic checkpoint in COMMIT.
CHECKPOINT_BATCHES = 8
COMPLAINT_WINDOW = timedelta(minutes=10)
COMPLAINTS_PER_WINDOW = 3

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    count: int = 0
    first_at: datetime | None = None
    first_place: str | None = None
    places: set[str] = field(default_factory=set)
    last_at: datetime | None = None

    def add(self, other: _Pending) -> None:
        """Fold ``other`` (later checks of the same code) into this one."""
        self.count += other.count
        if self.first_at is None or (other.first_at and other.first_at < self.first_at):
            self.first_at, self.first_place = other.first_at, other.first_place
        self.places |= other.places
        if self.last_at is None or (other.last_at and other.last_at > self.last_at):
            self.last_at = other.last_at


@dataclass(slots=True)
class Check:
    """One logged check (QBT-T14.3)."""

    key: str | None
    at: datetime
    place: str
    channel: str
    verdict: str
    count: int


class Feedback:
    """Scan logging, scan history and complaints for one process."""

    def __init__(
        self,
        db: Database,
        *,
        salt: str,
        thresholds: Thresholds,
        alert_engine: Engine | None = None,
        flush_seconds: float | None = None,
    ) -> None:
        self.db = db
        # The internal database (full server): alerts go through the alert service there.
        self.alert_engine = alert_engine
        self.salt = salt
        self.thresholds = thresholds
        self.flush_seconds = FLUSH_SECONDS if flush_seconds is None else flush_seconds
        self._lock = threading.Lock()
        self._log: list[Check] = []
        self._pending: dict[str, _Pending] = {}
        # The batch being written: counted until its commit is visible (see mark()).
        self._inflight: dict[str, _Pending] = {}
        self._generation = 0
        self._write_lock = threading.Lock()
        self._writer_db: Database | None = None
        self._batches = 0
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._recent: dict[str, deque[float]] = {}

    # --- checks --------------------------------------------------------------------------

    def mark(self) -> int:
        """Taken before reading stored counters, given to :meth:`merge_history`: tells
        whether a batch committed in between (the read may then count it twice)."""
        return self._generation

    def history(self, key: str) -> ScanHistory:
        """Earlier checks of a code: stored ones plus this process's pending ones."""
        while True:
            mark = self._generation
            rows = self.db.fetch(
                "SELECT count, first_at, first_place, places FROM scan_counts WHERE key = ?",
                (key,),
            )
            history = self.merge_history(key, rows[0] if rows else None, mark)
            if history is not None:
                return history

    def merge_history(
        self, key: str, stored: Sequence[Any] | None, mark: int | None = None
    ) -> ScanHistory | None:
        """The history from a stored counter row (count, first_at, first_place, places), read
        by the caller, plus this process's pending and in-flight checks; None when a batch
        committed since ``mark`` (read the row again)."""
        count, first_at, first_place, places = (
            (int(stored[0]), to_utc(stored[1]), stored[2], _places(stored[3]))
            if stored is not None
            else (0, None, None, set())
        )
        with self._lock:
            if mark is not None and mark != self._generation:
                return None
            for unwritten in (self._inflight.get(key), self._pending.get(key)):
                if unwritten is not None:
                    count += unwritten.count
                    places |= unwritten.places
                    if first_at is None:
                        first_at, first_place = unwritten.first_at, unwritten.first_place
        return ScanHistory(count, first_at, first_place, tuple(sorted(places)))

    def log_check(
        self, key: str | None, *, place: str, channel: str, verdict: str, count: int
    ) -> None:
        """Record one check; written with the next batch."""
        moment = datetime.now(UTC)
        with self._lock:
            self._log.append(Check(key, moment, place, channel, verdict, count))
            if key is not None:
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = _Pending(0, moment, place)
                pending.count += 1
                pending.places.add(place)
                pending.last_at = moment
            rows = len(self._log)
        if self.flush_seconds <= 0:
            self.flush()
        elif self._thread is None:
            self._start_writer()
        elif rows >= FLUSH_ROWS:
            self._wake.set()

    def set_place(self, key: str, place: str) -> bool:
        """The consumer shared a coarse place after the check: attach it to that check."""
        if place == UNKNOWN_PLACE:
            return False
        with self._lock:
            for index in range(len(self._log) - 1, -1, -1):
                check = self._log[index]
                if check.key == key and check.place == UNKNOWN_PLACE:
                    check.place = place
                    pending = self._pending.get(key)
                    if pending is not None:
                        pending.places.add(place)
                    return True
        self.flush()
        rows = self.db.fetch(
            "SELECT max(id) FROM scan_log WHERE key = ? AND place = ? AND at > ?",
            (key, UNKNOWN_PLACE, _db_time(self.db, datetime.now(UTC) - timedelta(minutes=30))),
        )
        if not rows or rows[0][0] is None:
            return False
        self.db.run("UPDATE scan_log SET place = ? WHERE id = ?", [(place, rows[0][0])])
        self._add_place(key, place)
        return True

    def _add_place(self, key: str, place: str) -> None:
        rows = self.db.fetch("SELECT places FROM scan_counts WHERE key = ?", (key,))
        if rows:
            places = _places(rows[0][0]) | {place}
            self.db.run(
                "UPDATE scan_counts SET places = ? WHERE key = ?",
                [(json.dumps(sorted(places)[:50], ensure_ascii=False), key)],
            )

    def flush(self) -> None:
        """Write buffered checks and counts now (waits for a batch being written)."""
        with self._write_lock:
            self._write_batch()

    def close(self) -> None:
        """Stop the writer thread, write what is buffered and close the writer's connection."""
        self._closed = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        self.flush()
        with self._write_lock:
            if self._writer_db is not None:
                self._writer_db.close()

    def _start_writer(self) -> None:
        with self._lock:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(
                target=self._writer_loop, name="suyuan-scan-log", daemon=True
            )
        self._thread.start()

    def _writer_loop(self) -> None:
        while not self._closed:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the batch is kept for the next try (see _write_batch)
                log.exception("writing the scan log failed; retrying with the next batch")
                time.sleep(min(self.flush_seconds * 4, 5.0))

    def _writer(self) -> Database:
        if self._writer_db is None:
            self._writer_db = self.db.twin(writer=True)
        return self._writer_db

    def _write_batch(self) -> None:
        """One batch in one transaction on the writer's connection. The commit and the end
        of the in-flight set happen together under the lock, so a reader either sees the
        batch in the database or in memory, never both (see :meth:`mark`)."""
        with self._lock:
            checks, self._log = self._log, []
            pending, self._pending = self._pending, {}
            self._inflight = pending
        if not checks:
            return
        db = self._writer()
        try:
            alerts = db.transaction(
                lambda batch: self._write(batch, checks, pending),
                commit_lock=self._lock,
                after_commit=self._committed,
            )
        except Exception:
            self._requeue(checks, pending)
            raise
        self._batches += 1
        if db.is_sqlite and self._batches % CHECKPOINT_BATCHES == 0:
            db.checkpoint()
        for key, count, seen in alerts:
            self._alert(key, count, seen)

    def _committed(self) -> None:
        """Called under the lock right after the commit."""
        self._generation += 1
        self._inflight = {}

    def _requeue(self, checks: list[Check], pending: dict[str, _Pending]) -> None:
        with self._lock:
            self._inflight = {}
            self._log[:0] = checks
            if len(self._log) > MAX_BUFFERED:
                dropped = len(self._log) - MAX_BUFFERED
                del self._log[:dropped]
                log.error("scan log: %d buffered checks dropped (database unavailable)", dropped)
            for key, earlier in pending.items():
                later = self._pending.get(key)
                if later is not None:
                    earlier.add(later)
                self._pending[key] = earlier

    def _write(
        self, batch: Transaction, checks: list[Check], pending: dict[str, _Pending]
    ) -> list[tuple[str, int, list[str]]]:
        """The statements of one batch; returns the codes that crossed the check threshold."""
        stamp = _time_sqlite if self.db.is_sqlite else _time_pg
        batch.many(
            "INSERT INTO scan_log (key, at, place, channel, verdict, count)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(c.key, stamp(c.at), c.place, c.channel, c.verdict, c.count) for c in checks],
        )
        if not pending:
            return []
        keys = list(pending)
        stored: dict[str, tuple[int, set[str]]] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in batch.fetch(
                f"SELECT key, count, places FROM scan_counts WHERE key IN ({marks})", part
            ):
                stored[row[0]] = (int(row[1]), _places(row[2]))
        inserts, updates, alerts = [], [], []
        for key, p in pending.items():
            assert p.first_at is not None
            assert p.last_at is not None
            before, places = stored.get(key, (0, set()))
            places = places | p.places
            after = before + p.count
            encoded = _encoded(places)
            if key in stored:
                updates.append((p.count, encoded, stamp(p.last_at), key))
            else:
                inserts.append(
                    (
                        key,
                        p.count,
                        stamp(p.first_at),
                        p.first_place or UNKNOWN_PLACE,
                        encoded,
                        stamp(p.last_at),
                    )
                )
            if before < self.thresholds.max_checks <= after:
                alerts.append((key, after, sorted(places)))
        if inserts:
            batch.many(
                "INSERT INTO scan_counts (key, count, first_at, first_place, places, last_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                inserts,
            )
        if updates:
            batch.many(
                "UPDATE scan_counts SET count = count + ?, places = ?, last_at = ? WHERE key = ?",
                updates,
            )
        return alerts

    def _alert(self, key: str, count: int, seen: list[str]) -> None:
        evidence = {"checks": count, "places": seen}
        if self.alert_engine is not None:
            with self.alert_engine.begin() as conn:
                alert_service.raise_alert(
                    conn,
                    tenant_id=None,
                    rule="repeated_checks",
                    severity="warning",
                    object=key,
                    evidence=evidence,
                )
        else:
            self.raise_alert(None, "repeated_checks", "warning", key, evidence)

    # --- complaints ----------------------------------------------------------------------

    def client_hash(self, address: str | None) -> str:
        """A salted hash prefix of the client address: enough to rate-limit, not to identify."""
        digest = hashlib.sha256(f"{self.salt}|{address or ''}".encode()).hexdigest()
        return digest[:16]

    def allow_complaint(self, client: str) -> bool:
        """At most COMPLAINTS_PER_WINDOW complaints per client per window (memory and DB)."""
        moment = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(client, deque())
            while recent and moment - recent[0] > COMPLAINT_WINDOW.total_seconds():
                recent.popleft()
            if len(recent) >= COMPLAINTS_PER_WINDOW:
                return False
        since = _db_time(self.db, datetime.now(UTC) - COMPLAINT_WINDOW)
        rows = self.db.fetch(
            "SELECT count(*) FROM complaints WHERE client = ? AND at > ?", (client, since)
        )
        return int(rows[0][0]) < COMPLAINTS_PER_WINDOW

    def add_complaint(self, complaint: dict[str, Any], *, client: str) -> None:
        """Store a complaint for the producer's console and raise an alert (QBT-10.4.3)."""
        with self._lock:
            self._recent.setdefault(client, deque()).append(time.monotonic())
        db = self.db
        moment = datetime.now(UTC)
        db.run(
            "INSERT INTO complaints (tenant_id, key, at, place, name, contact, content, client,"
            " status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    complaint.get("tenant_id"),
                    complaint.get("key"),
                    _db_time(db, moment),
                    complaint.get("place") or UNKNOWN_PLACE,
                    complaint.get("name") or None,
                    complaint["contact"],
                    complaint["content"],
                    client,
                    "new",
                )
            ],
        )
        self.raise_alert(
            complaint.get("tenant_id"),
            "consumer_complaint",
            "warning",
            complaint.get("key"),
            {"channel": "resolver"},
        )

    def raise_alert(
        self, tenant_id: int | None, rule: str, severity: str, obj: str | None, detail: Any
    ) -> None:
        """One alert row, written straight into this store's ``alerts`` table.

        Used where the alert service cannot run: by the public-only server, whose feedback
        store is a separate database (its alerts are read from there), and for complaint
        alerts, which are one per complaint — ``services.alerts.raise_alert`` would fold
        repeated complaints about one code into the first open alert.
        """
        db = self.db
        db.run(
            "INSERT INTO alerts (tenant_id, at, rule, severity, object, detail, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    tenant_id,
                    _db_time(db, datetime.now(UTC)),
                    rule,
                    severity,
                    obj,
                    json.dumps(detail, ensure_ascii=False),
                    "open",
                )
            ],
        )


def _places(value: Any) -> set[str]:
    if value is None:
        return set()
    if type(value) is str:  # the same few lists, read again and again
        found = _place_lists.get(value)
        if found is None:
            if len(_place_lists) >= 10_000:
                _place_lists.clear()
            found = _place_lists[value] = frozenset(str(p) for p in json.loads(value))
        return set(found)
    loaded = json.loads(value) if isinstance(value, bytes) else value
    return {str(p) for p in loaded}


_place_lists: dict[str, frozenset[str]] = {}


def _encoded(places: set[str]) -> str:
    """The stored form of a code's places (at most 50, sorted), made once per set."""
    key = frozenset(places)
    found = _place_texts.get(key)
    if found is None:
        if len(_place_texts) >= 10_000:
            _place_texts.clear()
        found = _place_texts[key] = json.dumps(sorted(places)[:50], ensure_ascii=False)
    return found


_place_texts: dict[frozenset[str], str] = {}


def _time_sqlite(moment: datetime) -> str:
    """A UTC moment as SQLite keeps it (naive UTC text, like SQLAlchemy's UtcDateTime)."""
    m = moment.astimezone(UTC) if moment.utcoffset() else moment
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (the fastest form)
        m.year,
        m.month,
        m.day,
        m.hour,
        m.minute,
        m.second,
        m.microsecond,
    )


def _time_pg(moment: datetime) -> datetime:
    return moment


def _db_time(db: Database, moment: datetime) -> Any:
    """SQLite stores naive UTC text like SQLAlchemy's UtcDateTime; psycopg takes aware values."""
    return _time_sqlite(moment) if db.is_sqlite else moment
