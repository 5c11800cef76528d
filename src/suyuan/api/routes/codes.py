"""/api/v1/code-blocks and /api/v1/codes: issue, list, download, verify, void."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from suyuan.api.deps import ActorDep, RuntimeDep, UowDep
from suyuan.codes.printer_files import PrinterFormat
from suyuan.services.code_files import write_block_file
from suyuan.services.codes import get_block, issue_block, list_blocks, verify_codes, void_codes
from suyuan.services.enterprises import resolve_tenant

router = APIRouter(tags=["codes"])


class IssueIn(BaseModel):
    """Body of POST /api/v1/code-blocks."""

    gtin: str
    count: int = Field(gt=0)
    level: str = "item"


class VoidIn(BaseModel):
    """Body of POST /api/v1/codes/void."""

    codes: list[str] = Field(min_length=1, max_length=10_000)
    reason: str
    destroyed: bool = False


@router.post("/code-blocks", status_code=201)
def issue_route(body: IssueIn, uow: UowDep, actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Reserve a block of codes for a product of the caller's enterprise."""
    tenant = resolve_tenant(uow, actor, None)
    return issue_block(
        uow,
        actor,
        tenant_id=tenant,
        gtin=body.gtin,
        count=body.count,
        level=body.level,
        key_dir=runtime.settings.key_dir,
    ).to_dict()


@router.get("/code-blocks")
def list_route(uow: UowDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Blocks the caller may read, with voided counts."""
    tenant = None if actor.is_platform else actor.enterprise_id
    return list_blocks(uow, actor, tenant_id=tenant)


@router.get("/code-blocks/{block_id}/file")
def download_route(
    block_id: int,
    uow: UowDep,
    actor: ActorDep,
    runtime: RuntimeDep,
    background: BackgroundTasks,
    fmt: PrinterFormat = Query(PrinterFormat.IDIS, alias="format"),
) -> FileResponse:
    """The block's printer file, generated on demand and streamed."""
    block = get_block(uow, actor, block_id)
    handle, path = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(handle, "wb") as out:
        write_block_file(runtime, block, out, fmt)
    background.add_task(os.unlink, path)
    media = "text/csv" if fmt is PrinterFormat.CSV else "text/plain"
    return FileResponse(path, media_type=media, filename=f"block-{block.id}.{fmt.value}.txt")


@router.get("/codes/{code:path}")
def verify_route(code: str, uow: UowDep, actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Verify one code in any printed form: well-formed, genuine, whose, state."""
    check = verify_codes(uow, [code], key_dir=runtime.settings.key_dir)[0]
    result = check.to_dict()
    if check.enterprise_id is not None and not actor.can_read_tenant(check.enterprise_id):
        result.update(block_id=None)
    return result


@router.post("/codes/void")
def void_route(
    body: VoidIn, uow: UowDep, actor: ActorDep, runtime: RuntimeDep
) -> list[dict[str, Any]]:
    """Void spoiled codes of the caller's enterprise, with a reason."""
    tenant = resolve_tenant(uow, actor, None)
    return void_codes(
        uow,
        actor,
        tenant_id=tenant,
        codes=body.codes,
        reason=body.reason,
        key_dir=runtime.settings.key_dir,
        destroyed=body.destroyed,
    )
