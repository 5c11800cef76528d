"""Profile consistency checks and coercion edge cases (QBT-4.2, QBT-8.1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from suyuan.domain.profiles import (
    AttachesTo,
    Comparator,
    Field,
    FieldType,
    InvalidProfile,
    ProcessStep,
    QcLimit,
    RecordType,
    RequiredWhen,
    check_profile,
    get_profile,
)
from suyuan.domain.profiles.coercion import Rejected, coerce_value

GENERIC = get_profile("generic")


def test_check_profile_lists_every_inconsistency() -> None:
    """QBT-4.2: a profile with dangling references is refused with all problems named."""
    bad_type = RecordType(
        "X1.1",
        "x",
        "X1",
        "x",
        "x",
        (
            Field("Bad Name", "x", "x"),
            Field("kind", "x", "x", FieldType.ENUM),
            Field("weight", "x", "x", FieldType.QUANTITY, unit="furlong"),
            Field("codes", "x", "x", FieldType.LIST),
            Field("dup", "x", "x"),
            Field("dup", "x", "x"),
        ),
        AttachesTo.LOT,
        step="nowhere",
        required_when=(RequiredWhen("ghost", "kind", ("a",), "for a"),),
    )
    broken = replace(
        GENERIC,
        record_types=(*GENERIC.record_types, bad_type, bad_type),
        qc_limits=(
            QcLimit("a", "a", "a", "x", "missing", Comparator.MAX, "b"),
            QcLimit("b", "b", "b", "qc", "result", Comparator.EQUALS, "b", applies_to=("z",)),
        ),
        process_steps=(*GENERIC.process_steps, ProcessStep("s", "s", "s", ("nope",))),
    )
    with pytest.raises(InvalidProfile) as caught:
        check_profile(broken)
    text = str(caught.value)
    for expected in (
        "duplicate record type id 'X1.1'",
        "name must be snake_case",
        "enum without allowed",
        "quantity needs a known canonical unit",
        "list needs a non-list item type",
        "duplicate X1.1 field 'dup'",
        "unknown step 'nowhere'",
        "names no field 'ghost'",
        "field x.missing not found",
        "a max limit needs a value",
        "expected value",
        "unknown category 'z'",
        "no record type 'nope'",
    ):
        assert expected in text


def test_public_source_must_be_flagged_public() -> None:
    """QBT-9(a): a field feeding Table 15 is marked public."""
    batch = GENERIC.get_record_type("batch")
    hidden = replace(batch, fields=tuple(replace(f, public=False) for f in batch.fields))
    with pytest.raises(InvalidProfile, match="is not marked public"):
        check_profile(replace(GENERIC, record_types=(hidden, GENERIC.record_types[1])))


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        (
            Field("n", "n", "n", FieldType.INTEGER, minimum=2, maximum=5),
            "9",
            "must be an integer between 2 and 5",
        ),
        (Field("n", "n", "n", FieldType.INTEGER, maximum=5), 9, "must be an integer of at most 5"),
        (
            Field("n", "n", "n", FieldType.INTEGER, minimum=0),
            "-1",
            "must be a non-negative integer",
        ),
        (Field("n", "n", "n", FieldType.INTEGER), "x", "must be an integer"),
        (
            Field("d", "d", "d", FieldType.DECIMAL, minimum=1),
            "0",
            "must be a decimal of at least 1",
        ),
        (Field("d", "d", "d", FieldType.DECIMAL, maximum=1), "2", "must be a decimal of at most 1"),
        (
            Field("q", "q", "q", FieldType.QUANTITY, unit="kg"),
            "heavy",
            "must be a quantity with a unit (kg)",
        ),
        (
            Field("t", "t", "t", FieldType.DATETIME),
            "yesterday",
            "must be a date and time (ISO 8601)",
        ),
        (Field("f", "f", "f", FieldType.FILE), {"sha256": "XYZ"}, "must carry a sha256"),
        (Field("f", "f", "f", FieldType.FILE), 7, "must be a file reference"),
        (Field("l", "l", "l", FieldType.LIST, item_type=FieldType.INTEGER), 5, "must be a list"),
        (
            Field("l", "l", "l", FieldType.LIST, item_type=FieldType.INTEGER),
            ["1", "x"],
            "item 2 must be an integer",
        ),
        (Field("s", "s", "s"), ["x"], "must be text"),
        (Field("s", "s", "s", max_length=3), "abcd", "must be text of at most 3 characters"),
    ],
)
def test_coercion_messages(field: Field, raw: object, message: str) -> None:
    """QBT-8.1: each type explains what it wants."""
    with pytest.raises(Rejected) as caught:
        coerce_value(field, raw)
    assert caught.value.text.startswith(message)


def test_python_values_coerce_like_text() -> None:
    """Values from JSON or Python code take the same canonical forms as CSV text."""
    china = timezone(timedelta(hours=8))
    assert coerce_value(Field("d", "d", "d", FieldType.DECIMAL), 0.1) == Decimal("0.1")
    assert coerce_value(Field("n", "n", "n", FieldType.INTEGER), Decimal("6.0")) == 6
    assert coerce_value(Field("x", "x", "x", FieldType.DATE), date(2024, 1, 2)) == "2024-01-02"
    when = datetime(2024, 1, 2, 8, 0)
    assert coerce_value(Field("x", "x", "x", FieldType.DATE), when) == "2024-01-02"
    assert coerce_value(Field("t", "t", "t", FieldType.DATETIME), when, tz=china) == (
        "2024-01-02T00:00:00+00:00"
    )
    assert coerce_value(Field("b", "b", "b", FieldType.BOOLEAN), 0) is False
    assert coerce_value(Field("q", "q", "q", FieldType.QUANTITY, unit="kg"), 2) == {
        "value": Decimal(2),
        "unit": "kg",
    }
