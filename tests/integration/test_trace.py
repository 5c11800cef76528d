"""Backward, forward and flow traces on a chain with known answers, on both databases
(QBT-5.2.6, QBT-5.2.7, QBT-10.2.4, QBT-10.2.5, QBT-T15.20, GEN-7, GEN-8, LZ-8)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from databases import fresh_postgres, fresh_sqlite
from suyuan.bootstrap import Runtime
from suyuan.config import Settings
from suyuan.domain.access import Actor, Role
from suyuan.queries.trace import TraceNotFound, trace_back, trace_flow, trace_forward
from suyuan.storage.bulk import in_list
from suyuan.storage.tables import lots
from trace_chains import (
    BASE,
    BLEND,
    BOTTLE,
    Chain,
    build_reference_chain,
    build_wide_chain,
    key,
    keys_of,
)

Trace = Callable[..., dict[str, Any]]


World = tuple[Runtime, Chain]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The reference chain of tests/trace_chains.py, built once per database: the tests
    that use it only read."""
    directory = tmp_path_factory.mktemp("trace")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = stack.enter_context(fresh_sqlite(sqlite_template, directory))
        else:
            url = stack.enter_context(fresh_postgres(request.getfixturevalue("postgres_template")))
        runtime = Runtime(Settings(database_url=url, key_dir=directory / "keys"))
        stack.callback(runtime.close)
        yield runtime, build_reference_chain(runtime)


def run(runtime: Runtime, query: Trace, text: str, actor: Actor | None = None) -> dict[str, Any]:
    """One trace in a read-only unit of work."""
    with runtime.uow(write=False) as uow:
        return query(uow.connection, actor or Actor.system(), text)


def lot_names(chain: Chain, lots: list[dict[str, Any]]) -> set[str]:
    """Names (S1, BD2 …) of the lots of a trace result."""
    by_key = {v: k for k, v in chain.lots.items()}
    return {by_key[lot["id"]] for lot in lots}


# --- backward ------------------------------------------------------------------------


def test_backward_from_a_bottle_reaches_every_raw_material_lot(world: World) -> None:
    """QBT-5.2.6, GEN-7: a bottle of P1 leads through blending, distillation and koji
    making to both sorghum lots and the wheat lot, each with its stage and inputs."""
    runtime, chain = world
    result = run(runtime, trace_back, chain.bottles[0])
    assert result["code"] == key(chain.bottles[0])
    assert result["batch"] == chain.lots["P1"]
    assert result["product"]["gtin"] == BOTTLE
    assert lot_names(chain, result["lots"]) == {"P1", "BD1", "BL1", "BL2", "S1", "S2", "K1", "W1"}
    by_id = {lot["id"]: lot for lot in result["lots"]}
    assert by_id[chain.lots["BD1"]]["inputs"] == [chain.lots["BL1"], chain.lots["BL2"]]
    assert by_id[chain.lots["BL2"]]["inputs"] == sorted(
        [chain.lots["S1"], chain.lots["S2"], chain.lots["K1"]]
    )
    stages = {lot["id"]: lot["stage"] for lot in result["lots"]}
    assert stages[chain.lots["S1"]] == "raw_material"
    assert stages[chain.lots["K1"]] == "koji_making"
    assert stages[chain.lots["BL1"]] == "distillation"
    assert stages[chain.lots["BD1"]] == "blending"
    assert stages[chain.lots["P1"]] == "production_batch"
    assert [r["type"] for r in by_id[chain.lots["P1"]]["records"]] == ["T6.3"]
    qc = {(q["lot"], q["type"]): q["data"] for q in result["qc"]}
    assert qc[(chain.lots["BD1"], "T5.2")]["methanol"] == {"value": "0.25", "unit": "g/L"}
    assert qc[(chain.lots["S1"], "T1.1")]["material_name"] == "红粱"


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(
            lambda gtin, serial: f"https://trace.example.cn/01/{gtin}/21/{serial}", id="dl"
        ),
        pytest.param(lambda gtin, serial: f"(01){gtin}(21){serial}", id="brackets"),
        pytest.param(lambda gtin, serial: f"/01/{gtin}/21/{serial}", id="path"),
    ],
)
def test_backward_accepts_any_printed_form_of_a_code(
    world: World, form: Callable[[str, str], str]
) -> None:
    """QBT-5.2.6: the same bottle found from a Digital Link, an element string or a key."""
    runtime, chain = world
    serial = key(chain.bottles[3]).rsplit("/", 1)[1]
    result = run(runtime, trace_back, form(BOTTLE, serial))
    assert result["code"] == key(chain.bottles[3])
    assert result["batch"] == chain.lots["P1"]


