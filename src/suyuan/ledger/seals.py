"""Signed seals: a tenant's chain head and Merkle root over a sequence range.

Signed message, version 1 (all integers big-endian; ``str`` = u16 length + UTF-8)::

    b"suyuan-seal\\x00" || u8(1)
    || str(tenant_id) || u64(first_seq) || u64(last_seq)
    || chain_head (32 bytes) || merkle_root (32 bytes)
    || str(sealed_at) || str(key_id)

``merkle_root`` is the RFC 6962 root over the event hashes (``event_hash_bytes``) of
seqs ``first_seq..last_seq``; ``chain_head`` is the chain link at ``last_seq``. The
signature is Ed25519 over that message. JSON carries the hashes in hex and the
signature in base64.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature

from suyuan.errors import InvalidInput
from suyuan.ledger.keys import PrivateKeyLike, PublicKeyLike, key_id, private_key_from
from suyuan.ledger.keys import public_key_from as _public_key_from

SEAL_MAGIC = b"suyuan-seal\x00"
SEAL_VERSION = 1
_HASH = 32
_SIGNATURE = 64
_U64 = struct.Struct(">Q")
_U16 = struct.Struct(">H")
# Second precision or finer, always UTC, always "Z": one spelling per instant keeps
# the signed bytes reproducible from the JSON form.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z\Z")
_KEY_ID = re.compile(r"[0-9a-f]{16}\Z")
_T = TypeVar("_T")


class InvalidLedgerDocument(InvalidInput):
    """A seal or proof document is malformed (not merely unverifiable)."""

    code = "invalid_ledger_document"


def format_timestamp(moment: datetime) -> str:
    """Return ``moment`` as the ISO 8601 UTC form seals use (``...T...Z``)."""
    if moment.tzinfo is None:
        raise InvalidInput("timestamp must be timezone-aware", detail={"value": str(moment)})
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Seal:
    """A signed statement: tenant's rows first_seq..last_seq have this head and root."""

    tenant_id: str
    first_seq: int
    last_seq: int
    chain_head: bytes
    merkle_root: bytes
    sealed_at: str
    key_id: str
    signature: bytes

    def __post_init__(self) -> None:
        """Reject seals that could not have been produced by ``sign_seal``."""
        _check_fields(
            self.tenant_id, self.first_seq, self.last_seq, self.chain_head, self.merkle_root
        )
        _check_text("sealed_at", self.sealed_at, _TIMESTAMP)
        _check_text("key_id", self.key_id, _KEY_ID)
        if len(self.signature) != _SIGNATURE:
            raise InvalidLedgerDocument("seal signature must be 64 bytes")

    @property
    def size(self) -> int:
        """Number of events the seal covers (its Merkle tree size)."""
        return self.last_seq - self.first_seq + 1

    def message(self) -> bytes:
        """Return the canonical bytes that the signature covers."""
        return seal_message(
            tenant_id=self.tenant_id,
            first_seq=self.first_seq,
            last_seq=self.last_seq,
            chain_head=self.chain_head,
            merkle_root=self.merkle_root,
            sealed_at=self.sealed_at,
            key_id=self.key_id,
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (hashes in hex, signature in base64)."""
        return {
            "version": SEAL_VERSION,
            "tenant_id": self.tenant_id,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "chain_head": self.chain_head.hex(),
            "merkle_root": self.merkle_root.hex(),
            "sealed_at": self.sealed_at,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Any) -> Seal:
        """Parse ``to_json`` output; raise ``InvalidLedgerDocument`` if malformed."""
        try:
            if data["version"] != SEAL_VERSION:
                raise InvalidLedgerDocument(f"unsupported seal version {data['version']!r}")
            return cls(
                tenant_id=_typed(data["tenant_id"], str),
                first_seq=_typed(data["first_seq"], int),
                last_seq=_typed(data["last_seq"], int),
                chain_head=bytes.fromhex(_typed(data["chain_head"], str)),
                merkle_root=bytes.fromhex(_typed(data["merkle_root"], str)),
                sealed_at=_typed(data["sealed_at"], str),
                key_id=_typed(data["key_id"], str),
                signature=base64.b64decode(_typed(data["signature"], str), validate=True),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise InvalidLedgerDocument(f"malformed seal: {exc}") from exc


def seal_message(
    *,
    tenant_id: str,
    first_seq: int,
    last_seq: int,
    chain_head: bytes,
    merkle_root: bytes,
    sealed_at: str,
    key_id: str,
) -> bytes:
    """Return the version-1 canonical encoding of a seal's fields (see module docstring)."""
    _check_fields(tenant_id, first_seq, last_seq, chain_head, merkle_root)
    return b"".join(
        [
            SEAL_MAGIC,
            bytes([SEAL_VERSION]),
            _text(tenant_id),
            _U64.pack(first_seq),
            _U64.pack(last_seq),
            chain_head,
            merkle_root,
            _text(sealed_at),
            _text(key_id),
        ]
    )


def sign_seal(
    *,
    tenant_id: str,
    first_seq: int,
    last_seq: int,
    chain_head: bytes,
    merkle_root: bytes,
    sealed_at: str,
    private_key: PrivateKeyLike,
) -> Seal:
    """Sign a seal with the tenant's Ed25519 key; ``sealed_at`` comes from the caller."""
    private = private_key_from(private_key)
    kid = key_id(private.public_key())
    _check_text("sealed_at", sealed_at, _TIMESTAMP)
    message = seal_message(
        tenant_id=tenant_id,
        first_seq=first_seq,
        last_seq=last_seq,
        chain_head=chain_head,
        merkle_root=merkle_root,
        sealed_at=sealed_at,
        key_id=kid,
    )
    return Seal(
        tenant_id=tenant_id,
        first_seq=first_seq,
        last_seq=last_seq,
        chain_head=chain_head,
        merkle_root=merkle_root,
        sealed_at=sealed_at,
        key_id=kid,
        signature=private.sign(message),
    )


def verify_seal(seal: Seal, public_key: PublicKeyLike) -> bool:
    """Return whether ``seal`` was signed by ``public_key`` and names that key's id."""
    public = _public_key_from(public_key)
    if key_id(public) != seal.key_id:
        return False
    try:
        public.verify(seal.signature, seal.message())
    except InvalidSignature:
        return False
    return True


def _check_fields(
    tenant_id: str, first_seq: int, last_seq: int, chain_head: bytes, merkle_root: bytes
) -> None:
    if not tenant_id:
        raise InvalidLedgerDocument("seal tenant id must not be empty")
    if not 1 <= first_seq <= last_seq < 2**64:
        raise InvalidLedgerDocument(f"bad seal range {first_seq}..{last_seq}")
    if len(chain_head) != _HASH or len(merkle_root) != _HASH:
        raise InvalidLedgerDocument("seal chain head and Merkle root must be 32 bytes")


def _check_text(field: str, value: str, pattern: re.Pattern[str]) -> None:
    if not pattern.match(value):
        raise InvalidLedgerDocument(f"bad seal {field} {value!r}")


def _text(value: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise InvalidLedgerDocument("seal text field longer than 65535 bytes")
    return _U16.pack(len(raw)) + raw


def _typed(value: Any, kind: type[_T]) -> _T:
    # bool is an int subclass; a JSON true must not pass as a sequence number.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
