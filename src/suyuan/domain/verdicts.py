"""The consumer's verdict on a presented code (QBT-12.1, HW-8, GEN-15, GEN-30): pure rules.

The legitimacy check runs in this order: syntax → tag (forgery, no database) → existence →
life-cycle state → scan history. The first rule that fires decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

_COORDINATES = re.compile(r"(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)")


class Verdict(StrEnum):
    """What the consumer is told; stored values never change."""

    GENUINE = "genuine"
    RECALLED = "recalled"
    SUSPICIOUS = "suspicious"
    UNKNOWN = "unknown"
    VOIDED = "voided"
    FORGED = "forged"
    MALFORMED = "malformed"


class PublicState(StrEnum):
    """The public life-cycle state of a published unit."""

    ISSUED = "issued"
    ACTIVE = "active"
    SOLD = "sold"
    RECALLED = "recalled"
    VOIDED = "voided"
    DESTROYED = "destroyed"


_TERMINAL = frozenset({"voided", "destroyed", "decommissioned"})
_SOLD = frozenset({"sold", "consumed"})


def public_state(status: str) -> PublicState:
    """Map an internal unit status to the little the public may know of it."""
    if status == "recalled":
        return PublicState.RECALLED
    if status in _TERMINAL:
        return PublicState.DESTROYED if status == "destroyed" else PublicState.VOIDED
    if status in _SOLD:
        return PublicState.SOLD
    if status == "issued":
        return PublicState.ISSUED
    return PublicState.ACTIVE


@dataclass(frozen=True, slots=True)
class ScanHistory:
    """Earlier checks of one code (QBT-T14.3): how many, when and where first, which cities."""

    count: int = 0
    first_at: datetime | None = None
    first_place: str | None = None
    places: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When repeated checks make a code suspicious (GEN-15): N checks or more than K cities."""

    max_checks: int = 10
    max_places: int = 3


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdict and the reason behind it (a message key for the page)."""

    verdict: Verdict
    reason: str


def judge_code(
    *,
    well_formed: bool,
    genuine_tag: bool | None,
    state: PublicState | None,
    history: ScanHistory,
    thresholds: Thresholds = Thresholds(),
) -> Judgement:
    """Decide the verdict. ``genuine_tag`` is None for codes without a tag (SSCC, tickets);
    ``state`` is None when nothing was published for the code."""
    if not well_formed:
        return Judgement(Verdict.MALFORMED, "malformed")
    if genuine_tag is False:
        return Judgement(Verdict.FORGED, "bad_tag")
    if state is None or state is PublicState.ISSUED:
        return Judgement(Verdict.UNKNOWN, "never_commissioned" if genuine_tag else "not_found")
    if state in (PublicState.VOIDED, PublicState.DESTROYED):
        return Judgement(Verdict.VOIDED, state.value)
    if state is PublicState.RECALLED:
        return Judgement(Verdict.RECALLED, "recalled")
    if is_copied(history, thresholds):
        return Judgement(Verdict.SUSPICIOUS, "many_checks")
    return Judgement(Verdict.GENUINE, "genuine")


def is_copied(history: ScanHistory, thresholds: Thresholds) -> bool:
    """Whether earlier checks look like a copied label: too many, or from too many cities."""
    cities = {p for p in history.places if p and p != UNKNOWN_PLACE}
    return history.count >= thresholds.max_checks or len(cities) > thresholds.max_places


UNKNOWN_PLACE = "unknown"


def coarse_place(text: str | None) -> str:
    """A consumer-supplied place reduced to a short city name or to coordinates rounded to
    0.1° (about 10 km), else ``unknown`` (QBT-T14.3: approximate place, given by consent)."""
    if not text:
        return UNKNOWN_PLACE
    found = _COORDINATES.fullmatch(text.strip())
    if found is not None:
        lat, lon = float(found.group(1)), float(found.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return f"{lat:.1f},{lon:.1f}"
        return UNKNOWN_PLACE
    cleaned = "".join(ch for ch in text.strip() if ch.isalnum() or ch in " -·")[:32].strip()
    return cleaned or UNKNOWN_PLACE
