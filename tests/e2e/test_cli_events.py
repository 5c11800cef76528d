"""The event store through the `suyuan` CLI on both databases (GEN-26, QBT-11.3, QBT-11.4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from event_documents import CONFORMANCE, PARTNER_GTIN, bottle, document, event
from factories import make_enterprise
from suyuan.bootstrap import Runtime
from suyuan.cli.app import app
from suyuan.ledger import load_private_key, public_pem_of
from suyuan.services.enterprises import Enterprise

runner = CliRunner()


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _events(count: int, first: int = 1) -> bytes:
    return document(
        *(
            event(
                event_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
                time=f"2026-01-{n:02d}T08:00:00+08:00",
                epcList=[bottle(n, PARTNER_GTIN)],
                biz_step="shipping" if n % 2 else "receiving",
            )
            for n in range(first, first + count)
        )
    )


@pytest.fixture
def tenant(runtime: Runtime) -> Enterprise:
    """One enterprise (the CLI picks it without --enterprise)."""
    enterprise: Enterprise = make_enterprise(runtime)
    return enterprise


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    """A document of five events."""
    path = tmp_path / "good.jsonld"
    path.write_bytes(_events(5))
    return path


def test_capture_prints_a_summary_and_json(
    cli_env: dict[str, str], tenant: Enterprise, good_file: Path
) -> None:
    """GEN-26: `suyuan capture FILE` reports captured, duplicates and rejected."""
    code, out = run(cli_env, "capture", str(good_file))
    assert code == 0, out
    assert "succeeded" in out
    assert "captured" in out
    code, out = run(cli_env, "capture", str(good_file), "-e", tenant.slug, "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["status"], summary["captured"], summary["duplicates"]) == ("succeeded", 0, 5)
    assert summary["rejected"] == 0


def _bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.jsonld"
    bad = event(epcList=[bottle(99, PARTNER_GTIN)], action="SOMETIMES")
    path.write_bytes(document(event(epcList=[bottle(98, PARTNER_GTIN)], event_id="ok"), bad))
    return path


def test_a_rejected_document_exits_1_with_its_reasons(
    cli_env: dict[str, str], tenant: Enterprise, tmp_path: Path, good_file: Path
) -> None:
    """GEN-26: rollback: exit code 1, each reason printed, nothing stored."""
    bad = _bad_file(tmp_path)
    code, out = run(cli_env, "capture", str(bad))
    assert code == 1
    assert "failed" in out
    assert "event 1 (/epcisBody/eventList/1)" in out
    assert "SOMETIMES" in out
    code, out = run(cli_env, "capture", str(good_file), str(bad), "--json")
    assert code == 1
    results = json.loads(out)
    assert [(r["status"], r["captured"], r["rejected"]) for r in results] == [
        ("succeeded", 5, 0),
        ("failed", 0, 1),
    ]
    error = results[1]["errors"][0]
    assert (error["index"], error["field"]) == (1, "action")
    code, out = run(cli_env, "capture", str(bad), "--behaviour", "proceed", "--json")
    assert code == 0, out
    assert (json.loads(out)["captured"], json.loads(out)["rejected"]) == (1, 1)
    code, out = run(cli_env, "capture", str(tmp_path / "missing.jsonld"))
    assert code == 1
    assert "no such file" in out


def test_events_hash_matches_the_reference_implementation(cli_env: dict[str, str]) -> None:
    """GEN-26: `suyuan events hash` prints the CBV 2.0 hash of each event, as GS1's tool does."""
    reference = pytest.importorskip("epcis_event_hash_generator.hash_generator")
    xml_to_py = pytest.importorskip("epcis_event_hash_generator.xml_to_py")
    example = CONFORMANCE / "xml/Example_9.6.1-ObjectEvent-2020_06_18a.xml"
    if not example.is_file():
        pytest.skip("GS1 conformance data not available")
    expected = reference.epcis_hashes_from_events(
        xml_to_py.event_list_from_epcis_document_str(example.read_text())
    )
    code, out = run(cli_env, "events", "hash", str(example))
    assert code == 0, out
    assert out.splitlines() == expected
    code, out = run(cli_env, "events", "hash", str(example), "--json")
    assert json.loads(out) == expected


