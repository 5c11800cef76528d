"""The rule engine on events and stock (GEN-12 to GEN-14, GEN-17).

Entry points gather facts from the store and hand them to the pure rules of
:mod:`suyuan.domain.alert_rules`, raising alerts through ``raise_alert``:

- :func:`evaluate_captured_events` — called by capture inside its transaction, after the
  events and projections are stored: sensor excursions, held or recalled goods shipped
  or sold, codes commissioned twice;
- :func:`run_checks` — on demand (``suyuan alerts run``): stock near or past expiry, and
  the consumer scans logged since the last run (:mod:`suyuan.services.scan_alerts`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from suyuan.domain import alert_rules as rules
from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.alert_rules import Finding
from suyuan.domain.alert_settings import RuleSettings
from suyuan.domain.events import identifier_key
from suyuan.domain.units import gtin_of, key_kind
from suyuan.errors import NotFound
from suyuan.services.alerts import load_settings, raise_findings
from suyuan.services.clock import now
from suyuan.services.scan_alerts import evaluate_scan_log
from suyuan.storage.bulk import chunks
from suyuan.storage.containment import inside
from suyuan.storage.tables import (
    enterprises,
    event_corrections,
    event_epcs,
    events,
    lots,
    metadata,
    products,
    units,
)
from suyuan.storage.uow import UnitOfWork

_EVIDENCE_KEYS = 50


def _event_keys(event: Mapping[str, Any], *fields: str) -> list[str]:
    keys = [identifier_key(e) for name in fields for e in event.get(name) or ()]
    if event.get("parentID") and "parentID" in fields:
        keys.insert(0, identifier_key(event["parentID"]))
    return list(dict.fromkeys(keys))


def _quantity_keys(event: Mapping[str, Any]) -> list[str]:
    names = ("quantityList", "childQuantityList", "outputQuantityList")
    found = [q.get("epcClass") for n in names for q in event.get(n) or () if isinstance(q, dict)]
    return [identifier_key(c) for c in found if c]


# --- captured events ------------------------------------------------------------------------


def evaluate_captured_events(
    conn: sa.Connection, tenant_id: int, items: list[tuple[dict[str, Any], int]]
) -> int:
    """Run the event rules on freshly stored events ``(event, event_pk)``; alerts raised."""
    if not items:
        return 0
    settings = load_settings(conn, tenant_id)
    findings: list[Finding] = []
    sensing = [event for event, _pk in items if event.get("sensorElementList")]
    if sensing:
        findings += _sensor_findings(conn, settings, sensing)
    moving = [(event, pk) for event, pk in items if rules.movement_of(event)]
    if moving:
        findings += _blocked_findings(conn, moving)
    commissioning = [(event, pk) for event, pk in items if rules.is_commissioning(event)]
    if commissioning:
        findings += _double_commissioning(conn, tenant_id, commissioning)
    return raise_findings(conn, tenant_id, findings, settings)


def _subject(event: Mapping[str, Any]) -> str | None:
    keys = _event_keys(event, "parentID", "epcList", "childEPCs", "outputEPCList")
    keys += _quantity_keys(event)
    return keys[0] if keys else event.get("eventID")


def _sensor_findings(
    conn: sa.Connection, settings: RuleSettings, sensing: list[dict[str, Any]]
) -> list[Finding]:
    categories: dict[str, str] = {}
    if settings.temperature_by_category:
        gtins = {gtin_of(k) for e in sensing for k in _event_keys(e, "epcList", "childEPCs")}
        gtins |= {gtin_of(k) for e in sensing for k in _quantity_keys(e)}
        wanted = [g for g in gtins if g]
        if wanted:
            query = sa.select(products.c.gtin, products.c.category)
            rows = conn.execute(query.where(products.c.gtin.in_(wanted)))
            categories = {row[0]: row[1] for row in rows}
    findings = []
    for event in sensing:
        subject = _subject(event)
        location = (event.get("bizLocation") or {}).get("id") or (event.get("readPoint") or {}).get(
            "id"
        )
        category = categories.get(gtin_of(subject or "") or "")
        limits = settings.temperature_for(location=location, category=category)
        findings += rules.sensor_findings(
            event, subject=subject, temperature=limits, humidity=settings.humidity
        )
    return findings


def _blocked_units(conn: sa.Connection, keys: Sequence[str]) -> list[Any]:
    """The units under recall or of a held or recalled lot among the named units and
    everything packed inside them, each with the named unit (``root``) it was found under.

    Only those rows leave the database: a shipped pallet's whole tree is walked by the
    recursive query, not fetched.
    """
    seed = sa.select(
        units.c.id, units.c.key, units.c.lot_id, units.c.status, units.c.key.label("root")
    ).where(units.c.key.in_(keys))
    tree = seed.cte("tree", recursive=True)
    found_in, on = inside(
        conn.dialect, tree.c.id, units.c.id, units.c.key, units.c.lot_id, units.c.status
    )
    inner = (
        sa.select(found_in.c.id, found_in.c.key, found_in.c.lot_id, found_in.c.status, tree.c.root)
        .select_from(tree)
        .join(found_in, on)
    )
    tree = tree.union_all(inner)
    blocked = sa.or_(tree.c.status == "recalled", lots.c.status.in_(("hold", "recalled")))
    under_recall: sa.ColumnElement[bool] = sa.false()
    # The recall tables belong to the recall module; look them up on the shared metadata
    # so the alert rules work (without unit-level recalls) where recalls are not installed.
    recall_units, recalls = metadata.tables.get("recall_units"), metadata.tables.get("recalls")
    if recall_units is not None and recalls is not None:
        under_recall = tree.c.id.in_(
            sa.select(recall_units.c.unit_id)
            .join(recalls, recalls.c.id == recall_units.c.recall_id)
            .where(recalls.c.closed_at.is_(None))
        )
    query = (
        sa.select(
            tree.c.key,
            tree.c.root,
            sa.or_(tree.c.status == "recalled", under_recall).label("recalled"),
            lots.c.key.label("lot"),
            lots.c.status.label("lot_status"),
        )
        .outerjoin(lots, lots.c.id == tree.c.lot_id)
        .where(sa.or_(blocked, under_recall))
    )
    return list(conn.execute(query).all())


def _blocked_findings(
    conn: sa.Connection, moving: list[tuple[dict[str, Any], int]]
) -> list[Finding]:
    named: dict[str, tuple[dict[str, Any], str]] = {}
    for event, _pk in moving:
        movement = rules.movement_of(event) or "shipping"
        for key in _event_keys(event, "parentID", "epcList", "childEPCs") + _quantity_keys(event):
            named[key] = (event, movement)
    rows: list[Any] = []
    for part in chunks(list(named)):
        rows += _blocked_units(conn, part)
    lot_rows = _lot_statuses(conn, [k for k in named if key_kind(k) == "lot"])
    affected: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        hit = {"key": row.key, "lot": row.lot, "lot_status": row.lot_status}
        affected.setdefault(row.root, []).append(hit | {"recalled": bool(row.recalled)})
    for key, status in lot_rows.items():
        affected.setdefault(key, []).append({"key": key, "lot": key, "lot_status": status})
    findings = []
    for root, hits in affected.items():
        event, movement = named[root]
        lot_status = next((h["lot_status"] for h in hits if h.get("lot_status")), None)
        finding = rules.blocked_movement_finding(
            key=root,
            movement=movement,
            lot_status=lot_status,
            recalled=any(h.get("recalled") for h in hits),
            evidence={
                "event_id": event.get("eventID"),
                "event_time": event.get("eventTime"),
                "destination": [d.get("destination") for d in event.get("destinationList") or ()],
                "affected": hits[:_EVIDENCE_KEYS],
                "affected_count": len(hits),
            },
        )
        if finding is not None:
            findings.append(finding)
    return findings


def _lot_statuses(conn: sa.Connection, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in chunks(keys):
        query = sa.select(lots.c.key, lots.c.status).where(
            lots.c.key.in_(part), lots.c.status.in_(("hold", "recalled"))
        )
        found |= {row[0]: row[1] for row in conn.execute(query)}
    return found


def _double_commissioning(
    conn: sa.Connection, tenant_id: int, items: list[tuple[dict[str, Any], int]]
) -> list[Finding]:
    own = set(conn.execute(sa.select(products.c.gtin).where(products.c.tenant_id == tenant_id)))
    own_gtins = {row[0] for row in own}
    # Own codes are refused a second commissioning by capture itself; partners' are
    # accepted as given, so they are checked here (across tenants: a copy elsewhere).
    wanted: dict[str, tuple[dict[str, Any], int]] = {}
    for event, pk in items:
        for key in _event_keys(event, "epcList", "outputEPCList"):
            if key_kind(key) == "unit" and gtin_of(key) not in own_gtins:
                wanted.setdefault(key, (event, pk))
    earlier: dict[str, list[dict[str, Any]]] = {}
    for part in chunks(list(wanted)):
        for row in conn.execute(_commissionings(part)):
            if row.id < wanted[row.epc][1]:
                earlier.setdefault(row.epc, []).append(
                    {
                        "event_id": row.event_id,
                        "tenant_id": row.tenant_id,
                        "event_time": row.event_time.isoformat(),
                    }
                )
    findings = []
    for key, before in earlier.items():
        event, _pk = wanted[key]
        finding = rules.commissioned_twice_finding(
            key=key,
            earlier=before[:_EVIDENCE_KEYS],
            evidence={"event_id": event.get("eventID"), "event_time": event.get("eventTime")},
        )
        if finding is not None:
            findings.append(finding)
    return findings


def _commissionings(keys: Sequence[str]) -> sa.Select[Any]:
    declared = sa.select(event_corrections.c.event_pk)
    return (
        sa.select(
            event_epcs.c.epc,
            events.c.id,
            events.c.event_id,
            events.c.tenant_id,
            events.c.event_time,
        )
        .join(events, events.c.id == event_epcs.c.event_pk)
        .where(
            event_epcs.c.epc.in_(keys),
            event_epcs.c.role.in_(("epc", "output")),
            ((events.c.event_type == "ObjectEvent") & (events.c.action == "ADD"))
            | (events.c.biz_step == "commissioning"),
            events.c.has_error_declaration.is_(False),
            events.c.id.not_in(declared),
        )
    )


# --- stock checks ----------------------------------------------------------------------------

_GONE = ("sold", "consumed", "destroyed", "decommissioned", "voided", "expired")


def run_checks(
    uow: UnitOfWork, actor: Actor, *, tenant_id: int | None, today: date | None = None
) -> dict[str, Any]:
    """Check stock (units not sold or gone) for expiry (GEN-14); every tenant when None."""
    require_role(actor, Role.ADMIN, Role.OPERATOR, Role.QC, Role.WAREHOUSE, action="run checks")
    conn = uow.connection
    if tenant_id is None:
        if not (actor.is_system or actor.is_platform):
            raise NotFound("name an enterprise")
        tenants = list(
            conn.execute(sa.select(enterprises.c.id).order_by(enterprises.c.id)).scalars()
        )
    elif not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    else:
        tenants = [tenant_id]
    day = today or now().date()
    scans = evaluate_scan_log(conn)
    checked = raised = 0
    for tenant in tenants:
        settings = load_settings(conn, tenant)
        findings = expiry_findings(conn, tenant, day, settings.expiry_warning_days)
        checked += findings[0]
        raised += raise_findings(conn, tenant, findings[1], settings)
    uow.commit()
    return {
        "tenants": len(tenants),
        "lots_checked": checked,
        "scan_alerts": scans,
        "alerts": raised + scans,
        "date": str(day),
    }


def expiry_findings(
    conn: sa.Connection, tenant_id: int, today: date, warning_days: int
) -> tuple[int, list[Finding]]:
    """(lots in stock, findings) for one tenant's stock near or past expiry."""
    stock = conn.execute(
        sa.select(units.c.lot_id, sa.func.count(), sa.func.min(units.c.key))
        .where(
            units.c.tenant_id == tenant_id,
            units.c.kind == "unit",
            units.c.lot_id.is_not(None),
            units.c.status.not_in(_GONE),
        )
        .group_by(units.c.lot_id)
    ).all()
    if not stock:
        return 0, []
    lot_rows = {
        row.id: row
        for row in conn.execute(
            sa.select(lots.c.id, lots.c.key, lots.c.gtin).where(
                lots.c.id.in_([s[0] for s in stock])
            )
        )
    }
    ilmds = _creation_ilmd(conn, [s[2] for s in stock] + [r.key for r in lot_rows.values()])
    shelf = _shelf_lives(conn, {r.gtin for r in lot_rows.values() if r.gtin})
    findings = []
    for lot_id, count, sample in stock:
        lot = lot_rows.get(lot_id)
        if lot is None:
            continue
        created = ilmds.get(lot.key) or ilmds.get(sample) or ({}, None)
        expires = _expiry(created, shelf.get(lot.gtin or ""))
        if expires is None:
            continue
        finding = rules.expiry_finding(
            lot=lot.key,
            expires=expires,
            today=today,
            warning_days=warning_days,
            evidence={"units_in_stock": int(count), "gtin": lot.gtin},
        )
        if finding is not None:
            findings.append(finding)
    return len(stock), findings


