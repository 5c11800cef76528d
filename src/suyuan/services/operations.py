"""The chain as operations: each user action becomes EPCIS events captured like any other.

These are the use cases behind `suyuan chain …`, `POST /api/v1/chain/{operation}` and
the demo: they turn codes in any printed form and profile records into events
(:mod:`suyuan.domain.operations`), then capture them through the one capture pipeline,
so the same validation, projections, ledger and record storage apply — no back doors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from suyuan.capture.model import ParsedEvent, SourceFormat
from suyuan.domain import operations as ops
from suyuan.domain.access import Actor
from suyuan.domain.profiles import get_profile, record_to_epcis, validate_record
from suyuan.errors import InvalidIdentifier, InvalidInput
from suyuan.identifiers.forms import ContainerKey, parse_code
from suyuan.identifiers.gs1 import Gtin
from suyuan.services.capture import (
    Behaviour,
    CaptureResult,
    capture_events,
    finish_capture,
    start_capture,
)
from suyuan.services.clock import now
from suyuan.services.enterprises import get_enterprise
from suyuan.storage.uow import UnitOfWork

ID_BASE = "https://id.gs1.org"


def to_epc(code: str) -> str:
    """The EPC (a GS1 Digital Link URI) of a code given in any printed form."""
    try:
        key = parse_code(code).key
    except InvalidIdentifier as exc:
        raise InvalidInput(f"code {code!r}: {exc.reason}", detail={"code": code}) from exc
    return ID_BASE + key.path if not isinstance(key, ContainerKey) else f"{ID_BASE}/00/{key.sscc}"


def to_lot(text: str) -> str:
    """A lot given as ``GTIN:LOT`` (or a lot Digital Link / EPC class) as its EPC class."""
    if ":" in text and not text.startswith(("http", "urn:")):
        gtin, lot = text.split(":", 1)
        return ops.lot_class(Gtin.parse(gtin).value, lot.strip())
    return text


def decimal(text: Any, name: str) -> Decimal:
    """A quantity from user input."""
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise InvalidInput(f"{name} {text!r}: must be a number") from None


@dataclass
class OperationContext:
    """Who performs operations, for which enterprise, with which settings."""

    make_uow: Callable[[], UnitOfWork]
    actor: Actor
    tenant_id: int
    key_dir: Path | None = None
    seal_every: int = 10_000

    def record(self, record_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """A profile record validated against the enterprise's profile, ready for an event."""
        with self.make_uow() as uow:
            profile_id = get_enterprise(uow, self.actor, self.tenant_id).profile
        return record_to_epcis(validate_record(get_profile(profile_id), record_type, data))

    def where(
        self,
        *,
        at: datetime | None = None,
        location: str | None = None,
        documents: Sequence[tuple[str, str]] = (),
    ) -> ops.Where:
        """Time, place and documents of an operation (now, by default)."""
        return ops.Where(time=at or now(), location=location, documents=tuple(documents))

    def capture(self, events: Sequence[dict[str, Any]], *, name: str) -> CaptureResult:
        """Capture operation events in one transaction (rollback on any broken rule)."""
        with self.make_uow() as uow:
            capture_id = start_capture(
                uow, self.actor, tenant_id=self.tenant_id, behaviour=Behaviour.ROLLBACK, source=name
            )
        parsed = [
            ParsedEvent(n, event, dict(ops.NAMESPACES), f"{name}[{n}]", SourceFormat.JSONLD)
            for n, event in enumerate(events)
        ]
        with self.make_uow() as uow:
            result = capture_events(
                uow,
                self.actor,
                tenant_id=self.tenant_id,
                capture_id=capture_id,
                events=parsed,
                seal_every=self.seal_every,
                key_dir=self.key_dir,
            )
        with self.make_uow() as uow:
            finish_capture(uow, result)
        return result


def records_of(
    ctx: OperationContext, items: Sequence[tuple[str, Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """Validate ``(record type, data)`` pairs into event records."""
    return [ctx.record(kind, data) for kind, data in items]
