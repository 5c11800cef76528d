"""Alert rule settings per tenant and webhook delivery (GEN-12, GEN-16).

The alerts themselves live in :mod:`suyuan.storage.public_tables` (the consumer side
writes them too); these tables are written by the enterprise side only.
"""

from __future__ import annotations

import sqlalchemy as sa

from suyuan.storage.tables import BigId, Json, UtcDateTime, metadata

alert_rules = sa.Table(
    "alert_rules",
    metadata,
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
    # Only what the tenant changed from the defaults (suyuan.domain.alert_settings).
    sa.Column("settings", Json, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    # NULL: a platform webhook (regulator) that receives every tenant's alerts.
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), index=True),
    sa.Column("url", sa.String(1024), nullable=False),
    sa.Column("secret", sa.String(255), nullable=False),
    # Rule names (or "*") whose alerts this hook receives.
    sa.Column("events", Json, nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("max_attempts", sa.Integer(), nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId),
    sa.Column("webhook_id", BigId, sa.ForeignKey("webhooks.id"), nullable=False, index=True),
    sa.Column("alert_id", BigId, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", Json, nullable=False),
    # pending → delivered, or failed after max_attempts.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime()),
    sa.Column("last_status_code", sa.Integer()),
    sa.Column("last_error", sa.Text()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("delivered_at", UtcDateTime()),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("delivery_id", BigId, sa.ForeignKey("webhook_deliveries.id"), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("status_code", sa.Integer()),
    sa.Column("error", sa.Text()),
    sa.Column("duration_ms", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime()),
    sa.Index("ix_webhook_attempts_delivery", "delivery_id", "attempt"),
)

alert_watermarks = sa.Table(
    "alert_watermarks",
    metadata,
    # What the rule engine has read of an append-only source (e.g. "scan_log": last id).
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("last_id", sa.BigInteger(), nullable=False),
)
