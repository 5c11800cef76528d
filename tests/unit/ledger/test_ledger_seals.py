"""Signed seals and signing keys (QBT-11.4(a), GEN-23)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import stat
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from suyuan.errors import InvalidInput
from suyuan.ledger import (
    InvalidKey,
    InvalidLedgerDocument,
    Seal,
    format_timestamp,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    public_pem_of,
    save_pem,
    seal_message,
    sign_seal,
    verify_seal,
)

HEAD, ROOT = hashlib.sha256(b"head").digest(), hashlib.sha256(b"root").digest()


def make_seal(private_pem: bytes, **overrides: Any) -> Seal:
    fields: dict[str, Any] = {
        "tenant_id": "acme",
        "first_seq": 1,
        "last_seq": 100,
        "chain_head": HEAD,
        "merkle_root": ROOT,
        "sealed_at": "2026-03-01T08:00:00Z",
    }
    return sign_seal(**(fields | overrides), private_key=private_pem)


def test_seal_signed_by_the_tenant_key_verifies(keypair: tuple[bytes, bytes]) -> None:
    """QBT-11.4(a): a fresh seal verifies with the public key and names its key id."""
    private_pem, public_pem = keypair
    seal = make_seal(private_pem)
    assert seal.key_id == key_id(public_pem)
    assert verify_seal(seal, public_pem)


@pytest.mark.parametrize(
    ("field", "value"),
    [("tenant_id", "acmf"), ("first_seq", 2), ("last_seq", 101), ("chain_head", ROOT),
     ("merkle_root", HEAD), ("sealed_at", "2026-03-01T08:00:01Z"),
     ("key_id", "0123456789abcdef"), ("signature", bytes(64))],
)  # fmt: skip
def test_changing_any_seal_field_breaks_the_signature(
    keypair: tuple[bytes, bytes], field: str, value: Any
) -> None:
    """QBT-11.4(a), GEN-23: every field is covered by the signature."""
    private_pem, public_pem = keypair
    forged = dataclasses.replace(make_seal(private_pem), **{field: value})
    assert not verify_seal(forged, public_pem)


def test_another_key_does_not_verify_the_seal(
    keypair: tuple[bytes, bytes], other_keypair: tuple[bytes, bytes]
) -> None:
    """QBT-11.4(a): only the tenant's key; a re-signed seal names a different key id."""
    seal = make_seal(keypair[0])
    assert not verify_seal(seal, other_keypair[1])
    resigned = make_seal(other_keypair[0])
    assert not verify_seal(resigned, keypair[1])
    assert verify_seal(resigned, other_keypair[1])


def test_seal_message_is_the_documented_version_1_layout(keypair: tuple[bytes, bytes]) -> None:
    """GEN-23: anyone can rebuild the signed bytes from the JSON form."""
    seal = make_seal(keypair[0])
    kid = seal.key_id.encode()
    expected = (
        b"suyuan-seal\x00\x01"
        + b"\x00\x04acme"
        + struct.pack(">QQ", 1, 100)
        + HEAD
        + ROOT
        + b"\x00\x142026-03-01T08:00:00Z"
        + b"\x00\x10"
        + kid
    )
    assert seal.message() == expected
    fields = {f: getattr(seal, f) for f in ("tenant_id", "first_seq", "last_seq")}
    assert seal_message(**fields, chain_head=HEAD, merkle_root=ROOT,
                        sealed_at=seal.sealed_at, key_id=seal.key_id) == expected  # fmt: skip


def test_seal_json_round_trips_with_hex_and_base64(keypair: tuple[bytes, bytes]) -> None:
    """GEN-23: seals travel as JSON (hex hashes, base64 signature) and still verify."""
    seal = make_seal(keypair[0])
    data = json.loads(json.dumps(seal.to_json()))
    assert data["chain_head"] == HEAD.hex()
    assert len(data["signature"]) == 88
    assert Seal.from_json(data) == seal
    assert verify_seal(Seal.from_json(data), keypair[1])


@pytest.mark.parametrize(
    "change",
    [{"version": 2}, {"first_seq": "1"}, {"first_seq": True}, {"chain_head": "zz"},
     {"signature": "***"}, {"sealed_at": "2026-03-01 08:00:00"}, {"last_seq": 0},
     {"key_id": "ABCDEF0123456789"}],
)  # fmt: skip
def test_malformed_seal_json_is_refused(
    keypair: tuple[bytes, bytes], change: dict[str, object]
) -> None:
    """GEN-23: a malformed document raises rather than verifying as something else."""
    data = make_seal(keypair[0]).to_json() | change
    with pytest.raises(InvalidLedgerDocument):
        Seal.from_json(data)
    with pytest.raises(InvalidLedgerDocument):
        Seal.from_json({k: v for k, v in data.items() if k != "tenant_id"})


def test_sign_seal_refuses_bad_timestamps_and_ranges(keypair: tuple[bytes, bytes]) -> None:
    """QBT-11.4(a): only ISO 8601 UTC with Z, and first_seq <= last_seq."""
    with pytest.raises(InvalidLedgerDocument):
        make_seal(keypair[0], sealed_at="2026-03-01T08:00:00+08:00")
    with pytest.raises(InvalidLedgerDocument):
        make_seal(keypair[0], first_seq=5, last_seq=4)
    with pytest.raises(InvalidLedgerDocument):
        make_seal(keypair[0], chain_head=b"short")


def test_format_timestamp_gives_the_utc_z_form() -> None:
    """QBT-11.4(a): callers turn aware datetimes into the one accepted spelling."""
    moment = datetime(2026, 3, 1, 16, 0, tzinfo=timezone(timedelta(hours=8)))
    assert format_timestamp(moment) == "2026-03-01T08:00:00Z"
    assert format_timestamp(datetime(2026, 3, 1, 8, 0, 0, 5, tzinfo=UTC)).endswith(".000005Z")
    with pytest.raises(InvalidInput):
        format_timestamp(datetime(2026, 3, 1))


def test_key_id_is_16_hex_of_sha256_of_the_raw_public_key(keypair: tuple[bytes, bytes]) -> None:
    """QBT-11.4(a): key ids can be recomputed from the public key alone."""
    public = load_public_key_from_pem(keypair[1])
    assert key_id(keypair[1]) == hashlib.sha256(public).hexdigest()[:16]
    assert public_pem_of(keypair[0]) == keypair[1]


def load_public_key_from_pem(pem: bytes) -> bytes:
    key = serialization.load_pem_public_key(pem)
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_key_files_are_written_owner_only_and_not_overwritten(tmp_path: Path) -> None:
    """QBT-11.4(a): private keys are saved 0600 and an existing key is never clobbered."""
    private_pem, public_pem = generate_keypair()
    private_path, public_path = tmp_path / "tenant.key", tmp_path / "tenant.pub"
    save_pem(private_path, private_pem)
    save_pem(public_path, public_pem)
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert key_id(load_public_key(public_path)) == key_id(
        load_private_key(private_path).public_key()
    )
    with pytest.raises(FileExistsError):
        save_pem(private_path, b"other")
    private_path.chmod(0o644)
    save_pem(private_path, private_pem, overwrite=True)
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600


def test_non_ed25519_or_garbage_keys_are_refused(tmp_path: Path) -> None:
    """QBT-11.4(a): a wrong kind of key is an input error, not a silent failure."""
    path = tmp_path / "junk.pem"
    path.write_bytes(b"not a key")
    with pytest.raises(InvalidKey):
        load_private_key(path)
    with pytest.raises(InvalidKey):
        load_public_key(path)
