"""Verification reports name exactly the tampered rows (QBT-11.4(a), GEN-23).

Each test builds a genuine ledger of ten rows sealed as 1-5 and 6-10, tampers with
it the way someone with database access could, and checks the report.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from collections.abc import Sequence
from typing import Any

import pytest

from suyuan.ledger import (
    Seal,
    StoredRow,
    VerificationReport,
    chain_link,
    event_hash_bytes,
    genesis,
    key_id,
    merkle_root,
    row_digest,
    sign_seal,
    verify_ledger,
)

TENANT = "acme"


def event_content(seq: int, note: str = "") -> bytes:
    return json.dumps({"type": "ObjectEvent", "n": seq, "note": note}).encode()


def content_hash(content: bytes) -> str:
    return f"ni:///sha-256;{hashlib.sha256(content).hexdigest()}?ver=CBV2.0"


def rehash(row: StoredRow) -> str:
    """Stand-in for the capture layer's canonical event hash."""
    return content_hash(row.content)


def build_rows(n: int, *, start_link: bytes | None = None, first_seq: int = 1) -> list[StoredRow]:
    rows, prev = [], start_link or genesis(TENANT)
    for seq in range(first_seq, first_seq + n):
        content = event_content(seq)
        row = relinked(StoredRow(seq, f"ev-{seq}", content_hash(content), content, b""), prev)
        rows.append(row)
        prev = row.link
    return rows


def relinked(row: StoredRow, prev: bytes) -> StoredRow:
    """What an attacker who knows the algorithm does: recompute the row's link."""
    digest = row_digest(event_id=row.event_id, content=row.content)
    return dataclasses.replace(row, link=chain_link(prev, row.seq, row.event_hash, digest))


def seal(rows: Sequence[StoredRow], first: int, last: int, private_pem: bytes) -> Seal:
    sealed = [r for r in rows if first <= r.seq <= last]
    return sign_seal(
        tenant_id=TENANT,
        first_seq=first,
        last_seq=last,
        chain_head=sealed[-1].link,
        merkle_root=merkle_root([event_hash_bytes(r.event_hash) for r in sealed]),
        sealed_at="2026-03-01T08:00:00Z",
        private_key=private_pem,
    )


@pytest.fixture
def rows() -> list[StoredRow]:
    return build_rows(10)


@pytest.fixture
def seals(rows: list[StoredRow], keypair: tuple[bytes, bytes]) -> list[Seal]:
    return [seal(rows, 1, 5, keypair[0]), seal(rows, 6, 10, keypair[0])]


@pytest.fixture
def keys(keypair: tuple[bytes, bytes]) -> dict[str, bytes]:
    return {key_id(keypair[1]): keypair[1]}


def verify(
    rows: Sequence[StoredRow], seals: Sequence[Seal], keys: dict[str, bytes], **kw: object
) -> VerificationReport:
    return verify_ledger(TENANT, rows, seals=seals, public_keys=keys, **kw)  # type: ignore[arg-type]


def lists(report: VerificationReport) -> tuple[list[int], list[int], list[int], list[int]]:
    bad = [s.last_seq for s in report.bad_seals]
    return report.modified, report.deleted, report.inserted, bad


def test_an_untouched_ledger_verifies(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): no findings, every row checked, sealed through the last seal."""
    report = verify(rows, seals, keys, rehash=rehash)
    assert report.ok
    assert (report.checked, report.sealed_through, report.findings) == (10, 10, [])
    assert lists(report) == ([], [], [], [])


def test_storage_order_does_not_matter(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): rows are read in any physical order; only seq order counts."""
    shuffled = random.Random(4).sample(rows, len(rows))
    assert verify(shuffled, seals, keys).ok


def test_content_edited_in_place_is_reported_as_modified(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a) test: an out-of-band edit to a stored record is reported."""
    rows[4] = dataclasses.replace(rows[4], content=event_content(5, "edited"))
    report = verify(rows, seals, keys)
    assert not report.ok
    # The hash and link columns were left alone, so both seals still match them.
    assert lists(report) == ([5], [], [], [])
    assert report.findings[0].event_id == "ev-5"


@pytest.mark.parametrize("column", ["event_id", "event_hash", "link"])
def test_any_other_edited_column_is_pinned_to_its_row(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes], column: str
) -> None:
    """QBT-11.4(a): the id, hash and link columns are covered as well as the content."""
    values: dict[str, Any] = {
        "event_id": "ev-x",
        "event_hash": content_hash(b"x"),
        "link": bytes(32),
    }
    value = values[column]
    rows[6] = dataclasses.replace(rows[6], **{column: value})
    report = verify(rows, seals, keys)
    modified, deleted, inserted, _ = lists(report)
    assert (modified, deleted, inserted) == ([7], [], [])
    if column == "event_hash":
        assert [s.last_seq for s in report.bad_seals] == [10]  # Merkle root differs


def test_a_row_deleted_from_the_middle_is_reported_as_deleted(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): a gap in seq is a deletion; its successor is noted as uncheckable."""
    del rows[3]
    report = verify(rows, seals, keys)
    assert lists(report) == ([], [4], [], [5])
    assert [(f.kind.value, f.seq) for f in report.findings] == [("deleted", 4), ("unverified", 5)]
    assert report.bad_seals[0].reasons == ("1 sealed rows missing",)


