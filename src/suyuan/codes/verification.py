"""Verifying serials offline: recompute the tag, then invert the permutation to get the counter.

A forged serial passes with probability 2^-40 per try. Verification says nothing about
the code's life cycle (printed, void, destroyed, QBT-7.3(b)); the service looks up the
recovered counter's block for that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from suyuan.codes.feistel import unpermute, unpermute_one
from suyuan.codes.keys import KeyRing
from suyuan.codes.serials import (
    ALPHABET,
    LEVEL_BYTES,
    SERIAL_LENGTH,
    CodeLevel,
    compute_tag,
    compute_tags,
)
from suyuan.identifiers.gs1 import Gtin

_SERIAL_RE = re.compile(f"[{ALPHABET}]{{{SERIAL_LENGTH}}}")
# int(text, 32) reads base32hex (0-9A-V); translating RFC 4648 letters onto it decodes in C.
_TO_BASE32HEX = str.maketrans(ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTUV")
_DECODE = np.full(256, 255, dtype=np.uint8)
_DECODE[np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(32, dtype=np.uint8)
_MASK40 = (1 << 40) - 1
_PLACEHOLDER = "?" * SERIAL_LENGTH  # stands in for wrong-length input in the batch array


class VerifyReason(StrEnum):
    """Why a serial verified or not."""

    GENUINE = "genuine"
    BAD_LENGTH = "bad_length"
    BAD_CHARACTER = "bad_character"
    UNKNOWN_KEY = "unknown_key"
    BAD_TAG = "bad_tag"  # forged, mistyped, or presented with the wrong GTIN or level


_REASONS = tuple(VerifyReason)  # index = the reason code used by the batch arrays


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of checking one serial against a GTIN and level."""

    well_formed: bool
    genuine: bool
    key_id: int | None
    counter: int | None
    reason: VerifyReason


def verify_serial(keyring: KeyRing, gtin: Gtin, level: CodeLevel, serial: str) -> VerifyResult:
    """Check one serial without a database: charset, key id, tag; recover its counter."""
    if len(serial) != SERIAL_LENGTH:
        return VerifyResult(False, False, None, None, VerifyReason.BAD_LENGTH)
    if _SERIAL_RE.fullmatch(serial) is None:
        return VerifyResult(False, False, None, None, VerifyReason.BAD_CHARACTER)
    # One C-level decode of all 85 bits: 5-bit key id, 40-bit body, 40-bit tag.
    value = int(serial.translate(_TO_BASE32HEX), 32)
    key_id = value >> 80
    material = keyring.find_material(key_id)
    if material is None:
        return VerifyResult(True, False, key_id, None, VerifyReason.UNKNOWN_KEY)
    body = (value >> 40) & _MASK40
    tag = value & _MASK40
    gtin_int = int(gtin.value)
    if compute_tag(material, gtin_int, LEVEL_BYTES[level], body) != tag:
        return VerifyResult(True, False, key_id, None, VerifyReason.BAD_TAG)
    counter = unpermute_one(material.round_views(), body) ^ material.tweak(gtin_int)
    return VerifyResult(True, True, key_id, counter, VerifyReason.GENUINE)


def verify_serial_any_level(
    keyring: KeyRing, gtin: Gtin, serial: str
) -> tuple[CodeLevel | None, VerifyResult]:
    """Verify a scanned serial whose level is unknown (a QR URL does not carry it).

    Tries each level's tag; the one that matches is the level the code was issued for.
    Five tries instead of one raise a forger's odds from 2^-40 to 5 x 2^-40.
    """
    result = verify_serial(keyring, gtin, CodeLevel.UNIT, serial)
    if result.reason is not VerifyReason.BAD_TAG:
        return (CodeLevel.UNIT if result.genuine else None), result
    for level in (CodeLevel.CAP, CodeLevel.INNER, CodeLevel.CASE, CodeLevel.PALLET):
        other = verify_serial(keyring, gtin, level, serial)
        if other.genuine:
            return level, other
    return None, result


