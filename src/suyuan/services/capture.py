"""Capture EPCIS documents into the event store: validate, hash, project, chain, in batches.

One capture is one transaction (``rollback`` behaviour: nothing of a document with a
bad event is stored) or stores the good events and reports the bad (``proceed``).
The capture job row is written in its own transaction so its outcome survives a
rollback and can be read back (``GET /epcis/capture/{id}``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO, NamedTuple

import orjson
import sqlalchemy as sa

from suyuan.capture import read_document
from suyuan.capture.hashing import event_hash
from suyuan.capture.limits import Limits
from suyuan.capture.model import DocumentError, EventError, ParsedEvent
from suyuan.capture.validation import validate_event
from suyuan.domain.access import Actor, Role, require_role
from suyuan.domain.events import EventIndex, InvalidEventField, index_event
from suyuan.domain.units import Projection, ProjectionRuleBroken, UnitState, gtin_of, key_kind
from suyuan.errors import InvalidInput, NotFound, SuyuanError
from suyuan.ledger.chains import chain_link, genesis, row_digest
from suyuan.services.alert_checks import evaluate_captured_events
from suyuan.services.alerts import load_settings
from suyuan.services.clock import now
from suyuan.services.ledger import maybe_seal
from suyuan.services.publishing import publish_captured
from suyuan.services.quality import judge_stored_records, propagate_holds
from suyuan.services.records import check_event_records, store_event_records
from suyuan.storage import event_store
from suyuan.storage.event_store import LedgerHead
from suyuan.storage.tables import captures, products
from suyuan.storage.uow import UnitOfWork

BATCH = 2000
BATCH_BYTES = 8 << 20
MAX_EVENT_IDS = 10_000
"""``CaptureResult.event_ids`` keeps the ids of the first this many captured events (a
large document's ids would cost ~130 MB a million; the events are in the store)."""


class Behaviour(StrEnum):
    """What to do with a document that has bad events (GS1-Capture-Error-Behaviour)."""

    ROLLBACK = "rollback"
    PROCEED = "proceed"


class CaptureNotFound(NotFound):
    """No capture job with that id for this tenant."""

    code = "capture_not_found"


class CaptureRejected(InvalidInput):
    """A document was refused; ``errors`` names each bad event."""

    code = "capture_rejected"

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message, detail={"errors": errors})
        self.errors = errors


@dataclass
class CaptureResult:
    """Outcome of one capture."""

    capture_id: int
    status: str = "running"
    captured: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    """Ids of the captured events, in order (the first ``MAX_EVENT_IDS``)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "capture_id": self.capture_id,
            "status": self.status,
            "captured": self.captured,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": self.errors,
        }


@dataclass
class _Prepared:
    parsed: ParsedEvent
    index: EventIndex
    hash: str
    dedup_key: str
    body: str
    """The stored JSON. A ``str`` copy: orjson's ``bytes`` keep their whole growth buffer
    (a 10 kB event holds ~130 kB), which a batch of large events multiplied past 300 MB."""


Progress = Callable[[int], None]


class _Stored(NamedTuple):
    """What storing one batch left: the ledger head, the units it changed (as saved) and
    the primary key of its last stored event (None when it stored none)."""

    head: LedgerHead
    changed: dict[str, UnitState]
    last_pk: int | None


def _error(parsed: ParsedEvent, field_name: str, rule: str, message: str) -> dict[str, Any]:
    return {
        "index": parsed.index,
        "location": parsed.location,
        "field": field_name,
        "rule": rule,
        "message": f"event {parsed.index} ({parsed.location}): {message}",
    }


def _from_event_error(error: EventError) -> dict[str, Any]:
    return {
        "index": error.index,
        "location": error.location,
        "field": error.field,
        "rule": error.rule,
        "message": error.message,
    }


def rejected_events(errors: list[dict[str, Any]]) -> int:
    """How many events ``errors`` are about (one event may break several rules)."""
    return len({error["index"] for error in errors})


def start_capture(
    uow: UnitOfWork, actor: Actor, *, tenant_id: int, behaviour: Behaviour, source: str | None
) -> int:
    """Record a capture job (committed at once) and return its id."""
    require_role(actor, Role.OPERATOR, Role.WAREHOUSE, Role.QC, Role.SALES, action="capture events")
    if not actor.can_write_tenant(tenant_id):
        raise NotFound(f"enterprise {tenant_id} not found")
    capture_id = uow.connection.execute(
        captures.insert()
        .values(
            tenant_id=tenant_id,
            status="running",
            behaviour=behaviour.value,
            source=(source or "")[:255] or None,
            errors=[],
            actor=actor.name,
            created_at=now(),
        )
        .returning(captures.c.id)
    ).scalar_one()
    uow.commit()
    return int(capture_id)


def finish_capture(uow: UnitOfWork, result: CaptureResult) -> None:
    """Store the outcome of a capture job."""
    uow.connection.execute(
        captures.update()
        .where(captures.c.id == result.capture_id)
        .values(
            status=result.status,
            captured=result.captured,
            duplicates=result.duplicates,
            rejected=result.rejected,
            errors=result.errors[:1000],
            finished_at=now(),
        )
    )
    uow.commit()


def get_capture(uow: UnitOfWork, actor: Actor, capture_id: int) -> dict[str, Any]:
    """A capture job's status and errors."""
    row = uow.connection.execute(sa.select(captures).where(captures.c.id == capture_id)).first()
    if row is None or not actor.can_read_tenant(row.tenant_id):
        raise CaptureNotFound(f"capture {capture_id} not found")
    return {
        "captureID": str(row.id),
        "running": row.status == "running",
        "success": row.status == "succeeded",
        "status": row.status,
        "captured": row.captured,
        "duplicates": row.duplicates,
        "rejected": row.rejected,
        "errors": row.errors,
        "createdAt": row.created_at.isoformat(),
        "finishedAt": row.finished_at.isoformat() if row.finished_at else None,
    }