def test_backward_shows_the_packaging_chain_up_and_down(world: World) -> None:
    """QBT-10.2.5: a repacked bottle sits in its new case; the case lists its six bottles."""
    runtime, chain = world
    bottle = run(runtime, trace_back, chain.bottles[6])
    assert [(c["key"], c["level"]) for c in bottle["containers"]] == [(key(chain.cases["c4"]), 1)]
    case = run(runtime, trace_back, chain.cases["c4"])
    assert {c["key"] for c in case["contents"]} == {key(b) for b in chain.bottles[6:12]}
    assert case["batch"] == chain.lots["P1"]
    emptied = run(runtime, trace_back, chain.cases["c2"])
    assert emptied["contents"] == []


def test_a_pallet_traces_back_to_every_batch_on_it_and_forward_counts_once(
    runtime: Runtime,
) -> None:
    """QBT-10.2.5, QBT-10.2.4, QBT-5.2.7: pallet → cases → bottles and the lots of all of
    them; forward, the units in cases on the pallet roll up to one container."""
    chain = build_wide_chain(runtime, 4)
    result = run(runtime, trace_back, chain.pallet)
    levels = sorted(c["level"] for c in result["contents"])
    assert levels == [1] * 4 + [2] * 24
    assert {lot["id"] for lot in result["lots"] if lot["depth"] == 0} == {chain.lots["P"]}
    assert chain.lots["R0"] in keys_of(result["lots"])
    forward = run(runtime, trace_forward, chain.lots["R0"])
    assert forward["unit_count"] == 24
    (holder,) = forward["holders"]
    assert holder["holder"]["slug"] == "distributor"
    assert holder["container_count"] == 1
    assert holder["containers"][0]["key"] == key(chain.pallet)
    assert holder["containers"][0]["unit_count"] == 24


def test_backward_from_a_batch_lists_its_units_and_records(world: World) -> None:
    """QBT-5.2.6: a batch code returns the genealogy plus its unit codes."""
    runtime, chain = world
    result = run(runtime, trace_back, f"{BOTTLE}:P2")
    assert result["batch"] == chain.lots["P2"]
    assert result["unit_codes"] == {"count": 6, "codes": [key(b) for b in chain.bottles[12:]]}
    assert lot_names(chain, result["lots"]) == {"P2", "BD2", "BL2", "S1", "S2", "K1", "W1"}


def test_a_corrected_blend_is_left_out_of_genealogy_and_qc(world: World) -> None:
    """GEN-7: BD2 was first captured with BL1 as an input and another methanol result;
    after the error declaration neither the wrong input nor the wrong record counts."""
    runtime, chain = world
    result = run(runtime, trace_back, chain.bottles[12])
    assert "BL1" not in lot_names(chain, result["lots"])
    by_id = {lot["id"]: lot for lot in result["lots"]}
    assert by_id[chain.lots["BD2"]]["inputs"] == [chain.lots["BL2"]]
    methanol = [q["data"]["methanol"]["value"] for q in result["qc"] if q["type"] == "T5.2"]
    assert methanol == ["0.31"]
    forward = run(runtime, trace_forward, chain.lots["BL1"])
    assert lot_names(chain, forward["lots"]) == {"BL1", "BD1", "P1"}
    assert forward["unit_count"] == 12


def test_unknown_codes_and_batches_are_not_found(world: World) -> None:
    """QBT-5.2.6: a code that names nothing is an error, not an empty trace."""
    runtime, _ = world
    with pytest.raises(TraceNotFound):
        run(runtime, trace_back, f"{BOTTLE}:NO-SUCH-LOT")
    with pytest.raises(TraceNotFound):
        run(runtime, trace_forward, "NO-SUCH-LOT")
    with pytest.raises(TraceNotFound):
        run(runtime, trace_flow, f"(01){BOTTLE}(21)NOSUCH")


