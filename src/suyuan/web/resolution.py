"""Resolving a presented code into the public answer (QBT-12.1, QBT-12.2, QBT-10.4.1, HW-8).

Order of judgement: syntax, then the keyed tag (a forged code is refused from the tag
alone, with only the cached GTIN → enterprise lookup), then the published state, then the
scan history. The answer carries exactly the profile's public items (Table 15 for
baijiu, LZ-3 for market tickets) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from suyuan.codes.keys import KeyRing
from suyuan.codes.serials import CodeLevel
from suyuan.codes.verification import verify_serial
from suyuan.domain.profiles import Profile, SourceKind, find_profile
from suyuan.domain.verdicts import (
    UNKNOWN_PLACE,
    Judgement,
    PublicState,
    ScanHistory,
    Thresholds,
    Verdict,
    judge_code,
)
from suyuan.errors import InvalidIdentifier
from suyuan.identifiers.forms import CodeKey, ContainerKey, UnitKey, parse_code
from suyuan.queries.public_view import FlowStep, PublicReader, PublicUnit
from suyuan.services.codes import tenant_keyring
from suyuan.web.feedback import Feedback
from suyuan.web.i18n import qc_words, text

CST = timezone(timedelta(hours=8))
_LEVELS = (CodeLevel.UNIT, CodeLevel.CAP, CodeLevel.CASE, CodeLevel.PALLET, CodeLevel.INNER)
_SHOWN_STATES = frozenset({Verdict.GENUINE, Verdict.SUSPICIOUS, Verdict.RECALLED})
_COUNTED_STATES = frozenset({PublicState.ACTIVE, PublicState.SOLD, PublicState.RECALLED})
# How a public item gets its value: from the product and batch (the same for every unit of
# both), the unit's trace code, or the unit's flow.
_SHARED, _TRACE_CODE, _FLOW = 0, 1, 2
SHARED_ITEM = _SHARED


@dataclass
class Resolution:
    """The public answer for one check."""

    code: str
    key: str | None
    judgement: Judgement
    lang: str
    history: ScanHistory = field(default_factory=ScanHistory)
    profile: Profile | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    tenant_id: int | None = None
    phone: str | None = None
    kind: str = "unit"
    # The product/batch plan the items came from: lets the page reuse its rendered rows.
    plan: _ItemPlan | None = field(default=None, repr=False, compare=False)

    @property
    def verdict(self) -> Verdict:
        """The verdict."""
        return self.judgement.verdict

    def message(self) -> str:
        """The verdict's explanation in the page language."""
        history = self.history
        return text(
            self.lang,
            f"reason.{self.judgement.reason}",
            phone=self.phone or text(self.lang, "none"),
            count=history.count,
            first_at=show_time(history.first_at),
            first_place=show_place(history.first_place, self.lang),
        )

    def checks_line(self) -> str:
        """How often and where this code was checked before."""
        if self.history.count == 0:
            return text(self.lang, "first_check")
        return text(
            self.lang,
            "checks",
            count=self.history.count,
            first_at=show_time(self.history.first_at),
            first_place=show_place(self.history.first_place, self.lang),
        )

    def to_json(self, base_url: str) -> dict[str, Any]:
        """The public JSON answer (the same data as the page)."""
        answer: dict[str, Any] = {
            "code": self.code,
            "key": self.key,
            "verdict": self.verdict.value,
            "title": text(self.lang, f"verdict.{self.verdict.value}"),
            "message": self.message(),
            "lang": self.lang,
        }
        if self.verdict in _SHOWN_STATES:
            answer["checks"] = {
                "count": self.history.count,
                "first_at": self.history.first_at.isoformat() if self.history.first_at else None,
                "first_place": self.history.first_place,
            }
            answer["profile"] = self.profile.id if self.profile else None
            answer["items"] = self.items
        if self.key:
            answer["links"] = {"self": base_url + self.key, "linkset": linkset_url(base_url, self)}
        return answer


def linkset_url(base_url: str, resolution: Resolution) -> str:
    """The GS1 resolver linkset of the code."""
    return f"{base_url}{resolution.key}?linkType=all"


def show_time(moment: datetime | None) -> str:
    """A moment in China Standard Time, to the minute."""
    if not moment:
        return "—"
    m = moment.astimezone(CST)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d} {m.hour:02d}:{m.minute:02d}"


def show_place(place: str | None, lang: str) -> str:
    """A coarse place, or "unknown place" in the page language."""
    return place if place and place != UNKNOWN_PLACE else text(lang, "unknown_place")


