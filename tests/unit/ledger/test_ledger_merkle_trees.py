"""RFC 6962 Merkle trees for seals and proofs (QBT-11.4(a), GEN-23)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suyuan.errors import InvalidInput
from suyuan.ledger import (
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

# The test vectors of RFC 6962 implementations (Certificate Transparency's
# merkle_test): eight leaves and the root of every prefix.
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (0, 1, []),
]  # fmt: skip
CT_CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (8, 8, []),
]  # fmt: skip


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as written in RFC 6962 section 2.1 (recursive, slow, obviously right)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def make_leaves(n: int) -> list[bytes]:
    return [f"ni:///sha-256;{i:064x}?ver=CBV2.0".encode() for i in range(n)]


@pytest.mark.parametrize("size", range(9))
def test_root_matches_the_rfc_6962_reference_vectors(size: int) -> None:
    """QBT-11.4(a), GEN-23: roots agree with other CT implementations, including empty."""
    assert merkle_root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]
    assert MerkleTree(CT_LEAVES[:size]).root.hex() == CT_ROOTS[size]


def test_empty_root_is_sha256_of_nothing_and_single_leaf_is_its_leaf_hash() -> None:
    """QBT-11.4(a): the two degenerate trees of RFC 6962 section 2.1."""
    assert merkle_root([]) == hashlib.sha256(b"").digest()
    assert merkle_root([b"x"]) == hashlib.sha256(b"\x00x").digest()


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(
    index: int, size: int, path: list[str]
) -> None:
    """QBT-11.4(a), GEN-23: audit paths are byte-for-byte those of RFC 6962 logs."""
    proof = inclusion_proof(CT_LEAVES[:size], index)
    assert [p.hex() for p in proof] == path
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(CT_LEAVES[index], index, size, proof, root)


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(
    old: int, new: int, path: list[str]
) -> None:
    """QBT-11.4(a), GEN-23: a sealed tree is provably a prefix of a later one."""
    proof = consistency_proof(CT_LEAVES[:new], old)
    assert [p.hex() for p in proof] == path
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)


def test_iterative_tree_equals_the_recursive_definition_for_sizes_0_to_70() -> None:
    """QBT-11.4(a): carrying odd nodes up builds the same unbalanced tree as RFC 6962."""
    for size in range(71):
        leaves = make_leaves(size)
        assert merkle_root(leaves) == reference_root(leaves)


@settings(max_examples=70, deadline=None)
@given(size=st.integers(min_value=1, max_value=70))
def test_every_leaf_inclusion_proof_verifies_and_tampering_fails(size: int) -> None:
    """QBT-11.4(a), GEN-23: every index of every tree size; altered inputs are rejected."""
    leaves = make_leaves(size)
    tree = MerkleTree(leaves)
    for index, leaf in enumerate(leaves):
        proof = tree.inclusion_proof(index)
        assert verify_inclusion(leaf, index, size, proof, tree.root)
        assert not verify_inclusion(leaf + b"x", index, size, proof, tree.root)
        assert not verify_inclusion(leaf, index, size, proof, bytes(32))
        # (A claimed tree size alone is not bound by an audit path: some leaves have the
        # same path in sizes n and n+1. The seal signs the size; proof documents check it.)
        if size > 1:
            assert not verify_inclusion(leaf, (index + 1) % size, size, proof, tree.root)
        for k in range(len(proof)):
            forged = [*proof[:k], bytes(32), *proof[k + 1 :]]
            assert not verify_inclusion(leaf, index, size, forged, tree.root)
        assert not verify_inclusion(leaf, index, size, [*proof, bytes(32)], tree.root)
        if proof:
            assert not verify_inclusion(leaf, index, size, proof[:-1], tree.root)


def test_a_one_leaf_proof_cannot_claim_a_bigger_tree() -> None:
    """QBT-11.4(a): the empty audit path of a one-leaf tree proves nothing about size 2."""
    leaves = make_leaves(1)
    assert not verify_inclusion(leaves[0], 0, 2, [], merkle_root(leaves))


@settings(max_examples=40, deadline=None)
@given(new=st.integers(min_value=1, max_value=70))
def test_every_prefix_has_a_consistency_proof_and_forgeries_fail(new: int) -> None:
    """GEN-23: consistency between every pair of sizes; a changed old leaf breaks it."""
    leaves = make_leaves(new)
    tree = MerkleTree(leaves)
    for old in range(1, new + 1):
        proof = tree.consistency_proof(old)
        old_root = merkle_root(leaves[:old])
        assert verify_consistency(old, new, old_root, tree.root, proof)
        rewritten = merkle_root([b"rewritten", *leaves[1:old]])
        assert not verify_consistency(old, new, rewritten, tree.root, proof)
        if proof:
            assert not verify_consistency(old, new, old_root, tree.root, proof[:-1])


def test_bad_sizes_and_indexes_are_refused() -> None:
    """QBT-11.4(a): out-of-range requests raise; out-of-range claims do not verify."""
    leaves = make_leaves(5)
    with pytest.raises(InvalidInput):
        inclusion_proof(leaves, 5)
    with pytest.raises(InvalidInput):
        consistency_proof(leaves, 0)
    root = merkle_root(leaves)
    assert not verify_inclusion(leaves[0], -1, 5, [], root)
    assert not verify_inclusion(leaves[0], 0, 5, [b"short"], root)
    assert not verify_consistency(6, 5, root, root, [])
    assert not verify_consistency(5, 5, root, root, [root])
    assert not verify_consistency(3, 5, root, root, [])
