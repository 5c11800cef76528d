"""Label symbols and sheets: QR codes (QBT-6.3, QBT-6.4), GS1 DataMatrix, PDF label sheets.

Every symbol can carry its human-readable code underneath, needed for manual entry
(QBT-12.2). A QR code holds the resolver URL of the code (GS1 Digital Link), so any phone
camera opens the resolver; a GS1 DataMatrix holds the element string with FNC1 (``]d2``),
for line scanners and GS1 tooling.
"""

from __future__ import annotations

import html
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

import numpy as np
import segno
import zxingcpp
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from suyuan.codes.keys import KeyRing
from suyuan.codes.renderings import digital_link_url, element_string, idis_code
from suyuan.codes.serials import CodeBlock, issue_serial_chunks
from suyuan.identifiers.gs1 import Gtin
from suyuan.identifiers.idis import IdisPrefix

QR_ERROR_LEVEL = "m"  # 15 % recovery: survives scuffed labels, keeps version low


class Symbology(StrEnum):
    """The 2-D symbol printed on a label."""

    QR = "qr"
    DATAMATRIX = "datamatrix"


@dataclass(frozen=True, slots=True)
class Label:
    """What one label shows: the symbol's content and the human-readable caption."""

    content: str
    caption: str
    symbology: Symbology = Symbology.QR


def qr_label(
    base_url: str, gtin: Gtin, serial: str, *, idis_prefix: str | IdisPrefix | None = None
) -> Label:
    """A QR label whose content is the Digital Link URL; caption is the trace code."""
    caption = idis_code(idis_prefix, gtin, serial) if idis_prefix else element_string(gtin, serial)
    return Label(digital_link_url(base_url, gtin, serial), caption, Symbology.QR)


def datamatrix_label(gtin: Gtin, serial: str) -> Label:
    """A GS1 DataMatrix label holding ``(01)GTIN(21)SERIAL``, captioned the same way."""
    text = element_string(gtin, serial)
    return Label(text, text, Symbology.DATAMATRIX)


def labels_for_block(
    keyring: KeyRing,
    block: CodeBlock,
    *,
    symbology: Symbology = Symbology.QR,
    resolver_base_url: str = "",
    idis_prefix: str | IdisPrefix | None = None,
) -> Iterator[Label]:
    """The labels of a block, generated lazily in counter order."""
    for chunk in issue_serial_chunks(keyring, block, chunk_size=4096):
        for row in chunk:
            serial = row.tobytes().decode("ascii")
            if symbology is Symbology.QR:
                yield qr_label(resolver_base_url, block.gtin, serial, idis_prefix=idis_prefix)
            else:
                yield datamatrix_label(block.gtin, serial)


def _matrix(label: Label) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
    """The symbol as a grayscale pixel array, one pixel per module, with quiet zone."""
    if label.symbology is Symbology.QR:
        qr = segno.make_qr(label.content, error=QR_ERROR_LEVEL)
        dark = np.array(list(qr.matrix_iter(scale=1, border=4)), dtype=bool)
        return np.where(dark, 0, 255).astype(np.uint8)
    # gs1=True makes zxing-cpp (zint) encode FNC1 and the AIs from the "(01)…(21)…" text;
    # forceSquare avoids the rectangular DMRE sizes many GS1 scanners do not read.
    barcode = zxingcpp.create_barcode(
        label.content, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, forceSquare=True
    )
    return np.asarray(barcode.to_image(scale=1, add_quiet_zones=True), dtype=np.uint8)


