"""`python -m suyuan` runs the CLI."""

from suyuan.cli import main

main()
