"""/api/v1/trace: backward, forward and flow, scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from suyuan.api.deps import ActorDep, UowDep
from suyuan.queries.trace import trace_back, trace_flow, trace_forward

router = APIRouter(prefix="/trace", tags=["trace"])


@router.get("/back/{code:path}")
def back_route(code: str, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Where a code (any printed form) or batch came from: packaging, genealogy, records, QC.

    Records of other enterprises on the chain show only their public fields."""
    return trace_back(uow.connection, actor, code)


@router.get("/forward/{lot:path}")
def forward_route(lot: str, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Everything a lot reached: descendant lots and units grouped by holder."""
    return trace_forward(uow.connection, actor, lot)


@router.get("/flow/{code:path}")
def flow_route(code: str, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """The path of custody of a unit: time, place, shipper, receiver, documents."""
    return trace_flow(uow.connection, actor, code)
