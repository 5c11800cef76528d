"""Alerts (QBT-8.9, GEN-12, GEN-16): raise with evidence, list, acknowledge, close; rules.

:func:`raise_alert` is the one way any module (rules, QC holds, recalls) stores an alert:
it drops duplicates by fingerprint (tenant + rule + object) and queues the webhooks.
The built-in rules that call it live in :mod:`suyuan.services.alert_checks`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.alert_rules import AlertStatus, Finding, Severity
from suyuan.domain.alert_settings import RuleSettings, apply_changes, settings_from
from suyuan.errors import Conflict, InvalidInput, NotFound
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.services.webhooks import enqueue
from suyuan.storage.alert_tables import alert_rules
from suyuan.storage.public_tables import alerts
from suyuan.storage.uow import UnitOfWork

_HANDLERS = (Role.ADMIN, Role.OPERATOR, Role.QC, Role.WAREHOUSE, Role.SALES, Role.REGULATOR)


class AlertNotFound(NotFound):
    """No alert with that id visible to the caller."""

    code = "alert_not_found"


class AlertClosed(Conflict):
    """The alert is closed already."""

    code = "alert_closed"


@dataclass(frozen=True, slots=True)
class Alert:
    """One stored alert with its evidence and handling (QBT-8.9: rule, time, object, …)."""

    id: int
    tenant_id: int | None
    at: datetime
    rule: str
    severity: str
    object: str | None
    evidence: dict[str, Any]
    status: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = {name: getattr(self, name) for name in self.__slots__}
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def _alert(row: Any) -> Alert:
    return Alert(
        id=row.id,
        tenant_id=row.tenant_id,
        at=row.at,
        rule=row.rule,
        severity=row.severity,
        object=row.object,
        evidence=dict(row.detail or {}),
        status=row.status,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        note=row.note,
    )


# --- rule settings --------------------------------------------------------------------------


def _stored_settings(conn: sa.Connection, tenant_id: int) -> dict[str, Any]:
    found = conn.execute(
        sa.select(alert_rules.c.settings).where(alert_rules.c.tenant_id == tenant_id)
    ).scalar_one_or_none()
    return dict(found or {})


def load_settings(conn: sa.Connection, tenant_id: int | None) -> RuleSettings:
    """A tenant's rule settings (the defaults when it changed none, or for no tenant)."""
    return settings_from(_stored_settings(conn, tenant_id)) if tenant_id else RuleSettings()


def get_rules(uow: UnitOfWork, actor: Actor, tenant_id: int) -> dict[str, Any]:
    """The tenant's rule settings, every value shown."""
    if not actor.can_read_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    return load_settings(uow.connection, tenant_id).to_dict()


def set_rules(
    uow: UnitOfWork, actor: Actor, tenant_id: int, changes: dict[str, str]
) -> dict[str, Any]:
    """Change some of a tenant's rule settings (``NAME=VALUE``); audited."""
    require_role(actor, Role.ADMIN, Role.QC, action="change alert rules")
    if not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    if not changes:
        raise InvalidInput("give at least one NAME=VALUE to change")
    conn = uow.connection
    before = _stored_settings(conn, tenant_id)
    after = apply_changes(before, changes)
    values = {"settings": after, "updated_at": now(), "updated_by": actor.name}
    updated = conn.execute(
        alert_rules.update().where(alert_rules.c.tenant_id == tenant_id).values(**values)
    ).rowcount
    if not updated:
        conn.execute(alert_rules.insert().values(tenant_id=tenant_id, **values))
    record_audit(
        conn,
        actor,
        action="alert_rules.set",
        object_type="alert_rules",
        object_id=tenant_id,
        tenant_id=tenant_id,
        detail={"changes": changes},
    )
    uow.commit()
    return settings_from(after).to_dict()


# --- raising -------------------------------------------------------------------------------


_SEVERITY_WORDS = {"high": Severity.CRITICAL, "medium": Severity.WARNING, "low": Severity.INFO}


def severity_of(text: str) -> Severity:
    """A severity from its name, accepting high/medium/low as critical/warning/info."""
    word = text.strip().lower()
    if word in _SEVERITY_WORDS:
        return _SEVERITY_WORDS[word]
    try:
        return Severity(word)
    except ValueError:
        raise InvalidInput(f"severity {text!r}: info, warning or critical") from None


def fingerprint(tenant_id: int | None, rule: str, subject: str | None) -> str:
    """What makes two alerts the same: tenant, rule and object."""
    text = f"{tenant_id or ''}|{rule}|{subject or ''}"
    return hashlib.sha256(text.encode()).hexdigest()


