"""Per-enterprise code keys: a key ring of rotatable secrets and the AES material derived from them.

A secret is 32 random bytes. Two AES-256 keys are derived from it with HKDF-SHA256
(separate ``info`` labels), one for the counter permutation (the body of a serial) and
one for the tag, so that neither use can leak anything about the other.
"""

from __future__ import annotations

import hmac
import secrets as _secrets
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from suyuan.errors import Conflict, InvalidInput, NotFound

SECRET_BYTES = 32
MAX_KEY_IDS = 32  # one base32 character in the serial names the key id
FEISTEL_ROUNDS = 8  # as FF3-1; 4 would already be a PRP in theory, 8 costs ~10 ms per 10^6 codes
HALF_BITS = 20
HALF_MASK = (1 << HALF_BITS) - 1

_INFO_FEISTEL = b"suyuan/codes/v1/feistel"
_INFO_TAG = b"suyuan/codes/v1/tag"
_ROUND_DOMAIN = 0x46  # "F": first byte of every round-function block
_TWEAK_DOMAIN = 0x57  # "W": first byte of the per-GTIN tweak block
_TAG_DOMAIN = 0x54  # "T": first byte of every tag block (tag key)
_TWEAK_CACHE_LIMIT = 4096


class UnknownKeyId(NotFound):
    """A serial names a key id the key ring does not hold."""

    code = "unknown_key_id"

    def __init__(self, key_id: int) -> None:
        super().__init__(f"unknown code key id {key_id}", detail={"key_id": key_id})
        self.key_id = key_id


class KeyRingFull(Conflict):
    """All 32 key ids are in use, so the key ring cannot rotate again."""

    code = "key_ring_full"

    def __init__(self) -> None:
        super().__init__(f"the key ring already holds {MAX_KEY_IDS} keys; it cannot rotate")


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class KeyMaterial:
    """AES contexts and Feistel round tables derived from one secret; built lazily, cached.

    Cipher contexts are kept per thread because an OpenSSL context must not be used by
    two threads at once; ECB keeps no state between ``update`` calls, so reuse is safe.
    """

    __slots__ = (
        "_feistel_key",
        "_local",
        "_lock",
        "_prefixes",
        "_tables",
        "_tag_key",
        "_tweaks",
        "_views",
        "key_id",
    )

    def __init__(self, key_id: int, secret: bytes) -> None:
        self.key_id = key_id
        self._feistel_key = _derive(secret, _INFO_FEISTEL)
        self._tag_key = _derive(secret, _INFO_TAG)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._tables: np.ndarray[Any, np.dtype[np.uint32]] | None = None
        self._views: tuple[memoryview, ...] = ()
        self._tweaks: dict[int, int] = {}
        self._prefixes: dict[int, bytes] = {}

    def __repr__(self) -> str:
        return f"KeyMaterial(key_id={self.key_id})"

    def tag_encrypt(self, data: bytes | memoryview) -> bytes:
        """AES-ECB encrypt whole 16-byte blocks under the tag key."""
        ctx = getattr(self._local, "tag", None)
        if ctx is None:
            ctx = Cipher(algorithms.AES(self._tag_key), modes.ECB()).encryptor()
            self._local.tag = ctx
        out: bytes = ctx.update(data)
        return out

    def feistel_encrypt(self, data: bytes | memoryview) -> bytes:
        """AES-ECB encrypt whole 16-byte blocks under the permutation key."""
        ctx = getattr(self._local, "feistel", None)
        if ctx is None:
            ctx = Cipher(algorithms.AES(self._feistel_key), modes.ECB()).encryptor()
            self._local.feistel = ctx
        out: bytes = ctx.update(data)
        return out

    def round_tables(self) -> np.ndarray[Any, np.dtype[np.uint32]]:
        """The ``FEISTEL_ROUNDS`` x 2^20 round-function tables (32 MB), built on first use."""
        tables = self._tables
        if tables is None:
            with self._lock:
                if self._tables is None:  # pragma: no branch - lost race: already built
                    built = self._build_tables()
                    self._views = tuple(memoryview(row) for row in built)
                    self._tables = built
                tables = self._tables
        return tables

    def round_views(self) -> tuple[memoryview, ...]:
        """The round tables as memoryviews: indexing one gives a Python int in ~30 ns."""
        if not self._views:
            self.round_tables()
        return self._views

    def _build_tables(self) -> np.ndarray[Any, np.dtype[np.uint32]]:
        # F_i(x) = top 20 bits of AES(Kf, [0x46, i, x as 3 bytes, 0...]). Built in slices of
        # 2^16 entries so the transient buffers stay ~2 MB instead of ~100 MB.
        tables = np.empty((FEISTEL_ROUNDS, 1 << HALF_BITS), dtype=np.uint32)
        step = 1 << 16
        blocks = np.zeros((step, 16), dtype=np.uint8)
        blocks[:, 0] = _ROUND_DOMAIN
        for start in range(0, 1 << HALF_BITS, step):
            xs = np.arange(start, start + step, dtype=np.uint32)
            blocks[:, 2] = xs >> 16
            blocks[:, 3] = (xs >> 8) & 0xFF
            blocks[:, 4] = xs & 0xFF
            for i in range(FEISTEL_ROUNDS):
                blocks[:, 1] = i
                out = np.frombuffer(self.feistel_encrypt(blocks.data), dtype=np.uint8).reshape(
                    -1, 16
                )
                top = out[:, :4].copy().view(">u4").ravel()
                tables[i, start : start + step] = top >> (32 - HALF_BITS)
        return tables

    def tag_prefix(self, gtin: int, level_byte: int) -> bytes:
        """The first 9 bytes of every tag block for one GTIN and level (cached, bounded)."""
        key = (gtin << 8) | level_byte
        found = self._prefixes.get(key)
        if found is None:
            found = ((_TAG_DOMAIN << 64) | (self.key_id << 56) | key).to_bytes(9, "big")
            if len(self._prefixes) >= _TWEAK_CACHE_LIMIT:
                self._prefixes.clear()
            self._prefixes[key] = found
        return found

    def tweak(self, gtin: int) -> int:
        """A 40-bit per-GTIN value XORed into the counter, so GTINs do not share bodies."""
        found = self._tweaks.get(gtin)
        if found is None:
            block = ((_TWEAK_DOMAIN << 120) | (gtin << 64)).to_bytes(16, "big")
            found = int.from_bytes(self.feistel_encrypt(block)[:5], "big")
            if len(self._tweaks) >= _TWEAK_CACHE_LIMIT:
                self._tweaks.clear()
            self._tweaks[gtin] = found
        return found