class Resolver:
    """Judges codes and assembles their public answers; one per process."""

    def __init__(
        self,
        reader: PublicReader,
        feedback: Feedback,
        *,
        key_dir: Path,
        thresholds: Thresholds,
    ) -> None:
        self.reader = reader
        self.feedback = feedback
        self.key_dir = Path(key_dir)
        self.thresholds = thresholds
        self._rings: dict[int, KeyRing | None] = {}
        # A full server keeps the scan counters next to the projection: read them together.
        self._joined = feedback.db is reader.db
        self._items: dict[tuple[str | None, str | None, str], _ItemPlan] = {}

    def _ring(self, tenant_id: int) -> KeyRing | None:
        if tenant_id not in self._rings:
            self._rings[tenant_id] = tenant_keyring(self.key_dir, tenant_id)
        return self._rings[tenant_id]

    def check_tag(self, key: UnitKey) -> tuple[bool, bool | None]:
        """(well formed, genuine tag) from the serial alone; None when no key ring is known."""
        tenant_id = self.reader.tenant_of_gtin(key.gtin.value)
        ring = None if tenant_id is None else self._ring(tenant_id)
        if ring is None:
            return True, None
        for level in _LEVELS:
            result = verify_serial(ring, key.gtin, level, key.serial)
            if not result.well_formed:
                return False, None
            if result.genuine:
                return True, True
        return True, False

    def resolve(
        self, code: str, *, lang: str, channel: str, place: str, log: bool = True
    ) -> Resolution:
        """Judge ``code`` (any printed form), log the check, and assemble the answer."""
        start = self._start(code, lang, channel, place, log)
        if isinstance(start, Resolution):
            return start
        while True:
            mark = self.feedback.mark()
            if self._joined:  # one query for the unit and its counter
                unit, stored = self.reader.unit_and_counts(start.key.path)
            else:
                unit, stored = self.reader.unit(start.key.path), None
            resolution = self._finish(start, unit, stored, mark)
            if resolution is not None:
                return resolution

    async def resolve_async(self, code: str, *, lang: str, channel: str, place: str) -> Resolution:
        """:meth:`resolve`, with the database read awaited on the event loop where the
        reader can (PostgreSQL with the counters in the same database): other requests are
        served while the query runs."""
        if not (self._joined and self.reader.reads_async):
            return self.resolve(code, lang=lang, channel=channel, place=place)
        start = self._start(code, lang, channel, place, True)
        if isinstance(start, Resolution):
            return start
        while True:
            mark = self.feedback.mark()
            unit, stored = await self.reader.unit_and_counts_async(start.key.path)
            resolution = self._finish(start, unit, stored, mark)
            if resolution is not None:
                return resolution

    def _start(
        self, code: str, lang: str, channel: str, place: str, log: bool
    ) -> Resolution | _Start:
        """What the code alone decides (syntax, tag; market tickets), or what to read."""
        try:
            parsed = parse_code(code)
        except InvalidIdentifier:
            ticket = self.reader.ticket(code.strip()) if code.strip() else None
            if ticket is not None:
                return self._ticket(
                    code.strip(), ticket, lang=lang, channel=channel, place=place, log=log
                )
            resolution = Resolution(code, None, Judgement(Verdict.MALFORMED, "malformed"), lang)
            return self._done(resolution, channel, place, log)
        key = parsed.key
        well_formed, genuine = self.check_tag(key) if isinstance(key, UnitKey) else (True, None)
        if not well_formed or genuine is False:
            judgement = judge_code(
                well_formed=well_formed,
                genuine_tag=genuine,
                state=None,
                history=ScanHistory(),
            )
            return self._done(Resolution(code, key.path, judgement, lang), channel, place, log)
        return _Start(code, key, genuine, lang, channel, place, log)

    def _finish(
        self, start: _Start, unit: PublicUnit | None, stored: Any, mark: int
    ) -> Resolution | None:
        """The answer from the published unit and its stored counter row; None when a batch
        of checks was written between the read and now (read again)."""
        key = start.key
        state = PublicState(unit.state) if unit is not None else None
        history: ScanHistory | None
        if state not in _COUNTED_STATES:
            history = ScanHistory()
        elif self._joined:
            history = self.feedback.merge_history(key.path, stored, mark)
            if history is None:
                return None
        else:
            history = self.feedback.history(key.path)
        judgement = judge_code(
            well_formed=True,
            genuine_tag=start.genuine,
            state=state,
            history=history,
            thresholds=self.thresholds,
        )
        resolution = Resolution(start.code, key.path, judgement, start.lang, history)
        if unit is not None and judgement.verdict in _SHOWN_STATES:
            self._fill(resolution, unit)
        if isinstance(key, ContainerKey):
            resolution.kind = "container"
        return self._done(resolution, start.channel, start.place, start.log)

    def _done(self, resolution: Resolution, channel: str, place: str, log: bool) -> Resolution:
        if not log:
            return resolution
        self.feedback.log_check(
            resolution.key,
            place=place,
            channel=channel,
            verdict=resolution.verdict.value,
            count=resolution.history.count + 1,
        )
        return resolution

    def _fill(self, resolution: Resolution, unit: PublicUnit) -> None:
        lang = resolution.lang
        plan = self._plan(unit, lang)
        if plan.profile is None:
            return
        resolution.profile = plan.profile
        resolution.plan = plan
        resolution.tenant_id = unit.tenant_id
        resolution.phone = plan.phone
        items = resolution.items
        for how, item in plan.items:
            if how == _SHARED:
                items.append(item)
            elif how == _TRACE_CODE:
                items.append({"id": item["id"], "label": item["label"], "value": unit.trace_code})
            else:
                flow = [_flow_json(step) for step in self.reader.flow_of(unit)]
                items.append({"id": item["id"], "label": item["label"], "value": flow})

    def _plan(self, unit: PublicUnit, lang: str) -> _ItemPlan:
        """The public items of a unit's product and batch in ``lang``: built once per
        product, batch and language, and again whenever the reader reloads either row."""
        product = self.reader.product(unit.gtin) if unit.gtin else None
        lot = self.reader.lot(unit.lot_key) if unit.lot_key else None
        key = (unit.gtin, unit.lot_key, lang)
        plan = self._items.get(key)
        if plan is not None and plan.product is product and plan.lot is lot:
            return plan
        plan = _ItemPlan(product, lot, None, None, [])
        profile = find_profile(product["profile"]) if product else find_profile("baijiu")
        if profile is not None:
            values: dict[str, Any] = {}
            values.update(product["items"] if product else {})
            values.update(lot["items"] if lot else {})
            plan.profile = profile
            plan.phone = values.get("T15.9")
            for item in profile.public_items:
                label = item.label_zh if lang == "zh" else _capital(item.label_en)
                if item.source.kind is SourceKind.UNIT:
                    plan.items.append((_TRACE_CODE, {"id": item.id, "label": label}))
                elif item.source.key == "flow":
                    plan.items.append((_FLOW, {"id": item.id, "label": label}))
                else:
                    value = values.get(item.id)
                    if item.source.key == "qc_verdict":
                        value = qc_words(value, lang)
                    plan.items.append((_SHARED, {"id": item.id, "label": label, "value": value}))
        if len(self._items) >= 10_000:
            self._items.clear()
        self._items[key] = plan
        return plan

    def _ticket(
        self,
        code: str,
        ticket: dict[str, Any],
        *,
        lang: str,
        channel: str,
        place: str,
        log: bool,
    ) -> Resolution:
        profile = find_profile(ticket["profile"])
        history = self.feedback.history(f"ticket:{code}")
        judgement = judge_code(
            well_formed=True,
            genuine_tag=None,
            state=PublicState.SOLD,
            history=history,
            thresholds=self.thresholds,
        )
        resolution = Resolution(code, None, judgement, lang, history, profile, kind="ticket")
        resolution.tenant_id = int(ticket["tenant_id"])
        if profile is not None:
            resolution.items = [
                {
                    "id": item.id,
                    "label": item.label_zh if lang == "zh" else _capital(item.label_en),
                    "value": ticket["items"].get(item.id),
                }
                for item in profile.public_items
            ]
        if not log:
            return resolution
        self.feedback.log_check(
            f"ticket:{code}",
            place=place,
            channel=channel,
            verdict=resolution.verdict.value,
            count=history.count + 1,
        )
        return resolution


