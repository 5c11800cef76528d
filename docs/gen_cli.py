"""Render the CLI reference of docs/cli.md from the `--help` of every `suyuan` command.

Usage: ``python docs/gen_cli.py`` rewrites the section between the markers of docs/cli.md;
``python docs/gen_cli.py --check`` exits 1 when that section is out of date.
tests/unit/test_docs.py runs the same check, so the reference cannot fall behind.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from suyuan.cli.app import app

CLI_MD = Path(__file__).with_name("cli.md")
BEGIN = "<!-- BEGIN GENERATED CLI REFERENCE (python docs/gen_cli.py) -->"
END = "<!-- END GENERATED CLI REFERENCE -->"
WIDTH = 100


def _walk(command: Any, ctx: Any) -> Iterator[tuple[str, Any, Any]]:
    yield ctx.command_path, command, ctx
    for name, sub in getattr(command, "commands", {}).items():
        if getattr(sub, "hidden", False):
            continue
        child = type(ctx)(
            sub, info_name=name, parent=ctx, terminal_width=WIDTH, max_content_width=WIDTH
        )
        yield from _walk(sub, child)


def _commands() -> Iterator[tuple[str, Any, Any]]:
    root = typer.main.get_command(app)
    context_class = root.context_class
    ctx = context_class(root, info_name="suyuan", terminal_width=WIDTH, max_content_width=WIDTH)
    yield from _walk(root, ctx)


def command_paths() -> list[str]:
    """Every command path, e.g. ``suyuan codes issue``, root first, in registration order."""
    return [path for path, _command, _ctx in _commands()]


def _plain_help(command: Any, ctx: Any) -> str:
    # Plain Click help (no rich boxes): stable across terminals and readable in Markdown.
    command.rich_markup_mode = None
    text: str = command.get_help(ctx)
    return "\n".join(line.rstrip() for line in text.splitlines())


def render() -> str:
    """The generated reference: one heading and one help block per command."""
    parts: list[str] = []
    for path, command, ctx in _commands():
        level = "###" if path.count(" ") <= 1 else "####"
        parts.append(f"{level} `{path}`\n\n```text\n{_plain_help(command, ctx)}\n```\n")
    return "\n".join(parts)


def replace_section(document: str, body: str) -> str:
    """``document`` with the text between the markers replaced by ``body``."""
    start = document.index(BEGIN) + len(BEGIN)
    stop = document.index(END)
    return document[:start] + "\n\n" + body.rstrip("\n") + "\n\n" + document[stop:]


def main(argv: list[str]) -> int:
    """Rewrite docs/cli.md, or with ``--check`` report whether it is current."""
    current = CLI_MD.read_text(encoding="utf-8")
    wanted = replace_section(current, render())
    if "--check" in argv:
        if wanted != current:
            sys.stderr.write("docs/cli.md is out of date: run python docs/gen_cli.py\n")
            return 1
        return 0
    if wanted != current:
        CLI_MD.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
