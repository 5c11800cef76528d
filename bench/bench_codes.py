"""Benchmark: issue 10^7 unit codes to printer files, then verify 10^6 codes (batch and single).

Also runs the whole ``suyuan codes issue --count 10000000 --out FILE`` command end to end
on a fresh SQLite database (reserve the block, derive and write every code), timed with
its peak RSS taken from ``/usr/bin/time -v`` (or ``getrusage`` when that is missing), and
verifies codes through the service (parse, tag, block and state look-ups).

Run: ``.venv/bin/python bench/bench_codes.py [--codes N] [--verify N] [--out DIR]``.
Targets (DESIGN): >= 1,000,000 codes/s written with peak RSS < 200 MB for 10^7 codes;
verification >= 200,000 codes/s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from suyuan.codes.keys import KeyRing
from suyuan.codes.printer_files import PrinterFormat, write_printer_file
from suyuan.codes.serials import CodeBlock, CodeLevel, issue_serials
from suyuan.codes.verification import verify_serial, verify_serials
from suyuan.identifiers.gs1 import Gtin

PREFIX = "88.608.8889"
RESOLVER = "https://trace.example.cn"


def report(line: str) -> None:
    """Write one result line (a plain script: no logging setup needed)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_printer_file(
    keyring: KeyRing, gtin: Gtin, fmt: PrinterFormat, n: int, path: Path | None
) -> None:
    """Write ``n`` codes in ``fmt`` to a real file (fsync included) or, without a path, to
    /dev/null, which measures generation alone."""
    block = CodeBlock(gtin, CodeLevel.UNIT, 0, n, keyring.current_key_id)
    target = path or Path(os.devnull)
    started = time.perf_counter()
    cpu_started = time.process_time()
    with target.open("wb") as sink:
        write_printer_file(
            sink, keyring, block, fmt=fmt, idis_prefix=PREFIX, resolver_base_url=RESOLVER
        )
        sink.flush()
        if path:
            os.fsync(sink.fileno())
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    size = f"{path.stat().st_size / 2**20:8.1f} MB" if path else "/dev/null  "
    if path:
        path.unlink()
    report(
        f"write {fmt.value:8} {n:>11,} codes  {elapsed:6.2f} s  {n / elapsed:>12,.0f} codes/s "
        f"(cpu {n / cpu:>11,.0f}/s)  {size}  peak RSS {peak_rss_mb():6.1f} MB"
    )


def bench_verify(keyring: KeyRing, gtin: Gtin, n: int) -> None:
    """Verify ``n`` genuine codes: one batch call, then one call per code."""
    serials = issue_serials(keyring, CodeBlock(gtin, CodeLevel.UNIT, 10**9, n, 0))
    started = time.perf_counter()
    outcome = verify_serials(keyring, gtin, CodeLevel.UNIT, serials)
    elapsed = time.perf_counter() - started
    assert outcome.genuine.all()
    report(f"verify batch  {n:>11,} codes  {elapsed:6.2f} s  {n / elapsed:>12,.0f} codes/s")
    started = time.perf_counter()
    cpu_started = time.process_time()
    genuine = sum(verify_serial(keyring, gtin, CodeLevel.UNIT, s).genuine for s in serials)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    assert genuine == n
    report(
        f"verify single {n:>11,} codes  {elapsed:6.2f} s  {n / elapsed:>12,.0f} codes/s "
        f"(cpu {n / cpu:>11,.0f}/s)"
    )