def symbol_image(label: Label, *, scale: int = 4, with_caption: bool = True) -> Image.Image:
    """The label as a PIL image: symbol scaled ``scale`` px per module, caption below."""
    modules = _matrix(label)
    symbol = Image.fromarray(modules.repeat(scale, 0).repeat(scale, 1), mode="L")
    if not with_caption:
        return symbol
    font = ImageFont.load_default(size=max(10, 3 * scale))
    probe = ImageDraw.Draw(symbol)
    left, top, right, bottom = (int(v) for v in probe.textbbox((0, 0), label.caption, font=font))
    width = max(symbol.width, right - left + 2 * scale)
    canvas = Image.new("L", (width, symbol.height + bottom - top + 2 * scale), 255)
    canvas.paste(symbol, ((width - symbol.width) // 2, 0))
    ImageDraw.Draw(canvas).text(
        ((width - (right - left)) // 2 - left, symbol.height - top), label.caption, font=font
    )
    return canvas


def symbol_png(label: Label, *, scale: int = 4, with_caption: bool = True) -> bytes:
    """The label as PNG bytes."""
    buffer = io.BytesIO()
    symbol_image(label, scale=scale, with_caption=with_caption).save(buffer, format="PNG")
    return buffer.getvalue()


def symbol_svg(label: Label, *, scale: int = 4, with_caption: bool = True) -> str:
    """The label as a standalone SVG: one rectangle per dark module, caption as text."""
    modules = _matrix(label)
    rows, cols = modules.shape
    caption_height = 4 * scale if with_caption else 0
    width, height = cols * scale, rows * scale + caption_height
    ys, xs = np.nonzero(modules < 128)
    path = "".join(f"M{x} {y}h1v1h-1z" for x, y in zip(xs.tolist(), ys.tolist(), strict=True))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<path transform="scale({scale})" fill="#000" d="{path}"/>',
    ]
    if with_caption:
        parts.append(
            f'<text x="{width / 2}" y="{rows * scale + 3 * scale}" text-anchor="middle" '
            f'font-family="monospace" font-size="{3 * scale}">{html.escape(label.caption)}</text>'
        )
    return "".join([*parts, "</svg>"])


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """An A4 grid of labels, in millimetres."""

    columns: int = 4
    rows: int = 6
    margin: float = 10.0
    caption_height: float = 8.0
    caption_font_size: float = 6.5

    @property
    def per_page(self) -> int:
        """Labels per page."""
        return self.columns * self.rows


def _draw_label(
    pdf: FPDF, label: Label, x: float, y: float, w: float, h: float, layout: SheetLayout
) -> None:
    size = min(w, h - layout.caption_height) - 2
    png = symbol_png(label, scale=2, with_caption=False)
    pdf.image(io.BytesIO(png), x=x + (w - size) / 2, y=y + 1, w=size, h=size)
    pdf.set_xy(x, y + 1 + size)
    pdf.multi_cell(w, layout.caption_font_size * 0.42, label.caption, align="C")


def write_label_sheet(
    out: BinaryIO,
    labels: Iterable[Label],
    *,
    layout: SheetLayout | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write labels as an A4 PDF grid, reading ``labels`` lazily one page at a time.

    Returns the page count. fpdf2 holds the finished pages (compressed symbol images
    and text) until the file is written, about 70 kB per page, so for very large ranges
    write several sheets. segno's mask selection (pure Python) costs ~8 ms per QR code:
    sheets suit hundreds or thousands of labels; line printers take printer files.
    """
    grid = layout or SheetLayout()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("Courier", size=grid.caption_font_size)
    cell_w = (210 - 2 * grid.margin) / grid.columns
    cell_h = (297 - 2 * grid.margin) / grid.rows
    items = iter(labels)
    done = 0
    while page := list(itertools.islice(items, grid.per_page)):
        pdf.add_page()
        for index, label in enumerate(page):
            row, col = divmod(index, grid.columns)
            x, y = grid.margin + col * cell_w, grid.margin + row * cell_h
            _draw_label(pdf, label, x, y, cell_w, cell_h, grid)
        done += len(page)
        if progress is not None:
            progress(done)
    if pdf.page == 0:
        pdf.add_page()  # a PDF needs at least one page, even for an empty range
    out.write(pdf.output())
    return pdf.page