def test_events_query_in_three_formats(
    cli_env: dict[str, str], tenant: Enterprise, good_file: Path
) -> None:
    """QBT-11.3: `suyuan events query` filters with EPCIS parameters; table, JSON-LD or XML."""
    assert run(cli_env, "capture", str(good_file))[0] == 0
    code, out = run(cli_env, "events", "query", "EQ_bizStep=shipping", "-e", tenant.slug)
    assert code == 0, out
    assert "3 events" in out
    assert "ObjectEvent" in out
    code, out = run(
        cli_env, "events", "query", "EQ_bizStep=receiving", "--format", "jsonld", "-e", tenant.slug
    )
    assert code == 0, out
    found = json.loads(out)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["epcList"] for e in found] == [[bottle(2, PARTNER_GTIN)], [bottle(4, PARTNER_GTIN)]]
    code, out = run(
        cli_env, "events", "query", f"MATCH_epc={bottle(5, PARTNER_GTIN)}", "--format", "xml"
    )
    assert code == 0, out
    assert "EPCISQueryDocument" in out
    assert out.count("<ObjectEvent>") == 1
    code, out = run(cli_env, "events", "query", "EQ_colour=red")
    assert code == 1
    assert "EQ_colour" in out
    code, out = run(cli_env, "events", "query", "--limit", "2", "-e", tenant.slug)
    assert "2 events (more: raise --limit)" in out


def test_events_query_of_one_enterprise_hides_the_others(
    cli_env: dict[str, str], runtime: Runtime, tenant: Enterprise, good_file: Path
) -> None:
    """QBT-4.6: --enterprise scopes the query."""
    other = make_enterprise(runtime)
    assert run(cli_env, "capture", str(good_file), "-e", tenant.slug)[0] == 0
    code, out = run(cli_env, "events", "query", "-e", other.slug, "--format", "jsonld")
    assert code == 0, out
    assert json.loads(out)["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_verify_exits_0_when_intact_and_1_after_tampering(
    cli_env: dict[str, str], runtime: Runtime, tenant: Enterprise, good_file: Path
) -> None:
    """QBT-11.4(a): `suyuan verify` names the modified and deleted seqs; exit code 1."""
    assert run(cli_env, "capture", str(good_file))[0] == 0
    code, out = run(cli_env, "verify")
    assert code == 0, out
    assert "OK" in out
    with runtime.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE events SET body = REPLACE(body, 'shipping', 'receiving') WHERE seq = 3")
        )
        conn.execute(sa.text("DELETE FROM events WHERE seq = 5"))
    code, out = run(cli_env, "verify")
    assert code == 1
    assert "TAMPERING DETECTED" in out
    assert "seq 3 modified" in out
    assert "seq 5 deleted" in out
    code, out = run(cli_env, "verify", "-e", tenant.slug, "--json")
    assert code == 1
    report = json.loads(out)["tenants"][0]
    assert (report["modified"], report["deleted"], report["inserted"]) == ([3], [5], [])


def test_ledger_proof_checks_with_the_public_key(
    cli_env: dict[str, str], runtime: Runtime, tenant: Enterprise, good_file: Path, tmp_path: Path
) -> None:
    """QBT-11.4(a): `suyuan ledger proof` output passes `suyuan ledger check` only unaltered."""
    assert run(cli_env, "capture", str(good_file))[0] == 0
    code, out = run(cli_env, "ledger", "proof", "urn:uuid:00000000-0000-4000-8000-000000000004")
    assert code == 0, out
    proof = json.loads(out)
    assert proof["seq"] == 4
    pem = tmp_path / "public.pem"
    private = load_private_key(runtime.settings.key_dir / "ledger" / f"tenant-{tenant.id}.pem")
    pem.write_bytes(public_pem_of(private))
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(out)
    code, out = run(cli_env, "ledger", "check", str(proof_file), "--public-key", str(pem))
    assert code == 0, out
    assert "proof valid" in out
    proof["seq"] = 3
    proof_file.write_text(json.dumps(proof))
    code, out = run(cli_env, "ledger", "check", str(proof_file), "--public-key", str(pem))
    assert code == 1
    assert "INVALID" in out
    code, out = run(cli_env, "ledger", "check", str(proof_file))
    assert code == 1
    assert "--public-key" in out
    code, out = run(cli_env, "ledger", "key")
    assert code == 0
    assert out == public_pem_of(private).decode()
    code, out = run(cli_env, "ledger", "proof", "urn:uuid:nope")
    assert code == 1
    assert "not found" in out