def _expiry(created: tuple[dict[str, Any], date | None], shelf_days: int | None) -> date | None:
    ilmd, made = created
    expires = rules.expiry_date(ilmd)
    if expires is not None or shelf_days is None:
        return expires
    produced = rules.production_date(ilmd) or made
    return rules.expires_on(produced, shelf_days) if produced else None


def _creation_ilmd(
    conn: sa.Connection, keys: Sequence[str]
) -> dict[str, tuple[dict[str, Any], date | None]]:
    """Key → (ILMD, event date) of the earliest event with ILMD naming it."""
    found: dict[str, tuple[dict[str, Any], date | None]] = {}
    for part in chunks(list(dict.fromkeys(keys))):
        query = (
            sa.select(event_epcs.c.epc, events.c.body, events.c.event_time)
            .join(events, events.c.id == event_epcs.c.event_pk)
            .where(
                event_epcs.c.epc.in_(part), event_epcs.c.role.in_(("epc", "output", "qty", "oqty"))
            )
            .order_by(events.c.event_time, events.c.id)
        )
        for epc, body, at in conn.execute(query):
            if epc in found:
                continue
            ilmd = json.loads(body).get("ilmd")
            if isinstance(ilmd, dict):
                found[epc] = (ilmd, at.date())
    return found


def _shelf_lives(conn: sa.Connection, gtins: set[str]) -> dict[str, int]:
    if not gtins:
        return {}
    rows = conn.execute(
        sa.select(products.c.gtin, products.c.attributes).where(products.c.gtin.in_(sorted(gtins)))
    )
    lives = {
        gtin: rules.shelf_life_days((attributes or {}).get("shelf_life"))
        for gtin, attributes in rows
    }
    return {gtin: days for gtin, days in lives.items() if days is not None}
