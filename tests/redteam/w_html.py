"""The IR as an HTML page (the way a web system or a 文印室 re-types the form): rowspan/colspan, <s> for
struck options, <mark>/background for highlights, <u>, <b>.  LibreOffice turns it into .docx / .doc /
PDF, headless Chromium prints it to PDF.  Symbols and controls are shown as the Unicode mark they look
like; `letters=True` keeps a symbol font's letter in its font-family instead (a PDF made where the
font is missing shows the letter).
"""

from __future__ import annotations

import base64
from html import escape

from tests.redteam.model import Cell, Doc, PageBreak, Para, R, Table
from tests.redteam.seal import seal_png


def _run(r: R, letters: bool) -> str:
    if r.br:
        return "<br>"
    if r.dele:
        return ""
    if r.html_input is not None:
        return f'<input type="checkbox"{" checked" if r.html_input else ""}>'
    if r.textbox:
        return "<br>".join(escape(line) for line in r.textbox)
    if r.placeholder:
        return f'<span style="color:#808080">{escape(r.text)}</span>'
    if letters and r.font and r.text:
        text = f"<span style=\"font-family:'{r.font}'\">{escape(r.text)}</span>"
    elif letters and r.sym:
        text = f"<span style=\"font-family:'{r.sym[0]}'\">{escape(chr(int(r.sym[1], 16) & 0xFF))}</span>"
    else:
        text = escape(r.visible).replace("  ", "&nbsp; ")
    if r.b:
        text = f"<b>{text}</b>"
    if r.u:
        text = f"<u>{text}</u>"
    if r.strike:
        text = f"<s>{text}</s>"
    if r.color:
        text = f'<span style="color:#{r.color}">{text}</span>'
    if r.hl or r.shd:
        text = f'<span style="background-color:{r.hl or "#" + (r.shd or "")}">{text}</span>'
    return text


def _para(p: Para, letters: bool, center: bool = False) -> str:
    body = "".join(_run(r, letters) for r in p) or "&nbsp;"
    style = ' style="text-align:center"' if center else ""
    return f"<p{style}>{body}</p>"


def _rowspans(t: Table) -> dict[tuple[int, int], int]:
    """(row, grid column) of each vmerge restart → how many rows it covers."""
    at: dict[tuple[int, int], Cell] = {}
    for ri, row in enumerate(t.rows):
        col = 0
        for c in row:
            at[(ri, col)] = c
            col += c.span
    spans: dict[tuple[int, int], int] = {}
    for (ri, col), c in at.items():
        if c.vmerge == "restart":
            n = 1
            while (nxt := at.get((ri + n, col))) is not None and nxt.vmerge == "continue":
                n += 1
            spans[(ri, col)] = n
    return spans


def _table(t: Table, letters: bool) -> str:
    spans = _rowspans(t)
    total = sum(t.widths)
    cols = "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in t.widths)
    rows = []
    for ri, row in enumerate(t.rows):
        col = 0
        cells = []
        for c in row:
            if c.vmerge != "continue":
                attrs = ""
                if c.span > 1:
                    attrs += f' colspan="{c.span}"'
                if (ri, col) in spans:
                    attrs += f' rowspan="{spans[(ri, col)]}"'
                if c.label:
                    attrs += ' class="label"'
                inner = "".join(_para(p, letters, c.label) for p in c.paras)
                inner += "".join(_table(t, letters) for t in c.tables)
                cells.append(f"<td{attrs}>{inner}</td>")
            col += c.span
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table border="1" cellspacing="0" cellpadding="4">{cols}{"".join(rows)}</table>'


_CSS = """
@page { size: A4; margin: 2cm 1.8cm; }
body { font-family: 'Noto Serif CJK SC', 'SimSun', serif; font-size: 12pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
td { border: 1px solid #000; vertical-align: middle; padding: 3pt 4pt; }
td.label { text-align: center; }
p { margin: 0; line-height: 1.5; }
h1 { font-size: 16pt; text-align: center; }
.seal { position: absolute; left: 7cm; top: 1.9cm; width: 3.6cm; height: 3.6cm; }
.pb { page-break-after: always; }
"""


def html(doc: Doc, *, letters: bool = False, seal: bool | None = None, for_lo: bool = False) -> str:
    parts = []
    sealed = doc.seal if seal is None else seal
    seal_done = False
    for b in doc.blocks:
        if isinstance(b, Table):
            parts.append(_table(b, letters))
        elif isinstance(b, PageBreak):
            parts.append('<p class="pb" style="page-break-after:always">&nbsp;</p>')
        else:
            text = "".join(r.text for r in b)
            if text.endswith("申报表"):
                parts.append(f"<h1>{escape(text)}</h1>")
                continue
            parts.append(_para(b, letters))
            if sealed and not seal_done and "申报单位" in text:
                data = base64.b64encode(seal_png()).decode()
                if for_lo:  # LibreOffice keeps an image's place in the text flow
                    parts.append(f'<p><img src="data:image/png;base64,{data}" width="150" height="150"></p>')
                else:
                    parts.append(f'<img class="seal" src="data:image/png;base64,{data}">')
                seal_done = True
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>申报表</title><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>"
    )
