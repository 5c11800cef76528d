"""EPC URNs (GS1 TDS) to and from Digital Link and element strings; canonical keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.element_strings import ElementString, format_bracketed
from suyuan.identifiers.epc import (
    canonical_key,
    default_company_prefix_length,
    digital_link_to_epc,
    element_strings_to_epc,
    epc_to_digital_link,
    escape_urn_component,
    parse_epc_urn,
)

TDS_EXAMPLES = [
    ("urn:epc:id:sgtin:0614141.812345.6789", "(01)80614141123458(21)6789"),
    ("urn:epc:id:sgtin:0614141.712345.32a%2Fb", "(01)70614141123451(21)32a/b"),
    ("urn:epc:id:sscc:0614141.1234567890", "(00)106141412345678908"),
    ("urn:epc:id:sgln:0614141.12345.400", "(414)0614141123452(254)400"),
    ("urn:epc:id:sgln:0614141.12345.0", "(414)0614141123452"),
    ("urn:epc:id:grai:0614141.12345.400", "(8003)00614141123452400"),
    ("urn:epc:id:giai:0614141.12345400", "(8004)061414112345400"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "(01)04012345123456(10)998877"),
    ("urn:epc:idpat:sgtin:4012345.098765.*", "(01)04012345987652"),
]


@pytest.mark.parametrize(("urn", "bracketed"), TDS_EXAMPLES)
def test_tds_examples_convert_both_ways(urn: str, bracketed: str) -> None:
    """MIIT-10, GEN-1: TDS URNs ↔ element strings, with the company prefix length given."""
    elements = parse_epc_urn(urn)
    assert format_bracketed(elements) == bracketed
    size = len(urn.rsplit(":", 1)[1].split(".")[0])
    assert element_strings_to_epc(elements, company_prefix_length=size) == urn


def test_urn_to_digital_link_and_back_uses_the_prefix_lookup() -> None:
    """GEN-1, HW-1: URN → DL needs no prefix length; DL → URN looks it up by default."""
    uri = epc_to_digital_link("urn:epc:id:sgtin:0614141.812345.6789")
    assert uri == "https://id.gs1.org/01/80614141123458/21/6789"
    assert digital_link_to_epc(uri) == "urn:epc:id:sgtin:0614141.812345.6789"
    china = "https://t.example.cn/01/06901234567892/10/L1"
    assert digital_link_to_epc(china) == "urn:epc:class:lgtin:6901234.056789.L1"
    assert digital_link_to_epc(china, company_prefix_length=9) == (
        "urn:epc:class:lgtin:690123456.0789.L1"
    )
    assert digital_link_to_epc(china, lookup=lambda _: 8) == "urn:epc:class:lgtin:69012345.06789.L1"


def test_lot_in_query_becomes_an_lgtin_when_there_is_no_serial() -> None:
    """HW-1: /01/{gtin}?10=LOT names a lot, so its EPC form is a class URN."""
    uri = "https://x.cn/01/06901234567892?10=L1&17=261231"
    assert digital_link_to_epc(uri) == "urn:epc:class:lgtin:6901234.056789.L1"
    assert digital_link_to_epc("https://x.cn/01/06901234567892") == (
        "urn:epc:idpat:sgtin:6901234.056789.*"
    )


@pytest.mark.parametrize(
    ("digits", "size"),
    [
        ("6901234567892", 7),  # GS1 China 690
        ("6911234567892", 7),
        ("6921234567892", 8),  # GS1 China 692-695
        ("6951234567892", 8),
        ("0614141123452", 7),  # TDS examples
        ("4012345123456", 7),
        ("9520123456788", 6),  # GS1 demonstration prefix
    ],
)
def test_default_company_prefix_length(digits: str, size: int) -> None:
    """MIIT-10: the default lookup knows GS1's published lengths and China's allocation."""
    assert default_company_prefix_length(digits) == size


@pytest.mark.parametrize(
    ("urn", "reason"),
    [
        ("urn:epc:id:sgtin:0614141.81234.6789", "company prefix and reference must have 13"),
        ("urn:epc:id:sgtin:06141.8123456.6789", "company prefix must have 6 to 12 digits"),
        ("urn:epc:id:sgtin:0614141.8123x5.6789", "reference '8123x5' must be digits"),
        ("urn:epc:id:sgtin:0614141.812345", "needs 3 dot-separated fields"),
        ("urn:epc:id:sgtin:0614141.812345.A%2", "'%' that is not followed by two hex digits"),
        ("urn:epc:id:sgtin:0614141.812345." + "9" * 21, "must be 1 to 20 characters"),
        ("urn:epc:id:gdti:0614141.12345.006847", "unsupported EPC scheme id:gdti"),
        ("urn:epc:idpat:sgtin:0614141.*.*", "reference '*' must be digits"),
        ("urn:isbn:12345", "must start urn:epc:id:, urn:epc:class: or urn:epc:idpat:"),
    ],
)
def test_invalid_urns_say_what_is_wrong(urn: str, reason: str) -> None:
    """GEN-2: malformed URNs are rejected with a reason."""
    with pytest.raises(InvalidIdentifier, match=reason.replace("*", r"\*")):
        parse_epc_urn(urn)


def test_urn_needs_a_key_with_an_epc_form() -> None:
    """GEN-2: element strings without a GS1 key have no EPC URN."""
    with pytest.raises(InvalidIdentifier, match="has no key with an EPC URN form"):
        element_strings_to_epc([ElementString("10", "L")])
    with pytest.raises(InvalidIdentifier, match="company prefix length must be 6 to 12"):
        element_strings_to_epc([ElementString("00", "106141412345678908")], company_prefix_length=5)


def test_escaping_follows_tds() -> None:
    """GEN-1: only the seven characters TDS forbids raw are escaped in URNs."""
    assert escape_urn_component("a/b%c&d\"e<f>g?h!(')*+,-.:;=_") == (
        "a%2Fb%25c%26d%22e%3Cf%3Eg%3Fh!(')*+,-.:;=_"
    )


@pytest.mark.parametrize(
    "text",
    [
        "urn:epc:id:sgtin:0614141.812345.6789",
        "https://id.gs1.org/01/80614141123458/21/6789",
        "https://brand.example.cn/p/01/80614141123458/10/L9/21/6789?17=261231",
        "(01)80614141123458(10)L9(21)6789",
        "/01/80614141123458/21/6789",
    ],
)
def test_canonical_key_is_the_same_for_every_form_of_one_unit(text: str) -> None:
    """QBT-7.1, HW-1, HW-3: every form of one unit has the same matching key."""
    assert canonical_key(text) == "/01/80614141123458/21/6789"


def test_canonical_key_for_lots_containers_and_locations() -> None:
    """QBT-7.1, MIIT-10: classes keep the lot; SSCCs and GLNs keep their own qualifiers."""
    assert canonical_key("urn:epc:class:lgtin:4012345.012345.998877") == (
        "/01/04012345123456/10/998877"
    )
    assert canonical_key("urn:epc:idpat:sgtin:4012345.098765.*") == "/01/04012345987652"
    assert canonical_key("urn:epc:id:sscc:0614141.1234567890") == "/00/106141412345678908"
    assert canonical_key("https://x.cn/414/0614141123452/254/400") == ("/414/0614141123452/254/400")


CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


@given(
    st.integers(min_value=6, max_value=12).flatmap(
        lambda n: st.tuples(
            st.text(alphabet="0123456789", min_size=n, max_size=n),
            st.text(alphabet="0123456789", min_size=13 - n, max_size=13 - n),
        )
    ),
    st.text(alphabet=CSET82, min_size=1, max_size=20),
)
def test_sgtin_urn_round_trips_through_digital_link(parts: tuple[str, str], serial: str) -> None:
    """GEN-1, HW-1: URN → DL → URN is the identity for any prefix length and serial."""
    company, reference = parts
    urn = f"urn:epc:id:sgtin:{company}.{reference}.{escape_urn_component(serial)}"
    uri = epc_to_digital_link(urn, base="https://t.example.cn")
    assert digital_link_to_epc(uri, company_prefix_length=len(company)) == urn


@given(
    st.integers(min_value=6, max_value=12).flatmap(
        lambda n: st.tuples(
            st.text(alphabet="0123456789", min_size=n, max_size=n),
            st.text(alphabet="0123456789", min_size=17 - n, max_size=17 - n),
        )
    )
)
def test_sscc_urn_round_trips_through_digital_link(parts: tuple[str, str]) -> None:
    """MIIT-10, HW-2: SSCC URNs round-trip for any company prefix length."""
    company, reference = parts
    urn = f"urn:epc:id:sscc:{company}.{reference}"
    assert digital_link_to_epc(epc_to_digital_link(urn), company_prefix_length=len(company)) == urn
