"""Streaming printer files for packaging lines (GEN-3): one code per line, flat memory.

Every line of a format has the same shape, so a chunk of lines is built as a 2-D byte
array: a constant template row broadcast over the chunk, serial columns copied in, and
(CSV only) sequence digits computed arithmetically. No per-code Python string work, so
a file of 10^7 codes streams at several million codes per second in a few MB of memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, BinaryIO

import numpy as np

from suyuan.codes.keys import KeyRing
from suyuan.codes.renderings import check_base_url, check_idis_prefix
from suyuan.codes.serials import DEFAULT_CHUNK, SERIAL_LENGTH, CodeBlock, issue_serial_chunks
from suyuan.errors import InvalidInput
from suyuan.identifiers.idis import IdisPrefix

Progress = Callable[[int, int], None]  # (codes written, codes in the file)
U8 = np.ndarray[Any, np.dtype[np.uint8]]
_CHUNK_BYTES = 4 << 20


class PrinterFormat(StrEnum):
    """Line formats a packaging-line printer can take."""

    IDIS = "idis"  # prefix/GTIN14SERIAL
    URL = "url"  # https://host/01/GTIN14/21/SERIAL
    ELEMENT = "element"  # (01)GTIN14(21)SERIAL
    CSV = "csv"  # seq,serial[,idis_code][,url],element_string


class _Field(StrEnum):
    SERIAL = "serial"
    SEQ = "seq"


Segment = bytes | _Field


@dataclass(frozen=True, slots=True)
class _Template:
    row: U8  # the constant bytes of one line, zeros where fields go
    serial_offsets: tuple[int, ...]
    seq_offset: int  # -1 when the line has no sequence number
    seq_width: int

    @classmethod
    def build(cls, segments: list[Segment], seq_width: int) -> _Template:
        row = bytearray()
        serial_offsets: list[int] = []
        seq_offset = -1
        for segment in segments:
            if segment is _Field.SERIAL:
                serial_offsets.append(len(row))
                row += bytes(SERIAL_LENGTH)
            elif segment is _Field.SEQ:
                seq_offset = len(row)
                row += bytes(seq_width)
            else:
                row += segment.encode("ascii") if isinstance(segment, str) else segment
        return cls(
            np.frombuffer(bytes(row), dtype=np.uint8), tuple(serial_offsets), seq_offset, seq_width
        )

    def render(self, serials: U8, first_seq: int) -> U8:
        """The lines of one chunk as a flat byte array."""
        rows = np.empty((serials.shape[0], self.row.size), dtype=np.uint8)
        rows[:] = self.row
        for offset in self.serial_offsets:
            rows[:, offset : offset + SERIAL_LENGTH] = serials
        if self.seq_offset < 0:
            return rows.reshape(-1)
        return self._with_seq(rows, first_seq)

    def _with_seq(self, rows: U8, first_seq: int) -> U8:
        seq = np.arange(first_seq, first_seq + rows.shape[0], dtype=np.uint64)
        for j in range(self.seq_width):
            power = np.uint64(10 ** (self.seq_width - 1 - j))
            rows[:, self.seq_offset + j] = (seq // power) % np.uint64(10) + np.uint64(48)
        if first_seq >= 10 ** (self.seq_width - 1):
            return rows.reshape(-1)  # every number has full width: nothing to strip
        keep = np.ones(rows.shape, dtype=bool)
        for j in range(self.seq_width - 1):
            keep[:, self.seq_offset + j] = seq >= np.uint64(10 ** (self.seq_width - 1 - j))
        # Boolean indexing compacts the kept bytes row by row: variable-width numbers, no loop.
        compacted: U8 = rows[keep]
        return compacted


def _segments(
    fmt: PrinterFormat, gtin: str, idis_prefix: str | None, base_url: str | None
) -> list[Segment]:
    idis: list[Segment] = []
    url: list[Segment] = []
    if idis_prefix:
        idis = [f"{idis_prefix}/{gtin}".encode("ascii"), _Field.SERIAL]
    if base_url:
        url = [f"{base_url}/01/{gtin}/21/".encode("ascii"), _Field.SERIAL]
    element: list[Segment] = [f"(01){gtin}(21)".encode("ascii"), _Field.SERIAL]
    if fmt is PrinterFormat.IDIS:
        return [*idis, b"\n"]
    if fmt is PrinterFormat.URL:
        return [*url, b"\n"]
    if fmt is PrinterFormat.ELEMENT:
        return [*element, b"\n"]
    line: list[Segment] = [_Field.SEQ, b",", _Field.SERIAL]
    for columns in (idis, url, element):
        if columns:
            line += [b",", *columns]
    return [*line, b"\n"]


def csv_header(*, has_idis: bool, has_url: bool) -> bytes:
    """The CSV header line matching the columns ``write_printer_file`` writes."""
    names = ["seq", "serial"] + (["idis_code"] if has_idis else []) + (["url"] if has_url else [])
    return (",".join([*names, "element_string"]) + "\n").encode("ascii")


def write_printer_file(
    out: BinaryIO,
    keyring: KeyRing,
    block: CodeBlock,
    *,
    fmt: PrinterFormat,
    idis_prefix: str | IdisPrefix | None = None,
    resolver_base_url: str | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Stream the codes of ``block`` to ``out`` in ``fmt``, one per line; return the count.

    ``idis`` needs ``idis_prefix``, ``url`` needs ``resolver_base_url``; ``csv`` adds the
    ``idis_code`` and ``url`` columns when they are given. Lines end in ``\\n``, ASCII only.
    ``chunk_size`` (codes per write) defaults to about 4 MB of text.
    """
    prefix = check_idis_prefix(idis_prefix) if idis_prefix is not None else None
    base = check_base_url(resolver_base_url) if resolver_base_url is not None else None
    if fmt is PrinterFormat.IDIS and prefix is None:
        raise InvalidInput("the idis printer format needs an identifier prefix")
    if fmt is PrinterFormat.URL and base is None:
        raise InvalidInput("the url printer format needs a resolver base URL")
    template = _Template.build(
        _segments(fmt, block.gtin.value, prefix, base), seq_width=len(str(max(block.count, 1)))
    )
    if chunk_size is None:
        # About 4 MB of text per chunk: 65,536 short lines, fewer long CSV lines.
        chunk_size = max(1024, min(DEFAULT_CHUNK, _CHUNK_BYTES // template.row.size))
    if fmt is PrinterFormat.CSV:
        out.write(csv_header(has_idis=prefix is not None, has_url=base is not None))
    done = 0
    for serials in issue_serial_chunks(keyring, block, chunk_size=chunk_size):
        out.write(template.render(serials, done + 1).data)
        done += serials.shape[0]
        if progress is not None:
            progress(done, block.count)
    return done
