"""Walking a tenant's stored rows along the hash chain and classifying breaks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby

from suyuan.errors import SuyuanError
from suyuan.ledger.chains import DIGEST_SIZE, chain_link, event_hash_bytes, genesis, row_digest

# Reordered or renumbered rows are recognised by trying nearby seqs and nearby stored
# links as their original position; the bounds keep a massively damaged store from
# making verification slow (each search costs about 5 x 11 hashes).
_SEQ_SHIFTS = (0, -1, 1, -2, 2)
_LINK_WINDOW = 5
_ORIGIN_SEARCH_LIMIT = 10_000


class FindingKind(StrEnum):
    """What a finding says about a seq; stored values never change."""

    MODIFIED = "modified"
    DELETED = "deleted"
    INSERTED = "inserted"
    UNVERIFIED = "unverified"


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One ledger row as the event store holds it (``link`` is the stored link column)."""

    seq: int
    event_id: str
    event_hash: str | bytes
    content: bytes
    link: bytes


@dataclass(frozen=True, slots=True)
class Finding:
    """One discrepancy at one seq, with a reason a person can act on."""

    kind: FindingKind
    seq: int
    reason: str
    event_id: str | None = None


@dataclass(slots=True)
class ChainWalk:
    """The outcome of one walk: the row on the chain per seq, and the findings."""

    chain: dict[int, StoredRow] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0
    max_seq: int = 0


@dataclass(frozen=True, slots=True)
class _Row:
    row: StoredRow
    digest: bytes

    def link_from(self, prev: bytes, seq: int | None = None) -> bytes:
        return chain_link(
            prev, self.row.seq if seq is None else seq, self.row.event_hash, self.digest
        )


def walk_chain(
    tenant_id: str,
    rows: Sequence[StoredRow],
    *,
    committed_head: int = 0,
    rehash: Callable[[StoredRow], str | bytes] | None = None,
) -> ChainWalk:
    """Walk ``rows`` in seq order from the tenant's genesis link and classify each break.

    After a break the walk continues from the stored link, so one edited row is
    reported once instead of making every later row look wrong. ``committed_head``
    is the highest seq known to have existed (from seals or a stored count).
    """
    return _Walker(tenant_id, rows, committed_head, rehash).run()


