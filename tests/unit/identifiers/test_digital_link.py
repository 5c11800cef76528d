"""GS1 Digital Link URIs: parse with any host and prefix, format under any base."""

from __future__ import annotations

import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from hypothesis import given
from hypothesis import strategies as st

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.digital_link import DigitalLink
from suyuan.identifiers.element_strings import ElementString
from suyuan.identifiers.gs1 import Gtin, Sscc

E = ElementString


@pytest.mark.parametrize(
    ("uri", "path", "attributes"),
    [
        # GS1 Digital Link standard examples.
        (
            "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
            "/01/09520123456788/10/ABC1/21/12345",
            (E("17", "180426"),),
        ),
        ("https://example.com/01/9520123456788", "/01/09520123456788", ()),
        ("https://id.gs1.org/01/09520123456788/22/2A", "/01/09520123456788/22/2A", ()),
        ("https://id.gs1.org/00/106141412345678908", "/00/106141412345678908", ()),
        (
            "https://id.gs1.org/414/9520123456788/254/32a%2Fb",
            "/414/9520123456788/254/32a%2Fb",
            (),
        ),
        ("https://id.gs1.org/8004/0614141ABC%2F1", "/8004/0614141ABC%2F1", ()),
        (
            "https://example.com/some/path/01/09520123456788/21/12345?linkType=gs1:pip",
            "/01/09520123456788/21/12345",
            (),
        ),
        (
            "https://example.com/gtin/09520123456788/lot/ABC1/ser/12345?17=180426",
            "/01/09520123456788/10/ABC1/21/12345",
            (E("17", "180426"),),
        ),
        ("/01/06901234567892/21/ABC", "/01/06901234567892/21/ABC", ()),
        ("HTTPS://X.CN/01/06901234567892/21/ABC/#frag", "/01/06901234567892/21/ABC", ()),
    ],
)
def test_published_and_prefixed_links_parse(
    uri: str, path: str, attributes: tuple[ElementString, ...]
) -> None:
    """GEN-1, MIIT-10, HW-1: any host, path prefix, alpha names and GTIN-13 are understood."""
    link = DigitalLink.parse(uri)
    assert link.path == path
    assert link.attributes == attributes


def test_lot_in_query_with_serial_in_path_is_a_data_attribute() -> None:
    """HW-1: labels often carry ?10=LOT beside /21/; it is kept, and the serial identifies."""
    link = DigitalLink.parse("https://t.example.cn/01/06901234567892/21/ABC?10=LOT&17=261231")
    assert link.path == "/01/06901234567892/21/ABC"
    assert link.get("10") == "LOT"
    assert link.get("17") == "261231"
    assert link.get("22") is None


def test_other_query_parameters_are_kept_and_formatted_back() -> None:
    """GEN-1: linkType and unknown parameters survive a parse → format round trip."""
    uri = "https://id.gs1.org/01/09520123456788/21/12345?17=180426&linkType=gs1:pip&x=1"
    link = DigitalLink.parse(uri)
    assert link.params == (("linkType", "gs1:pip"), ("x", "1"))
    assert link.to_uri() == uri
    assert link.to_uri("https://t.example.cn/dl/").startswith("https://t.example.cn/dl/01/")


def test_serials_are_percent_encoded_per_the_standard() -> None:
    """GEN-1: reserved characters of GS1 set 82 are percent-encoded in path and query."""
    link = DigitalLink(E("01", "09520123456788"), (E("21", "A/B%C&D+E"),))
    assert link.to_uri("https://x.cn") == "https://x.cn/01/09520123456788/21/A%2FB%25C%26D%2BE"
    assert DigitalLink.parse(link.to_uri()).qualifiers == (E("21", "A/B%C&D+E"),)


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        (
            "https://x.cn/01/09520123456788/21/1/10/2",
            "key qualifier (10) is out of order; the order is 01 → 22 → 10 → 21 → 235",
        ),
        ("https://x.cn/01/09520123456788/254/1", "(254) is not a key qualifier of (01)"),
        ("https://x.cn/01/09520123456788?17=261231&17=261230", "AI (17) appears more than once"),
        ("ftp://x.cn/01/09520123456788", "must start with https:// or http://"),
        ("https://x.cn", "has no host or no path"),
        (
            "https://x.cn/products/42",
            "no GS1 primary key (such as /01/, /00/, /414/) followed by value pairs",
        ),
        ("https://x.cn/01/09520123456789", "AI (01) GTIN: wrong check digit 9, expected 8"),
        ("https://x.cn/01/09520123456788?17=181332", None),
    ],
)
def test_invalid_links_say_what_is_wrong(uri: str, reason: str | None) -> None:
    """GEN-2: qualifier order, check digits and dates are validated with clear reasons."""
    with pytest.raises(InvalidIdentifier) as caught:
        DigitalLink.parse(uri)
    if reason is not None:
        assert caught.value.reason == reason


def test_from_element_strings_orders_qualifiers_and_needs_one_primary_key() -> None:
    """GEN-1: element strings become a link with qualifiers in the standard order."""
    link = DigitalLink.from_element_strings(
        [E("01", "09520123456788"), E("21", "S"), E("17", "261231"), E("10", "L")]
    )
    assert link.to_uri() == "https://id.gs1.org/01/09520123456788/10/L/21/S?17=261231"
    with pytest.raises(InvalidIdentifier, match="exactly one primary key"):
        DigitalLink.from_element_strings([E("01", "09520123456788"), E("00", "106141412345678908")])


CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
body13 = st.text(alphabet="0123456789", min_size=13, max_size=13)
text82 = st.text(alphabet=CSET82, min_size=1, max_size=20)
base_urls = st.sampled_from(
    ["https://id.gs1.org", "https://t.example.cn/dl/", "http://localhost:8000"]
)


@st.composite
def links(draw: st.DrawFn) -> DigitalLink:
    """Trade-item or SSCC links with random qualifiers and attributes."""
    if draw(st.booleans()):
        return DigitalLink(E("00", Sscc.from_body(draw(body13) + "1234").value))
    qualifiers = [E(ai, draw(text82)) for ai in ("22", "10", "21") if draw(st.booleans())]
    attributes = [E("17", "261231")] if draw(st.booleans()) else []
    return DigitalLink(
        E("01", Gtin.from_body(draw(body13)).value), tuple(qualifiers), tuple(attributes)
    )


@given(links(), base_urls)
def test_format_then_parse_round_trips(link: DigitalLink, base: str) -> None:
    """GEN-1, HW-1: any link formatted under any base parses back to the same value."""
    assert DigitalLink.parse(link.to_uri(base)) == link


@given(links())
def test_element_strings_agree_with_biip(link: DigitalLink) -> None:
    """GEN-1: for numeric-path links our reading matches biip's."""
    theirs = GS1DigitalLinkURI.parse(link.to_uri()).element_strings
    assert sorted((e.ai.ai, e.value) for e in theirs) == sorted(link.element_strings())