def capture_events(
    uow: UnitOfWork,
    actor: Actor,
    *,
    tenant_id: int,
    capture_id: int,
    events: Iterable[ParsedEvent],
    behaviour: Behaviour = Behaviour.ROLLBACK,
    seal_every: int = 10_000,
    key_dir: Any = None,
    progress: Progress | None = None,
) -> CaptureResult:
    """Capture parsed events in one transaction; raises ``CaptureRejected`` in rollback mode."""
    result = CaptureResult(capture_id=capture_id)
    conn = uow.connection
    own = frozenset(
        conn.execute(sa.select(products.c.gtin).where(products.c.tenant_id == tenant_id)).scalars()
    )
    head = event_store.lock_ledger_head(conn, tenant_id, genesis(str(tenant_id)))
    # Dedup keys of events refused by a state rule: a later copy in the same document
    # counts as a duplicate. Stored events are found by the store's own dedup query
    # (earlier batches of this capture are in the open transaction), so this set stays
    # small however long the document is.
    refused: set[str] = set()
    iterator = iter(events)
    try:
        with _young_gc_only():
            head = _capture_all(
                conn,
                tenant_id,
                own,
                iterator,
                capture_id,
                head,
                refused,
                result,
                behaviour,
                seal_every,
                key_dir,
                progress,
            )
    except DocumentError as exc:
        result.errors.append(
            {
                "index": exc.index,
                "location": exc.location,
                "field": None,
                "rule": exc.rule,
                "message": str(exc),
            }
        )
        result.rejected += 1
        result.status = "failed"
        rejected = CaptureRejected(str(exc), result.errors)
        rejected.detail["unreadable"] = True
        raise rejected from exc
    if result.errors and behaviour is Behaviour.ROLLBACK:
        result.status = "failed"
        first = result.errors[0]["message"]
        more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        raise CaptureRejected(f"document rejected, nothing stored: {first}{more}", result.errors)
    event_store.save_ledger_head(conn, tenant_id, head)
    maybe_seal(conn, tenant_id, head, seal_every=seal_every, key_dir=key_dir)
    publish_captured(conn, tenant_id)
    uow.commit()
    result.status = "partial" if result.errors else "succeeded"
    return result


def _capture_all(
    conn: sa.Connection,
    tenant_id: int,
    own: frozenset[str],
    iterator: Iterator[ParsedEvent],
    capture_id: int,
    head: LedgerHead,
    refused: set[str],
    result: CaptureResult,
    behaviour: Behaviour,
    seal_every: int,
    key_dir: Any,
    progress: Progress | None,
) -> LedgerHead:
    for prepared, count in _batches(iterator, result):
        stored = _capture_batch(conn, tenant_id, own, prepared, capture_id, head, refused, result)
        head = stored.head
        if not (result.errors and behaviour is Behaviour.ROLLBACK):
            # Done per batch so that memory stays flat on large documents (the
            # transaction is doomed once rollback behaviour met a bad event).
            publish_captured(conn, tenant_id, changed=stored.changed, upto=stored.last_pk)
            if head.last_seq - head.sealed_seq >= seal_every:
                head = _seal(conn, tenant_id, head, seal_every, key_dir)
        if progress is not None:
            progress(count)
        gc.collect(1)
    return head


