"""Offline verification (DESIGN "Codes are verifiable without a lookup", GEN-32, QBT-6.8, HW-2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suyuan.codes.keys import KeyRing
from suyuan.codes.serials import ALPHABET, CodeBlock, CodeLevel, issue_serial, issue_serials
from suyuan.codes.verification import (
    VerifyReason,
    verify_serial,
    verify_serial_any_level,
    verify_serials,
)
from suyuan.identifiers.gs1 import Gtin

COUNTER = 123_456_789


@pytest.fixture(scope="module")
def serial(keyring: KeyRing, gtin: Gtin) -> str:
    """One genuine unit serial under the current key."""
    return issue_serial(keyring, gtin=gtin, level=CodeLevel.UNIT, counter=COUNTER, key_id=1)


def test_a_genuine_serial_verifies_and_yields_its_counter(
    keyring: KeyRing, gtin: Gtin, serial: str
) -> None:
    """The counter comes back by inverting the permutation, so the service finds the block."""
    result = verify_serial(keyring, gtin, CodeLevel.UNIT, serial)
    assert result.genuine
    assert result.well_formed
    assert result.reason is VerifyReason.GENUINE
    assert (result.key_id, result.counter) == (1, COUNTER)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_every_single_character_change_is_rejected(
    keyring: KeyRing, gtin: Gtin, serial: str, data: st.DataObject
) -> None:
    """GEN-32 / QBT-6.8: a one-character change never verifies (tag, body or key id)."""
    position = data.draw(st.integers(0, 16))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != serial[position]))
    changed = serial[:position] + replacement + serial[position + 1 :]
    result = verify_serial(keyring, gtin, CodeLevel.UNIT, changed)
    assert not result.genuine
    assert result.reason in (VerifyReason.BAD_TAG, VerifyReason.UNKNOWN_KEY)


def test_every_single_character_change_is_rejected_exhaustively(
    keyring: KeyRing, gtin: Gtin, serial: str
) -> None:
    """All 17 x 31 one-character variants fail, checked through the batch path."""
    variants = [
        serial[:i] + c + serial[i + 1 :] for i in range(17) for c in ALPHABET if c != serial[i]
    ]
    assert not verify_serials(keyring, gtin, CodeLevel.UNIT, variants).genuine.any()


@pytest.mark.parametrize("level", [lv for lv in CodeLevel if lv is not CodeLevel.UNIT])
def test_a_serial_presented_at_another_level_fails(
    keyring: KeyRing, gtin: Gtin, serial: str, level: CodeLevel
) -> None:
    """HW-2: a bottle serial presented as a cap (or case...) does not verify."""
    assert verify_serial(keyring, gtin, level, serial).reason is VerifyReason.BAD_TAG


def test_a_serial_presented_with_another_gtin_fails(
    keyring: KeyRing, other_gtin: Gtin, serial: str
) -> None:
    """QBT-7.1: a code belongs to exactly one GTIN."""
    assert verify_serial(keyring, other_gtin, CodeLevel.UNIT, serial).reason is VerifyReason.BAD_TAG


def test_an_unknown_key_id_is_reported(keyring: KeyRing, gtin: Gtin, serial: str) -> None:
    """Key id 'Z' (25) is not in the ring."""
    result = verify_serial(keyring, gtin, CodeLevel.UNIT, "Z" + serial[1:])
    assert (result.well_formed, result.genuine, result.key_id) == (True, False, 25)
    assert result.reason is VerifyReason.UNKNOWN_KEY


def test_another_enterprises_key_ring_rejects_the_serial(gtin: Gtin, serial: str) -> None:
    """Forging needs the enterprise's secret."""
    stranger = KeyRing.generate().rotated()
    assert not verify_serial(stranger, gtin, CodeLevel.UNIT, serial).genuine


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", VerifyReason.BAD_LENGTH),
        ("ABCDEFGHIJKLMNOP", VerifyReason.BAD_LENGTH),
        ("ABCDEFGHIJKLMNOPQR", VerifyReason.BAD_LENGTH),
        ("abcdefghijklmnopq", VerifyReason.BAD_CHARACTER),
        ("ABCDEFGHIJKLMNOP1", VerifyReason.BAD_CHARACTER),
        ("ABCDEFGHIJKLMNOPÄ", VerifyReason.BAD_CHARACTER),
        ("ABCDEFGHIJKLMNOP汉", VerifyReason.BAD_CHARACTER),
    ],
)
def test_malformed_serials_are_reported_by_both_paths(
    keyring: KeyRing, gtin: Gtin, text: str, reason: VerifyReason
) -> None:
    """Wrong length or characters are malformed, not merely non-genuine."""
    single = verify_serial(keyring, gtin, CodeLevel.UNIT, text)
    batch = verify_serials(keyring, gtin, CodeLevel.UNIT, [text]).result(0)
    assert single == batch
    assert (single.well_formed, single.genuine, single.reason) == (False, False, reason)


