"""Tamper evidence for stored events: seals, verification and inclusion proofs (QBT-11.4(a)).

Each tenant's events form a hash chain as they are stored (see services.capture). At
intervals the chain head is sealed: a Merkle root over the sealed range's event hashes,
signed with the tenant's Ed25519 key. The private key lives in the key directory
(``SUYUAN_KEY_DIR/ledger/<tenant>.pem``), never in the database; the public key is
registered in the database and can be published.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from suyuan.capture.hashing import event_hash as compute_event_hash
from suyuan.domain.access import Actor, Role, require_role
from suyuan.errors import NotFound
from suyuan.ledger import (
    MerkleTree,
    Seal,
    build_proof_document,
    event_hash_bytes,
    generate_keypair,
    key_id,
    load_private_key,
    public_pem_of,
    save_pem,
    sign_seal,
    verify_ledger,
)
from suyuan.ledger.reports import VerificationReport
from suyuan.ledger.seals import format_timestamp
from suyuan.ledger.walks import Finding, FindingKind, StoredRow
from suyuan.services.clock import now
from suyuan.storage.event_store import LedgerHead
from suyuan.storage.tables import enterprises, events, ledger_heads, ledger_seals, signing_keys
from suyuan.storage.uow import UnitOfWork

SEAL_INTERVAL = timedelta(seconds=60)


class EventNotFound(NotFound):
    """No stored event with that id for this tenant."""

    code = "event_not_found"


def _key_path(key_dir: Path | None, tenant_id: int) -> Path:
    return Path(key_dir or "keys") / "ledger" / f"tenant-{tenant_id}.pem"


def ensure_signing_key(conn: sa.Connection, tenant_id: int, key_dir: Path | None) -> Any:
    """The tenant's private signing key, created (and its public key registered) if absent."""
    path = _key_path(key_dir, tenant_id)
    if not path.exists():
        private_pem, _public_pem = generate_keypair()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        save_pem(path, private_pem)
    private = load_private_key(path)
    public_pem = public_pem_of(private)
    kid = key_id(private.public_key())
    known = conn.execute(
        sa.select(signing_keys.c.key_id).where(
            signing_keys.c.tenant_id == tenant_id, signing_keys.c.key_id == kid
        )
    ).first()
    if known is None:
        conn.execute(
            signing_keys.insert().values(
                tenant_id=tenant_id, key_id=kid, public_key=public_pem.decode(), created_at=now()
            )
        )
    return private


def _last_seal_time(conn: sa.Connection, tenant_id: int) -> str | None:
    row = conn.execute(
        sa.select(ledger_seals.c.body)
        .where(ledger_seals.c.tenant_id == tenant_id)
        .order_by(ledger_seals.c.last_seq.desc())
        .limit(1)
    ).first()
    return None if row is None else str(row.body["sealed_at"])


def maybe_seal(
    conn: sa.Connection,
    tenant_id: int,
    head: LedgerHead,
    *,
    seal_every: int,
    key_dir: Path | None,
    force: bool = False,
) -> Seal | None:
    """Seal the unsealed range when it is long enough, old enough, or ``force`` is set."""
    unsealed = head.last_seq - head.sealed_seq
    if unsealed <= 0:
        return None
    moment = now()
    last = _last_seal_time(conn, tenant_id)
    stale = last is None or last <= format_timestamp(moment - SEAL_INTERVAL)
    if not (force or unsealed >= seal_every or stale):
        return None
    first_seq = head.sealed_seq + 1
    hashes = conn.execute(
        sa.select(events.c.event_hash)
        .where(events.c.tenant_id == tenant_id, events.c.seq.between(first_seq, head.last_seq))
        .order_by(events.c.seq)
    ).scalars()
    tree = MerkleTree([event_hash_bytes(h) for h in hashes])
    seal = sign_seal(
        tenant_id=str(tenant_id),
        first_seq=first_seq,
        last_seq=head.last_seq,
        chain_head=head.head,
        merkle_root=tree.root,
        sealed_at=format_timestamp(moment),
        private_key=ensure_signing_key(conn, tenant_id, key_dir),
    )
    conn.execute(
        ledger_seals.insert().values(
            tenant_id=tenant_id, first_seq=first_seq, last_seq=head.last_seq, body=seal.to_json()
        )
    )
    conn.execute(
        ledger_heads.update()
        .where(ledger_heads.c.tenant_id == tenant_id)
        .values(sealed_seq=head.last_seq)
    )
    return seal


def seal_now(uow: UnitOfWork, actor: Actor, *, tenant_id: int, key_dir: Path | None) -> Seal | None:
    """Seal whatever is unsealed for a tenant, now."""
    require_role(actor, Role.ADMIN, action="seal the ledger")
    conn = uow.connection
    row = conn.execute(sa.select(ledger_heads).where(ledger_heads.c.tenant_id == tenant_id)).first()
    if row is None:
        return None
    head = LedgerHead(row.last_seq, bytes.fromhex(row.head), row.sealed_seq)
    seal = maybe_seal(conn, tenant_id, head, seal_every=1, key_dir=key_dir, force=True)
    uow.commit()
    return seal