def machine_facts() -> None:
    """CPU model, cores, Python and date, so the figures can be compared."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        model = found.group(1).strip() if found else model
    report(
        f"machine: {model}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}, "
        f"{datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    )


def _suyuan(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "suyuan", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def _timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time (s), CPU time (s) and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    if shutil.which("time") and Path("/usr/bin/time").exists():
        done = subprocess.run(
            ["/usr/bin/time", "-v", *command],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - started
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        cpu = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
        assert found is not None, done.stderr
        return elapsed, sum(map(float, cpu)), int(found.group(1)) / 1024
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def bench_cli_issue(n: int, directory: Path) -> None:
    """``suyuan codes issue --count n --out FILE`` on a fresh SQLite database, end to end."""
    env = dict(os.environ) | {
        "SUYUAN_DATABASE_URL": f"sqlite:///{directory}/bench.db",
        "SUYUAN_KEY_DIR": str(directory / "keys"),
        "SUYUAN_RESOLVER_URL": RESOLVER,
    }
    _suyuan(env, "db", "upgrade")
    _suyuan(env, "enterprises", "add", "bench", "--name", "Bench", "--idis-prefix", PREFIX)
    _suyuan(env, "products", "add", "09506000134352", "-e", "bench", "--name", "Bench")
    for fmt in (PrinterFormat.IDIS, PrinterFormat.CSV):
        out = directory / f"cli.{fmt.value}"
        command = [sys.executable, "-m", "suyuan", "codes", "issue", "--gtin", "09506000134352"]
        command += ["--count", str(n), "--out", str(out), "--format", fmt.value]
        elapsed, cpu, rss = _timed_run(command, env)
        lines = sum(chunk.count(b"\n") for chunk in _chunks(out))
        size = out.stat().st_size / 2**20
        out.unlink()
        assert lines == n + (fmt is PrinterFormat.CSV), lines
        report(
            f"cli codes issue --format {fmt.value:5} {n:>11,} codes  {elapsed:6.2f} s  "
            f"{n / elapsed:>12,.0f} codes/s (cpu {n / cpu:>11,.0f}/s)  {size:8.1f} MB  "
            f"peak RSS {rss:6.1f} MB (whole process, start-up included)"
        )
    bench_verify_service(env, n)


def _chunks(path: Path) -> list[bytes]:
    with path.open("rb") as handle:
        return list(iter(lambda: handle.read(1 << 24), b""))


def bench_verify_service(env: dict[str, str], issued: int) -> None:
    """``verify_codes`` on printed codes: parse, tag, block and state look-ups in SQLite."""
    from suyuan.bootstrap import Runtime
    from suyuan.config import Settings
    from suyuan.services.codes import get_block, tenant_keyring, verify_codes

    runtime = Runtime(
        Settings(database_url=env["SUYUAN_DATABASE_URL"], key_dir=Path(env["SUYUAN_KEY_DIR"]))
    )
    from suyuan.domain.access import Actor

    with runtime.uow(write=False) as uow:
        block = get_block(uow, Actor.system(), 1)
    keyring = tenant_keyring(runtime.settings.key_dir, block.tenant_id)
    assert keyring is not None
    n = min(issued, 50_000)
    sub = CodeBlock(Gtin.parse(block.gtin), CodeLevel.UNIT, issued - n, n, block.key_id or 0)
    codes = [f"{PREFIX}/{block.gtin}{s}" for s in issue_serials(keyring, sub)]
    started = time.perf_counter()
    with runtime.uow(write=False) as uow:
        checks = verify_codes(uow, codes, key_dir=runtime.settings.key_dir)
    elapsed = time.perf_counter() - started
    runtime.close()
    assert all(c.genuine and c.state == "issued" for c in checks)
    report(
        f"verify service {n:>10,} trace codes  {elapsed:6.2f} s  {n / elapsed:>12,.0f} codes/s "
        "(parse + tag + block and state look-ups in SQLite)"
    )


def main() -> None:
    """Parse arguments and run the benchmarks in order."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codes", type=int, default=10_000_000)
    parser.add_argument("--verify", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None, help="directory for the files")
    parser.add_argument("--cli-codes", type=int, default=10_000_000, help="0 skips the CLI run")
    parser.add_argument("--cli-only", action="store_true", help="only the end-to-end CLI run")
    args = parser.parse_args()
    machine_facts()
    if args.cli_only:
        with tempfile.TemporaryDirectory(dir=args.out) as tmp:
            bench_cli_issue(args.cli_codes, Path(tmp))
        return
    keyring = KeyRing.generate().rotated()  # key ids 0 (old) and 1 (current)
    gtin = Gtin.parse("09506000134352")
    started = time.perf_counter()
    for key_id in keyring.key_ids:
        keyring.material(key_id).round_tables()
    report(
        f"round tables for 2 keys: {time.perf_counter() - started:.2f} s, "
        f"peak RSS {peak_rss_mb():.1f} MB"
    )
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        for fmt in (PrinterFormat.IDIS, PrinterFormat.URL, PrinterFormat.CSV):
            bench_printer_file(keyring, gtin, fmt, args.codes, Path(tmp) / f"codes.{fmt.value}")
            bench_printer_file(keyring, gtin, fmt, args.codes, None)
    bench_verify(keyring, gtin, args.verify)
    report(f"peak RSS at the end: {peak_rss_mb():.1f} MB")
    if args.cli_codes:
        with tempfile.TemporaryDirectory(dir=args.out) as tmp:
            bench_cli_issue(args.cli_codes, Path(tmp))


if __name__ == "__main__":
    main()
