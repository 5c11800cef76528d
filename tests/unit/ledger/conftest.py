"""Shared keys for ledger tests: one Ed25519 pair per session keeps the suite fast."""

from __future__ import annotations

import pytest

from suyuan.ledger import generate_keypair


@pytest.fixture(scope="session")
def keypair() -> tuple[bytes, bytes]:
    """A tenant signing key pair as (private PEM, public PEM)."""
    return generate_keypair()


@pytest.fixture(scope="session")
def other_keypair() -> tuple[bytes, bytes]:
    """A second, unrelated key pair."""
    return generate_keypair()
