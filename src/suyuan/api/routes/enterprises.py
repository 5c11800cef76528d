"""/api/v1/enterprises."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from suyuan.api.deps import ActorDep, UowDep
from suyuan.api.schemas import EnterpriseIn
from suyuan.services.enterprises import (
    NewEnterprise,
    add_enterprise,
    get_enterprise,
    list_enterprises,
)

router = APIRouter(tags=["enterprises"])


@router.get("/enterprises")
def list_route(uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Enterprises visible to the caller (all for platform users, else its own)."""
    return [e.to_dict() for e in list_enterprises(uow, actor)]


@router.post("/enterprises", status_code=201)
def create_route(body: EnterpriseIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Register an enterprise (platform administrators)."""
    return add_enterprise(uow, actor, NewEnterprise(**body.model_dump())).to_dict()


@router.get("/enterprises/{ref}")
def show_route(ref: str, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """One enterprise by id or slug."""
    return get_enterprise(uow, actor, int(ref) if ref.isdigit() else ref).to_dict()
