"""The per-tenant hash chain's byte layout (QBT-11.4(a))."""

from __future__ import annotations

import hashlib
import struct

import pytest

from suyuan.errors import InvalidInput
from suyuan.ledger import ChainEntry, chain_link, extend_chain, genesis, row_digest

EVENT_HASH = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"


def test_genesis_is_sha256_of_the_domain_and_tenant() -> None:
    """QBT-11.4(a): link_0 = SHA-256(b"suyuan-ledger-v1" || tenant_id); tenants differ."""
    assert genesis("acme") == hashlib.sha256(b"suyuan-ledger-v1acme").digest()
    assert genesis("acme") != genesis("acmf")
    with pytest.raises(InvalidInput):
        genesis("")


def test_chain_link_hashes_prev_seq_event_hash_and_row_digest() -> None:
    """QBT-11.4(a): link_n = SHA-256(prev || u64be(seq) || event hash || row digest)."""
    prev, digest = genesis("acme"), row_digest(event_id="e1", content=b"{}")
    expected = hashlib.sha256(prev + struct.pack(">Q", 7) + EVENT_HASH.encode() + digest)
    assert chain_link(prev, 7, EVENT_HASH, digest) == expected.digest()
    assert chain_link(prev, 7, EVENT_HASH.encode(), digest) == expected.digest()


def test_row_digest_covers_the_event_id_and_content_unambiguously() -> None:
    """QBT-11.4(a): editing the id or content column changes the digest; no shifting."""
    base = row_digest(event_id="e1", content=b'{"a":1}')
    assert base == hashlib.sha256(b"\x00\x00\x00\x02e1" + b'{"a":1}').digest()
    assert row_digest(event_id="e2", content=b'{"a":1}') != base
    assert row_digest(event_id="e1", content=b'{"a":2}') != base
    assert row_digest(event_id="e1{", content=b'"a":1}') != base


def test_extend_chain_equals_linking_one_by_one() -> None:
    """QBT-11.4(a): the bulk path gives the same links as chain_link."""
    entries = [
        ChainEntry(seq, f"h{seq}", row_digest(event_id=f"e{seq}", content=b"x"))
        for seq in range(1, 50)
    ]
    links = extend_chain(genesis("acme"), entries)
    prev = genesis("acme")
    for entry, link in zip(entries, links, strict=True):
        prev = chain_link(prev, *entry)
        assert link == prev
    assert extend_chain(genesis("acme"), []) == []


@pytest.mark.parametrize(
    ("prev", "seq", "digest"),
    [(b"short", 1, bytes(32)), (bytes(32), 0, bytes(32)), (bytes(32), 2**64, bytes(32)),
     (bytes(32), 1, b"short")],
)  # fmt: skip
def test_malformed_link_inputs_are_refused(prev: bytes, seq: int, digest: bytes) -> None:
    """QBT-11.4(a): fixed lengths keep the concatenation unambiguous, so they are checked."""
    with pytest.raises(InvalidInput):
        chain_link(prev, seq, EVENT_HASH, digest)
    with pytest.raises(InvalidInput):
        extend_chain(prev, [(seq, EVENT_HASH, digest)])
