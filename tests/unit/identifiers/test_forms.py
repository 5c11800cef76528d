"""One canonical key, many printed forms: detection by parse_code and rendering."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.element_strings import GS
from suyuan.identifiers.forms import (
    CodeForm,
    ContainerKey,
    UnitKey,
    parse_code,
    render,
    to_plain,
    to_trace_code,
)
from suyuan.identifiers.gs1 import Gtin, Sscc
from suyuan.identifiers.idis import IdisPrefix

UNIT = UnitKey(Gtin("06901234567892"), "A7K3")
PALLET = ContainerKey(Sscc("106141412345678908"))
PREFIX = IdisPrefix.parse("88.608.8889")


@pytest.mark.parametrize(
    ("text", "form", "key"),
    [
        ("88.608.8889/06901234567892A7K3", CodeForm.TRACE_CODE, UNIT),
        ("1.2.156.1234.5678/06901234567892a7k3", CodeForm.TRACE_CODE, UNIT),
        ("https://t.example.cn/01/06901234567892/21/A7K3", CodeForm.DIGITAL_LINK, UNIT),
        ("https://id.gs1.org/gtin/6901234567892/ser/A7K3?17=261231", CodeForm.DIGITAL_LINK, UNIT),
        ("/01/06901234567892/21/A7K3", CodeForm.DIGITAL_LINK, UNIT),
        ("]Q1https://t.example.cn/01/06901234567892/21/A7K3", CodeForm.DIGITAL_LINK, UNIT),
        ("(01)06901234567892(21)A7K3", CodeForm.ELEMENT_STRING, UNIT),
        ("]d2010690123456789221A7K3", CodeForm.ELEMENT_STRING_RAW, UNIT),
        ("0106901234567892" + "10L1" + GS + "21A7K3", CodeForm.ELEMENT_STRING_RAW, UNIT),
        ("010690123456789221A7K3", CodeForm.ELEMENT_STRING_RAW, UNIT),
        ("urn:epc:id:sgtin:6901234.056789.A7K3", CodeForm.EPC_URN, UNIT),
        ("06901234567892A7K3", CodeForm.PLAIN, UNIT),
        ("106141412345678908", CodeForm.PLAIN, PALLET),
        ("00106141412345678908", CodeForm.ELEMENT_STRING_RAW, PALLET),
        ("(00)106141412345678908", CodeForm.ELEMENT_STRING, PALLET),
        ("https://x.cn/00/106141412345678908", CodeForm.DIGITAL_LINK, PALLET),
        ("urn:epc:id:sscc:0614141.1234567890", CodeForm.EPC_URN, PALLET),
    ],
)
def test_parse_code_detects_every_printed_form(text: str, form: CodeForm, key: object) -> None:
    """HW-1, HW-3, QBT-7.1, MIIT-10: any printed form resolves to the one canonical key."""
    parsed = parse_code(text)
    assert parsed.form is form
    assert parsed.key == key


def test_parse_code_keeps_lot_and_prefix() -> None:
    """HW-1: the form's extras (enterprise prefix, lot) come back with the key."""
    assert parse_code("88.888.3/06901234567892A7K3").prefix == IdisPrefix.parse("88.888.3")
    assert parse_code("(01)06901234567892(10)L9(21)A7K3").lot == "L9"


def test_known_prefixes_restrict_trace_codes() -> None:
    """QBT-7.2(a), HW-1: a trace code from another enterprise is refused when asked."""
    assert parse_code("88.608.8889/06901234567892A7K3", known_prefixes={"88.608.8889"})
    with pytest.raises(InvalidIdentifier, match=r"88\.888\.3 is not one of ours"):
        parse_code("88.888.3/06901234567892A7K3", known_prefixes={"88.608.8889"})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("(01)06901234567892(10)L1", "identifies neither a unit"),
        ("https://x.cn/01/06901234567892", "identifies neither a unit"),
        ("106141412345678907", "as an SSCC: wrong check digit 7, expected 8"),
        ("06901234567893A7K3", "wrong check digit 3, expected 2"),
        ("0690123", "is too short"),
        ("88.608.8889/06901234567892a-1", "serial may contain only 0-9 and A-Z"),
        ("https://x.cn/01/06901234567892/21/A/10/L", "key qualifier (10) is out of order"),
    ],
)
def test_parse_code_errors_name_the_problem(text: str, reason: str) -> None:
    """GEN-2: every failure says what is wrong."""
    with pytest.raises(InvalidIdentifier) as caught:
        parse_code(text)
    assert reason in caught.value.reason


