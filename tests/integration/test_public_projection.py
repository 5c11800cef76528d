"""The public projection on both databases (QBT-9(a), QBT-4.6, QBT-11.4(g), QBT-T15.1-20).

Publishing gives exactly the 20 items of Table 15 and nothing internal; the public side's
own credentials (a PostgreSQL role, a read-only SQLite file) reach nothing else.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from public_world import World, world_copy
from suyuan.domain.profiles import get_profile
from suyuan.errors import SuyuanError
from suyuan.queries.public_view import Database, PublicReader
from suyuan.storage.engine import make_engine
from suyuan.storage.public_access import export_public, grant_public_role
from suyuan.storage.public_tables import PUBLISHED_TABLES

TABLE_15 = [f"T15.{n}" for n in range(1, 21)]
# Values that exist in the internal records of the world and must never be published.
INTERNAL_VALUES = (
    "刘洋",  # receiving staff, operator
    "张建国班组",  # production team
    "店员",  # store clerk
    "yibin-distillery",  # enterprise slugs (internal ids)
    "dist-chengdu",
    "urn:suyuan:party:",
    "FH000001",  # dispatch note number
    "DD000001",  # order number
    "0.92",  # laboratory result of the failed batch
    "陶坛",  # storage container
    "holder",
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The tiny world, built once per database kind."""
    directory = tmp_path_factory.mktemp("world")
    with world_copy(request.param, directory) as copy:
        yield copy


