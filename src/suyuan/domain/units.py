"""The current state of units, containers and lots, and how each event changes it (pure).

The event store keeps these states as projections, updated in the same transaction as
the events, so that reads never replay history. This module holds the rules:

- a unit sits in at most one container at a time;
- a destroyed, decommissioned or voided unit takes no new events;
- an aggregation names only known children — for the capturing enterprise's own
  products (GTINs it filed); partners' and unknown products are accepted as given;
- an own unit is commissioned once.

A rule broken raises :class:`ProjectionRuleBroken` *before* any state is changed, so a
rejected event leaves no trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from suyuan.domain.events import EventIndex, identifier_key
from suyuan.errors import InvalidInput


class UnitStatus(StrEnum):
    """Lifecycle status of a coded unit or container; stored values never change."""

    ISSUED = "issued"
    COMMISSIONED = "commissioned"
    PACKED = "packed"
    IN_STOCK = "in_stock"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    SOLD = "sold"
    CONSUMED = "consumed"
    RETURNED = "returned"
    RECALLED = "recalled"
    DAMAGED = "damaged"
    EXPIRED = "expired"
    DESTROYED = "destroyed"
    DECOMMISSIONED = "decommissioned"
    VOIDED = "voided"
    OBSERVED = "observed"


TERMINAL = frozenset({UnitStatus.DESTROYED, UnitStatus.DECOMMISSIONED, UnitStatus.VOIDED})

_BY_DISPOSITION = {
    "in_transit": UnitStatus.IN_TRANSIT,
    "retail_sold": UnitStatus.SOLD,
    "dispensed": UnitStatus.SOLD,
    "destroyed": UnitStatus.DESTROYED,
    "disposed": UnitStatus.DESTROYED,
    "recalled": UnitStatus.RECALLED,
    "returned": UnitStatus.RETURNED,
    "damaged": UnitStatus.DAMAGED,
    "expired": UnitStatus.EXPIRED,
}
_BY_BIZ_STEP = {
    "commissioning": UnitStatus.COMMISSIONED,
    "packing": UnitStatus.PACKED,
    "storing": UnitStatus.IN_STOCK,
    "stocking": UnitStatus.IN_STOCK,
    "shipping": UnitStatus.IN_TRANSIT,
    "departing": UnitStatus.IN_TRANSIT,
    "receiving": UnitStatus.RECEIVED,
    "accepting": UnitStatus.RECEIVED,
    "arriving": UnitStatus.RECEIVED,
    "retail_selling": UnitStatus.SOLD,
    "destroying": UnitStatus.DESTROYED,
    "decommissioning": UnitStatus.DECOMMISSIONED,
    "recalling": UnitStatus.RECALLED,
}
_TAKES_CUSTODY = frozenset({"commissioning", "receiving", "accepting", "arriving", "storing"})


class ProjectionRuleBroken(InvalidInput):
    """An event contradicts the current state of the units it names."""

    code = "state_rule_broken"

    def __init__(self, message: str, *, rule: str, identifier: str) -> None:
        super().__init__(message, detail={"rule": rule, "identifier": identifier})
        self.rule = rule
        self.identifier = identifier


def key_kind(key: str) -> str:
    """``unit`` (GTIN + serial), ``container`` (SSCC), ``lot`` (GTIN + lot) or ``other``."""
    if key.startswith("/01/"):
        return "unit" if "/21/" in key else ("lot" if "/10/" in key else "other")
    if key.startswith("/00/"):
        return "container"
    return "other"


def gtin_of(key: str) -> str | None:
    """The GTIN-14 inside a unit or lot key."""
    return key[4:18] if key.startswith("/01/") else None


@dataclass(slots=True)
class UnitState:
    """Projection row of one unit or container."""

    key: str
    tenant_id: int
    status: str
    kind: str = "unit"
    disposition: str | None = None
    parent: str | None = None
    lot: str | None = None
    holder: int | None = None
    location: str | None = None
    last_event: int | None = None
    state_time: datetime | None = None
    """eventTime of the event the current state comes from (late events don't undo it)."""
    row_id: int | None = None
    is_new: bool = False
    dirty: bool = False
    stored_parent: str | None = None
    """The container as stored (what ``parent`` was loaded as or last saved as)."""


@dataclass(slots=True)
class LotState:
    """Projection row of one lot (batch)."""

    key: str
    tenant_id: int
    stage: str | None
    status: str = "active"
    row_id: int | None = None
    is_new: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Projection:
    """States loaded for one batch of events, and what the batch changed.

    ``units`` maps key → state for every identifier the batch names (loaded, or
    created by the batch); ``children`` maps a container key → its children's keys.
    """

    tenant_id: int
    own_gtins: frozenset[str]
    units: dict[str, UnitState] = field(default_factory=dict)
    lots: dict[str, LotState] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    edges: list[tuple[str, str, int]] = field(default_factory=list)
    refuse_holds_of: frozenset[int] = frozenset()
    """Tenants whose held lots partners may not ship or sell either (their setting)."""

    def is_own(self, key: str) -> bool:
        """True when ``key`` is a unit of a product the capturing enterprise filed."""
        gtin = gtin_of(key)
        return gtin is not None and gtin in self.own_gtins

    def descendants(self, key: str) -> Iterator[str]:
        """Every unit inside container ``key``, depth first."""
        stack = list(self.children.get(key, ()))
        while stack:
            child = stack.pop()
            yield child
            stack.extend(self.children.get(child, ()))

    def apply(self, index: EventIndex, event: dict[str, Any], event_pk: int) -> None:
        """Check the rules for one event, then change the states it touches."""
        _check(self, index, event)
        _change(self, index, event, event_pk)


def _new_status(index: EventIndex) -> UnitStatus | None:
    if index.action == "DELETE" and index.event_type == "ObjectEvent":
        if index.biz_step == "destroying" or index.disposition in ("destroyed", "disposed"):
            return UnitStatus.DESTROYED
        return UnitStatus.DECOMMISSIONED
    if index.disposition in _BY_DISPOSITION:
        return _BY_DISPOSITION[index.disposition]
    if index.biz_step in _BY_BIZ_STEP:
        return _BY_BIZ_STEP[index.biz_step]
    if index.action == "ADD" and index.event_type == "ObjectEvent":
        return UnitStatus.COMMISSIONED
    return None


def _keys(event: dict[str, Any], *fields: str) -> list[str]:
    return [identifier_key(epc) for name in fields for epc in event.get(name) or ()]


def _check(projection: Projection, index: EventIndex, event: dict[str, Any]) -> None:
    """Raise before anything changes if ``event`` breaks a rule."""
    named = _keys(event, "epcList", "childEPCs", "inputEPCList")
    if event.get("parentID"):
        named.append(identifier_key(event["parentID"]))
    for key in named:
        state = projection.units.get(key)
        if state is not None and state.status in TERMINAL:
            raise ProjectionRuleBroken(
                f"{key} is {state.status} and takes no new events",
                rule="terminal",
                identifier=key,
            )
    is_commissioning = index.event_type == "ObjectEvent" and index.action == "ADD"
    if is_commissioning:
        for key in _keys(event, "epcList"):
            state = projection.units.get(key)
            if state is not None and projection.is_own(key) and state.status != UnitStatus.ISSUED:
                raise ProjectionRuleBroken(
                    f"{key} is already commissioned (status {state.status})",
                    rule="commissioned_twice",
                    identifier=key,
                )
    if index.event_type == "AggregationEvent" and index.action == "ADD":
        _check_aggregation(projection, event)
    if index.biz_step in OUTGOING_STEPS:
        _check_holds(projection, index, [*named, *_keys(event, "epcList")])


OUTGOING_STEPS = frozenset(
    {"shipping", "departing", "loading", "staging_outbound", "retail_selling", "dispensing"}
)


def _check_holds(projection: Projection, index: EventIndex, named: list[str]) -> None:
    """Units of a lot on QC hold may not leave: own data is refused. Partners' captures are
    accepted (their goods, their records) and alerted by services.alert_checks."""
    for key in dict.fromkeys(named):
        for unit_key in (key, *projection.descendants(key)):
            state = projection.units.get(unit_key)
            lot = projection.lots.get(state.lot) if state is not None and state.lot else None
            if lot is None or lot.status != "hold":
                continue
            if projection.is_own(unit_key) or lot.tenant_id in projection.refuse_holds_of:
                action = (index.biz_step or "moved").replace("_", " ")
                raise ProjectionRuleBroken(
                    f"{unit_key} belongs to lot {lot.key}, which is on QC hold: it may "
                    f"not be used for {action} until a QC user releases the hold",
                    rule="on_hold",
                    identifier=unit_key,
                )


def _check_aggregation(projection: Projection, event: dict[str, Any]) -> None:
    parent = identifier_key(event["parentID"]) if event.get("parentID") else None
    for key in _keys(event, "childEPCs"):
        state = projection.units.get(key)
        if state is None:
            if projection.is_own(key):
                raise ProjectionRuleBroken(
                    f"aggregation names unknown child {key} (never commissioned)",
                    rule="unknown_child",
                    identifier=key,
                )
            continue
        if state.parent is not None and state.parent != parent:
            raise ProjectionRuleBroken(
                f"{key} is already in container {state.parent}; unpack it first",
                rule="one_container",
                identifier=key,
            )


def _change(projection: Projection, index: EventIndex, event: dict[str, Any], pk: int) -> None:
    if index.event_type == "AggregationEvent":
        _aggregate(projection, index, event, pk)
    elif index.event_type == "TransformationEvent":
        _transform(projection, index, event, pk)
    else:
        _observe(projection, index, event, pk, _keys(event, "epcList"))
        if index.event_type == "ObjectEvent" and index.action == "ADD":
            _lots_from_quantities(projection, index, event, "quantityList")


def _state(projection: Projection, key: str, status: UnitStatus) -> UnitState:
    state = projection.units.get(key)
    if state is None:
        state = UnitState(
            key=key,
            tenant_id=projection.tenant_id,
            status=status,
            kind=key_kind(key),
            is_new=True,
            dirty=True,
        )
        projection.units[key] = state
    return state


def _touch(
    state: UnitState, index: EventIndex, status: UnitStatus | None, pk: int, tenant_id: int
) -> None:
    if state.state_time is not None and index.event_time < state.state_time:
        return  # captured late: history only, the current state is newer
    state.state_time = index.event_time
    if status is not None:
        state.status = status
    if index.disposition is not None:
        state.disposition = index.disposition
    if index.biz_location is not None:
        state.location = index.biz_location
    if index.biz_step in _TAKES_CUSTODY or state.holder is None:
        state.holder = tenant_id
    state.last_event = pk
    state.dirty = True


def _observe(
    projection: Projection, index: EventIndex, event: dict[str, Any], pk: int, keys: Iterable[str]
) -> None:
    status = _new_status(index)
    lot_key = _ilmd_lot(event)
    for key in keys:
        state = _state(projection, key, status or UnitStatus.OBSERVED)
        _touch(state, index, status, pk, projection.tenant_id)
        if lot_key and key_kind(key) == "unit":
            state.lot = _ensure_lot(projection, f"/01/{gtin_of(key)}/10/{lot_key}", index)
        if state.status in TERMINAL and state.parent is not None:
            _detach(projection, state)
        if key in projection.children:
            for child in list(projection.descendants(key)):
                _touch(projection.units[child], index, status, pk, projection.tenant_id)


def _aggregate(projection: Projection, index: EventIndex, event: dict[str, Any], pk: int) -> None:
    parent_key = identifier_key(event["parentID"]) if event.get("parentID") else None
    children = _keys(event, "childEPCs")
    if parent_key is not None:
        status = UnitStatus.PACKED if index.action == "ADD" else _new_status(index)
        parent = _state(projection, parent_key, status or UnitStatus.PACKED)
        _touch(
            parent,
            index,
            status if parent.is_new or index.action != "ADD" else None,
            pk,
            projection.tenant_id,
        )
    if index.action == "DELETE":
        targets = children or list(projection.children.get(parent_key or "", ()))
        for key in targets:
            state = projection.units.get(key)
            if state is not None and (parent_key is None or state.parent == parent_key):
                _detach(projection, state)
                state.last_event = pk
        return
    for key in children:
        state = _state(projection, key, UnitStatus.PACKED)
        if index.action == "ADD" and parent_key is not None:
            if state.parent != parent_key:
                if state.parent is not None:
                    _detach(projection, state)
                state.parent = parent_key
                projection.children.setdefault(parent_key, set()).add(key)
            if state.status in (UnitStatus.COMMISSIONED, UnitStatus.OBSERVED, UnitStatus.IN_STOCK):
                state.status = UnitStatus.PACKED
        _touch(state, index, None, pk, projection.tenant_id)


def _detach(projection: Projection, state: UnitState) -> None:
    if state.parent is not None:
        projection.children.get(state.parent, set()).discard(state.key)
    state.parent = None
    state.dirty = True


def _transform(projection: Projection, index: EventIndex, event: dict[str, Any], pk: int) -> None:
    inputs = _keys(event, "inputEPCList")
    input_lots = {projection.units[k].lot for k in inputs if k in projection.units}
    input_lots |= set(_lots_from_quantities(projection, index, event, "inputQuantityList"))
    for key in inputs:
        state = _state(projection, key, UnitStatus.CONSUMED)
        _touch(state, index, UnitStatus.CONSUMED, pk, projection.tenant_id)
    outputs = _keys(event, "outputEPCList")
    _observe(projection, index, event, pk, outputs)
    output_lots = {projection.units[k].lot for k in outputs}
    output_lots |= set(_lots_from_quantities(projection, index, event, "outputQuantityList"))
    for source in sorted(lot for lot in input_lots if lot):
        for target in sorted(lot for lot in output_lots if lot):
            if source != target:
                projection.edges.append((source, target, pk))


def _lots_from_quantities(
    projection: Projection, index: EventIndex, event: dict[str, Any], field_name: str
) -> list[str]:
    keys = []
    for quantity in event.get(field_name) or ():
        epc_class = quantity.get("epcClass")
        if epc_class:
            key = identifier_key(epc_class)
            if key_kind(key) == "lot" or not key.startswith("/01/"):
                keys.append(_ensure_lot(projection, key, index, quantity))
    return keys


def _ensure_lot(
    projection: Projection, key: str, index: EventIndex, quantity: dict[str, Any] | None = None
) -> str:
    lot = projection.lots.get(key)
    if lot is None:
        lot = LotState(key=key, tenant_id=projection.tenant_id, stage=index.biz_step, is_new=True)
        if quantity is not None:
            lot.attributes = {k: quantity[k] for k in ("quantity", "uom") if k in quantity}
        projection.lots[key] = lot
    return key


def _ilmd_lot(event: dict[str, Any]) -> str | None:
    ilmd = event.get("ilmd")
    if not isinstance(ilmd, dict):
        return None
    for name, value in ilmd.items():
        if name == "lotNumber" or name.endswith(":lotNumber"):
            return str(value)
    return None
