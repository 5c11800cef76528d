"""Builders for test data through the real services (no back doors)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from suyuan.bootstrap import Runtime
from suyuan.domain.access import Actor, Role
from suyuan.services.enterprises import Enterprise, NewEnterprise, add_enterprise
from suyuan.services.products import Product, add_product
from suyuan.services.users import create_token, create_user

_counter = itertools.count(1)


def make_enterprise(runtime: Runtime, **overrides: str) -> Enterprise:
    """Register an enterprise with a unique slug and IDIS prefix."""
    n = next(_counter)
    values = {
        "slug": f"ent-{n}",
        "name": f"测试酒业有限公司 {n}",
        "gs1_company_prefix": "6901234",
        "idis_prefix": f"88.118.{1000 + n}",
        "address": "四川省宜宾市某路1号",
        "region": "四川省宜宾市",
    } | overrides
    with runtime.uow() as uow:
        return add_enterprise(uow, Actor.system(), NewEnterprise(**values))


def make_product(
    runtime: Runtime,
    enterprise: Enterprise,
    gtin: str = "06901234567892",
    packaging: str = "case:6,pallet:50",
    **attributes: str,
) -> Product:
    """File a product for ``enterprise``."""
    with runtime.uow() as uow:
        return add_product(
            uow,
            Actor.system(),
            tenant_id=enterprise.id,
            gtin=gtin,
            name="52%vol 测试酒 500ml",
            category="baijiu",
            packaging=packaging,
            attributes=dict(attributes),
        )


@dataclass
class ApiUser:
    """A user with a bearer token, for HTTP tests."""

    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


def make_api_user(runtime: Runtime, enterprise: Enterprise | None, roles: str = "admin") -> ApiUser:
    """A user (of ``enterprise`` or the platform) and a token."""
    username = f"user{next(_counter)}"
    with runtime.uow() as uow:
        create_user(
            uow,
            Actor.system(),
            username=username,
            enterprise_id=enterprise.id if enterprise else None,
            roles=frozenset(Role(r) for r in roles.split(",")),
        )
    with runtime.uow() as uow:
        token = create_token(uow, Actor.system(), username=username, name="test")
    return ApiUser(username, token.secret)
