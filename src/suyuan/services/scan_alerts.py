"""Rules on consumer scans (GEN-15, QBT-6.8, HW-8): bad codes, copied labels, channel diversion.

:func:`evaluate_scan` judges one scan; the resolver may call it right after logging a
scan when it runs with the enterprise database. :func:`evaluate_scan_log` reads the scan
log from where it last stopped (a watermark), so a resolver running apart with its own
restricted credentials needs no wiring: ``suyuan alerts run`` catches up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from suyuan.domain import alert_rules as rules
from suyuan.domain.alert_rules import Finding
from suyuan.domain.alert_settings import RuleSettings
from suyuan.domain.operations import PARTY_BASE
from suyuan.domain.units import gtin_of
from suyuan.services.alerts import load_settings, raise_findings
from suyuan.services.clock import now
from suyuan.storage.alert_tables import alert_watermarks
from suyuan.storage.public_tables import scan_log
from suyuan.storage.tables import enterprises, event_epcs, events, locations, products, units

SCAN_LOG = "scan_log"


def evaluate_scan_log(conn: sa.Connection, *, limit: int = 10_000) -> int:
    """Judge the scans logged since the last run (at most ``limit``); alerts raised."""
    last = conn.execute(
        sa.select(alert_watermarks.c.last_id).where(alert_watermarks.c.source == SCAN_LOG)
    ).scalar()
    rows = conn.execute(
        sa.select(scan_log).where(scan_log.c.id > (last or 0)).order_by(scan_log.c.id).limit(limit)
    ).all()
    if not rows:
        return 0
    raised = sum(evaluate_scan(conn, row._asdict()) for row in rows)
    values = {"last_id": rows[-1].id}
    if last is None:
        conn.execute(alert_watermarks.insert().values(source=SCAN_LOG, **values))
    else:
        conn.execute(
            alert_watermarks.update().where(alert_watermarks.c.source == SCAN_LOG).values(**values)
        )
    return raised


def evaluate_scan(conn: sa.Connection, scan: Mapping[str, Any]) -> int:
    """Run the scan rules on one logged consumer scan; alerts raised.

    ``scan`` holds ``key`` (None for a code that does not parse to one), ``at``, ``place``
    (coarse city), ``verdict`` and optionally ``tenant_id``, ``reason`` (the verdict's
    reason, e.g. ``never_commissioned``), ``code`` (as presented), ``count`` (checks so
    far, this one included) and ``channel``.
    """
    key = scan.get("key")
    at = scan.get("at") or now()
    place = scan.get("place")
    verdict = str(scan.get("verdict") or "")
    tenant_id = scan.get("tenant_id") or (_tenant_of(conn, key) if key else None)
    settings = load_settings(conn, tenant_id)
    evidence = {
        "code": scan.get("code"),
        "key": key,
        "place": place,
        "at": at.isoformat(),
        "channel": scan.get("channel"),
    }
    findings: list[Finding] = []
    found = rules.scan_verdict_finding(
        verdict=verdict,
        reason=scan.get("reason"),
        subject=key or scan.get("code"),
        evidence=evidence,
    )
    if found is not None:
        findings.append(found)
    if key and verdict in ("genuine", "suspicious"):
        findings += _copied(conn, key, at, scan.get("count"), settings)
        if settings.region_check:
            findings += _diversion(conn, key, place, evidence)
    return raise_findings(conn, tenant_id, findings, settings, at)


def _tenant_of(conn: sa.Connection, key: str) -> int | None:
    """The enterprise of a code: its unit's owner, else the owner of its product (GTIN)."""
    found = conn.execute(sa.select(units.c.tenant_id).where(units.c.key == key)).scalar()
    gtin = gtin_of(key)
    if found is None and gtin:
        query = sa.select(products.c.tenant_id).where(products.c.gtin == gtin)
        found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def _copied(
    conn: sa.Connection, key: str, at: datetime, count: Any, settings: RuleSettings
) -> list[Finding]:
    if not isinstance(count, int):
        query = sa.select(sa.func.count()).select_from(scan_log).where(scan_log.c.key == key)
        count = int(conn.execute(query).scalar_one())
    since = at - timedelta(hours=settings.scan_window_hours)
    places = conn.execute(
        sa.select(scan_log.c.place).where(
            scan_log.c.key == key, scan_log.c.at >= since, scan_log.c.at <= at
        )
    ).scalars()
    return rules.copied_label_findings(
        key=key,
        total_checks=count,
        recent_places=list(places),
        max_checks=settings.scan_count_max,
        max_cities=settings.scan_cities_max,
        window_hours=settings.scan_window_hours,
    )


def _containers_of(conn: sa.Connection, key: str, depth: int = 4) -> set[str]:
    """The key and every container it was ever packed in (from aggregation events)."""
    keys, frontier = {key}, {key}
    child, parent = event_epcs.alias("child"), event_epcs.alias("parent")
    for _ in range(depth):
        query = (
            sa.select(parent.c.epc)
            .join(child, child.c.event_pk == parent.c.event_pk)
            .where(child.c.epc.in_(sorted(frontier)), child.c.role == "child")
            .where(parent.c.role == "parent")
        )
        frontier = set(conn.execute(query).scalars()) - keys
        if not frontier:
            break
        keys |= frontier
    return keys


def _diversion(
    conn: sa.Connection, key: str, place: str | None, evidence: Mapping[str, Any]
) -> list[Finding]:
    keys = _containers_of(conn, key)
    named = sa.select(event_epcs.c.event_pk).where(event_epcs.c.epc.in_(sorted(keys)))
    row = conn.execute(
        sa.select(events.c.event_id, events.c.event_time, events.c.body)
        .where(events.c.id.in_(named), events.c.biz_step == "shipping")
        .order_by(events.c.event_time.desc(), events.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return []
    body = json.loads(row.body)
    destination = _destination(conn, body.get("destinationList") or ())
    if destination is None:
        return []
    found = rules.diversion_finding(
        key=key,
        place=place,
        region=destination["region"],
        evidence={
            **evidence,
            "distributor": destination["name"],
            "shipping_event": row.event_id,
            "shipped_at": row.event_time.isoformat(),
        },
    )
    return [found] if found is not None else []


def _destination(conn: sa.Connection, targets: Iterable[Any]) -> dict[str, Any] | None:
    """The region of a shipment's destination: a party enterprise or a known location."""
    for target in targets:
        value = str((target or {}).get("destination") or "")
        if value.startswith(PARTY_BASE):
            row = conn.execute(
                sa.select(enterprises.c.slug, enterprises.c.region).where(
                    enterprises.c.slug == value.removeprefix(PARTY_BASE)
                )
            ).first()
        else:
            row = conn.execute(
                sa.select(
                    enterprises.c.slug,
                    sa.func.coalesce(locations.c.region, enterprises.c.region).label("region"),
                )
                .join(enterprises, enterprises.c.id == locations.c.tenant_id)
                .where(locations.c.uri == value)
            ).first()
        if row is not None and row.region:
            return {"name": row.slug, "region": row.region}
    return None
