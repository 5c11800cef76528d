"""What the consumer side writes: check records, scan counts, complaints and alerts (QBT-T14).

Checks are buffered in memory and written in batches (at most every ``FLUSH_SECONDS``),
so logging every scan costs the resolver almost nothing; counts read back add the
pending checks of this process. Nothing personal is stored with a check: time, coarse
place, channel and count only. A complaint keeps the contact the consumer typed and a
salted hash prefix of the client address (for rate limiting), never the address.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from suyuan.domain.verdicts import UNKNOWN_PLACE, ScanHistory, Thresholds
from suyuan.queries.public_view import Database, to_utc
from suyuan.services import alerts as alert_service

FLUSH_SECONDS = 0.25
FLUSH_ROWS = 500
COMPLAINT_WINDOW = timedelta(minutes=10)
COMPLAINTS_PER_WINDOW = 3


@dataclass
class _Pending:
    count: int = 0
    first_at: datetime | None = None
    first_place: str | None = None
    places: set[str] = field(default_factory=set)
    last_at: datetime | None = None


@dataclass(frozen=True, slots=True)
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
    ) -> None:
        self.db = db
        # The internal database (full server): alerts go through the alert service there.
        self.alert_engine = alert_engine
        self.salt = salt
        self.thresholds = thresholds
        self._lock = threading.Lock()
        self._log: list[Check] = []
        self._pending: dict[str, _Pending] = {}
        self._last_flush = time.monotonic()
        self._recent: dict[str, deque[float]] = {}

    # --- checks --------------------------------------------------------------------------

    def history(self, key: str) -> ScanHistory:
        """Earlier checks of a code: stored ones plus this process's pending ones."""
        rows = self.db.fetch(
            "SELECT count, first_at, first_place, places FROM scan_counts WHERE key = ?", (key,)
        )
        return self.merge_history(key, rows[0] if rows else None)

    def merge_history(self, key: str, stored: Sequence[Any] | None) -> ScanHistory:
        """The history from a stored counter row (count, first_at, first_place, places), read
        by the caller, plus this process's pending checks."""
        count, first_at, first_place, places = (
            (int(stored[0]), to_utc(stored[1]), stored[2], _places(stored[3]))
            if stored is not None
            else (0, None, None, set())
        )
        with self._lock:
            pending = self._pending.get(key)
            if pending is not None:
                count += pending.count
                places |= pending.places
                if first_at is None:
                    first_at, first_place = pending.first_at, pending.first_place
        return ScanHistory(count, first_at, first_place, tuple(sorted(places)))

    def log_check(
        self, key: str | None, *, place: str, channel: str, verdict: str, count: int
    ) -> None:
        """Record one check; written with the next batch."""
        moment = datetime.now(UTC)
        with self._lock:
            self._log.append(Check(key, moment, place, channel, verdict, count))
            if key is not None:
                pending = self._pending.setdefault(key, _Pending())
                pending.count += 1
                if pending.first_at is None:
                    pending.first_at, pending.first_place = moment, place
                pending.places.add(place)
                pending.last_at = moment
            due = (
                len(self._log) >= FLUSH_ROWS or time.monotonic() - self._last_flush >= FLUSH_SECONDS
            )
        if due:
            self.flush()

    def set_place(self, key: str, place: str) -> bool:
        """The consumer shared a coarse place after the check: attach it to that check."""
        if place == UNKNOWN_PLACE:
            return False
        with self._lock:
            for check in reversed(self._log):
                if check.key == key and check.place == UNKNOWN_PLACE:
                    index = self._log.index(check)
                    self._log[index] = Check(
                        key, check.at, place, check.channel, check.verdict, check.count
                    )
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
        """Write pending checks and counts (one transaction each)."""
        with self._lock:
            log, self._log = self._log, []
            pending, self._pending = self._pending, {}
            self._last_flush = time.monotonic()
        if not log:
            return
        db = self.db
        db.run(
            "INSERT INTO scan_log (key, at, place, channel, verdict, count)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(c.key, _db_time(db, c.at), c.place, c.channel, c.verdict, c.count) for c in log],
        )
        if pending:
            self._merge_counts(pending)

    def _merge_counts(self, pending: dict[str, _Pending]) -> None:
        db = self.db
        keys = list(pending)
        marks = ",".join("?" * len(keys))
        stored = {
            row[0]: (int(row[1]), _places(row[2]))
            for row in db.fetch(
                f"SELECT key, count, places FROM scan_counts WHERE key IN ({marks})", keys
            )
        }
        inserts, updates, alerts = [], [], []
        for key, p in pending.items():
            assert p.first_at is not None
            assert p.last_at is not None
            before, places = stored.get(key, (0, set()))
            places = places | p.places
            after = before + p.count
            encoded = json.dumps(sorted(places)[:50], ensure_ascii=False)
            if key in stored:
                updates.append((p.count, encoded, _db_time(db, p.last_at), key))
            else:
                inserts.append(
                    (
                        key,
                        p.count,
                        _db_time(db, p.first_at),
                        p.first_place or UNKNOWN_PLACE,
                        encoded,
                        _db_time(db, p.last_at),
                    )
                )
            if before < self.thresholds.max_checks <= after:
                alerts.append((key, after, sorted(places)))
        if inserts:
            db.run(
                "INSERT INTO scan_counts (key, count, first_at, first_place, places, last_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                inserts,
            )
        if updates:
            db.run(
                "UPDATE scan_counts SET count = count + ?, places = ?, last_at = ? WHERE key = ?",
                updates,
            )
        for key, count, seen in alerts:
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
    loaded = json.loads(value) if isinstance(value, str | bytes) else value
    return {str(p) for p in loaded}


def _db_time(db: Database, moment: datetime) -> Any:
    """SQLite stores naive UTC text like SQLAlchemy's UtcDateTime; psycopg takes aware values."""
    if db.is_sqlite:
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return moment
