"""Shared paths and helpers for the capture document tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_data import CONFORMANCE


@pytest.fixture
def conformance() -> Path:
    """The GS1 EPCIS conformance data, or skip when it is not on this machine."""
    if not CONFORMANCE.is_dir():
        pytest.skip("GS1 conformance data not available")
    return CONFORMANCE
