"""Issuing, verifying, voiding and labelling codes through `suyuan codes` on both databases.

Requirements: QBT-6.3 and QBT-6.4 (QR labels holding the resolver URL), QBT-7.1 and
QBT-7.2 (unique, unguessable codes in the industrial-internet and GS1 forms), QBT-7.3
(voided and destroyed labels recorded per block), HW-1 (one key, many printed forms),
HW-2 (unique across levels; SSCCs for cases and pallets), GEN-2 (verification without a
row per code) and GEN-32 (printer files for packaging lines, flat memory).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from rich.console import Console
from typer.testing import CliRunner

from suyuan.cli.app import app
from suyuan.config import Settings
from suyuan.identifiers.gs1 import gs1_check_digit
from suyuan.storage.engine import make_engine

runner = CliRunner()
GTIN = "06901234567892"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the CLI; returns the exit code and stdout plus stderr."""
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def run_json(env: dict[str, str], *args: str) -> Any:
    """Run a `--json` command that must succeed; returns its parsed stdout."""
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def gtin_with_check(body: str) -> str:
    """A GTIN-14 from its first 13 digits."""
    return body + str(gs1_check_digit(body))


CASE_GTIN = gtin_with_check("1690123456789")
LOOSE_GTIN = gtin_with_check("0690123456790")


def setup_enterprise(
    env: dict[str, str],
    *,
    slug: str = "distillery",
    gs1: str = "6901234",
    idis: str | None = "88.118.8",
    gtin: str = GTIN,
    packaging: str = "case:6,pallet:50",
) -> None:
    """Register an enterprise and file one product through the CLI."""
    args = ["enterprises", "add", slug, "--name", f"{slug} 酒业", "--gs1-prefix", gs1]
    code, out = run(env, *args, *(["--idis-prefix", idis] if idis else []))
    assert code == 0, out
    code, out = run(
        env,
        "products",
        "add",
        gtin,
        "-e",
        slug,
        "--name",
        "52%vol 测试酒",
        "--packaging",
        packaging,
    )
    assert code == 0, out


def issue(env: dict[str, str], out: Path, *args: str) -> dict[str, Any]:
    """`codes issue --json` with a file; returns the summary."""
    summary: dict[str, Any] = run_json(env, "codes", "issue", "--out", str(out), *args)
    return summary


def lines(path: Path) -> list[str]:
    """The lines of a printer file."""
    return path.read_text("ascii").splitlines()


def verify(env: dict[str, str], *codes: str) -> list[dict[str, Any]]:
    """`codes verify --json`."""
    checks: list[dict[str, Any]] = run_json(env, "codes", "verify", *codes)
    return checks


