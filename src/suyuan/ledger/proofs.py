"""Self-contained inclusion proofs for one event, checkable with only a public key.

Document, version 1 (JSON)::

    {"type": "suyuan-ledger-inclusion-proof", "version": 1,
     "tenant_id": str, "event_id": str, "seq": int,
     "event_hash": str,               # the canonical hash as stored (or "event_hash_hex")
     "leaf_index": int,               # seq - seal.first_seq
     "tree_size": int,                # seal.last_seq - seal.first_seq + 1
     "audit_path": [hex, ...],        # RFC 6962 path, leaf side first
     "seal": {...Seal.to_json()...},
     "key_id": str, "public_key_pem": str | null}

The embedded public key is a convenience for finding the right key; the verifier
trusts only the key it is given, so a forger cannot supply their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from suyuan.errors import InvalidInput
from suyuan.ledger.chains import event_hash_bytes
from suyuan.ledger.keys import PublicKeyLike
from suyuan.ledger.merkle_trees import MerkleTree, verify_inclusion
from suyuan.ledger.seals import InvalidLedgerDocument, Seal, verify_seal

PROOF_TYPE = "suyuan-ledger-inclusion-proof"
PROOF_VERSION = 1
_T = TypeVar("_T")


def build_proof_document(
    *,
    event_id: str,
    seq: int,
    event_hash: str | bytes,
    sealed_event_hashes: Sequence[str | bytes] | MerkleTree,
    seal: Seal,
    public_key_pem: bytes | None = None,
) -> dict[str, Any]:
    """Return the proof that event ``seq`` is in ``seal``'s Merkle tree.

    ``sealed_event_hashes`` are the stored event hashes of seqs ``seal.first_seq ..
    seal.last_seq`` in order, or a ``MerkleTree`` already built over them (to make
    many proofs against one seal). The proof is checked before it is returned.
    """
    tree = (
        sealed_event_hashes
        if isinstance(sealed_event_hashes, MerkleTree)
        else MerkleTree([event_hash_bytes(h) for h in sealed_event_hashes])
    )
    if not seal.first_seq <= seq <= seal.last_seq or tree.size != seal.size:
        raise InvalidInput(
            "event is not in the sealed range, or the range has the wrong size",
            detail={"seq": seq, "first_seq": seal.first_seq, "last_seq": seal.last_seq},
        )
    index = seq - seal.first_seq
    path = tree.inclusion_proof(index)
    if not verify_inclusion(event_hash_bytes(event_hash), index, tree.size, path, seal.merkle_root):
        raise InvalidInput("the stored event hashes do not reproduce the sealed Merkle root")
    doc: dict[str, Any] = {
        "type": PROOF_TYPE,
        "version": PROOF_VERSION,
        "tenant_id": seal.tenant_id,
        "event_id": event_id,
        "seq": seq,
        **_hash_field(event_hash),
        "leaf_index": index,
        "tree_size": tree.size,
        "audit_path": [node.hex() for node in path],
        "seal": seal.to_json(),
        "key_id": seal.key_id,
        "public_key_pem": public_key_pem.decode("ascii") if public_key_pem else None,
    }
    return doc


def verify_proof_document(doc: Any, public_key_pem: PublicKeyLike) -> bool:
    """Return whether ``doc`` proves its event was sealed by the holder of the key.

    Checks the seal signature (and that its key id is this key's), that the leaf
    index and tree size agree with the seq and sealed range, and the audit path.
    A malformed document is simply not a valid proof.
    """
    try:
        seal, leaf, index, size, path = _parse(doc)
    except InvalidLedgerDocument:
        return False
    if index != doc["seq"] - seal.first_seq or size != seal.size:
        return False
    return verify_seal(seal, public_key_pem) and verify_inclusion(
        leaf, index, size, path, seal.merkle_root
    )


def _hash_field(event_hash: str | bytes) -> dict[str, str]:
    if isinstance(event_hash, str):
        return {"event_hash": event_hash}
    return {"event_hash_hex": bytes(event_hash).hex()}


def _parse(doc: Any) -> tuple[Seal, bytes, int, int, list[bytes]]:
    try:
        if doc["type"] != PROOF_TYPE or doc["version"] != PROOF_VERSION:
            raise InvalidLedgerDocument("not a version 1 suyuan inclusion proof")
        if "event_hash" in doc:
            leaf = event_hash_bytes(_as(doc["event_hash"], str))
        else:
            leaf = bytes.fromhex(_as(doc["event_hash_hex"], str))
        path = [bytes.fromhex(_as(node, str)) for node in _as(doc["audit_path"], list)]
        fields = doc["seq"], doc["leaf_index"], doc["tree_size"]
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in fields):
            raise InvalidLedgerDocument("seq, leaf_index and tree_size must be integers")
        return Seal.from_json(doc["seal"]), leaf, doc["leaf_index"], doc["tree_size"], path
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidLedgerDocument(f"malformed proof: {exc}") from exc


def _as(value: Any, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise InvalidLedgerDocument(f"expected {kind.__name__}")
    return value