def _batches(
    iterator: Iterator[ParsedEvent], result: CaptureResult
) -> Iterator[tuple[list[_Prepared], int]]:
    """Checked events in batches of ``BATCH`` events or ``BATCH_BYTES`` of bodies, whichever
    comes first (so that a document of large events keeps memory flat), each with how many
    events were read for it."""
    prepared: list[_Prepared] = []
    count = size = 0
    for parsed in iterator:
        count += 1
        item = _prepare(parsed, result)
        if item is not None:
            prepared.append(item)
            size += len(item.body)
        if count >= BATCH or size >= BATCH_BYTES:
            yield prepared, count
            prepared, count, size = [], 0, 0
    if count:
        yield prepared, count


@contextmanager
def _young_gc_only() -> Iterator[None]:
    """Pause the cyclic garbage collector's automatic runs while capturing.

    A capture allocates millions of short-lived objects; each automatic full collection
    walks every live object again (about a fifth of capture's CPU time). The young
    generations are collected after every batch instead, and automatic collection
    resumes afterwards (if it was on). Reference counting frees almost everything
    regardless: events, rows and states hold no cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _seal(
    conn: sa.Connection, tenant_id: int, head: LedgerHead, seal_every: int, key_dir: Any
) -> LedgerHead:
    """Seal a long document's events as they pass ``seal_every`` (the head moves on)."""
    event_store.save_ledger_head(conn, tenant_id, head)
    seal = maybe_seal(conn, tenant_id, head, seal_every=seal_every, key_dir=key_dir)
    if seal is None:
        return head
    return LedgerHead(head.last_seq, head.head, seal.last_seq)


def _prepare(parsed: ParsedEvent, result: CaptureResult) -> _Prepared | None:
    problems = validate_event(parsed)
    problems += [
        EventError(
            parsed.index,
            parsed.location,
            "sy:record",
            "profile",
            f"event {parsed.index} ({parsed.location}): {message}",
        )
        for message in check_event_records(parsed.event)
    ]
    if problems:
        result.errors.extend(_from_event_error(p) for p in problems)
        result.rejected += 1
        return None
    try:
        index = index_event(parsed.event)
        digest = event_hash(parsed.event, parsed.namespaces)
    except InvalidEventField as exc:
        result.errors.append(_error(parsed, exc.field, exc.rule, str(exc)))
        result.rejected += 1
        return None
    except SuyuanError as exc:
        result.errors.append(_error(parsed, "event", "index", str(exc)))
        result.rejected += 1
        return None
    identity = index.event_id or digest
    dedup = identity + ("#declaration" if index.has_error_declaration else "")
    body = orjson.dumps(parsed.event).decode()
    return _Prepared(parsed, index, digest, dedup, body)


def _capture_batch(
    conn: sa.Connection,
    tenant_id: int,
    own: frozenset[str],
    prepared: list[_Prepared],
    capture_id: int,
    head: LedgerHead,
    refused: set[str],
    result: CaptureResult,
) -> _Stored:
    """Store one batch."""
    # The store keeps 255 characters of a dedup key: look up what it keeps.
    stored = event_store.existing_dedup_keys(conn, tenant_id, [p.dedup_key[:255] for p in prepared])
    fresh: list[_Prepared] = []
    seen: set[str] = set()
    for item in prepared:
        key = item.dedup_key
        if key[:255] in stored or key in seen or key in refused:
            result.duplicates += 1
            continue
        seen.add(key)
        fresh.append(item)
    # With rollback behaviour a bad event dooms the transaction, but the good events
    # are still stored in it: later batches must see their states, or they would report
    # rule breaks that are only echoes of the first error.
    projection = _load(conn, tenant_id, own, fresh)
    accepted = _apply(projection, fresh, result)
    if len(accepted) < len(fresh):
        kept = {id(item) for item in accepted}
        refused.update(item.dedup_key for item in fresh if id(item) not in kept)
    return _store(conn, tenant_id, accepted, fresh, projection, capture_id, head, result)


