"""Verification reports: what a tenant's stored rows and seals say about tampering.

``verify_ledger`` recomputes the chain over the stored rows and checks each seal,
then lists every discrepancy by seq:

- *modified*: a row whose fields no longer reproduce its stored link (edited in
  place), whose event hash no longer matches its content (with ``rehash``), or whose
  seq was changed (reordered or renumbered rows verify only at another seq);
- *deleted*: missing seqs, between stored rows or after the last one up to the
  highest seq that a validly signed seal or the caller's ``known_head`` vouches for;
- *inserted*: rows that were never on the chain: a second row for a seq, a row in
  the slot of a renumbered row, a row with an impossible seq or link, or a row past
  every seal and known head that does not chain;
- *bad seals*: unknown key, bad signature, another tenant, or a sealed range whose
  rows no longer reproduce the signed chain head and Merkle root.

The chain holds no secret: anyone with write access can append a correctly linked
row after the last seal, or recompute every link after an edit. The signed seals
catch the recomputation (the head at each later seal changes); only sealed history
is protected, so seal often and anchor seal heads externally (GEN-23).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from suyuan.ledger.chains import event_hash_bytes
from suyuan.ledger.keys import PublicKeyLike
from suyuan.ledger.merkle_trees import merkle_root
from suyuan.ledger.seals import Seal, verify_seal
from suyuan.ledger.walks import Finding, FindingKind, StoredRow, walk_chain


@dataclass(frozen=True, slots=True)
class BadSeal:
    """A seal that does not verify, and why."""

    first_seq: int
    last_seq: int
    key_id: str
    sealed_at: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The outcome of verifying one tenant's ledger; ``ok`` only if nothing was found.

    ``modified``, ``deleted`` and ``inserted`` are sorted seqs; ``findings`` says why,
    row by row (including *unverified* rows right after a deletion, which cannot be
    checked against their missing predecessor).
    """

    tenant_id: str
    ok: bool
    checked: int
    modified: list[int]
    deleted: list[int]
    inserted: list[int]
    bad_seals: list[BadSeal]
    findings: list[Finding] = field(default_factory=list)
    seals_checked: int = 0
    sealed_through: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict for ``--json`` output."""
        return {
            "tenant_id": self.tenant_id,
            "ok": self.ok,
            "checked": self.checked,
            "modified": self.modified,
            "deleted": self.deleted,
            "inserted": self.inserted,
            "bad_seals": [
                {
                    "first_seq": s.first_seq,
                    "last_seq": s.last_seq,
                    "key_id": s.key_id,
                    "sealed_at": s.sealed_at,
                    "reasons": list(s.reasons),
                }
                for s in self.bad_seals
            ],
            "findings": [
                {"kind": f.kind.value, "seq": f.seq, "event_id": f.event_id, "reason": f.reason}
                for f in self.findings
            ],
            "seals_checked": self.seals_checked,
            "sealed_through": self.sealed_through,
        }

    def summary(self) -> str:
        """Return one line for people: the verdict and the count of each finding."""
        verdict = "OK" if self.ok else "TAMPERING DETECTED"
        return (
            f"{self.tenant_id}: {verdict}: {self.checked} rows, {self.seals_checked} seals "
            f"(sealed through seq {self.sealed_through}); {len(self.modified)} modified, "
            f"{len(self.deleted)} deleted, {len(self.inserted)} inserted, "
            f"{len(self.bad_seals)} bad seals"
        )


def verify_ledger(
    tenant_id: str,
    rows: Iterable[StoredRow],
    *,
    seals: Iterable[Seal] = (),
    public_keys: Mapping[str, PublicKeyLike] | None = None,
    known_head: int | None = None,
    rehash: Callable[[StoredRow], str | bytes] | None = None,
) -> VerificationReport:
    """Verify a tenant's rows (in any order) against its chain and seals; pure, O(rows).

    ``public_keys`` maps key ids to the tenant's trusted public keys (several after a
    key rotation). ``known_head`` is a seq the caller knows existed, such as a row
    count kept elsewhere: unauthenticated, unlike a seal, but it reveals deletions
    after the last seal. ``rehash`` recomputes an event's canonical hash from its
    stored content; it pins an edit to its row even when the attacker also fixed
    that row's link.
    """
    seal_list = list(seals)
    keys = public_keys or {}
    authentic = [s for s in seal_list if _signature_problem(tenant_id, s, keys) is None]
    sealed_through = max((s.last_seq for s in authentic), default=0)
    head = max(sealed_through, known_head or 0)
    row_list = list(rows)
    walk = walk_chain(tenant_id, row_list, committed_head=head, rehash=rehash)
    findings = list(walk.findings)
    source = "a validly signed seal" if head == sealed_through else "the known head"
    findings.extend(
        Finding(FindingKind.DELETED, seq, f"seq is missing; {source} covers seq {head}")
        for seq in range(walk.max_seq + 1, head + 1)
    )
    bad_seals = []
    for seal in seal_list:
        reasons = _seal_problems(tenant_id, seal, walk.chain, keys)
        if reasons:
            bad_seals.append(
                BadSeal(seal.first_seq, seal.last_seq, seal.key_id, seal.sealed_at, reasons)
            )

    def seqs(kind: FindingKind) -> list[int]:
        return sorted({f.seq for f in findings if f.kind is kind})

    return VerificationReport(
        tenant_id=tenant_id,
        ok=not findings and not bad_seals,
        checked=walk.checked,
        modified=seqs(FindingKind.MODIFIED),
        deleted=seqs(FindingKind.DELETED),
        inserted=seqs(FindingKind.INSERTED),
        bad_seals=bad_seals,
        findings=sorted(findings, key=lambda f: (f.seq, f.kind.value)),
        seals_checked=len(seal_list),
        sealed_through=sealed_through,
    )


def _signature_problem(tenant_id: str, seal: Seal, keys: Mapping[str, PublicKeyLike]) -> str | None:
    if seal.tenant_id != tenant_id:
        return f"seal is for tenant {seal.tenant_id!r}"
    key = keys.get(seal.key_id)
    if key is None:
        return f"unknown key id {seal.key_id}"
    if not verify_seal(seal, key):
        return "bad signature"
    return None


def _seal_problems(
    tenant_id: str,
    seal: Seal,
    chain: Mapping[int, StoredRow],
    keys: Mapping[str, PublicKeyLike],
) -> tuple[str, ...]:
    problem = _signature_problem(tenant_id, seal, keys)
    reasons = [] if problem is None else [problem]
    sealed = [chain.get(seq) for seq in range(seal.first_seq, seal.last_seq + 1)]
    present = [row for row in sealed if row is not None]
    if len(present) < len(sealed):
        reasons.append(f"{len(sealed) - len(present)} sealed rows missing")
    last = chain.get(seal.last_seq)
    if last is not None and last.link != seal.chain_head:
        reasons.append(f"stored link at seq {seal.last_seq} is not the sealed chain head")
    if len(present) == len(sealed):
        root = merkle_root([event_hash_bytes(row.event_hash) for row in present])
        if root != seal.merkle_root:
            reasons.append("Merkle root over the sealed event hashes differs")
    return tuple(reasons)