def table_counts(database_url: str) -> dict[str, int]:
    """Rows in every table."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {
                name: int(conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in names
            }
    finally:
        engine.dispose()


# --- issuing ------------------------------------------------------------------------------


def test_issue_writes_a_printer_file_and_a_json_summary(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """QBT-7.1, GEN-32: N codes, one per line, all distinct, summary names block and file."""
    setup_enterprise(cli_env)
    out = tmp_path / "codes.txt"
    summary = issue(cli_env, out, "--gtin", GTIN, "--count", "5000", "--level", "item")
    assert summary["count"] == summary["written"] == 5000
    assert summary["file"] == str(out)
    assert isinstance(summary["block_id"], int)
    codes = lines(out)
    assert len(codes) == len(set(codes)) == 5000
    assert all(re.fullmatch(rf"88\.118\.8/{GTIN}[A-Z2-7]{{17}}", c) for c in codes)
    assert codes[0].endswith(summary["first_code"].rsplit("/", 1)[1])
    checks = verify(cli_env, codes[0], codes[2500], codes[-1])
    assert {(c["genuine"], c["state"], c["block_id"]) for c in checks} == {
        (True, "issued", summary["block_id"])
    }
    code, text = run(cli_env, "codes", "issue", "--gtin", GTIN, "-n", "2")
    assert code == 0
    assert f"block {summary['block_id'] + 1}: 2 unit codes" in text


def test_every_level_shares_one_counter_space_and_blocks_never_overlap(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """HW-2: item and cap serials of one GTIN never repeat; blocks take disjoint ranges."""
    setup_enterprise(cli_env)
    item = issue(cli_env, tmp_path / "i.txt", "--gtin", GTIN, "-n", "300", "--format", "element")
    cap = issue(
        cli_env,
        tmp_path / "c.txt",
        "--gtin",
        GTIN,
        "-n",
        "300",
        "--level",
        "cap",
        "--format",
        "element",
    )
    assert cap["level"] == "cap"
    both = lines(tmp_path / "i.txt") + lines(tmp_path / "c.txt")
    assert len(set(both)) == 600
    blocks = run_json(cli_env, "codes", "blocks")
    ranges = sorted((b["start_counter"], b["count"]) for b in blocks)
    assert ranges == [(0, 300), (300, 300)]
    assert {b["id"] for b in blocks} == {item["block_id"], cap["block_id"]}
    [cap_check] = verify(cli_env, lines(tmp_path / "c.txt")[0])
    assert cap_check["level"] == "cap"


def test_cases_and_pallets_get_ssccs_unless_packaging_names_a_case_gtin(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """HW-2: cases and pallets are SSCCs; a case with its own GTIN gets serials under it."""
    setup_enterprise(cli_env, packaging=f"case:6:{CASE_GTIN},pallet:50")
    cases = issue(
        cli_env,
        tmp_path / "cases.csv",
        "--gtin",
        GTIN,
        "-n",
        "4",
        "--level",
        "case",
        "--format",
        "csv",
    )
    pallets = issue(
        cli_env, tmp_path / "pallets.txt", "--gtin", GTIN, "-n", "4", "--level", "pallet"
    )
    case_rows = lines(tmp_path / "cases.csv")
    assert case_rows[0] == "seq,serial,idis_code,url,element_string"
    assert all(f"(01){CASE_GTIN}(21)" in row for row in case_rows[1:])
    assert cases["first_code"].startswith(f"/01/{CASE_GTIN}/21/")
    ssccs = lines(tmp_path / "pallets.txt")
    assert pallets["first_code"] == f"/00/{ssccs[0]}"
    assert all(re.fullmatch(r"16901234\d{9}\d", s) for s in ssccs)
    assert all(s[-1] == gs1_check_digit(s[:-1]) for s in ssccs)
    assert len(set(ssccs)) == 4
    checks = verify(cli_env, ssccs[0], case_rows[1].split(",")[-1])
    assert [(c["genuine"], c["level"], c["block_id"]) for c in checks] == [
        (True, "pallet", pallets["block_id"]),
        (True, "case", cases["block_id"]),
    ]
    assert checks[0]["product"] == "52%vol 测试酒"


def test_issuing_any_number_of_codes_stores_the_same_few_rows(
    cli_env: dict[str, str], settings: Settings
) -> None:
    """GEN-2: issuing N codes stores O(1) rows: one block, one counter, one audit record."""
    setup_enterprise(cli_env)
    before = table_counts(settings.database_url)
    run_json(cli_env, "codes", "issue", "--gtin", GTIN, "-n", "10")
    after_small = table_counts(settings.database_url)
    run_json(cli_env, "codes", "issue", "--gtin", GTIN, "-n", "10000000")
    after_big = table_counts(settings.database_url)
    grown = {t: after_small[t] - before[t] for t in before if after_small[t] != before[t]}
    assert grown == {"code_blocks": 1, "code_counters": 1, "audit_log": 1}
    grown = {t: after_big[t] - after_small[t] for t in before if after_big[t] != after_small[t]}
    assert grown == {"code_blocks": 1, "audit_log": 1}


def test_serials_are_unguessable(cli_env: dict[str, str], tmp_path: Path) -> None:
    """QBT-7.2, GEN-2: consecutive serials share nothing, and a one-letter change is forged."""
    setup_enterprise(cli_env)
    issue(cli_env, tmp_path / "c.txt", "--gtin", GTIN, "-n", "200", "--format", "element")
    serials = [line.rsplit(")", 1)[1] for line in lines(tmp_path / "c.txt")]
    bodies = [s[1:] for s in serials]  # the first letter is the key id
    same = [sum(a == b for a, b in zip(x, y, strict=True)) for x, y in itertools.pairwise(bodies)]
    # Random base32 letters agree 1 time in 32: 16 letters share about 0.5 by chance.
    assert sum(same) / len(same) < 1.5
    assert len({s[1:4] for s in serials}) > 150
    tampered = []
    for serial in serials[:5]:
        position = 1 + serials.index(serial) % 16
        other = BASE32[(BASE32.index(serial[position]) + 1) % 32]
        tampered.append(f"{GTIN}{serial[:position]}{other}{serial[position + 1 :]}")
    assert {c["state"] for c in verify(cli_env, *tampered)} == {"forged"}


def test_progress_bar_is_shown_on_a_terminal(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issuing shows a progress bar on stderr when stderr is a terminal."""
    import suyuan.cli.codes as cli_codes

    setup_enterprise(cli_env)
    screen = io.StringIO()
    monkeypatch.setattr(
        cli_codes, "err_console", Console(file=screen, force_terminal=True, width=100)
    )
    issue(cli_env, tmp_path / "c.txt", "--gtin", GTIN, "-n", "300000")
    assert "writing codes" in screen.getvalue()
    assert "300000/300000" in screen.getvalue()


