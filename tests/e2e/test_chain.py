"""Chain operations through `suyuan chain …` and POST /api/v1/chain/{operation}, with
profile records that land on lots and units and travel inside EPCIS (QBT-8.1,
QBT-8.3.1, QBT-8.5, QBT-8.6, QBT-8.7, QBT-5.2.6, QBT-10.2.5)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from databases import fresh_sqlite
from factories import make_api_user, make_enterprise
from suyuan.api.app import create_app
from suyuan.bootstrap import Runtime
from suyuan.cli.app import app
from suyuan.config import Settings
from suyuan.storage.tables import events, lots, records, units
from trace_chains import BASE, BLEND, BOTTLE, SORGHUM, Parties, bottles, key, make_parties, ssccs

runner = CliRunner()

QUALITY = {
    "alcohol_content": "52.1",
    "quantity": "5200 kg",
    "methanol": "0.31 g/L",
    "lead": "0.05 mg/kg",
    "cyanide": "1.1 mg/L",
}

DISPATCH = {
    "dispatch_note_number": "FH-1",
    "shipper": "distillery",
    "dispatch_time": "2026-03-05T15:00:00+08:00",
    "dispatch_quantity": 6,
}
STORED = {"storage_container": "陶坛 1", "storage_in_time": "2026-03-08T09:00:00+08:00"}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the CLI; exit code and everything it printed."""
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def table_counts(runtime: Runtime) -> dict[str, int]:
    """Rows in the tables an operation writes."""
    with runtime.uow(write=False) as uow:
        return {
            t.name: uow.connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (events, records, lots, units)
        }


def stored_records(runtime: Runtime) -> list[tuple[str, str, str, Any]]:
    """(type, subject kind, subject, data) of every stored event record."""
    with runtime.uow(write=False) as uow:
        rows = uow.connection.execute(
            sa.select(records).where(records.c.event_pk.is_not(None)).order_by(records.c.id)
        )
        return [(r.record_type, r.subject_kind, r.subject, r.data) for r in rows]


def canonical(rows: list[tuple[str, str, str, Any]]) -> list[str]:
    """Records as sorted JSON lines (databases order JSON object keys differently)."""
    return sorted(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in rows)


@pytest.fixture
def parties(runtime: Runtime) -> Parties:
    """A distillery (with products), a distributor and a store."""
    return make_parties(runtime)


def _cli_chain(env: dict[str, str], parties: Parties) -> dict[str, Any]:
    """Every operation once, from grain to sale; returns the codes used."""
    codes = bottles(parties, 8)
    case, other_case = ssccs(parties, "case", 2)
    d, b, s = parties.distillery.slug, parties.distributor.slug, parties.store.slug
    t51 = {"time": "2026-03-08T09:00:00+08:00", "blending_date": "2026-03-08"}
    steps: list[list[str]] = [
        [
            "intake",
            "--lot",
            f"{SORGHUM}:G1",
            "--quantity",
            "20000",
            "--supplier",
            "other",
            "--doc",
            "po:PO-1",
            "--record",
            'T1.1={"material_name": "红粱", "origin": "泸州"}',
        ],
        [
            "transform",
            "--input",
            f"{SORGHUM}:G1=9000",
            "--output",
            f"{BASE}:B1",
            "--stage",
            "distillation",
            "--quantity",
            "5000",
            "--record",
            f"T5.2={json.dumps(QUALITY)}",
        ],
        [
            "transform",
            "--input",
            f"{BASE}:B1",
            "--output",
            f"{BLEND}:D1",
            "--stage",
            "blending",
            "--record",
            "T5.1=" + json.dumps(t51 | {"blending_batch": "D1"}),
        ],
        [
            "commission",
            *codes,
            "--batch",
            "P1",
            "--from-lot",
            f"{BLEND}:D1",
            "--record",
            'T6.3={"product_name": "测试酒", "production_date": "2026-03-09", '
            '"production_batch": "P1"}',
        ],
        ["pack", case, *codes[:6]],
        ["pack", other_case, *codes[6:]],
        ["unpack", other_case],
        [
            "ship",
            case,
            "--to",
            b,
            "--doc",
            "desadv:FH-1",
            "--record",
            "T11.1=" + json.dumps(DISPATCH),
        ],
        ["destroy", codes[7], "--record", 'T10.3={"nonconforming_disposal_record": "破损销毁"}'],
        [
            "record",
            "--lot",
            f"{BASE}:B1",
            "--step",
            "storing",
            "--record",
            'T4.1={"storage_container": "陶坛 1", "storage_in_time": "2026-03-08T09:00:00+08:00"}',
        ],
    ]
    for n, step in enumerate(steps):
        moment = f"2026-03-05T{8 + n:02d}:00:00+08:00"
        code, out = run(env, "chain", *step, "-e", d, "--at", moment)
        assert code == 0, (step, out)
    code, out = run(
        env,
        "chain",
        "receive",
        case,
        "--from",
        d,
        "-e",
        b,
        "--doc",
        "recadv:SH-1",
        "--at",
        "2026-03-11T09:00:00+08:00",
    )
    assert code == 0, out
    code, out = run(env, "chain", "unpack", case, "-e", b, "--at", "2026-03-11T10:00:00+08:00")
    assert code == 0, out
    code, out = run(
        env, "chain", "ship", codes[0], "--to", s, "-e", b, "--at", "2026-03-12T09:00:00+08:00"
    )
    assert code == 0, out
    code, out = run(
        env, "chain", "receive", codes[0], "--from", b, "-e", s, "--at", "2026-03-13T09:00:00+08:00"
    )
    assert code == 0, out
    code, out = run(
        env, "chain", "sell", codes[0], "-e", s, "--json", "--at", "2026-03-14T09:00:00+08:00"
    )
    assert code == 0, out
    assert json.loads(out)["captured"] == 1
    return {"bottles": codes, "case": case}


