"""QC verdicts are computed from limits, at and around each boundary (QBT-5.2.2, GEN-10)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from suyuan.domain.profiles import UnknownCategory, get_profile, judge

BAIJIU = get_profile("baijiu")
# At 50 % vol the factor to 100 % vol is exactly 2, so boundaries stay exact.
CLEAN = {
    "alcohol_content": "50",
    "methanol": "0.1 g/L",
    "lead": "0.1 mg/kg",
    "cyanide": "1 mg/L",
    "grade": "一级",
}
LABEL = {"alcohol_content": "50"}


def _analytes(category: str, **results: object) -> set[str]:
    verdict = judge(BAIJIU, category, {**CLEAN, **results}, LABEL)
    return {f.analyte for f in verdict.failures}


def test_clean_results_pass_with_the_declared_grade() -> None:
    """QBT-T15.17: "合格，一级"."""
    verdict = judge(BAIJIU, "grain", CLEAN, LABEL)
    assert verdict.passed
    assert verdict.failures == ()
    assert verdict.grade == "一级"
    assert verdict.summary_zh == "合格，一级"


@pytest.mark.parametrize(
    ("category", "methanol", "passes"),
    [
        ("grain", "0.3", True),  # 0.6 g/L at 100 % vol: at the limit
        ("grain", "0.3001", False),
        ("grain", "0.2999", True),
        ("grain", "300 mg/L", True),  # units convert before comparison
        ("other", "1.0", True),  # 2.0 g/L at 100 % vol
        ("other", "1.0001", False),
        ("other", "0.3001", True),
    ],
)
def test_methanol_limit_per_gb_2757_at_100_percent_vol(
    category: str, methanol: str, passes: bool
) -> None:
    """GB 2757-2012: methanol ≤ 0.6 g/L (grain) / 2.0 g/L (other), at 100 % vol."""
    assert ("methanol" not in _analytes(category, methanol=methanol)) is passes


@pytest.mark.parametrize(("cyanide", "passes"), [("4.0", True), ("4.0001", False), ("3.9", True)])
def test_cyanide_limit_per_gb_2757(cyanide: str, passes: bool) -> None:
    """GB 2757-2012: cyanide (as HCN) ≤ 8.0 mg/L at 100 % vol."""
    assert ("cyanide" not in _analytes("grain", cyanide=cyanide)) is passes


@pytest.mark.parametrize(
    ("lead", "passes"), [("0.5", True), ("0.5001", False), ("0.0005 g/kg", True)]
)
def test_lead_limit_per_gb_2762(lead: str, passes: bool) -> None:
    """GB 2762-2017: lead ≤ 0.5 mg/kg for distilled spirits (no alcohol scaling)."""
    assert ("lead" not in _analytes("grain", lead=lead)) is passes


@pytest.mark.parametrize(
    ("measured", "passes"),
    [("51.0", True), ("49.0", True), ("51.01", False), ("48.99", False), ("50", True)],
)
def test_alcohol_content_within_1_percent_vol_of_label(measured: str, passes: bool) -> None:
    """GB/T 10781-2021: measured alcohol content = label ± 1.0 % vol."""
    # Keep methanol/cyanide tiny so the changed alcohol content cannot trip them.
    results = {**CLEAN, "alcohol_content": measured, "methanol": "0", "cyanide": "0"}
    verdict = judge(BAIJIU, "grain", results, LABEL)
    assert verdict.passed is passes


def test_failure_names_value_limit_basis_and_message() -> None:
    """GEN-10: a failed verdict says which limit, by how much and on what basis."""
    verdict = judge(BAIJIU, "grain", {**CLEAN, "methanol": "0.4"}, LABEL)
    assert not verdict.passed
    assert verdict.summary_zh == "不合格"
    (failure,) = verdict.failures
    assert failure.analyte == "methanol"
    assert failure.value == "0.4 g/L = 0.8 g/L at 100 % vol"
    assert failure.limit == "≤ 0.6 g/L at 100 % vol"
    assert failure.basis.startswith("GB 2757-2012")
    assert failure.message.startswith("methanol: 0.4 g/L = 0.8 g/L at 100 % vol")


def test_missing_results_and_label_fail_rather_than_pass() -> None:
    """GEN-10: untested is not conforming."""
    verdict = judge(BAIJIU, "grain", {"alcohol_content": "50", "grade": "优级"}, {})
    assert {f.analyte for f in verdict.failures} == {
        "methanol",
        "cyanide",
        "lead",
        "alcohol_content",
    }
    assert "no result" in verdict.failures[0].message


def test_methanol_cannot_be_judged_without_alcohol_content() -> None:
    """GB 2757-2012 footnote: values are converted to 100 % vol alcohol."""
    results = {k: v for k, v in CLEAN.items() if k != "alcohol_content"}
    verdict = judge(BAIJIU, "grain", results, LABEL)
    messages = {f.analyte: f.message for f in verdict.failures}
    assert "cannot convert to 100 % vol" in messages["methanol"]
    assert "cannot convert to 100 % vol" in messages["cyanide"]


def test_unreadable_result_is_a_failure() -> None:
    """GEN-10: a result that is not a number cannot conform."""
    assert "lead" in _analytes("grain", lead="n/a")


def test_validated_record_values_are_accepted() -> None:
    """Results may be a validated T5.2 record's fields (Decimal and quantity values)."""
    results = {
        "alcohol_content": Decimal("50"),
        "methanol": {"value": Decimal("0.3"), "unit": "g/L"},
        "lead": {"value": Decimal("0.5"), "unit": "mg/kg"},
        "cyanide": {"value": Decimal(4), "unit": "mg/L"},
    }
    assert judge(BAIJIU, "grain", results, {"alcohol_content": Decimal(50)}).passed


def test_unknown_category_is_rejected() -> None:
    """GB 2757-2012 categories are grain and other."""
    with pytest.raises(UnknownCategory):
        judge(BAIJIU, "wine", CLEAN, LABEL)