def test_export_writes_the_same_file_again(cli_env: dict[str, str], tmp_path: Path) -> None:
    """GEN-32: codes are derived, so a block's printer file can be written again identically."""
    setup_enterprise(cli_env)
    summary = issue(cli_env, tmp_path / "a.csv", "--gtin", GTIN, "-n", "1000", "--format", "csv")
    block = str(summary["block_id"])
    code, out = run(
        cli_env, "codes", "export", block, "--out", str(tmp_path / "b.csv"), "--format", "csv"
    )
    assert code == 0, out
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


BAD_ISSUES = [
    (("--gtin", "06901234567885", "-n", "5"), "06901234567885"),
    (("--gtin", "06901234567893", "-n", "5"), "wrong check digit 3, expected 2"),
    (("--gtin", GTIN, "-n", "0"), "count 0: must be between 1 and"),
    (("--gtin", GTIN, "-n", "-4"), "count -4: must be between 1 and"),
    (("--gtin", LOOSE_GTIN, "-n", "5", "--level", "case"), "has no case level"),
    (("--gtin", LOOSE_GTIN, "-n", "5", "--level", "pallet"), "has no pallet level"),
    (("--gtin", GTIN, "-n", "5", "--level", "crate"), "level 'crate': must be one of"),
    (("--gtin", GTIN, "-n", "5", "-e", "other"), "not found in this enterprise"),
]


def test_bad_issue_input_gets_a_clear_error_and_reserves_nothing(
    cli_env: dict[str, str],
) -> None:
    """Unknown GTIN, count 0, a level without packaging, the wrong enterprise: exit 1."""
    setup_enterprise(cli_env)
    run(cli_env, "products", "add", LOOSE_GTIN, "-e", "distillery", "--name", "散装")
    run(cli_env, "enterprises", "add", "other", "--name", "Other", "--gs1-prefix", "6911234")
    for args, message in BAD_ISSUES:
        code, out = run(cli_env, "codes", "issue", *args)
        assert code == 1, args
        assert message in out, (args, out)
        assert "Traceback" not in out
    assert run_json(cli_env, "codes", "blocks") == []


