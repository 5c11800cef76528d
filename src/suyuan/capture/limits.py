"""Size limits enforced while a capture document is streamed."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from suyuan.capture.model import LimitExceeded


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds on one capture document; ``None`` switches a bound off."""

    max_document_bytes: int | None = 1 << 30
    max_events: int | None = 1_000_000
    max_event_bytes: int | None = 1 << 20
    max_depth: int | None = 32


DEFAULT_LIMITS = Limits()
"""The limits used when a caller gives none: 1 GiB, 1M events, 1 MiB per event, depth 32."""


class CountingReader(io.RawIOBase):
    """A binary reader that counts the bytes it hands out and stops past a maximum."""

    def __init__(self, raw: BinaryIO, max_bytes: int | None) -> None:
        """Wrap ``raw``; reading past ``max_bytes`` raises :class:`LimitExceeded`."""
        super().__init__()
        self._raw = raw
        self._max = max_bytes
        self.count = 0

    def readable(self) -> bool:
        """Report that the stream can be read."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the wrapped stream, counting the bytes."""
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        n = len(data)
        view[:n] = data
        self._account(n)
        return n

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes, counting them."""
        data = self._raw.read(-1 if size is None else size)
        self._account(len(data))
        return bytes(data)

    def _account(self, n: int) -> None:
        self.count += n
        if self._max is not None and self.count > self._max:
            raise LimitExceeded(
                f"document is larger than the limit of {self._max} bytes",
                rule="max_document_bytes",
            )


class _TooDeep(Exception):
    """Internal signal: the nesting budget ran out."""


def inspect_event(event: dict[str, Any], limits: Limits, *, index: int, location: str) -> set[str]:
    """Check one event's size and depth in a single walk; return its extension prefixes.

    The size is the length of the event as compact JSON, estimated without escaping
    (close enough to bound resource use, and much cheaper than serialising).
    """
    prefixes: set[str] = set()
    budget = limits.max_depth if limits.max_depth is not None else 1 << 30
    try:
        size = _walk(event, budget, prefixes)
    except (_TooDeep, RecursionError):
        raise LimitExceeded(
            f"event {index} ({location}): nesting is deeper than the limit of {limits.max_depth}",
            rule="max_depth",
            index=index,
            location=location,
        ) from None
    check_event_size(size, limits.max_event_bytes, index=index, location=location)
    return prefixes


def _walk(value: Any, budget: int, prefixes: set[str]) -> int:
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, dict):
        if budget <= 0:
            raise _TooDeep
        size = 2
        for key, inner in value.items():
            if ":" in key:
                _add_prefix(key, prefixes)
            size += len(key) + 4 + _walk(inner, budget - 1, prefixes)
        return size
    if isinstance(value, list):
        if budget <= 0:
            raise _TooDeep
        if set(map(type, value)) == {str}:  # identifier lists, the bulk of most events
            return 2 + sum(map(len, value)) + 3 * len(value)
        return 2 + sum(_walk(inner, budget - 1, prefixes) + 1 for inner in value)
    return 8


def _add_prefix(key: str, found: set[str]) -> None:
    prefix, _, rest = key.lstrip("@").partition(":")
    if rest and not rest.startswith("//") and prefix:
        found.add(prefix)


def check_event_size(size: int, max_bytes: int | None, *, index: int, location: str) -> None:
    """Raise :class:`LimitExceeded` if one event is larger than allowed."""
    if max_bytes is not None and size > max_bytes:
        raise LimitExceeded(
            f"event {index} ({location}): {size} bytes is larger than the limit of "
            f"{max_bytes} bytes per event",
            rule="max_event_bytes",
            index=index,
            location=location,
        )


def check_event_count(count: int, max_events: int | None, *, location: str) -> None:
    """Raise :class:`LimitExceeded` once a document holds more events than allowed."""
    if max_events is not None and count > max_events:
        raise LimitExceeded(
            f"event {count - 1} ({location}): the document has more than {max_events} events",
            rule="max_events",
            index=count - 1,
            location=location,
        )


def ensure_seekable(source: BinaryIO, limits: Limits) -> BinaryIO:
    """Return ``source`` if it can seek, else a spooled copy (limited to the max size)."""
    if source.seekable():
        if limits.max_document_bytes is not None:
            here = source.tell()
            size = source.seek(0, io.SEEK_END) - here
            source.seek(here)
            if size > limits.max_document_bytes:
                raise LimitExceeded(
                    f"document is larger than the limit of {limits.max_document_bytes} bytes",
                    rule="max_document_bytes",
                )
        return source
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - returned
    reader = CountingReader(source, limits.max_document_bytes)
    while chunk := reader.read(1 << 16):
        spool.write(chunk)
    spool.seek(0)
    return spool  # type: ignore[return-value]
