"""/api/v1/products."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from suyuan.api.deps import ActorDep, UowDep
from suyuan.api.schemas import ProductIn
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.products import add_product, get_product, list_products

router = APIRouter(tags=["products"])


@router.get("/products")
def list_route(uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Products the caller may read."""
    tenant = None if actor.is_platform else actor.enterprise_id
    return [p.to_dict() for p in list_products(uow, actor, tenant_id=tenant)]


@router.post("/products", status_code=201)
def create_route(body: ProductIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """File a product under its GTIN in the caller's enterprise."""
    ref = body.enterprise
    tenant = resolve_tenant(uow, actor, int(ref) if isinstance(ref, str) and ref.isdigit() else ref)
    return add_product(
        uow,
        actor,
        tenant_id=tenant,
        gtin=body.gtin,
        name=body.name,
        category=body.category,
        packaging=[p.model_dump() for p in body.packaging],
        attributes=body.attributes,
    ).to_dict()


@router.get("/products/{gtin}")
def show_route(gtin: str, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """One product by GTIN."""
    return get_product(uow, actor, gtin).to_dict()
