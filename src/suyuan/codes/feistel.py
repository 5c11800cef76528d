"""A keyed permutation of 40-bit counters: a balanced Feistel network on 20-bit halves.

The round functions are the lookup tables of ``KeyMaterial.round_tables`` (AES-derived),
so issuing is a handful of numpy gathers per chunk. Any Feistel network is a permutation
whatever its round functions, which is what makes serial bodies unique per key and GTIN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from suyuan.codes.keys import HALF_BITS, HALF_MASK

U64 = np.ndarray[Any, np.dtype[np.uint64]]
Tables = np.ndarray[Any, np.dtype[np.uint32]]


def permute(tables: Tables, values: U64) -> U64:
    """Encrypt 40-bit ``values`` (uint64 array) under the round ``tables``."""
    left = (values >> np.uint64(HALF_BITS)).astype(np.uint32)
    right = (values & np.uint64(HALF_MASK)).astype(np.uint32)
    for table in tables:
        left, right = right, left ^ table[right]
    return (left.astype(np.uint64) << np.uint64(HALF_BITS)) | right.astype(np.uint64)


def unpermute(tables: Tables, values: U64) -> U64:
    """Invert ``permute``: recover the 40-bit inputs from the outputs."""
    left = (values >> np.uint64(HALF_BITS)).astype(np.uint32)
    right = (values & np.uint64(HALF_MASK)).astype(np.uint32)
    for table in tables[::-1]:
        left, right = right ^ table[left], left
    return (left.astype(np.uint64) << np.uint64(HALF_BITS)) | right.astype(np.uint64)


def permute_one(tables: Sequence[Sequence[int]], value: int) -> int:
    """Scalar ``permute`` over the tables' memoryviews, for issuing or checking one code."""
    left, right = value >> HALF_BITS, value & HALF_MASK
    for table in tables:
        left, right = right, left ^ table[right]
    return (left << HALF_BITS) | right


def unpermute_one(tables: Sequence[Sequence[int]], value: int) -> int:
    """Scalar ``unpermute``."""
    left, right = value >> HALF_BITS, value & HALF_MASK
    for table in reversed(tables):
        left, right = right ^ table[left], left
    return (left << HALF_BITS) | right
