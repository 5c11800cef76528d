"""Documentation tests: every command and setting is documented, generated sections are current."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from suyuan.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_cli = _load("gen_cli")
gen_config = _load("gen_config")


@pytest.mark.parametrize("path", gen_cli.command_paths())
def test_every_cli_command_has_a_section_in_cli_md(path: str) -> None:
    assert f"`{path}`" in (DOCS / "cli.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_in_configuration_md(name: str) -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert f"`{gen_config.env_name(name)}`" in text
    assert f"`{name}`" in text


def test_cli_reference_is_generated_from_the_current_help() -> None:
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert gen_cli.replace_section(current, gen_cli.render()) == current, (
        "docs/cli.md is out of date: run python docs/gen_cli.py"
    )


def test_settings_table_is_generated_from_the_current_settings() -> None:
    current = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert gen_config.replace_section(current, gen_config.render()) == current, (
        "docs/configuration.md is out of date: run python docs/gen_config.py"
    )


def test_docs_link_only_to_files_that_exist() -> None:
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        for target in _relative_links(text):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def _relative_links(text: str) -> list[str]:
    links = []
    for part in text.split("](")[1:]:
        target = part.split(")", 1)[0].split("#", 1)[0]
        if target and "://" not in target and not target.startswith(("mailto:", "<")):
            links.append(target)
    return links
