"""`suyuan alerts` and `suyuan webhooks`: rules, alerts and their delivery (GEN-12 to GEN-16)."""

from __future__ import annotations

from datetime import date, datetime

import typer

from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import print_json, print_record, print_table
from suyuan.domain.access import Actor
from suyuan.domain.alert_settings import parse_assignments
from suyuan.errors import InvalidInput
from suyuan.services.alert_checks import run_checks
from suyuan.services.alerts import (
    acknowledge_alert,
    close_alert,
    get_alert,
    get_rules,
    list_alerts,
    set_rules,
)
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.webhooks import (
    add_webhook,
    deactivate_webhook,
    deliver_pending,
    delivery_log,
    list_webhooks,
)

alerts_app = typer.Typer(
    help="List, acknowledge and close alerts; set rules; run checks.", no_args_is_help=True
)
webhooks_app = typer.Typer(help="Webhooks that receive alerts, signed.", no_args_is_help=True)
ENTERPRISE = typer.Option(None, "--enterprise", "-e", help="Enterprise id or slug.")


def _tenant(ctx: typer.Context, enterprise: str | None) -> int | None:
    if enterprise is None:
        return None
    with runtime_of(ctx).uow(write=False) as uow:
        return resolve_tenant(uow, Actor.system(), enterprise_ref(enterprise))


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--since {text!r}: give an ISO date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment


@alerts_app.command("list")
def list_command(
    ctx: typer.Context,
    enterprise: str = ENTERPRISE,
    rule: str = typer.Option(None, help="Only this rule, e.g. temperature_excursion."),
    status: str = typer.Option(None, help="open, acknowledged or closed."),
    severity: str = typer.Option(None, help="info, warning or critical."),
    since: str = typer.Option(None, help="Raised at or after (ISO date or date-time)."),
    limit: int = typer.Option(100, help="At most this many, newest first."),
    json_out: bool = JSON,
) -> None:
    """List alerts, newest first, filtered."""
    tenant = _tenant(ctx, enterprise)
    with runtime_of(ctx).uow(write=False) as uow:
        found = list_alerts(
            uow,
            Actor.system(),
            tenant_id=tenant,
            rule=rule,
            status=status,
            severity=severity,
            since=_since(since),
            limit=limit,
        )
    if json_out:
        print_json([a.to_dict() for a in found])
        return
    print_table(
        "alerts",
        ("id", "at", "rule", "severity", "object", "status"),
        [(a.id, a.at.isoformat(timespec="seconds"), a.rule, a.severity, a.object, a.status)
         for a in found],
    )  # fmt: skip


@alerts_app.command("show")
def show(ctx: typer.Context, alert_id: int = typer.Argument(...), json_out: bool = JSON) -> None:
    """Show one alert with its evidence and webhook deliveries."""
    actor = Actor.system()
    with runtime_of(ctx).uow(write=False) as uow:
        alert = get_alert(uow, actor, alert_id).to_dict()
        alert["deliveries"] = delivery_log(uow, actor, tenant_id=None, alert_id=alert_id)
    if json_out:
        print_json(alert)
    else:
        print_record(f"alert {alert_id}", alert)


@alerts_app.command("ack")
def ack(
    ctx: typer.Context,
    alert_id: int = typer.Argument(...),
    note: str = typer.Option(None, help="What is being done."),
    json_out: bool = JSON,
) -> None:
    """Acknowledge an alert: someone is handling it."""
    with runtime_of(ctx).uow() as uow:
        alert = acknowledge_alert(uow, Actor.system(), alert_id, note=note)
    _print_alert(alert.to_dict(), json_out)


@alerts_app.command("close")
def close(
    ctx: typer.Context,
    alert_id: int = typer.Argument(...),
    note: str = typer.Option(..., help="What was done (required)."),
    json_out: bool = JSON,
) -> None:
    """Close an alert with a note."""
    with runtime_of(ctx).uow() as uow:
        alert = close_alert(uow, Actor.system(), alert_id, note=note)
    _print_alert(alert.to_dict(), json_out)


def _print_alert(alert: dict[str, object], json_out: bool) -> None:
    if json_out:
        print_json(alert)
    else:
        print_record(f"alert {alert['id']} {alert['status']}", alert)


@alerts_app.command("rules")
def rules(
    ctx: typer.Context,
    enterprise: str = typer.Option(..., "--enterprise", "-e", help="Enterprise id or slug."),
    assignments: list[str] = typer.Option(
        None, "--set", help="NAME=VALUE, e.g. temperature=5..25, scan_count_max=10 (repeatable)."
    ),
    json_out: bool = JSON,
) -> None:
    """Show an enterprise's alert rule settings, or change some with --set."""
    tenant = _tenant(ctx, enterprise)
    assert tenant is not None
    with runtime_of(ctx).uow() as uow:
        if assignments:
            settings = set_rules(uow, Actor.system(), tenant, parse_assignments(assignments))
        else:
            settings = get_rules(uow, Actor.system(), tenant)
    if json_out:
        print_json(settings)
    else:
        print_record("alert rules", settings)


