"""SSCC-18 for cases and pallets (QBT-7.1 higher packaging levels, MIIT-10, GEN-2)."""

from __future__ import annotations

import pytest

from suyuan.codes.sscc import iter_ssccs, make_sscc, split_sscc, sscc_capacity
from suyuan.errors import InvalidInput
from suyuan.identifiers.gs1 import Sscc


@pytest.mark.parametrize(
    ("prefix", "extension", "reference", "expected"),
    [
        ("0614141", 0, 123456789, "006141411234567890"),  # GS1 General Specifications example
        ("0614141", 3, 123456789, "306141411234567891"),
        ("6901234", 1, 0, "169012340000000006"),
    ],
)
def test_make_sscc_matches_check_digit_examples(
    prefix: str, extension: int, reference: int, expected: str
) -> None:
    """Extension digit + company prefix + zero-padded reference + GS1 check digit."""
    sscc = make_sscc(prefix, extension_digit=extension, serial_reference=reference)
    assert sscc == Sscc.parse(expected)
    parts = split_sscc(sscc, len(prefix))
    assert (parts.extension_digit, parts.company_prefix, parts.serial_reference) == (
        extension,
        prefix,
        reference,
    )


def test_capacity_depends_on_prefix_length() -> None:
    """A 7-digit prefix leaves 9 digits of serial reference."""
    assert sscc_capacity("0614141") == 10**9
    assert sscc_capacity("061414123456") == 10**4


def test_iterating_a_range_gives_consecutive_unique_ssccs() -> None:
    """Serial references are sequential per company prefix; the service checks ranges."""
    codes = list(iter_ssccs("6901234", extension_digit=0, start=10, count=100))
    assert len(set(codes)) == 100
    assert [split_sscc(c, 7).serial_reference for c in codes] == list(range(10, 110))


@pytest.mark.parametrize(
    ("prefix", "extension", "reference"),
    [
        ("0614141", 0, 10**9),
        ("0614141", 0, -1),
        ("0614141", 10, 1),
        ("061", 0, 1),
        ("0614141234567", 0, 1),
        ("06141a1", 0, 1),
    ],
)
def test_out_of_range_input_is_rejected(prefix: str, extension: int, reference: int) -> None:
    """GEN-2: out-of-range serial references are refused."""
    with pytest.raises(InvalidInput):
        make_sscc(prefix, extension_digit=extension, serial_reference=reference)


def test_bad_arguments_are_rejected() -> None:
    """Negative counts and impossible prefix lengths."""
    with pytest.raises(InvalidInput):
        list(iter_ssccs("6901234", extension_digit=0, start=0, count=-1))
    with pytest.raises(InvalidInput):
        split_sscc(Sscc.parse("006141411234567890"), 3)