# --- forward -------------------------------------------------------------------------


def test_forward_groups_units_by_holder_and_counts_each_case_once(world: World) -> None:
    """QBT-5.2.7, LZ-8: S1 (split across two distillations) reaches all 18 bottles:
    the retained sample at the distillery, the distributor's two cases and the
    returned bottle, and the store's loose bottles."""
    runtime, chain = world
    result = run(runtime, trace_forward, f"{SORGHUM_LOT}")
    assert lot_names(chain, result["lots"]) == {"S1", "BL1", "BL2", "BD1", "BD2", "P1", "P2"}
    assert result["unit_count"] == 18
    holders = {h["holder"]["slug"]: h for h in result["holders"]}
    assert set(holders) == {"distillery", "distributor", "store"}
    assert holders["distillery"]["unit_count"] == 1
    assert holders["distillery"]["loose_units"] == 1
    distributor = holders["distributor"]
    assert distributor["unit_count"] == 12
    assert distributor["loose_units"] == 1
    assert distributor["container_count"] == 2
    assert {(c["key"], c["unit_count"]) for c in distributor["containers"]} == {
        (key(chain.cases["c3"]), 5),
        (key(chain.cases["c4"]), 6),
    }
    store = holders["store"]
    assert (store["unit_count"], store["loose_units"]) == (5, 5)
    assert store["by_status"] == {"received": 4, "sold": 1}


SORGHUM_LOT = "06901234000115:S1"


@pytest.mark.parametrize("limit", [0, 1, None])
def test_forward_lists_at_most_container_limit_containers_per_holder(
    world: World, limit: int | None
) -> None:
    """A recall of a million units sits in ~50,000 containers: the answer lists the first
    ``container_limit`` per holder by key and still counts them all."""
    runtime, chain = world
    with runtime.uow(write=False) as uow:
        result = trace_forward(uow.connection, Actor.system(), SORGHUM_LOT, container_limit=limit)
    assert result["container_limit"] == limit
    (distributor,) = [h for h in result["holders"] if h["holder"]["slug"] == "distributor"]
    assert distributor["container_count"] == 2
    first_two = sorted([key(chain.cases["c3"]), key(chain.cases["c4"])])
    listed = [c["key"] for c in distributor["containers"]]
    assert listed == first_two[: 2 if limit is None else limit]
    assert result["unit_count"] == 18


def test_a_list_far_beyond_65535_values_is_one_parameter(world: World) -> None:
    """Lot ids, keys and subjects go to the database as one parameter (an array, or JSON
    for json_each): PostgreSQL's limit of 65,535 parameters never applies."""
    runtime, chain = world
    ids = [*range(10_000_000, 10_070_000), -1]
    with runtime.uow(write=False) as uow:
        conn = uow.connection
        wanted = conn.execute(sa.select(lots.c.id).where(lots.c.key == chain.lots["S1"]))
        ids.append(wanted.scalar_one())
        statement = sa.select(lots.c.key).where(
            in_list(lots.c.id, "ids", conn.dialect.name, sa.BigInteger())
        )
        found = conn.execute(statement, {"ids": ids}).scalars().all()
    assert found == [chain.lots["S1"]]


def test_forward_status_follows_event_time_not_capture_order(world: World) -> None:
    """QBT-5.2.7: the pallet's receipt (captured first) is later than its shipment."""
    runtime, chain = world
    result = run(runtime, trace_forward, chain.lots["BD2"])
    holders = {h["holder"]["slug"]: h for h in result["holders"]}
    assert holders["distributor"]["by_status"] == {"received": 5}


# --- flow ----------------------------------------------------------------------------


def _steps(result: dict[str, Any]) -> list[tuple[str, str | None, str | None, list[str]]]:
    return [
        (
            s["step"],
            (s["shipper"] or {}).get("enterprise"),
            (s["receiver"] or {}).get("enterprise"),
            [d["number"] for d in s["documents"]],
        )
        for s in result["steps"]
    ]


