"""A small file-backed key store: one JSON file per enterprise key ring, mode 0600.

Written atomically (temporary file, fsync, rename) so a crash during rotation never
leaves a half-written ring that would make issued codes unverifiable.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

from suyuan.codes.keys import KeyRing
from suyuan.errors import Conflict, InvalidInput

logger = logging.getLogger(__name__)

_FORMAT = "suyuan-code-keyring"
_VERSION = 1


def keyring_to_json(keyring: KeyRing) -> bytes:
    """Serialise a key ring, secrets included (base64): store the result as a secret."""
    keys = {str(k): base64.b64encode(keyring.secret(k)).decode("ascii") for k in keyring}
    doc = {"format": _FORMAT, "version": _VERSION, "current": keyring.current_key_id, "keys": keys}
    return json.dumps(doc, indent=2).encode("utf-8") + b"\n"


def keyring_from_json(data: bytes | str) -> KeyRing:
    """Parse what ``keyring_to_json`` wrote; raises ``InvalidInput`` on anything else."""
    try:
        doc = json.loads(data)
        if doc.get("format") != _FORMAT or doc.get("version") != _VERSION:
            raise InvalidInput("not a suyuan code key ring (format/version)")
        secrets = {
            int(k): base64.b64decode(v.encode("ascii"), validate=True)
            for k, v in doc["keys"].items()
        }
        return KeyRing(secrets, int(doc["current"]))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        # The message never echoes the input: it holds secrets.
        raise InvalidInput(f"malformed key ring ({type(exc).__name__})") from None


def load_keyring(path: str | os.PathLike[str]) -> KeyRing:
    """Read a key ring file; warns when group or others may read it."""
    file = Path(path)
    mode = file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("key ring %s is readable by group/others (mode %o)", file, mode & 0o777)
    return keyring_from_json(file.read_bytes())


def save_keyring(path: str | os.PathLike[str], keyring: KeyRing) -> None:
    """Atomically replace ``path`` with ``keyring``, mode 0600."""
    file = Path(path)
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(keyring_to_json(keyring))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, file)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_keyring(path: str | os.PathLike[str]) -> KeyRing:
    """Create a new key ring file; refuses to overwrite one (that would orphan codes)."""
    file = Path(path)
    if file.exists():
        raise Conflict(f"key ring {file} already exists", detail={"path": str(file)})
    keyring = KeyRing.generate()
    save_keyring(file, keyring)
    logger.info("created code key ring %s (key id 0)", file)
    return keyring


def rotate(path: str | os.PathLike[str]) -> KeyRing:
    """Add a new current key to the ring in ``path``; old codes keep verifying."""
    keyring = load_keyring(path).rotated()
    save_keyring(path, keyring)
    logger.info("rotated code key ring %s to key id %d", path, keyring.current_key_id)
    return keyring


def describe(keyring: KeyRing) -> dict[str, Any]:
    """Secret-free facts about a key ring, for logs and ``--json`` output."""
    return {"key_ids": list(keyring.key_ids), "current_key_id": keyring.current_key_id}
