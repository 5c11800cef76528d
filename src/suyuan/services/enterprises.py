"""Enterprises: the tenants of suyuan (producers, distributors, retailers, the platform...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, EnterpriseRole, require_platform_admin
from suyuan.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from suyuan.identifiers.idis import IdisPrefix
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.storage.tables import enterprises
from suyuan.storage.uow import UnitOfWork

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class EnterpriseNotFound(NotFound):
    """No enterprise with that id or slug (visible to the caller)."""

    code = "enterprise_not_found"


@dataclass(frozen=True, slots=True)
class Enterprise:
    """An enterprise as callers see it."""

    id: int
    slug: str
    name: str
    role: str
    gs1_company_prefix: str | None
    idis_prefix: str | None
    address: str | None
    region: str | None
    licence: str | None
    phone: str | None
    website: str | None
    profile: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class NewEnterprise:
    """Input for ``add_enterprise``."""

    slug: str
    name: str
    role: str = EnterpriseRole.PRODUCER.value
    gs1_company_prefix: str | None = None
    idis_prefix: str | None = None
    address: str | None = None
    region: str | None = None
    licence: str | None = None
    phone: str | None = None
    website: str | None = None
    profile: str = "baijiu"


def _validate(new: NewEnterprise) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if not _SLUG.match(new.slug):
        errors["slug"] = "must be 2-63 lower-case letters, digits or '-', starting alphanumeric"
    if not new.name.strip():
        errors["name"] = "must not be empty"
    roles = {r.value for r in EnterpriseRole}
    if new.role not in roles:
        errors["role"] = f"must be one of {', '.join(sorted(roles))}"
    prefix = new.gs1_company_prefix
    if prefix is not None and not (
        prefix.isascii() and prefix.isdigit() and 6 <= len(prefix) <= 12
    ):
        errors["gs1_company_prefix"] = "must be 6 to 12 digits"
    idis = new.idis_prefix
    if idis is not None:
        try:
            idis = str(IdisPrefix.parse(idis))
        except InvalidInput as exc:
            errors["idis_prefix"] = str(exc)
    if errors:
        first = next(iter(errors.items()))
        raise InvalidInput(
            f"enterprise {new.slug!r}: {first[0]} {first[1]}", detail={"fields": errors}
        )
    values = {name: getattr(new, name) for name in new.__slots__}
    values["idis_prefix"] = idis
    values["name"] = new.name.strip()
    return values


def add_enterprise(uow: UnitOfWork, actor: Actor, new: NewEnterprise) -> Enterprise:
    """Register an enterprise (platform administrators only)."""
    require_platform_admin(actor, action="register enterprises")
    values = _validate(new)
    conn = uow.connection
    clash = conn.execute(
        sa.select(enterprises.c.slug, enterprises.c.idis_prefix).where(
            sa.or_(
                enterprises.c.slug == values["slug"],
                sa.and_(
                    enterprises.c.idis_prefix.is_not(None),
                    enterprises.c.idis_prefix == values["idis_prefix"],
                ),
            )
        )
    ).first()
    if clash is not None:
        field = "slug" if clash.slug == values["slug"] else "IDIS prefix"
        raise Conflict(f"enterprise {values['slug']!r}: {field} already registered")
    new_id = conn.execute(
        enterprises.insert().values(**values, created_at=now()).returning(enterprises.c.id)
    ).scalar_one()
    record_audit(
        conn,
        actor,
        action="create",
        object_type="enterprise",
        object_id=new_id,
        tenant_id=new_id,
        detail={"after": values},
    )
    uow.commit()
    return get_enterprise(uow, actor, new_id)


def _row_to_enterprise(row: sa.Row[Any]) -> Enterprise:
    return Enterprise(**{name: row._mapping[name] for name in Enterprise.__slots__})


def get_enterprise(uow: UnitOfWork, actor: Actor, ref: int | str) -> Enterprise:
    """The enterprise with id or slug ``ref``; raises ``EnterpriseNotFound``."""
    column = enterprises.c.id if isinstance(ref, int) else enterprises.c.slug
    row = uow.connection.execute(sa.select(enterprises).where(column == ref)).first()
    if row is None:
        raise EnterpriseNotFound(f"enterprise {ref!r} not found", detail={"enterprise": ref})
    enterprise = _row_to_enterprise(row)
    if not _may_see(actor, enterprise.id):
        raise EnterpriseNotFound(f"enterprise {ref!r} not found", detail={"enterprise": ref})
    return enterprise


def find_enterprise_by_prefix(uow: UnitOfWork, idis_prefix: str) -> Enterprise | None:
    """The enterprise owning an IDIS prefix (no access check: used by public resolution)."""
    row = uow.connection.execute(
        sa.select(enterprises).where(enterprises.c.idis_prefix == idis_prefix)
    ).first()
    return None if row is None else _row_to_enterprise(row)


def list_enterprises(uow: UnitOfWork, actor: Actor) -> list[Enterprise]:
    """Enterprises visible to ``actor``: all for the platform, else only its own."""
    query = sa.select(enterprises).order_by(enterprises.c.id)
    if not (actor.is_system or actor.is_platform):
        query = query.where(enterprises.c.id == actor.enterprise_id)
    return [_row_to_enterprise(row) for row in uow.connection.execute(query)]


def _may_see(actor: Actor, enterprise_id: int) -> bool:
    # Every enterprise's identity is chain-public (shippers and receivers name each
    # other), but listing is restricted; direct reads need a tenant relation.
    return actor.is_system or actor.is_platform or actor.enterprise_id == enterprise_id


def resolve_tenant(uow: UnitOfWork, actor: Actor, ref: int | str | None) -> int:
    """The tenant id an action applies to: ``ref`` (id or slug) or the actor's own."""
    if ref is None:
        if actor.enterprise_id is None:
            raise PermissionDenied(f"{actor.name} must name an enterprise (--enterprise)")
        return actor.enterprise_id
    return get_enterprise(uow, actor, ref).id
