"""Per-tenant hash chain over stored TraceEvents (QBT-11.4(a)).

Byte layout (version 1)::

    link_0 = SHA-256(b"suyuan-ledger-v1" || UTF-8(tenant_id))
    link_n = SHA-256(link_{n-1} || u64be(seq_n) || event_hash_bytes_n || row_digest_n)

``event_hash_bytes`` is the UTF-8 of the event's canonical hash string (for example
``ni:///sha-256;<64 hex>?ver=CBV2.0``) or the raw bytes if the store keeps bytes.
Every other part has a fixed length (32, 8, ..., 32), so the variable-length event
hash is delimited by the total length and the encoding is unambiguous.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from typing import NamedTuple

from suyuan.errors import InvalidInput

LEDGER_DOMAIN = b"suyuan-ledger-v1"
DIGEST_SIZE = 32
_SEQ_MAX = 2**64 - 1
_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")


class ChainEntry(NamedTuple):
    """One chain input: what ``extend_chain`` hashes for a stored row."""

    seq: int
    event_hash: str | bytes
    content_digest: bytes


def event_hash_bytes(event_hash: str | bytes) -> bytes:
    """Return the bytes of an event hash as the chain and Merkle trees hash them."""
    return event_hash.encode("utf-8") if isinstance(event_hash, str) else bytes(event_hash)


def row_digest(*, event_id: str, content: bytes) -> bytes:
    """Digest of a stored row: SHA-256(u32be(len(id)) || UTF-8(event_id) || content).

    ``content`` is the stored event JSON exactly as stored. The event id is
    length-prefixed so that moving bytes between the id and the content changes the
    digest; covering the id means editing the id column is detected too.
    """
    raw_id = event_id.encode("utf-8")
    return hashlib.sha256(_U32.pack(len(raw_id)) + raw_id + content).digest()


def genesis(tenant_id: str) -> bytes:
    """Return link_0 of ``tenant_id``'s chain, so chains of different tenants never meet."""
    if not tenant_id:
        raise InvalidInput("tenant id must not be empty", detail={"field": "tenant_id"})
    return hashlib.sha256(LEDGER_DOMAIN + tenant_id.encode("utf-8")).digest()


def chain_link(prev: bytes, seq: int, event_hash: str | bytes, content_digest: bytes) -> bytes:
    """Return link_n from link_{n-1}, the row's sequence number, event hash and row digest."""
    _check_link_inputs(prev, seq, content_digest)
    return hashlib.sha256(
        prev + _U64.pack(seq) + event_hash_bytes(event_hash) + content_digest
    ).digest()


def extend_chain(
    prev: bytes, entries: Iterable[ChainEntry | tuple[int, str | bytes, bytes]]
) -> list[bytes]:
    """Return the links for ``entries`` appended after ``prev``, in order.

    Accepts any iterable of ``(seq, event_hash, content_digest)`` tuples, so the event
    store can feed rows straight from a bulk insert.
    """
    links: list[bytes] = []
    sha256 = hashlib.sha256
    pack = _U64.pack
    for seq, event_hash, content_digest in entries:
        _check_link_inputs(prev, seq, content_digest)
        raw = event_hash.encode("utf-8") if isinstance(event_hash, str) else event_hash
        prev = sha256(prev + pack(seq) + raw + content_digest).digest()
        links.append(prev)
    return links


def _check_link_inputs(prev: bytes, seq: int, content_digest: bytes) -> None:
    # Fixed lengths are what make the concatenation unambiguous, so they are enforced.
    if len(prev) != DIGEST_SIZE:
        raise InvalidInput("previous link must be 32 bytes", detail={"length": len(prev)})
    if len(content_digest) != DIGEST_SIZE:
        raise InvalidInput(
            "content digest must be 32 bytes", detail={"length": len(content_digest)}
        )
    if not 1 <= seq <= _SEQ_MAX:
        raise InvalidInput("sequence number must be 1 .. 2**64-1", detail={"seq": seq})
