"""The foundation through the `suyuan` CLI on both databases (QBT-5.1.2, QBT-7.2, GEN-21)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from suyuan.cli.app import app

runner = CliRunner()


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_commands_refuse_a_database_without_schema(tmp_path: object) -> None:
    """Every command that needs the schema says so clearly when it is missing."""
    env = {"SUYUAN_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    code, out = run(env, "enterprises", "list")
    assert code == 1
    assert "has no suyuan schema: run `suyuan db upgrade`" in out


def test_db_upgrade_is_idempotent(cli_env: dict[str, str]) -> None:
    """`suyuan db upgrade` on a migrated database reports it is current."""
    code, out = run(cli_env, "db", "upgrade", "--json")
    assert code == 0
    assert json.loads(out)["to"] == json.loads(out)["from"]


def test_enterprise_and_product_lifecycle_through_the_cli(cli_env: dict[str, str]) -> None:
    """QBT-5.1.1, QBT-5.1.2: register an enterprise with prefixes and file a GTIN product."""
    code, out = run(
        cli_env,
        "enterprises",
        "add",
        "distillery",
        "--name",
        "某某酒业有限公司",
        "--gs1-prefix",
        "6901234",
        "--idis-prefix",
        "88.118.8",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["idis_prefix"] == "88.118.8"
    code, out = run(
        cli_env,
        "products",
        "add",
        "6901234567892",
        "-e",
        "distillery",
        "--name",
        "52%vol 某某酒 500ml",
        "--packaging",
        "case:6,pallet:50",
        "--json",
    )
    assert code == 0, out
    product = json.loads(out)
    assert product["gtin"] == "06901234567892"
    assert [lv["contains"] for lv in product["packaging"]] == [6, 50]
    code, out = run(cli_env, "products", "show", "6901234567892", "--json")
    assert json.loads(out)["name"] == "52%vol 某某酒 500ml"
    code, out = run(cli_env, "enterprises", "list", "--json")
    assert [e["slug"] for e in json.loads(out)] == ["distillery"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("6901234567893",), "wrong check digit 3, expected 2"),
        (("6911234567891",), "does not carry distillery's company prefix 6901234"),
        (("6901234567892", "--packaging", "case:0"), "ratio '0': must be a positive integer"),
        (("6901234567892", "--attributes", "{"), "--attributes: not valid JSON"),
    ],
)
def test_bad_product_input_gets_one_line_error_and_exit_1(
    cli_env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    """Bad input: exit code 1 and a message naming the input and what is wrong."""
    run(cli_env, "enterprises", "add", "distillery", "--name", "X", "--gs1-prefix", "6901234")
    code, out = run(
        cli_env, "products", "add", *args[:1], "-e", "distillery", "--name", "x", *args[1:]
    )
    assert code == 1
    assert message in out
    code, out = run(cli_env, "products", "list", "--json")
    assert json.loads(out) == []


def test_duplicate_enterprise_is_a_conflict(cli_env: dict[str, str]) -> None:
    """Registering the same slug twice fails without touching the first."""
    run(cli_env, "enterprises", "add", "a1", "--name", "A")
    code, out = run(cli_env, "enterprises", "add", "a1", "--name", "B")
    assert code == 1
    assert "slug already registered" in out


def test_users_and_tokens(cli_env: dict[str, str]) -> None:
    """GEN-21: users with roles in an enterprise, API tokens shown once."""
    run(cli_env, "enterprises", "add", "a1", "--name", "A")
    code, out = run(cli_env, "users", "create", "alice", "--roles", "admin,qc", "-e", "a1")
    assert code == 0, out
    code, out = run(cli_env, "users", "create", "bob", "--roles", "boss", "-e", "a1")
    assert code == 1
    assert "unknown role 'boss'" in out
    code, out = run(cli_env, "tokens", "create", "alice", "--json")
    assert json.loads(out)["token"].startswith("sy_")
