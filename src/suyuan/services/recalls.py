"""Recalls (QBT-5.2.7, QBT-10.5, GEN-27..GEN-30): scope by forward trace, notify, recover, close.

Opening a recall computes its scope with the forward trace — every unit made from the
named lots (or the named codes with their contents), wherever it is — in set-based SQL,
marks those units ``recalled`` at once (the consumer page warns from that moment) and
leaves one notice per downstream holder in an outbox, with that holder's own list.
Recovery is by scanning (a case or pallet recovers its contents); progress is counted
per holder. Closing applies the final disposition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.units import UnitStatus
from suyuan.errors import Conflict, InvalidInput, NotFound
from suyuan.queries.trace import find_lot, resolve_unit_key
from suyuan.services.alerts import raise_alert
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.services.publishing import publish_keys
from suyuan.services.quality import descendant_lot_ids
from suyuan.storage.containment import with_contents
from suyuan.storage.tables import (
    enterprises,
    recall_log,
    recall_notices,
    recall_units,
    recalls,
    units,
)
from suyuan.storage.uow import UnitOfWork

NOTICE_SAMPLE = 200


class RecallLevel(IntEnum):
    """Severity of a recall (一级 most severe)."""

    ONE = 1
    TWO = 2
    THREE = 3


class Disposition(StrEnum):
    """How a recall ends; stored values never change."""

    DESTROYED = "destroyed"
    REWORKED = "reworked"
    RELEASED = "released"


class RecallNotFound(NotFound):
    """No recall with that id visible to the caller."""

    code = "recall_not_found"


@dataclass(frozen=True, slots=True)
class RecallScope:
    """What a recall is opened on."""

    lots: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    product: str | None = None
    batch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "lots": list(self.lots),
            "codes": list(self.codes),
            "product": self.product,
            "batch": self.batch,
        }


def _log(
    conn: sa.Connection, recall_id: int, actor: Actor, action: str, detail: dict[str, Any]
) -> None:
    conn.execute(
        recall_log.insert().values(
            recall_id=recall_id, at=now(), actor=actor.name, action=action, detail=detail
        )
    )


def _scope_lot_ids(conn: sa.Connection, tenant_id: int, scope: RecallScope) -> list[int]:
    """The named lots (the recalling enterprise's own) and every lot made from them."""
    names = list(scope.lots)
    if scope.product and scope.batch:
        names.append(f"{scope.product}:{scope.batch}")
    start = []
    for name in names:
        row = find_lot(conn, name)
        if row is None or row.tenant_id != tenant_id:
            raise NotFound(f"lot {name!r} not found", detail={"lot": name})
        start.append(row.id)
    return descendant_lot_ids(conn, start)


def _code_unit_ids(conn: sa.Connection, tenant_id: int, codes: Sequence[str]) -> list[int]:
    """The named units and containers (the recalling enterprise's own) with their contents."""
    keys = []
    for code in codes:
        key = resolve_unit_key(code)
        if key is None:
            raise InvalidInput(f"code {code!r} is not a valid code", detail={"code": code})
        keys.append(key)
    found = dict(
        conn.execute(
            sa.select(units.c.key, units.c.id).where(
                units.c.key.in_(keys), units.c.tenant_id == tenant_id
            )
        ).all()
    )
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFound(f"code {missing[0]} is not known", detail={"codes": missing[:20]})
    return with_contents(conn, list(found.values()))


def open_recall(
    uow: UnitOfWork, actor: Actor, *, tenant_id: int, scope: RecallScope, reason: str, level: int
) -> dict[str, Any]:
    """Open a recall: compute the scope, mark units recalled, queue one notice per holder."""
    require_role(actor, Role.QC, Role.REGULATOR, action="open a recall")
    if not reason.strip():
        raise InvalidInput("--reason: say why the product is recalled")
    if level not in tuple(RecallLevel):
        raise InvalidInput(f"level {level}: must be 1, 2 or 3")
    if not (
        actor.can_write_tenant(tenant_id) or (actor.is_platform and Role.REGULATOR in actor.roles)
    ):
        raise NotFound(f"enterprise {tenant_id} not found")
    if not (scope.lots or scope.codes or (scope.product and scope.batch)):
        raise InvalidInput("name the scope: --lot, --codes or --product with --batch")
    conn = uow.connection
    moment = now()
    recall_id = conn.execute(
        recalls.insert()
        .values(
            tenant_id=tenant_id,
            level=level,
            reason=reason,
            status="open",
            scope=scope.to_dict(),
            unit_count=0,
            opened_by=actor.name,
            created_at=moment,
        )
        .returning(recalls.c.id)
    ).scalar_one()
    _insert_scope(conn, recall_id, tenant_id, scope)
    unit_count = conn.execute(
        sa.select(sa.func.count())
        .select_from(recall_units)
        .where(recall_units.c.recall_id == recall_id, recall_units.c.kind == "unit")
    ).scalar_one()
    if unit_count == 0:
        raise InvalidInput("the scope reaches no units: nothing to recall")
    in_scope = sa.select(recall_units.c.unit_id).where(recall_units.c.recall_id == recall_id)
    conn.execute(
        units.update()
        .where(units.c.id.in_(in_scope))
        .values(status=UnitStatus.RECALLED.value, disposition="recalled", updated_at=moment)
    )
    conn.execute(recalls.update().where(recalls.c.id == recall_id).values(unit_count=unit_count))
    _republish(conn, recall_id)
    notices = _notify(conn, recall_id, tenant_id, reason, level)
    _log(
        conn,
        recall_id,
        actor,
        "opened",
        {"scope": scope.to_dict(), "unit_count": unit_count, "notices": notices},
    )
    record_audit(
        conn,
        actor,
        action="open",
        object_type="recall",
        object_id=recall_id,
        tenant_id=tenant_id,
        detail={"unit_count": unit_count, "reason": reason},
    )
    uow.commit()
    return recall_status(uow, actor, recall_id)


def _insert_scope(conn: sa.Connection, recall_id: int, tenant_id: int, scope: RecallScope) -> None:
    chosen: list[sa.ColumnElement[bool]] = []
    lot_ids = _scope_lot_ids(conn, tenant_id, scope)
    if lot_ids:
        chosen.append(units.c.lot_id.in_(lot_ids))
    if scope.codes:
        chosen.append(units.c.id.in_(_code_unit_ids(conn, tenant_id, scope.codes)))
    columns = ["recall_id", "unit_id", "key", "kind", "holder_id", "previous_status"]
    picked = (
        sa.literal(recall_id),
        units.c.id,
        units.c.key,
        units.c.kind,
        units.c.holder_id,
        units.c.status,
    )
    gone = ("destroyed", "voided", "decommissioned")
    conn.execute(
        recall_units.insert().from_select(
            columns, sa.select(*picked).where(sa.or_(*chosen), units.c.status.not_in(gone))
        )
    )
    # Containers holding recalled units, up to the outermost pallet, are in scope too
    # (each is recovered once, and scanning it recovers what it holds).
    in_scope = sa.select(recall_units.c.unit_id).where(recall_units.c.recall_id == recall_id)
    up = (
        sa.select(units.c.parent_id.label("unit_id"))
        .where(units.c.id.in_(in_scope), units.c.parent_id.is_not(None))
        .cte("holding", recursive=True)
    )
    up = up.union(
        sa.select(units.c.parent_id).where(
            units.c.id == up.c.unit_id, units.c.parent_id.is_not(None)
        )
    )
    container_ids = [int(v) for v in conn.execute(sa.select(up.c.unit_id)).scalars()]
    if container_ids:
        conn.execute(
            recall_units.insert().from_select(
                columns,
                sa.select(*picked).where(
                    units.c.id.in_(container_ids), units.c.id.not_in(in_scope)
                ),
            )
        )


def _republish(conn: sa.Connection, recall_id: int) -> None:
    """The consumer page follows at once (GEN-30): republish the public state of the scope."""
    keys = conn.execute(
        sa.select(recall_units.c.key).where(recall_units.c.recall_id == recall_id)
    ).scalars()
    publish_keys(conn, list(keys))


def _notify(conn: sa.Connection, recall_id: int, tenant_id: int, reason: str, level: int) -> int:
    rows = conn.execute(
        sa.select(recall_units.c.holder_id, sa.func.count().label("n"))
        .where(recall_units.c.recall_id == recall_id, recall_units.c.kind == "unit")
        .group_by(recall_units.c.holder_id)
    ).all()
    moment = now()
    notices = []
    for row in rows:
        sample = (
            conn.execute(
                sa.select(recall_units.c.key)
                .where(
                    recall_units.c.recall_id == recall_id,
                    recall_units.c.holder_id == row.holder_id,
                    recall_units.c.kind == "unit",
                )
                .order_by(recall_units.c.key)
                .limit(NOTICE_SAMPLE)
            )
            .scalars()
            .all()
        )
        payload = {
            "recall_id": recall_id,
            "level": level,
            "reason": reason,
            "unit_count": row.n,
            "codes": list(sample),
            "codes_url": f"/api/v1/recalls/{recall_id}/codes.csv?holder={row.holder_id}",
        }
        for channel in ("webhook", "email", "sms"):
            notices.append(
                {
                    "recall_id": recall_id,
                    "holder_id": row.holder_id,
                    "channel": channel,
                    "payload": payload,
                    "status": "pending",
                    "created_at": moment,
                }
            )
        _alert_holder(conn, row.holder_id, recall_id, payload)
    if notices:
        conn.execute(recall_notices.insert(), notices)
    return len(rows)


def _alert_holder(
    conn: sa.Connection, holder_id: int | None, recall_id: int, payload: dict[str, Any]
) -> None:
    raise_alert(
        conn,
        tenant_id=holder_id,
        rule="recall_notice",
        severity="critical",
        object=f"recall:{recall_id}",
        evidence=payload,
    )


def _get(conn: sa.Connection, actor: Actor, recall_id: int) -> Any:
    row = conn.execute(sa.select(recalls).where(recalls.c.id == recall_id)).first()
    if row is None:
        raise RecallNotFound(f"recall {recall_id} not found")
    if actor.can_read_tenant(row.tenant_id):
        return row
    if (
        actor.enterprise_id is not None
        and conn.execute(
            sa.select(recall_units.c.unit_id)
            .where(
                recall_units.c.recall_id == recall_id,
                recall_units.c.holder_id == actor.enterprise_id,
            )
            .limit(1)
        ).first()
    ):
        return row  # a holder sees the recall it must act on
    raise RecallNotFound(f"recall {recall_id} not found")


def recall_status(uow: UnitOfWork, actor: Actor, recall_id: int) -> dict[str, Any]:
    """Scope, recovery progress overall and per holder, notices, timeline."""
    conn = uow.connection
    row = _get(conn, actor, recall_id)
    per_holder = conn.execute(
        sa.select(
            recall_units.c.holder_id,
            enterprises.c.slug,
            enterprises.c.name,
            sa.func.count().label("units"),
            sa.func.count(recall_units.c.recovered_at).label("recovered"),
        )
        .outerjoin(enterprises, enterprises.c.id == recall_units.c.holder_id)
        .where(recall_units.c.recall_id == recall_id, recall_units.c.kind == "unit")
        .group_by(recall_units.c.holder_id, enterprises.c.slug, enterprises.c.name)
        .order_by(sa.func.count().desc())
    ).all()
    by_status: dict[str, int] = dict(
        conn.execute(
            sa.select(recall_units.c.previous_status, sa.func.count())
            .where(recall_units.c.recall_id == recall_id, recall_units.c.kind == "unit")
            .group_by(recall_units.c.previous_status)
        ).all()
    )
    recovered = sum(r.recovered for r in per_holder)
    holders = [
        {
            "holder_id": r.holder_id,
            "holder": r.slug,
            "name": r.name,
            "units": r.units,
            "recovered": r.recovered,
            "missing": r.units - r.recovered,
        }
        for r in per_holder
        if actor.can_read_tenant(row.tenant_id) or r.holder_id == actor.enterprise_id
    ]
    timeline = [
        {"at": t.at.isoformat(), "actor": t.actor, "action": t.action, "detail": t.detail}
        for t in conn.execute(
            sa.select(recall_log)
            .where(recall_log.c.recall_id == recall_id)
            .order_by(recall_log.c.id)
        )
    ]
    notices = conn.execute(
        sa.select(sa.func.count())
        .select_from(recall_notices)
        .where(recall_notices.c.recall_id == recall_id)
    ).scalar_one()
    return {
        "recall_id": row.id,
        "enterprise_id": row.tenant_id,
        "level": row.level,
        "reason": row.reason,
        "status": row.status,
        "scope": row.scope,
        "unit_count": row.unit_count,
        "recovered": recovered,
        "missing": row.unit_count - recovered,
        "by_previous_status": by_status,
        "holders": holders,
        "notices": notices,
        "opened_by": row.opened_by,
        "opened_at": row.created_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "disposition": row.disposition,
        "timeline": timeline,
    }


def scan_recovered(
    uow: UnitOfWork, actor: Actor, *, recall_id: int, codes: Sequence[str]
) -> dict[str, Any]:
    """Record recovery by scanning (QBT-10.5): a case or pallet recovers its contents."""
    conn = uow.connection
    row = _get(conn, actor, recall_id)
    if row.status != "open":
        raise Conflict(f"recall {recall_id} is {row.status}")
    if not codes:
        raise InvalidInput("scan at least one code")
    keys, unknown = [], []
    for code in codes:
        key = resolve_unit_key(code)
        (keys.append(key) if key else unknown.append(code))
    start = list(conn.execute(sa.select(units.c.id).where(units.c.key.in_(keys))).scalars())
    # Materialised first: SQLite reports no rowcount for an UPDATE that starts with WITH.
    target_ids = with_contents(conn, start)
    scope = (recall_units.c.recall_id == recall_id) & recall_units.c.unit_id.in_(target_ids)
    if actor.enterprise_id is not None and not actor.can_write_tenant(row.tenant_id):
        scope = scope & (recall_units.c.holder_id == actor.enterprise_id)
    moment = now()
    pending = (scope, recall_units.c.recovered_at.is_(None), recall_units.c.kind == "unit")
    newly = conn.execute(
        sa.select(sa.func.count()).select_from(recall_units).where(*pending)
    ).scalar_one()
    conn.execute(
        recall_units.update()
        .where(scope, recall_units.c.recovered_at.is_(None))
        .values(recovered_at=moment, recovered_by=actor.name)
    )
    in_scope = conn.execute(
        sa.select(sa.func.count())
        .select_from(recall_units)
        .where(scope, recall_units.c.kind == "unit")
    ).scalar_one()
    found_keys = set(
        conn.execute(sa.select(units.c.key).where(units.c.id.in_(start or [-1]))).scalars()
    )
    not_found = unknown + [k for k in keys if k not in found_keys]
    _log(conn, recall_id, actor, "scanned", {"codes": list(codes)[:100], "recovered": newly})
    uow.commit()
    return {
        "recall_id": recall_id,
        "scanned": len(codes),
        "newly_recovered": newly,
        "units_in_scanned": in_scope,
        "not_found": not_found,
    }


def close_recall(
    uow: UnitOfWork, actor: Actor, *, recall_id: int, disposition: str, note: str
) -> dict[str, Any]:
    """Close with a final disposition: destroyed, reworked, or released after review."""
    require_role(actor, Role.QC, Role.REGULATOR, action="close a recall")
    try:
        final = Disposition(disposition)
    except ValueError:
        raise InvalidInput(
            f"disposition {disposition!r}: destroyed, reworked or released"
        ) from None
    conn = uow.connection
    row = _get(conn, actor, recall_id)
    if row.status != "open":
        raise Conflict(f"recall {recall_id} is already {row.status}")
    moment = now()
    recovered = sa.select(recall_units.c.unit_id).where(
        recall_units.c.recall_id == recall_id, recall_units.c.recovered_at.is_not(None)
    )
    if final is Disposition.DESTROYED:
        conn.execute(
            units.update()
            .where(units.c.id.in_(recovered))
            .values(
                status=UnitStatus.DESTROYED.value,
                disposition="destroyed",
                parent_id=None,
                updated_at=moment,
            )
        )
    elif final is Disposition.REWORKED:
        conn.execute(
            units.update()
            .where(units.c.id.in_(recovered))
            .values(
                status=UnitStatus.DECOMMISSIONED.value, disposition="reworked", updated_at=moment
            )
        )
    else:
        previous = (
            sa.select(recall_units.c.previous_status)
            .where(recall_units.c.recall_id == recall_id, recall_units.c.unit_id == units.c.id)
            .scalar_subquery()
        )
        in_scope = sa.select(recall_units.c.unit_id).where(recall_units.c.recall_id == recall_id)
        conn.execute(
            units.update()
            .where(units.c.id.in_(in_scope))
            .values(status=previous, disposition=None, updated_at=moment)
        )
    conn.execute(
        recalls.update()
        .where(recalls.c.id == recall_id)
        .values(
            status="closed",
            closed_at=moment,
            closed_by=actor.name,
            disposition=final.value,
            note=note,
        )
    )
    _republish(conn, recall_id)
    _log(conn, recall_id, actor, "closed", {"disposition": final.value, "note": note})
    record_audit(
        conn,
        actor,
        action="close",
        object_type="recall",
        object_id=recall_id,
        tenant_id=row.tenant_id,
        detail={"disposition": final.value, "note": note},
    )
    uow.commit()
    return recall_status(uow, actor, recall_id)


def list_recalls(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Recalls the actor may read, newest first."""
    rows = uow.connection.execute(sa.select(recalls).order_by(recalls.c.id.desc()))
    return [
        {
            "recall_id": r.id,
            "level": r.level,
            "reason": r.reason,
            "status": r.status,
            "unit_count": r.unit_count,
            "opened_at": r.created_at.isoformat(),
        }
        for r in rows
        if actor.can_read_tenant(r.tenant_id)
    ]


def recall_unit_rows(
    uow: UnitOfWork, actor: Actor, recall_id: int, holder_id: int | None = None
) -> list[dict[str, Any]]:
    """Every unit of a recall (for the holder lists and the CSV report)."""
    conn = uow.connection
    row = _get(conn, actor, recall_id)
    query = (
        sa.select(recall_units, enterprises.c.slug)
        .outerjoin(enterprises, enterprises.c.id == recall_units.c.holder_id)
        .where(recall_units.c.recall_id == recall_id)
        .order_by(recall_units.c.holder_id, recall_units.c.key)
    )
    if holder_id is not None:
        query = query.where(recall_units.c.holder_id == holder_id)
    if not actor.can_read_tenant(row.tenant_id):
        query = query.where(recall_units.c.holder_id == actor.enterprise_id)
    return [
        {
            "key": r.key,
            "kind": r.kind,
            "holder": r.slug,
            "previous_status": r.previous_status,
            "recovered_at": r.recovered_at.isoformat() if r.recovered_at else None,
            "recovered_by": r.recovered_by,
        }
        for r in conn.execute(query)
    ]
