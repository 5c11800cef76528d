"""Self-contained inclusion proofs for `suyuan ledger proof` (QBT-11.4(a), GEN-23)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from suyuan.errors import InvalidInput
from suyuan.ledger import (
    MerkleTree,
    Seal,
    build_proof_document,
    event_hash_bytes,
    merkle_root,
    sign_seal,
)
from suyuan.ledger import verify_proof_document as verify

HASHES = [f"ni:///sha-256;{i:064x}?ver=CBV2.0" for i in range(1, 31)]  # seqs 11..40


def make_doc(private_pem: bytes, public_pem: bytes, seq: int = 17) -> dict[str, Any]:
    seal = sign_seal(
        tenant_id="acme",
        first_seq=11,
        last_seq=40,
        chain_head=bytes(32),
        merkle_root=merkle_root([event_hash_bytes(h) for h in HASHES]),
        sealed_at="2026-03-01T08:00:00Z",
        private_key=private_pem,
    )
    doc = build_proof_document(
        event_id="ev-17",
        seq=seq,
        event_hash=HASHES[seq - 11],
        sealed_event_hashes=HASHES,
        seal=seal,
        public_key_pem=public_pem,
    )
    received: dict[str, Any] = json.loads(json.dumps(doc))  # what a user would receive
    return received


def test_a_proof_document_verifies_with_only_the_public_key(keypair: tuple[bytes, bytes]) -> None:
    """GEN-23: anyone holding the public key can check an event was sealed."""
    doc = make_doc(*keypair)
    assert (doc["leaf_index"], doc["tree_size"], doc["seq"]) == (6, 30, 17)
    assert verify(doc, keypair[1])


@pytest.mark.parametrize(
    ("path", "value"),
    [(("event_hash",), "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"), (("seq",), 18),
     (("leaf_index",), 7), (("tree_size",), 31), (("audit_path", 0), "00" * 32),
     (("seal", "merkle_root"), "00" * 32), (("seal", "last_seq"), 41),
     (("seal", "signature"), "A" * 88), (("version",), 2), (("audit_path",), "x"),
     (("seal",), None), (("seq",), "17")],
)  # fmt: skip
def test_any_altered_field_makes_the_proof_fail(
    keypair: tuple[bytes, bytes], path: tuple[Any, ...], value: object
) -> None:
    """GEN-23 test: altering anchored data makes verification fail (never raise)."""
    doc = copy.deepcopy(make_doc(*keypair))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not verify(doc, keypair[1])


def test_the_embedded_public_key_is_not_trusted(
    keypair: tuple[bytes, bytes], other_keypair: tuple[bytes, bytes]
) -> None:
    """GEN-23: a forger's own key in the document does not help them."""
    forged = make_doc(*other_keypair)
    assert forged["public_key_pem"] == other_keypair[1].decode()
    assert not verify(forged, keypair[1])
    assert not verify(make_doc(*keypair), other_keypair[1])


def test_proofs_from_a_prebuilt_tree_and_for_every_seq_verify(keypair: tuple[bytes, bytes]) -> None:
    """GEN-23: the store can build the tree once and prove many events against one seal."""
    doc = make_doc(*keypair)
    seal = Seal.from_json(doc["seal"])
    tree = MerkleTree([event_hash_bytes(h) for h in HASHES])
    for seq in range(11, 41):
        proof = build_proof_document(
            event_id=f"ev-{seq}", seq=seq, event_hash=HASHES[seq - 11],
            sealed_event_hashes=tree, seal=seal,
        )  # fmt: skip
        assert verify(proof, keypair[1])
        assert proof["public_key_pem"] is None


def test_byte_event_hashes_travel_as_hex(keypair: tuple[bytes, bytes]) -> None:
    """GEN-23: stores that keep raw hash bytes get an event_hash_hex field."""
    raw = [bytes([i]) * 32 for i in range(5)]
    seal = sign_seal(
        tenant_id="acme", first_seq=1, last_seq=5, chain_head=bytes(32),
        merkle_root=merkle_root(raw), sealed_at="2026-03-01T08:00:00Z",
        private_key=keypair[0],
    )  # fmt: skip
    doc = build_proof_document(
        event_id="e", seq=3, event_hash=raw[2], sealed_event_hashes=raw, seal=seal
    )
    assert doc["event_hash_hex"] == raw[2].hex()
    assert verify(doc, keypair[1])


def test_building_a_proof_refuses_hashes_that_do_not_match_the_seal(
    keypair: tuple[bytes, bytes],
) -> None:
    """QBT-11.4(a): the store cannot hand out a proof for a tampered range."""
    seal_json = make_doc(*keypair)["seal"]
    seal = Seal.from_json(seal_json)
    tampered = [*HASHES[:6], "ni:///sha-256;tampered", *HASHES[7:]]
    with pytest.raises(InvalidInput):
        build_proof_document(
            event_id="e", seq=17, event_hash=tampered[6], sealed_event_hashes=tampered, seal=seal
        )
    with pytest.raises(InvalidInput):
        build_proof_document(
            event_id="e", seq=41, event_hash=HASHES[0], sealed_event_hashes=HASHES, seal=seal
        )
