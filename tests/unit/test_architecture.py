"""Imports point inward (STYLE.md §1): pure layers import no I/O, edges are not imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "suyuan"
PURE = ("identifiers", "domain", "ledger")
FORBIDDEN_IN_PURE = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "typer",
    "httpx",
    "psycopg",
    "suyuan.storage",
    "suyuan.services",
    "suyuan.api",
    "suyuan.web",
    "suyuan.cli",
    "suyuan.bootstrap",
    "suyuan.config",
    "suyuan.queries",
)
EDGES = ("suyuan.api", "suyuan.web", "suyuan.cli")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (SRC / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(*PURE), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_layers_import_no_io_and_no_outer_layer(path: Path) -> None:
    """identifiers/, domain/ and ledger/ hold no SQL, HTTP, CLI or settings."""
    bad = {
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_PURE)
    }
    assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path",
    _modules("services", "queries", "storage", "capture", "codes"),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_inner_layers_never_import_the_edges(path: Path) -> None:
    """services, queries and storage do not depend on the API, web pages or CLI."""
    bad = {name for name in _imports(path) if name.startswith(EDGES)}
    assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"