@pytest.fixture(scope="module", params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def postgres_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The tiny world on PostgreSQL only (database roles exist there alone)."""
    directory = tmp_path_factory.mktemp("pgworld")
    with world_copy(request.param, directory) as copy:
        yield copy


def _published_rows(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [
                dict(row._mapping) | {"_table": table.name}
                for table in PUBLISHED_TABLES
                for row in conn.execute(sa.select(table))
            ]
    finally:
        engine.dispose()


def test_every_published_unit_has_exactly_the_twenty_items_of_table_15(world: World) -> None:
    reader = PublicReader(Database(world.settings.database_url))
    profile = get_profile("baijiu")
    assert [item.id for item in profile.public_items] == TABLE_15
    unit = reader.unit(world.codes["sold"])
    assert unit is not None
    assert unit.gtin is not None
    assert unit.lot_key is not None
    product = reader.product(unit.gtin)
    lot = reader.lot(unit.lot_key)
    assert product is not None
    assert lot is not None
    unit_items = {"T15.12", "T15.20"}
    assert set(product["items"]) | set(lot["items"]) | unit_items == set(TABLE_15)
    assert not set(product["items"]) & set(lot["items"])
    assert unit.trace_code == "88.118.8/" + world.codes["sold"][4:18] + world.codes["sold"][22:]
    assert lot["items"]["T15.17"] == "合格"
    failed = reader.unit(world.codes["failed_qc"])
    assert failed is not None
    assert failed.lot_key is not None
    failed_lot = reader.lot(failed.lot_key)
    assert failed_lot is not None
    assert failed_lot["items"]["T15.17"] == "不合格"
    reader.db.close()


def test_category_items_are_identical_for_all_units_of_one_gtin(world: World) -> None:
    reader = PublicReader(Database(world.settings.database_url))
    gtins = {
        unit.gtin
        for code in ("genuine", "sold", "failed_qc")
        if (unit := reader.unit(world.codes[code])) is not None
    }
    assert len(gtins) == 1
    reader.db.close()


def test_the_flow_is_business_to_business_with_names_not_ids(world: World) -> None:
    reader = PublicReader(Database(world.settings.database_url))
    steps = reader.flow(world.codes["sold"])
    assert [s.step for s in steps][:2] == ["shipping", "receiving"]
    assert steps[-1].step == "retail_selling"
    assert steps[0].shipper == "宜宾某某酒业有限公司"
    assert all(s.at == sorted(x.at for x in steps)[i] for i, s in enumerate(steps))
    reader.db.close()


def test_recall_voiding_and_sale_reach_the_public_state(world: World) -> None:
    reader = PublicReader(Database(world.settings.database_url))
    states = {
        name: unit.state if (unit := reader.unit(world.codes[name])) else None
        for name in ("genuine", "sold", "recalled", "voided", "case")
    }
    assert states == {
        "genuine": "active",
        "sold": "sold",
        "recalled": "recalled",
        "voided": "voided",
        "case": "active",
    }
    reader.db.close()


def test_no_internal_value_is_published(world: World) -> None:
    text = repr(_published_rows(world.settings.database_url))
    for value in INTERNAL_VALUES:
        assert value not in text, value


def test_the_public_role_reads_public_tables_and_nothing_else(postgres_world: World) -> None:
    """QBT-11.4(g): the public role reads the published tables and nothing internal."""
    url = postgres_world.settings.database_url
    role = f"suyuan_public_{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    grant_public_role(engine, role, "public-secret")
    public_url = make_url(url).set(username=role, password="public-secret")
    public = make_engine(public_url.render_as_string(hide_password=False))
    try:
        with public.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM public_units")).scalar_one() > 0
            for table in ("events", "users", "api_tokens", "records", "units", "products"):
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    conn.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1"))
                conn.rollback()
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text("DELETE FROM public_units"))
            conn.rollback()
    finally:
        public.dispose()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        engine.dispose()


def test_the_public_role_needs_postgresql(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(SuyuanError, match="PostgreSQL only"):
        grant_public_role(engine, "suyuan_public", None)
    engine.dispose()


def test_the_exported_public_file_holds_no_internal_table_and_is_read_only(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "public.db"
    engine = make_engine(world.settings.database_url)
    counts = export_public(engine, f"sqlite:///{target}")
    engine.dispose()
    assert counts["public_units"] > 1000
    db = Database(f"sqlite:///{target}", read_only=True)
    names = {row[0] for row in db.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {t.name for t in PUBLISHED_TABLES}
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        db.fetch("SELECT * FROM events")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.run("DELETE FROM public_units", [()])
    reader = PublicReader(db)
    assert reader.unit(world.codes["recalled"]) is not None
    db.close()


def _public_snapshot(runtime: Any) -> dict[str, set[tuple[Any, ...]]]:
    from suyuan.storage.public_tables import public_flow, public_packing, public_units

    with runtime.uow(write=False) as uow:
        conn = uow.connection
        return {
            "units": set(
                conn.execute(
                    sa.select(
                        public_units.c.key,
                        public_units.c.tenant_id,
                        public_units.c.gtin,
                        public_units.c.kind,
                        public_units.c.lot_key,
                        public_units.c.state,
                        public_units.c.trace_code,
                    )
                ).all()
            ),
            "packing": set(
                conn.execute(
                    sa.select(
                        public_packing.c.child,
                        public_packing.c.parent,
                        public_packing.c.from_at,
                        public_packing.c.to_at,
                    )
                ).all()
            ),
            "flow": set(
                conn.execute(
                    sa.select(
                        public_flow.c.key,
                        public_flow.c.at,
                        public_flow.c.step,
                        public_flow.c.place,
                        public_flow.c.shipper,
                        public_flow.c.receiver,
                    )
                ).all()
            ),
        }


def test_capture_publishes_what_a_full_rebuild_publishes(runtime: Any) -> None:
    """QBT-9(a), QBT-T15.20: publishing as each capture goes (only the units its projection
    changed) leaves the same public units, packing and flow as ``suyuan publish`` rebuilding
    everything — on the reference chain with unpack and repack, a pallet shipped whole then
    unpacked, a unit sold alone, a return, a receipt captured before its shipment and
    corrected events."""
    from suyuan.services.publishing import publish_all
    from trace_chains import build_reference_chain

    chain = build_reference_chain(runtime)
    incremental = _public_snapshot(runtime)
    assert len(incremental["units"]) >= len(chain.bottles)
    assert incremental["flow"]
    assert incremental["packing"]
    with runtime.uow() as uow:
        publish_all(uow.connection)
        uow.commit()
    rebuilt = _public_snapshot(runtime)
    for name in ("units", "packing", "flow"):
        assert incremental[name] == rebuilt[name], name


def test_a_container_whose_contents_change_is_republished(runtime: Any) -> None:
    """QBT-9(a), QBT-T15.5: a case's public batch is that of its contents, so it is
    republished when a bottle leaves it by an unpack captured late (older than the case's
    own state) or by being destroyed — events that change the case's contents without
    changing the case — and matches what a full rebuild publishes."""
    from event_documents import bottle, commission, document, event, pack, sscc, sscc_key
    from factories import make_enterprise, make_product
    from suyuan.domain.access import Actor
    from suyuan.services.capture import capture_document
    from suyuan.services.publishing import publish_all
    from suyuan.storage.public_tables import public_units

    tenant = make_enterprise(runtime)
    make_product(runtime, tenant)
    day = "2026-01-0{}T08:00:00+08:00".format
    documents = [
        document(
            commission(1, 4, lot="L1", time=day(5)),
            commission(3, 5, lot="L2", time=day(5)),
            pack(sscc(1), [bottle(1), bottle(3)], time=day(5)),
            pack(sscc(2), [bottle(4), bottle(5)], time=day(5)),
        ),
        document(event(epcList=[sscc(1)], biz_step="storing", time=day(7))),
        document(
            event(
                "AggregationEvent",
                action="DELETE",
                biz_step="unpacking",
                parentID=sscc(1),
                childEPCs=[bottle(3)],
                time=day(6),
            )
        ),
        document(
            event(
                action="OBSERVE",
                biz_step="destroying",
                disposition="destroyed",
                epcList=[bottle(5)],
                time=day(8),
            )
        ),
    ]
    for source in documents:
        capture_document(runtime.uow, Actor.system(), tenant_id=tenant.id, source=source)

    def cases() -> dict[str, Any]:
        with runtime.uow(write=False) as uow:
            rows = uow.connection.execute(
                sa.select(public_units.c.key, public_units.c.lot_key).where(
                    public_units.c.key.in_([sscc_key(1), sscc_key(2)])
                )
            )
            return {row[0]: row[1] for row in rows}

    published = cases()
    assert str(published[sscc_key(1)]).endswith("/10/L1")
    assert str(published[sscc_key(2)]).endswith("/10/L1")
    with runtime.uow() as uow:
        publish_all(uow.connection)
        uow.commit()
    assert cases() == published
