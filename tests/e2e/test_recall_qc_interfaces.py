"""QC holds and recalls on the demo data through the CLI, the API and the console, on both
databases (QBT-5.2.2, QBT-5.2.7, QBT-10.5, QBT-8.9, GEN-10, GEN-17, GEN-27..GEN-30)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from public_world import World, world_copy
from suyuan.api.app import create_app
from suyuan.bootstrap import Runtime
from suyuan.cli.app import app
from suyuan.demo import world as w
from suyuan.demo.builder import DEMO_PASSWORD
from suyuan.domain.access import Actor
from suyuan.queries.trace import trace_forward
from suyuan.storage.tables import lots, units

runner = CliRunner()
RAW_LOT = f"{w.SORGHUM}:GL2026001"
GONE = ("destroyed", "voided", "decommissioned")
BROWSER = {"Accept": "text/html"}


@dataclass
class Demo:
    """A copy of the tiny demo world, with what the tests look up in it."""

    world: World
    env: dict[str, str]
    failed_lot: str

    def headers(self, who: str) -> dict[str, str]:
        """Bearer token of a demo user: yibin-distillery, dist-chengdu or regulator."""
        return {"Authorization": f"Bearer {self.world.internal['tokens'][who]}"}

    def cli(self, *args: str) -> Any:
        """Run the CLI; JSON output parsed when --json is given."""
        result = runner.invoke(app, list(args), env=self.env)
        assert result.exit_code == 0, result.output
        return json.loads(result.output) if "--json" in args else result.output

    def query(self, statement: Any) -> list[Any]:
        """Rows of a read-only query on the demo database."""
        runtime = Runtime(self.world.settings)
        try:
            with runtime.uow(write=False) as uow:
                return list(uow.connection.execute(statement))
        finally:
            runtime.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The tiny demo, built once per database kind, copied once for this module."""
    with world_copy(request.param, tmp_path_factory.mktemp("recalls")) as world:
        settings = world.settings
        env = {
            "SUYUAN_DATABASE_URL": settings.database_url,
            "SUYUAN_KEY_DIR": str(settings.key_dir),
            "SUYUAN_RESOLVER_URL": settings.resolver_url,
        }
        made = Demo(world, env, "")
        (made.failed_lot,) = [
            row.key
            for row in made.query(
                sa.select(lots.c.key)
                .join(units, units.c.lot_id == lots.c.id)
                .where(units.c.key == world.codes["failed_qc"])
            )
        ]
        yield made


@pytest.fixture
def client(demo: Demo) -> Iterator[TestClient]:
    """HTTP client on the demo copy."""
    with TestClient(create_app(demo.world.settings)) as test_client:
        yield test_client


def forward_units(demo: Demo, lot: str) -> dict[str, int | None]:
    """Unit key → holder of every live unit the forward trace of ``lot`` finds."""
    runtime = Runtime(demo.world.settings)
    try:
        with runtime.uow(write=False) as uow:
            found = trace_forward(uow.connection, Actor.system(), lot)
    finally:
        runtime.close()
    rows = demo.query(
        sa.select(units.c.key, units.c.holder_id)
        .join(lots, lots.c.id == units.c.lot_id)
        .where(lots.c.key.in_([x["id"] for x in found["lots"]]), units.c.status.not_in(GONE))
    )
    return {row.key: row.holder_id for row in rows}


def contents(demo: Demo, container: str) -> set[str]:
    """Bottles directly in ``container``."""
    parent = sa.select(units.c.id).where(units.c.key == container).scalar_subquery()
    return {r.key for r in demo.query(sa.select(units.c.key).where(units.c.parent_id == parent))}


def assert_pdf(data: bytes) -> None:
    """A PDF whose page tree counts at least one page."""
    assert data.startswith(b"%PDF-")
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    assert counts
    assert max(counts) >= 1