def test_rotated_key_rings_verify_old_codes_and_issue_under_the_new_key(gtin: Gtin) -> None:
    """Rotation: new codes use the newest key id, old codes keep verifying with theirs."""
    ring = KeyRing.generate()
    old = issue_serials(ring, CodeBlock(gtin, CodeLevel.UNIT, 0, 20, ring.current_key_id))
    rotated = ring.rotated()
    new = issue_serials(rotated, CodeBlock(gtin, CodeLevel.UNIT, 20, 20, rotated.current_key_id))
    assert {s[0] for s in old} == {"A"}
    assert {s[0] for s in new} == {"B"}
    outcome = verify_serials(rotated, gtin, CodeLevel.UNIT, old + new)
    assert outcome.genuine.all()
    assert outcome.counters.tolist() == list(range(40))
    assert not verify_serials(ring, gtin, CodeLevel.UNIT, new).genuine.any()


def test_batch_verification_matches_single_verification(keyring: KeyRing, gtin: Gtin) -> None:
    """Mixed genuine, tampered, unknown-key and malformed input: both paths agree."""
    good = issue_serials(keyring, CodeBlock(gtin, CodeLevel.UNIT, 1000, 50, 1))
    old = issue_serials(keyring, CodeBlock(gtin, CodeLevel.UNIT, 2000, 5, 0))
    mixed = [*good, *old, good[0][:-1] + "A", "Q" + good[1][1:], "short", good[2].lower()]
    batch = verify_serials(keyring, gtin, CodeLevel.UNIT, mixed)
    assert len(batch) == len(mixed)
    assert [batch.result(i) for i in range(len(mixed))] == [
        verify_serial(keyring, gtin, CodeLevel.UNIT, s) for s in mixed
    ]
    assert batch.well_formed.tolist() == [True] * 57 + [False, False]


def test_batch_verification_takes_the_issued_byte_array(keyring: KeyRing, gtin: Gtin) -> None:
    """Printer-file chunks can be verified without turning them into strings."""
    serials = issue_serials(keyring, CodeBlock(gtin, CodeLevel.INNER, 0, 1000, 1))
    chars = np.frombuffer("".join(serials).encode("ascii"), dtype=np.uint8).reshape(-1, 17)
    outcome = verify_serials(keyring, gtin, CodeLevel.INNER, chars)
    assert outcome.genuine.all()
    assert outcome.counters.tolist() == list(range(1000))


@pytest.mark.parametrize("level", list(CodeLevel))
def test_a_scanned_serial_reveals_its_level_when_the_level_is_unknown(
    keyring: KeyRing, gtin: Gtin, level: CodeLevel
) -> None:
    """HW-3: a cap code or a bottle code scanned from a QR URL verifies and names its level."""
    serial = issue_serial(keyring, gtin=gtin, level=level, counter=99, key_id=1)
    found, result = verify_serial_any_level(keyring, gtin, serial)
    assert found is level
    assert (result.genuine, result.counter) == (True, 99)


def test_a_forged_or_malformed_serial_has_no_level(
    keyring: KeyRing, gtin: Gtin, serial: str
) -> None:
    """No level matches a tampered code; malformed input is reported as such."""
    tampered = serial[:-1] + ("B" if serial.endswith("A") else "A")
    found, result = verify_serial_any_level(keyring, gtin, tampered)
    assert (found, result.reason) == (None, VerifyReason.BAD_TAG)
    found, result = verify_serial_any_level(keyring, gtin, "nope")
    assert (found, result.reason) == (None, VerifyReason.BAD_LENGTH)
