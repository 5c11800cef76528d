"""Known-answer vectors: printed codes must verify forever, so the derivation must never drift.

If one of these fails, the serial format changed: every code already printed would stop
verifying. Change the format only with a new key-derivation label and a migration plan.
"""

from __future__ import annotations

import pytest

from suyuan.codes.keys import KeyRing
from suyuan.codes.serials import COUNTER_LIMIT, CodeBlock, CodeLevel, issue_serial, issue_serials
from suyuan.codes.verification import verify_serial
from suyuan.identifiers.gs1 import Gtin

RING = KeyRing({0: bytes(range(32)), 7: bytes(range(32, 64))}, current_key_id=0)
GTIN = Gtin.parse("09506000134352")


@pytest.mark.parametrize(
    ("key_id", "level", "counter", "serial"),
    [
        (0, CodeLevel.UNIT, 0, "AHQIUXWBLSMOM5IGT"),
        (0, CodeLevel.UNIT, 1, "AEC75STMTZ7ZU3ZOO"),
        (0, CodeLevel.CAP, 1, "AEC75STMTWKZ2TEZ7"),
        (7, CodeLevel.CASE, COUNTER_LIMIT - 1, "H6SNTIGHYG45YRXQX"),
    ],
)
def test_fixed_secrets_give_fixed_serials(
    key_id: int, level: CodeLevel, counter: int, serial: str
) -> None:
    """Scalar and bulk issuing, and verification, all match the frozen vectors."""
    assert issue_serial(RING, gtin=GTIN, level=level, counter=counter, key_id=key_id) == serial
    assert issue_serials(RING, CodeBlock(GTIN, level, counter, 1, key_id)) == [serial]
    result = verify_serial(RING, GTIN, level, serial)
    assert (result.genuine, result.key_id, result.counter) == (True, key_id, counter)
