"""`suyuan import`: enterprises, products and profile records from CSV and XLSX, all or
nothing, with errors naming row and column; templates (QBT-4.3, QBT-8.1, QBT-8.2)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from factories import make_enterprise
from suyuan.bootstrap import Runtime
from suyuan.cli.app import app
from suyuan.services.enterprises import Enterprise
from suyuan.storage.tables import enterprises, events, products, records

runner = CliRunner()
GTINS = ("06901234000016", "06901234000023", "06901234000030")


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the CLI; exit code and everything it printed."""
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def write(path: Path, rows: list[list[str]]) -> Path:
    """A CSV or XLSX file with these rows (header first)."""
    if path.suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return path


def counts(runtime: Runtime) -> dict[str, int]:
    """Rows in the tables an import writes."""
    with runtime.uow(write=False) as uow:
        return {
            t.name: uow.connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (enterprises, products, records, events)
        }


@pytest.fixture
def owner(runtime: Runtime) -> Enterprise:
    """The enterprise whose products and records are imported."""
    enterprise: Enterprise = make_enterprise(runtime, slug="owner", gs1_company_prefix="6901234")
    return enterprise


def test_enterprises_import_from_csv_and_xlsx(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """QBT-4.3: a partner list from an existing system becomes enterprises."""
    for suffix in (".csv", ".xlsx"):
        short = suffix[1:]
        path = write(
            tmp_path / f"partners{suffix}",
            [
                ["slug", "name", "role", "region"],
                [f"dist-{short}", "成都川酒商贸", "distributor", "四川省成都市"],
                [f"store-{short}", "广州名酒专卖店", "retailer", "广东省广州市"],
            ],
        )
        code, out = run(cli_env, "import", str(path), "--type", "enterprises", "--json")
        assert code == 0, out
        assert json.loads(out) == {
            "type": "enterprises",
            "rows": 2,
            "created": [f"dist-{short}", f"store-{short}"],
        }
    code, out = run(cli_env, "enterprises", "list", "--json")
    assert {"dist-csv", "store-xlsx"} <= {e["slug"] for e in json.loads(out)}


def test_one_bad_row_imports_nothing_and_names_row_and_column(
    runtime: Runtime, cli_env: dict[str, str], owner: Enterprise, tmp_path: Path
) -> None:
    """QBT-4.3: a wrong GTIN check digit in row 3 of three: no product is stored, and
    the error says row 3, column gtin (CSV and XLSX alike)."""
    before = counts(runtime)
    for suffix in (".csv", ".xlsx"):
        path = write(
            tmp_path / f"products{suffix}",
            [
                ["gtin", "name", "category", "packaging"],
                [GTINS[0], "52%vol 某某酒 500ml", "baijiu", "case:6"],
                ["06901234000011", "坏码酒", "baijiu", ""],
                [GTINS[2], "42%vol 某某酒 500ml", "baijiu", ""],
            ],
        )
        code, out = run(cli_env, "import", str(path), "--type", "products", "-e", "owner")
        assert code == 1
        assert "row 3, column gtin" in out
        assert "nothing was imported" in out
        assert counts(runtime) == before
        code, out = run(cli_env, "import", str(path), "--type", "products", "-e", "owner", "--json")
        assert code == 1
        (error,) = json.loads(out)["errors"]
        assert (error["row"], error["column"]) == (3, "gtin")


def test_a_duplicate_among_new_enterprises_rolls_back_the_whole_file(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """QBT-4.3: rows already written in the transaction are undone by a later bad row."""
    path = write(
        tmp_path / "partners.csv",
        [["slug", "name"], ["p-1", "一号"], ["p-2", "二号"], ["p-1", "重复"]],
    )
    before = counts(runtime)
    code, out = run(cli_env, "import", str(path), "--type", "enterprises")
    assert code == 1
    assert "row 4" in out
    assert counts(runtime) == before


def test_unknown_and_missing_columns_are_reported_on_the_header_row(
    runtime: Runtime, cli_env: dict[str, str], owner: Enterprise, tmp_path: Path
) -> None:
    """QBT-4.3: a file from another system with other headers is refused up front."""
    path = write(tmp_path / "p.csv", [["code", "title"], [GTINS[0], "酒"]])
    code, out = run(cli_env, "import", str(path), "--type", "products", "-e", "owner", "--json")
    assert code == 1
    errors = {(e["row"], e["column"], e["message"]) for e in json.loads(out)["errors"]}
    assert (1, "gtin", "required column missing") in errors
    assert (1, "title", "unknown column") in errors


def test_lot_records_import_as_events_on_their_lots(
    runtime: Runtime, cli_env: dict[str, str], owner: Enterprise, tmp_path: Path
) -> None:
    """QBT-8.3.1: T5.2 quality rows (one per lot) become records on those lots, carried
    by events, so the trace of the lot shows them."""
    header = ["lot", "time", "alcohol_content", "quantity", "methanol", "lead", "cyanide"]
    rows = [
        [
            f"{GTINS[0]}:BL{n}",
            "2026-03-01T09:00:00+08:00",
            "52",
            "500 kg",
            m,
            "0.05 mg/kg",
            "1 mg/L",
        ]
        for n, m in ((1, "0.2 g/L"), (2, "0.3 g/L"))
    ]
    path = write(tmp_path / "quality.xlsx", [header, *rows])
    code, out = run(cli_env, "import", str(path), "--type", "T5.2", "-e", "owner", "--json")
    assert code == 0, out
    assert len(json.loads(out)["created"]) == 2
    with runtime.uow(write=False) as uow:
        stored = uow.connection.execute(
            sa.select(records.c.subject, records.c.data).where(records.c.record_type == "T5.2")
        ).all()
    assert {(s, d["methanol"]["value"]) for s, d in stored} == {
        (f"/01/{GTINS[0]}/10/BL1", "0.2"),
        (f"/01/{GTINS[0]}/10/BL2", "0.3"),
    }


def test_a_bad_record_row_names_the_field_and_stores_nothing(
    runtime: Runtime, cli_env: dict[str, str], owner: Enterprise, tmp_path: Path
) -> None:
    """QBT-8.3.1: the second row lacks methanol: row 3, column methanol; no event, no
    record — the good first row is not imported either."""
    header = ["lot", "alcohol_content", "quantity", "methanol", "lead", "cyanide"]
    path = write(
        tmp_path / "quality.csv",
        [
            header,
            [f"{GTINS[0]}:BL1", "52", "500 kg", "0.2 g/L", "0.05 mg/kg", "1 mg/L"],
            [f"{GTINS[0]}:BL2", "52", "500 kg", "", "0.05 mg/kg", "1 mg/L"],
            ["", "52", "500 kg", "0.2 g/L", "0.05 mg/kg", "1 mg/L"],
        ],
    )
    before = counts(runtime)
    code, out = run(cli_env, "import", str(path), "--type", "T5.2", "-e", "owner", "--json")
    assert code == 1
    errors = {(e["row"], e["column"]) for e in json.loads(out)["errors"]}
    assert errors == {(3, "methanol"), (4, "lot")}
    assert counts(runtime) == before


def test_master_records_import_against_the_enterprise(
    runtime: Runtime, cli_env: dict[str, str], owner: Enterprise, tmp_path: Path
) -> None:
    """QBT-8.2: suppliers (T1.2) are master data of the enterprise, stored directly."""
    path = write(
        tmp_path / "suppliers.xlsx",
        [
            ["enterprise_name", "address", "contact"],
            ["泸州红粱专业合作社", "四川省泸州市", "0830-1234567"],
            ["河南优质小麦种植基地", "河南省周口市", "0394-7654321"],
        ],
    )
    code, out = run(cli_env, "import", str(path), "--type", "supplier", "-e", "owner")
    assert code == 0, out
    with runtime.uow(write=False) as uow:
        rows = uow.connection.execute(
            sa.select(records.c.subject_kind, records.c.subject, records.c.data).where(
                records.c.record_type == "T1.2"
            )
        ).all()
    assert {(k, s, d["enterprise_name"]) for k, s, d in rows} == {
        ("enterprise", str(owner.id), "泸州红粱专业合作社"),
        ("enterprise", str(owner.id), "河南优质小麦种植基地"),
    }


def test_templates_are_written_filled_in_and_read_back(
    runtime: Runtime, cli_env: dict[str, str], owner: Enterprise, tmp_path: Path
) -> None:
    """QBT-4.3: `--template` writes the header an import expects (CSV and XLSX); the
    same file with a row added imports cleanly."""
    for suffix in (".csv", ".xlsx"):
        for kind in ("products", "T5.2", "T1.2", "enterprises"):
            path = tmp_path / f"{kind}{suffix}"
            code, out = run(
                cli_env, "import", str(path), "--type", kind, "-e", "owner", "--template"
            )
            assert code == 0, out
            header = _header(path)
            write(path, [header, [_filled(column, suffix) for column in header]])
            code, out = run(cli_env, "import", str(path), "--type", kind, "-e", "owner", "--json")
            assert code == 0, (kind, suffix, out)
            assert json.loads(out)["rows"] == 1


def _header(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        sheet = load_workbook(path).worksheets[0]
        assert sheet.max_row == 1
        return [str(c.value) for c in sheet[1]]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        (header,) = list(csv.reader(handle))
    return header


def _filled(column: str, suffix: str) -> str:
    n = 1 if suffix == ".csv" else 2
    values = {
        "slug": f"from-template-{n}",
        "name": "模板酒业",
        "gtin": GTINS[n],
        "lot": f"{GTINS[1]}:BL{n}",
        "alcohol_content": "52",
        "quantity": "10 kg",
        "methanol": "0.2 g/L",
        "lead": "0.05 mg/kg",
        "cyanide": "1 mg/L",
        "enterprise_name": "模板供应商",
    }
    return values.get(column, "")
