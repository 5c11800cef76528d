"""The public projection (QBT-9(a), QBT-11.4(g)) and the consumer side's own writes (QBT-T14).

The public resolver reads only the ``public_*`` tables; they hold nothing but the items of
QB/T Table 15 (or a profile's public items) and what is needed to judge a code. The
consumer side writes only ``scan_log``, ``scan_counts``, ``complaints`` and ``alerts``.
On PostgreSQL the role ``suyuan_public`` is granted exactly these tables; on SQLite the
``public_*`` tables are exported to a separate file the public server opens read-only.
"""

from __future__ import annotations

import sqlalchemy as sa

from suyuan.storage.tables import BigId, Json, UtcDateTime, metadata

# --- published (read-only for the public side) ---------------------------------------------

public_products = sa.Table(
    "public_products",
    metadata,
    sa.Column("gtin", sa.String(14), primary_key=True),
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("profile", sa.String(32), nullable=False),
    # Category-level public items, item id → value (e.g. "T15.1": "52%vol 某某酒").
    sa.Column("items", Json, nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
)

public_lots = sa.Table(
    "public_lots",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("gtin", sa.String(14)),
    # Unit-level items that come from the batch (T15.5, T15.17, T15.18).
    sa.Column("items", Json, nullable=False),
    sa.Column("qc_passed", sa.Boolean()),
    sa.Column("published_at", UtcDateTime(), nullable=False),
)

public_units = sa.Table(
    "public_units",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("gtin", sa.String(14)),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("lot_key", sa.String(255)),
    # Public life-cycle state: active, sold, recalled, voided, destroyed, issued.
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("trace_code", sa.String(128)),
    sa.Column("published_at", UtcDateTime(), nullable=False),
)

public_packing = sa.Table(
    "public_packing",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("child", sa.String(128), nullable=False),
    sa.Column("parent", sa.String(128), nullable=False),
    sa.Column("from_at", UtcDateTime(), nullable=False),
    sa.Column("to_at", UtcDateTime()),
    sa.Index("ix_public_packing_child", "child", "from_at"),
    sa.Index("ix_public_packing_parent", "parent"),
)

public_flow = sa.Table(
    "public_flow",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("step", sa.String(32), nullable=False),
    sa.Column("place", sa.String(255)),
    sa.Column("shipper", sa.String(255)),
    sa.Column("receiver", sa.String(255)),
    sa.Column("source_event", BigId, nullable=False),
    sa.Index("ix_public_flow_key", "key", "at"),
    sa.UniqueConstraint("source_event", "key", name="uq_public_flow_event_key"),
)

public_tickets = sa.Table(
    "public_tickets",
    metadata,
    sa.Column("code", sa.String(128), primary_key=True),
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("profile", sa.String(32), nullable=False),
    sa.Column("items", Json, nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
)

public_watermarks = sa.Table(
    "public_watermarks",
    metadata,
    sa.Column("tenant_id", BigId, primary_key=True),
    sa.Column("last_event_pk", sa.BigInteger(), nullable=False),
)

PUBLISHED_TABLES = (
    public_products,
    public_lots,
    public_units,
    public_packing,
    public_flow,
    public_tickets,
)

# --- written by the consumer side ----------------------------------------------------------

scan_counts = sa.Table(
    "scan_counts",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Column("first_at", UtcDateTime(), nullable=False),
    sa.Column("first_place", sa.String(64), nullable=False),
    sa.Column("places", Json, nullable=False),
    sa.Column("last_at", UtcDateTime(), nullable=False),
)

scan_log = sa.Table(
    "scan_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(128)),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("place", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Index("ix_scan_log_key", "key", "at"),
)

complaints = sa.Table(
    "complaints",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId),
    sa.Column("key", sa.String(128)),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("place", sa.String(64), nullable=False),
    sa.Column("name", sa.String(64)),
    sa.Column("contact", sa.String(128), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    sa.Column("client", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Index("ix_complaints_client_at", "client", "at"),
    sa.Index("ix_complaints_tenant_at", "tenant_id", "at"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("object", sa.String(255)),
    sa.Column("detail", Json, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # De-duplication: one open alert per rule and object within a window (services.alerts).
    sa.Column("fingerprint", sa.String(64)),
    sa.Column("acknowledged_at", UtcDateTime()),
    sa.Column("acknowledged_by", sa.String(128)),
    sa.Column("closed_at", UtcDateTime()),
    sa.Column("closed_by", sa.String(128)),
    sa.Column("note", sa.Text()),
    sa.Index("ix_alerts_tenant_at", "tenant_id", "at"),
    sa.Index("ix_alerts_fingerprint", "fingerprint", "at"),
)

FEEDBACK_TABLES = (scan_counts, scan_log, complaints, alerts)