def test_every_operation_through_the_cli_builds_a_traceable_chain(
    runtime: Runtime, cli_env: dict[str, str], parties: Parties
) -> None:
    """QBT-5.2.6: intake → distillation → blending → commission → pack/unpack → ship →
    receive → sell, destroy and a plain record; the sold bottle traces back to the
    grain lot with every record, and its flow names both shipments."""
    made = _cli_chain(cli_env, parties)
    sold = made["bottles"][0]
    code, out = run(cli_env, "trace", "back", sold, "--json")
    assert code == 0, out
    back = json.loads(out)
    assert {(lot["id"], lot["stage"]) for lot in back["lots"]} == {
        (f"/01/{BOTTLE}/10/P1", "production_batch"),
        (f"/01/{BLEND}/10/D1", "blending"),
        (f"/01/{BASE}/10/B1", "distillation"),
        (f"/01/{SORGHUM}/10/G1", "raw_material"),
    }
    types = {lot["id"]: sorted(r["type"] for r in lot["records"]) for lot in back["lots"]}
    assert types[f"/01/{BASE}/10/B1"] == ["T4.1", "T5.2"]
    assert types[f"/01/{SORGHUM}/10/G1"] == ["T1.1"]
    assert back["unit"]["status"] == "sold"
    code, out = run(cli_env, "trace", "flow", sold, "--json")
    flow = json.loads(out)
    assert [s["step"] for s in flow["steps"]] == [
        "shipping",
        "receiving",
        "shipping",
        "receiving",
        "retail_selling",
    ]
    assert flow["steps"][0]["documents"] == [{"type": "desadv", "number": "FH-1"}]
    code, out = run(cli_env, "trace", "forward", f"{SORGHUM}:G1", "--json")
    forward = json.loads(out)
    assert forward["unit_count"] == 8
    by_holder = {h["holder"]["slug"]: h for h in forward["holders"]}
    assert {slug: h["unit_count"] for slug, h in by_holder.items()} == {
        "distillery": 2,
        "distributor": 5,
        "store": 1,
    }
    assert by_holder["distillery"]["by_status"]["destroyed"] == 1
    assert by_holder["distributor"]["by_status"] == {"received": 5}
    assert by_holder["store"]["by_status"] == {"sold": 1}


