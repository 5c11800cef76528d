"""GS1 element strings: bracketed and raw forms, per-AI validation, formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from biip.gs1_messages import GS1Message
from hypothesis import given
from hypothesis import strategies as st

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.element_strings import (
    GS,
    ElementString,
    element_date,
    element_decimal,
    expand_year,
    format_bracketed,
    format_raw,
    get_ai_definition,
    parse_bracketed,
    parse_element_strings,
    parse_raw,
)
from suyuan.identifiers.gs1 import Gln, Gtin, Sscc

E = ElementString

PUBLISHED = [
    # GS1 General Specifications / TDS / biip documentation examples.
    ("(01)09521234543213(3103)000123", [E("01", "09521234543213"), E("3103", "000123")]),
    (
        "(01)07032069804988(15)210526(10)0329",
        [E("01", "07032069804988"), E("15", "210526"), E("10", "0329")],
    ),
    ("(00)106141412345678908", [E("00", "106141412345678908")]),
    ("(01)80614141123458(21)6789", [E("01", "80614141123458"), E("21", "6789")]),
    ("(414)0614141123452(254)400", [E("414", "0614141123452"), E("254", "400")]),
    ("(8003)00614141123452400", [E("8003", "00614141123452400")]),
    (
        "(02)00614141123452(37)25(10)ABC123",
        [E("02", "00614141123452"), E("37", "25"), E("10", "ABC123")],
    ),
    (
        "(01)06901234567892(11)250100(13)250101(17)261231(22)A-1(235)TPX9",
        [
            E("01", "06901234567892"),
            E("11", "250100"),
            E("13", "250101"),
            E("17", "261231"),
            E("22", "A-1"),
            E("235", "TPX9"),
        ],
    ),
    ("(400)PO/123(8020)REF-7(410)0614141123452", None),
    ("(8004)0614141ABC(30)12(7003)2612312359", None),
]


@pytest.mark.parametrize(("text", "expected"), PUBLISHED)
def test_published_examples_parse_and_format_back(
    text: str, expected: list[ElementString] | None
) -> None:
    """GEN-1, MIIT-10: published element strings parse, and format back unchanged."""
    elements = parse_element_strings(text)
    if expected is not None:
        assert list(elements) == expected
    assert format_bracketed(elements) == text
    assert parse_raw(format_raw(elements)) == elements


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("]d2" + "0109521234543213" + "3103000012", "(01)09521234543213(3103)000012"),
        ("]Q3" + "0106901234567892" + "21ABC", "(01)06901234567892(21)ABC"),
        ("]C1" + "10LOT1" + GS + "21SER", "(10)LOT1(21)SER"),
        (GS + "00106141412345678908", "(00)106141412345678908"),
        ("0106901234567892" + "10L" + GS + GS + "17261231", "(01)06901234567892(10)L(17)261231"),
    ],
)
def test_raw_data_with_symbology_identifier_and_separators(raw: str, expected: str) -> None:
    """GEN-1: scanner output with ]d2/]Q3/]C1 and FNC1 as GS parses like the bracketed form."""
    assert format_bracketed(parse_raw(raw)) == expected


def test_format_raw_puts_separator_only_after_variable_fields_not_last() -> None:
    """GEN-3: printer data gets FNC1 after a variable-length field only when more follows."""
    elements = parse_bracketed("(01)06901234567892(10)L1(17)261231(21)S9")
    assert format_raw(elements) == "0106901234567892" + "10L1" + GS + "17261231" + "21S9"
    assert format_raw(elements[:2], symbology_identifier="]d2") == "]d2010690123456789210L1"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(01)06901234567893", "AI (01) GTIN: wrong check digit 3, expected 2"),
        ("(01)0690123456789", "AI (01) GTIN: must be 14 characters long, not 13"),
        ("(01)0690123456789A", "AI (01) GTIN: must contain only digits"),
        ("(00)106141412345678907", "AI (00) SSCC: wrong check digit 7, expected 8"),
        ("(414)0614141123453", "AI (414) LOC No.: wrong check digit 3, expected 2"),
        ("(8003)00614141123453400", "AI (8003) GRAI: wrong check digit 3, expected 2"),
        ("(17)261232", "AI (17) USE BY or EXPIRY: day 32 does not exist in month 12"),
        ("(17)250229", "AI (17) USE BY or EXPIRY: day 29 does not exist in month 02"),
        ("(11)251300", "AI (11) PROD DATE: month 13 is not 01 to 12"),
        ("(21)" + "A" * 21, "AI (21) SERIAL: must be 1 to 20 characters long, not 21"),
        ("(10)批次1", "AI (10) BATCH/LOT: character '批' is not in GS1 character set 82"),
        ("(10)A B", "AI (10) BATCH/LOT: character ' ' is not in GS1 character set 82"),
        ("(37)123456789", "AI (37) COUNT: must be 1 to 8 characters long, not 9"),
        ("(7003)2612312460", "AI (7003) EXPIRY TIME: time 2460 is not a valid HHMM"),
        ("01069012345678921", "unknown application identifier at '1'"),
        ("0106901234567", "AI (01): must be 14 characters long, not 11"),
        ("]Q1hello", "symbology identifier ]Q1 does not announce GS1 element strings"),
        ("hello", "must start with an AI in parentheses, e.g. (01)"),
    ],
)
def test_invalid_element_strings_name_the_ai_and_the_problem(text: str, reason: str) -> None:
    """GEN-2: check digits, lengths, character sets and dates are checked per AI."""
    parse = parse_bracketed if text == "hello" else parse_element_strings
    with pytest.raises(InvalidIdentifier) as caught:
        parse(text)
    assert caught.value.reason == reason


def test_day_zero_means_no_specific_day_and_resolves_to_month_end() -> None:
    """GEN-1: YYMMDD with DD=00 is allowed for AIs 11-17 and means the month's last day."""
    (expiry,) = parse_bracketed("(17)240200")
    assert element_date(expiry, reference_year=2025) == dt.date(2024, 2, 29)
    assert element_date(E("11", "991231"), reference_year=2025) == dt.date(1999, 12, 31)
    assert element_date(E("15", "750101"), reference_year=2025) == dt.date(2075, 1, 1)
    with pytest.raises(InvalidIdentifier, match="is not a date"):
        element_date(E("10", "240200"), reference_year=2025)