def test_idis_file_without_an_idis_prefix_is_refused_before_reserving(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A printer file that cannot be written does not waste a block."""
    setup_enterprise(cli_env, idis=None)
    code, out = run(cli_env, "codes", "issue", "--gtin", GTIN, "-n", "5", "-o", str(tmp_path / "x"))
    assert code == 1
    assert "has no IDIS prefix: use --format url" in out
    assert run_json(cli_env, "codes", "blocks") == []
    summary = issue(cli_env, tmp_path / "x", "--gtin", GTIN, "-n", "5", "--format", "url")
    assert lines(tmp_path / "x")[0] == f"https://trace.example.cn{summary['first_code']}"


def test_ssccs_are_refused_when_another_enterprise_shares_the_prefix(
    cli_env: dict[str, str],
) -> None:
    """HW-2: SSCC counters are per enterprise, so a shared company prefix would repeat SSCCs."""
    setup_enterprise(cli_env, gs1="6901234")
    run(cli_env, "enterprises", "add", "twin", "--name", "Twin", "--gs1-prefix", "69012345")
    code, out = run(cli_env, "codes", "issue", "--gtin", GTIN, "-n", "5", "--level", "pallet")
    assert code == 1
    assert "overlaps enterprise twin's (69012345)" in out


# --- verification -------------------------------------------------------------------------


def _printed_forms(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Issue a block and return one code in each printed form, plus bad ones."""
    block = issue(env, tmp_path / "c.idis", "--gtin", GTIN, "-n", "8")["block_id"]
    for fmt in ("url", "element", "csv"):
        run(env, "codes", "export", str(block), "-o", str(tmp_path / f"c.{fmt}"), "--format", fmt)
    pallets = issue(env, tmp_path / "p.txt", "--gtin", GTIN, "-n", "2", "--level", "pallet")
    serials = [line[-17:] for line in lines(tmp_path / "c.idis")]
    csv_row = lines(tmp_path / "c.csv")[6].split(",")
    sscc = pallets["first_code"].removeprefix("/00/")
    return {
        "trace_code": lines(tmp_path / "c.idis")[0],
        "digital_link": lines(tmp_path / "c.url")[1],
        "element_string": lines(tmp_path / "c.element")[2],
        "element_string_raw": f"01{GTIN}21{serials[3]}",
        "element_string_raw_gs": f"]d201{GTIN}10LOT-2024\x1d21{serials[4]}",
        "plain": GTIN + serials[5],
        "csv_idis": csv_row[2],
        "sscc_plain": sscc,
        "sscc_element": f"(00){sscc}",
        "sscc_digital_link": f"https://trace.example.cn/00/{sscc}",
        "forged": f"(01){GTIN}(21){serials[7][:-1]}{'A' if serials[7][-1] != 'A' else 'B'}",
        "bad_check_digit": f"(01)06901234567893(21){serials[0]}",
        "bad_serial": f"{GTIN}ABC",
        "garbage": "hello",
        "unknown_sscc": "006141411234567890",
    }


def test_verify_reads_every_printed_form(cli_env: dict[str, str], tmp_path: Path) -> None:
    """HW-1, QBT-7.2, GEN-2: trace code, Digital Link, element strings, plain, SSCC all verify;
    forged and malformed codes are told apart, each with a reason."""
    setup_enterprise(cli_env)
    forms = _printed_forms(cli_env, tmp_path)
    checks = dict(zip(forms, verify(cli_env, *forms.values()), strict=True))
    for name, check in checks.items():
        assert {"code", "well_formed", "genuine", "state", "reason"} <= check.keys()
        assert check["code"] == forms[name]
    genuine = [n for n, c in checks.items() if c["genuine"]]
    assert genuine == [
        "trace_code",
        "digital_link",
        "element_string",
        "element_string_raw",
        "element_string_raw_gs",
        "plain",
        "csv_idis",
        "sscc_plain",
        "sscc_element",
        "sscc_digital_link",
    ]
    for name in genuine:
        check = checks[name]
        assert check["well_formed"] is True
        assert check["state"] == "issued"
        assert check["enterprise"] == "distillery 酒业"
        assert check["product"] == "52%vol 测试酒"
        assert check["gtin"] == GTIN
        assert check["block_id"] is not None
    assert checks["trace_code"]["form"] == "trace_code"
    assert checks["element_string_raw_gs"]["form"] == "element_string_raw"
    assert checks["sscc_plain"]["level"] == "pallet"
    forged = checks["forged"]
    assert (forged["well_formed"], forged["genuine"], forged["state"]) == (True, False, "forged")
    assert forged["block_id"] is None
    assert "wrong check digit 3, expected 2" in checks["bad_check_digit"]["reason"]
    assert checks["bad_serial"]["reason"] == "bad_length"
    for name in ("bad_check_digit", "bad_serial", "garbage"):
        assert (checks[name]["well_formed"], checks[name]["state"]) == (False, "malformed")
    assert checks["unknown_sscc"]["state"] == "unknown"
    code, out = run(cli_env, "codes", "verify", forms["forged"], forms["trace_code"])
    assert code == 0
    assert "forged" in out
    assert "issued" in out


def test_verify_reports_commissioned_voided_and_destroyed_states(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """QBT-7.3: the state of a code follows its life: issued, commissioned, voided, destroyed."""
    setup_enterprise(cli_env)
    issue(cli_env, tmp_path / "c.txt", "--gtin", GTIN, "-n", "3", "--format", "element")
    a, b, c = (line.rsplit(")", 1)[1] for line in lines(tmp_path / "c.txt"))
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T00:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": "2024-05-01T08:00:00Z",
                    "eventTimeZoneOffset": "+08:00",
                    "action": "ADD",
                    "bizStep": "commissioning",
                    "disposition": "active",
                    "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{a}"],
                }
            ]
        },
    }
    (tmp_path / "events.json").write_text(json.dumps(document))
    code, out = run(cli_env, "capture", str(tmp_path / "events.json"), "-e", "distillery")
    assert code == 0, out
    run_json(cli_env, "codes", "void", GTIN + b, "--reason", "label misprinted")
    run_json(cli_env, "codes", "void", GTIN + c, "--reason", "crushed", "--destroyed")
    states = [check["state"] for check in verify(cli_env, GTIN + a, GTIN + b, GTIN + c)]
    assert states == ["commissioned", "voided", "destroyed"]


