"""Every printed form of a unit matches the same stored events (HW-1, GEN-26)."""

from __future__ import annotations

import pytest

from suyuan.domain.events import identifier_key

KEY = "/01/80614141123458/21/6789"


@pytest.mark.parametrize(
    "text",
    [
        "urn:epc:id:sgtin:0614141.812345.6789",
        "https://id.gs1.org/01/80614141123458/21/6789",
        "(01)80614141123458(21)6789",
        "88.118.8/806141411234586789",
    ],
)
def test_every_printed_form_of_a_unit_has_one_key(text: str) -> None:
    """EPC URN, Digital Link, element string and IDIS trace code (MATCH_ queries) agree."""
    assert identifier_key(text) == KEY


def test_identifiers_that_are_no_gs1_key_are_their_own_key() -> None:
    """Any other URI is matched as written."""
    assert identifier_key("https://example.com/asset/7") == "https://example.com/asset/7"
