"""Render the settings table of docs/configuration.md from the fields of ``Settings``.

Usage: ``python docs/gen_config.py`` rewrites the table between the markers of
docs/configuration.md; ``python docs/gen_config.py --check`` exits 1 when it is out of date.
tests/unit/test_docs.py runs the same check.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined

from suyuan.config import Settings

CONFIGURATION_MD = Path(__file__).with_name("configuration.md")
BEGIN = "<!-- BEGIN GENERATED SETTINGS (python docs/gen_config.py) -->"
END = "<!-- END GENERATED SETTINGS -->"
PREFIX = str(Settings.model_config.get("env_prefix", "SUYUAN_"))


def env_name(field: str) -> str:
    """The environment variable of a setting, e.g. ``SUYUAN_DATABASE_URL``."""
    return f"{PREFIX}{field}".upper()


def _type_name(annotation: Any) -> str:
    name = getattr(annotation, "__name__", None) or str(annotation)
    text = str(annotation) if "|" in str(annotation) else name
    return text.replace("pathlib.", "").replace("NoneType", "None")


def _default(value: Any) -> str:
    if value is None or value is PydanticUndefined:
        return "*(unset)*"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1 << 20:
        return f"`{value}` ({value >> 20} MiB)" if value % (1 << 20) == 0 else f"`{value}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The generated table: one row per field of ``Settings``, in declaration order."""
    rows = [
        "| Environment variable | Setting | Type | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        rows.append(
            f"| `{env_name(name)}` | `{name}` | {_cell(_type_name(field.annotation))} "
            f"| {_cell(_default(field.default))} | {_cell(field.description or '')} |"
        )
    return "\n".join(rows) + "\n"


def replace_section(document: str, body: str) -> str:
    """``document`` with the text between the markers replaced by ``body``."""
    start = document.index(BEGIN) + len(BEGIN)
    stop = document.index(END)
    return document[:start] + "\n\n" + body.rstrip("\n") + "\n\n" + document[stop:]


def main(argv: list[str]) -> int:
    """Rewrite docs/configuration.md, or with ``--check`` report whether it is current."""
    current = CONFIGURATION_MD.read_text(encoding="utf-8")
    wanted = replace_section(current, render())
    if "--check" in argv:
        if wanted != current:
            sys.stderr.write(
                "docs/configuration.md is out of date: run python docs/gen_config.py\n"
            )
            return 1
        return 0
    if wanted != current:
        CONFIGURATION_MD.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