def test_cli_records_land_on_the_lots_and_units_they_describe(
    runtime: Runtime, cli_env: dict[str, str], parties: Parties
) -> None:
    """QBT-8.1: each --record is stored against its lot (intake, transform, commission)
    or its units (ship, destroy), with the values the profile normalised."""
    made = _cli_chain(cli_env, parties)
    found = {(t, kind, subject): data for t, kind, subject, data in stored_records(runtime)}
    assert found[("T5.2", "lot", f"/01/{BASE}/10/B1")]["methanol"] == {
        "value": "0.31",
        "unit": "g/L",
    }
    assert ("T6.3", "lot", f"/01/{BOTTLE}/10/P1") in found
    assert ("T11.1", "container", key(made["case"])) in found
    assert ("T10.3", "unit", key(made["bottles"][7])) in found
    assert ("T4.1", "lot", f"/01/{BASE}/10/B1") in found


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({k: v for k, v in QUALITY.items() if k != "methanol"}, "T5 methanol: required"),
        (QUALITY | {"methanol": "lots"}, "T5 methanol: must be a quantity"),
    ],
)
def test_a_bad_record_is_refused_and_nothing_is_stored(
    runtime: Runtime,
    cli_env: dict[str, str],
    parties: Parties,
    record: dict[str, str],
    message: str,
) -> None:
    """QBT-8.3.1: a T5.2 without methanol (or with a bare number) stops the operation
    with the field named; no event, lot or record is written."""
    before = table_counts(runtime)
    code, out = run(
        cli_env,
        "chain", "transform", "--input", f"{SORGHUM}:G9", "--output", f"{BASE}:B9",
        "--stage", "distillation", "--record", f"T5.2={json.dumps(record)}",
        "-e", parties.distillery.slug,
    )  # fmt: skip
    assert code == 1
    assert message in out
    assert table_counts(runtime) == before


def test_cli_errors_name_the_option(
    runtime: Runtime, cli_env: dict[str, str], parties: Parties
) -> None:
    """A malformed --record, --doc or --at is a one-line error, exit code 1."""
    slug = parties.distillery.slug
    cases = [
        (["intake", "--lot", f"{SORGHUM}:X", "--quantity", "1", "--record", "T1.1"], "TYPE=JSON"),
        (["intake", "--lot", f"{SORGHUM}:X", "--quantity", "1", "--record", "T1.1={"], "JSON"),
        (["intake", "--lot", f"{SORGHUM}:X", "--quantity", "1", "--doc", "po"], "TYPE:NUMBER"),
        (["intake", "--lot", f"{SORGHUM}:X", "--quantity", "x"], "must be a number"),
        (
            ["intake", "--lot", f"{SORGHUM}:X", "--quantity", "1", "--at", "2026-03-01T08:00"],
            "time zone",
        ),
        (["record", "--record", 'T4.1={"quality_grade": "优"}'], "--code or --lot"),
    ]
    before = table_counts(runtime)
    for args, message in cases:
        code, out = run(cli_env, "chain", *args, "-e", slug)
        assert code == 1, args
        assert message in out, (args, out)
    assert table_counts(runtime) == before


# --- API -------------------------------------------------------------------------------


def test_every_operation_through_the_api(runtime: Runtime, client: TestClient) -> None:
    """QBT-5.2.6: POST /api/v1/chain/{operation} for each operation, as each enterprise;
    then GET /api/v1/trace/* shows the chain."""
    parties = make_parties(runtime)
    users = {e.slug: make_api_user(runtime, e) for e in (parties.distillery, parties.distributor)}
    codes = bottles(parties, 6)
    (case,) = ssccs(parties, "case", 1)

    hours = itertools.count(8)

    def post(slug: str, op: str, body: dict[str, Any]) -> dict[str, Any]:
        body.setdefault("at", f"2026-03-05T{next(hours):02d}:00:00+08:00")
        response = client.post(f"/api/v1/chain/{op}", json=body, headers=users[slug].headers)
        assert response.status_code == 201, (op, response.text)
        result: dict[str, Any] = response.json()
        assert result["captured"] == 1
        return result

    d, b = parties.distillery.slug, parties.distributor.slug
    post(
        d,
        "intake",
        {
            "lot": f"{SORGHUM}:G1",
            "quantity": "900",
            "counterpart": "other",
            "records": [{"type": "T1.1", "data": {"material_name": "红粱"}}],
        },
    )
    post(
        d,
        "transform",
        {
            "inputs": [[f"{SORGHUM}:G1", "900"]],
            "output": f"{BASE}:B1",
            "stage": "distillation",
            "uom": "LTR",
            "records": [{"type": "T5.2", "data": QUALITY}],
        },
    )
    post(d, "commission", {"codes": codes, "batch": "P1", "from_lots": [f"{BASE}:B1"]})
    post(d, "pack", {"parent": case, "codes": codes})
    post(d, "record", {"from_lots": [f"{BASE}:B1"], "records": [{"type": "T4.1", "data": STORED}]})
    post(
        d,
        "ship",
        {
            "codes": [case],
            "counterpart": b,
            "documents": [["desadv", "FH-9"]],
            "at": "2026-03-10T09:00:00+08:00",
        },
    )
    post(b, "receive", {"codes": [case], "counterpart": d, "at": "2026-03-11T09:00:00+08:00"})
    post(b, "unpack", {"parent": case, "at": "2026-03-11T10:00:00+08:00"})
    post(b, "sell", {"codes": codes[:1], "at": "2026-03-12T09:00:00+08:00"})
    post(b, "destroy", {"codes": codes[1:2], "at": "2026-03-12T10:00:00+08:00"})  # fmt: skip
    headers = users[d].headers
    back = client.get(f"/api/v1/trace/back/{codes[0]}", headers=headers).json()
    assert [(lot["id"], lot["stage"]) for lot in back["lots"]] == [
        (f"/01/{BOTTLE}/10/P1", "production_batch"),
        (f"/01/{BASE}/10/B1", "distillation"),
        (f"/01/{SORGHUM}/10/G1", "raw_material"),
    ]
    forward = client.get(f"/api/v1/trace/forward/{SORGHUM}:G1", headers=headers).json()
    assert forward["unit_count"] == 6
    (holder,) = forward["holders"]
    assert holder["by_status"] == {"destroyed": 1, "received": 4, "sold": 1}
    flow = client.get(f"/api/v1/trace/flow/{codes[0]}", headers=headers).json()
    assert [s["step"] for s in flow["steps"]] == ["shipping", "receiving", "retail_selling"]