@dataclass(frozen=True, slots=True)
class BatchVerifyResult:
    """Per-serial outcomes of ``verify_serials`` as parallel numpy arrays."""

    reason_codes: np.ndarray[Any, np.dtype[np.uint8]]  # index into VerifyReason
    key_ids: np.ndarray[Any, np.dtype[np.int16]]  # -1 where malformed
    counters: np.ndarray[Any, np.dtype[np.int64]]  # -1 where not genuine

    @property
    def genuine(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """True where the serial is genuine."""
        flags: np.ndarray[Any, np.dtype[np.bool_]] = self.reason_codes == 0
        return flags

    @property
    def well_formed(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """True where length and charset are right."""
        # Codes 1 and 2 (bad length, bad character) are the malformed ones.
        flags: np.ndarray[Any, np.dtype[np.bool_]] = (self.reason_codes == 0) | (
            self.reason_codes > 2
        )
        return flags

    def __len__(self) -> int:
        return int(self.reason_codes.size)

    def result(self, index: int) -> VerifyResult:
        """The outcome of one serial as a ``VerifyResult``."""
        reason = _REASONS[int(self.reason_codes[index])]
        key_id = int(self.key_ids[index])
        counter = int(self.counters[index])
        return VerifyResult(
            well_formed=reason not in (VerifyReason.BAD_LENGTH, VerifyReason.BAD_CHARACTER),
            genuine=reason is VerifyReason.GENUINE,
            key_id=None if key_id < 0 else key_id,
            counter=None if counter < 0 else counter,
            reason=reason,
        )


def _to_chars(
    serials: Sequence[str] | np.ndarray[Any, np.dtype[np.uint8]],
) -> tuple[np.ndarray[Any, np.dtype[np.uint8]], np.ndarray[Any, np.dtype[np.bool_]]]:
    if isinstance(serials, np.ndarray):
        return serials.reshape(-1, SERIAL_LENGTH), np.ones(serials.size // SERIAL_LENGTH, bool)
    n = len(serials)
    lengths = np.fromiter(map(len, serials), dtype=np.int64, count=n)
    length_ok = lengths == SERIAL_LENGTH
    items = serials if length_ok.all() else [s if len(s) == 17 else _PLACEHOLDER for s in serials]
    # latin-1 with "replace" keeps one byte per character, so rows stay 17 bytes wide.
    raw = "".join(items).encode("latin-1", "replace")
    return np.frombuffer(raw, dtype=np.uint8).reshape(n, SERIAL_LENGTH), length_ok


def _pack40(digits: np.ndarray[Any, np.dtype[np.uint8]]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    # Column by column: widening the whole (n, 8) block to uint64 first costs 5x more.
    packed = np.zeros(digits.shape[0], dtype=np.uint64)
    for column in range(digits.shape[1]):
        packed <<= np.uint64(5)
        packed |= digits[:, column]
    return packed


def verify_serials(
    keyring: KeyRing,
    gtin: Gtin,
    level: CodeLevel,
    serials: Sequence[str] | np.ndarray[Any, np.dtype[np.uint8]],
) -> BatchVerifyResult:
    """Vectorised ``verify_serial`` for many serials of one GTIN and level.

    ``serials`` is a sequence of strings or an (n, 17) uint8 array of ASCII bytes.
    """
    chars, length_ok = _to_chars(serials)
    values = _DECODE[chars]
    chars_ok = (values != 255).all(axis=1)  # 255: not in the alphabet
    well_formed = length_ok & chars_ok
    n = chars.shape[0]
    reasons = np.full(n, _REASONS.index(VerifyReason.UNKNOWN_KEY), dtype=np.uint8)
    reasons[~chars_ok] = _REASONS.index(VerifyReason.BAD_CHARACTER)
    reasons[~length_ok] = _REASONS.index(VerifyReason.BAD_LENGTH)
    key_ids = np.where(well_formed, values[:, 0].astype(np.int16), np.int16(-1))
    counters = np.full(n, -1, dtype=np.int64)
    bodies = _pack40(values[:, 1:9])
    tags = _pack40(values[:, 9:])
    gtin_int = int(gtin.value)
    for key_id in np.unique(key_ids[well_formed]).tolist():
        material = keyring.find_material(int(key_id))
        if material is None:
            continue
        rows = np.flatnonzero(key_ids == key_id)
        ok = compute_tags(material, gtin_int, LEVEL_BYTES[level], bodies[rows]) == tags[rows]
        reasons[rows] = np.where(ok, 0, _REASONS.index(VerifyReason.BAD_TAG))
        good = rows[ok]
        tweak = np.uint64(material.tweak(gtin_int))
        counters[good] = (unpermute(material.round_tables(), bodies[good]) ^ tweak).astype(np.int64)
    return BatchVerifyResult(reasons, key_ids, counters)