def test_a_row_deleted_at_the_end_is_caught_by_the_last_seal(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): the signed seal vouches that seq 10 existed."""
    report = verify(rows[:-1], seals, keys)
    assert lists(report) == ([], [10], [], [10])


def test_an_unsealed_tail_deletion_needs_the_known_head(
    keys: dict[str, bytes], keypair: tuple[bytes, bytes]
) -> None:
    """QBT-11.4(a): past the last seal only a head count kept elsewhere reveals it."""
    rows = build_rows(10)
    seals = [seal(rows, 1, 5, keypair[0])]
    assert verify(rows[:-2], seals, keys).ok  # undetectable by the chain alone
    report = verify(rows[:-2], seals, keys, known_head=10)
    assert lists(report) == ([], [9, 10], [], [])


def test_an_inserted_duplicate_row_is_reported_as_inserted(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): even with a correctly computed link, the chain runs through the original."""
    content = event_content(6, "forged")
    forged = StoredRow(6, "ev-forged", content_hash(content), content, b"")
    for link_ok in (True, False):
        extra = relinked(forged, rows[4].link) if link_ok else forged_link(forged)
        report = verify([*rows[:5], extra, *rows[5:]], seals, keys)
        assert lists(report) == ([], [], [6], [])
        assert [f.event_id for f in report.findings] == ["ev-forged"]


def forged_link(row: StoredRow) -> StoredRow:
    return dataclasses.replace(row, link=hashlib.sha256(b"guess").digest())


def test_an_insertion_that_renumbers_later_rows_is_reported(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): the slipped-in row is inserted; every shifted row is modified."""
    content = event_content(6, "forged")
    forged = relinked(StoredRow(6, "ev-forged", content_hash(content), content, b""), rows[4].link)
    shifted = [dataclasses.replace(r, seq=r.seq + 1) for r in rows[5:]]
    report = verify([*rows[:5], forged, *shifted], seals, keys)
    assert lists(report) == ([7, 8, 9, 10, 11], [], [6], [10])


def test_reordered_rows_are_both_reported_as_modified(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): swapping two events between seqs flags those two seqs only."""
    rows[4], rows[5] = (
        dataclasses.replace(rows[5], seq=5),
        dataclasses.replace(rows[4], seq=6),
    )
    report = verify(rows, seals, keys)
    assert lists(report) == ([5, 6], [], [], [5, 10])
    assert "seq changed from 6" in report.findings[0].reason


def test_recomputing_every_later_link_is_caught_by_the_seals(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a), GEN-23: a self-consistent rewritten chain no longer matches the heads."""
    rows[2] = dataclasses.replace(rows[2], content=event_content(3, "rewritten"))
    for i in range(2, 10):
        rows[i] = relinked(rows[i], rows[i - 1].link)
    report = verify(rows, seals, keys)
    assert lists(report) == ([], [], [], [5, 10])
    assert all("chain head" in " ".join(s.reasons) for s in report.bad_seals)
    # Re-deriving event hashes from content points at the edited row itself.
    assert verify(rows, seals, keys, rehash=rehash).modified == [3]


def test_a_correctly_linked_row_appended_after_the_last_seal_is_not_detectable(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): the chain has no secret; only sealed history is protected."""
    content = event_content(11, "appended")
    appended = relinked(StoredRow(11, "ev-11", content_hash(content), content, b""), rows[-1].link)
    assert verify([*rows, appended], seals, keys).ok
    report = verify([*rows, forged_link(appended)], seals, keys)
    assert lists(report) == ([], [], [11], [])


def test_bad_signatures_and_unknown_keys_are_bad_seals(
    rows: list[StoredRow],
    seals: list[Seal],
    keys: dict[str, bytes],
    other_keypair: tuple[bytes, bytes],
) -> None:
    """GEN-23: a seal counts only if a trusted key of this tenant signed it."""
    tampered = dataclasses.replace(seals[1], last_seq=12)
    foreign = seal(rows, 1, 10, other_keypair[0])
    report = verify(rows, [seals[0], tampered, foreign], keys)
    reasons = [s.reasons[0] for s in report.bad_seals]
    assert reasons == ["bad signature", f"unknown key id {key_id(other_keypair[1])}"]
    # Neither forged seal makes seqs 11-12 "deleted": only authentic seals vouch.
    assert (report.deleted, report.sealed_through) == ([], 5)


def test_a_seal_of_another_tenant_is_a_bad_seal(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """GEN-23: seals are per tenant."""
    report = verify_ledger("other", [], seals=seals[:1], public_keys=keys)
    assert report.bad_seals[0].reasons[0] == "seal is for tenant 'acme'"


def test_malformed_rows_are_reported_without_crashing(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): an impossible seq or link is an insertion, not an exception."""
    junk = dataclasses.replace(rows[0], seq=0, event_id="junk")
    short = dataclasses.replace(rows[0], seq=3, link=b"short", event_id="short")
    report = verify([*rows, junk, short], seals, keys)
    assert lists(report) == ([], [], [0, 3], [])


def test_report_json_and_summary_are_ready_for_the_cli(
    rows: list[StoredRow], seals: list[Seal], keys: dict[str, bytes]
) -> None:
    """QBT-11.4(a): `suyuan verify --json` dumps the report; the summary is one line."""
    del rows[3]
    report = verify(rows, seals, keys)
    data = json.loads(json.dumps(report.to_json()))
    assert data["ok"] is False
    assert data["deleted"] == [4]
    reason = "seq is missing between stored rows"
    assert data["findings"][0] == {"kind": "deleted", "seq": 4, "event_id": None, "reason": reason}
    assert data["bad_seals"][0]["reasons"] == ["1 sealed rows missing"]
    assert report.summary().startswith("acme: TAMPERING DETECTED: 9 rows, 2 seals")
