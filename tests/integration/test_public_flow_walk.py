"""The public flow of a unit (QBT-T15.20) read from a hand-made projection on both databases:
the movements of the unit and of every container above it, each container's only while the
unit was inside it (a bottle repacked from one case into another), in time order; the same
whether read alone (:meth:`PublicReader.flow`), with the unit (:meth:`PublicReader.flow_of`)
or with the unit read on an event loop.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from public_world import world_database
from suyuan.queries.public_view import Database, PublicReader
from suyuan.storage.engine import make_engine
from suyuan.storage.public_tables import public_flow, public_packing, public_units

BOTTLE = "/01/06901234567892/21/ABCDEFGHJKLMNPQRS"
CASE_A = "/00/069012340000000016"
CASE_B = "/00/069012340000000023"
PALLET = "/00/169012340000000006"
TOP = "/00/169012340000000013"


def _at(hour: int) -> datetime:
    return datetime(2026, 4, 7, hour, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database holding the hand-made projection."""
    with world_database(request.param, tmp_path) as database_url:
        engine = make_engine(database_url)
        with engine.begin() as conn:
            conn.execute(
                public_units.insert(),
                [
                    {
                        "key": key,
                        "tenant_id": 1,
                        "gtin": None,
                        "kind": kind,
                        "lot_key": None,
                        "state": "active",
                        "trace_code": None,
                        "published_at": _at(0),
                    }
                    for key, kind in (
                        (BOTTLE, "unit"),
                        (CASE_A, "case"),
                        (CASE_B, "case"),
                        (PALLET, "pallet"),
                        (TOP, "pallet"),
                    )
                ],
            )
            conn.execute(
                public_packing.insert(),
                [
                    {"child": BOTTLE, "parent": CASE_A, "from_at": _at(1), "to_at": _at(5)},
                    {"child": BOTTLE, "parent": CASE_B, "from_at": _at(5), "to_at": None},
                    {"child": CASE_A, "parent": PALLET, "from_at": _at(2), "to_at": None},
                    {"child": PALLET, "parent": TOP, "from_at": _at(3), "to_at": _at(4)},
                ],
            )
            moves = [
                (CASE_A, 0, "shipping", "outside: before the bottle was packed"),
                (CASE_A, 2, "shipping", "case A"),
                (PALLET, 3, "shipping", "pallet"),
                (TOP, 3, "receiving", "top pallet"),
                (TOP, 4, "shipping", "outside: the pallet had left the top pallet"),
                (PALLET, 6, "receiving", "outside: the bottle had left case A"),
                (CASE_B, 7, "shipping", "case B"),
                (BOTTLE, 8, "retail_selling", "bottle"),
            ]
            conn.execute(
                public_flow.insert(),
                [
                    {
                        "key": key,
                        "at": _at(hour),
                        "step": step,
                        "place": place,
                        "shipper": None,
                        "receiver": None,
                        "source_event": n,
                    }
                    for n, (key, hour, step, place) in enumerate(moves, start=1)
                ],
            )
        engine.dispose()
        yield database_url


def test_the_flow_follows_the_bottle_through_both_cases_and_the_pallets(url: str) -> None:
    reader = PublicReader(Database(url))
    try:
        steps = reader.flow(BOTTLE)
        assert [(s.at.hour, s.place) for s in steps] == [
            (2, "case A"),
            (3, "pallet"),
            (3, "top pallet"),
            (7, "case B"),
            (8, "bottle"),
        ]
        unit, _ = reader.unit_and_counts(BOTTLE)
        assert unit is not None
        assert reader.flow_of(unit) == steps
        alone = reader.unit(BOTTLE)
        assert alone is not None
        assert reader.flow_of(alone) == steps
        assert [s.place for s in reader.flow(CASE_A)] == [
            "outside: before the bottle was packed",
            "case A",
            "pallet",
            "top pallet",
            "outside: the bottle had left case A",
        ]
        assert reader.flow("/00/069012340000000030") == []
    finally:
        reader.db.close()


def test_the_walk_stops_at_six_levels(url: str) -> None:
    """A packing chain deeper than MAX_LEVELS shows the movements of six containers up."""
    engine = make_engine(url)
    chain = [f"/00/0690123400001{n:04d}" for n in range(8)]
    with engine.begin() as conn:
        conn.execute(
            public_packing.insert(),
            [
                {"child": child, "parent": parent, "from_at": _at(1), "to_at": None}
                for child, parent in itertools.pairwise(chain)
            ],
        )
        conn.execute(
            public_flow.insert(),
            [
                {
                    "key": key,
                    "at": _at(2),
                    "step": "shipping",
                    "place": str(n),
                    "shipper": None,
                    "receiver": None,
                    "source_event": 100 + n,
                }
                for n, key in enumerate(chain)
            ],
        )
        conn.execute(
            public_units.insert(),
            {
                "key": chain[0],
                "tenant_id": 1,
                "gtin": None,
                "kind": "case",
                "lot_key": None,
                "state": "active",
                "trace_code": None,
                "published_at": _at(0),
            },
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(public_flow)).scalar() == 16
    engine.dispose()
    reader = PublicReader(Database(url))
    try:
        steps = reader.flow(chain[0])
        assert sorted(s.place for s in steps) == [str(n) for n in range(7)]
        unit = reader.unit(chain[0])
        assert unit is not None
        assert reader.flow_of(unit) == steps
    finally:
        reader.db.close()


def test_reads_awaited_on_the_event_loop_give_the_same_units(url: str) -> None:
    """The awaited read (PostgreSQL: a few connections, each one query at a time; SQLite:
    the plain read) gives what the plain read gives, also with more queries at once than
    connections and after a failed query."""
    reader = PublicReader(Database(url))
    keys = [BOTTLE, CASE_A, CASE_B, PALLET, TOP, "/00/069012340000000030"] * 3

    async def main() -> list[Any]:
        answers = await asyncio.gather(*(reader.unit_and_counts_async(key) for key in keys))
        if reader.reads_async:
            assert reader._async is not None
            with pytest.raises(psycopg.errors.DivisionByZero):
                await reader._async.fetch("SELECT 1 / 0", {})
        answers += await asyncio.gather(*(reader.unit_and_counts_async(key) for key in keys))
        await reader.close_async()
        return answers

    try:
        answers = asyncio.run(main())
        expected = [reader.unit_and_counts(key) for key in keys] * 2
        assert answers == expected
        assert [reader.flow_of(unit) for unit, _ in answers if unit is not None] == [
            reader.flow_of(unit) for unit, _ in expected if unit is not None
        ]
    finally:
        reader.db.close()