def test_api_refuses_bad_operations_and_records(runtime: Runtime, client: TestClient) -> None:
    """A bad record, a missing field or an unknown operation is a 4xx naming the problem;
    nothing is stored."""
    parties = make_parties(runtime)
    user = make_api_user(runtime, parties.distillery)
    before = table_counts(runtime)
    bad = {k: v for k, v in QUALITY.items() if k != "methanol"}
    cases = [
        ("transform", {"inputs": [[f"{SORGHUM}:G1", None]], "output": f"{BASE}:B1",
                       "records": [{"type": "T5.2", "data": bad}]}, "T5 methanol: required"),
        ("intake", {"lot": f"{SORGHUM}:G1"}, "quantity: required"),
        ("pack", {"codes": []}, "parent: required"),
        ("brew", {}, "unknown operation"),
    ]  # fmt: skip
    for op, body, message in cases:
        response = client.post(f"/api/v1/chain/{op}", json=body, headers=user.headers)
        assert response.status_code in (400, 422), (op, response.text)
        assert message in response.json()["error"]["message"]
    assert table_counts(runtime) == before


# --- EPCIS round trip ------------------------------------------------------------------


def test_an_epcis_export_carries_the_records_and_a_reimport_restores_them(
    runtime: Runtime,
    cli_env: dict[str, str],
    client: TestClient,
    parties: Parties,
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    """QBT-8.1: records travel inside EPCIS (sy:record); capturing the export into a
    fresh database stores the same records against the same lots and units."""
    _cli_chain(cli_env, parties)
    originals = stored_records(runtime)
    exported = []
    for enterprise in (parties.distillery, parties.distributor, parties.store):
        user = make_api_user(runtime, enterprise)
        response = client.get("/epcis/events", params={"perPage": 1000}, headers=user.headers)
        assert response.status_code == 200, response.text
        exported.append((enterprise.slug, response.text))
    assert '"sy:record"' in exported[0][1]
    with fresh_sqlite(sqlite_template, tmp_path) as url:
        fresh = Runtime(Settings(database_url=url, key_dir=tmp_path / "keys2"))
        try:
            with TestClient(create_app(fresh.settings)) as other:
                for slug, document in exported:
                    enterprise = make_enterprise(fresh, slug=slug)
                    user = make_api_user(fresh, enterprise)
                    response = other.post(
                        "/epcis/capture",
                        content=document.encode(),
                        headers=user.headers | {"Content-Type": "application/ld+json"},
                    )
                    assert response.status_code == 202, response.text
                    status = other.get(response.headers["Location"], headers=user.headers)
                    assert status.json()["errors"] == []
            assert canonical(stored_records(fresh)) == canonical(originals)
        finally:
            fresh.close()