def _apply(
    projection: Projection, fresh: list[_Prepared], result: CaptureResult
) -> list[_Prepared]:
    """Apply each event to the projection; return those that broke no rule.

    An error declaration changes no state: it says an earlier event was wrong, and
    the corrective events that go with it carry the right state.
    """
    accepted: list[_Prepared] = []
    for position, item in enumerate(fresh):
        if not item.index.has_error_declaration:
            try:
                projection.apply(item.index, item.parsed.event, -(position + 1))
            except ProjectionRuleBroken as exc:
                result.errors.append(_error(item.parsed, exc.identifier, exc.rule, str(exc)))
                result.rejected += 1
                continue
        accepted.append(item)
    return accepted


def _load(
    conn: sa.Connection, tenant_id: int, own: frozenset[str], fresh: list[_Prepared]
) -> Projection:
    unit_keys: list[str] = []
    lot_keys: list[str] = []
    for item in fresh:
        for role, key in item.index.identifiers:
            if role.endswith("qty") or key_kind(key) == "lot":
                lot_keys.append(key)
            else:
                unit_keys.append(key)
        lot = _ilmd_lot_number(item.parsed.event)
        if lot:
            for _role, key in item.index.identifiers:
                gtin = gtin_of(key)
                if gtin:
                    lot_keys.append(f"/01/{gtin}/10/{lot}")
    projection = event_store.load_projection(
        conn, tenant_id=tenant_id, own_gtins=own, unit_keys=unit_keys, lot_keys=lot_keys
    )
    owners = {lot.tenant_id for lot in projection.lots.values() if lot.status == "hold"}
    projection.refuse_holds_of = frozenset(
        owner for owner in owners - {tenant_id} if load_settings(conn, owner).refuse_partner_holds
    )
    return projection


def _ilmd_lot_number(event: dict[str, Any]) -> str | None:
    ilmd = event.get("ilmd")
    if isinstance(ilmd, dict):
        for name, value in ilmd.items():
            if name == "lotNumber" or name.endswith(":lotNumber"):
                return str(value)
    return None


def _store(
    conn: sa.Connection,
    tenant_id: int,
    accepted: list[_Prepared],
    fresh: list[_Prepared],
    projection: Projection,
    capture_id: int,
    head: LedgerHead,
    result: CaptureResult,
) -> _Stored:
    recorded = now()
    rows: list[dict[str, Any]] = []
    seq, link = head.last_seq, head.head
    for item in accepted:
        seq += 1
        event_id = item.index.event_id or item.hash
        link = chain_link(
            link, seq, item.hash, row_digest(event_id=event_id, content=item.body.encode())
        )
        rows.append(_event_row(tenant_id, item, seq, link, event_id, recorded, capture_id))
    pks = event_store.insert_events(conn, rows)
    position = {id(item): n for n, item in enumerate(fresh)}
    placeholder = {-(position[id(item)] + 1): pk for item, pk in zip(accepted, pks, strict=True)}
    epc_rows: list[tuple[int, int, str, str]] = []
    attribute_rows: list[tuple[int, int, str, str]] = []
    declared = []
    for item, pk in zip(accepted, pks, strict=True):
        epc_rows += [(tenant_id, pk, role, key) for role, key in item.index.identifiers]
        attribute_rows += [
            (tenant_id, pk, name[:64], value[:255]) for name, value in item.index.attributes
        ]
        if item.index.has_error_declaration:
            declared.append((item, pk))
    corrections = _corrections(conn, tenant_id, declared)
    event_store.insert_index_rows(conn, epc_rows, attribute_rows, corrections)
    new_lots = [key for key, lot in projection.lots.items() if lot.is_new]
    changed = _changed_units(projection)
    event_store.save_projection(conn, projection, placeholder, recorded)
    stored = store_event_records(
        conn, tenant_id, [(i.parsed.event, pk) for i, pk in zip(accepted, pks, strict=True)]
    )
    propagate_holds(conn, new_lots)
    judge_stored_records(conn, tenant_id, stored)
    evaluate_captured_events(
        conn, tenant_id, [(i.parsed.event, pk) for i, pk in zip(accepted, pks, strict=True)]
    )
    result.captured += len(accepted)
    room = MAX_EVENT_IDS - len(result.event_ids)
    if room > 0:
        result.event_ids.extend(row["event_id"] for row in rows[:room])
    return _Stored(LedgerHead(seq, link, head.sealed_seq), changed, max(pks, default=None))


