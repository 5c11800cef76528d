"""Printer files for packaging lines (GEN-3, QBT-7.2): every line parses back; memory stays flat."""

from __future__ import annotations

import csv
import io
import os
import tracemalloc

import pytest

from suyuan.codes.keys import KeyRing
from suyuan.codes.printer_files import PrinterFormat, write_printer_file
from suyuan.codes.renderings import digital_link_url, element_string, idis_code
from suyuan.codes.serials import CodeBlock, CodeLevel, issue_serials
from suyuan.errors import InvalidIdentifier, InvalidInput
from suyuan.identifiers.digital_link import DigitalLink
from suyuan.identifiers.element_strings import parse_bracketed
from suyuan.identifiers.gs1 import Gtin
from suyuan.identifiers.idis import TraceCode

PREFIX = "88.608.8889"
RESOLVER = "https://trace.example.cn"

N = 1234  # crosses several chunks of 100 and seq widths 1 to 4


def _write(keyring: KeyRing, block: CodeBlock, fmt: PrinterFormat, **kwargs: object) -> str:
    out = io.BytesIO()
    written = write_printer_file(
        out,
        keyring,
        block,
        fmt=fmt,
        idis_prefix=PREFIX,
        resolver_base_url=RESOLVER + "/",
        chunk_size=100,
        **kwargs,  # type: ignore[arg-type]
    )
    assert written == block.count
    return out.getvalue().decode("ascii")


@pytest.fixture(scope="module")
def block(gtin: Gtin) -> CodeBlock:
    """A block of unit codes."""
    return CodeBlock(gtin, CodeLevel.UNIT, 5_000, N, 1)


@pytest.fixture(scope="module")
def serials(keyring: KeyRing, block: CodeBlock) -> list[str]:
    """The block's serials, issued the plain way."""
    return issue_serials(keyring, block)


def test_idis_lines_parse_back_as_trace_codes(
    keyring: KeyRing, block: CodeBlock, serials: list[str]
) -> None:
    """QBT-7.2: one ``prefix/GTIN14SERIAL`` per line, at most 100 characters, N lines."""
    lines = _write(keyring, block, PrinterFormat.IDIS).splitlines()
    assert len(lines) == N
    codes = [TraceCode.parse(line) for line in lines]
    assert [c.serial for c in codes] == serials
    assert {(c.prefix.value, c.gtin) for c in codes} == {(PREFIX, block.gtin)}
    assert lines[0] == idis_code(PREFIX, block.gtin, serials[0])


def test_url_lines_parse_back_as_digital_links(
    keyring: KeyRing, block: CodeBlock, serials: list[str]
) -> None:
    """QBT-6.4: resolver host, then ``/01/{gtin}/21/{serial}``."""
    lines = _write(keyring, block, PrinterFormat.URL).splitlines()
    assert len(lines) == N
    assert all(line.startswith(RESOLVER + "/01/") for line in lines)
    links = [DigitalLink.parse(line) for line in lines]
    assert [link.get("21") for link in links] == serials
    assert {link.get("01") for link in links} == {block.gtin.value}
    assert lines[-1] == digital_link_url(RESOLVER, block.gtin, serials[-1])


def test_element_lines_parse_back_as_gs1_element_strings(
    keyring: KeyRing, block: CodeBlock, serials: list[str]
) -> None:
    """``(01)GTIN14(21)SERIAL`` per line."""
    lines = _write(keyring, block, PrinterFormat.ELEMENT).splitlines()
    assert len(lines) == N
    parsed = [dict(parse_bracketed(line)) for line in lines]
    assert [p["21"] for p in parsed] == serials
    assert {p["01"] for p in parsed} == {block.gtin.value}
    assert lines[7] == element_string(block.gtin, serials[7])


