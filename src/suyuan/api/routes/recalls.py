"""/api/v1/recalls and /api/v1/qc: recalls, recovery scans, reports; holds and releases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from suyuan.api.deps import ActorDep, UowDep
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.quality import list_holds, record_verdicts, release_hold, store_attachment
from suyuan.services.recall_reports import report_csv, report_pdf
from suyuan.services.recalls import (
    RecallScope,
    close_recall,
    list_recalls,
    open_recall,
    recall_status,
    recall_unit_rows,
    scan_recovered,
)

router = APIRouter(tags=["recalls and quality"])


class RecallIn(BaseModel):
    """Body of POST /api/v1/recalls."""

    lots: list[str] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list)
    product: str | None = None
    batch: str | None = None
    reason: str
    level: int = 3
    enterprise: str | None = Field(default=None, description="Recalling enterprise (regulators).")


class ScanIn(BaseModel):
    """Body of POST /api/v1/recalls/{id}/scan."""

    codes: list[str] = Field(min_length=1, max_length=10_000)


class CloseIn(BaseModel):
    """Body of POST /api/v1/recalls/{id}/close."""

    disposition: str
    note: str = ""


class ReleaseIn(BaseModel):
    """Body of POST /api/v1/qc/release."""

    lot: str
    reason: str


@router.post("/recalls", status_code=201)
def open_route(body: RecallIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Open a recall; the scope is computed with the forward trace."""
    tenant = resolve_tenant(uow, actor, body.enterprise)
    scope = RecallScope(tuple(body.lots), tuple(body.codes), body.product, body.batch)
    return open_recall(
        uow, actor, tenant_id=tenant, scope=scope, reason=body.reason, level=body.level
    )


@router.get("/recalls")
def list_route(uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Recalls the caller may read."""
    return list_recalls(uow, actor)


@router.get("/recalls/{recall_id}")
def status_route(recall_id: int, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Progress overall and per holder (a holder sees its own part)."""
    return recall_status(uow, actor, recall_id)


@router.post("/recalls/{recall_id}/scan")
def scan_route(recall_id: int, body: ScanIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Recover units by scanning; a case or pallet recovers its contents."""
    return scan_recovered(uow, actor, recall_id=recall_id, codes=body.codes)


@router.post("/recalls/{recall_id}/close")
def close_route(recall_id: int, body: CloseIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Close with destroyed, reworked or released."""
    return close_recall(
        uow, actor, recall_id=recall_id, disposition=body.disposition, note=body.note
    )


@router.get("/recalls/{recall_id}/codes.csv")
def codes_route(
    recall_id: int, uow: UowDep, actor: ActorDep, holder: int | None = None
) -> Response:
    """The codes in scope (of one holder), as CSV."""
    rows = recall_unit_rows(uow, actor, recall_id, holder)
    lines = ["code,kind,holder,recovered_at"] + [
        f"{r['key']},{r['kind']},{r['holder'] or ''},{r['recovered_at'] or ''}" for r in rows
    ]
    return Response("\n".join(lines) + "\n", media_type="text/csv")


@router.get("/recalls/{recall_id}/report.{fmt}")
def report_route(recall_id: int, fmt: str, uow: UowDep, actor: ActorDep) -> Response:
    """The recall report as PDF or CSV."""
    if fmt == "pdf":
        return Response(report_pdf(uow, actor, recall_id), media_type="application/pdf")
    return Response(report_csv(uow, actor, recall_id), media_type="text/csv")


@router.get("/qc/holds")
def holds_route(uow: UowDep, actor: ActorDep, all: bool = False) -> list[dict[str, Any]]:
    """Lots on QC hold."""
    return list_holds(uow, actor, active_only=not all)


@router.get("/qc/verdicts/{lot:path}")
def verdicts_route(lot: str, uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Computed verdicts of a lot's QC records."""
    return record_verdicts(uow, actor, lot=lot)


@router.post("/qc/release")
def release_route(body: ReleaseIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Release a hold (QC role, with a reason)."""
    return {"released": release_hold(uow, actor, lot=body.lot, reason=body.reason)}


@router.post("/qc/reports", status_code=201)
async def upload_route(
    uow: UowDep, actor: ActorDep, file: UploadFile = File(...), note: str = Form("")
) -> dict[str, Any]:
    """Upload an inspection report (PDF or image); returns its SHA-256 reference."""
    content = await file.read()
    tenant = resolve_tenant(uow, actor, None)
    return store_attachment(
        uow,
        actor,
        tenant_id=tenant,
        filename=file.filename or "report",
        media_type=file.content_type or "application/octet-stream",
        content=content,
    ) | {"note": note}
