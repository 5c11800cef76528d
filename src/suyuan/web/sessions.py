"""Signed console session cookies (HMAC-SHA256; the secret lives in the key directory)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from pathlib import Path

import orjson

COOKIE = "sy_session"
LIFETIME = 8 * 3600


def session_secret(key_dir: Path) -> bytes:
    """The console's signing secret, created on first use (file mode 0600)."""
    path = Path(key_dir) / "web" / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def issue(secret: bytes, user_id: int, *, now: float | None = None) -> str:
    """A cookie value naming ``user_id``, valid for ``LIFETIME`` seconds."""
    payload = (
        base64.urlsafe_b64encode(
            orjson.dumps({"u": user_id, "e": int((now or time.time()) + LIFETIME)})
        )
        .decode()
        .rstrip("=")
    )
    return f"{payload}.{_sign(secret, payload)}"


def read(secret: bytes, value: str | None, *, now: float | None = None) -> int | None:
    """The user id in a valid, unexpired cookie, else ``None``."""
    if not value or "." not in value:
        return None
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(secret, payload)):
        return None
    try:
        data = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        user_id, expires = int(data["u"]), int(data["e"])
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None
    return user_id if expires > (now or time.time()) else None


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
