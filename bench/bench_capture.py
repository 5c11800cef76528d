"""Benchmark: capture a realistic EPCIS document of N events (default 1,000,000).

Run ``.venv/bin/python bench/bench_capture.py [--events N] [--format jsonld|xml]
[--databases sqlite,postgres] [--rss-events N] [--out DIR]``.

The document is the flow of one bottling plant, written straight to disk (never held in
memory): for every pallet, three commissioning ObjectEvents of 100 bottles each (ILMD lot
number and dates), fifty AggregationEvents packing 6 bottles into a case (SSCC), one
packing 50 cases onto a pallet, one shipping ObjectEvent of the pallet (business
transactions, source and destination) and one receiving ObjectEvent — 56 events a pallet.
The enterprise and its product (packaging ``case:6,pallet:50``) are set up through the
services first, so the packing rules run against the capturing enterprise's own GTIN.

The document is captured with the real pipeline (``capture_document``, as ``suyuan
capture`` runs it) into a fresh SQLite database and a fresh PostgreSQL database
(``suyuan_capbench``, dropped at the end). Printed: events/s by wall clock and by CPU
time of the process, time per pipeline stage (timers wrapped around the functions the
capture service calls; ``parse`` is the time spent pulling events from the reader), and
the database size. ``--rss-events`` captures a second, ~1 GB document in a child process
and prints that process's peak RSS (``getrusage``).

Targets (issue 3): >= 20,000 events/s into SQLite; peak RSS <= 300 MB for a 1 GB document.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PREFIX = "6901234"
GTIN = "06901234567892"
ITEM = GTIN[0] + GTIN[8:13]
PLANT = f"urn:epc:id:sgln:{PREFIX}.00001.0"
LINE = f"urn:epc:id:sgln:{PREFIX}.00001.7"
DC = "urn:epc:id:sgln:6911234.00002.0"
OWNER = f"urn:epc:id:pgln:{PREFIX}.00000"
BUYER = "urn:epc:id:pgln:6911234.00000"
PG_ADMIN = os.environ.get("SUYUAN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "suyuan_capbench"
BOTTLES_PER_EVENT = 100
CASE = 6
PALLET = 50
PER_PALLET = 3 + PALLET + 1 + 2


def report(line: str) -> None:
    """Write one result line (a plain script: no logging setup needed)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- the document ----------------------------------------------------------------------------


class _Clock:
    """Event times one second apart, in China Standard Time."""

    def __init__(self) -> None:
        self.moment = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)

    def tick(self) -> str:
        self.moment += datetime.timedelta(seconds=1)
        local = self.moment + datetime.timedelta(hours=8)
        return local.strftime("%Y-%m-%dT%H:%M:%S.000+08:00")


def _bottle(serial: int) -> str:
    return f"urn:epc:id:sgtin:{PREFIX}.{ITEM}.{serial}"


def _sscc(n: int) -> str:
    return f"urn:epc:id:sscc:{PREFIX}.{n:010d}"


def _base(clock: _Clock, kind: str, action: str, step: str, disposition: str) -> dict[str, Any]:
    return {
        "type": kind,
        "eventTime": clock.tick(),
        "eventTimeZoneOffset": "+08:00",
        "action": action,
        "bizStep": step,
        "disposition": disposition,
        "readPoint": {"id": LINE},
        "bizLocation": {"id": PLANT},
    }