# --- spoiled labels -----------------------------------------------------------------------


def test_void_and_destroy_leave_records_per_block(cli_env: dict[str, str], tmp_path: Path) -> None:
    """QBT-7.3(b): voided and destroyed labels are recorded with who, when, how many, why."""
    setup_enterprise(cli_env)
    first = issue(cli_env, tmp_path / "a.txt", "--gtin", GTIN, "-n", "10")
    second = issue(cli_env, tmp_path / "b.txt", "--gtin", GTIN, "-n", "10")
    a, b = lines(tmp_path / "a.txt"), lines(tmp_path / "b.txt")
    voided = run_json(cli_env, "codes", "void", a[0], a[1], b[0], "--reason", "smudged print")
    assert sorted((r["block_id"], r["count"]) for r in voided) == [
        (first["block_id"], 2),
        (second["block_id"], 1),
    ]
    code, out = run(cli_env, "codes", "void", a[1], "--reason", "burnt", "--destroyed")
    assert code == 0, out
    assert "1 codes destroyed: burnt" in out
    records = run_json(cli_env, "codes", "blocks", "--block", str(first["block_id"]))
    assert [(r["action"], r["count"], r["reason"]) for r in records] == [
        ("voided", 2, "smudged print"),
        ("destroyed", 1, "burnt"),
    ]
    assert all(r["actor"] and r["at"] for r in records)
    assert len(records[0]["codes"]) == 2
    listed = {b["id"]: b["voided"] for b in run_json(cli_env, "codes", "blocks")}
    assert listed == {first["block_id"]: 3, second["block_id"]: 1}
    code, out = run(cli_env, "codes", "blocks", "--block", str(first["block_id"]))
    assert "smudged print" in out


def test_void_refuses_codes_it_cannot_void(cli_env: dict[str, str], tmp_path: Path) -> None:
    """A code already void or destroyed, a forged or malformed code, or no reason: exit 1."""
    setup_enterprise(cli_env)
    issue(cli_env, tmp_path / "a.txt", "--gtin", GTIN, "-n", "4")
    codes = lines(tmp_path / "a.txt")
    run_json(cli_env, "codes", "void", codes[0], "--reason", "misprint")
    run_json(cli_env, "codes", "void", codes[1], "--reason", "burnt", "--destroyed")
    forged = codes[2][:-1] + ("A" if codes[2][-1] != "A" else "B")
    cases = [
        ((codes[0], "--reason", "again"), "is already voided"),
        ((codes[1], "--reason", "again", "--destroyed"), "is already destroyed"),
        ((forged, "--reason", "again"), "cannot be voided (forged"),
        (("not-a-code-at-all", "--reason", "again"), "cannot be voided (malformed"),
        ((codes[3], "--reason", " "), "say why the codes are voided"),
        ((codes[3], codes[0], "--reason", "both"), "is already voided"),
    ]
    for args, message in cases:
        code, out = run(cli_env, "codes", "void", *args, "-e", "distillery")
        assert code == 1, args
        assert message in out, (args, out)
    # A refused batch voids nothing, not even its good codes.
    assert verify(cli_env, codes[3])[0]["state"] == "issued"
    code, out = run(cli_env, "codes", "void", codes[0], "--reason", "gone", "--destroyed")
    assert code == 0, out  # a voided label may still be recorded as destroyed