def test_demo_failed_qc_batch_is_held_and_its_shipment_refused(
    demo: Demo, client: TestClient
) -> None:
    """GEN-10, GEN-17, QBT-5.2.2: the demo's batch with methanol over GB 2757 is on hold
    with its blend (CLI and API); its verdict is computed; shipping one of its bottles
    through the API is refused naming bottle and lot; other enterprises see no holds."""
    holds = demo.cli("qc", "holds", "--json")
    held = {h["lot"] for h in holds}
    assert demo.failed_lot in held
    blend = next(lot for lot in held if f"/01/{w.BLEND}/" in lot)
    verdicts = demo.cli("qc", "verdicts", blend, "--json")
    assert [v["passed"] for v in verdicts] == [False]
    assert "methanol" in verdicts[0]["failures"][0]
    api_holds = client.get("/api/v1/qc/holds", headers=demo.headers("yibin-distillery"))
    assert {h["lot"] for h in api_holds.json()} == held
    assert client.get("/api/v1/qc/holds", headers=demo.headers("dist-chengdu")).json() == []
    bottle = demo.world.codes["failed_qc"]
    refused = client.post(
        "/api/v1/chain/ship",
        headers=demo.headers("yibin-distillery"),
        json={"codes": [bottle], "counterpart": "dist-chengdu"},
    )
    assert refused.status_code in (400, 409, 422), refused.text
    message = refused.text
    assert "on QC hold" in message
    assert bottle in message
    assert demo.failed_lot in message
    no_reason = client.post(
        "/api/v1/qc/release",
        headers=demo.headers("yibin-distillery"),
        json={"lot": demo.failed_lot, "reason": " "},
    )
    assert no_reason.status_code == 400
    assert demo.failed_lot in {h["lot"] for h in demo.cli("qc", "holds", "--json")}


def test_demo_recall_of_a_raw_material_lot_through_the_cli(demo: Demo, tmp_path: Path) -> None:
    """QBT-5.2.7, QBT-10.5, GEN-27..GEN-29: `suyuan recall open --lot` on the sorghum lot
    takes exactly the units its forward trace finds, sold ones included, notifies every
    holder, is recovered by scanning a case (once), reports as CSV and PDF, and closes."""
    expected = forward_units(demo, RAW_LOT)
    assert len(expected) > 300
    opened = demo.cli(
        "recall",
        "open",
        "--lot",
        RAW_LOT,
        "--reason",
        "原料霉变 mouldy grain",
        "--level",
        "1",
        "--json",
    )
    recall_id = str(opened["recall_id"])
    assert opened["unit_count"] == len(expected)
    assert opened["by_previous_status"].get("sold", 0) > 0
    holders = set(expected.values())
    status = demo.cli("recall", "status", recall_id, "--json")
    assert {h["holder_id"] for h in status["holders"]} == holders
    assert len(holders) > 3
    assert status["notices"] == 3 * len(holders)
    assert sum(h["units"] for h in status["holders"]) == len(expected)
    sold = demo.world.codes["sold"]
    (verified,) = demo.cli("codes", "verify", sold, "--json")
    assert "recalled" in json.dumps(verified)
    case = demo.world.codes["case"]
    first = demo.cli("recall", "scan", recall_id, case, "--json")
    assert first["newly_recovered"] == len(contents(demo, case)) == 6
    assert demo.cli("recall", "scan", recall_id, case, "--json")["newly_recovered"] == 0
    status = demo.cli("recall", "status", recall_id, "--json")
    assert status["recovered"] == 6
    assert sorted(h["recovered"] for h in status["holders"] if h["recovered"]) == [6]
    demo.cli("recall", "report", recall_id, "--out", str(tmp_path / "r.csv"))
    demo.cli("recall", "report", recall_id, "--out", str(tmp_path / "r.pdf"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text("utf-8-sig"))))
    assert {r["code"] for r in rows if r["kind"] == "unit"} == set(expected)
    assert len([r for r in rows if r["recovered_at"]]) == 6 + 1  # the case itself
    assert_pdf((tmp_path / "r.pdf").read_bytes())
    listed = demo.cli("recall", "list", "--json")
    assert int(recall_id) in {r["recall_id"] for r in listed}
    closed = demo.cli(
        "recall",
        "close",
        recall_id,
        "--disposition",
        "released",
        "--note",
        "复检合格 released after review",
        "--json",
    )
    assert (closed["status"], closed["disposition"]) == ("closed", "released")
    (verified,) = demo.cli("codes", "verify", sold, "--json")
    assert "recalled" not in json.dumps(verified)


