"""Who is acting: actors, roles and the tenant rules every service applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from suyuan.errors import PermissionDenied


class Role(StrEnum):
    """Roles a user holds; stored values never change."""

    ADMIN = "admin"
    OPERATOR = "operator"
    QC = "qc"
    WAREHOUSE = "warehouse"
    SALES = "sales"
    REGULATOR = "regulator"


class EnterpriseRole(StrEnum):
    """What kind of participant an enterprise is in the chain."""

    PRODUCER = "producer"
    SUPPLIER = "supplier"
    DISTRIBUTOR = "distributor"
    RETAILER = "retailer"
    LOGISTICS = "logistics"
    VENDOR = "vendor"
    PLATFORM = "platform"
    REGULATOR = "regulator"


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a service: a user (by token or CLI) scoped to one enterprise or the platform.

    ``enterprise_id`` is ``None`` for platform users (operator, regulator) and for the
    local system actor that the CLI uses.
    """

    name: str
    roles: frozenset[Role]
    enterprise_id: int | None = None
    user_id: int | None = None
    request_id: str | None = None
    is_system: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def system(cls, request_id: str | None = None) -> Actor:
        """The local operator running the CLI against the database directly."""
        return cls(name="system", roles=frozenset(Role), request_id=request_id, is_system=True)

    @property
    def is_platform(self) -> bool:
        """True for users of the platform operator (not bound to an enterprise)."""
        return self.enterprise_id is None

    def has_role(self, *roles: Role) -> bool:
        """True when the actor holds any of ``roles`` (admin holds all within its tenant)."""
        return bool(self.roles & set(roles)) or Role.ADMIN in self.roles

    def can_read_tenant(self, tenant_id: int) -> bool:
        """Own tenant always; platform admins and regulators read every tenant."""
        if self.is_system or self.enterprise_id == tenant_id:
            return True
        return self.is_platform and (Role.REGULATOR in self.roles or Role.ADMIN in self.roles)

    def can_write_tenant(self, tenant_id: int) -> bool:
        """Only the tenant's own users (or the local system actor) write its data."""
        return self.is_system or self.enterprise_id == tenant_id


def require_role(actor: Actor, *roles: Role, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` holds one of ``roles``."""
    if not actor.has_role(*roles):
        wanted = ", ".join(sorted(r.value for r in roles))
        raise PermissionDenied(
            f"{actor.name} may not {action}: needs role {wanted}",
            detail={"action": action, "roles": sorted(r.value for r in roles)},
        )


def require_platform_admin(actor: Actor, *, action: str) -> None:
    """Raise unless ``actor`` administers the platform (or is the local system)."""
    if actor.is_system or (actor.is_platform and Role.ADMIN in actor.roles):
        return
    raise PermissionDenied(f"{actor.name} may not {action}: platform administrators only")


def writable_tenant(actor: Actor, tenant_id: int | None) -> int:
    """The tenant an actor writes to: its own, or the one the system actor names."""
    if tenant_id is None:
        if actor.enterprise_id is None:
            raise PermissionDenied(f"{actor.name} must name an enterprise for this action")
        return actor.enterprise_id
    if not actor.can_write_tenant(tenant_id):
        raise PermissionDenied(f"{actor.name} may not write data of another enterprise")
    return tenant_id
