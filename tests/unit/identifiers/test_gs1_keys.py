"""GS1 keys: published check-digit examples and single-digit error detection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.gs1 import Gln, Gtin, Sscc, gs1_check_digit


@pytest.mark.parametrize(
    ("key", "gtin14"),
    [
        ("6291041500213", "06291041500213"),  # GS1 check digit calculator example
        ("4006381333931", "04006381333931"),  # EAN-13
        ("036000291452", "00036000291452"),  # UPC-A
        ("96385074", "00000096385074"),  # EAN-8
        ("09520123456788", "09520123456788"),  # GS1 Digital Link standard
        ("80614141123458", "80614141123458"),  # TDS sgtin example
    ],
)
def test_published_gtins_parse_to_14_digits(key: str, gtin14: str) -> None:
    """MIIT-10, GEN-1: published GTIN-8/12/13/14 examples validate and pad to 14 digits."""
    assert Gtin.parse(key).value == gtin14


def test_published_sscc_and_gln_validate() -> None:
    """MIIT-10: the TDS SSCC and GLN examples validate."""
    assert Sscc.parse("106141412345678908").value == "106141412345678908"
    assert Gln.parse("0614141123452").value == "0614141123452"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("06901234567893", "wrong check digit 3, expected 2"),
        ("06901234567", "must have 8 or 12 or 13 or 14 digits, not 11"),
        ("0690123456789X", "must contain only digits"),
        ("０６９０１２３４５６７８９２", "must contain only digits"),
    ],
)
def test_bad_gtins_say_what_is_wrong(text: str, reason: str) -> None:
    """GEN-2: wrong check digit, length and charset are rejected with a clear reason."""
    with pytest.raises(InvalidIdentifier) as caught:
        Gtin.parse(text)
    assert caught.value.reason == reason


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_gtin_from_body_round_trips(body: str) -> None:
    """GEN-1: any 13-digit body gets a check digit and parses back unchanged."""
    gtin = Gtin.from_body(body)
    assert Gtin.parse(str(gtin)) == gtin


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_sscc_from_body_round_trips(body: str) -> None:
    """MIIT-10: any 17-digit body gets a check digit and parses back unchanged."""
    sscc = Sscc.from_body(body)
    assert Sscc.parse(sscc.value) == sscc


@given(
    st.text(alphabet="0123456789", min_size=13, max_size=13),
    st.integers(min_value=0, max_value=13),
    st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_in_a_gtin_is_detected(
    body: str, position: int, delta: int
) -> None:
    """GEN-2, QBT-7.2: the mod-10 check digit catches every single-digit substitution."""
    good = Gtin.from_body(body).value
    changed = good[:position] + str((int(good[position]) + delta) % 10) + good[position + 1 :]
    with pytest.raises(InvalidIdentifier, match="wrong check digit"):
        Gtin.parse(changed)


@given(st.text(alphabet="0123456789", min_size=1, max_size=17))
def test_check_digit_matches_the_textbook_weighting(digits: str) -> None:
    """GEN-2: the fast check digit equals the GS1 3-1 weighting from the right."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(digits)))
    assert gs1_check_digit(digits) == str((10 - total % 10) % 10)
