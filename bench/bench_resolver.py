"""Resolver throughput and latency (issue 7): one server core, the load on the other.

Builds (or reuses) a demo database, starts `suyuan serve --no-access-log` pinned to core 0
with scan logging on, and drives it from core 1 (keep-alive connections, URLs rotating over
thousands of real bottle codes plus a few forged and unknown ones):

1. closed loop, 16 connections: the maximum resolves/s (wrk when installed, else a small
   asyncio HTTP/1.1 client), and the server's CPU seconds for them (/proc);
2. open loop at half that rate (asyncio client): latency percentiles (p50/p99), measured
   from the scheduled send time so queueing counts;
3. in process, no sockets: the app's CPU time per request (the ASGI app called directly,
   ``--profile`` prints a cProfile of it).

Usage:
    .venv/bin/python bench/bench_resolver.py --scale medium --dir /tmp/bench7 \
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUYUAN = [sys.executable, "-m", "suyuan"]


@dataclass
class Result:
    """What one database measured."""

    database: str
    units: int
    build_seconds: float | None
    accept: str
    max_rps: float
    half_rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_rps: float
    load: float
    client: str = "asyncio"
    inproc_ms: float = 0.0
    busy: float = 0.0  # share of the wall time the server process was on a CPU (max run)
    db_ms: float | None = None  # PostgreSQL backends' CPU milliseconds per resolve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def build(url: str, key_dir: Path, scale: str) -> float | None:
    """Build the demo world unless present; seconds taken (None when reused)."""
    env = os.environ | {"SUYUAN_DATABASE_URL": url, "SUYUAN_KEY_DIR": str(key_dir)}
    out = subprocess.run(
        [*SUYUAN, "demo", "--scale", scale, "--json"], env=env, capture_output=True, check=True
    )
    seconds = json.loads(out.stdout).get("seconds")
    if not url.startswith("sqlite"):  # planner statistics after the bulk load
        import sqlalchemy as sa

        from suyuan.storage.engine import make_engine

        engine = make_engine(url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
        engine.dispose()
    return None if seconds is None else float(seconds)


def sample_paths(url: str, count: int, seed: int = 7) -> list[str]:
    """Real unit and container keys from the public projection, plus 5 % forged/unknown."""
    import sqlalchemy as sa

    from suyuan.storage.engine import make_engine
    from suyuan.storage.public_tables import public_units

    engine = make_engine(url)
    with engine.connect() as conn:
        keys = list(
            conn.execute(
                sa.select(public_units.c.key).order_by(sa.func.random()).limit(count)
            ).scalars()
        )
    engine.dispose()
    rng = random.Random(seed)
    bad = []
    for key in rng.sample(keys, max(1, len(keys) // 20)):
        if key.startswith("/01/"):
            bad.append(key[:-1] + ("A" if key[-1] != "A" else "B"))
    return keys + bad + ["/01/06901234000993/21/ABCDEFGHIJKLMNOPQ"]


async def _request(reader: Any, writer: Any, path: str, accept: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: {accept}\r\n\r\n".encode("ascii"))
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def closed_loop(
    port: int, paths: list[str], accept: str, seconds: float, conns: int
) -> tuple[float, int]:
    """Max throughput: ``conns`` connections each sending back-to-back."""
    done = 0
    errors = 0
    stop = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        while time.monotonic() < stop:
            status = await _request(reader, writer, paths[i % len(paths)], accept)
            i += conns
            done += 1
            errors += status >= 500
        writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(conns)))
    return done / (time.monotonic() - started), errors


def _run(coro: Any) -> Any:
    """Run the load client on uvloop when installed (less client CPU per request)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


async def open_loop(
    port: int, paths: list[str], accept: str, rate: float, seconds: float, conns: int
) -> tuple[list[float], int]:
    """Fixed arrival rate; latency from the scheduled send time (no coordinated omission)."""
    queue: asyncio.Queue[tuple[float, str]] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            scheduled, path = await queue.get()
            if not path:
                break
            status = await _request(reader, writer, path, accept)
            latencies.append(time.monotonic() - scheduled)
            errors += status >= 500
        writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(conns)]
    start = time.monotonic()
    total = int(rate * seconds)
    for n in range(total):
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, paths[n % len(paths)]))
    for _ in workers:
        queue.put_nowait((0.0, ""))
    await asyncio.gather(*workers)
    return latencies, errors


