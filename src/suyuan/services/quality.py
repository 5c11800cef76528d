"""Quality control: computed verdicts, lots on hold, release by QC, disposal (QBT-5.2.2, GEN-10).

An inspection is a profile record of a type the profile sets limits for (baijiu: T5.2
methanol, cyanide, lead, alcohol content against the label; market produce: certificates).
When such a record is stored, the verdict is computed — never typed — and a failed lot
goes on hold at once together with every lot made from it. Units of a held lot cannot be
shipped, sold or packed into outgoing containers (enforced at capture, see
``domain.units``). Only a QC user releases a hold, with a reason; it is audited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.profiles import find_profile, judge, validate_record
from suyuan.domain.profiles.model import Profile
from suyuan.errors import Conflict, InvalidInput, NotFound
from suyuan.queries.trace import counted_edges, find_lot, stage_name
from suyuan.services.alerts import raise_alert
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.storage.tables import (
    attachments,
    lot_edges,
    lot_holds,
    lots,
    products,
    records,
)
from suyuan.storage.uow import UnitOfWork

MAX_ATTACHMENT = 20 << 20
ALERT_RULE = "qc_failed"


@dataclass(frozen=True, slots=True)
class QcOutcome:
    """The verdict on one stored record, and the lots it put on hold."""

    record_id: int
    lot: str
    passed: bool
    summary: str
    failures: tuple[dict[str, Any], ...]
    held_lots: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {name: getattr(self, name) for name in self.__slots__} | {
            "failures": list(self.failures),
            "held_lots": list(self.held_lots),
        }


def _limited_types(profile: Profile) -> set[str]:
    names: set[str] = set()
    for limit in profile.qc_limits:
        record_type = profile.find_record_type(limit.record_type)
        if record_type is not None:
            names |= {record_type.id, record_type.key}
    return names


def _product_facts(
    conn: sa.Connection, gtin: str | None, profile: Profile
) -> tuple[str, dict[str, Any]]:
    row = (
        conn.execute(sa.select(products.c.attributes).where(products.c.gtin == gtin)).first()
        if gtin
        else None
    )
    attributes = dict(row.attributes) if row is not None and row.attributes else {}
    default = profile.product_categories[0] if profile.product_categories else "default"
    return str(attributes.get("category") or default), attributes


def judge_stored_records(
    conn: sa.Connection, tenant_id: int, stored: Iterable[Mapping[str, Any]]
) -> list[QcOutcome]:
    """Compute verdicts for newly stored lot records; hold failed lots and their descendants.

    ``stored`` are the record rows just inserted (with ``id``, ``profile``,
    ``record_type``, ``subject_kind``, ``subject``, ``data``).
    """
    outcomes = []
    for row in stored:
        profile = find_profile(str(row["profile"]))
        if profile is None or row["subject_kind"] != "lot":
            continue
        if row["record_type"] not in _limited_types(profile):
            continue
        lot = conn.execute(sa.select(lots).where(lots.c.key == row["subject"])).first()
        if lot is None or lot.tenant_id != tenant_id:
            continue  # only the lot's owner judges it: a partner's record holds nothing
        category, label = _product_facts(conn, lot.gtin, profile)
        fields = validate_record(profile, str(row["record_type"]), dict(row["data"])).fields
        verdict = judge(profile, category, fields, label)
        failures = tuple(
            {
                "analyte": f.analyte,
                "value": f.value,
                "limit": f.limit,
                "basis": f.basis,
                "message": f.message,
            }
            for f in verdict.failures
        )
        held: tuple[str, ...] = ()
        if not verdict.passed:
            held = _hold(conn, tenant_id, lot, int(row["id"]), failures)
        outcomes.append(
            QcOutcome(int(row["id"]), lot.key, verdict.passed, verdict.summary_zh, failures, held)
        )
    return outcomes


def descendant_lot_ids(conn: sa.Connection, start: Iterable[int]) -> list[int]:
    """``start`` and every lot made from them, as the forward trace counts them."""
    first = list(start)
    if not first:
        return []
    down = (
        sa.select(lots.c.id.label("lot_id")).where(lots.c.id.in_(first)).cte("down", recursive=True)
    )
    edges = counted_edges()
    down = down.union(
        sa.select(edges.c.output_lot_id).join(down, edges.c.input_lot_id == down.c.lot_id)
    )
    return [int(v) for v in conn.execute(sa.select(down.c.lot_id)).scalars()]


def _hold(
    conn: sa.Connection,
    tenant_id: int,
    lot: Any,
    record_id: int,
    failures: tuple[dict[str, Any], ...],
) -> tuple[str, ...]:
    moment = now()
    reason = "; ".join(f["message"] for f in failures) or "QC failed"
    ids = descendant_lot_ids(conn, [lot.id])
    conn.execute(
        lot_holds.insert(),
        [
            {
                "tenant_id": tenant_id,
                "lot_id": lot_id,
                "origin_lot_id": lot.id,
                "record_id": record_id,
                "reason": reason,
                "verdict": {"failures": list(failures)},
                "held_at": moment,
            }
            for lot_id in ids
        ],
    )
    conn.execute(lots.update().where(lots.c.id.in_(ids)).values(status="hold", updated_at=moment))
    keys = tuple(conn.execute(sa.select(lots.c.key).where(lots.c.id.in_(ids))).scalars())
    _alert(
        conn,
        tenant_id,
        lot.key,
        {"reason": reason, "held_lots": list(keys), "record_id": record_id},
    )
    return keys


def _alert(conn: sa.Connection, tenant_id: int, lot_key: str, evidence: dict[str, Any]) -> None:
    raise_alert(
        conn,
        tenant_id=tenant_id,
        rule=ALERT_RULE,
        severity="critical",
        object=lot_key,
        evidence=evidence,
    )


def propagate_holds(conn: sa.Connection, lot_keys: Iterable[str]) -> int:
    """Lots just made from a held lot are held too, under the same origin.

    Repeated until nothing changes, so a chain made in one capture (held base liquor →
    new blend → new bottling batch) is held to its end; returns the holds added.
    """
    keys = list(lot_keys)
    added = 0
    while keys:
        fresh = _unheld_children(conn, keys)
        if not fresh:
            break
        moment = now()
        conn.execute(
            lot_holds.insert(),
            [
                {
                    "tenant_id": row.tenant_id,
                    "lot_id": row.id,
                    "origin_lot_id": row.origin_lot_id,
                    "record_id": row.record_id,
                    "reason": row.reason,
                    "verdict": row.verdict,
                    "held_at": moment,
                }
                for row in fresh
            ],
        )
        ids = {row.id for row in fresh}
        conn.execute(
            lots.update().where(lots.c.id.in_(ids)).values(status="hold", updated_at=moment)
        )
        added += len(fresh)
    return added


def _unheld_children(conn: sa.Connection, keys: list[str]) -> list[Any]:
    """(lot, origin) pairs among ``keys`` made from a held lot but not yet held for it."""
    mine = lot_holds.alias("mine")
    already = (
        sa.select(mine.c.id)
        .where(
            mine.c.lot_id == lots.c.id,
            mine.c.origin_lot_id == lot_holds.c.origin_lot_id,
            mine.c.released_at.is_(None),
        )
        .exists()
    )
    rows = conn.execute(
        sa.select(
            lots.c.id,
            lots.c.tenant_id,
            lot_holds.c.origin_lot_id,
            lot_holds.c.reason,
            lot_holds.c.record_id,
            lot_holds.c.verdict,
        )
        .join(lot_edges, lot_edges.c.output_lot_id == lots.c.id)
        .join(lot_holds, lot_holds.c.lot_id == lot_edges.c.input_lot_id)
        .where(lots.c.key.in_(keys), lot_holds.c.released_at.is_(None), ~already)
    ).all()
    unique: dict[tuple[int, int], Any] = {}
    for row in rows:
        unique.setdefault((row.id, row.origin_lot_id), row)
    return list(unique.values())


def release_hold(uow: UnitOfWork, actor: Actor, *, lot: str, reason: str) -> list[str]:
    """Release a QC hold (QC role only, with a reason, audited); returns the released lots."""
    require_role(actor, Role.QC, action="release a QC hold")
    if not reason.strip():
        raise InvalidInput("--reason: a release needs a reason")
    conn = uow.connection
    row = find_lot(conn, lot)
    if row is None or not actor.can_write_tenant(row.tenant_id):
        raise NotFound(f"lot {lot!r} not found")
    origin = conn.execute(
        sa.select(lot_holds.c.origin_lot_id).where(
            lot_holds.c.lot_id == row.id, lot_holds.c.released_at.is_(None)
        )
    ).scalar()
    if origin is None:
        raise Conflict(f"lot {row.key} is not on hold")
    moment = now()
    held = (
        conn.execute(
            sa.select(lot_holds.c.lot_id).where(
                lot_holds.c.origin_lot_id == origin, lot_holds.c.released_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    conn.execute(
        lot_holds.update()
        .where(lot_holds.c.origin_lot_id == origin, lot_holds.c.released_at.is_(None))
        .values(released_at=moment, released_by=actor.name, release_reason=reason)
    )
    still_held = sa.select(lot_holds.c.lot_id).where(lot_holds.c.released_at.is_(None))
    conn.execute(
        lots.update()
        .where(lots.c.id.in_(held), lots.c.id.not_in(still_held))
        .values(status="active", updated_at=moment)
    )
    keys = list(conn.execute(sa.select(lots.c.key).where(lots.c.id.in_(held))).scalars())
    record_audit(
        conn,
        actor,
        action="release_hold",
        object_type="lot",
        object_id=row.key,
        tenant_id=row.tenant_id,
        detail={"reason": reason, "lots": keys},
    )
    uow.commit()
    return keys


def list_holds(uow: UnitOfWork, actor: Actor, *, active_only: bool = True) -> list[dict[str, Any]]:
    """Holds the actor may see, newest first."""
    query = (
        sa.select(lot_holds, lots.c.key, lots.c.stage)
        .join(lots, lots.c.id == lot_holds.c.lot_id)
        .order_by(lot_holds.c.id.desc())
    )
    if active_only:
        query = query.where(lot_holds.c.released_at.is_(None))
    return [
        {
            "lot": r.key,
            "stage": stage_name(r.stage),
            "reason": r.reason,
            "held_at": r.held_at.isoformat(),
            "released_at": r.released_at.isoformat() if r.released_at else None,
            "released_by": r.released_by,
            "release_reason": r.release_reason,
        }
        for r in uow.connection.execute(query)
        if actor.can_read_tenant(r.tenant_id)
    ]


def store_attachment(
    uow: UnitOfWork, actor: Actor, *, tenant_id: int, filename: str, media_type: str, content: bytes
) -> dict[str, Any]:
    """Store an inspection report (PDF or image) with its SHA-256; returns its reference."""
    require_role(actor, Role.QC, Role.OPERATOR, action="upload inspection reports")
    if not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    if len(content) > MAX_ATTACHMENT:
        raise InvalidInput(f"{filename}: {len(content)} bytes exceeds {MAX_ATTACHMENT}")
    allowed = ("application/pdf", "image/png", "image/jpeg")
    if media_type not in allowed:
        raise InvalidInput(f"{filename}: type {media_type} not accepted ({', '.join(allowed)})")
    digest = hashlib.sha256(content).hexdigest()
    conn = uow.connection
    attachment_id = conn.execute(
        attachments.insert()
        .values(
            tenant_id=tenant_id,
            sha256=digest,
            filename=filename[:255],
            media_type=media_type,
            size=len(content),
            content=content,
            created_by=actor.name,
            created_at=now(),
        )
        .returning(attachments.c.id)
    ).scalar_one()
    uow.commit()
    return {
        "id": attachment_id,
        "sha256": digest,
        "filename": filename,
        "size": len(content),
        "reference": f"sha256:{digest}",
    }


def record_verdicts(uow: UnitOfWork, actor: Actor, *, lot: str) -> list[dict[str, Any]]:
    """The computed verdict of every QC record of a lot (for the console and the API)."""
    conn = uow.connection
    row = find_lot(conn, lot)
    if row is None or not actor.can_read_tenant(row.tenant_id):
        raise NotFound(f"lot {lot!r} not found")
    result = []
    own_records = sa.select(records).where(
        records.c.subject_kind == "lot",
        records.c.subject == row.key,
        records.c.tenant_id == row.tenant_id,
    )
    for record in conn.execute(own_records.order_by(records.c.id)):
        profile = find_profile(record.profile)
        if profile is None or record.record_type not in _limited_types(profile):
            continue
        category, label = _product_facts(conn, row.gtin, profile)
        fields = validate_record(profile, record.record_type, dict(record.data)).fields
        verdict = judge(profile, category, fields, label)
        result.append(
            {
                "record_id": record.id,
                "type": record.record_type,
                "passed": verdict.passed,
                "summary": verdict.summary_zh,
                "failures": [f.message for f in verdict.failures],
            }
        )
    return result