def test_render_prints_each_form() -> None:
    """HW-1, QBT-7.2: one key renders as trace code, Digital Link, element strings, plain."""
    assert render(UNIT, CodeForm.TRACE_CODE, prefix=PREFIX) == "88.608.8889/06901234567892A7K3"
    assert render(UNIT, CodeForm.DIGITAL_LINK, base_url="https://t.example.cn/") == (
        "https://t.example.cn/01/06901234567892/21/A7K3"
    )
    assert render(UNIT, CodeForm.ELEMENT_STRING) == "(01)06901234567892(21)A7K3"
    assert render(UNIT, CodeForm.ELEMENT_STRING_RAW, symbology_identifier="]d2") == (
        "]d2010690123456789221A7K3"
    )
    assert render(UNIT, CodeForm.PLAIN) == "06901234567892A7K3"
    assert render(PALLET, CodeForm.PLAIN) == to_plain(PALLET) == "106141412345678908"
    assert render(PALLET, CodeForm.DIGITAL_LINK) == "https://id.gs1.org/00/106141412345678908"


def test_render_refuses_what_a_form_cannot_carry() -> None:
    """QBT-7.2(b), GEN-2: trace codes need a prefix and a [0-9A-Z] serial; SSCCs have none."""
    with pytest.raises(InvalidIdentifier, match="needs an enterprise prefix"):
        render(UNIT, CodeForm.TRACE_CODE)
    with pytest.raises(InvalidIdentifier, match="only 0-9 and A-Z"):
        to_trace_code(UnitKey(UNIT.gtin, "a/b"), PREFIX)
    with pytest.raises(InvalidIdentifier, match="SSCC has no trace-code form"):
        to_trace_code(PALLET, PREFIX)
    with pytest.raises(InvalidIdentifier, match="element_strings_to_epc"):
        render(UNIT, CodeForm.EPC_URN)


def test_unit_key_refuses_serials_outside_gs1_rules() -> None:
    """GEN-1: a unit serial is 1-20 characters of GS1 set 82."""
    with pytest.raises(InvalidIdentifier, match="GS1 character set 82"):
        UnitKey(UNIT.gtin, "序列号")
    assert str(UnitKey(UNIT.gtin, "A/B")) == "/01/06901234567892/21/A%2FB"


gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(Gtin.from_body)
serials = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=20)
forms = st.sampled_from(
    [
        CodeForm.TRACE_CODE,
        CodeForm.DIGITAL_LINK,
        CodeForm.ELEMENT_STRING,
        CodeForm.ELEMENT_STRING_RAW,
        CodeForm.PLAIN,
    ]
)


@given(gtins, serials, forms)
def test_every_rendered_form_parses_back_to_the_same_unit(
    gtin: Gtin, serial: str, form: CodeForm
) -> None:
    """HW-1, HW-3, QBT-7.1: render → parse_code gives the same key, whatever the form."""
    unit = UnitKey(gtin, serial)
    if form is CodeForm.PLAIN and (gtin.value.startswith("01") or serial.isdigit()):
        return  # documented ambiguity: bare digits may also read as raw (01)… data or an SSCC
    text = render(unit, form, prefix=PREFIX, base_url="https://t.example.cn")
    parsed = parse_code(text)
    assert parsed.key == unit
    if form is not CodeForm.PLAIN:  # bare digits may also read as raw element strings
        assert parsed.form is form


@given(st.text(alphabet="0123456789", min_size=17, max_size=17).map(Sscc.from_body))
def test_every_rendered_form_parses_back_to_the_same_container(sscc: Sscc) -> None:
    """HW-2, MIIT-10: SSCC containers round-trip through their forms."""
    pallet = ContainerKey(sscc)
    for form in (CodeForm.DIGITAL_LINK, CodeForm.ELEMENT_STRING, CodeForm.ELEMENT_STRING_RAW):
        assert parse_code(render(pallet, form)).key == pallet
    assert parse_code(render(pallet, CodeForm.PLAIN)).key == pallet


def test_bare_digits_that_read_as_raw_data_are_read_as_raw_data() -> None:
    """HW-1: "01" + valid GTIN + a common AI is read as raw element strings, even when it
    is also a valid GTIN-14 + serial; print brackets, a URI or a prefix to avoid this."""
    plain = UnitKey(Gtin.parse("01100000000006"), "0121X")
    parsed = parse_code(render(plain, CodeForm.PLAIN))
    assert parsed.form is CodeForm.ELEMENT_STRING_RAW
    assert parsed.key == UnitKey(Gtin.parse("10000000000601"), "X")


def test_eighteen_digits_are_an_sscc_only_with_a_valid_check_digit() -> None:
    """HW-1, MIIT-10: 18 bare digits are an SSCC when its check digit holds, else GTIN + serial."""
    assert parse_code("106141412345678908").key == PALLET
    assert parse_code("069012345678920001").key == UnitKey(UNIT.gtin, "0001")


@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="0123456789()/.:%?&=]\x1dAQdhtpsurnepcid", max_size=60),
        st.sampled_from(
            ["https://x.cn/", "urn:epc:id:sgtin:", "(01)", "88.608.8889/", "]d2"]
        ).flatmap(
            lambda head: st.text(alphabet="0123456789./%()A", max_size=40).map(lambda t: head + t)
        ),
    )
)
def test_parse_code_only_ever_raises_invalid_identifier(text: str) -> None:
    """GEN-2: arbitrary scanner input is either a key or an InvalidIdentifier, never a crash."""
    with contextlib.suppress(InvalidIdentifier):
        parse_code(text)
