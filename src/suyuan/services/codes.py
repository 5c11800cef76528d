"""Issuing, verifying and voiding trace codes (QBT-7.1–7.3, HW-1, HW-2, GEN-2, GEN-32).

Issuing N codes reserves a counter range in one atomic statement and stores one block
row; the codes themselves are derived from the block and the enterprise's key ring, so
a printer file of ten million codes costs one row. A code's individual state (a
``units`` row) begins when it is commissioned, voided or destroyed.
"""

from __future__ import annotations

import bisect
import functools
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from suyuan.codes.keys import KeyRing
from suyuan.codes.keystore import create_keyring, load_keyring
from suyuan.codes.serials import CodeBlock, CodeLevel, issue_serial
from suyuan.codes.sscc import make_sscc, split_sscc, sscc_capacity
from suyuan.codes.verification import verify_serial
from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.packaging import Level
from suyuan.domain.units import TERMINAL, UnitStatus
from suyuan.errors import Conflict, InvalidIdentifier, InvalidInput, NotFound
from suyuan.identifiers.forms import ContainerKey, ParsedCode, UnitKey, parse_code
from suyuan.identifiers.gs1 import Gtin, Sscc
from suyuan.services.audit import record_audit
from suyuan.services.clock import now
from suyuan.services.enterprises import get_enterprise
from suyuan.services.products import Product, find_product, get_product
from suyuan.storage.tables import code_blocks, code_counters, code_destructions, enterprises, units
from suyuan.storage.uow import UnitOfWork

MAX_BLOCK = 100_000_000
# SSCC extension digits by level, so case and pallet SSCC ranges never meet.
_EXTENSION = {Level.CASE: 0, Level.PALLET: 1}
_LEVELS_TO_TRY = (CodeLevel.UNIT, CodeLevel.CAP, CodeLevel.CASE, CodeLevel.PALLET, CodeLevel.INNER)


class BlockNotFound(NotFound):
    """No code block with that id (visible to the caller)."""

    code = "block_not_found"


@dataclass(frozen=True, slots=True)
class IssuedBlock:
    """A reserved block of codes: what is needed to print it again at any time."""

    id: int
    tenant_id: int
    gtin: str
    level: str
    scheme: str
    key_id: int | None
    domain: str
    start_counter: int
    count: int
    first_code: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {name: getattr(self, name) for name in self.__slots__}

    def serial_block(self) -> CodeBlock:
        """The pure-code view of a serial block (not for SSCC blocks)."""
        return CodeBlock(
            gtin=Gtin.parse(self.gtin),
            level=CodeLevel(self.level),
            start_counter=self.start_counter,
            count=self.count,
            key_id=self.key_id or 0,
        )


def keyring_path(key_dir: Path, tenant_id: int) -> Path:
    """Where a tenant's code key ring lives."""
    return Path(key_dir) / "codes" / f"tenant-{tenant_id}.json"


