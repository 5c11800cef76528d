"""Tamper evidence of the event store on both databases (QBT-11.4(a), GEN-23).

Rows are edited directly with SQL, as someone with database access would, and
``verify_tenant`` must report exactly the seqs touched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from event_documents import PARTNER_GTIN, bottle, document, event
from factories import make_enterprise
from suyuan.bootstrap import Runtime
from suyuan.capture.hashing import event_hash
from suyuan.domain.access import Actor
from suyuan.ledger import load_private_key, public_pem_of, verify_proof_document
from suyuan.ledger.reports import VerificationReport
from suyuan.services.capture import capture_document
from suyuan.services.enterprises import Enterprise
from suyuan.services.ledger import proof_for_event, verify_tenant

EVENTS = 8


def _capture(runtime: Runtime, tenant: Enterprise, first: int, count: int) -> None:
    items = [
        event(
            event_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            epcList=[bottle(n, PARTNER_GTIN)],
            biz_step="receiving",
        )
        for n in range(first, first + count)
    ]
    capture_document(
        runtime.uow,
        Actor.system(),
        tenant_id=tenant.id,
        source=document(*items),
        key_dir=runtime.settings.key_dir,
    )


@pytest.fixture
def tenant(runtime: Runtime) -> Enterprise:
    """An enterprise with EVENTS events, all sealed."""
    enterprise: Enterprise = make_enterprise(runtime)
    _capture(runtime, enterprise, 1, EVENTS)
    return enterprise


def _verify(runtime: Runtime, tenant: Enterprise) -> VerificationReport:
    with runtime.uow(write=False) as uow:
        return verify_tenant(uow, Actor.system(), tenant.id)


def _sql(runtime: Runtime, statement: str, **params: Any) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def _found(report: VerificationReport) -> tuple[list[int], list[int], list[int]]:
    return report.modified, report.deleted, report.inserted


def test_an_intact_store_verifies(runtime: Runtime, tenant: Enterprise) -> None:
    """QBT-11.4(a): nothing touched, nothing found; the seal covers every event."""
    report = _verify(runtime, tenant)
    assert report.ok, report.findings
    assert (report.checked, report.sealed_through) == (EVENTS, EVENTS)
    _capture(runtime, tenant, 100, 3)  # unsealed tail still verifies
    assert _verify(runtime, tenant).ok


def _forge(runtime: Runtime, tenant: Enterprise, seq: int, from_seq: int) -> None:
    """Insert a copy of row ``from_seq`` as ``seq`` with a made-up link."""
    columns = (
        "tenant_id, dedup_key, event_id, event_hash, event_type, event_time, record_time, "
        "action, biz_step, disposition, read_point, biz_location, has_error_declaration, "
        "body, namespaces, capture_id"
    )
    _sql(
        runtime,
        f"INSERT INTO events (seq, chain_link, {columns}) "
        f"SELECT :seq, :link, {columns.replace('dedup_key', ':dedup')} FROM events "
        "WHERE tenant_id = :t AND seq = :from_seq",
        seq=seq,
        link="ab" * 32,
        dedup=f"forged-{seq}",
        t=tenant.id,
        from_seq=from_seq,
    )


def _replace_last(runtime: Runtime, tenant: Enterprise) -> None:
    _sql(runtime, f"DELETE FROM events WHERE tenant_id = :t AND seq = {EVENTS}", t=tenant.id)
    _forge(runtime, tenant, EVENTS, 2)


_BODY = "UPDATE events SET body = REPLACE(body, 'receiving', 'shipping') WHERE tenant_id = :t"

TAMPERING: dict[str, tuple[Callable[[Runtime, Enterprise], None], tuple[Any, ...]]] = {
    "body edited": (lambda rt, t: _sql(rt, _BODY + " AND seq = 3", t=t.id), ([3], [], [])),
    "event hash edited": (
        lambda rt, t: _sql(
            rt,
            "UPDATE events SET event_hash = (SELECT event_hash FROM events e2 "
            "WHERE e2.tenant_id = :t AND e2.seq = 1) WHERE tenant_id = :t AND seq = 5",
            t=t.id,
        ),
        ([5], [], []),
    ),
    "event id edited": (
        lambda rt, t: _sql(
            rt, "UPDATE events SET event_id = 'urn:uuid:x' WHERE tenant_id = :t AND seq = 2", t=t.id
        ),
        ([2], [], []),
    ),
    "middle row deleted": (
        lambda rt, t: _sql(rt, "DELETE FROM events WHERE tenant_id = :t AND seq = 4", t=t.id),
        ([], [4], []),
    ),
    "last row deleted": (
        lambda rt, t: _sql(
            rt, f"DELETE FROM events WHERE tenant_id = :t AND seq = {EVENTS}", t=t.id
        ),
        ([], [EVENTS], []),
    ),
    "forged row appended": (lambda rt, t: _forge(rt, t, EVENTS + 1, 2), ([], [], [EVENTS + 1])),
    "last row replaced by a forgery": (lambda rt, t: _replace_last(rt, t), ([EVENTS], [], [])),
}


def test_out_of_band_changes_are_reported_at_exactly_their_seqs(
    runtime: Runtime, tenant: Enterprise
) -> None:
    """QBT-11.4(a): modified, deleted and inserted rows are found, and only those.

    Each kind of tampering hits its own enterprise in the same database, so one
    database serves every case.
    """
    victims = {case: make_enterprise(runtime) for case in TAMPERING}
    for victim in victims.values():
        _capture(runtime, victim, 1, EVENTS)
    for case, (tamper, _expected) in TAMPERING.items():
        tamper(runtime, victims[case])
    for case, (_tamper, expected) in TAMPERING.items():
        report = _verify(runtime, victims[case])
        assert not report.ok, case
        assert _found(report) == expected, (case, report.findings)
    assert _verify(runtime, tenant).ok


def test_several_changes_at_once_are_each_reported(runtime: Runtime, tenant: Enterprise) -> None:
    """QBT-11.4(a): edits, a deletion and a forgery in one store, each at its own seq."""
    _sql(runtime, _BODY + " AND seq = 2", t=tenant.id)
    _sql(runtime, "DELETE FROM events WHERE tenant_id = :t AND seq = 5", t=tenant.id)
    _sql(runtime, f"DELETE FROM events WHERE tenant_id = :t AND seq = {EVENTS}", t=tenant.id)
    _forge(runtime, tenant, EVENTS + 1, 3)
    report = _verify(runtime, tenant)
    assert _found(report) == ([2], [5, EVENTS], [EVENTS + 1]), report.findings
    # Another tenant's ledger is untouched by this one's damage.
    other = make_enterprise(runtime)
    _capture(runtime, other, 1, 2)
    assert _verify(runtime, other).ok


def test_a_recomputed_chain_is_caught_by_the_signed_seal(
    runtime: Runtime, tenant: Enterprise
) -> None:
    """QBT-11.4(a): editing a body and its hash consistently still breaks the seal."""
    with runtime.engine.begin() as conn:
        body = conn.execute(
            sa.text("SELECT body FROM events WHERE tenant_id = :t AND seq = 3"), {"t": tenant.id}
        ).scalar_one()
        forged = body.replace("receiving", "shipping")
        conn.execute(
            sa.text(
                "UPDATE events SET body = :b, event_hash = :h WHERE tenant_id = :t AND seq = 3"
            ),
            {"b": forged, "h": event_hash(orjson.loads(forged), {}), "t": tenant.id},
        )
    report = _verify(runtime, tenant)
    assert (report.modified, report.deleted, report.inserted) == ([3], [], []), report.findings
    assert [(s.first_seq, s.last_seq) for s in report.bad_seals] == [(1, EVENTS)]


def _public_pem(runtime: Runtime, tenant: Enterprise) -> bytes:
    path = runtime.settings.key_dir / "ledger" / f"tenant-{tenant.id}.pem"
    return bytes(public_pem_of(load_private_key(path)))


def test_inclusion_proof_checks_with_the_public_key_and_fails_when_altered(
    runtime: Runtime, tenant: Enterprise
) -> None:
    """QBT-11.4(a): a proof verifies with the tenant's public key only, and only unaltered."""
    with runtime.uow() as uow:
        proof = proof_for_event(
            uow,
            Actor.system(),
            tenant_id=tenant.id,
            event_id="urn:uuid:00000000-0000-4000-8000-000000000003",
            key_dir=runtime.settings.key_dir,
        )
    assert proof["seq"] == 3
    pem = _public_pem(runtime, tenant)
    assert verify_proof_document(proof, pem)
    assert not verify_proof_document(copy.deepcopy(proof) | {"seq": 4}, pem)
    altered = copy.deepcopy(proof)
    altered["event_hash"] = "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"
    assert not verify_proof_document(altered, pem)
    altered = copy.deepcopy(proof)
    altered["seal"]["merkle_root"] = "00" * 32
    assert not verify_proof_document(altered, pem)
    other = make_enterprise(runtime)
    _capture(runtime, other, 1, 1)
    assert not verify_proof_document(proof, _public_pem(runtime, other))


def test_a_proof_for_an_unsealed_event_seals_first(runtime: Runtime, tenant: Enterprise) -> None:
    """An event captured after the last seal still gets a proof (sealed on demand)."""
    _capture(runtime, tenant, 50, 2)
    with runtime.uow() as uow:
        proof = proof_for_event(
            uow,
            Actor.system(),
            tenant_id=tenant.id,
            event_id="urn:uuid:00000000-0000-4000-8000-000000000051",
            key_dir=runtime.settings.key_dir,
        )
    assert proof["seq"] == EVENTS + 2
    assert verify_proof_document(proof, _public_pem(runtime, tenant))
    assert _verify(runtime, tenant).ok