def _batch_of(demo: Demo, code: str) -> str:
    inside = sa.select(units.c.lot_id).where(units.c.key == code).scalar_subquery()
    (row,) = demo.query(sa.select(lots.c.lot).where(lots.c.id == inside))
    return str(row.lot)


def test_demo_recall_through_the_api_and_the_console(demo: Demo, client: TestClient) -> None:
    """GEN-27..GEN-30, QBT-10.5: a regulator opens a recall of one batch for the
    distillery; the code check and the consumer page say recalled; the distributor sees
    its own part and recovers a case on the API and another on the phone page; the
    distillery follows it in the console and downloads the reports."""
    bottle = demo.world.codes["genuine"]
    batch = _batch_of(demo, bottle)
    opened = client.post(
        "/api/v1/recalls",
        headers=demo.headers("regulator"),
        json={
            "product": w.BOTTLE,
            "batch": batch,
            "reason": "甲醇 methanol",
            "level": 2,
            "enterprise": w.DISTILLERY.slug,
        },
    )
    assert opened.status_code == 201, opened.text
    recall = opened.json()
    recall_id = recall["recall_id"]
    assert recall["unit_count"] == len(forward_units(demo, f"{w.BOTTLE}:{batch}"))
    code = client.get(
        f"/api/v1/codes/{quote(bottle, safe='')}", headers=demo.headers("yibin-distillery")
    )
    assert "recalled" in code.text
    consumer = client.get(bottle, headers={"Accept": "application/json"})
    assert consumer.json()["verdict"] == "recalled"

    chengdu = demo.headers("dist-chengdu")
    mine = client.get(f"/api/v1/recalls/{recall_id}", headers=chengdu).json()
    assert [h["holder"] for h in mine["holders"]] == ["dist-chengdu"]
    assert mine["unit_count"] == recall["unit_count"]
    case, other_case = _chengdu_cases(demo, recall_id, client)[:2]
    assert len(contents(demo, case)) == len(contents(demo, other_case)) == 6
    scanned = client.post(
        f"/api/v1/recalls/{recall_id}/scan", headers=chengdu, json={"codes": [case]}
    )
    assert scanned.json()["newly_recovered"] == 6
    codes_csv = client.get(f"/api/v1/recalls/{recall_id}/codes.csv", headers=chengdu).text
    assert sorted(contents(demo, case))[0] in codes_csv
    pdf = client.get(f"/api/v1/recalls/{recall_id}/report.pdf", headers=demo.headers("regulator"))
    assert_pdf(pdf.content)

    login = {"username": "dist-chengdu-admin", "password": DEMO_PASSWORD}
    assert client.post("/console/login", data=login).status_code == 200
    page = client.get(f"/console/recalls/{recall_id}")
    assert page.status_code == 200
    assert 'name="codes"' in page.text
    after = client.post(f"/console/recalls/{recall_id}/scan", data={"codes": f"{other_case}\n"})
    assert after.status_code == 200
    assert "recovered 6" in after.text
    status = client.get(f"/api/v1/recalls/{recall_id}", headers=demo.headers("regulator")).json()
    assert status["recovered"] == 12
    distillery = {"username": f"{w.DISTILLERY.slug}-admin", "password": DEMO_PASSWORD}
    assert client.post("/console/login", data=distillery).status_code == 200
    assert f"/console/recalls/{recall_id}" in client.get("/console/recalls").text
    report = client.get(f"/console/recalls/{recall_id}/report.csv")
    assert report.status_code == 200
    assert len(report.text.strip().splitlines()) > recall["unit_count"]
    client.cookies.clear()
    logged_out = client.get(f"/console/recalls/{recall_id}")
    assert 'name="codes"' not in logged_out.text
    assert 'name="password"' in logged_out.text


def _chengdu_cases(demo: Demo, recall_id: int, client: TestClient) -> list[str]:
    text = client.get(
        f"/api/v1/recalls/{recall_id}/codes.csv", headers=demo.headers("dist-chengdu")
    ).text
    return [line.split(",")[0] for line in text.splitlines() if line.startswith("/00/")]
