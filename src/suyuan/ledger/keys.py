"""Ed25519 signing keys for seals: generation, key ids and PEM files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from suyuan.errors import InvalidInput

#: A private key object or its PKCS#8 PEM bytes.
PrivateKeyLike = Ed25519PrivateKey | bytes
#: A public key object or its SubjectPublicKeyInfo PEM bytes.
PublicKeyLike = Ed25519PublicKey | bytes

_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class InvalidKey(InvalidInput):
    """A PEM document is not an Ed25519 key of the expected kind."""

    code = "invalid_key"


def generate_keypair() -> tuple[bytes, bytes]:
    """Return a new Ed25519 key pair as ``(private PKCS#8 PEM, public SPKI PEM)``."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private_pem, public_pem_of(private)


def private_key_from(key: PrivateKeyLike) -> Ed25519PrivateKey:
    """Return ``key`` as an Ed25519 private key object, parsing PEM bytes."""
    if isinstance(key, Ed25519PrivateKey):
        return key
    try:
        loaded = serialization.load_pem_private_key(key, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKey("not an unencrypted PEM private key") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise InvalidKey("private key is not Ed25519")
    return loaded


def public_key_from(key: PublicKeyLike) -> Ed25519PublicKey:
    """Return ``key`` as an Ed25519 public key object, parsing PEM bytes."""
    if isinstance(key, Ed25519PublicKey):
        return key
    try:
        loaded = serialization.load_pem_public_key(key)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKey("not a PEM public key") from exc
    if not isinstance(loaded, Ed25519PublicKey):
        raise InvalidKey("public key is not Ed25519")
    return loaded


def public_pem_of(private: PrivateKeyLike) -> bytes:
    """Return the SubjectPublicKeyInfo PEM of a private key's public half."""
    return (
        private_key_from(private)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def key_id(public_key: PublicKeyLike) -> str:
    """Return the key id: the first 16 hex digits of SHA-256 of the raw 32-byte key."""
    raw = public_key_from(public_key).public_bytes(*_RAW)
    return hashlib.sha256(raw).hexdigest()[:16]


def save_pem(path: Path, pem: bytes, *, overwrite: bool = False) -> None:
    """Write ``pem`` to ``path`` readable by its owner only (mode 0600).

    Refuses to replace an existing file unless ``overwrite``: losing a signing key
    makes every later seal unverifiable with the published public key.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        # The mode given to open() is ignored for an existing file and masked by the
        # umask for a new one, so set it explicitly.
        os.fchmod(handle.fileno(), 0o600)
        handle.write(pem)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an unencrypted PKCS#8 PEM Ed25519 private key from ``path``."""
    return private_key_from(Path(path).read_bytes())


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read a PEM Ed25519 public key from ``path``."""
    return public_key_from(Path(path).read_bytes())