def _changed_units(projection: Projection) -> dict[str, UnitState]:
    """What a batch changed, read before saving clears the flags: publishing reads only these.

    Every unit created or updated, and every container above one whose container changed
    (as far as the batch loaded them): a container's public batch is that of its contents,
    so it changes when a unit enters or leaves it, even by an event that does not name it
    or that came too late to change its own state.
    """
    units = projection.units
    changed = {key: state for key, state in units.items() if state.is_new or state.dirty}
    holders = [
        container
        for state in changed.values()
        if state.parent != state.stored_parent
        for container in (state.parent, state.stored_parent)
        if container is not None
    ]
    while holders:
        key = holders.pop()
        state = units.get(key)
        if state is None:
            continue
        changed.setdefault(key, state)
        if state.parent is not None and state.parent not in changed:
            holders.append(state.parent)
    return changed


def _event_row(
    tenant_id: int,
    item: _Prepared,
    seq: int,
    link: bytes,
    event_id: str,
    recorded: Any,
    capture_id: int,
) -> dict[str, Any]:
    index = item.index
    return {
        "tenant_id": tenant_id,
        "seq": seq,
        "dedup_key": item.dedup_key[:255],
        "event_id": event_id[:255],
        "event_hash": item.hash,
        "event_type": index.event_type,
        "event_time": index.event_time,
        "record_time": recorded,
        "action": index.action,
        "biz_step": (index.biz_step or "")[:255] or None,
        "disposition": (index.disposition or "")[:255] or None,
        "read_point": (index.read_point or "")[:255] or None,
        "biz_location": (index.biz_location or "")[:255] or None,
        "has_error_declaration": index.has_error_declaration,
        "body": item.body,
        "namespaces": item.parsed.namespaces,
        "chain_link": link.hex(),
        "capture_id": capture_id,
    }


def _corrections(
    conn: sa.Connection, tenant_id: int, declared: list[tuple[_Prepared, int]]
) -> list[dict[str, Any]]:
    if not declared:
        return []
    wanted = [item.index.event_id or item.hash for item, _pk in declared]
    originals = event_store.find_event_pks(conn, tenant_id, wanted)
    rows = []
    for (_item, pk), identity in zip(declared, wanted, strict=True):
        original = originals.get(identity)
        if original is not None:
            rows.append({"tenant_id": tenant_id, "event_pk": original, "declaration_pk": pk})
    return rows


def capture_document(
    make_uow: Callable[[], UnitOfWork],
    actor: Actor,
    *,
    tenant_id: int,
    source: bytes | BinaryIO,
    content_type: str | None = None,
    behaviour: Behaviour = Behaviour.ROLLBACK,
    limits: Limits | None = None,
    name: str | None = None,
    seal_every: int = 10_000,
    key_dir: Any = None,
    progress: Progress | None = None,
) -> CaptureResult:
    """Capture one EPCIS document as a job: start, capture, record the outcome.

    Raises ``CaptureRejected`` (rollback behaviour, or an unreadable document) after
    recording the failed job, so its errors stay queryable.
    """
    with make_uow() as uow:
        capture_id = start_capture(
            uow, actor, tenant_id=tenant_id, behaviour=behaviour, source=name
        )
    result = CaptureResult(capture_id=capture_id)
    try:
        _header, events = read_document(
            source, content_type=content_type, limits=limits or Limits()
        )
        with make_uow() as uow:
            result = capture_events(
                uow,
                actor,
                tenant_id=tenant_id,
                capture_id=capture_id,
                events=events,
                behaviour=behaviour,
                seal_every=seal_every,
                key_dir=key_dir,
                progress=progress,
            )
    except CaptureRejected as exc:
        result.status, result.errors = "failed", exc.errors
        result.rejected = max(result.rejected, rejected_events(exc.errors))
        with make_uow() as uow:
            finish_capture(uow, result)
        exc.detail["capture_id"] = capture_id
        raise
    except DocumentError as exc:
        result.status = "failed"
        result.errors = [
            {
                "index": exc.index,
                "location": exc.location,
                "field": None,
                "rule": exc.rule,
                "message": str(exc),
            }
        ]
        with make_uow() as uow:
            finish_capture(uow, result)
        rejected = CaptureRejected(str(exc), result.errors)
        rejected.detail |= {"capture_id": capture_id, "unreadable": True}
        raise rejected from exc
    with make_uow() as uow:
        finish_capture(uow, result)
    return result