def flow(n: int, padding: int = 0) -> Iterator[dict[str, Any]]:
    """The first ``n`` events of the plant's flow (whole pallets, then a cut-off tail)."""
    clock = _Clock()
    made = 0
    pallet = 0
    note = "x" * padding
    while True:
        pallet += 1
        lot = f"L{20260105 + pallet // 20}"
        first_bottle = (pallet - 1) * PALLET * CASE
        events: list[dict[str, Any]] = []
        for part in range(PALLET * CASE // BOTTLES_PER_EVENT):
            start = first_bottle + part * BOTTLES_PER_EVENT
            event = _base(clock, "ObjectEvent", "ADD", "commissioning", "active")
            event["epcList"] = [_bottle(s) for s in range(start, start + BOTTLES_PER_EVENT)]
            event["ilmd"] = {
                "cbvmda:lotNumber": lot,
                "cbvmda:itemExpirationDate": "2031-01-04",
                "cbvmda:bestBeforeDate": "2030-12-31",
            }
            if padding:
                event["ilmd"]["ex:note"] = note
            events.append(event)
        cases = []
        for case in range(PALLET):
            case_no = (pallet - 1) * (PALLET + 1) + case + 1
            event = _base(clock, "AggregationEvent", "ADD", "packing", "in_progress")
            event["parentID"] = _sscc(case_no)
            start = first_bottle + case * CASE
            event["childEPCs"] = [_bottle(s) for s in range(start, start + CASE)]
            if padding:
                event["ex:note"] = note
            cases.append(event["parentID"])
            events.append(event)
        pallet_id = _sscc(pallet * (PALLET + 1))
        event = _base(clock, "AggregationEvent", "ADD", "packing", "in_progress")
        event["parentID"] = pallet_id
        event["childEPCs"] = cases
        events.append(event)
        po = f"urn:epcglobal:cbv:bt:{PREFIX}000001:PO{pallet:08d}"
        despatch = f"urn:epcglobal:cbv:bt:{PREFIX}000001:DA{pallet:08d}"
        event = _base(clock, "ObjectEvent", "OBSERVE", "shipping", "in_transit")
        event["epcList"] = [pallet_id]
        event["bizTransactionList"] = [
            {"type": "po", "bizTransaction": po},
            {"type": "desadv", "bizTransaction": despatch},
        ]
        event["sourceList"] = [
            {"type": "owning_party", "source": OWNER},
            {"type": "location", "source": PLANT},
        ]
        event["destinationList"] = [
            {"type": "owning_party", "destination": BUYER},
            {"type": "location", "destination": DC},
        ]
        events.append(event)
        event = _base(clock, "ObjectEvent", "OBSERVE", "receiving", "in_progress")
        event["readPoint"] = {"id": DC}
        event["bizLocation"] = {"id": DC}
        event["epcList"] = [pallet_id]
        event["bizTransactionList"] = [{"type": "po", "bizTransaction": po}]
        event["destinationList"] = [
            {"type": "owning_party", "destination": BUYER},
            {"type": "location", "destination": DC},
        ]
        events.append(event)
        for event in events:
            if made == n:
                return
            made += 1
            yield event


def write_jsonld(out: BinaryIO, events: Iterator[dict[str, Any]]) -> None:
    """Stream an EPCIS 2.0 JSON-LD document, one event at a time."""
    context = [CONTEXT, {"ex": "https://ns.example.com/epcis/"}]
    out.write(b'{"@context":' + orjson.dumps(context))
    out.write(b',"type":"EPCISDocument","schemaVersion":"2.0",')
    out.write(b'"creationDate":"2026-01-05T00:00:00.000Z","epcisBody":{"eventList":[\n')
    for number, event in enumerate(events):
        if number:
            out.write(b",\n")
        out.write(orjson.dumps(event))
    out.write(b"\n]}}\n")


def write_xml(out: BinaryIO, events: Iterator[dict[str, Any]]) -> None:
    """Stream an EPCIS 2.0 XML document through suyuan's own XML writer."""
    from suyuan.capture.model import DocumentHeader, ParsedEvent, SourceFormat
    from suyuan.capture.xml_writer import write_xml_document

    namespaces = {"ex": "https://ns.example.com/epcis/"}
    header = DocumentHeader(creation_date="2026-01-05T00:00:00.000Z", namespaces=namespaces)
    parsed = (
        ParsedEvent(n, e, namespaces, f"event {n}", SourceFormat.JSONLD)
        for n, e in enumerate(events)
    )
    write_xml_document(parsed, header, out)


def generate(path: Path, fmt: str, n: int, padding: int = 0) -> float:
    """Write the document of ``n`` events; returns its size in MB."""
    writer = write_xml if fmt == "xml" else write_jsonld
    with path.open("wb") as out:
        writer(out, flow(n, padding))
    return path.stat().st_size / 1e6


# --- databases -------------------------------------------------------------------------------


def fresh_database(kind: str, workdir: Path) -> str:
    """A new, migrated database with the plant enterprise and its product; returns its URL."""
    import sqlalchemy as sa

    from suyuan.storage.engine import make_engine
    from suyuan.storage.schema import upgrade

    if kind == "sqlite":
        path = workdir / "capture.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = sa.create_engine(_pg(PG_ADMIN), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {PG_DB}")
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    _setup_enterprise(url)
    return url