@dataclass(frozen=True, slots=True)
class _Start:
    """A code that passed its syntax and tag checks: what to read and how to log it."""

    code: str
    key: CodeKey
    genuine: bool | None
    lang: str
    channel: str
    place: str
    log: bool


@dataclass(slots=True)
class _ItemPlan:
    """The public items of one product, batch and language; shared item dicts are reused
    by every answer (answers only read them)."""

    product: dict[str, Any] | None
    lot: dict[str, Any] | None
    profile: Profile | None
    phone: str | None
    items: list[tuple[int, dict[str, Any]]]
    # Kept by the page renderer: the item rows of this plan, rendered once.
    rendered: dict[Any, Any] = field(default_factory=dict)


class StepJson(dict[str, Any]):
    """A flow step as JSON (a plain dict to every reader and to orjson), shared by every
    answer that shows the step; ``rendered`` keeps its page row per language."""

    __slots__ = ("rendered",)

    def __init__(self, step: FlowStep) -> None:
        super().__init__(
            time=step.at.isoformat(),
            step=step.step,
            place=step.place,
            shipper=step.shipper,
            receiver=step.receiver,
        )
        self.rendered: dict[str, str] = {}


def _flow_json(step: FlowStep) -> StepJson:
    """A flow step as JSON; one shared dict per distinct step (answers only read it)."""
    found = _steps_json.get(step)
    if found is None:
        if len(_steps_json) >= 50_000:
            _steps_json.clear()
        found = _steps_json[step] = StepJson(step)
    return found


_steps_json: dict[FlowStep, StepJson] = {}


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]
