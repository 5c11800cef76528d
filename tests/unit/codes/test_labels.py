"""Labels: QR (QBT-6.3, QBT-6.4), GS1 DataMatrix, PDF sheets with readable codes (QBT-12.2)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from suyuan.codes.keys import KeyRing
from suyuan.codes.labels import (
    Label,
    SheetLayout,
    Symbology,
    datamatrix_label,
    labels_for_block,
    qr_label,
    symbol_png,
    symbol_svg,
    write_label_sheet,
)
from suyuan.codes.serials import CodeBlock, CodeLevel
from suyuan.codes.verification import verify_serial
from suyuan.identifiers.gs1 import Gtin

PREFIX = "88.608.8889"
RESOLVER = "https://trace.example.cn"


def _decode(png: bytes) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(Image.open(io.BytesIO(png))))


@pytest.fixture(scope="module")
def serials(keyring: KeyRing, gtin: Gtin) -> list[str]:
    """A few genuine unit serials."""
    block = CodeBlock(gtin, CodeLevel.UNIT, 0, 3, 1)
    return [
        label.content.rsplit("/", 1)[1]
        for label in labels_for_block(keyring, block, resolver_base_url=RESOLVER)
    ]


@pytest.mark.parametrize("with_caption", [True, False])
def test_a_decoded_qr_code_points_at_the_resolver_and_yields_the_code(
    keyring: KeyRing, gtin: Gtin, serials: list[str], with_caption: bool
) -> None:
    """QBT-6.4 test: the decoded host is the configured resolver; the path yields the code."""
    label = qr_label(RESOLVER, gtin, serials[0], idis_prefix=PREFIX)
    (barcode,) = _decode(symbol_png(label, with_caption=with_caption))
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    url = urlsplit(barcode.text)
    assert f"{url.scheme}://{url.netloc}" == RESOLVER
    assert url.path == f"/01/{gtin.value}/21/{serials[0]}"
    assert verify_serial(keyring, gtin, CodeLevel.UNIT, url.path.rsplit("/", 1)[1]).genuine
    assert label.caption == f"{PREFIX}/{gtin.value}{serials[0]}"


def test_a_gs1_datamatrix_decodes_as_gs1_with_the_element_string(
    gtin: Gtin, serials: list[str]
) -> None:
    """FNC1-led GS1 DataMatrix (``]d2``), square, holding (01) and (21)."""
    label = datamatrix_label(gtin, serials[1])
    (barcode,) = _decode(symbol_png(label))
    assert barcode.format == zxingcpp.BarcodeFormat.DataMatrix
    assert barcode.symbology_identifier == "]d2"
    assert barcode.content_type == zxingcpp.ContentType.GS1
    assert barcode.text == f"(01){gtin.value}(21){serials[1]}"
    assert barcode.bytes == f"01{gtin.value}21{serials[1]}".encode("ascii")


@pytest.mark.parametrize("symbology", list(Symbology))
def test_svg_symbols_are_well_formed_and_carry_the_caption(
    gtin: Gtin, serials: list[str], symbology: Symbology
) -> None:
    """QBT-6.3: the human-readable code is printed with the symbol."""
    label = (
        qr_label(RESOLVER, gtin, serials[2])
        if symbology is Symbology.QR
        else datamatrix_label(gtin, serials[2])
    )
    root = ET.fromstring(symbol_svg(label))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert root.find(f"{ns}text").text == label.caption  # type: ignore[union-attr]
    bare = ET.fromstring(symbol_svg(label, with_caption=False))
    assert bare.find(f"{ns}text") is None


def test_svg_modules_match_the_png_symbol(gtin: Gtin, serials: list[str]) -> None:
    """SVG and PNG draw the same matrix: dark module count equals dark pixels / scale^2."""
    label = qr_label(RESOLVER, gtin, serials[0])
    svg = symbol_svg(label, scale=3, with_caption=False)
    modules = svg.count("h1v1h-1z")
    image = Image.open(io.BytesIO(symbol_png(label, scale=3, with_caption=False)))
    dark = int((np.asarray(image) == 0).sum())
    assert dark == modules * 9


def test_a_pdf_sheet_has_the_expected_page_count(keyring: KeyRing, gtin: Gtin) -> None:
    """QBT-12.2: an A4 grid with the code under each symbol, 24 per page, 50 labels = 3 pages."""
    block = CodeBlock(gtin, CodeLevel.UNIT, 0, 50, 1)
    out = io.BytesIO()
    done: list[int] = []
    pages = write_label_sheet(
        out,
        labels_for_block(keyring, block, resolver_base_url=RESOLVER, idis_prefix=PREFIX),
        progress=done.append,
    )
    data = out.getvalue()
    assert pages == 3
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 3
    assert done == [24, 48, 50]


def test_a_datamatrix_sheet_and_an_empty_sheet(keyring: KeyRing, gtin: Gtin) -> None:
    """DataMatrix labels fit the same grid; an empty range still makes a valid one-page PDF."""
    block = CodeBlock(gtin, CodeLevel.CASE, 0, 5, 1)
    out = io.BytesIO()
    layout = SheetLayout(columns=2, rows=2)
    labels = labels_for_block(keyring, block, symbology=Symbology.DATAMATRIX)
    assert write_label_sheet(out, labels, layout=layout) == 2
    empty = io.BytesIO()
    assert write_label_sheet(empty, iter(list[Label]())) == 1
    assert empty.getvalue().startswith(b"%PDF-")