def verify_tenant(uow: UnitOfWork, actor: Actor, tenant_id: int) -> VerificationReport:
    """Recompute a tenant's chain, hashes and seals; report every discrepancy by seq."""
    require_role(actor, Role.ADMIN, Role.REGULATOR, action="verify the ledger")
    conn = uow.connection
    rows: list[StoredRow] = []
    namespaces: dict[int, dict[str, str]] = {}
    result = conn.execute(
        sa.select(
            events.c.seq,
            events.c.event_id,
            events.c.event_hash,
            events.c.body,
            events.c.chain_link,
            events.c.namespaces,
        ).where(events.c.tenant_id == tenant_id)
    )
    for row in result:
        rows.append(
            StoredRow(
                row.seq,
                row.event_id,
                row.event_hash,
                row.body.encode(),
                bytes.fromhex(row.chain_link),
            )
        )
        namespaces[row.seq] = dict(row.namespaces or {})
    seals = [
        Seal.from_json(body)
        for body in conn.execute(
            sa.select(ledger_seals.c.body).where(ledger_seals.c.tenant_id == tenant_id)
        ).scalars()
    ]
    keys = {
        row.key_id: row.public_key.encode()
        for row in conn.execute(
            sa.select(signing_keys).where(signing_keys.c.tenant_id == tenant_id)
        )
    }
    head = conn.execute(
        sa.select(ledger_heads.c.last_seq).where(ledger_heads.c.tenant_id == tenant_id)
    ).scalar()

    def rehash(stored: StoredRow) -> str:
        return compute_event_hash(orjson.loads(stored.content), namespaces.get(stored.seq, {}))

    report = verify_ledger(
        str(tenant_id), rows, seals=seals, public_keys=keys, known_head=head, rehash=rehash
    )
    return _past_head_inserted(report, head or 0)


def _past_head_inserted(report: VerificationReport, head: int) -> VerificationReport:
    """Rows past the stored chain head were never written by capture: they are inserted.

    The walk can only call such a row *unverified* when the row before it is missing
    (deleted last row, then a forged one appended); the head says it cannot be genuine.
    """
    findings = [
        Finding(FindingKind.INSERTED, f.seq, "past the chain head: added out of band", f.event_id)
        if f.kind is FindingKind.UNVERIFIED and f.seq > head
        else f
        for f in report.findings
    ]
    if findings == report.findings:
        return report
    inserted = sorted({f.seq for f in findings if f.kind is FindingKind.INSERTED})
    return replace(report, findings=findings, inserted=inserted)


def tenants_with_ledgers(uow: UnitOfWork) -> list[tuple[int, str]]:
    """(id, slug) of every tenant that has stored events."""
    rows = uow.connection.execute(
        sa.select(enterprises.c.id, enterprises.c.slug)
        .join(ledger_heads, ledger_heads.c.tenant_id == enterprises.c.id)
        .order_by(enterprises.c.id)
    )
    return [(row.id, row.slug) for row in rows]


def proof_for_event(
    uow: UnitOfWork, actor: Actor, *, tenant_id: int, event_id: str, key_dir: Path | None
) -> dict[str, Any]:
    """A self-contained inclusion proof for one event, sealing first if it is unsealed."""
    conn = uow.connection
    row = conn.execute(
        sa.select(events.c.seq, events.c.event_id, events.c.event_hash).where(
            events.c.tenant_id == tenant_id,
            sa.or_(events.c.event_id == event_id, events.c.event_hash == event_id),
        )
    ).first()
    if row is None or not actor.can_read_tenant(tenant_id):
        raise EventNotFound(f"event {event_id!r} not found", detail={"event_id": event_id})
    seal_row = _seal_covering(conn, tenant_id, row.seq)
    if seal_row is None:
        seal_now(uow, Actor.system(actor.request_id), tenant_id=tenant_id, key_dir=key_dir)
        seal_row = _seal_covering(conn, tenant_id, row.seq)
    assert seal_row is not None
    seal = Seal.from_json(seal_row.body)
    hashes = (
        conn.execute(
            sa.select(events.c.event_hash)
            .where(
                events.c.tenant_id == tenant_id, events.c.seq.between(seal.first_seq, seal.last_seq)
            )
            .order_by(events.c.seq)
        )
        .scalars()
        .all()
    )
    public = conn.execute(
        sa.select(signing_keys.c.public_key).where(
            signing_keys.c.tenant_id == tenant_id, signing_keys.c.key_id == seal.key_id
        )
    ).scalar()
    return build_proof_document(
        event_id=row.event_id,
        seq=row.seq,
        event_hash=row.event_hash,
        sealed_event_hashes=hashes,
        seal=seal,
        public_key_pem=public.encode() if public else None,
    )


def _seal_covering(conn: sa.Connection, tenant_id: int, seq: int) -> Any:
    return conn.execute(
        sa.select(ledger_seals.c.body).where(
            ledger_seals.c.tenant_id == tenant_id,
            ledger_seals.c.first_seq <= seq,
            ledger_seals.c.last_seq >= seq,
        )
    ).first()