def test_void_of_another_enterprises_code_is_not_found(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """QBT-4.6: an enterprise cannot void codes it did not issue."""
    setup_enterprise(cli_env)
    run(cli_env, "enterprises", "add", "other", "--name", "Other", "--gs1-prefix", "6911234")
    issue(cli_env, tmp_path / "a.txt", "--gtin", GTIN, "-n", "1")
    code, out = run(
        cli_env, "codes", "void", lines(tmp_path / "a.txt")[0], "--reason", "x", "-e", "other"
    )
    assert code == 1
    assert "not found in this enterprise" in out


# --- labels -------------------------------------------------------------------------------


def _decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(image))


def _svg_image(svg: str) -> Image.Image:
    """Rasterise our SVG symbols: one ``M x y h1v1h-1z`` square per dark module."""
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())  # type: ignore[union-attr]
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))  # type: ignore[union-attr]
    pixels = Image.new("L", (width // scale, height // scale), 255)
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg):
        pixels.putpixel((int(x), int(y)), 0)
    return pixels.resize((pixels.width * 4, pixels.height * 4), Image.Resampling.NEAREST)


def _pdf_images(pdf: bytes) -> Iterator[Image.Image]:
    """The grayscale images fpdf2 embedded: their streams are PNG IDAT data, so rewrap them."""
    pattern = re.compile(
        rb"<<\n/BitsPerComponent 8\n/ColorSpace /DeviceGray\n(.*?)>>\nstream\n", re.S
    )
    for match in pattern.finditer(pdf):
        head = match.group(1)
        fields = {k: int(v) for k, v in re.findall(rb"/(Width|Height|Length) (\d+)", head)}
        data = pdf[match.end() : match.end() + fields[b"Length"]]
        ihdr = struct.pack(">IIBBBBB", fields[b"Width"], fields[b"Height"], 8, 0, 0, 0, 0)

        def chunk(kind: bytes, body: bytes) -> bytes:
            return (
                struct.pack(">I", len(body))
                + kind
                + body
                + struct.pack(">I", zlib.crc32(kind + body))
            )

        png = (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
        )
        yield Image.open(io.BytesIO(png))


def test_qr_labels_hold_the_resolver_url_in_svg_png_and_pdf(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """QBT-6.3, QBT-6.4: every QR code decodes to the resolver URL + code printed in the file."""
    setup_enterprise(cli_env)
    block = issue(cli_env, tmp_path / "c.url", "--gtin", GTIN, "-n", "6", "--format", "url")
    urls = lines(tmp_path / "c.url")
    block_id = str(block["block_id"])
    for image in ("svg", "png"):
        folder = tmp_path / image
        code, out = run(
            cli_env, "codes", "label", "--block", block_id, "-o", str(folder), "--image", image,
            "--start", "2", "--count", "3",
        )  # fmt: skip
        assert code == 0, out
        files = sorted(folder.iterdir())
        assert [f.name for f in files] == [f"0000000{n}.{image}" for n in (2, 3, 4)]
        if image == "svg":
            decoded = [_decode(_svg_image(f.read_text())) for f in files]
            assert all("88.118.8/" in f.read_text() for f in files)  # caption: the trace code
        else:
            decoded = [_decode(Image.open(f)) for f in files]
        assert [d[0].text for d in decoded] == urls[2:5]
        assert {d[0].format for d in decoded} == {zxingcpp.BarcodeFormat.QRCode}
    code, out = run(cli_env, "codes", "label", "--block", block_id, "-o", str(tmp_path / "s.pdf"))
    assert code == 0, out
    pdf = (tmp_path / "s.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    decoded_pdf = [_decode(image)[0].text for image in _pdf_images(pdf)]
    assert decoded_pdf == urls


def test_datamatrix_labels_hold_the_gs1_element_string(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """GS1 DataMatrix labels decode as GS1 data, ``(01)GTIN(21)SERIAL``, on PNG and PDF."""
    setup_enterprise(cli_env)
    block = issue(cli_env, tmp_path / "c.el", "--gtin", GTIN, "-n", "3", "--format", "element")
    elements = lines(tmp_path / "c.el")
    block_id = str(block["block_id"])
    code, out = run(
        cli_env, "codes", "label", "--block", block_id, "-o", str(tmp_path / "png"),
        "--symbology", "datamatrix", "--image", "png",
    )  # fmt: skip
    assert code == 0, out
    decoded = [_decode(Image.open(f))[0] for f in sorted((tmp_path / "png").iterdir())]
    assert [d.text for d in decoded] == elements
    assert {d.content_type for d in decoded} == {zxingcpp.ContentType.GS1}
    assert {d.format for d in decoded} == {zxingcpp.BarcodeFormat.DataMatrix}
    code, out = run(
        cli_env, "codes", "label", "--block", block_id, "-o", str(tmp_path / "dm.pdf"),
        "--symbology", "datamatrix",
    )  # fmt: skip
    assert code == 0, out
    pdf_codes = [_decode(i)[0].text for i in _pdf_images((tmp_path / "dm.pdf").read_bytes())]
    assert pdf_codes == elements


def test_bad_label_ranges_are_refused(cli_env: dict[str, str], tmp_path: Path) -> None:
    """Label ranges outside the block, unknown image types and blocks: exit 1."""
    setup_enterprise(cli_env)
    block = (
        "--block",
        str(issue(cli_env, tmp_path / "c.txt", "--gtin", GTIN, "-n", "8")["block_id"]),
    )
    cases = [
        ((*block, "--start", "4", "--count", "5"), "range 4+5 is outside block"),
        ((*block, "--start", "-1"), "range -1+"),
        ((*block, "--count", "0"), "range 0+0 is outside block"),
        ((*block, "--image", "gif"), "--image 'gif': must be pdf, svg or png"),
        (("--block", "999"), "code block 999 not found"),
    ]
    for args, message in cases:
        code, out = run(cli_env, "codes", "label", *args, "-o", str(tmp_path / "l.pdf"))
        assert code == 1, args
        assert message in out, (args, out)
    assert not (tmp_path / "l.pdf").exists()


# --- memory -------------------------------------------------------------------------------


def _peak_rss_mb(env: dict[str, str], *args: str) -> float:
    """Peak RSS of one `suyuan` process, measured by a parent that only waits for it."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    command = [sys.executable, "-c", probe, sys.executable, "-m", "suyuan", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=120)
    return int(done.stdout.strip()) / 1024


def test_printer_files_stream_in_flat_memory(tmp_path: Path) -> None:
    """GEN-32: a file of 1,000,000 codes takes no more memory than a file of 1,000."""
    import os

    env = dict(os.environ) | {
        "SUYUAN_DATABASE_URL": f"sqlite:///{tmp_path}/rss.db",
        "SUYUAN_KEY_DIR": str(tmp_path / "keys"),
        "SUYUAN_RESOLVER_URL": "https://trace.example.cn",
    }
    subprocess.run([sys.executable, "-m", "suyuan", "db", "upgrade"], env=env, check=True)
    setup_enterprise({k: env[k] for k in env if k.startswith("SUYUAN_")})
    issue_args = ("codes", "issue", "--gtin", GTIN, "--format", "csv", "--out")
    small = _peak_rss_mb(env, *issue_args, str(tmp_path / "s.csv"), "-n", "1000")
    big = _peak_rss_mb(env, *issue_args, str(tmp_path / "b.csv"), "-n", "1000000")
    assert len(lines(tmp_path / "s.csv")) == 1001
    assert (tmp_path / "b.csv").stat().st_size > 1_000_000 * 100
    assert big < 200
    assert big - small < 40, (small, big)
