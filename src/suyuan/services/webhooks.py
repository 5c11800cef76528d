"""Webhooks: notify responsible people's systems of alerts (GEN-16), signed, retried, logged.

Each alert (or other notice) enqueues one delivery per matching active webhook in the
transaction that raised it. :func:`deliver_pending` later POSTs due deliveries as JSON,
signed with HMAC-SHA256 over ``"<timestamp>.<body>"`` (headers ``X-Suyuan-Timestamp``
and ``X-Suyuan-Signature: sha256=<hex>``), logs every attempt, and retries failures
with exponential backoff until the webhook's ``max_attempts``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role, require_role
from suyuan.errors import InvalidInput, NotFound
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.storage.alert_tables import webhook_attempts, webhook_deliveries, webhooks
from suyuan.storage.uow import UnitOfWork

SIGNATURE_HEADER = "X-Suyuan-Signature"
TIMESTAMP_HEADER = "X-Suyuan-Timestamp"
EVENT_HEADER = "X-Suyuan-Event"
DELIVERY_HEADER = "X-Suyuan-Delivery"
TIMEOUT = 5.0
BACKOFF_SECONDS = 30


class WebhookNotFound(NotFound):
    """No webhook with that id visible to the caller."""

    code = "webhook_not_found"


@dataclass(frozen=True, slots=True)
class Webhook:
    """A registered receiver (the secret is never shown again)."""

    id: int
    tenant_id: int | None
    url: str
    events: list[str]
    active: bool
    max_attempts: int
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self) | {"created_at": self.created_at.isoformat()}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def is_signed(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver checks: the signature matches (constant-time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _row(row: Any) -> Webhook:
    return Webhook(
        row.id,
        row.tenant_id,
        row.url,
        list(row.events),
        row.active,
        row.max_attempts,
        row.created_at,
    )


def add_webhook(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int | None,
    url: str,
    secret: str,
    events: Sequence[str] = ("*",),
    max_attempts: int = 5,
) -> Webhook:
    """Register a receiver for a tenant's alerts (``tenant_id`` None: every tenant's)."""
    require_role(actor, Role.ADMIN, Role.REGULATOR, action="add webhooks")
    if tenant_id is None and not (actor.is_system or actor.is_platform):
        raise InvalidInput("only platform users add webhooks for every enterprise")
    if tenant_id is not None and not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    if not url.startswith(("http://", "https://")) or len(url) > 1024:
        raise InvalidInput(f"webhook URL {url!r}: give an http(s) URL", detail={"url": url})
    if len(secret) < 16:
        raise InvalidInput("webhook secret: at least 16 characters")
    if not 1 <= max_attempts <= 20:
        raise InvalidInput("max attempts: between 1 and 20")
    values = {
        "tenant_id": tenant_id,
        "url": url,
        "secret": secret,
        "events": list(events) or ["*"],
        "active": True,
        "max_attempts": max_attempts,
        "created_by": actor.name,
        "created_at": now(),
    }
    conn = uow.connection
    hook_id = conn.execute(webhooks.insert().values(**values).returning(webhooks.c.id)).scalar_one()
    record_audit(
        conn,
        actor,
        action="webhook.add",
        object_type="webhook",
        object_id=hook_id,
        tenant_id=tenant_id,
        detail={"url": url, "events": values["events"]},
    )
    uow.commit()
    return _get(conn, actor, int(hook_id))


def _get(conn: sa.Connection, actor: Actor, hook_id: int) -> Webhook:
    row = conn.execute(sa.select(webhooks).where(webhooks.c.id == hook_id)).first()
    if row is None or not _visible(actor, row.tenant_id):
        raise WebhookNotFound(f"webhook {hook_id} not found")
    return _row(row)


def _visible(actor: Actor, tenant_id: int | None) -> bool:
    if tenant_id is None:
        return actor.is_system or actor.is_platform
    return actor.can_read_tenant(tenant_id)


def list_webhooks(uow: UnitOfWork, actor: Actor, *, tenant_id: int | None) -> list[Webhook]:
    """Webhooks of a tenant (and the platform's, for platform users)."""
    query = sa.select(webhooks).order_by(webhooks.c.id)
    if tenant_id is not None:
        query = query.where(webhooks.c.tenant_id == tenant_id)
    rows = uow.connection.execute(query)
    return [_row(row) for row in rows if _visible(actor, row.tenant_id)]


def deactivate_webhook(uow: UnitOfWork, actor: Actor, hook_id: int) -> Webhook:
    """Stop sending to a webhook (its delivery log stays)."""
    require_role(actor, Role.ADMIN, Role.REGULATOR, action="remove webhooks")
    hook = _get(uow.connection, actor, hook_id)
    if hook.tenant_id is not None and not actor.can_write_tenant(hook.tenant_id):
        raise WebhookNotFound(f"webhook {hook_id} not found")
    uow.connection.execute(webhooks.update().where(webhooks.c.id == hook_id).values(active=False))
    record_audit(
        uow.connection,
        actor,
        action="webhook.deactivate",
        object_type="webhook",
        object_id=hook_id,
        tenant_id=hook.tenant_id,
    )
    uow.commit()
    return _get(uow.connection, actor, hook_id)


def enqueue(
    conn: sa.Connection,
    *,
    tenant_id: int | None,
    kind: str,
    payload: dict[str, Any],
    alert_id: int | None = None,
    rule: str | None = None,
    recipients: Iterable[int] = (),
) -> int:
    """Queue ``payload`` for every matching active webhook, in the caller's transaction.

    A tenant's webhooks match when ``recipients`` is empty or names them, and their
    event filter holds ``*`` or ``rule``; platform webhooks match every tenant.
    """
    wanted = set(recipients)
    owners: sa.ColumnElement[bool] = webhooks.c.tenant_id.is_(None)
    if tenant_id is not None:
        owners = owners | (webhooks.c.tenant_id == tenant_id)
    rows = conn.execute(sa.select(webhooks).where(webhooks.c.active.is_(True), owners)).all()
    moment = now()
    queued = [
        {
            "tenant_id": tenant_id,
            "webhook_id": row.id,
            "alert_id": alert_id,
            "kind": kind,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": moment,
            "created_at": moment,
        }
        for row in rows
        if ("*" in row.events or (rule is not None and rule in row.events))
        and (row.tenant_id is None or not wanted or row.id in wanted)
    ]
    if queued:
        conn.execute(webhook_deliveries.insert(), queued)
    return len(queued)


# --- delivery ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    """What one POST gave: a status code, or an error."""

    status_code: int | None
    error: str | None = None


Post = Callable[[str, bytes, dict[str, str]], Response]


def post_json(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST with the standard library (timeout 5 s); never raises for network errors."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return Response(answer.status)
    except urllib.error.HTTPError as exc:
        return Response(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Response(None, str(getattr(exc, "reason", exc))[:500])


@dataclass
class DeliveryReport:
    """Outcome of one delivery run."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _due(
    make_uow: Callable[[], UnitOfWork], at: datetime, limit: int, tenant_id: int | None
) -> list[Any]:
    query = (
        sa.select(
            webhook_deliveries,
            webhooks.c.url,
            webhooks.c.secret,
            webhooks.c.max_attempts,
        )
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.next_attempt_at <= at,
            webhooks.c.active.is_(True),
        )
        .order_by(webhook_deliveries.c.id)
        .limit(limit)
    )
    if tenant_id is not None:
        query = query.where(webhook_deliveries.c.tenant_id == tenant_id)
    with make_uow() as uow:
        return list(uow.connection.execute(query).all())


def deliver_pending(
    make_uow: Callable[[], UnitOfWork],
    *,
    at: datetime | None = None,
    limit: int = 100,
    tenant_id: int | None = None,
    post: Post = post_json,
    backoff_seconds: int = BACKOFF_SECONDS,
) -> DeliveryReport:
    """Send every due delivery once; no database transaction is held while sending."""
    moment = at or now()
    report = DeliveryReport()
    for row in _due(make_uow, moment, limit, tenant_id):
        body = _body(row.payload)
        stamp = str(int(moment.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "suyuan-webhooks",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(row.secret, stamp, body),
            EVENT_HEADER: row.kind,
            DELIVERY_HEADER: str(row.id),
        }
        started = time.monotonic()
        answer = post(row.url, body, headers)
        took = int((time.monotonic() - started) * 1000)
        with make_uow() as uow:
            outcome = _record(uow.connection, row, answer, moment, took, backoff_seconds)
            uow.commit()
        report.attempted += 1
        setattr(report, outcome["status"], getattr(report, outcome["status"]) + 1)
        report.results.append(outcome)
    return report


def _record(
    conn: sa.Connection, row: Any, answer: Response, moment: datetime, took: int, backoff: int
) -> dict[str, Any]:
    attempt = row.attempts + 1
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    error = None if ok else (answer.error or f"HTTP {answer.status_code}")
    retry_at = None
    if ok:
        status = "delivered"
    elif attempt >= row.max_attempts:
        status = "failed"
    else:
        status = "retrying"
        retry_at = moment + timedelta(seconds=backoff * 2 ** (attempt - 1))
    conn.execute(
        webhook_attempts.insert().values(
            delivery_id=row.id,
            attempt=attempt,
            at=moment,
            status_code=answer.status_code,
            error=error,
            duration_ms=took,
            next_attempt_at=retry_at,
        )
    )
    conn.execute(
        webhook_deliveries.update()
        .where(webhook_deliveries.c.id == row.id)
        .values(
            status="pending" if status == "retrying" else status,
            attempts=attempt,
            next_attempt_at=retry_at,
            last_status_code=answer.status_code,
            last_error=error,
            delivered_at=moment if ok else None,
        )
    )
    return {
        "delivery_id": row.id,
        "attempt": attempt,
        "status": status,
        "status_code": answer.status_code,
        "error": error,
        "next_attempt_at": retry_at.isoformat() if retry_at else None,
    }


def delivery_log(
    uow: UnitOfWork, actor: Actor, *, tenant_id: int | None, alert_id: int | None = None
) -> list[dict[str, Any]]:
    """Deliveries and every attempt, newest first (tenant-scoped)."""
    query = sa.select(webhook_deliveries).order_by(webhook_deliveries.c.id.desc()).limit(500)
    if tenant_id is not None:
        query = query.where(webhook_deliveries.c.tenant_id == tenant_id)
    if alert_id is not None:
        query = query.where(webhook_deliveries.c.alert_id == alert_id)
    conn = uow.connection
    rows = [
        r for r in conn.execute(query) if r.tenant_id is None or actor.can_read_tenant(r.tenant_id)
    ]
    attempts: dict[int, list[dict[str, Any]]] = {}
    if rows:
        found = conn.execute(
            sa.select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_([r.id for r in rows]))
            .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.attempt)
        )
        for a in found:
            attempts.setdefault(a.delivery_id, []).append(
                {
                    "attempt": a.attempt,
                    "at": a.at.isoformat(),
                    "status_code": a.status_code,
                    "error": a.error,
                    "duration_ms": a.duration_ms,
                    "next_attempt_at": a.next_attempt_at.isoformat() if a.next_attempt_at else None,
                }
            )
    return [
        {
            "id": r.id,
            "webhook_id": r.webhook_id,
            "alert_id": r.alert_id,
            "kind": r.kind,
            "status": r.status,
            "attempts": attempts.get(r.id, []),
            "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
        }
        for r in rows
    ]