def serve(url: str, key_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`suyuan serve` on core 0, scan logging on."""
    env = os.environ | {
        "SUYUAN_DATABASE_URL": url,
        "SUYUAN_KEY_DIR": str(key_dir),
        "SUYUAN_SCAN_ALERT_CHECKS": "1000000",
    }
    command = ["taskset", "-c", "0", *SUYUAN, "serve", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(1200):  # startup takes ~20 s on a loaded machine
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def measure(
    name: str,
    url: str,
    key_dir: Path,
    build_seconds: float | None,
    accept: str,
    seconds: float,
    latency_rate: float | None = None,
) -> Result:
    """Both phases against one database; the latency phase at ``latency_rate`` resolves/s
    (default: half the measured maximum)."""
    os.sched_setaffinity(0, {1})
    paths = sample_paths(url, 5000)
    port = _free_port()
    process = serve(url, key_dir, port)
    try:
        _run(closed_loop(port, paths, accept, 3, 16))  # warm caches
        cpu_before = _cpu_seconds(process.pid)
        db_before = _backend_cpu(url)
        client = "wrk" if shutil.which("wrk") else "asyncio"
        if client == "wrk":
            max_rps, errors, took = wrk_loop(port, paths, accept, seconds, 16)
        else:
            max_rps, errors = _run(closed_loop(port, paths, accept, seconds, 16))
            took = seconds
        server_cpu = max(_cpu_seconds(process.pid) - cpu_before, 1e-9)
        db_cpu = None if db_before is None else (_backend_cpu(url) or 0.0) - db_before
        cpu_rps = max_rps * took / server_cpu
        load = os.getloadavg()[0]
        half = latency_rate or max_rps / 2
        latencies, more = _run(open_loop(port, paths, accept, half, seconds, 64))
    finally:
        process.terminate()
        process.wait(timeout=10)
    latencies.sort()
    result = Result(
        name,
        len(paths),
        build_seconds,
        accept,
        max_rps,
        half,
        statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.99) - 1] * 1000,
        errors + more,
        cpu_rps,
        load,
        client,
    )
    result.busy = server_cpu / took
    if db_cpu is not None:
        result.db_ms = db_cpu * 1000 / (max_rps * took)
    return result


def _backend_cpu(url: str) -> float | None:
    """PostgreSQL: CPU seconds so far of the backends serving ``url``'s database (from their
    process titles in /proc; autovacuum workers left out); None for SQLite."""
    if url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    marker = f" {make_url(url).database} "
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if title.startswith("postgres:") and marker in title and "autovacuum" not in title:
                total += _cpu_seconds(int(entry.name))
        except (OSError, ValueError):
            continue
    return total


_WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  paths = {}
  for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
  accept = os.getenv("BENCH_ACCEPT")
  i = 0
  errors = 0
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["Accept"] = accept})
end
function response(status, headers, body)
  if status >= 500 then errors = errors + 1 end
end
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("SUYUAN %d %f %d\\n", summary.requests, summary.duration / 1e6, e))
end
"""


