"""Key rings and the file key store: rotation, 0600 files, secrets never shown (QBT-7.3(a))."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from suyuan.codes import keystore
from suyuan.codes.keys import MAX_KEY_IDS, KeyRing, KeyRingFull, UnknownKeyId
from suyuan.errors import Conflict, InvalidInput


def test_repr_and_description_never_show_secrets() -> None:
    """Secrets stay out of logs and tracebacks."""
    ring = KeyRing.generate()
    secret = ring.secret(0)
    for text in (repr(ring), str(ring), repr(ring.material(0)), str(keystore.describe(ring))):
        assert secret.hex() not in text
        assert "secret" not in text.lower()
    assert repr(ring) == "KeyRing(key_ids=(0,), current_key_id=0)"


def test_create_load_and_rotate_a_key_file(tmp_path: Path) -> None:
    """The file is 0600 JSON; rotation keeps old keys and makes the new one current."""
    path = tmp_path / "keys.json"
    created = keystore.create_keyring(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keystore.load_keyring(path) == created
    rotated = keystore.rotate(path)
    assert rotated.key_ids == (0, 1)
    assert rotated.current_key_id == 1
    assert rotated.secret(0) == created.secret(0)
    assert keystore.load_keyring(path) == rotated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    """Overwriting a ring would orphan every code issued under it."""
    path = tmp_path / "keys.json"
    keystore.create_keyring(path)
    with pytest.raises(Conflict):
        keystore.create_keyring(path)


def test_a_world_readable_key_file_loads_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Loose permissions are reported (mounted secrets are often 0644), not fatal."""
    path = tmp_path / "keys.json"
    keystore.create_keyring(path)
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        keystore.load_keyring(path)
    assert "readable by group/others" in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        b"not json",
        b'{"format": "other", "version": 1}',
        b'{"format": "suyuan-code-keyring", "version": 1, "current": 0, "keys": {"0": "!!"}}',
        b'{"format": "suyuan-code-keyring", "version": 1, "current": 0, "keys": {"0": "AAAA"}}',
        b'{"format": "suyuan-code-keyring", "version": 1, "current": 3, "keys": {}}',
    ],
)
def test_malformed_key_files_are_rejected_without_echoing_them(text: bytes) -> None:
    """The error message never contains the file's content."""
    with pytest.raises(InvalidInput) as info:
        keystore.keyring_from_json(text)
    assert "AAAA" not in str(info.value)


def test_a_ring_holds_at_most_32_keys() -> None:
    """The key id is one base32 character."""
    ring = KeyRing.generate()
    for _ in range(MAX_KEY_IDS - 1):
        ring = ring.rotated()
    assert ring.key_ids == tuple(range(MAX_KEY_IDS))
    with pytest.raises(KeyRingFull):
        ring.rotated()


def test_rotation_after_a_gap_uses_a_fresh_id_above_the_highest() -> None:
    """Ids are not reused while a higher one is free."""
    ring = KeyRing({0: bytes(32), 5: bytes(range(32))}, current_key_id=0)
    assert ring.rotated().current_key_id == 6
    full_top = KeyRing({31: bytes(32)})
    assert full_top.rotated().current_key_id == 0


@pytest.mark.parametrize(
    ("secrets", "current"),
    [({}, None), ({32: bytes(32)}, None), ({0: bytes(31)}, None), ({0: bytes(32)}, 1)],
)
def test_invalid_key_rings_are_rejected(secrets: dict[int, bytes], current: int | None) -> None:
    """Ids 0..31, 32-byte secrets, and a current id that exists."""
    with pytest.raises(InvalidInput):
        KeyRing(secrets, current)


def test_unknown_key_ids_raise_or_return_none() -> None:
    """``material`` raises, ``find_material`` returns ``None`` (STYLE naming)."""
    ring = KeyRing.generate()
    assert ring.find_material(3) is None
    assert 3 not in ring
    assert len(ring) == 1
    with pytest.raises(UnknownKeyId):
        ring.material(3)
    with pytest.raises(UnknownKeyId):
        ring.secret(3)


def test_equality_is_by_value() -> None:
    """Two rings with the same secrets are equal; rings are not hashable."""
    ring = KeyRing.generate()
    copy = keystore.keyring_from_json(keystore.keyring_to_json(ring))
    assert copy == ring
    assert ring != KeyRing.generate()
    assert ring != "ring"
    with pytest.raises(TypeError):
        hash(ring)


def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Atomic replace: a crash mid-rotation never leaves a half-written ring."""
    path = tmp_path / "keys.json"
    original = keystore.create_keyring(path)

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        keystore.rotate(path)
    monkeypatch.undo()
    assert keystore.load_keyring(path) == original
    assert list(tmp_path.iterdir()) == [path]


def test_the_per_gtin_caches_stay_bounded() -> None:
    """A resolver fed many GTINs cannot grow the cache without limit; values stay stable."""
    material = KeyRing.generate().material(0)
    first = material.tweak(1)
    prefix = material.tag_prefix(1, 1)
    for gtin in range(2, 4100):
        material.tweak(gtin)
        material.tag_prefix(gtin, 1)
    assert len(material._tweaks) <= 4096
    assert len(material._prefixes) <= 4096
    assert material.tweak(1) == first
    assert material.tag_prefix(1, 1) == prefix