@alerts_app.command("run")
def run(
    ctx: typer.Context,
    enterprise: str = ENTERPRISE,
    on: str = typer.Option(None, "--date", help="Judge expiry as of this date (YYYY-MM-DD)."),
    json_out: bool = JSON,
) -> None:
    """Check stock for expiry and judge new consumer scans; raise alerts."""
    tenant = _tenant(ctx, enterprise)
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise InvalidInput(f"--date {on!r}: give YYYY-MM-DD") from None
    with runtime_of(ctx).uow() as uow:
        outcome = run_checks(uow, Actor.system(), tenant_id=tenant, today=day)
    if json_out:
        print_json(outcome)
    else:
        print_record("checks", outcome)


@alerts_app.command("deliver")
def deliver(
    ctx: typer.Context,
    limit: int = typer.Option(100, help="At most this many deliveries."),
    json_out: bool = JSON,
) -> None:
    """Send due webhook deliveries once (failures are retried later, with backoff)."""
    report = deliver_pending(runtime_of(ctx).uow, limit=limit)
    if json_out:
        print_json(report.to_dict())
        return
    print_table(
        f"{report.attempted} attempted, {report.delivered} delivered, "
        f"{report.retrying} to retry, {report.failed} failed",
        ("delivery", "attempt", "status", "HTTP", "error", "next attempt"),
        [(r["delivery_id"], r["attempt"], r["status"], r["status_code"], r["error"],
          r["next_attempt_at"]) for r in report.results],
    )  # fmt: skip


@webhooks_app.command("add")
def add(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="Receiver URL (http or https)."),
    secret: str = typer.Option(..., help="Shared secret for the HMAC signature (16+ chars)."),
    enterprise: str = typer.Option(
        None, "--enterprise", "-e", help="Whose alerts (default: every enterprise's)."
    ),
    events: str = typer.Option("*", help="Rules to send, comma-separated, or *."),
    max_attempts: int = typer.Option(5, help="Attempts before a delivery is given up."),
    json_out: bool = JSON,
) -> None:
    """Register a webhook."""
    tenant = _tenant(ctx, enterprise)
    with runtime_of(ctx).uow() as uow:
        hook = add_webhook(
            uow,
            Actor.system(),
            tenant_id=tenant,
            url=url,
            secret=secret,
            events=[e.strip() for e in events.split(",") if e.strip()],
            max_attempts=max_attempts,
        )
    if json_out:
        print_json(hook.to_dict())
    else:
        print_record(f"webhook {hook.id} added", hook.to_dict())


@webhooks_app.command("list")
def list_hooks(ctx: typer.Context, enterprise: str = ENTERPRISE, json_out: bool = JSON) -> None:
    """List webhooks."""
    tenant = _tenant(ctx, enterprise)
    with runtime_of(ctx).uow(write=False) as uow:
        hooks = list_webhooks(uow, Actor.system(), tenant_id=tenant)
    if json_out:
        print_json([h.to_dict() for h in hooks])
        return
    print_table(
        "webhooks",
        ("id", "enterprise", "url", "events", "active", "max attempts"),
        [(h.id, h.tenant_id, h.url, ",".join(h.events), h.active, h.max_attempts) for h in hooks],
    )


@webhooks_app.command("remove")
def remove(ctx: typer.Context, hook_id: int = typer.Argument(...), json_out: bool = JSON) -> None:
    """Deactivate a webhook (its delivery log stays)."""
    with runtime_of(ctx).uow() as uow:
        hook = deactivate_webhook(uow, Actor.system(), hook_id)
    if json_out:
        print_json(hook.to_dict())
    else:
        print_record(f"webhook {hook.id} deactivated", hook.to_dict())


@webhooks_app.command("log")
def log(ctx: typer.Context, enterprise: str = ENTERPRISE, json_out: bool = JSON) -> None:
    """Deliveries and every attempt, newest first."""
    tenant = _tenant(ctx, enterprise)
    with runtime_of(ctx).uow(write=False) as uow:
        entries = delivery_log(uow, Actor.system(), tenant_id=tenant)
    if json_out:
        print_json(entries)
        return
    print_table(
        "deliveries",
        ("id", "webhook", "alert", "status", "attempts", "next attempt"),
        [(e["id"], e["webhook_id"], e["alert_id"], e["status"], len(e["attempts"]),
          e["next_attempt_at"]) for e in entries],
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    """Attach `alerts` and `webhooks` to the root command."""
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(webhooks_app, name="webhooks")
