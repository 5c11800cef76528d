"""Issuing from several processes at once never repeats a code, on SQLite and PostgreSQL.

Requirements: QBT-7.1 and QBT-7.2 (every code ever issued is unique), HW-2 (unique across
packaging levels; SSCCs for pallets), GEN-2 (one row per block, verifiable without a row
per code) and GEN-32 (printer files for packaging lines). The processes are real
operating-system processes sharing one database, started together behind a file barrier.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import make_enterprise, make_product
from suyuan.bootstrap import Runtime
from suyuan.config import Settings
from suyuan.services.codes import keyring_path, verify_codes
from suyuan.storage.tables import code_blocks

GTIN = "06901234567892"

# Waits at a barrier (all peers ready, then "go"), then issues blocks through the service.
HAMMER = """
import sys, time
from pathlib import Path
from suyuan.bootstrap import Runtime
from suyuan.config import Settings
from suyuan.domain.access import Actor
from suyuan.services.codes import issue_block

url, key_dir, tenant, gtin, barrier, name, rounds = sys.argv[1:]
runtime = Runtime(Settings(database_url=url, key_dir=Path(key_dir)))
runtime.require_schema()
(Path(barrier) / f"ready-{name}").touch()
while not (Path(barrier) / "go").exists():
    time.sleep(0.002)
levels = ("item", "cap", "pallet")
for i in range(int(rounds)):
    with runtime.uow() as uow:
        block = issue_block(
            uow, Actor.system(), tenant_id=int(tenant), gtin=gtin,
            count=1 + (i * 37) % 200, level=levels[i % 3], key_dir=Path(key_dir),
        )
    print(block.id, block.domain, block.start_counter, block.count, flush=True)
runtime.close()
"""


def _environment(settings: Settings) -> dict[str, str]:
    return dict(os.environ) | {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_KEY_DIR": str(settings.key_dir),
        "SUYUAN_RESOLVER_URL": settings.resolver_url,
    }


def _wait_all(processes: list[subprocess.Popen[str]]) -> list[str]:
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        outputs.append(out)
    return outputs


def _assert_disjoint_and_contiguous(rows: list[tuple[str, int, int]]) -> None:
    """Blocks of one counter domain tile it: no overlap, no gap."""
    by_domain: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for domain, start, count in rows:
        by_domain[domain].append((start, count))
    for domain, ranges in by_domain.items():
        ranges.sort()
        end = 0
        for start, count in ranges:
            assert start == end, (domain, ranges)
            end = start + count


@pytest.fixture
def enterprise_id(runtime: Runtime) -> int:
    """An enterprise with one product and, on purpose, no code key ring yet."""
    enterprise = make_enterprise(runtime, gs1_company_prefix="6901234", idis_prefix="88.118.8")
    make_product(runtime, enterprise, gtin=GTIN)
    assert not keyring_path(runtime.settings.key_dir, enterprise.id).exists()
    return int(enterprise.id)


def test_parallel_cli_issues_print_distinct_codes(
    runtime: Runtime, settings: Settings, enterprise_id: int, tmp_path: Path
) -> None:
    """QBT-7.1, HW-2: four `suyuan codes issue` processes at once, item and cap levels, the
    first ones racing to create the key ring: every printed code is distinct and genuine."""
    env = _environment(settings)
    jobs = [("item", 20_000), ("cap", 20_000), ("item", 15_000), ("cap", 5_000)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "suyuan",
                "codes",
                "issue",
                "--gtin",
                GTIN,
                "--count",
                str(count),
                "--level",
                level,
                "--format",
                "element",
                "--out",
                str(tmp_path / f"{n}.txt"),
                "--json",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, (level, count) in enumerate(jobs)
    ]
    summaries = [json.loads(out) for out in _wait_all(processes)]
    assert len({s["block_id"] for s in summaries}) == len(jobs)
    files = [(tmp_path / f"{n}.txt").read_text("ascii").splitlines() for n in range(len(jobs))]
    assert [len(f) for f in files] == [count for _, count in jobs]
    everything = [code for f in files for code in f]
    assert len(set(everything)) == len(everything) == 60_000
    with runtime.uow(write=False) as uow:
        rows = uow.connection.execute(
            sa.select(code_blocks.c.domain, code_blocks.c.start_counter, code_blocks.c.count)
        ).all()
        sample = [code for f in files for code in (f[0], f[len(f) // 2], f[-1])]
        checks = verify_codes(uow, sample, key_dir=settings.key_dir)
    assert len(rows) == len(jobs)  # one row per block, whatever its size (GEN-2)
    _assert_disjoint_and_contiguous([(r[0], r[1], r[2]) for r in rows])
    assert {(c.genuine, c.state) for c in checks} == {(True, "issued")}
    expected_blocks = [s["block_id"] for s in summaries for _ in range(3)]
    assert [c.block_id for c in checks] == expected_blocks


def test_many_processes_reserving_at_once_get_disjoint_blocks(
    runtime: Runtime, settings: Settings, enterprise_id: int, tmp_path: Path
) -> None:
    """QBT-7.1, HW-2: four processes released together each issue 30 blocks of item, cap
    and pallet (SSCC) codes: the blocks of each counter tile it without overlap."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    workers, rounds = 4, 30
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                HAMMER,
                settings.database_url,
                str(settings.key_dir),
                str(enterprise_id),
                GTIN,
                str(barrier),
                str(n),
                str(rounds),
            ],
            env=_environment(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < workers:
        assert time.monotonic() < deadline, "workers did not start"
        assert all(p.poll() is None for p in processes), _wait_all(processes)
        time.sleep(0.01)
    (barrier / "go").touch()
    printed = [line.split() for out in _wait_all(processes) for line in out.splitlines()]
    assert len(printed) == workers * rounds
    assert len({row[0] for row in printed}) == workers * rounds
    with runtime.uow(write=False) as uow:
        rows = uow.connection.execute(
            sa.select(code_blocks.c.domain, code_blocks.c.start_counter, code_blocks.c.count)
        ).all()
    stored = sorted((str(r[0]), int(r[1]), int(r[2])) for r in rows)
    assert stored == sorted((d, int(s), int(c)) for _, d, s, c in printed)
    _assert_disjoint_and_contiguous(stored)
    assert {d for d, _, _ in stored} == {f"gtin:{GTIN}", "sscc:6901234:1"}
