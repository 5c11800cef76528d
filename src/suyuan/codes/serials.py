"""Issuing unit serials that verify without a lookup (QBT-7.1, QBT-7.2(b), HW-2, GEN-2, GEN-32).

A serial is 17 characters of the RFC 4648 base32 alphabet (``A-Z2-7``)::

    K BBBBBBBB TTTTTTTT
    | |        +-- tag: first 40 bits of AES-ECB(tag key,
    | |                   [0x54, K, GTIN (6 bytes), level, body (5 bytes), 0, 0])
    | +----------- body: 40-bit keyed Feistel permutation of (counter XOR per-GTIN tweak)
    +------------- key id 0..31 in the enterprise's key ring

The charset fits GS1 AI 21 (CSET 82, at most 20 characters) and QB/T's ``[0-9A-Z]``.
One counter space per (enterprise, GTIN) is shared by every packaging level, so a serial
is never issued twice across bottle, cap, inner pack and case (HW-2); the level is inside
the tag, so a bottle serial presented as a cap serial fails verification.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from suyuan.codes.feistel import U64, permute, permute_one
from suyuan.codes.keys import MAX_KEY_IDS, KeyMaterial, KeyRing
from suyuan.errors import InvalidInput
from suyuan.identifiers.gs1 import Gtin

SERIAL_LENGTH = 17
COUNTER_BITS = 40
COUNTER_LIMIT = 1 << COUNTER_BITS
DEFAULT_CHUNK = 65_536
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

_ALPHA = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_SHIFTS = np.arange(35, -1, -5, dtype=np.uint64)  # eight 5-bit groups of a 40-bit value
U8 = np.ndarray[Any, np.dtype[np.uint8]]


class CodeLevel(StrEnum):
    """The packaging level a serial is issued for; bound into its tag."""

    UNIT = "unit"  # bottle body / minimum sales package
    CAP = "cap"  # second carrier of a unit (cap, inner code), paired 1:1 with it (HW-3)
    INNER = "inner"  # inner pack
    CASE = "case"  # case serialised under a GTIN (cases may also use SSCCs)
    PALLET = "pallet"  # pallet serialised under a GTIN (pallets usually use SSCCs)


# Stored inside every tag: these byte values must never change.
LEVEL_BYTES: dict[CodeLevel, int] = {
    CodeLevel.UNIT: 1,
    CodeLevel.CAP: 2,
    CodeLevel.INNER: 3,
    CodeLevel.CASE: 4,
    CodeLevel.PALLET: 5,
}


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A reserved counter range ``[start_counter, start_counter + count)`` for one GTIN and level.

    The service stores one database row per block; every code in it is derived from
    these fields and the key ring, so no row per code is needed.
    """

    gtin: Gtin
    level: CodeLevel
    start_counter: int
    count: int
    key_id: int

    def __post_init__(self) -> None:
        if not 0 <= self.key_id < MAX_KEY_IDS:
            raise InvalidInput(f"key id {self.key_id} is outside 0..{MAX_KEY_IDS - 1}")
        if self.start_counter < 0 or self.count < 0:
            raise InvalidInput("a code block needs a non-negative start counter and count")
        if self.start_counter + self.count > COUNTER_LIMIT:
            raise InvalidInput(
                f"code block ends past the 40-bit counter space ({COUNTER_LIMIT})",
                detail={"start_counter": self.start_counter, "count": self.count},
            )

    @property
    def end_counter(self) -> int:
        """The first counter after the block."""
        return self.start_counter + self.count

    def __contains__(self, counter: object) -> bool:
        return isinstance(counter, int) and self.start_counter <= counter < self.end_counter


def encode_base32_40(values: U64) -> U8:
    """Encode 40-bit values as an (n, 8) array of base32 ASCII bytes."""
    encoded: U8 = _ALPHA[(values[:, None] >> _SHIFTS) & np.uint64(31)]
    return encoded


