"""Console page for alerts (GEN-16): list with filters, acknowledge and close with a note."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from suyuan.domain.alert_rules import AlertRule, AlertStatus, Severity
from suyuan.errors import SuyuanError
from suyuan.services.alerts import acknowledge_alert, close_alert, list_alerts
from suyuan.web.console import ConsoleActor, _runtime, templates

router = APIRouter(prefix="/console/alerts", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    actor: ConsoleActor,
    rule: str = "",
    status: str = "",
    severity: str = "",
    message: str | None = None,
) -> Response:
    """The alerts the user may see, newest first, filtered by rule, status and severity."""
    context = {
        "actor": actor,
        "rule": rule,
        "status": status,
        "severity": severity,
        "rules": [r.value for r in AlertRule],
        "statuses": [s.value for s in AlertStatus],
        "severities": [s.value for s in Severity],
        "message": message,
    }
    try:
        with _runtime(request).uow(write=False) as uow:
            found = list_alerts(
                uow,
                actor,
                tenant_id=actor.enterprise_id,
                rule=rule or None,
                status=status or None,
                severity=severity or None,
                limit=200,
            )
    except SuyuanError as exc:
        context["message"] = str(exc)
        return templates.TemplateResponse(request, "alerts.html", context, status_code=400)
    context["alerts"] = found
    return templates.TemplateResponse(request, "alerts.html", context)


@router.post("/{alert_id}")
def handle_alert(
    request: Request,
    alert_id: int,
    actor: ConsoleActor,
    action: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Acknowledge or close one alert, then back to the list with a message."""
    try:
        with _runtime(request).uow() as uow:
            if action == "close":
                alert = close_alert(uow, actor, alert_id, note=note)
            else:
                alert = acknowledge_alert(uow, actor, alert_id, note=note or None)
        message = f"alert {alert.id}: {alert.status}"
    except SuyuanError as exc:
        message = f"alert {alert_id}: {exc}"
    return RedirectResponse(
        request.url_for("alerts_page").include_query_params(message=message), status_code=303
    )
