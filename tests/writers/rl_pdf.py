"""A 申报表 PDF drawn with reportlab: a PDF not made by LibreOffice nor by the project's own pdfgen.

The table is ruled with lines, text set in the Adobe-GB1 CID font STSong-Light (as many Chinese office
tools and printers' drivers do, no font embedded), and choice marks drawn the ways a PDF carries them:
as characters (■ □ √ ● ○) or as vector boxes with a tick stroked inside.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from tests.writers.wordml import ce_options, funding_options, scope_options

FONT = "STSong-Light"
STYLES = ("glyph", "tick_after", "tick_before_box", "radio_dots", "drawn_box", "strike_unchosen")


def _font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


Piece = tuple[str, str]  # ("text", s) | ("box", "on"/"off") | ("strike", s)


def _choice(opts: Sequence[tuple[str, str, bool]], style: str) -> list[Piece]:
    out: list[Piece] = []
    for label, rest, on in opts:
        if style == "glyph":
            out.append(("text", ("■" if on else "□") + label + rest + "  "))
        elif style == "tick_after":
            out.append(("text", "□" + label + ("√" if on else "") + rest + "  "))
        elif style == "tick_before_box":
            out.append(("text", ("√" if on else "") + "□" + label + rest + "  "))
        elif style == "radio_dots":
            out.append(("text", ("●" if on else "○") + label + rest + "  "))
        elif style == "drawn_box":
            out += [("box", "on" if on else "off"), ("text", label + rest + "  ")]
        elif style == "strike_unchosen":
            out.append(("text" if on else "strike", "□" + label + rest + "  "))
    return out


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Lines as a word processor breaks them: at the cell's right edge, by measured width."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if line and stringWidth(line + ch, FONT, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


def form_pdf(v: Mapping[str, Any], style: str = "glyph") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    _font()
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    size = 9.5
    y = height - 60
    cv.setFont(FONT, 15)
    cv.drawCentredString(width / 2, y, "专业技术人员知识更新工程2025年高级研修项目申报表")
    y -= 28
    cv.setFont(FONT, 11)
    cv.drawString(60, y, f"申报单位：（盖章）{v['declared_org']}")
    yy, mm, dd = v["declared_date"].split("-")
    cv.drawString(340, y, f"申报时间：{int(yy)}年{int(mm)}月{int(dd)}日")
    y -= 16
    col = [50, 120, 230, 340, 420, 545]  # 5 columns
    rows: list[list[tuple[int, int, Any]]] = []  # (first col, last col exclusive, content)
    a, o = v["applicant"], v["organizer"]
    rows += [
        [(0, 1, "项目名称"), (1, 5, v["project_name"])],
        [(0, 1, "办班时间"), (1, 2, v["training_dates"]), (2, 3, "办班地点"), (3, 5, v["training_location"])],
        [
            (0, 1, "选题所属\n行业领域"),
            (1, 2, v["industry_field"]),
            (2, 3, "选题所属\n行业主管部门"),
            (3, 5, v["industry_authority"]),
        ],
        [(0, 1, "申报项目类别\n(仅单选)"), (1, 5, _choice(funding_options(v), style))],
        [(0, 1, "是否符合\n选题范围"), (1, 5, _choice(scope_options(v), style))],
        [(0, 1, "研修目的\n和作用"), (1, 5, v["purpose"])],
        [(0, 1, "研修内容和方式"), (1, 5, v["content_and_format"])],
        [(0, 1, "授课专家情况"), (1, 5, v["experts"])],
        [(0, 1, "培训对象"), (1, 5, v["trainees"])],
    ]
    for title, u in (("申报单位信息", a), ("承办单位信息", o)):
        rows += [
            [(0, 1, title), (1, 2, "单位名称"), (2, 3, u["name"]), (3, 4, "联系人"), (4, 5, u["contact"])],
            [
                (0, 1, None),
                (1, 2, "办公电话"),
                (2, 3, u["office_phone"]),
                (3, 4, "手机"),
                (4, 5, u["mobile"]),
            ],
            [(0, 1, None), (1, 2, "传真"), (2, 3, u["fax"]), (3, 4, "地址"), (4, 5, u["address"])],
        ]
    rows.append([(0, 1, None), (1, 2, "是否继续\n教育基地"), (2, 5, _choice(ce_options(v), style))])
    for r_i, row in enumerate(rows):
        lines_per_cell = []
        for c0, c1, content in row:
            room = col[c1] - col[c0] - 8
            if isinstance(content, list):
                text = "".join(t for _, t in content) + "  " * sum(1 for k, _ in content if k == "box")
                lines_per_cell.append(len(_wrap(text, room, size)) + 1)
            else:
                lines_per_cell.append(len(_wrap(content or "", room, size)))
        h = max(lines_per_cell) * (size + 3) + 8
        cv.setLineWidth(0.6)
        for c0, c1, content in row:
            section_cont = c0 == 0 and content is None
            cv.line(col[c0], y, col[c0], y - h)
            cv.line(col[c1], y, col[c1], y - h)
            if not section_cont:
                cv.line(col[c0], y, col[c1], y)
            _cell(cv, col[c0] + 4, y - size - 3, col[c1] - col[c0] - 8, content, size)
        y -= h
        next_continues = r_i + 1 < len(rows) and rows[r_i + 1][0][2] is None  # the section cell goes on
        cv.line(col[1] if next_continues else col[0], y, col[5], y)
    cv.showPage()
    cv.save()
    return buf.getvalue()


def _cell(cv: Any, x: float, y: float, width: float, content: Any, size: float) -> None:
    cv.setFont(FONT, size)
    if content is None:
        return
    if not isinstance(content, list):
        for i, line in enumerate(_wrap(content, width, size)):
            cv.drawString(x, y - i * (size + 3), line)
        return
    cx, cy = x, y
    for kind, text in content:
        if kind == "box":
            if cx + size > x + width:
                cx, cy = x, cy - (size + 3)
            cv.rect(cx, cy - 1, size - 1, size - 1)
            if text == "on":  # a tick stroked inside the box
                cv.lines(
                    [
                        (cx + 1.5, cy + 3.5, cx + 3.5, cy + 0.8),
                        (cx + 3.5, cy + 0.8, cx + size - 2.5, cy + size - 3),
                    ]
                )
            cx += size + 1
            continue
        for ch in text:
            w = cv.stringWidth(ch, FONT, size)
            if cx + w > x + width:
                cx, cy = x, cy - (size + 3)
            cv.drawString(cx, cy, ch)
            if kind == "strike":
                cv.line(cx, cy + size * 0.3, cx + w, cy + size * 0.3)
            cx += w
