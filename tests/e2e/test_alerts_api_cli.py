"""Alerts through the API, the CLI and the console on both databases (GEN-12, GEN-16, QBT-8.9)."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import make_api_user, make_enterprise
from typer.testing import CliRunner

from suyuan.bootstrap import Runtime
from suyuan.cli.app import app
from suyuan.domain.access import Actor, Role
from suyuan.services.alerts import raise_alert
from suyuan.services.users import create_user

runner = CliRunner()


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _alert(runtime: Runtime, tenant_id: int, rule: str, subject: str) -> int:
    with runtime.uow() as uow:
        alert_id = raise_alert(uow.connection, tenant_id=tenant_id, rule=rule,
                               severity="critical", object=subject, evidence={"n": 1})  # fmt: skip
        uow.commit()
    assert alert_id is not None
    return int(alert_id)


def test_alerts_rules_and_webhooks_through_the_api(client: Any, runtime: Runtime) -> None:
    """GET/PUT /api/v1/alert-rules, list/filter/ack/close alerts, webhooks, tenant isolation."""
    mine, other = make_enterprise(runtime), make_enterprise(runtime)
    user, outsider = make_api_user(runtime, mine), make_api_user(runtime, other)
    regulator = make_api_user(runtime, None, roles="regulator")
    alert_id = _alert(runtime, mine.id, "expired", "lot-a")
    _alert(runtime, other.id, "expired", "lot-b")

    rules = client.get("/api/v1/alert-rules", headers=user.headers).json()
    assert rules["scan_count_max"] == 10
    assert rules["temperature"] == [5.0, 25.0]
    changes = {"scan_count_max": "20", "temperature": "2..8"}
    put = client.put("/api/v1/alert-rules", headers=user.headers, json={"settings": changes})
    assert put.status_code == 200
    assert put.json()["scan_count_max"] == 20
    bad = client.put("/api/v1/alert-rules", headers=user.headers, json={"settings": {"x": "1"}})
    assert bad.status_code == 400

    listed = client.get("/api/v1/alerts", headers=user.headers, params={"status": "open"}).json()
    assert [a["object"] for a in listed] == ["lot-a"]
    assert len(client.get("/api/v1/alerts", headers=regulator.headers).json()) == 2
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=outsider.headers).status_code == 404
    ack = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=user.headers, json={})
    assert ack.json()["status"] == "acknowledged"
    assert client.post(f"/api/v1/alerts/{alert_id}/close", headers=user.headers,
                       json={}).status_code == 400  # fmt: skip
    closed = client.post(f"/api/v1/alerts/{alert_id}/close", headers=user.headers,
                         json={"note": "destroyed"})  # fmt: skip
    assert closed.json()["status"] == "closed"
    assert closed.json()["note"] == "destroyed"

    hook = client.post("/api/v1/webhooks", headers=user.headers,
                       json={"url": "http://127.0.0.1:9/none", "secret": "x" * 16})  # fmt: skip
    assert hook.status_code == 201
    assert "secret" not in hook.json()
    assert [h["id"] for h in client.get("/api/v1/webhooks", headers=outsider.headers).json()] == []
    run_all = client.post("/api/v1/alerts/run", headers=user.headers, json={"date": "2026-03-01"})
    assert run_all.status_code == 200
    assert run_all.json()["tenants"] == 1
    show = client.get(f"/api/v1/alerts/{alert_id}", headers=user.headers).json()
    assert show["deliveries"] == []


def test_alerts_and_webhooks_through_the_cli(cli_env: dict[str, str], runtime: Runtime) -> None:
    """`suyuan alerts list|show|ack|close|rules|run|deliver`, `suyuan webhooks add|list|log`."""
    ent = make_enterprise(runtime)
    code, out = run(cli_env, "webhooks", "add", "http://127.0.0.1:9/hook", "--secret",
                    "s" * 20, "-e", ent.slug, "--max-attempts", "1", "--json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["max_attempts"] == 1
    alert_id = _alert(runtime, ent.id, "scan_cities", "/01/06901234567892/21/A1")
    code, out = run(cli_env, "alerts", "list", "-e", ent.slug, "--rule", "scan_cities", "--json")
    assert code == 0
    assert [a["id"] for a in json.loads(out)] == [alert_id]
    code, out = run(cli_env, "alerts", "list", "--severity", "info", "--json")
    assert json.loads(out) == []
    code, out = run(cli_env, "alerts", "deliver", "--json")  # port 9: refused, no retry left
    assert code == 0
    assert json.loads(out)["failed"] == 1
    code, out = run(cli_env, "alerts", "show", str(alert_id), "--json")
    assert json.loads(out)["deliveries"][0]["status"] == "failed"
    code, out = run(cli_env, "webhooks", "log", "-e", ent.slug, "--json")
    assert json.loads(out)[0]["attempts"][0]["error"]
    assert run(cli_env, "alerts", "ack", str(alert_id), "--note", "looking")[0] == 0
    code, out = run(cli_env, "alerts", "close", str(alert_id), "--note", "copied label", "--json")
    assert code == 0
    assert json.loads(out)["status"] == "closed"
    code, out = run(cli_env, "alerts", "close", str(alert_id), "--note", "again")
    assert code == 1
    assert "closed already" in out
    code, out = run(cli_env, "alerts", "rules", "-e", ent.slug, "--set", "scan_cities_max=5",
                    "--set", "region_check=off", "--json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["scan_cities_max"] == 5
    assert run(cli_env, "alerts", "rules", "-e", ent.slug, "--set", "bogus")[0] == 1
    code, out = run(cli_env, "alerts", "run", "--date", "2026-03-01", "--json")
    assert code == 0
    assert json.loads(out)["date"] == "2026-03-01"
    code, out = run(cli_env, "webhooks", "list")
    assert code == 0
    assert "127.0.0.1" in out
    assert run(cli_env, "alerts", "list")[0] == 0


def test_console_lists_filters_acknowledges_and_closes_alerts(
    client: Any, runtime: Runtime
) -> None:
    """GEN-16: the console page with filter, ack and close forms."""
    ent = make_enterprise(runtime)
    with runtime.uow() as uow:
        create_user(uow, Actor.system(), username="qc-li", enterprise_id=ent.id,
                    roles=frozenset({Role.QC}), password="correct horse battery")  # fmt: skip
    alert_id = _alert(runtime, ent.id, "temperature_excursion", "/00/069012340000000017")
    assert client.get("/console/alerts", follow_redirects=False).status_code in (401, 303, 307)
    credentials = {"username": "qc-li", "password": "correct horse battery"}
    login = client.post("/console/login", data=credentials)
    assert login.status_code == 200
    page = client.get("/console/alerts", params={"rule": "temperature_excursion"})
    assert page.status_code == 200
    assert "/00/069012340000000017" in page.text
    assert "No alerts" in client.get("/console/alerts", params={"status": "closed"}).text
    acked = client.post(f"/console/alerts/{alert_id}", data={"action": "acknowledge"})
    assert "acknowledged" in acked.text
    refused = client.post(f"/console/alerts/{alert_id}", data={"action": "close", "note": ""})
    assert "needs a note" in refused.text
    closed = client.post(f"/console/alerts/{alert_id}", data={"action": "close", "note": "moved"})
    assert f"alert {alert_id}: closed" in closed.text
