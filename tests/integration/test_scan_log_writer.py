"""The scan log's writer (QBT-T14.3) on both databases: checks are buffered and written in
batches off the request path, and a code's check count is right at every moment — before
its batch is written, while it is being written, after, and when a write fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from public_world import world_database
from suyuan.domain.verdicts import Thresholds
from suyuan.queries.public_view import Database, Transaction
from suyuan.storage.engine import make_engine
from suyuan.storage.public_tables import scan_counts, scan_log
from suyuan.web.feedback import Feedback

KEY = "/01/06901234567892/21/ABCDEFGHJKLMNPQRS"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database."""
    with world_database(request.param, tmp_path) as database_url:
        yield database_url


def _feedback(url: str, flush_seconds: float) -> Feedback:
    return Feedback(
        Database(url),
        salt="test",
        thresholds=Thresholds(1000, 1000),
        flush_seconds=flush_seconds,
    )


def _check(feedback: Feedback, key: str = KEY, place: str = "成都") -> None:
    feedback.log_check(key, place=place, channel="scan", verdict="genuine", count=1)


def _stored(url: str) -> tuple[int, int | None]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            logged = conn.execute(sa.select(sa.func.count()).select_from(scan_log)).scalar_one()
            count = conn.execute(
                sa.select(scan_counts.c.count).where(scan_counts.c.key == KEY)
            ).scalar()
            return int(logged), count
    finally:
        engine.dispose()


def _count(feedback: Feedback) -> int:
    return feedback.history(KEY).count


def test_checks_are_counted_at_once_and_written_in_the_background(url: str) -> None:
    feedback = _feedback(url, 0.05)
    try:
        for _ in range(3):
            _check(feedback)
        assert _count(feedback) == 3
        for _ in range(600):  # the writer thread writes within its period; wait generously
            if _stored(url) == (3, 3):
                break
            time.sleep(0.05)
        assert _stored(url) == (3, 3)
        assert _count(feedback) == 3
        _check(feedback, place="西安")
        history = feedback.history(KEY)
        assert (history.count, history.first_place) == (4, "成都")
        assert history.places == ("成都", "西安")
    finally:
        feedback.close()
    assert _stored(url) == (4, 4)


def test_a_batch_being_written_is_counted_once(url: str, monkeypatch: Any) -> None:
    """While a batch is in its transaction it is counted from memory; once committed, from
    the database; a counter row read before the commit and merged after is read again."""
    feedback = _feedback(url, 0)
    _check(feedback)  # written at once (flush_seconds 0)
    feedback.flush_seconds = 3600  # from here on, batches are written by flush() only
    _check(feedback)
    _check(feedback)
    seen: list[int] = []
    original = Transaction.many

    def many(self: Transaction, text: str, rows: Any) -> None:
        original(self, text, rows)
        seen.append(_count(feedback))  # inside the transaction: in flight

    monkeypatch.setattr(Transaction, "many", many)
    mark = feedback.mark()
    stale_row = (1, None, "成都", '["成都"]')
    try:
        feedback.flush()
        assert seen
        assert set(seen) == {3}
        assert _count(feedback) == 3
        assert feedback.merge_history(KEY, stale_row, mark) is None
        fresh = feedback.merge_history(KEY, (3, None, "成都", '["成都"]'), feedback.mark())
        assert fresh is not None
        assert fresh.count == 3
    finally:
        feedback.close()
    assert _stored(url) == (3, 3)


def test_a_failed_write_keeps_the_checks_for_the_next_batch(url: str, monkeypatch: Any) -> None:
    feedback = _feedback(url, 3600)
    original = Transaction.many
    failures = [RuntimeError("database went away")]

    def many(self: Transaction, text: str, rows: Any) -> None:
        if failures:
            raise failures.pop()
        original(self, text, rows)

    monkeypatch.setattr(Transaction, "many", many)
    try:
        _check(feedback)
        _check(feedback)
        with pytest.raises(RuntimeError, match="went away"):
            feedback.flush()
        assert _stored(url) == (0, None)
        _check(feedback, place="西安")
        assert _count(feedback) == 3
        feedback.flush()
        assert _stored(url) == (3, 3)
        history = feedback.history(KEY)
        assert (history.count, history.first_place, history.places) == (3, "成都", ("成都", "西安"))
    finally:
        feedback.close()