@pytest.mark.parametrize(
    ("reference", "two_digits", "year"),
    [(2025, 75, 2075), (2025, 76, 1976), (2099, 10, 2110), (2000, 51, 1951), (2000, 50, 2050)],
)
def test_century_follows_the_gs1_sliding_window(reference: int, two_digits: int, year: int) -> None:
    """GEN-1: YY resolves to within -49..+50 years of the reference year."""
    assert expand_year(two_digits, reference_year=reference) == year


@pytest.mark.parametrize(
    ("ai", "value", "number"),
    [("3100", "000750", "750"), ("3103", "001250", "1.250"), ("3105", "123456", "1.23456")],
)
def test_net_weight_has_n_implied_decimals(ai: str, value: str, number: str) -> None:
    """GEN-1: AI 310n carries n implied decimal places."""
    (element,) = parse_bracketed(f"({ai}){value}")
    assert element_decimal(element) == Decimal(number)


def test_non_measure_has_no_decimal_value() -> None:
    """GEN-1: asking a lot number for a decimal is an error, not a guess."""
    with pytest.raises(InvalidIdentifier, match="not a measure"):
        element_decimal(E("10", "123"))


def test_ai_table_comes_from_biip_and_knows_fixed_and_variable_fields() -> None:
    """GEN-1: AI definitions (title, format, FNC1 need) come from GS1's dictionary."""
    assert get_ai_definition("01").is_variable_length is False
    assert get_ai_definition("21").is_variable_length is True
    assert get_ai_definition("3103").value_format == "N6"
    with pytest.raises(InvalidIdentifier, match="unknown application identifier"):
        get_ai_definition("19")


CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
digits = st.text(alphabet="0123456789", min_size=13, max_size=13)
text82 = st.text(alphabet=CSET82, min_size=1, max_size=20)
yymmdd = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)).map(lambda d: d.strftime("%y%m%d"))


@st.composite
def element_lists(draw: st.DrawFn) -> list[ElementString]:
    """A GTIN or SSCC followed by a few optional attributes in random order."""
    if draw(st.booleans()):
        head = E("01", Gtin.from_body(draw(digits)).value)
    else:
        head = E("00", Sscc.from_body(draw(digits) + "0000").value)
    options = [
        E("10", draw(text82)),
        E("21", draw(text82)),
        E("17", draw(yymmdd)),
        E("3103", draw(st.text(alphabet="0123456789", min_size=6, max_size=6))),
        E("37", str(draw(st.integers(1, 99_999_999)))),
        E("414", Gln.parse(Gtin.from_body("0" + draw(digits)[:12]).value[1:]).value),
    ]
    picked = draw(st.lists(st.sampled_from(options), unique=True, max_size=4))
    return [head, *picked]


@given(element_lists())
def test_bracketed_form_round_trips(elements: list[ElementString]) -> None:
    """GEN-1, HW-1: format → parse gives back the same element strings (bracketed)."""
    text = format_bracketed(elements)
    if "(" in "".join(e.value for e in elements):
        return  # a "(" inside data makes the bracketed form ambiguous by definition
    assert list(parse_bracketed(text)) == elements


@given(element_lists())
def test_raw_form_round_trips_and_agrees_with_biip(elements: list[ElementString]) -> None:
    """GEN-1, HW-1: format → parse gives back the same element strings (raw), as biip reads them."""
    raw = format_raw(elements)
    assert list(parse_raw(raw)) == elements
    assert [(e.ai.ai, e.value) for e in GS1Message.parse(raw).element_strings] == elements