def test_csv_has_a_header_and_consistent_columns(
    keyring: KeyRing, block: CodeBlock, serials: list[str]
) -> None:
    """Columns seq, serial, idis code, url, element string; seq counts 1..N without padding."""
    rows = list(csv.DictReader(io.StringIO(_write(keyring, block, PrinterFormat.CSV))))
    assert len(rows) == N
    assert list(rows[0]) == ["seq", "serial", "idis_code", "url", "element_string"]
    assert [r["seq"] for r in rows] == [str(i) for i in range(1, N + 1)]
    assert [r["serial"] for r in rows] == serials
    for row in rows[:: N // 10]:
        assert row["idis_code"] == idis_code(PREFIX, block.gtin, row["serial"])
        assert row["url"] == digital_link_url(RESOLVER, block.gtin, row["serial"])
        assert row["element_string"] == element_string(block.gtin, row["serial"])


def test_csv_leaves_out_columns_it_has_no_data_for(keyring: KeyRing, gtin: Gtin) -> None:
    """Without prefix or resolver the CSV has seq, serial and element string."""
    out = io.BytesIO()
    write_printer_file(
        out, keyring, CodeBlock(gtin, CodeLevel.CAP, 0, 10, 1), fmt=PrinterFormat.CSV
    )
    lines = out.getvalue().decode("ascii").splitlines()
    assert lines[0] == "seq,serial,element_string"
    assert len(lines) == 11
    assert lines[10].startswith("10,")


def test_progress_is_reported_per_chunk(keyring: KeyRing, block: CodeBlock) -> None:
    """Long work shows progress (DESIGN: CLI progress bars)."""
    seen: list[tuple[int, int]] = []
    _write(
        keyring, block, PrinterFormat.IDIS, progress=lambda done, total: seen.append((done, total))
    )
    assert seen[0] == (100, N)
    assert seen[-1] == (N, N)
    assert len(seen) == 13


def test_an_empty_block_writes_an_empty_file(keyring: KeyRing, gtin: Gtin) -> None:
    """Zero codes, zero lines (CSV: the header only)."""
    assert _write(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 0, 1), PrinterFormat.IDIS) == ""
    csv_text = _write(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 0, 1), PrinterFormat.CSV)
    assert csv_text.count("\n") == 1


@pytest.mark.parametrize(
    ("fmt", "prefix", "base", "error"),
    [
        (PrinterFormat.IDIS, None, RESOLVER, InvalidInput),
        (PrinterFormat.URL, PREFIX, None, InvalidInput),
        (PrinterFormat.IDIS, "not a prefix", None, InvalidIdentifier),
        (PrinterFormat.IDIS, "88" + ".123456789012" * 6, None, InvalidInput),
        (PrinterFormat.URL, None, "ftp://x.cn", InvalidInput),
        (PrinterFormat.CSV, None, "https://x.cn/a,b", InvalidInput),
    ],
)
def test_unusable_prefixes_and_urls_are_rejected(
    keyring: KeyRing,
    gtin: Gtin,
    fmt: PrinterFormat,
    prefix: str | None,
    base: str | None,
    error: type[Exception],
) -> None:
    """QBT-7.2(c) length limit; nothing that would break a line, a CSV field or a URL."""
    with pytest.raises(error):
        write_printer_file(
            io.BytesIO(),
            keyring,
            CodeBlock(gtin, CodeLevel.UNIT, 0, 1, 1),
            fmt=fmt,
            idis_prefix=prefix,
            resolver_base_url=base,
        )


@pytest.mark.parametrize("fmt", [PrinterFormat.IDIS, PrinterFormat.CSV])
def test_streaming_two_million_codes_keeps_memory_flat(
    keyring: KeyRing, gtin: Gtin, fmt: PrinterFormat
) -> None:
    """GEN-3: memory does not grow with the file (tables are built before measuring)."""
    keyring.material(1).round_tables()
    tracemalloc.start()
    try:
        with open(os.devnull, "wb") as sink:
            write_printer_file(
                sink,
                keyring,
                CodeBlock(gtin, CodeLevel.UNIT, 0, 2_000_000, 1),
                fmt=fmt,
                idis_prefix=PREFIX,
                resolver_base_url=RESOLVER,
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # a ~4 MB chunk of text and its serials, a couple of copies