class KeyRing:
    """An enterprise's code secrets by key id (0..31); new codes use ``current_key_id``.

    Old key ids stay in the ring so codes issued under them still verify. The repr
    never shows a secret.
    """

    __slots__ = ("_current", "_lock", "_material", "_secrets")

    def __init__(self, secrets: Mapping[int, bytes], current_key_id: int | None = None) -> None:
        if not secrets:
            raise InvalidInput("a key ring needs at least one key")
        for key_id, secret in secrets.items():
            if not 0 <= key_id < MAX_KEY_IDS:
                raise InvalidInput(f"key id {key_id} is outside 0..{MAX_KEY_IDS - 1}")
            if len(secret) != SECRET_BYTES:
                raise InvalidInput(f"key {key_id} must be {SECRET_BYTES} bytes")
        current = max(secrets) if current_key_id is None else current_key_id
        if current not in secrets:
            raise InvalidInput(f"current key id {current} is not in the key ring")
        self._secrets: dict[int, bytes] = {k: bytes(v) for k, v in sorted(secrets.items())}
        self._current = current
        self._material: dict[int, KeyMaterial] = {}
        self._lock = threading.Lock()

    @classmethod
    def generate(cls) -> KeyRing:
        """A new key ring holding one random key with id 0."""
        return cls({0: _secrets.token_bytes(SECRET_BYTES)})

    def rotated(self) -> KeyRing:
        """A copy with one more random key, which becomes current; old keys keep verifying."""
        if len(self._secrets) >= MAX_KEY_IDS:
            raise KeyRingFull
        # Prefer a fresh id above every used one; ids are only reused after a gap was left.
        free = [i for i in range(MAX_KEY_IDS) if i not in self._secrets]
        new_id = next((i for i in free if i > max(self._secrets)), free[0])
        return KeyRing({**self._secrets, new_id: _secrets.token_bytes(SECRET_BYTES)}, new_id)

    @property
    def current_key_id(self) -> int:
        """The key id new codes are issued under."""
        return self._current

    @property
    def key_ids(self) -> tuple[int, ...]:
        """All key ids held, ascending."""
        return tuple(self._secrets)

    def secret(self, key_id: int) -> bytes:
        """The raw secret for ``key_id``: only for storing the ring; never log it."""
        try:
            return self._secrets[key_id]
        except KeyError:
            raise UnknownKeyId(key_id) from None

    def material(self, key_id: int) -> KeyMaterial:
        """The cached derived material of ``key_id``; raises ``UnknownKeyId``."""
        found = self.find_material(key_id)
        if found is None:
            raise UnknownKeyId(key_id)
        return found

    def find_material(self, key_id: int) -> KeyMaterial | None:
        """The cached derived material of ``key_id``, or ``None`` when it is not held."""
        found = self._material.get(key_id)
        if found is None:
            secret = self._secrets.get(key_id)
            if secret is None:
                return None
            with self._lock:
                found = self._material.setdefault(key_id, KeyMaterial(key_id, secret))
        return found

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._secrets

    def __iter__(self) -> Iterator[int]:
        return iter(self._secrets)

    def __len__(self) -> int:
        return len(self._secrets)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeyRing):
            return NotImplemented
        return (
            self._current == other._current
            and self._secrets.keys() == other._secrets.keys()
            and all(hmac.compare_digest(v, other._secrets[k]) for k, v in self._secrets.items())
        )

    __hash__ = None  # type: ignore[assignment]  # mutable caches inside; equality is by value

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={self.key_ids}, current_key_id={self._current})"