def raise_alert(
    conn: sa.Connection,
    *,
    tenant_id: int | None,
    rule: str,
    severity: str,
    object: str | None,
    evidence: dict[str, Any],
    at: datetime | None = None,
    settings: RuleSettings | None = None,
) -> int | None:
    """Store an alert and queue its webhooks in the caller's transaction; its id.

    Returns None when the tenant switched the rule off, or for a duplicate: an alert
    with the same fingerprint that is still open or acknowledged, or one closed within
    the tenant's ``dedup_hours``.
    """
    settings = settings or load_settings(conn, tenant_id)
    if rule in settings.disabled:
        return None
    moment = at or now()
    mark = fingerprint(tenant_id, rule, object)
    recent = moment - timedelta(hours=settings.dedup_hours)
    duplicate = conn.execute(
        sa.select(alerts.c.id)
        .where(
            alerts.c.fingerprint == mark,
            (alerts.c.status != AlertStatus.CLOSED.value) | (alerts.c.at >= recent),
        )
        .limit(1)
    ).first()
    if duplicate is not None:
        return None
    values = {
        "tenant_id": tenant_id,
        "at": moment,
        "rule": rule[:64],
        "severity": severity_of(severity).value,
        "object": (object or "")[:255] or None,
        "detail": evidence,
        "status": AlertStatus.OPEN.value,
        "fingerprint": mark,
    }
    alert_id = int(
        conn.execute(alerts.insert().values(**values).returning(alerts.c.id)).scalar_one()
    )
    shown = {k: v for k, v in values.items() if k != "fingerprint"}
    payload = {"type": "alert", "alert": {"id": alert_id, **shown, "at": moment.isoformat()}}
    enqueue(
        conn,
        tenant_id=tenant_id,
        kind="alert",
        payload=payload,
        alert_id=alert_id,
        rule=rule,
        recipients=settings.recipients,
    )
    return alert_id


def raise_findings(
    conn: sa.Connection,
    tenant_id: int | None,
    findings: Iterable[Finding],
    settings: RuleSettings,
    at: datetime | None = None,
) -> int:
    """Raise an alert for each finding (duplicates dropped); how many were new."""
    raised = 0
    for finding in findings:
        alert_id = raise_alert(
            conn,
            tenant_id=tenant_id,
            rule=finding.rule.value,
            severity=finding.severity.value,
            object=finding.object,
            evidence=finding.evidence,
            at=at,
            settings=settings,
        )
        raised += alert_id is not None
    return raised


# --- reading and handling -------------------------------------------------------------------


def list_alerts(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int | None = None,
    rule: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[Alert]:
    """Alerts the actor may see (own tenant; regulators all), newest first, filtered."""
    query = sa.select(alerts).order_by(alerts.c.at.desc(), alerts.c.id.desc()).limit(limit)
    if tenant_id is not None:
        if not actor.can_read_tenant(tenant_id):
            raise NotFound(f"enterprise {tenant_id} not found")
        query = query.where(alerts.c.tenant_id == tenant_id)
    elif not _reads_all(actor):
        query = query.where(alerts.c.tenant_id == actor.enterprise_id)
    for column, value in ((alerts.c.rule, rule), (alerts.c.status, status)):
        if value:
            query = query.where(column == value)
    if severity:
        query = query.where(alerts.c.severity == severity_of(severity).value)
    if since is not None:
        query = query.where(alerts.c.at >= since)
    return [_alert(row) for row in uow.connection.execute(query)]


def _reads_all(actor: Actor) -> bool:
    """The local system, platform administrators and regulators see every tenant's alerts."""
    return actor.is_system or (actor.is_platform and actor.has_role(Role.REGULATOR))


def _visible(actor: Actor, tenant_id: int | None) -> bool:
    return _reads_all(actor) if tenant_id is None else actor.can_read_tenant(tenant_id)


def get_alert(uow: UnitOfWork, actor: Actor, alert_id: int) -> Alert:
    """One alert, if the actor may see it."""
    row = uow.connection.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
    if row is None or not _visible(actor, row.tenant_id):
        raise AlertNotFound(f"alert {alert_id} not found")
    return _alert(row)


def _handle(
    uow: UnitOfWork, actor: Actor, alert_id: int, *, closing: bool, note: str | None
) -> Alert:
    require_role(actor, *_HANDLERS, action="handle alerts")
    alert = get_alert(uow, actor, alert_id)
    if alert.status == AlertStatus.CLOSED:
        raise AlertClosed(f"alert {alert_id} is closed already")
    if closing and not (note or "").strip():
        raise InvalidInput("closing an alert needs a note saying what was done")
    moment = now()
    values: dict[str, Any] = {}
    if alert.acknowledged_at is None:
        values |= {"acknowledged_at": moment, "acknowledged_by": actor.name}
    if closing:
        values |= {"closed_at": moment, "closed_by": actor.name, "status": AlertStatus.CLOSED}
    else:
        values["status"] = AlertStatus.ACKNOWLEDGED
    if note:
        values["note"] = note if not alert.note else f"{alert.note}\n{note}"
    uow.connection.execute(alerts.update().where(alerts.c.id == alert_id).values(**values))
    record_audit(
        uow.connection,
        actor,
        action="alert.close" if closing else "alert.acknowledge",
        object_type="alert",
        object_id=alert_id,
        tenant_id=alert.tenant_id,
        detail={"note": note},
    )
    uow.commit()
    return get_alert(uow, actor, alert_id)


def acknowledge_alert(
    uow: UnitOfWork, actor: Actor, alert_id: int, *, note: str | None = None
) -> Alert:
    """Say the alert is being handled (GEN-16)."""
    return _handle(uow, actor, alert_id, closing=False, note=note)


def close_alert(uow: UnitOfWork, actor: Actor, alert_id: int, *, note: str) -> Alert:
    """Close the alert with a note of what was done (GEN-16)."""
    return _handle(uow, actor, alert_id, closing=True, note=note)
