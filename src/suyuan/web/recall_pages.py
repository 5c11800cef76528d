"""Console pages for recalls: list, live progress, and a phone-friendly scanning form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from suyuan.errors import SuyuanError
from suyuan.services.recalls import list_recalls, recall_status, scan_recovered
from suyuan.web.console import ConsoleActor, _runtime, templates

router = APIRouter(prefix="/console/recalls", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def recalls_page(request: Request, actor: ConsoleActor) -> Response:
    """Recalls the user may see."""
    with _runtime(request).uow(write=False) as uow:
        found = list_recalls(uow, actor)
    return templates.TemplateResponse(request, "recalls.html", {"actor": actor, "recalls": found})


@router.get("/{recall_id}", response_class=HTMLResponse)
def recall_page(
    request: Request, recall_id: int, actor: ConsoleActor, message: str | None = None
) -> Response:
    """Progress by holder, refreshed every ten seconds (no JavaScript needed); scan form."""
    with _runtime(request).uow(write=False) as uow:
        status = recall_status(uow, actor, recall_id)
    return templates.TemplateResponse(
        request, "recall.html", {"actor": actor, "r": status, "message": message}
    )


@router.post("/{recall_id}/scan", response_class=HTMLResponse)
def scan_form(
    request: Request, recall_id: int, actor: ConsoleActor, codes: Annotated[str, Form()]
) -> Response:
    """Scanned codes (one per line, as a scanner gun types them) are recovered."""
    lines = [line.strip() for line in codes.splitlines() if line.strip()]
    try:
        with _runtime(request).uow() as uow:
            result = scan_recovered(uow, actor, recall_id=recall_id, codes=lines)
        message = f"已回收 recovered {result['newly_recovered']}" + (
            f"；未找到 not found: {', '.join(result['not_found'])}" if result["not_found"] else ""
        )
    except SuyuanError as exc:
        message = str(exc)
    return recall_page(request, recall_id, actor, message)


@router.get("/{recall_id}/report.{fmt}")
def report(request: Request, recall_id: int, fmt: str, actor: ConsoleActor) -> Response:
    """The recall report (PDF or CSV) for a logged-in console user."""
    from suyuan.services.recall_reports import report_csv, report_pdf

    with _runtime(request).uow(write=False) as uow:
        if fmt == "pdf":
            return Response(report_pdf(uow, actor, recall_id), media_type="application/pdf")
        return Response(report_csv(uow, actor, recall_id), media_type="text/csv")
