"""The `suyuan` command line: thin wrappers over services, with --json and progress bars."""

from __future__ import annotations

from suyuan.cli.app import app


def main() -> None:
    """Entry point of the `suyuan` console script."""
    app()