def test_flow_of_a_bottle_shipped_in_a_pallet_then_sold_alone(world: World) -> None:
    """QBT-T15.20: time, place, shipper, receiver and documents, in event-time order,
    from the pallet's and the case's movements and the bottle's own sale; the receipt
    captured before the shipment still comes after it, and the corrected shipment to
    the wrong consignee is gone."""
    runtime, chain = world
    result = run(runtime, trace_flow, chain.bottles[0])
    assert _steps(result) == [
        ("shipping", "distillery", "distributor", ["FH-0001"]),
        ("receiving", "distillery", "distributor", ["SH-0001"]),
        ("shipping", "distributor", "store", ["FX-0002"]),
        ("receiving", "distributor", "store", ["SH-0002"]),
        ("retail_selling", None, None, []),
    ]
    times = [s["time"] for s in result["steps"]]
    assert times == sorted(times)
    assert [s["via"] for s in result["steps"]] == [key(chain.pallet)] * 2 + [
        key(chain.cases["c1"])
    ] * 2 + [key(chain.bottles[0])]
    assert result["status"] == "sold"
    assert result["holder"]["slug"] == "store"


def test_flow_of_a_returned_bottle_ends_back_at_the_distributor(world: World) -> None:
    """QBT-T15.20: a return is two more movements, store → distributor."""
    runtime, chain = world
    result = run(runtime, trace_flow, chain.bottles[1])
    assert _steps(result)[-2:] == [
        ("shipping", "store", "distributor", ["TH-0001"]),
        ("receiving", "store", "distributor", ["TH-0001"]),
    ]
    assert result["holder"]["slug"] == "distributor"
    assert result["status"] == "returned"


def test_flow_leaves_out_container_movements_while_the_unit_was_not_inside(world: World) -> None:
    """QBT-T15.20: the empty pallet's return trip is not the bottle's, and the sample
    taken out of its case before shipment never left the distillery."""
    runtime, chain = world
    repacked = run(runtime, trace_flow, chain.bottles[6])
    assert [n for _, _, _, n in _steps(repacked)] == [["FH-0001"], ["SH-0001"]]
    sample = run(runtime, trace_flow, chain.bottles[17])
    assert sample["steps"] == []
    assert sample["holder"]["slug"] == "distillery"


# --- GEN-8 ---------------------------------------------------------------------------


def test_forward_and_backward_are_exact_inverses(world: World) -> None:
    """GEN-8: lot M is downstream of lot L exactly when L is upstream of M, and a raw
    lot's forward unit count is the number of bottles whose backward trace reaches it."""
    runtime, chain = world
    lots = list(chain.lots.values())
    forward = {lot: keys_of(run(runtime, trace_forward, lot)["lots"]) for lot in lots}
    backward = {lot: keys_of(run(runtime, trace_back, lot)["lots"]) for lot in lots}
    for upstream in lots:
        for downstream in lots:
            assert (downstream in forward[upstream]) == (upstream in backward[downstream])
    bottles_back = [keys_of(run(runtime, trace_back, b)["lots"]) for b in chain.bottles]
    for lot in lots:
        reached = sum(lot in found for found in bottles_back)
        assert run(runtime, trace_forward, lot)["unit_count"] == reached


# --- tenant scope --------------------------------------------------------------------


def test_others_see_only_public_fields_of_a_records_and_the_regulator_all(world: World) -> None:
    """QBT-8.1: the distributor sees the bottling record's public fields (date, batch),
    not the workshop; the distillery and a regulator see it in full."""
    runtime, chain = world
    parties = chain.parties
    own = Actor("a", frozenset({Role.ADMIN}), enterprise_id=parties.distillery.id)
    other = Actor("b", frozenset({Role.ADMIN}), enterprise_id=parties.distributor.id)
    regulator = Actor("r", frozenset({Role.REGULATOR}))

    def bottling(actor: Actor) -> dict[str, Any]:
        result = run(runtime, trace_back, chain.bottles[0], actor)
        (lot,) = [lot for lot in result["lots"] if lot["id"] == chain.lots["P1"]]
        record: dict[str, Any] = lot["records"][0]
        return record

    seen = bottling(other)
    assert seen["internal"] is False
    assert seen["data"] == {"production_date": "2026-03-05", "production_batch": "P1"}
    for actor in (own, regulator):
        full = bottling(actor)
        assert full["internal"] is True
        assert full["data"]["workshop"] == "灌装车间"


