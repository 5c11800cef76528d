"""Benchmark: issue 10^7 unit codes to printer files, then verify 10^6 codes (batch and single).

Run: ``.venv/bin/python bench/bench_codes.py [--codes N] [--verify N] [--out DIR]``.
Targets (DESIGN): >= 1,000,000 codes/s written with peak RSS < 200 MB for 10^7 codes;
verification >= 200,000 codes/s.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def main() -> None:
    """Parse arguments and run the benchmarks in order."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codes", type=int, default=10_000_000)
    parser.add_argument("--verify", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None, help="directory for the files")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
