"""Audit records shaped as actor + request id + action + object (GEN-22, QBT-11.4(f))."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor
from suyuan.services.clock import now
from suyuan.storage.tables import audit_log


def record_audit(
    connection: sa.Connection,
    actor: Actor,
    *,
    action: str,
    object_type: str,
    object_id: str | int | None,
    tenant_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit record in the caller's transaction."""
    connection.execute(
        audit_log.insert().values(
            tenant_id=tenant_id,
            at=now(),
            actor=actor.name,
            request_id=actor.request_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            detail=detail or {},
        )
    )