def wrk_loop(
    port: int, paths: list[str], accept: str, seconds: float, conns: int
) -> tuple[float, int, float]:
    """Max throughput with wrk (one thread, on this process's core): rate, errors, seconds."""
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-resolver-{os.getpid()}"
    work.mkdir(exist_ok=True)
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    (work / "rotate.lua").write_text(_WRK_SCRIPT)
    env = os.environ | {"BENCH_PATHS": str(work / "paths.txt"), "BENCH_ACCEPT": accept}
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{conns}",
            f"-d{seconds:.0f}s",
            "-s",
            str(work / "rotate.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("SUYUAN "))
    _, done, took, errors = line.split()
    return int(done) / float(took), int(errors), float(took)


def in_process(url: str, key_dir: Path, accept: str, count: int, profile: bool) -> float:
    """CPU milliseconds per request of what `suyuan serve` runs (the consumer front and the
    app), called directly (no sockets, no server), scan logging on (the writer thread's CPU
    counts too); with ``profile`` print the cProfile (CPU timer) of the run."""
    import cProfile
    import gc
    import pstats

    from suyuan.api.app import create_app
    from suyuan.config import Settings
    from suyuan.web.fast_resolver import serving_app
    from suyuan.web.routes import side_of

    settings = Settings(database_url=url, key_dir=key_dir, scan_alert_checks=1_000_000)
    inner = create_app(settings)
    side = side_of(inner)
    app = serving_app(inner)
    paths = sample_paths(url, 2000, seed=11)
    gc.collect()
    gc.freeze()

    async def call(path: str) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 8000),
            "headers": [(b"host", b"bench"), (b"accept", accept.encode())],
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            return None

        await app(scope, receive, send)

    async def run(n: int) -> None:
        for i in range(n):
            await call(paths[i % len(paths)])

    async def measured() -> float:
        await run(min(count, 500))  # warm caches
        profiler = cProfile.Profile(time.process_time) if profile else None
        started = time.process_time()
        if profiler is not None:
            profiler.enable()
        await run(count)
        side.feedback.flush()  # the last batch's write counts too
        if profiler is not None:
            profiler.disable()
        took = time.process_time() - started
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return took * 1000 / count

    try:
        return float(asyncio.run(measured()))
    finally:
        side.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    """Machine facts for the report."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def report(results: list[Result], scale: str, units: dict[str, int]) -> str:
    """The "Resolver" section of docs/benchmarks.md."""
    published = ", ".join(f"{k}: {v:,} published codes" for k, v in units.items())
    lines = [
        "## Resolver",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} by `bench/bench_resolver.py` on {machine()}.",
        f"Demo world: `{scale}` scale ({published}).",
        "`suyuan serve --no-access-log` (full server, scan logging on, uvloop + httptools)",
        "pinned to core 0 with `taskset -c 0`; the load generator pinned to core 1, keep-alive,",
        "rotating over ~5,000 real codes plus 5 % forged and unknown ones. Max: closed loop,",
        "16 connections (wrk, one thread, when installed; else an asyncio client). Latency:",
        "open loop (asyncio client on uvloop) at half the max rate unless given, 64",
        "connections, measured from the scheduled send time. In-process: what `serve` runs (the",
        "consumer front and the app) called directly, CPU time per request with the scan-log",
        "writer thread. Server busy: the server's CPU seconds over the wall seconds of the max",
        "run. PostgreSQL CPU: its backends for this database (not pinned, not in the server's).",
        "",
        "| database | answer | build (s) | in-process CPU ms/req | max resolves/s (client) "
        "| server busy | per server CPU-second | PostgreSQL CPU ms/req | load avg "
        "| latency at /s | p50 (ms) | p99 (ms) | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        kind = "JSON" if "json" in r.accept else "HTML page"
        build_text = f"{r.build_seconds:.0f}" if r.build_seconds else "reused"
        lines.append(
            f"| {r.database} | {kind} | {build_text} | {r.inproc_ms:.2f} "
            f"| {r.max_rps:,.0f} ({r.client}) | {r.busy:.0%} | {r.cpu_rps:,.0f} "
            f"| {'—' if r.db_ms is None else f'{r.db_ms:.2f}'} | {r.load:.1f} | {r.half_rps:,.0f} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} |"
        )
    lines += ["", *NOTES]
    return "\n".join(lines) + "\n"


NOTES = [
    "Issue 7's target: >= 3,000 resolves/s on one server core and p99 <= 25 ms at half that",
    'rate, on the large world, SQLite and PostgreSQL. "per server CPU-second" is what one',
    "dedicated core would serve; wall rates and p99 depend on what else the machine runs",
    "(load average column). Keep the before/after comparison and the notes on the gap that",
    "docs/benchmarks.md has below the table when rewriting this section.",
]


def write_section(section: str) -> None:
    """Replace (or add) the Resolver section of docs/benchmarks.md, leaving others alone."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    start = text.find("## Resolver")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> None:
    """Build or reuse, measure SQLite and optionally PostgreSQL, print (and write) the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/suyuan-bench-resolver"))
    parser.add_argument("--postgres", help="PostgreSQL URL of a database for the demo world")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--inprocess", type=int, default=3000, help="requests in process")
    parser.add_argument("--profile", action="store_true", help="print the in-process profile")
    parser.add_argument("--postgres-keys", type=Path, help="key dir of the PostgreSQL world")
    parser.add_argument(
        "--latency-rate", type=float, help="resolves/s of the latency run (default: half max)"
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    targets = [
        ("SQLite", f"sqlite:///{args.dir / 'sqlite' / 'demo.db'}", args.dir / "sqlite" / "keys")
    ]
    if args.postgres:
        keys = args.postgres_keys or args.dir / "postgres" / "keys"
        targets.append(("PostgreSQL", args.postgres, keys))
    results: list[Result] = []
    units: dict[str, int] = {}
    for name, url, keys in targets:
        keys.parent.mkdir(parents=True, exist_ok=True)
        seconds = build(url, keys, args.scale)
        for accept in ("text/html", "application/json"):
            result = measure(name, url, keys, seconds, accept, args.seconds, args.latency_rate)
            result.inproc_ms = in_process(url, keys, accept, args.inprocess, args.profile)
            results.append(result)
            print(result, flush=True)  # noqa: T201
        units[name] = _published(url)
    section = report(results, args.scale, units)
    print(section)  # noqa: T201
    if args.write_docs:
        write_section(section)


def _published(url: str) -> int:
    import sqlalchemy as sa

    from suyuan.storage.engine import make_engine
    from suyuan.storage.public_tables import public_units

    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).select_from(public_units)).scalar_one())
    engine.dispose()
    return count


if __name__ == "__main__":
    main()
