"""`suyuan demo`: the small world on SQLite and PostgreSQL, its samples, determinism and
idempotence, and what the samples trace to (QBT-5.2.6, QBT-5.2.7, QBT-4.3, GEN-8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from databases import fresh_postgres, fresh_sqlite
from suyuan.api.app import create_app
from suyuan.cli.app import app
from suyuan.config import Settings
from suyuan.demo.builder import DEMO_PASSWORD

runner = CliRunner()
RESOLVER = "https://trace.example.cn"
SAMPLES = ("bottle", "failed_qc_bottle", "sold_bottle", "case", "pallet")


def run(env: dict[str, str], *args: str) -> Any:
    """Run the CLI with --json output; the parsed JSON."""
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def env_for(url: str, key_dir: Path) -> dict[str, str]:
    """CLI environment for one database."""
    return {
        "SUYUAN_DATABASE_URL": url,
        "SUYUAN_KEY_DIR": str(key_dir),
        "SUYUAN_RESOLVER_URL": RESOLVER,
    }


def build(env: dict[str, str], seed: int = 7) -> dict[str, Any]:
    """The small demo, built (or just summarised, when already there)."""
    summary: dict[str, Any] = run(env, "demo", "--scale", "small", "--seed", str(seed), "--json")
    return summary


def check_world(env: dict[str, str], summary: dict[str, Any]) -> None:
    """What a fresh small demo must hold, checked through the CLI and the console."""
    samples = summary["samples"]
    for name in SAMPLES:
        code = samples[name]["code"]
        assert samples[name]["url"] == RESOLVER + code
    bottle = run(env, "trace", "back", samples["bottle"]["code"], "--json")
    assert bottle["unit"]["status"] not in ("sold", "destroyed")
    assert bottle["unit"]["holder"]["role"] in ("producer", "distributor")
    assert [c["key"] for c in bottle["containers"]] == [samples["case"]["code"]]
    sold = run(env, "trace", "back", samples["sold_bottle"]["code"], "--json")
    assert sold["unit"]["status"] == "sold"
    flow = run(env, "trace", "flow", samples["sold_bottle"]["code"], "--json")
    assert [s["step"] for s in flow["steps"]][-1] == "retail_selling"
    assert flow["steps"][0]["step"] == "shipping"
    failed = run(env, "trace", "back", samples["failed_qc_bottle"]["code"], "--json")
    methanol = [q["data"]["methanol"]["value"] for q in failed["qc"] if q["type"] == "T5.2"]
    assert "0.92" in methanol
    forward = run(env, "trace", "forward", samples["raw_material_lot"], "--json")
    assert forward["unit_count"] >= 1800
    assert {lot["stage"] for lot in forward["lots"]} >= {"raw_material", "production_batch"}
    stages = {lot["stage"] for lot in bottle["lots"]}
    assert stages >= {"raw_material", "koji_making", "distillation", "blending"}
    pallet = run(env, "trace", "back", samples["pallet"]["code"], "--json")
    assert pallet["code"] == samples["pallet"]["code"]
    _check_console(env, summary)


def _check_console(env: dict[str, str], summary: dict[str, Any]) -> None:
    settings = Settings(
        database_url=env["SUYUAN_DATABASE_URL"],
        key_dir=Path(env["SUYUAN_KEY_DIR"]),
        resolver_url=RESOLVER,
    )
    assert summary["console"]["password"] == DEMO_PASSWORD
    code = summary["samples"]["failed_qc_bottle"]["code"]
    with TestClient(create_app(settings)) as client:
        for user, sees_methanol in (
            ("yibin-distillery-admin", True),
            ("dist-chengdu-admin", False),
            ("regulator", True),
        ):
            assert user in summary["console"]["users"]
            response = client.post(
                "/console/login",
                data={"username": user, "password": DEMO_PASSWORD},
                follow_redirects=False,
            )
            assert response.status_code == 303
            page = client.get("/console/trace", params={"q": code})
            assert page.status_code == 200
            assert "<svg" in page.text
            # methanol is internal to the distillery: a distributor sees public fields only
            assert ("0.92" in page.text) is sees_methanol, user


@pytest.mark.parametrize("seed", [7])
def test_the_small_demo_on_sqlite_is_the_same_world_for_the_same_seed(
    sqlite_template: Path, tmp_path: Path, seed: int
) -> None:
    """QBT-4.3: `suyuan demo --scale small` builds a usable world; the same seed on a
    second fresh database gives the same codes and counts; run again it only reprints."""
    with (
        fresh_sqlite(sqlite_template, tmp_path) as first,
        fresh_sqlite(sqlite_template, tmp_path) as second,
    ):
        one = build(env_for(first, tmp_path / "k1"), seed)
        two = build(env_for(second, tmp_path / "k2"), seed)
        assert set(one["samples"]) >= {*SAMPLES, "raw_material_lot"}
        assert one["samples"] == two["samples"]
        assert one["counts"] == two["counts"]
        assert one["counts"]["bottles"] > 0
        again = build(env_for(first, tmp_path / "k1"), seed)
        assert again == one
        check_world(env_for(first, tmp_path / "k1"), one)


@pytest.mark.postgres
def test_the_small_demo_builds_on_postgresql(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """QBT-4.3: the same demo on PostgreSQL, with the same samples as on SQLite."""
    template: str = request.getfixturevalue("postgres_template")
    with fresh_postgres(template) as url:
        env = env_for(url, tmp_path / "keys")
        summary = build(env, 7)
        assert set(summary["samples"]) >= {*SAMPLES, "raw_material_lot"}
        assert build(env, 7) == summary
        check_world(env, summary)
