"""Where the project's shared data lives: ``shared/`` beside the repository checkout."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED = REPOSITORY.parent / "shared"
CONFORMANCE = SHARED / "conformance" / "epcis"
