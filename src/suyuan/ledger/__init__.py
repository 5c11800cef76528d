"""Tamper evidence (QBT-11.4(a), GEN-23): hash chain, Merkle trees, signed seals, proofs.

Pure code: no database, clock or I/O apart from the explicit key-file functions.
The event store calls ``row_digest`` and ``extend_chain`` when it appends rows,
``sign_seal`` with ``merkle_root`` when it seals a range, ``verify_ledger`` for
``suyuan verify`` and ``build_proof_document`` for ``suyuan ledger proof``.
"""

from suyuan.ledger.chains import (
    ChainEntry,
    chain_link,
    event_hash_bytes,
    extend_chain,
    genesis,
    row_digest,
)
from suyuan.ledger.keys import (
    InvalidKey,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    private_key_from,
    public_key_from,
    public_pem_of,
    save_pem,
)
from suyuan.ledger.merkle_trees import (
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from suyuan.ledger.proofs import build_proof_document, verify_proof_document
from suyuan.ledger.reports import BadSeal, VerificationReport, verify_ledger
from suyuan.ledger.seals import (
    InvalidLedgerDocument,
    Seal,
    format_timestamp,
    seal_message,
    sign_seal,
    verify_seal,
)
from suyuan.ledger.walks import Finding, FindingKind, StoredRow

__all__ = [
    "BadSeal",
    "ChainEntry",
    "Finding",
    "FindingKind",
    "InvalidKey",
    "InvalidLedgerDocument",
    "MerkleTree",
    "Seal",
    "StoredRow",
    "VerificationReport",
    "build_proof_document",
    "chain_link",
    "consistency_proof",
    "event_hash_bytes",
    "extend_chain",
    "format_timestamp",
    "generate_keypair",
    "genesis",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "load_private_key",
    "load_public_key",
    "merkle_root",
    "node_hash",
    "private_key_from",
    "public_key_from",
    "public_pem_of",
    "row_digest",
    "save_pem",
    "seal_message",
    "sign_seal",
    "verify_consistency",
    "verify_inclusion",
    "verify_ledger",
    "verify_proof_document",
    "verify_seal",
]
