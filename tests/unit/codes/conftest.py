"""Fixtures for the code tests: key rings are session-wide because round tables cost 0.15 s."""

from __future__ import annotations

import pytest

from suyuan.codes.keys import KeyRing
from suyuan.identifiers.gs1 import Gtin


@pytest.fixture(scope="session")
def keyring() -> KeyRing:
    """An enterprise key ring with key ids 0 and 1 (1 current)."""
    return KeyRing.generate().rotated()


@pytest.fixture(scope="session")
def gtin() -> Gtin:
    """A GTIN-14 from GS1's published examples."""
    return Gtin.parse("09506000134352")


@pytest.fixture(scope="session")
def other_gtin() -> Gtin:
    """A second GTIN (GS1 example 4006381333931)."""
    return Gtin.parse("4006381333931")