def compute_tags(material: KeyMaterial, gtin: int, level_byte: int, bodies: U64) -> U64:
    """The 40-bit tags of many bodies under one key, GTIN and level: one AES-ECB call.

    Block: [0x54, key id, GTIN (6 bytes), level, body (5 bytes), 0, 0], all big-endian.
    """
    n = bodies.size
    blocks = np.zeros((n, 16), dtype=np.uint8)
    blocks[:, :9] = np.frombuffer(material.tag_prefix(gtin, level_byte), dtype=np.uint8)
    blocks[:, 9:14] = bodies.astype(">u8").view(np.uint8).reshape(n, 8)[:, 3:]
    out = np.frombuffer(material.tag_encrypt(blocks.data), dtype=np.uint8).reshape(n, 16)
    wide = np.zeros((n, 8), dtype=np.uint8)
    wide[:, 3:] = out[:, :5]
    return wide.view(">u8").ravel().astype(np.uint64)


def compute_tag(material: KeyMaterial, gtin: int, level_byte: int, body: int) -> int:
    """Scalar ``compute_tags`` (same block layout, checked equal by the tests)."""
    block = material.tag_prefix(gtin, level_byte) + body.to_bytes(5, "big") + b"\0\0"
    return int.from_bytes(material.tag_encrypt(block)[:5], "big")


def encode_serials(material: KeyMaterial, gtin: Gtin, level: CodeLevel, counters: U64) -> U8:
    """The (n, 17) ASCII serials of ``counters`` (uint64) under one key, GTIN and level."""
    gtin_int = int(gtin.value)
    tweak = np.uint64(material.tweak(gtin_int))
    bodies = permute(material.round_tables(), counters ^ tweak)
    tags = compute_tags(material, gtin_int, LEVEL_BYTES[level], bodies)
    out = np.empty((counters.size, SERIAL_LENGTH), dtype=np.uint8)
    out[:, 0] = _ALPHA[material.key_id]
    out[:, 1:9] = encode_base32_40(bodies)
    out[:, 9:] = encode_base32_40(tags)
    return out


def issue_serial_chunks(
    keyring: KeyRing, block: CodeBlock, *, chunk_size: int = DEFAULT_CHUNK
) -> Iterator[U8]:
    """Yield the block's serials as (n, 17) uint8 arrays of at most ``chunk_size`` rows.

    Memory stays flat whatever the block size; rows come in counter order.
    """
    if chunk_size <= 0:
        raise InvalidInput("chunk_size must be positive")
    material = keyring.material(block.key_id)
    for start in range(block.start_counter, block.end_counter, chunk_size):
        stop = min(start + chunk_size, block.end_counter)
        counters = np.arange(start, stop, dtype=np.uint64)
        yield encode_serials(material, block.gtin, block.level, counters)


def issue_serials(keyring: KeyRing, block: CodeBlock) -> list[str]:
    """All serials of ``block`` as strings, in counter order (for moderate blocks)."""
    result: list[str] = []
    for chunk in issue_serial_chunks(keyring, block):
        text = chunk.tobytes().decode("ascii")
        result.extend(text[i : i + SERIAL_LENGTH] for i in range(0, len(text), SERIAL_LENGTH))
    return result


def issue_serial(
    keyring: KeyRing, *, gtin: Gtin, level: CodeLevel, counter: int, key_id: int
) -> str:
    """The serial of one counter (scalar path; equal to the bulk path's output)."""
    if not 0 <= counter < COUNTER_LIMIT:
        raise InvalidInput(f"counter {counter} is outside the 40-bit counter space")
    material = keyring.material(key_id)
    gtin_int = int(gtin.value)
    body = permute_one(material.round_views(), counter ^ material.tweak(gtin_int))
    tag = compute_tag(material, gtin_int, LEVEL_BYTES[level], body)
    return (
        ALPHABET[key_id]
        + base64.b32encode(body.to_bytes(5, "big")).decode("ascii")
        + base64.b32encode(tag.to_bytes(5, "big")).decode("ascii")
    )


_MANUAL_ENTRY = str.maketrans({"0": "O", "1": "I", "8": "B", " ": None, "-": None})


def normalize_serial(text: str) -> str:
    """Tidy a hand-typed serial: upper case, no spaces or dashes, 0/1/8 read as O/I/B.

    Base32 has no 0, 1 or 8, so this mapping cannot turn one valid serial into another.
    """
    return text.strip().upper().translate(_MANUAL_ENTRY)