class _Walker:
    def __init__(
        self,
        tenant_id: str,
        rows: Sequence[StoredRow],
        committed_head: int,
        rehash: Callable[[StoredRow], str | bytes] | None,
    ) -> None:
        self.genesis = genesis(tenant_id)
        self.committed_head = committed_head
        self.rehash = rehash
        self.out = ChainWalk(checked=len(rows))
        valid = [row for row in sorted(rows, key=lambda r: r.seq) if not self._malformed(row)]
        self.groups = [
            [_Row(row, row_digest(event_id=row.event_id, content=row.content)) for row in group]
            for _, group in groupby(valid, key=lambda r: r.seq)
        ]
        self.links_by_seq = {g[0].row.seq: [r.row.link for r in g] for g in self.groups}
        self.accepted_prev: dict[int, bytes] = {}
        self.origins: list[tuple[StoredRow, int, bytes]] = []
        self.searches = 0

    def run(self) -> ChainWalk:
        # Each row is checked against its predecessor's stored link and, if that row
        # was off the chain, also against the link its fields recompute to: so an
        # edited link column is blamed on its own row, not on the next one too.
        prevs: tuple[bytes, ...] = (self.genesis,)
        prev_seq = 0
        for index, group in enumerate(self.groups):
            seq = group[0].row.seq
            gap = seq > prev_seq + 1
            for missing in range(prev_seq + 1, seq):
                self._add(FindingKind.DELETED, missing, "seq is missing between stored rows")
            prevs = self._step(index, group, prevs, gap=gap)
            prev_seq = seq
        self.out.max_seq = prev_seq
        self._flag_impostors()
        return self.out

    def _step(
        self, index: int, group: list[_Row], prevs: tuple[bytes, ...], *, gap: bool
    ) -> tuple[bytes, ...]:
        """Put one row of ``group`` on the chain; return the links the next row may follow."""
        matches = [(r, p) for p in prevs for r in group if r.link_from(p) == r.row.link]
        # Two rows can both chain from the predecessor if an attacker computed a link
        # for a duplicate; the one the next row chains from is the original.
        if len(matches) > 1:
            matches.sort(key=lambda match: not self._is_confirmed(index, match[0]))
        chosen, prev = matches[0] if matches else (self._pick(index, group), prevs[0])
        seq = chosen.row.seq
        for extra in group:
            if extra is not chosen:
                reason = "a second row for a seq already on the chain"
                self._add(FindingKind.INSERTED, seq, reason, extra.row)
        self.out.chain[seq] = chosen.row
        self.accepted_prev[seq] = prev
        if not self._hash_matches(chosen.row):
            reason = "event hash does not match the stored content"
            self._add(FindingKind.MODIFIED, seq, reason, chosen.row)
        if matches:
            return (chosen.row.link,)
        recomputed = chosen.link_from(prev)
        self._classify_off_chain(index, chosen, recomputed, gap=gap)
        return chosen.row.link, recomputed

    def _classify_off_chain(self, index: int, r: _Row, recomputed: bytes, *, gap: bool) -> None:
        seq = r.row.seq
        origin = self._find_origin(r)
        if origin is not None and origin[0] == seq:
            return  # intact; its predecessor was moved, and that row is reported itself
        if origin is not None:
            self.origins.append((r.row, *origin))
            reason = f"seq changed from {origin[0]} (rows reordered or renumbered)"
            self._add(FindingKind.MODIFIED, seq, reason, r.row)
        elif gap:
            reason = "the preceding row is missing, so this row cannot be checked"
            self._add(FindingKind.UNVERIFIED, seq, reason, r.row)
        elif seq <= self.committed_head or self._is_confirmed(index, r, recomputed):
            reason = f"row no longer reproduces its link: edited, or the link at seq {seq - 1} was"
            self._add(FindingKind.MODIFIED, seq, reason, r.row)
        else:
            reason = "not on the chain and past every seal: added out of band, or edited unsealed"
            self._add(FindingKind.INSERTED, seq, reason, r.row)

    def _pick(self, index: int, group: list[_Row]) -> _Row:
        # With no candidate on the chain, the one the next row chains from is the original.
        return next((r for r in group if self._is_confirmed(index, r)), group[0])

    def _is_confirmed(self, index: int, r: _Row, recomputed: bytes | None = None) -> bool:
        """Whether the next row chains from this row's stored (or recomputed) link."""
        if index + 1 >= len(self.groups):
            return False
        following = self.groups[index + 1]
        if following[0].row.seq != r.row.seq + 1:
            return False
        links = (r.row.link,) if recomputed is None else (r.row.link, recomputed)
        return any(n.link_from(link) == n.row.link for n in following for link in links)

    def _find_origin(self, r: _Row) -> tuple[int, bytes] | None:
        """Find (original seq, predecessor link) that reproduce the row's stored link."""
        if self.searches >= _ORIGIN_SEARCH_LIMIT:
            return None
        self.searches += 1
        seq = r.row.seq
        nearby = [self.genesis]
        for near in range(seq - _LINK_WINDOW, seq + _LINK_WINDOW + 1):
            nearby.extend(self.links_by_seq.get(near, ()))
        for shift in _SEQ_SHIFTS:
            if seq + shift < 1:
                continue
            for prev in nearby:
                if r.link_from(prev, seq + shift) == r.row.link:
                    return seq + shift, prev
        return None

    def _flag_impostors(self) -> None:
        # A renumbered row's original slot (same seq, same predecessor) held by another
        # row means that row was slipped in, and the renumbering made room for it.
        moved = {id(row) for row, _, _ in self.origins}
        for _, original_seq, prev in self.origins:
            holder = self.out.chain.get(original_seq)
            if holder is None or id(holder) in moved:
                continue
            if self.accepted_prev.get(original_seq) == prev:
                self.out.findings = [
                    f
                    for f in self.out.findings
                    if not (f.seq == original_seq and f.kind is FindingKind.MODIFIED)
                ]
                reason = "occupies the slot of a row that was renumbered to make room"
                self._add(FindingKind.INSERTED, original_seq, reason, holder)

    def _hash_matches(self, row: StoredRow) -> bool:
        if self.rehash is None:
            return True
        try:
            recomputed = self.rehash(row)
        except SuyuanError:
            return False  # content that no longer parses is as modified as it gets
        return event_hash_bytes(recomputed) == event_hash_bytes(row.event_hash)

    def _malformed(self, row: StoredRow) -> bool:
        # A seq or link no genuine row can have would make chain_link raise; report it.
        if 1 <= row.seq < 2**64 and len(row.link) == DIGEST_SIZE:
            return False
        self._add(FindingKind.INSERTED, row.seq, "seq or link column is malformed", row)
        return True

    def _add(self, kind: FindingKind, seq: int, reason: str, row: StoredRow | None = None) -> None:
        event_id = row.event_id if row is not None else None
        self.out.findings.append(Finding(kind, seq, reason, event_id))
