"""Industrial Internet prefixes and QB/T 7.2 trace codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.gs1 import Gtin
from suyuan.identifiers.idis import IdisPrefix, PrefixKind, TraceCode


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("88.608.8889", PrefixKind.HANDLE),  # issued prefixes, see DESIGN.md
        ("88.888.3", PrefixKind.HANDLE),
        (" 88.118.8880.12 ", PrefixKind.HANDLE),
        ("1.2.156.1234.5678", PrefixKind.OID),  # GB/T 26231 arc for China
        ("2.16.156.0.10", PrefixKind.OID),
    ],
)
def test_handle_and_oid_prefixes_are_accepted(text: str, kind: PrefixKind) -> None:
    """QBT-7.2(a): both the issued Handle form and the OID form of the draft are accepted."""
    prefix = IdisPrefix.parse(text)
    assert prefix.kind is kind
    assert str(prefix) == text.strip()


@pytest.mark.parametrize(
    "text", ["88.608", "86.608.1", "1.2.156", "1.2.156.01", "1.2.840.1", "88.6a8.1", "", "88..1"]
)
def test_malformed_prefixes_are_rejected(text: str) -> None:
    """QBT-7.2(a): only 88.<industry>.<enterprise> or an OID under China's arcs."""
    with pytest.raises(InvalidIdentifier, match="must be 88"):
        IdisPrefix.parse(text)


def test_trace_code_parse_recovers_prefix_gtin_and_serial() -> None:
    """QBT-7.2(b), QBT-7.1: prefix, GTIN-14 and serial are recovered; serial is upper-cased."""
    code = TraceCode.parse(" 88.608.8889/06901234567892a7k3q9xb2m ")
    assert code.prefix == IdisPrefix("88.608.8889", PrefixKind.HANDLE)
    assert code.gtin == Gtin("06901234567892")
    assert code.serial == "A7K3Q9XB2M"
    assert code.internal_code == "06901234567892A7K3Q9XB2M"
    assert str(code) == "88.608.8889/06901234567892A7K3Q9XB2M"
    illustrative = "1.2.156.1234.5678/06901234567892A7K3Q9XB2M"  # REQUIREMENTS.md, 42 chars
    assert str(TraceCode.parse(illustrative)) == illustrative


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("88.608.8889/06901234567893A", "GTIN 06901234567893: wrong check digit 3, expected 2"),
        ("88.608.8889/6901234567892A", "must start with a 14-digit GTIN"),  # GTIN-13
        ("88.608.8889/0690123456789", "the part after '/' must start with a 14-digit GTIN"),
        ("88.608.8889/06901234567892", "serial must have 1 to 20 characters, not 0"),
        ("88.608.8889/06901234567892" + "A" * 21, "serial must have 1 to 20 characters, not 21"),
        ("88.608.8889/06901234567892A-1", "serial may contain only 0-9 and A-Z"),
        ("88.608.8889/06901234567892Ä", "serial may contain only 0-9 and A-Z"),
        ("88.608.888906901234567892A", "has no '/' after the enterprise prefix"),
        ("88.608/06901234567892A", "must be 88.<industry>.<enterprise>"),
        ("1.2.156." + "1." * 40 + "1/06901234567892A", "characters, at most 100 are allowed"),
    ],
)
def test_bad_trace_codes_say_what_is_wrong(text: str, reason: str) -> None:
    """QBT-7.2(b,c), GEN-2: GTIN check digit, serial alphabet and length, total ≤ 100."""
    with pytest.raises(InvalidIdentifier) as caught:
        TraceCode.parse(text)
    assert reason in caught.value.reason


def test_build_refuses_codes_over_100_characters() -> None:
    """QBT-7.2(c): a code that would exceed 100 characters is never built."""
    prefix = IdisPrefix.parse("1.2.156." + ".".join(["123456789"] * 7))
    with pytest.raises(InvalidIdentifier, match="at most 100"):
        TraceCode.build(prefix, Gtin("06901234567892"), "A" * 20)


handle_prefixes = st.lists(
    st.integers(min_value=0, max_value=10**9).map(str), min_size=2, max_size=3
).map(lambda arcs: ".".join(["88", *arcs]))
oid_prefixes = st.lists(
    st.integers(min_value=0, max_value=10**6).map(str), min_size=1, max_size=5
).map(lambda arcs: ".".join(["1.2.156", *arcs]))
gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(Gtin.from_body)
serials = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=20)


@given(st.one_of(handle_prefixes, oid_prefixes), gtins, serials)
def test_trace_codes_round_trip(prefix: str, gtin: Gtin, serial: str) -> None:
    """QBT-7.2, HW-1: build → str → parse gives back the same code."""
    code = TraceCode.build(IdisPrefix.parse(prefix), gtin, serial)
    assert TraceCode.parse(str(code)) == code
    assert TraceCode.parse(str(code).lower()) == code