def _pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def drop_postgres() -> None:
    """Drop the benchmark's PostgreSQL database."""
    import sqlalchemy as sa

    admin = sa.create_engine(_pg(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    admin.dispose()


def _setup_enterprise(url: str) -> None:
    from suyuan.bootstrap import Runtime
    from suyuan.config import Settings
    from suyuan.domain.access import Actor
    from suyuan.services.enterprises import NewEnterprise, add_enterprise
    from suyuan.services.products import add_product

    runtime = Runtime(Settings(database_url=url, key_dir=Path(tempfile.mkdtemp()) / "keys"))
    with runtime.uow() as uow:
        plant = add_enterprise(
            uow,
            Actor.system(),
            NewEnterprise(
                slug="plant",
                name="宜宾某酒业有限公司",
                gs1_company_prefix=PREFIX,
                idis_prefix="88.118.1001",
                address="四川省宜宾市某路1号",
                region="四川省宜宾市",
            ),
        )
    with runtime.uow() as uow:
        add_enterprise(
            uow,
            Actor.system(),
            NewEnterprise(slug="dc", name="成都某商贸公司", role="distributor"),
        )
    with runtime.uow() as uow:
        add_product(
            uow,
            Actor.system(),
            tenant_id=plant.id,
            gtin=GTIN,
            name="52%vol 浓香型白酒 500ml",
            category="baijiu",
            packaging="case:6,pallet:50",
        )
    runtime.close()


def database_size(url: str) -> float:
    """Size of the database in MB (SQLite file with its WAL, or pg_database_size)."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        return (
            sum(
                Path(f"{path}{s}").stat().st_size
                for s in ("", "-wal")
                if Path(f"{path}{s}").exists()
            )
            / 1e6
        )
    import sqlalchemy as sa

    engine = sa.create_engine(_pg(url))
    with engine.connect() as conn:
        size = conn.exec_driver_sql(f"SELECT pg_database_size('{PG_DB}')").scalar_one()
    engine.dispose()
    return int(size) / 1e6


# --- the capture, with stage timers ----------------------------------------------------------

_STAGES = {
    "suyuan.services.capture": (
        "validate_event",
        "check_event_records",
        "index_event",
        "event_hash",
        "chain_link",
        "row_digest",
        "_apply",
        "_load",
        "_corrections",
        "store_event_records",
        "propagate_holds",
        "judge_stored_records",
        "evaluate_captured_events",
        "publish_captured",
        "maybe_seal",
    ),
    "suyuan.storage.event_store": (
        "existing_dedup_keys",
        "load_projection",
        "insert_events",
        "insert_index_rows",
        "save_projection",
    ),
}


def instrument() -> dict[str, float]:
    """Wrap the capture pipeline's stages in timers; returns the seconds per stage."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    clock = time.perf_counter

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += clock() - started

        return wrapper

    for module_name, names in _STAGES.items():
        module = importlib.import_module(module_name)
        for name in names:
            if hasattr(module, name):
                setattr(module, name, timed(name, getattr(module, name)))
    capture = importlib.import_module("suyuan.services.capture")
    reader = capture.read_document

    def read_document(*args: Any, **kwargs: Any) -> Any:
        header, events = reader(*args, **kwargs)

        def pulled() -> Iterator[Any]:
            while True:
                started = clock()
                try:
                    item = next(events)
                except StopIteration:
                    spent["parse"] += clock() - started
                    return
                spent["parse"] += clock() - started
                yield item

        return header, pulled()

    capture.read_document = read_document  # type: ignore[attr-defined]
    return spent


def capture_file(url: str, path: Path, *, stages: bool) -> dict[str, Any]:
    """Capture ``path`` into the database at ``url``; timings, counts, stages, peak RSS."""
    from suyuan.bootstrap import Runtime
    from suyuan.capture.limits import Limits
    from suyuan.config import Settings
    from suyuan.domain.access import Actor
    from suyuan.services.capture import capture_document

    spent = instrument() if stages else {}
    runtime = Runtime(Settings(database_url=url, key_dir=Path(tempfile.mkdtemp()) / "keys"))
    with runtime.uow(write=False) as uow:
        tenant = uow.connection.exec_driver_sql(
            "SELECT id FROM enterprises WHERE slug = 'plant'"
        ).scalar_one()
    wall, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        result = capture_document(
            runtime.uow,
            Actor.system(),
            tenant_id=int(tenant),
            source=handle,
            name=str(path),
            key_dir=runtime.settings.key_dir,
            limits=Limits(max_document_bytes=None, max_events=None),
        )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    runtime.close()
    return {
        "status": result.status,
        "captured": result.captured,
        "rejected": result.rejected,
        "errors": result.errors[:3],
        "wall": wall,
        "cpu": cpu,
        "stages": dict(spent),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(url: str, path: Path, stages: bool) -> dict[str, Any]:
    """Capture in a child process, so that its peak RSS is the capture's own."""
    command = [sys.executable, __file__, "--child", url, str(path)]
    if stages:
        command.append("--stages")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child capture failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def show(label: str, events: int, size_mb: float, out: dict[str, Any], db_mb: float) -> None:
    """Print one capture's figures."""
    report(
        f"{label}: {out['captured']:,} captured ({out['status']}, {out['rejected']} rejected) "
        f"of {events:,} events, document {size_mb:,.1f} MB"
    )
    if out["errors"]:
        report(f"  first errors: {out['errors']}")
    report(
        f"  wall {out['wall']:.1f} s = {out['captured'] / out['wall']:,.0f} events/s; "
        f"CPU {out['cpu']:.1f} s = {out['captured'] / out['cpu']:,.0f} events/s; "
        f"database {db_mb:,.1f} MB; peak RSS {out['peak_rss_mb']:,.1f} MB"
    )
    if out["stages"]:
        total = out["wall"]
        for name, seconds in sorted(out["stages"].items(), key=lambda kv: -kv[1]):
            report(f"    {name:28s} {seconds:8.2f} s  {100 * seconds / total:5.1f} %")


def machine() -> str:
    """One line of machine facts."""
    model = "unknown"
    with Path("/proc/cpuinfo").open() as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import sqlite3

    import sqlalchemy

    return (
        f"{model}, nproc {os.cpu_count()}, {ram:.0f} GiB RAM, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, "
        f"load {os.getloadavg()[0]:.1f}, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    )


def main() -> None:
    """Generate, capture, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("jsonld", "xml"), default="jsonld")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--rss-events", type=int, default=0, help="events of the ~1 GB document")
    parser.add_argument("--rss-padding", type=int, default=0, help="extra bytes per event")
    parser.add_argument("--no-stages", action="store_true", help="no stage timers")
    parser.add_argument("--out", type=Path, default=None, help="directory for files")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--stages", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out = capture_file(args.child[0], Path(args.child[1]), stages=args.stages)
        report(json.dumps(out, default=str))
        return
    workdir = args.out or Path(tempfile.mkdtemp(prefix="capbench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report(machine())
    try:
        if args.events:
            document = workdir / f"capture-{args.events}.{args.format}"
            started = time.perf_counter()
            size = generate(document, args.format, args.events)
            report(
                f"generated {document.name}: {args.events:,} events, {size:,.1f} MB "
                f"in {time.perf_counter() - started:.1f} s"
            )
            for kind in args.databases.split(","):
                url = fresh_database(kind, workdir)
                out = run_child(url, document, stages=not args.no_stages)
                show(f"{kind} {args.format}", args.events, size, out, database_size(url))
            document.unlink()
        if args.rss_events:
            document = workdir / f"capture-rss.{args.format}"
            size = generate(document, args.format, args.rss_events, args.rss_padding)
            report(f"generated {document.name}: {args.rss_events:,} events, {size:,.1f} MB")
            url = fresh_database("sqlite", workdir)
            out = run_child(url, document, stages=False)
            show(f"peak RSS, sqlite {args.format}", args.rss_events, size, out, database_size(url))
            document.unlink()
    finally:
        if "postgres" in args.databases and args.events:
            drop_postgres()


if __name__ == "__main__":
    main()
