"""Profile records (QB/T Tables 1–14): validated, attached to what they describe, queryable.

Process records (koji making, fermentation, blending, bottling, shipping notes …) travel
inside EPCIS events in the suyuan namespace; when such an event is captured, its
records are stored here against the lots or units the event names — whether it was
recorded through suyuan or re-imported from an EPCIS export. Master data records
(suppliers, equipment, facilities, personnel) describe the enterprise and are stored
directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.events import SUYUAN_PREFIX, identifier_key
from suyuan.domain.profiles import InvalidRecord, get_profile, record_from_epcis, validate_record
from suyuan.domain.profiles.model import AttachesTo
from suyuan.domain.units import gtin_of, key_kind
from suyuan.errors import InvalidInput, NotFound
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.services.enterprises import get_enterprise
from suyuan.storage.tables import records
from suyuan.storage.uow import UnitOfWork

RECORD = f"{SUYUAN_PREFIX}:record"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as callers see it."""

    id: int
    tenant_id: int
    profile: str
    record_type: str
    subject_kind: str
    subject: str
    event_pk: int | None
    data: dict[str, Any]
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {name: getattr(self, name) for name in self.__slots__}


def _bodies(container: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if not isinstance(container, Mapping) or RECORD not in container:
        return []
    value = container[RECORD]
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, Mapping)]


def _subjects(event: Mapping[str, Any], *, lot_data: bool) -> list[tuple[str, str]]:
    if lot_data:
        classes = [q.get("epcClass") for q in event.get("outputQuantityList") or ()]
        classes += [q.get("epcClass") for q in event.get("quantityList") or ()]
        keys = [identifier_key(c) for c in classes if c]
        keys += _batch_keys(event)
        if keys:
            return [("lot", k) for k in dict.fromkeys(keys)]
    names = [*(event.get("epcList") or ()), *(event.get("outputEPCList") or ())]
    if event.get("parentID"):
        names.append(event["parentID"])
    subjects = [(key_kind(identifier_key(n)), identifier_key(n)) for n in names]
    subjects += [
        ("lot", identifier_key(q["epcClass"]))
        for q in event.get("quantityList") or ()
        if q.get("epcClass")
    ]
    return subjects


def _batch_keys(event: Mapping[str, Any]) -> list[str]:
    """The batches that commissioned units belong to (ilmd lot number + their GTINs)."""
    ilmd = event.get("ilmd")
    lot = None
    if isinstance(ilmd, Mapping):
        lot = next((v for k, v in ilmd.items() if k.split(":")[-1] == "lotNumber"), None)
    if lot is None:
        return []
    names = [*(event.get("epcList") or ()), *(event.get("outputEPCList") or ())]
    gtins = {gtin_of(identifier_key(n)) for n in names}
    return [f"/01/{g}/10/{lot}" for g in sorted(g for g in gtins if g)]


def records_in_event(event: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], bool]]:
    """The record elements an event carries, each with whether it rode in ilmd."""
    found = [(body, True) for body in _bodies(event.get("ilmd"))]
    return found + [(body, False) for body in _bodies(event)]


def store_event_records(
    conn: sa.Connection, tenant_id: int, items: Iterable[tuple[Mapping[str, Any], int]]
) -> list[dict[str, Any]]:
    """Store the records carried by captured events (called inside the capture transaction)."""
    rows: list[dict[str, Any]] = []
    moment = now()
    for event, pk in items:
        for body, in_ilmd in records_in_event(event):
            try:
                record = record_from_epcis(body)
            except (InvalidRecord, NotFound):
                continue  # a partner's record we cannot read stays in the event itself
            for kind, subject in _subjects(event, lot_data=in_ilmd) or [("event", str(pk))]:
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "profile": record.profile,
                        "record_type": record.type_id,
                        "subject_kind": kind,
                        "subject": subject[:255],
                        "event_pk": pk,
                        "data": record.to_json(),
                        "created_at": moment,
                    }
                )
    if rows:
        result = conn.execute(
            records.insert().returning(records.c.id, sort_by_parameter_order=True), rows
        )
        for row, inserted in zip(rows, result, strict=True):
            row["id"] = inserted.id
    return rows


def check_event_records(event: Mapping[str, Any]) -> list[str]:
    """Messages for every record in an event that its profile rejects (for capture errors)."""
    problems: list[str] = []
    for body, _ in records_in_event(event):
        try:
            record_from_epcis(body)
        except InvalidRecord as exc:
            problems.append(str(exc))
        except NotFound as exc:
            problems.append(str(exc))
    return problems


def add_master_record(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int,
    record_type: str,
    data: Mapping[str, Any],
) -> StoredRecord:
    """Record master data of an enterprise: supplier (T1.2), equipment (T7), facility (T8),
    personnel (T9), or any record type the profile attaches to the enterprise."""
    require_role(actor, Role.OPERATOR, Role.QC, Role.WAREHOUSE, action="record master data")
    enterprise = get_enterprise(uow, actor, tenant_id)
    if not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    profile = get_profile(enterprise.profile)
    validated = validate_record(profile, record_type, data)
    kind = profile.get_record_type(validated.type_id).attaches_to
    if kind in (AttachesTo.LOT, AttachesTo.EVENT, AttachesTo.UNIT):
        raise InvalidInput(
            f"{validated.table} {validated.key}: describes a {kind.value}; record it with the "
            "operation it belongs to (it travels in the event)"
        )
    conn = uow.connection
    record_id = conn.execute(
        records.insert()
        .values(
            tenant_id=tenant_id,
            profile=profile.id,
            record_type=validated.type_id,
            subject_kind="enterprise",
            subject=str(tenant_id),
            event_pk=None,
            data=validated.to_json(),
            created_at=now(),
        )
        .returning(records.c.id)
    ).scalar_one()
    record_audit(
        conn,
        actor,
        action="create",
        object_type="record",
        object_id=record_id,
        tenant_id=tenant_id,
        detail={"type": validated.type_id},
    )
    uow.commit()
    return get_record(uow, actor, record_id)


def _to_record(row: Any) -> StoredRecord:
    return StoredRecord(
        row.id,
        row.tenant_id,
        row.profile,
        row.record_type,
        row.subject_kind,
        row.subject,
        row.event_pk,
        dict(row.data),
        row.created_at.isoformat(),
    )


def get_record(uow: UnitOfWork, actor: Actor, record_id: int) -> StoredRecord:
    """One record the actor may read."""
    row = uow.connection.execute(sa.select(records).where(records.c.id == record_id)).first()
    if row is None or not actor.can_read_tenant(row.tenant_id):
        raise NotFound(f"record {record_id} not found")
    return _to_record(row)


def list_records(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int | None = None,
    record_type: str | None = None,
    subject: str | None = None,
    limit: int = 200,
) -> list[StoredRecord]:
    """Records the actor may read, newest first, filtered by type and subject."""
    query = sa.select(records).order_by(records.c.id.desc()).limit(limit)
    if tenant_id is not None:
        query = query.where(records.c.tenant_id == tenant_id)
    if record_type is not None:
        query = query.where(records.c.record_type == record_type)
    if subject is not None:
        query = query.where(records.c.subject == identifier_key(subject))
    return [
        r
        for r in map(_to_record, uow.connection.execute(query))
        if actor.can_read_tenant(r.tenant_id)
    ]
