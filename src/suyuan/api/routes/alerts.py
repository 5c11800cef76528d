"""/api/v1/alerts, /api/v1/alert-rules and /api/v1/webhooks (GEN-12 to GEN-16, QBT-8.9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from suyuan.api.deps import ActorDep, RuntimeDep, UowDep
from suyuan.services.alert_checks import run_checks
from suyuan.services.alerts import (
    acknowledge_alert,
    close_alert,
    get_alert,
    get_rules,
    list_alerts,
    set_rules,
)
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.webhooks import add_webhook, deliver_pending, delivery_log, list_webhooks

router = APIRouter(tags=["alerts"])


class NoteIn(BaseModel):
    """Body of POST /api/v1/alerts/{id}/acknowledge and /close."""

    note: str | None = Field(default=None, max_length=4000)


class RulesIn(BaseModel):
    """Body of PUT /api/v1/alert-rules: settings to change, ``{"scan_count_max": "20"}``."""

    settings: dict[str, str]


class RunIn(BaseModel):
    """Body of POST /api/v1/alerts/run."""

    date: dt.date | None = None


class WebhookIn(BaseModel):
    """Body of POST /api/v1/webhooks."""

    url: str = Field(max_length=1024)
    secret: str = Field(min_length=16, max_length=255)
    events: list[str] = Field(default_factory=lambda: ["*"])
    max_attempts: int = Field(default=5, ge=1, le=20)


def _ref(enterprise: str | None) -> int | str | None:
    if enterprise is None:
        return None
    return int(enterprise) if enterprise.isdigit() else enterprise


def _scope(uow: UowDep, actor: ActorDep, enterprise: str | None) -> int | None:
    if enterprise is None:
        return None if actor.is_platform else actor.enterprise_id
    return resolve_tenant(uow, actor, _ref(enterprise))


@router.get("/alerts")
def list_route(
    uow: UowDep,
    actor: ActorDep,
    enterprise: str | None = None,
    rule: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    since: dt.datetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Alerts the caller may see (own enterprise; regulators all), newest first."""
    found = list_alerts(
        uow,
        actor,
        tenant_id=_scope(uow, actor, enterprise),
        rule=rule,
        status=status,
        severity=severity,
        since=since,
        limit=limit,
    )
    return [a.to_dict() for a in found]


@router.post("/alerts/run")
def run_route(uow: UowDep, actor: ActorDep, body: RunIn | None = None) -> dict[str, Any]:
    """Check the caller's stock for expiry and judge new consumer scans."""
    tenant = None if actor.is_platform else actor.enterprise_id
    return run_checks(uow, actor, tenant_id=tenant, today=body.date if body else None)


@router.post("/alerts/deliver")
def deliver_route(actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Send the caller's due webhook deliveries once."""
    tenant = None if actor.is_platform else actor.enterprise_id
    return deliver_pending(runtime.uow, tenant_id=tenant).to_dict()


@router.get("/alerts/{alert_id}")
def show_route(alert_id: int, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """One alert with its evidence and webhook deliveries."""
    alert = get_alert(uow, actor, alert_id).to_dict()
    alert["deliveries"] = delivery_log(uow, actor, tenant_id=None, alert_id=alert_id)
    return alert


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_route(
    alert_id: int, uow: UowDep, actor: ActorDep, body: NoteIn | None = None
) -> dict[str, Any]:
    """Acknowledge an alert (someone handles it)."""
    return acknowledge_alert(uow, actor, alert_id, note=body.note if body else None).to_dict()


@router.post("/alerts/{alert_id}/close")
def close_route(alert_id: int, body: NoteIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Close an alert with a note of what was done."""
    return close_alert(uow, actor, alert_id, note=body.note or "").to_dict()


@router.get("/alert-rules")
def rules_route(uow: UowDep, actor: ActorDep, enterprise: str | None = None) -> dict[str, Any]:
    """The rule settings of the caller's enterprise (or the one named, for regulators)."""
    return get_rules(uow, actor, resolve_tenant(uow, actor, _ref(enterprise)))


@router.put("/alert-rules")
def set_rules_route(body: RulesIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Change some rule settings of the caller's enterprise."""
    return set_rules(uow, actor, resolve_tenant(uow, actor, None), body.settings)


@router.post("/webhooks", status_code=201)
def add_webhook_route(body: WebhookIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Register a webhook for the caller's enterprise (platform users: every enterprise)."""
    return add_webhook(
        uow,
        actor,
        tenant_id=actor.enterprise_id,
        url=body.url,
        secret=body.secret,
        events=body.events,
        max_attempts=body.max_attempts,
    ).to_dict()


@router.get("/webhooks")
def list_webhooks_route(uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Webhooks the caller may see."""
    tenant = None if actor.is_platform else actor.enterprise_id
    return [h.to_dict() for h in list_webhooks(uow, actor, tenant_id=tenant)]


@router.get("/webhook-deliveries")
def deliveries_route(uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The delivery log: each delivery and every attempt."""
    tenant = None if actor.is_platform else actor.enterprise_id
    return delivery_log(uow, actor, tenant_id=tenant)
