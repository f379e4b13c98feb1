"""The IR written with python-docx's public API (what a unit's own script or a web system's export does):
cells merged with `merge`, runs with font, highlight, strike; symbols through OxmlElement (python-docx has
no API for them).  Content controls and legacy fields are beyond it: cases that need them use w_ooxml.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from tests.redteam.model import Doc, PageBreak, Para, Table
from tests.redteam.seal import seal_png

UNSUPPORTED = ("sdt", "ffbox", "eq", "ins", "dele", "shd")


def supports(doc: Doc) -> bool:
    """Whether python-docx's API can write everything in the document (else the case uses w_ooxml)."""
    paras = [b for b in doc.blocks if isinstance(b, tuple)]
    for b in doc.blocks:
        for row in b.rows if isinstance(b, Table) else ():
            for c in row:
                if c.tables:
                    return False
                paras += list(c.paras)
    return not any(
        r.sdt is not None
        or r.ffbox is not None
        or r.eq
        or r.ins
        or r.dele
        or r.shd
        or r.sdt_text
        or r.formtext
        or r.textbox
        for p in paras
        for r in p
    )


def _set_font(run, font: str) -> None:  # type: ignore[no-untyped-def]
    run.font.name = font
    rpr = run._element.get_or_add_rPr()
    rpr.rFonts.set(qn("w:eastAsia"), font)


def _fill(paragraph, p: Para) -> None:  # type: ignore[no-untyped-def]
    for r in p:
        if r.br:
            paragraph.add_run().add_break()
            continue
        run = paragraph.add_run(r.text if not r.sym else "")
        if r.sym:
            sym = OxmlElement("w:sym")
            sym.set(qn("w:font"), r.sym[0])
            sym.set(qn("w:char"), r.sym[1])
            run._element.append(sym)
        if r.font:
            _set_font(run, r.font)
        run.bold = r.b or None
        run.underline = r.u or None
        run.font.strike = r.strike or None
        if r.hl:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        if r.color:
            from docx.shared import RGBColor

            run.font.color.rgb = RGBColor.from_string(r.color)


def docx_bytes(doc: Doc) -> bytes:
    d = Document()
    style = d.styles["Normal"]
    style.font.name = "宋体"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.font.size = Pt(12)
    seal_done = False
    for b in doc.blocks:
        if isinstance(b, PageBreak):
            d.add_page_break()
        elif isinstance(b, Table):
            _table(d, b)
        else:
            para = d.add_paragraph()
            _fill(para, b)
            text = "".join(r.text for r in b)
            if text.endswith("申报表"):
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if doc.seal and not seal_done and "申报单位" in text:
                para.add_run().add_picture(io.BytesIO(seal_png()), width=Twips(2200))
                seal_done = True
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _table(d, t: Table) -> None:  # type: ignore[no-untyped-def]
    n_cols = len(t.widths)
    table = d.add_table(rows=len(t.rows), cols=n_cols)
    table.style = "Table Grid"
    starts: dict[int, tuple[int, int]] = {}  # column → (row, col) of a vertical merge's first cell
    for ri, row in enumerate(t.rows):
        col = 0
        for c in row:
            first = table.cell(ri, col)
            last = table.cell(ri, col + c.span - 1)
            cell = first.merge(last) if c.span > 1 else first
            if c.vmerge == "restart":
                starts[col] = (ri, col)
            if c.vmerge == "continue":
                r0, c0 = starts[col]
                table.cell(r0, c0).merge(cell)
            else:
                cell.paragraphs[0].text = ""
                for i, p in enumerate(c.paras):
                    para = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                    _fill(para, p)
                    if c.label:
                        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            col += c.span
    for i, w in enumerate(t.widths):
        for cell in table.columns[i].cells:
            cell.width = Twips(w)