def tenant_keyring(key_dir: Path, tenant_id: int, *, create: bool = False) -> KeyRing | None:
    """A tenant's code key ring; created on first issue.

    Rings are cached per process while their file is unchanged: a ring builds its Feistel
    round tables (about 0.1 s of AES) on first use, which every issue and every
    verification would otherwise pay again.
    """
    path = keyring_path(key_dir, tenant_id)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _create_keyring_once(path)
    stat = path.stat()
    return _cached_keyring(str(path), (stat.st_ino, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _cached_keyring(path: str, _stamp: tuple[int, int, int]) -> KeyRing:
    # A rotation replaces the file (new inode), so the stamp changes and the ring reloads.
    return load_keyring(path)


def _create_keyring_once(path: Path) -> None:
    """Create the ring unless another process just did; every process ends up with one ring.

    Two processes issuing an enterprise's first codes at once would otherwise each
    create a ring, the later rename would replace the earlier, and the codes derived
    from the lost ring would never verify. ``os.link`` publishes the file atomically and
    fails if the name exists, so the loser reads the winner's ring instead.
    """
    staging = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.new")
    create_keyring(staging)
    try:
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink(missing_ok=True)


def _reserve(conn: sa.Connection, tenant_id: int, domain: str, count: int) -> int:
    """Atomically take ``count`` counters from a domain; returns the first one."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        code_counters
    )
    upsert = insert.values(tenant_id=tenant_id, domain=domain, next_value=count)
    statement = upsert.on_conflict_do_update(
        index_elements=["tenant_id", "domain"],
        set_={"next_value": code_counters.c.next_value + count},
    ).returning(code_counters.c.next_value)
    end = int(conn.execute(statement).scalar_one())
    return end - count


def _code_level(level: str) -> Level:
    try:
        return Level(level)
    except ValueError:
        raise InvalidInput(
            f"level {level!r}: must be one of {', '.join(lv.value for lv in Level)}"
        ) from None


def issue_block(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int,
    gtin: str,
    count: int,
    level: str,
    key_dir: Path,
) -> IssuedBlock:
    """Reserve a block of ``count`` codes for a product and level (item, cap, case, pallet)."""
    require_role(actor, Role.OPERATOR, Role.WAREHOUSE, action="issue codes")
    if not 1 <= count <= MAX_BLOCK:
        raise InvalidInput(f"count {count}: must be between 1 and {MAX_BLOCK}")
    lv = _code_level(level)
    product = get_product(uow, actor, gtin)
    if product.tenant_id != tenant_id or not actor.can_write_tenant(tenant_id):
        raise NotFound(f"product {product.gtin} not found in this enterprise")
    enterprise = get_enterprise(uow, actor, tenant_id)
    conn = uow.connection
    if lv in (Level.CASE, Level.PALLET):
        packaging = product.level(lv.value)
        if packaging is None:
            raise InvalidInput(f"product {product.gtin} has no {lv.value} level in its packaging")
        if packaging.gtin is None:
            return _issue_ssccs(uow, actor, enterprise.gs1_company_prefix, product, lv, count)
        target_gtin = Gtin.parse(packaging.gtin)
        code_level = CodeLevel.CASE if lv is Level.CASE else CodeLevel.PALLET
    else:
        target_gtin = Gtin.parse(product.gtin)
        code_level = CodeLevel.UNIT if lv is Level.ITEM else CodeLevel.CAP
    keyring = tenant_keyring(key_dir, tenant_id, create=True)
    assert keyring is not None
    # Build the round tables before taking the counter's row lock, not while holding it.
    keyring.material(keyring.current_key_id).round_views()
    domain = f"gtin:{target_gtin.value}"
    start = _reserve(conn, tenant_id, domain, count)
    block = CodeBlock(target_gtin, code_level, start, count, keyring.current_key_id)
    serial = issue_serial(
        keyring, gtin=target_gtin, level=code_level, counter=start, key_id=keyring.current_key_id
    )
    first = f"/01/{target_gtin.value}/21/{serial}"
    return _store_block(
        uow,
        actor,
        tenant_id,
        block.gtin.value,
        code_level.value,
        "serial",
        keyring.current_key_id,
        domain,
        start,
        count,
        first,
    )


def _issue_ssccs(
    uow: UnitOfWork, actor: Actor, prefix: str | None, product: Product, level: Level, count: int
) -> IssuedBlock:
    if not prefix:
        raise InvalidInput("SSCCs need the enterprise's GS1 company prefix (--gs1-prefix)")
    _refuse_shared_prefix(uow.connection, product.tenant_id, prefix)
    domain = f"sscc:{prefix}:{_EXTENSION[level]}"
    start = _reserve(uow.connection, product.tenant_id, domain, count)
    if start + count > sscc_capacity(prefix):
        raise Conflict(f"the SSCC range of company prefix {prefix} is exhausted")
    first = make_sscc(prefix, extension_digit=_EXTENSION[level], serial_reference=start)
    return _store_block(
        uow,
        actor,
        product.tenant_id,
        product.gtin,
        level.value,
        "sscc",
        None,
        domain,
        start,
        count,
        f"/00/{first.value}",
    )


def _refuse_shared_prefix(conn: sa.Connection, tenant_id: int, prefix: str) -> None:
    """SSCC counters are per enterprise: a prefix shared with (or nested in) another
    enterprise's would let both issue the same SSCCs, so such enterprises get none."""
    other = enterprises.c.gs1_company_prefix
    clash = conn.execute(
        sa.select(enterprises.c.slug, other).where(
            enterprises.c.id != tenant_id,
            other.is_not(None),
            sa.or_(sa.literal(prefix).startswith(other), other.startswith(prefix)),
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"GS1 company prefix {prefix} overlaps enterprise {clash.slug}'s "
            f"({clash.gs1_company_prefix}): SSCCs would not be unique",
            detail={"prefix": prefix, "other": clash.slug},
        )


def _store_block(
    uow: UnitOfWork,
    actor: Actor,
    tenant_id: int,
    gtin: str,
    level: str,
    scheme: str,
    key_id: int | None,
    domain: str,
    start: int,
    count: int,
    first: str,
) -> IssuedBlock:
    conn = uow.connection
    block_id = conn.execute(
        code_blocks.insert()
        .values(
            tenant_id=tenant_id,
            gtin=gtin,
            level=level,
            scheme=scheme,
            key_id=key_id,
            domain=domain,
            start_counter=start,
            count=count,
            first_code=first,
            issued_by=actor.name,
            created_at=now(),
        )
        .returning(code_blocks.c.id)
    ).scalar_one()
    record_audit(
        conn,
        actor,
        action="issue",
        object_type="code_block",
        object_id=block_id,
        tenant_id=tenant_id,
        detail={"gtin": gtin, "level": level, "count": count},
    )
    uow.commit()
    return IssuedBlock(
        block_id, tenant_id, gtin, level, scheme, key_id, domain, start, count, first
    )


def _to_block(row: Any) -> IssuedBlock:
    return IssuedBlock(
        row.id,
        row.tenant_id,
        row.gtin,
        row.level,
        row.scheme,
        row.key_id,
        row.domain,
        row.start_counter,
        row.count,
        row.first_code,
    )


def get_block(uow: UnitOfWork, actor: Actor, block_id: int) -> IssuedBlock:
    """A code block the actor may read."""
    row = uow.connection.execute(sa.select(code_blocks).where(code_blocks.c.id == block_id)).first()
    if row is None or not actor.can_read_tenant(row.tenant_id):
        raise BlockNotFound(f"code block {block_id} not found", detail={"block_id": block_id})
    return _to_block(row)


def list_blocks(uow: UnitOfWork, actor: Actor, *, tenant_id: int | None) -> list[dict[str, Any]]:
    """Blocks with how many of their codes were voided or destroyed (QBT-7.3(b))."""
    voided = (
        sa.select(code_destructions.c.block_id, sa.func.sum(code_destructions.c.count).label("n"))
        .group_by(code_destructions.c.block_id)
        .subquery()
    )
    query = (
        sa.select(code_blocks, voided.c.n)
        .outerjoin(voided, voided.c.block_id == code_blocks.c.id)
        .order_by(code_blocks.c.id)
    )
    if tenant_id is not None:
        query = query.where(code_blocks.c.tenant_id == tenant_id)
    found = []
    for row in uow.connection.execute(query):
        if actor.can_read_tenant(row.tenant_id):
            found.append(_to_block(row).to_dict() | {"voided": int(row.n or 0)})
    return found


def destruction_records(uow: UnitOfWork, actor: Actor, block_id: int) -> list[dict[str, Any]]:
    """Who voided or destroyed which codes of a block, when and why (QBT-7.3(b))."""
    block = get_block(uow, actor, block_id)
    rows = uow.connection.execute(
        sa.select(code_destructions)
        .where(code_destructions.c.block_id == block.id)
        .order_by(code_destructions.c.id)
    )
    return [
        {
            "id": row.id,
            "action": row.action,
            "reason": row.reason,
            "count": row.count,
            "codes": row.codes,
            "actor": row.actor,
            "at": row.created_at.isoformat(),
        }
        for row in rows
    ]


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """Everything known about one presented code."""

    code: str
    well_formed: bool
    genuine: bool
    state: str
    reason: str
    key: str | None = None
    form: str | None = None
    enterprise_id: int | None = None
    enterprise: str | None = None
    gtin: str | None = None
    product: str | None = None
    block_id: int | None = None
    level: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {name: getattr(self, name) for name in self.__slots__}


class CodeVerifier:
    """Verifies codes: the tag offline first, then block and state from the database.

    Key rings and products are cached for the life of the verifier, so a batch costs
    one AES operation per level tried plus two indexed look-ups per genuine code.
    """

    def __init__(self, conn: sa.Connection, key_dir: Path) -> None:
        self._conn = conn
        self._key_dir = key_dir
        self._rings: dict[int, KeyRing | None] = {}
        self._products: dict[str, Product | None] = {}
        self._names: dict[int, str | None] = {}
        self._blocks: dict[tuple[int, str], tuple[list[int], list[Any]]] = {}
        self._statuses: dict[str, str] | None = None  # prefetched unit states, if any

    def prefetch_states(self, texts: Sequence[str]) -> None:
        """Read the states of many codes in a few queries instead of one per code."""
        keys = set()
        for text in texts:
            try:
                keys.add(parse_code(text).key.path)
            except InvalidIdentifier:
                continue
        found: dict[str, str] = {}
        ordered = sorted(keys)
        for i in range(0, len(ordered), 500):
            rows = self._conn.execute(
                sa.select(units.c.key, units.c.status).where(units.c.key.in_(ordered[i : i + 500]))
            )
            found.update({row.key: row.status for row in rows})
        self._statuses = found

    def _status(self, key: str) -> str | None:
        if self._statuses is not None:
            return self._statuses.get(key)
        status: str | None = self._conn.execute(
            sa.select(units.c.status).where(units.c.key == key)
        ).scalar()
        return status

    def _block(self, tenant_id: int, domain: str, counter: int) -> Any:
        """The block of a counter: a domain's blocks are read once, then bisected."""
        if (tenant_id, domain) not in self._blocks:
            rows = self._conn.execute(
                sa.select(
                    code_blocks.c.id,
                    code_blocks.c.level,
                    code_blocks.c.gtin,
                    code_blocks.c.start_counter,
                    code_blocks.c.count,
                )
                .where(code_blocks.c.tenant_id == tenant_id, code_blocks.c.domain == domain)
                .order_by(code_blocks.c.start_counter)
            ).all()
            self._blocks[tenant_id, domain] = ([r.start_counter for r in rows], list(rows))
        starts, rows = self._blocks[tenant_id, domain]
        index = bisect.bisect_right(starts, counter) - 1
        # Columns by position: ``Row.count`` reads as the tuple method to type checkers.
        if index < 0 or counter >= starts[index] + rows[index][4]:
            return None
        return rows[index]

    def _enterprise_name(self, tenant_id: int) -> str | None:
        if tenant_id not in self._names:
            self._names[tenant_id] = self._conn.execute(
                sa.select(enterprises.c.name).where(enterprises.c.id == tenant_id)
            ).scalar()
        return self._names[tenant_id]

    def _product(self, gtin: str) -> Product | None:
        if gtin not in self._products:
            product = find_product(self._conn, gtin)
            if product is None:
                product = self._product_by_level_gtin(gtin)
            self._products[gtin] = product
        return self._products[gtin]

    def _product_by_level_gtin(self, gtin: str) -> Product | None:
        # A case GTIN is filed inside its item product's packaging, not as a product.
        row = self._conn.execute(
            sa.select(code_blocks.c.tenant_id).where(code_blocks.c.gtin == gtin).limit(1)
        ).first()
        return None if row is None else Product(0, row.tenant_id, gtin, "", "", (), {})

    def _ring(self, tenant_id: int) -> KeyRing | None:
        if tenant_id not in self._rings:
            self._rings[tenant_id] = tenant_keyring(self._key_dir, tenant_id)
        return self._rings[tenant_id]

    def check(self, text: str) -> CodeCheck:
        """Verify one code in any printed form."""
        try:
            parsed = parse_code(text)
        except InvalidIdentifier as exc:
            return CodeCheck(text, False, False, "malformed", exc.reason)
        if isinstance(parsed.key, ContainerKey):
            return self._check_sscc(text, parsed, parsed.key.sscc)
        return self._check_serial(text, parsed, parsed.key)

    def _check_serial(self, text: str, parsed: ParsedCode, key: UnitKey) -> CodeCheck:
        base: dict[str, Any] = {"key": key.path, "form": parsed.form.value, "gtin": key.gtin.value}
        product = self._product(key.gtin.value)
        if product is None:
            return CodeCheck(text, True, False, "unknown", "no enterprise filed this GTIN", **base)
        ring = self._ring(product.tenant_id)
        if ring is None:
            return CodeCheck(
                text,
                True,
                False,
                "unknown",
                "no codes were issued for this GTIN",
                enterprise_id=product.tenant_id,
                **base,
            )
        for level in _LEVELS_TO_TRY:
            result = verify_serial(ring, key.gtin, level, key.serial)
            if not result.well_formed:
                return CodeCheck(
                    text,
                    False,
                    False,
                    "malformed",
                    result.reason.value,
                    enterprise_id=product.tenant_id,
                    **base,
                )
            if result.genuine:
                break
        else:
            return CodeCheck(
                text,
                True,
                False,
                "forged",
                "the serial's tag does not verify",
                enterprise_id=product.tenant_id,
                **base,
            )
        assert result.counter is not None
        return self._with_state(
            text, base, product, f"gtin:{key.gtin.value}", result.counter, level.value
        )

    def _check_sscc(self, text: str, parsed: ParsedCode, sscc: Sscc) -> CodeCheck:
        base: dict[str, Any] = {"key": f"/00/{sscc.value}", "form": parsed.form.value}
        owners = self._conn.execute(
            sa.select(enterprises.c.id, enterprises.c.gs1_company_prefix)
            .where(
                enterprises.c.gs1_company_prefix.is_not(None),
                sa.literal(sscc.value[1:]).startswith(enterprises.c.gs1_company_prefix),
            )
            .order_by(enterprises.c.id)
        ).all()
        if not owners:
            return CodeCheck(text, True, False, "unknown", "no enterprise owns this SSCC", **base)
        # Several enterprises may declare one prefix; at most one may issue SSCCs under it.
        check: CodeCheck | None = None
        for owner in owners:
            parts = split_sscc(sscc, len(owner.gs1_company_prefix))
            domain = f"sscc:{parts.company_prefix}:{parts.extension_digit}"
            product = Product(0, owner.id, "", "", "", (), {})
            check = self._with_state(text, base, product, domain, parts.serial_reference, None)
            if check.genuine:
                break
        assert check is not None
        return check

    def _with_state(
        self,
        text: str,
        base: dict[str, Any],
        product: Product,
        domain: str,
        counter: int,
        level: str | None,
    ) -> CodeCheck:
        block = self._block(product.tenant_id, domain, counter)
        if block is None:
            reason = "genuine tag but never issued" if level else "SSCC never issued"
            return CodeCheck(
                text,
                True,
                level is not None,
                "not_issued",
                reason,
                enterprise_id=product.tenant_id,
                level=level,
                **base,
            )
        status = self._status(base["key"])
        if not product.name:
            # An SSCC names no product; its block says which product it was issued for.
            product = self._product(block.gtin) or product
        return CodeCheck(
            text,
            True,
            True,
            status or UnitStatus.ISSUED.value,
            "genuine",
            enterprise_id=product.tenant_id,
            enterprise=self._enterprise_name(product.tenant_id),
            product=product.name or None,
            block_id=block.id,
            level=level or block.level,
            **(base | {"gtin": base.get("gtin") or block.gtin}),
        )


def verify_codes(uow: UnitOfWork, codes: Sequence[str], *, key_dir: Path) -> list[CodeCheck]:
    """Verify codes in any printed form (no access check: authenticity is public)."""
    verifier = CodeVerifier(uow.connection, key_dir)
    if len(codes) > 1:
        verifier.prefetch_states(codes)
    return [verifier.check(code) for code in codes]


def void_codes(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int,
    codes: Sequence[str],
    reason: str,
    key_dir: Path,
    destroyed: bool = False,
) -> list[dict[str, Any]]:
    """Void spoiled labels (or record their destruction), with who, when, why, how many."""
    require_role(actor, Role.OPERATOR, Role.WAREHOUSE, Role.QC, action="void codes")
    if not reason.strip():
        raise InvalidInput("--reason: say why the codes are voided")
    if not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    status = UnitStatus.DESTROYED if destroyed else UnitStatus.VOIDED
    checks = verify_codes(uow, codes, key_dir=key_dir)
    for check in checks:
        _check_voidable(check, tenant_id, status)
    conn = uow.connection
    moment = now()
    by_block: dict[int, list[CodeCheck]] = {}
    for check in checks:
        by_block.setdefault(check.block_id or 0, []).append(check)
        _set_terminal(conn, tenant_id, check, status, reason, moment)
    records = []
    for block_id, items in by_block.items():
        values = {
            "tenant_id": tenant_id,
            "block_id": block_id,
            "action": status.value,
            "reason": reason,
            "count": len(items),
            "codes": [c.key for c in items],
            "actor": actor.name,
            "created_at": moment,
        }
        record_id = conn.execute(
            code_destructions.insert().values(**values).returning(code_destructions.c.id)
        ).scalar_one()
        records.append({"id": record_id, **values, "created_at": moment.isoformat()})
    record_audit(
        conn,
        actor,
        action=status.value,
        object_type="codes",
        object_id=None,
        tenant_id=tenant_id,
        detail={"count": len(checks), "reason": reason},
    )
    # The resolver answers "voided" at once, not "unknown" until the next `suyuan publish`.
    from suyuan.services.publishing import publish_keys

    publish_keys(conn, [c.key for c in checks if c.key])
    uow.commit()
    return records


def _check_voidable(check: CodeCheck, tenant_id: int, status: UnitStatus) -> None:
    """Refuse codes that are not this enterprise's issued codes, or are already final.

    A voided label may still be recorded as destroyed later (QBT-7.3(b)).
    """
    if check.genuine and check.enterprise_id is not None and check.enterprise_id != tenant_id:
        # Not ours: say no more than for a code that does not exist.
        raise NotFound(
            f"code {check.code} not found in this enterprise", detail={"code": check.code}
        )
    if not check.genuine or check.block_id is None:
        raise InvalidInput(
            f"code {check.code}: cannot be {status.value} ({check.state}: {check.reason})",
            detail={"code": check.code, "state": check.state},
        )
    final = TERMINAL - {UnitStatus.VOIDED} if status is UnitStatus.DESTROYED else TERMINAL
    if check.state in {s.value for s in final} or check.state == status.value:
        raise Conflict(
            f"code {check.code} is already {check.state}",
            detail={"code": check.code, "state": check.state},
        )


def _set_terminal(
    conn: sa.Connection,
    tenant_id: int,
    check: CodeCheck,
    status: UnitStatus,
    reason: str,
    moment: Any,
) -> None:
    key = check.key or ""
    updated = conn.execute(
        units.update()
        .where(units.c.key == key)
        .values(status=status.value, reason=reason, updated_at=moment, parent_id=None)
    ).rowcount
    if not updated:
        conn.execute(
            units.insert().values(
                tenant_id=tenant_id,
                key=key,
                kind="container" if key.startswith("/00/") else "unit",
                gtin=check.gtin,
                serial=key.split("/21/", 1)[1] if "/21/" in key else None,
                level=check.level,
                block_id=check.block_id,
                status=status.value,
                reason=reason,
                updated_at=moment,
            )
        )