# --- query counts --------------------------------------------------------------------

# Committed baselines (NetBox-style): a change that adds a query per lot or per unit
# fails here. Update deliberately, with the reason in the commit.
# back: packaging up and down with holders and product in one statement, genealogy with
# each lot's inputs in one, records (a batch: + code probe, lot lookup, its unit codes);
# forward: lot, descendant lots, one roll-up by holder/status/outermost container;
# flow: unit, one statement for containers reached + packing history + movements, names.
# On PostgreSQL each trace first turns JIT off (and, for a forward trace, raises work_mem)
# for its transaction: one statement more.
BASELINES = {"back_bottle": 3, "back_batch": 5, "back_pallet": 3, "forward": 3, "flow": 3}


@pytest.mark.parametrize("width", [1, 10])
def test_trace_query_counts_do_not_grow_with_the_chain(runtime: Runtime, width: int) -> None:
    """GEN-8: each trace runs a fixed number of statements (no N+1), for a chain of one
    raw lot, one case and six bottles as for ten of each."""
    chain = build_wide_chain(runtime, width)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    cases: dict[str, tuple[Trace, str]] = {
        "back_bottle": (trace_back, chain.bottles[-1]),
        "back_batch": (trace_back, f"{BOTTLE}:P"),
        "back_pallet": (trace_back, chain.pallet),
        "forward": (trace_forward, chain.lots["R0"]),
        "flow": (trace_flow, chain.bottles[-1]),
    }
    counts = {}
    expected = dict(BASELINES)
    for name, (query, text) in cases.items():
        with runtime.uow(write=False) as uow:
            statements.clear()
            sa.event.listen(uow.connection, "before_cursor_execute", count)
            query(uow.connection, Actor.system(), text)
            sa.event.remove(uow.connection, "before_cursor_execute", count)
            counts[name] = len(statements)
            if name == "forward" and uow.connection.dialect.name == "postgresql":
                expected[name] += 1  # work_mem for the recall scope's aggregate
    assert counts == expected


# --- both databases --------------------------------------------------------------------


@pytest.fixture
def two_runtimes(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[list[Runtime]]:
    """A fresh SQLite and a fresh PostgreSQL database, one key directory each."""
    template: str = request.getfixturevalue("postgres_template")
    with fresh_sqlite(sqlite_template, tmp_path) as lite, fresh_postgres(template) as pg:
        runtimes = [
            Runtime(Settings(database_url=url, key_dir=tmp_path / f"keys{n}"))
            for n, url in enumerate((lite, pg))
        ]
        yield runtimes
        for rt in runtimes:
            rt.close()


def _traces(runtime: Runtime, chain: Chain) -> str:
    found = {
        "back": [run(runtime, trace_back, b) for b in (*chain.bottles, chain.cases["c4"])],
        "batch": run(runtime, trace_back, f"{BOTTLE}:P1"),
        "forward": [run(runtime, trace_forward, lot) for lot in chain.lots.values()],
        "flow": [run(runtime, trace_flow, b) for b in chain.bottles],
    }
    return json.dumps(found, sort_keys=True, ensure_ascii=False, default=str)


@pytest.mark.postgres
def test_traces_are_identical_on_sqlite_and_postgresql(two_runtimes: list[Runtime]) -> None:
    """GEN-8: the same chain gives the same trace JSON on both databases."""
    lite, pg = (_traces(rt, build_reference_chain(rt)) for rt in two_runtimes)
    assert json.loads(lite)["back"][0]["lots"]
    assert lite == pg


def test_lot_stage_names_cover_every_stage_of_the_chain(world: World) -> None:
    """GEN-7: every lot of the chain carries its stage (raw material → production batch)."""
    runtime, chain = world
    result = run(runtime, trace_back, chain.bottles[0])
    assert {lot["stage"] for lot in result["lots"]} == {
        "raw_material",
        "koji_making",
        "distillation",
        "blending",
        "production_batch",
    }
    assert {lot["gtin"] for lot in result["lots"]} >= {BASE, BLEND, BOTTLE}
