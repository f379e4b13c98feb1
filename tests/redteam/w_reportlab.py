"""The IR as a PDF drawn with reportlab, the way an online 申报 system or an iText-style export makes it:
Adobe's STSong-Light CID font (not embedded), check boxes in ZapfDingbats (✔ is its "4", ❑ its "q"), the
table as a platypus Table with SPAN commands, a seal drawn as a red ring and star.
"""

from __future__ import annotations

import io
import math
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from tests.redteam.model import Doc, PageBreak, Para, R, Table

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
_BODY = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=15, wordWrap="CJK")
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=15, leading=22, alignment=1)
# the dingbat each mark is drawn with (reportlab encodes it as ZapfDingbats' code: ✔ "4", ❑ "q", ■ "n")
_ZAPF = {"☑": "✔", "☒": "✔", "✓": "✔", "✔": "✔", "√": "✔", "■": "■", "□": "❑", "☐": "❑", "◻": "❑"}


def _run(r: R, zapf: bool) -> str:
    if r.br:
        return "<br/>"
    if r.dele:
        return ""
    text = r.visible
    if zapf and text in _ZAPF:
        return f'<font name="ZapfDingbats">{_ZAPF[text]}</font>'
    out = escape(text).replace("☑", "√").replace("☒", "√").replace("✔", "√").replace("✓", "√")
    if r.b:
        out = f"<b>{out}</b>"
    if r.u:
        out = f"<u>{out}</u>"
    if r.strike:
        out = f"<strike>{out}</strike>"
    if r.hl or r.shd:
        out = f'<span backColor="yellow">{out}</span>'
    if r.color:
        out = f'<font color="#{r.color}">{out}</font>'
    return out


def _para(p: Para, zapf: bool, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph("".join(_run(r, zapf) for r in p) or "&nbsp;", style)


def _table(t: Table, zapf: bool) -> RLTable:
    n_cols = len(t.widths)
    data: list[list[object]] = []
    cmds: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
    ]
    starts: dict[int, int] = {}
    for ri, row in enumerate(t.rows):
        line: list[object] = [""] * n_cols
        col = 0
        for c in row:
            if c.vmerge == "restart":
                starts[col] = ri
            if c.vmerge == "continue":
                r0 = starts[col]
                cmds.append(("SPAN", (col, r0), (col + c.span - 1, ri)))
            else:
                line[col] = [_para(p, zapf) for p in c.paras]
                if c.span > 1:
                    cmds.append(("SPAN", (col, ri), (col + c.span - 1, ri)))
            col += c.span
        data.append(line)
    # vertical spans were added row by row: keep only the largest per start cell
    spans: dict[tuple[int, int], tuple[object, ...]] = {}
    for cmd in cmds:
        if cmd[0] == "SPAN":
            start = cmd[1]
            prev = spans.get(start)  # type: ignore[arg-type]
            if prev is None or prev[2][1] < cmd[2][1]:  # type: ignore[index]
                spans[start] = cmd  # type: ignore[index]
    cmds = [c for c in cmds if c[0] != "SPAN"] + list(spans.values())
    total = sum(t.widths)
    width = A4[0] - 3.6 * cm
    return RLTable(data, colWidths=[width * w / total for w in t.widths], style=TableStyle(cmds))


def _seal(canvas, doc) -> None:  # type: ignore[no-untyped-def]
    canvas.saveState()
    canvas.setStrokeColorRGB(0.86, 0.1, 0.12)
    canvas.setFillColorRGB(0.86, 0.1, 0.12)
    canvas.setLineWidth(3)
    cx, cy, r = 11.5 * cm, A4[1] - 5.2 * cm, 2.1 * cm
    canvas.circle(cx, cy, r, stroke=1, fill=0)
    pts = []
    for i in range(10):
        a = math.pi / 2 + i * math.pi / 5
        rr = 0.55 * cm if i % 2 == 0 else 0.22 * cm
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    p = canvas.beginPath()
    p.moveTo(*pts[0])
    for pt in pts[1:]:
        p.lineTo(*pt)
    p.close()
    canvas.drawPath(p, stroke=0, fill=1)
    canvas.restoreState()


def pdf_bytes(doc: Doc, *, zapf: bool = True) -> bytes:
    buf = io.BytesIO()
    story: list[object] = []
    for b in doc.blocks:
        if isinstance(b, Table):
            story.append(_table(b, zapf))
        elif isinstance(b, PageBreak):
            story.append(RLPageBreak())
        else:
            text = "".join(r.text for r in b)
            story.append(_para(b, zapf, _TITLE if text.endswith("申报表") else _BODY))
            story.append(Spacer(1, 4))
    tmpl = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=1.8 * cm, rightMargin=1.8 * cm, topMargin=2 * cm, bottomMargin=2 * cm
    )
    if doc.seal:
        tmpl.build(story, onFirstPage=_seal)
    else:
        tmpl.build(story)
    return buf.getvalue()
