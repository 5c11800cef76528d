"""The consumer verdict rules (QBT-12.1, HW-8, GEN-15, GEN-30) — pure, one case per class."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from suyuan.domain.verdicts import (
    PublicState,
    ScanHistory,
    Thresholds,
    Verdict,
    coarse_place,
    is_copied,
    judge_code,
    public_state,
)

FIRST = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("well_formed", "tag", "state", "history", "verdict", "reason"),
    [
        (False, None, None, ScanHistory(), Verdict.MALFORMED, "malformed"),
        (True, False, PublicState.ACTIVE, ScanHistory(), Verdict.FORGED, "bad_tag"),
        (True, True, None, ScanHistory(), Verdict.UNKNOWN, "never_commissioned"),
        (True, None, None, ScanHistory(), Verdict.UNKNOWN, "not_found"),
        (True, True, PublicState.ISSUED, ScanHistory(), Verdict.UNKNOWN, "never_commissioned"),
        (True, True, PublicState.VOIDED, ScanHistory(), Verdict.VOIDED, "voided"),
        (True, True, PublicState.DESTROYED, ScanHistory(), Verdict.VOIDED, "destroyed"),
        (True, True, PublicState.RECALLED, ScanHistory(50), Verdict.RECALLED, "recalled"),
        (True, True, PublicState.SOLD, ScanHistory(10, FIRST), Verdict.SUSPICIOUS, "many_checks"),
        (True, None, PublicState.ACTIVE, ScanHistory(2, FIRST), Verdict.GENUINE, "genuine"),
        (True, True, PublicState.ACTIVE, ScanHistory(9, FIRST), Verdict.GENUINE, "genuine"),
    ],
)
def test_each_rule_gives_its_verdict(
    well_formed: bool,
    tag: bool | None,
    state: PublicState | None,
    history: ScanHistory,
    verdict: Verdict,
    reason: str,
) -> None:
    judgement = judge_code(well_formed=well_formed, genuine_tag=tag, state=state, history=history)
    assert (judgement.verdict, judgement.reason) == (verdict, reason)


def test_a_forged_tag_is_judged_before_any_state() -> None:
    judgement = judge_code(
        well_formed=True, genuine_tag=False, state=PublicState.RECALLED, history=ScanHistory()
    )
    assert judgement.verdict is Verdict.FORGED


def test_checks_from_more_than_k_cities_are_suspicious_but_unknown_places_do_not_count() -> None:
    thresholds = Thresholds(max_checks=100, max_places=3)
    four = ScanHistory(4, FIRST, "成都", ("成都", "广州", "北京", "上海"))
    assert is_copied(four, thresholds)
    unknown = ScanHistory(4, FIRST, "unknown", ("unknown", "成都", "广州", "北京"))
    assert not is_copied(unknown, thresholds)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("packed", PublicState.ACTIVE),
        ("in_transit", PublicState.ACTIVE),
        ("sold", PublicState.SOLD),
        ("consumed", PublicState.SOLD),
        ("recalled", PublicState.RECALLED),
        ("voided", PublicState.VOIDED),
        ("decommissioned", PublicState.VOIDED),
        ("destroyed", PublicState.DESTROYED),
        ("issued", PublicState.ISSUED),
    ],
)
def test_internal_statuses_map_to_few_public_states(status: str, state: PublicState) -> None:
    assert public_state(status) is state


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, "unknown"),
        ("", "unknown"),
        ("  成都市 ", "成都市"),
        ("30.6723, 104.0812", "30.7,104.1"),
        ("95.0,10.0", "unknown"),
        ("<script>", "script"),
        ("x" * 80, "x" * 32),
    ],
)
def test_places_are_reduced_to_a_short_coarse_text(given: str | None, stored: str) -> None:
    assert coarse_place(given) == stored
