"""Products: GTIN-keyed product master of an enterprise (QBT-5.1.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.packaging import PackagingLevel, parse_packaging
from suyuan.errors import Conflict, InvalidInput, NotFound
from suyuan.identifiers.gs1 import Gtin
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.services.enterprises import get_enterprise
from suyuan.storage.tables import products
from suyuan.storage.uow import UnitOfWork


class ProductNotFound(NotFound):
    """No product with that GTIN (visible to the caller)."""

    code = "product_not_found"


@dataclass(frozen=True, slots=True)
class Product:
    """A product as callers see it."""

    id: int
    tenant_id: int
    gtin: str
    name: str
    category: str
    packaging: tuple[PackagingLevel, ...]
    attributes: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "enterprise_id": self.tenant_id,
            "gtin": self.gtin,
            "name": self.name,
            "category": self.category,
            "packaging": [level.to_dict() for level in self.packaging],
            "attributes": self.attributes,
        }

    def level(self, name: str) -> PackagingLevel | None:
        """The packaging level called ``name`` (case, pallet), if the product has it."""
        return next((lv for lv in self.packaging if lv.level == name), None)


def add_product(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int,
    gtin: str,
    name: str,
    category: str,
    packaging: str | list[Mapping[str, Any]] = "",
    attributes: Mapping[str, Any] | None = None,
) -> Product:
    """File a product under its GTIN; the GTIN must carry the enterprise's company prefix."""
    require_role(actor, Role.OPERATOR, action="file products")
    enterprise = get_enterprise(uow, actor, tenant_id)
    if not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    parsed = Gtin.parse(gtin)
    prefix = enterprise.gs1_company_prefix
    if prefix and not parsed.value[1:].startswith(prefix):
        raise InvalidInput(
            f"GTIN {gtin}: does not carry {enterprise.slug}'s company prefix {prefix}",
            detail={"field": "gtin", "company_prefix": prefix},
        )
    if not name.strip():
        raise InvalidInput("product name: must not be empty", detail={"field": "name"})
    levels = parse_packaging(packaging)
    conn = uow.connection
    if conn.execute(sa.select(products.c.id).where(products.c.gtin == parsed.value)).first():
        raise Conflict(f"GTIN {parsed.value} is already filed", detail={"gtin": parsed.value})
    product_id = conn.execute(
        products.insert()
        .values(
            tenant_id=tenant_id,
            gtin=parsed.value,
            name=name.strip(),
            category=category.strip() or "default",
            packaging=[lv.to_dict() for lv in levels],
            attributes=dict(attributes or {}),
            created_at=now(),
        )
        .returning(products.c.id)
    ).scalar_one()
    record_audit(
        conn,
        actor,
        action="create",
        object_type="product",
        object_id=parsed.value,
        tenant_id=tenant_id,
        detail={"name": name, "packaging": [lv.to_dict() for lv in levels]},
    )
    uow.commit()
    return get_product(uow, actor, parsed.value, id_hint=product_id)


def _to_product(row: sa.Row[Any]) -> Product:
    return Product(
        id=row.id,
        tenant_id=row.tenant_id,
        gtin=row.gtin,
        name=row.name,
        category=row.category,
        packaging=parse_packaging(row.packaging),
        attributes=dict(row.attributes or {}),
    )


def find_product(connection: sa.Connection, gtin: str) -> Product | None:
    """The product filed under ``gtin`` (no access check; callers decide what to show)."""
    row = connection.execute(sa.select(products).where(products.c.gtin == gtin)).first()
    return None if row is None else _to_product(row)


def get_product(uow: UnitOfWork, actor: Actor, gtin: str, *, id_hint: int | None = None) -> Product:
    """The product with ``gtin`` if the actor may read its enterprise; else ``ProductNotFound``."""
    value = Gtin.parse(gtin).value
    product = find_product(uow.connection, value)
    if product is None or not actor.can_read_tenant(product.tenant_id):
        raise ProductNotFound(f"product {value} not found", detail={"gtin": value})
    return product


def list_products(uow: UnitOfWork, actor: Actor, *, tenant_id: int | None = None) -> list[Product]:
    """Products of one enterprise (or all an actor may read)."""
    query = sa.select(products).order_by(products.c.id)
    if tenant_id is not None:
        query = query.where(products.c.tenant_id == tenant_id)
    rows = uow.connection.execute(query)
    return [p for p in map(_to_product, rows) if actor.can_read_tenant(p.tenant_id)]
