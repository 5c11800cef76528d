"""Recall reports for regulators (GEN-29): scope, timeline, notices, recovered and missing.

CSV lists every unit; the PDF summarises per holder. The PDF uses a CJK font when the
machine has one (fonts-noto-cjk, wqy) and otherwise prints enterprise handles instead
of Chinese names, so it can always be produced.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fpdf import FPDF

from suyuan.domain.access import Actor
from suyuan.services.recalls import recall_status, recall_unit_rows
from suyuan.storage.uow import UnitOfWork

CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)


def report_csv(uow: UnitOfWork, actor: Actor, recall_id: int) -> bytes:
    """One row per unit and container in scope: holder, previous status, recovery."""
    rows = recall_unit_rows(uow, actor, recall_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["recall_id", "code", "kind", "holder", "previous_status", "recovered_at", "recovered_by"]
    )
    for row in rows:
        writer.writerow(
            [
                recall_id,
                row["key"],
                row["kind"],
                row["holder"] or "",
                row["previous_status"],
                row["recovered_at"] or "",
                row["recovered_by"] or "",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _font(pdf: FPDF) -> bool:
    for path in CJK_FONTS:
        if path.exists():
            try:
                pdf.add_font("cjk", "", str(path))
            except Exception:
                continue
            pdf.set_font("cjk", size=10)
            return True
    pdf.set_font("Helvetica", size=10)
    return False


def report_pdf(uow: UnitOfWork, actor: Actor, recall_id: int) -> bytes:
    """A PDF summary: scope, timeline, notices, recovered and missing units per holder."""
    status = recall_status(uow, actor, recall_id)
    pdf = FPDF(format="A4")
    pdf.add_page()
    cjk = _font(pdf)

    def text(value: Any) -> str:
        shown = str(value)
        return shown if cjk else shown.encode("latin-1", "replace").decode("latin-1")

    def line(value: str, height: float = 6) -> None:
        pdf.multi_cell(0, height, text(value), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font_size(16)
    line(f"Recall {status['recall_id']} - level {status['level']} - {status['status']}", 9)
    pdf.set_font_size(10)
    line(f"Reason: {status['reason']}")
    line(f"Scope: {status['scope']}")
    line(
        f"Opened {status['opened_at']} by {status['opened_by']}; closed "
        f"{status['closed_at'] or '-'}; disposition {status['disposition'] or '-'}"
    )
    line(
        f"Units in scope: {status['unit_count']}; recovered {status['recovered']}; "
        f"missing {status['missing']}; notices sent {status['notices']}"
    )
    line(f"Units by status when recalled: {status['by_previous_status']}")
    pdf.ln(3)
    pdf.set_font_size(12)
    line("Recovery by holder", 8)
    pdf.set_font_size(9)
    widths = (70, 30, 30, 30)
    for cells in [
        ("holder", "units", "recovered", "missing"),
        *(
            (
                h["name"] if cjk and h["name"] else h["holder"] or "?",
                h["units"],
                h["recovered"],
                h["missing"],
            )
            for h in status["holders"]
        ),
    ]:
        for width, cell in zip(widths, cells, strict=True):
            pdf.cell(width, 6, text(cell), border=1)
        pdf.ln()
    pdf.ln(3)
    pdf.set_font_size(12)
    line("Timeline", 8)
    pdf.set_font_size(9)
    for entry in status["timeline"]:
        detail = {k: v for k, v in entry["detail"].items() if k != "codes"}
        line(f"{entry['at']}  {entry['actor']}  {entry['action']}  {detail}")
    return bytes(pdf.output())
