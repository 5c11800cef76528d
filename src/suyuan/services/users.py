"""Users, roles and API tokens; authentication of API calls."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role, require_platform_admin, require_role
from suyuan.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.storage.tables import api_tokens, users
from suyuan.storage.uow import UnitOfWork

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
TOKEN_PREFIX = "sy_"


class UserNotFound(NotFound):
    """No such user."""

    code = "user_not_found"


@dataclass(frozen=True, slots=True)
class User:
    """A user as callers see it (never with its password hash)."""

    id: int
    username: str
    enterprise_id: int | None
    roles: tuple[str, ...]
    display_name: str | None
    active: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {name: getattr(self, name) for name in self.__slots__} | {"roles": list(self.roles)}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly created API token; ``secret`` is shown once and never stored."""

    id: int
    name: str
    username: str
    secret: str
    expires_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "name": self.name,
            "user": self.username,
            "token": self.secret,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


def parse_roles(text: str | list[str]) -> frozenset[Role]:
    """Roles from ``"admin,qc"`` or a list; unknown roles are an error naming them."""
    names = text.split(",") if isinstance(text, str) else text
    roles: set[Role] = set()
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"unknown role {name!r}: known roles are {known}") from None
    if not roles:
        raise InvalidInput("a user needs at least one role")
    return frozenset(roles)


def hash_password(password: str) -> str:
    """scrypt hash with a random salt, as ``scrypt$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a ``hash_password`` value."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
    return secrets.compare_digest(digest.hex(), digest_hex)


def create_user(
    uow: UnitOfWork,
    actor: Actor,
    *,
    username: str,
    enterprise_id: int | None,
    roles: frozenset[Role],
    display_name: str | None = None,
    password: str | None = None,
) -> User:
    """Create a user in an enterprise (its admin) or on the platform (platform admin)."""
    if enterprise_id is None:
        require_platform_admin(actor, action="create platform users")
    else:
        if not actor.can_write_tenant(enterprise_id):
            require_platform_admin(actor, action="create users of another enterprise")
        require_role(actor, Role.ADMIN, action="create users")
    if not _USERNAME.match(username):
        raise InvalidInput(
            f"username {username!r}: 2-64 letters, digits, '_', '.', '@' or '-'",
            detail={"field": "username"},
        )
    if Role.REGULATOR in roles and enterprise_id is not None:
        raise InvalidInput("the regulator role belongs to platform users (no --enterprise)")
    conn = uow.connection
    if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
        raise Conflict(f"user {username!r} already exists")
    user_id = conn.execute(
        users.insert()
        .values(
            username=username,
            enterprise_id=enterprise_id,
            roles=",".join(sorted(r.value for r in roles)),
            display_name=display_name,
            password_hash=hash_password(password) if password else None,
            active=True,
            created_at=now(),
        )
        .returning(users.c.id)
    ).scalar_one()
    record_audit(
        conn,
        actor,
        action="create",
        object_type="user",
        object_id=user_id,
        tenant_id=enterprise_id,
        detail={"username": username, "roles": sorted(roles)},
    )
    uow.commit()
    return get_user(uow, username)


def get_user(uow: UnitOfWork, username: str) -> User:
    """The user named ``username``; raises ``UserNotFound``."""
    row = uow.connection.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None:
        raise UserNotFound(f"user {username!r} not found", detail={"user": username})
    return _to_user(row)


def _to_user(row: sa.Row[Any]) -> User:
    return User(
        id=row.id,
        username=row.username,
        enterprise_id=row.enterprise_id,
        roles=tuple(row.roles.split(",")),
        display_name=row.display_name,
        active=row.active,
    )


def list_users(uow: UnitOfWork, actor: Actor) -> list[User]:
    """Users visible to ``actor``: its enterprise's, or all for the platform."""
    query = sa.select(users).order_by(users.c.id)
    if not (actor.is_system or actor.is_platform):
        query = query.where(users.c.enterprise_id == actor.enterprise_id)
    return [_to_user(row) for row in uow.connection.execute(query)]


def create_token(
    uow: UnitOfWork, actor: Actor, *, username: str, name: str, days: int | None = None
) -> IssuedToken:
    """Issue an API token for ``username``; only its hash is stored."""
    user = get_user(uow, username)
    if user.id != actor.user_id:
        if user.enterprise_id is None:
            require_platform_admin(actor, action="create tokens for platform users")
        elif not actor.can_write_tenant(user.enterprise_id):
            require_platform_admin(actor, action="create tokens for another enterprise")
        require_role(actor, Role.ADMIN, action="create tokens for other users")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = now()
    expires = created + timedelta(days=days) if days else None
    conn = uow.connection
    token_id = conn.execute(
        api_tokens.insert()
        .values(
            user_id=user.id,
            name=name,
            token_hash=_token_hash(secret),
            prefix=secret[:10],
            created_at=created,
            expires_at=expires,
        )
        .returning(api_tokens.c.id)
    ).scalar_one()
    record_audit(
        conn,
        actor,
        action="create",
        object_type="api_token",
        object_id=token_id,
        tenant_id=user.enterprise_id,
        detail={"user": username, "name": name},
    )
    uow.commit()
    return IssuedToken(token_id, name, username, secret, expires)


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate_token(uow: UnitOfWork, secret: str, *, request_id: str | None) -> Actor:
    """The actor behind an API token; raises ``Unauthenticated`` for any bad token."""
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthenticated("invalid API token")
    row = uow.connection.execute(
        sa.select(users, api_tokens.c.expires_at, api_tokens.c.revoked_at)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == _token_hash(secret))
    ).first()
    if row is None or row.revoked_at is not None or not row.active:
        raise Unauthenticated("invalid or revoked API token")
    if row.expires_at is not None and row.expires_at <= now():
        raise Unauthenticated("API token expired")
    return Actor(
        name=row.username,
        roles=frozenset(Role(r) for r in row.roles.split(",")),
        enterprise_id=row.enterprise_id,
        user_id=row.id,
        request_id=request_id,
    )


def authenticate_password(
    uow: UnitOfWork, username: str, password: str, *, request_id: str | None
) -> Actor:
    """The actor for a console login; one message for every failure (no user probing)."""
    row = uow.connection.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None or not row.active or not row.password_hash:
        raise Unauthenticated("wrong user name or password")
    if not check_password(password, row.password_hash):
        raise Unauthenticated("wrong user name or password")
    return _actor(row, request_id)


def actor_for_user(uow: UnitOfWork, user_id: int, *, request_id: str | None) -> Actor:
    """The actor of an active user (console sessions)."""
    row = uow.connection.execute(sa.select(users).where(users.c.id == user_id)).first()
    if row is None or not row.active:
        raise Unauthenticated("session expired: log in again")
    return _actor(row, request_id)


def _actor(row: Any, request_id: str | None) -> Actor:
    return Actor(
        name=row.username,
        roles=frozenset(Role(r) for r in row.roles.split(",")),
        enterprise_id=row.enterprise_id,
        user_id=row.id,
        request_id=request_id,
    )
