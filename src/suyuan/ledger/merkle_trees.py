"""Merkle trees as in RFC 6962 (Certificate Transparency) section 2.1.

``leaf hash = SHA-256(0x00 || data)``, ``node hash = SHA-256(0x01 || left || right)``;
the empty tree's root is ``SHA-256()``. A tree of n leaves splits at the largest power
of two below n, which is the same tree as pairing each level left to right and
carrying an odd last node up unchanged; that is how it is built here, iteratively.
Proofs are lists of 32-byte hashes ordered from the leaf towards the root, so they
interoperate with other RFC 6962 / RFC 9162 implementations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from suyuan.errors import InvalidInput

_LEAF = b"\x00"
_NODE = b"\x01"
_H = 32


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf entry."""
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an interior node."""
    return hashlib.sha256(_NODE + left + right).digest()


class MerkleTree:
    """An immutable tree that keeps every level, for many proofs over the same leaves.

    Each level is one ``bytes`` of concatenated 32-byte hashes: for a million leaves
    that is about 64 MB in total instead of several times that as separate objects.
    """

    __slots__ = ("_levels", "size")

    def __init__(self, leaves: Sequence[bytes]) -> None:
        """Hash ``leaves`` (entry data, not leaf hashes) and build all levels."""
        sha256 = hashlib.sha256
        level = b"".join([sha256(_LEAF + d).digest() for d in leaves])
        self.size = len(leaves)
        self._levels = [level]
        while len(level) > _H:
            level = _next_level(level)
            self._levels.append(level)

    @property
    def root(self) -> bytes:
        """The tree head (Merkle tree hash) of all leaves."""
        if self.size == 0:
            return hashlib.sha256(b"").digest()
        return self._levels[-1]

    def inclusion_proof(self, index: int) -> list[bytes]:
        """Return the audit path of leaf ``index``, leaf-side first."""
        if not 0 <= index < self.size:
            raise InvalidInput(
                "leaf index out of range", detail={"index": index, "tree_size": self.size}
            )
        proof: list[bytes] = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            # An odd last node has no sibling at this level: it is carried up as is.
            if sibling * _H < len(level):
                proof.append(level[sibling * _H : (sibling + 1) * _H])
            index >>= 1
        return proof

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """Return the RFC 6962 proof that the first ``old_size`` leaves are a prefix."""
        if not 1 <= old_size <= self.size:
            raise InvalidInput(
                "old tree size out of range",
                detail={"old_size": old_size, "tree_size": self.size},
            )
        return self._subproof(old_size, 0, self.size, complete=True)

    def _subproof(self, m: int, lo: int, hi: int, *, complete: bool) -> list[bytes]:
        # RFC 6962 section 2.1.2 SUBPROOF over leaves[lo:hi]; depth is log2(size).
        n = hi - lo
        if m == n:
            return [] if complete else [self._range_root(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, complete=complete), self._range_root(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, complete=False), self._range_root(lo, lo + k)]

    def _range_root(self, lo: int, hi: int) -> bytes:
        # Ranges reached from _subproof are either complete aligned subtrees, stored
        # in a level, or split further at a power of two that keeps them aligned.
        n = hi - lo
        height = n.bit_length() - 1
        if n == 1 << height:
            start = (lo >> height) * _H
            return self._levels[height][start : start + _H]
        k = _split(n)
        return node_hash(self._range_root(lo, lo + k), self._range_root(lo + k, hi))


def _next_level(level: bytes) -> bytes:
    sha256 = hashlib.sha256
    view = memoryview(level)
    paired = (len(level) // (2 * _H)) * 2 * _H
    parents = [sha256(_NODE + view[i : i + 2 * _H]).digest() for i in range(0, paired, 2 * _H)]
    if paired < len(level):
        parents.append(level[paired:])
    return b"".join(parents)


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Return the RFC 6962 Merkle tree hash of ``leaves`` (entry data)."""
    sha256 = hashlib.sha256
    if not leaves:
        return sha256(b"").digest()
    # Only the current level is kept, so memory stays at one level.
    level = b"".join([sha256(_LEAF + d).digest() for d in leaves])
    while len(level) > _H:
        level = _next_level(level)
    return level


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return the audit path proving ``leaves[index]`` is in the tree of ``leaves``."""
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the proof that the tree of ``leaves[:old_size]`` is a prefix of ``leaves``."""
    return MerkleTree(leaves).consistency_proof(old_size)


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path for leaf entry ``leaf`` (data, not its hash), RFC 9162 2.1.3.2."""
    if not 0 <= index < tree_size or any(len(p) != _H for p in proof):
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check that the tree ``old_root`` of ``old_size`` is a prefix of ``new_root``.

    Follows RFC 9162 section 2.1.4.2; sizes must satisfy 1 <= old_size <= new_size.
    """
    if not 1 <= old_size <= new_size or any(len(p) != _H for p in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # A power-of-two old tree is a complete subtree: its root starts the path.
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
