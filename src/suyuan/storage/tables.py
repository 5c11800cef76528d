"""The schema: SQLAlchemy 2 Core metadata, portable across SQLite and PostgreSQL.

Every table that grows with traffic carries ``tenant_id`` (the enterprise) first in
its keys, so the schema can later be distributed by tenant without change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; suyuan stores UTC-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", UtcDateTime(), nullable=False)


# --- tenants, people, access -------------------------------------------------------------

enterprises = sa.Table(
    "enterprises",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("gs1_company_prefix", sa.String(12)),
    sa.Column("idis_prefix", sa.String(64), unique=True),
    sa.Column("address", sa.String(255)),
    sa.Column("region", sa.String(128)),
    sa.Column("licence", sa.String(64)),
    sa.Column("phone", sa.String(64)),
    sa.Column("website", sa.String(255)),
    sa.Column("profile", sa.String(32), nullable=False, server_default="baijiu"),
    _created(),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), index=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(255)),
    sa.Column("roles", sa.String(255), nullable=False),
    sa.Column("password_hash", sa.String(255)),
    sa.Column("active", sa.Boolean(), nullable=False),
    _created(),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    _created(),
    sa.Column("expires_at", UtcDateTime()),
    sa.Column("revoked_at", UtcDateTime()),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, index=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("request_id", sa.String(64)),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("object_type", sa.String(64), nullable=False),
    sa.Column("object_id", sa.String(255)),
    sa.Column("detail", Json),
)

# --- master data ---------------------------------------------------------------------------

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False, index=True),
    sa.Column("gtin", sa.String(14), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("packaging", Json, nullable=False),
    sa.Column("attributes", Json, nullable=False),
    _created(),
)

locations = sa.Table(
    "locations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("gln", sa.String(13)),
    sa.Column("uri", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("address", sa.String(255)),
    sa.Column("region", sa.String(128)),
    _created(),
    sa.UniqueConstraint("tenant_id", "uri", name="uq_locations_tenant_uri"),
)

# --- codes -----------------------------------------------------------------------------------

code_counters = sa.Table(
    "code_counters",
    metadata,
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
    sa.Column("domain", sa.String(64), primary_key=True),
    sa.Column("next_value", sa.BigInteger(), nullable=False),
)

code_blocks = sa.Table(
    "code_blocks",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False, index=True),
    sa.Column("gtin", sa.String(14), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("scheme", sa.String(16), nullable=False),
    sa.Column("key_id", sa.Integer()),
    sa.Column("domain", sa.String(64), nullable=False),
    sa.Column("start_counter", sa.BigInteger(), nullable=False),
    sa.Column("count", sa.BigInteger(), nullable=False),
    sa.Column("first_code", sa.String(128), nullable=False),
    sa.Column("issued_by", sa.String(128), nullable=False),
    _created(),
    sa.Index("ix_code_blocks_domain_range", "domain", "start_counter"),
)

code_destructions = sa.Table(
    "code_destructions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("block_id", BigId, sa.ForeignKey("code_blocks.id"), index=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Column("codes", Json, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    _created(),
)

# --- units: one row per code once it has a life (commissioned, voided, ...) -----------------

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("key", sa.String(128), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("gtin", sa.String(14)),
    sa.Column("serial", sa.String(32)),
    sa.Column("level", sa.String(16)),
    sa.Column("block_id", BigId),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("disposition", sa.String(64)),
    sa.Column("lot_id", BigId, index=True),
    sa.Column("parent_id", BigId, index=True),
    sa.Column("holder_id", BigId),
    sa.Column("location", sa.String(255)),
    sa.Column("last_event_id", BigId),
    sa.Column("state_time", UtcDateTime()),
    sa.Column("reason", sa.Text()),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# --- event store -------------------------------------------------------------------------

captures = sa.Table(
    "captures",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("behaviour", sa.String(16), nullable=False),
    sa.Column("source", sa.String(255)),
    sa.Column("captured", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("errors", Json, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    _created(),
    sa.Column("finished_at", UtcDateTime()),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("seq", sa.BigInteger(), nullable=False),
    sa.Column("dedup_key", sa.String(255), nullable=False),
    sa.Column("event_id", sa.String(255), nullable=False),
    sa.Column("event_hash", sa.String(100), nullable=False),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("event_time", UtcDateTime(), nullable=False),
    sa.Column("record_time", UtcDateTime(), nullable=False),
    sa.Column("action", sa.String(8)),
    sa.Column("biz_step", sa.String(255)),
    sa.Column("disposition", sa.String(255)),
    sa.Column("read_point", sa.String(255)),
    sa.Column("biz_location", sa.String(255)),
    sa.Column("has_error_declaration", sa.Boolean(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("namespaces", Json, nullable=False),
    sa.Column("chain_link", sa.String(64), nullable=False),
    sa.Column("capture_id", BigId),
    sa.UniqueConstraint("tenant_id", "seq", name="uq_events_tenant_seq"),
    sa.UniqueConstraint("tenant_id", "dedup_key", name="uq_events_tenant_dedup"),
    sa.Index("ix_events_tenant_time", "tenant_id", "event_time"),
    sa.Index("ix_events_tenant_hash", "tenant_id", "event_hash"),
    # Error declarations are rare; every trace leaves them out, so they get a tiny index.
    sa.Index(
        "ix_events_declarations",
        "id",
        sqlite_where=sa.text("has_error_declaration = 1"),
        postgresql_where=sa.text("has_error_declaration"),
    ),
    sa.Index("ix_events_tenant_record", "tenant_id", "record_time"),
)

event_epcs = sa.Table(
    "event_epcs",
    metadata,
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("event_pk", BigId, nullable=False),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("epc", sa.String(255), nullable=False),
    # Both indexes cover every column: trace and publishing filter on
    # the role and read the other key, and a heap fetch per row was the random I/O that
    # set the p99 of a trace on a store larger than memory.
    sa.Index("ix_event_epcs_epc", "epc", "event_pk", "role"),
    sa.Index("ix_event_epcs_event_pk", "event_pk", "role", "epc"),
)

event_attributes = sa.Table(
    "event_attributes",
    metadata,
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("event_pk", BigId, nullable=False, index=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("value", sa.String(255), nullable=False),
    sa.Index("ix_event_attributes_name_value", "name", "value"),
)

event_corrections = sa.Table(
    "event_corrections",
    metadata,
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("event_pk", BigId, nullable=False, primary_key=True),
    sa.Column("declaration_pk", BigId, nullable=False, primary_key=True),
)

# --- ledger ----------------------------------------------------------------------------------

ledger_heads = sa.Table(
    "ledger_heads",
    metadata,
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
    sa.Column("last_seq", sa.BigInteger(), nullable=False),
    sa.Column("head", sa.String(64), nullable=False),
    sa.Column("sealed_seq", sa.BigInteger(), nullable=False),
)

ledger_seals = sa.Table(
    "ledger_seals",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False, index=True),
    sa.Column("first_seq", sa.BigInteger(), nullable=False),
    sa.Column("last_seq", sa.BigInteger(), nullable=False),
    sa.Column("body", Json, nullable=False),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("public_key", sa.Text(), nullable=False),
    _created(),
)

# --- lots and records (projections and profile records) ------------------------------------

lots = sa.Table(
    "lots",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("key", sa.String(255), nullable=False, unique=True),
    sa.Column("gtin", sa.String(14)),
    sa.Column("lot", sa.String(64)),
    sa.Column("stage", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("quantity", sa.String(32)),
    sa.Column("uom", sa.String(16)),
    sa.Column("attributes", Json, nullable=False),
    sa.Column("first_event_id", BigId),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

lot_edges = sa.Table(
    "lot_edges",
    metadata,
    sa.Column("tenant_id", BigId, nullable=False),
    sa.Column("input_lot_id", BigId, nullable=False),
    sa.Column("output_lot_id", BigId, nullable=False),
    sa.Column("event_pk", BigId, nullable=False),
    sa.PrimaryKeyConstraint("input_lot_id", "output_lot_id", "event_pk"),
    sa.Index("ix_lot_edges_output", "output_lot_id", "input_lot_id"),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("profile", sa.String(32), nullable=False),
    sa.Column("record_type", sa.String(64), nullable=False),
    sa.Column("subject_kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("event_pk", BigId),
    sa.Column("data", Json, nullable=False),
    _created(),
    sa.Index("ix_records_subject", "subject", "subject_kind"),
    sa.Index("ix_records_tenant_type", "tenant_id", "record_type"),
)

named_queries = sa.Table(
    "named_queries",
    metadata,
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("query", Json, nullable=False),
    _created(),
)

# --- quality control and recalls ---------------------------------------------------------------

lot_holds = sa.Table(
    "lot_holds",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("lot_id", BigId, sa.ForeignKey("lots.id"), nullable=False, index=True),
    sa.Column("origin_lot_id", BigId, sa.ForeignKey("lots.id"), nullable=False),
    sa.Column("record_id", BigId),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("verdict", Json, nullable=False),
    sa.Column("held_at", UtcDateTime(), nullable=False),
    sa.Column("released_at", UtcDateTime()),
    sa.Column("released_by", sa.String(128)),
    sa.Column("release_reason", sa.Text()),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("media_type", sa.String(128), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    _created(),
)

recalls = sa.Table(
    "recalls",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False, index=True),
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("scope", Json, nullable=False),
    sa.Column("unit_count", sa.Integer(), nullable=False),
    sa.Column("opened_by", sa.String(128), nullable=False),
    _created(),
    sa.Column("closed_at", UtcDateTime()),
    sa.Column("closed_by", sa.String(128)),
    sa.Column("disposition", sa.String(32)),
    sa.Column("note", sa.Text()),
)

recall_units = sa.Table(
    "recall_units",
    metadata,
    sa.Column("recall_id", BigId, sa.ForeignKey("recalls.id"), primary_key=True),
    sa.Column("unit_id", BigId, primary_key=True),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("holder_id", BigId),
    sa.Column("previous_status", sa.String(24), nullable=False),
    sa.Column("recovered_at", UtcDateTime()),
    sa.Column("recovered_by", sa.String(128)),
    sa.Index("ix_recall_units_holder", "recall_id", "holder_id"),
    sa.Index("ix_recall_units_key", "key"),
)

recall_notices = sa.Table(
    "recall_notices",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("recall_id", BigId, sa.ForeignKey("recalls.id"), nullable=False, index=True),
    sa.Column("holder_id", BigId),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    _created(),
    sa.Column("sent_at", UtcDateTime()),
)

recall_log = sa.Table(
    "recall_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("recall_id", BigId, sa.ForeignKey("recalls.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", Json, nullable=False),
)
