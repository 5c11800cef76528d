"""Page words in Chinese (default) and English (QBT-12, GEN-18)."""

from __future__ import annotations

from suyuan.domain.verdicts import Verdict
from suyuan.web.i18n import MESSAGES, language, qc_words, text


def test_both_languages_have_the_same_messages() -> None:
    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])


def test_every_verdict_has_words_in_both_languages() -> None:
    for verdict in Verdict:
        assert text("zh", f"verdict.{verdict.value}") != f"verdict.{verdict.value}"
        assert text("en", f"verdict.{verdict.value}") != text("zh", f"verdict.{verdict.value}")


def test_chinese_is_the_default_and_unknown_languages_fall_back() -> None:
    assert language(None) == "zh"
    assert language("fr") == "zh"
    assert language("en") == "en"


def test_values_are_filled_in() -> None:
    line = text("en", "checks", count=3, first_at="2026-05-01 10:00", first_place="成都")
    assert line == "Checked 3 times; first check: 2026-05-01 10:00 (成都)."


def test_qc_wording_is_translated_for_english_only() -> None:
    assert qc_words("合格，一级", "zh") == "合格，一级"
    assert qc_words("合格，一级", "en") == "Pass, 一级"
    assert qc_words("不合格", "en") == "Fail"
    assert qc_words(None, "en") is None
