"""Settings, read once from ``SUYUAN_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything suyuan can be configured with; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="SUYUAN_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///suyuan.db",
        description="SQLAlchemy URL: sqlite:///file.db or postgresql://user@host/db.",
    )
    key_dir: Path = Field(
        default=Path("keys"),
        description="Directory holding secret key material (code tag keys, ledger signing keys).",
    )
    resolver_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public base URL of the resolver; printed into every QR code.",
    )
    max_capture_bytes: int = Field(
        default=1 << 30, description="Largest EPCIS document accepted by capture, in bytes."
    )
    max_request_bytes: int = Field(
        default=64 << 20, description="Largest HTTP request body accepted by the API, in bytes."
    )
    seal_every: int = Field(
        default=10_000, description="Seal the ledger chain head after this many new events."
    )
    public_database_url: str | None = Field(
        default=None,
        description="Read-only URL used by `suyuan serve --public` (defaults to database_url).",
    )
    public_feedback_url: str | None = Field(
        default=None,
        description="Where `suyuan serve --public` writes checks and complaints: defaults to "
        "public_database_url on PostgreSQL, or a '-feedback' file next to a SQLite public file.",
    )
    scan_alert_checks: int = Field(
        default=10, description="A code checked this many times is shown as suspicious (GEN-15)."
    )
    scan_alert_places: int = Field(
        default=3, description="A code checked from more than this many places is suspicious."
    )
    scan_flush_seconds: float = Field(
        default=0.25, description="How long the resolver buffers check records before writing."
    )
    public_salt: str = Field(
        default="suyuan-public",
        description="Salt for the client-address hash used to rate-limit complaints.",
    )

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver selected for PostgreSQL."""
        return normalise_database_url(self.database_url)


def normalise_database_url(url: str) -> str:
    """Select psycopg 3 for ``postgresql://`` URLs; leave others alone."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
