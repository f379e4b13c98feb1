"""Small ruled-table PDFs drawn line by line with reportlab's canvas, for the regression tests of the
red team's fixes: exactly the borders and text layer a case needs (a table continued on the next page
without its top rule, radicals in the text layer), nothing else.  No code of the product is used."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))

Cell = tuple[str, int]  # text ("\n" between lines), how many grid columns it spans


@dataclass(frozen=True)
class Page:
    rows: Sequence[Sequence[Cell]]
    above: Sequence[str] = ()  # lines above the table (title, 申报单位, 申报时间)
    open_top: bool = False  # no rule above the first row (a table continued from the page before)
    open_bottom: bool = False  # no rule below the last row (the table goes on on the next page)


COLUMNS = (80.0, 70.0, 130.0, 70.0, 130.0)  # the template's five columns, in points
ROW = 34.0


def pdf(pages: Sequence[Page], columns: Sequence[float] = COLUMNS) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    left = 60.0
    for page in pages:
        y = A4[1] - 60
        c.setFont("STSong-Light", 11)
        for line in page.above:
            c.drawString(left, y, line)
            y -= 22
        top = y
        for i, row in enumerate(page.rows):
            x = left
            bottom = top - ROW
            col = 0
            for text, span in row:
                for k, part in enumerate(text.split("\n")):
                    c.drawString(x + 4, top - 14 - 12 * k, part)
                c.line(x, top, x, bottom)
                x += sum(columns[col : col + span])
                col += span
            c.line(x, top, x, bottom)
            if i > 0 or not page.open_top:
                c.line(left, top, x, top)
            if i == len(page.rows) - 1 and not page.open_bottom:
                c.line(left, bottom, x, bottom)
            top = bottom
        c.showPage()
    c.save()
    return buf.getvalue()
