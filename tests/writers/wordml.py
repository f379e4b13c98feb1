"""A 申报表 written as raw WordprocessingML, the way applicants' Word and WPS leave it.

Independent of the project's readers and of its own generators (intake/formgen.py): the XML is written
here from the OOXML vocabulary (w:sym, w14:checkbox, FORMCHECKBOX, EQ fields, w:strike, w:ins/w:del …).
`form_docx(values, marks, layout)` fills the form with `values` (tests.writers.values), marks each choice
cell in the style `marks` names (MARK_STYLES) and lays the table out as `layout` names (LAYOUTS).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

W_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14"'
)

# ---------------------------------------------------------------- runs


def r(
    text: str,
    *,
    font: str | None = None,
    strike: bool = False,
    dstrike: bool = False,
    size: int | None = None,
) -> str:
    props = ""
    if font:
        props += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
    if strike:
        props += "<w:strike/>"
    if dstrike:
        props += "<w:dstrike/>"
    if size:
        props += f'<w:sz w:val="{size}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    parts = text.split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
    return f"<w:r>{rpr}{body}</w:r>"


def sym(font: str, char: str) -> str:
    return f'<w:r><w:sym w:font="{font}" w:char="{char}"/></w:r>'


def sdt_box(checked: bool) -> str:
    glyph, val = ("☒", 1) if checked else ("☐", 0)
    return (
        f'<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{val}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
        '</w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:hAnsi="MS Gothic"/></w:rPr>'
        f"<w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>"
    )


def ff_box(checked: bool) -> str:
    state = '<w:default w:val="0"/>' + ("<w:checked/>" if checked else "")
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>'
        f'<w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/>{state}</w:checkBox></w:ffData></w:fldChar></w:r>'
        '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def eq_box(checked: bool) -> str:
    """带圈字符 as Word stores it: an EQ field enclosing √ in □ (the result is drawn, not text)."""
    if not checked:
        return r("□")
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> eq \\o\\ac(</w:instrText></w:r>'
        '<w:r><w:rPr><w:position w:val="-4"/><w:sz w:val="31"/></w:rPr><w:instrText>□</w:instrText></w:r>'
        '<w:r><w:instrText>,√)</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def ins(inner: str, n: int = 1) -> str:
    return f'<w:ins w:id="{100 + n}" w:author="申报人" w:date="2024-12-12T10:00:00Z">{inner}</w:ins>'


def dele(text: str, n: int = 2) -> str:
    return (
        f'<w:del w:id="{200 + n}" w:author="申报人" w:date="2024-12-12T10:00:00Z">'
        f'<w:r><w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>'
    )


# ---------------------------------------------------------------- choice cells

Option = tuple[str, str, bool]  # (label, text after the label, chosen)
Paragraphs = list[str]  # each the inner XML of one w:p


def _one_line(parts: Sequence[str], sep: str = "  ") -> Paragraphs:
    return [r(sep).join(parts)]


def _boxes(on: Callable[[], str], off: Callable[[], str]) -> Callable[[Sequence[Option]], Paragraphs]:
    def style(opts: Sequence[Option]) -> Paragraphs:
        return _one_line([(on() if c else off()) + r(label + rest) for label, rest, c in opts])

    return style


def _tick_after(mark: str) -> Callable[[Sequence[Option]], Paragraphs]:
    def style(opts: Sequence[Option]) -> Paragraphs:
        return _one_line([r("□" + label + (mark if c else "") + rest) for label, rest, c in opts])

    return style


def _tick_after_sym(opts: Sequence[Option]) -> Paragraphs:
    return _one_line(
        [r("□" + label) + (sym("Wingdings", "F0FC") if c else "") + r(rest) for label, rest, c in opts]
    )


def _own_run_font(opts: Sequence[Option]) -> Paragraphs:
    return _one_line(
        [r("□" + label) + (r("√", font="Segoe UI Symbol") if c else "") + r(rest) for label, rest, c in opts]
    )


def _tick_before_box(opts: Sequence[Option]) -> Paragraphs:
    return _one_line([r(("√" if c else "") + "□" + label + rest) for label, rest, c in opts])


def _tick_replaces_box(opts: Sequence[Option]) -> Paragraphs:
    return _one_line([r(("√" if c else "□") + label + rest) for label, rest, c in opts])


def _bracket_tick(opts: Sequence[Option]) -> Paragraphs:
    return _one_line([r("□" + label + ("（√）" if c else "") + rest) for label, rest, c in opts])


def _strike(kind: str) -> Callable[[Sequence[Option]], Paragraphs]:
    def style(opts: Sequence[Option]) -> Paragraphs:
        parts = []
        for label, rest, c in opts:
            text = "□" + label + rest
            parts.append(r(text) if c else r(text, strike=kind == "strike", dstrike=kind == "dstrike"))
        return _one_line(parts)

    return style


def _delete_unchosen(keep_box: bool) -> Callable[[Sequence[Option]], Paragraphs]:
    def style(opts: Sequence[Option]) -> Paragraphs:
        return _one_line([r(("□" if keep_box else "") + label + rest) for label, rest, c in opts if c])

    return style


def _tracked_tick(opts: Sequence[Option]) -> Paragraphs:
    """Tracked changes left in: the empty box deleted and a ticked one inserted in its place."""
    return _one_line(
        [
            ((dele("□", i) + ins(r("☑"), i)) if c else r("□")) + r(label + rest)
            for i, (label, rest, c) in enumerate(opts)
        ]
    )


def _tracked_delete_unchosen(opts: Sequence[Option]) -> Paragraphs:
    return _one_line(
        [
            r("□" + label + rest) if c else dele("□" + label + rest, i)
            for i, (label, rest, c) in enumerate(opts)
        ]
    )


def _own_paragraph(opts: Sequence[Option]) -> Paragraphs:
    out: Paragraphs = []
    for label, rest, c in opts:
        out.append(r("□" + label + rest))
        if c:
            out.append(r("√"))
    return out


def _tick_between(opts: Sequence[Option]) -> Paragraphs:
    """The tick typed between two options with a space either side: a reviewer cannot tell which."""
    parts = []
    for i, (label, rest, c) in enumerate(opts):
        parts.append(r("□" + label + rest) + (r(" √ ") if c and i + 1 < len(opts) else r("  ")))
    return ["".join(parts)]


def _hint_kept(opts: Sequence[Option]) -> Paragraphs:
    return [
        r("（请在□内打√）"),
        *_one_line([r(("☑" if c else "□") + label + rest) for label, rest, c in opts]),
    ]


MARK_STYLES: dict[str, Callable[[Sequence[Option]], Paragraphs]] = {
    "glyph": _boxes(lambda: r("☑"), lambda: r("□")),
    "filled_square": _boxes(lambda: r("■"), lambda: r("□")),
    "cross_box": _boxes(lambda: r("☒"), lambda: r("☐")),
    "wingdings_sym": _boxes(lambda: sym("Wingdings", "F0FE"), lambda: sym("Wingdings", "F0A8")),
    "wingdings2_font": _boxes(lambda: r("R", font="Wingdings 2"), lambda: r("£", font="Wingdings 2")),
    "wingdings2_cross": _boxes(lambda: r("T", font="Wingdings 2"), lambda: r("£", font="Wingdings 2")),
    "wingdings_pua": _boxes(lambda: r("\uf0fe", font="Wingdings"), lambda: r("\uf0a8", font="Wingdings")),
    "content_control": _boxes(lambda: sdt_box(True), lambda: sdt_box(False)),
    "formfield": _boxes(lambda: ff_box(True), lambda: ff_box(False)),
    "eq_field": _boxes(lambda: eq_box(True), lambda: eq_box(False)),
    "radio_dots": _boxes(lambda: r("●"), lambda: r("○")),
    "radio_fisheye": _boxes(lambda: r("◉"), lambda: r("◎")),
    "tick_after": _tick_after("√"),
    "check_after": _tick_after("✓"),
    "tick_after_sym": _tick_after_sym,
    "own_run_font": _own_run_font,
    "tick_before_box": _tick_before_box,
    "tick_replaces_box": _tick_replaces_box,
    "bracket_tick": _bracket_tick,
    "strike_unchosen": _strike("strike"),
    "dstrike_unchosen": _strike("dstrike"),
    "delete_unchosen": _delete_unchosen(False),
    "delete_unchosen_keep_box": _delete_unchosen(True),
    "tracked_tick": _tracked_tick,
    "tracked_delete_unchosen": _tracked_delete_unchosen,
    "own_paragraph": _own_paragraph,
    "hint_kept": _hint_kept,
}
# Styles a reviewer could not read either: the expected reading is "unclear", not a value.
UNCLEAR_STYLES: dict[str, Callable[[Sequence[Option]], Paragraphs]] = {"tick_between": _tick_between}
# Styles a LibreOffice round trip (.doc) or PDF export cannot carry as the applicant saw it.
LOST_IN_DOC = {"eq_field"}  # LibreOffice drops the EQ field (docs: pitfalls 4.2)
LOST_IN_PDF = {"eq_field", "formfield"}  # drawn, not text: a PDF reader sees no glyph for them


def funding_options(v: Mapping[str, Any]) -> list[Option]:
    src = v["self_funding_source"] or "_____"
    chosen = (
        v["funding_type"] if isinstance(v["funding_type"], tuple) else (v["funding_type"],)
    )  # both: a tuple
    return [
        ("财政资助项目", "", "fiscal" in chosen),
        ("自筹经费项目", f"（自筹经费来源：{src}）", "self_funded" in chosen),
    ]


_SCOPE = [
    ("national_strategy", "服务国家战略"),
    ("industry_demand", "对接产业需求"),
    ("digital_tech", "突出数字技术"),
]


def scope_options(v: Mapping[str, Any]) -> list[Option]:
    return [(label, "：" + (v["scope_notes"][k] or ""), v["scope"][k]) for k, label in _SCOPE]


def ce_options(v: Mapping[str, Any]) -> list[Option]:
    org = v["organizer"]
    batch = org["ce_base_batch"]
    return [
        (f"是第{batch if batch else '__'}批国家级专业技术人员继续教育基地", "", org["ce_base"] == "national"),
        ("是省级继续教育基地", "", org["ce_base"] == "provincial"),
        ("否", "", org["ce_base"] == "no"),
    ]


# ---------------------------------------------------------------- table


Cell = tuple[Paragraphs, int, str | None]  # paragraphs, gridSpan, vMerge ("restart" / "continue" / None)


def c(text: str | None, span: int = 1, vmerge: str | None = None) -> Cell:
    paras = [r(line) for line in (text or "").split("\n")] if text else [""]
    return (paras, span, vmerge)


def cp(paras: Paragraphs, span: int = 1) -> Cell:
    return (paras, span, None)


def _tc(cell: Cell) -> str:
    paras, span, vmerge = cell
    pr = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + (
        f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else ("<w:vMerge/>" if vmerge else "")
    )
    body = "".join(p if p.startswith("<w:tbl>") else f"<w:p>{p}</w:p>" for p in paras)
    if paras and paras[-1].startswith("<w:tbl>"):
        body += "<w:p/>"  # a cell must end with a paragraph
    return f"<w:tc><w:tcPr>{pr}</w:tcPr>{body}</w:tc>"


def table(rows: Sequence[Sequence[Cell]], cols: int = 5, col_width: int = 1800) -> str:
    grid = "".join(f'<w:gridCol w:w="{col_width}"/>' for _ in range(cols))
    borders = "".join(
        f'<w:{b} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for b in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    body = "".join("<w:tr>" + "".join(_tc(cell) for cell in row) + "</w:tr>" for row in rows)
    return f'<w:tbl><w:tblPr><w:tblW w:w="{cols * col_width}" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>'


def _unit_rows(title: str, u: Mapping[str, Any], extra: list[list[Cell]] | None = None) -> list[list[Cell]]:
    rows = [
        [c(title, vmerge="restart"), c("单位名称"), c(u["name"]), c("联系人"), c(u["contact"])],
        [c(None, vmerge="continue"), c("办公电话"), c(u["office_phone"]), c("手机"), c(u["mobile"])],
        *(extra or []),
        [c(None, vmerge="continue"), c("传 真"), c(u["fax"]), c("地 址"), c(u["address"])],
    ]
    return rows


def form_rows(v: Mapping[str, Any], marks: str | Sequence[str], layout: str = "standard") -> list[list[Cell]]:
    """`marks`: one style for the three choice cells, or one each (申报项目类别, 选题范围, 继续教育基地)."""
    styles = {**MARK_STYLES, **UNCLEAR_STYLES}
    f_style, s_style, c_style = (styles[m] for m in ((marks,) * 3 if isinstance(marks, str) else marks))
    dates_row = [c("办班时间"), c(v["training_dates"]), c("办班地点"), c(v["training_location"], 2)]
    if layout == "value_split":
        first, _, second = v["training_dates"].partition("至")
        dates_row = [c("办班时间"), c(first), c("至" + second), c("办班地点"), c(v["training_location"])]
    top = [
        [c("项目名称"), c(v["project_name"], 4)],
        dates_row,
        [
            c("选题所属\n行业领域"),
            c(v["industry_field"]),
            c("选题所属\n行业主管部门"),
            c(v["industry_authority"], 2),
        ],
        [c("申报项目\n类别\n(仅单选)"), cp(f_style(funding_options(v)), 4)],
        [c("是否符合\n选题范围"), cp(s_style(scope_options(v)), 4)],
        [c("研修目的\n和作用"), c(v["purpose"], 4)],
        [c("研修内容和方式"), c(v["content_and_format"], 4)],
        [c("授课专家情况"), c(v["experts"], 4)],
        [c("培训对象"), c(v["trainees"], 4)],
    ]
    a, o = v["applicant"], v["organizer"]
    extra = None
    if layout == "extra_row":  # a second contact typed into an inserted row
        extra = [[c(None, vmerge="continue"), c("联系人"), c("孙备用"), c("手机"), c("13900000000")]]
    units = _unit_rows("申报单位信息", a, extra) + _unit_rows("承办单位信息", o)
    units.append([c(None, vmerge="continue"), c("是否继续\n教育基地"), cp(c_style(ce_options(v)), 3)])
    if layout == "group_rows":
        return [[c("一、项目基本情况", 5)], *top, [c("二、单位信息", 5)], *units]
    if layout == "nested":
        inner = [
            [c("单位名称"), c(a["name"]), c("联系人"), c(a["contact"])],
            [c("办公电话"), c(a["office_phone"]), c("手机"), c(a["mobile"])],
            [c("传真"), c(a["fax"]), c("地址"), c(a["address"])],
        ]
        nested_row = [c("申报单位信息"), cp([table(inner, 4, 1700)], 4)]  # fits inside its host cell
        return [*top, nested_row, *_unit_rows("承办单位信息", o), units[-1]]
    return [*top, *units]


def header_paras(v: Mapping[str, Any]) -> list[str]:
    y, m, d = v["declared_date"].split("-")
    return [
        r("专业技术人员知识更新工程2025年高级研修项目申报表", size=36),
        r(f"申报单位：（盖章）{v['declared_org']}"),
        r(f"申报时间：{int(y)}年{int(m)}月{int(d)}日"),
    ]


def body_xml(v: Mapping[str, Any], marks: str | Sequence[str], layout: str = "standard") -> str:
    paras = "".join(f"<w:p>{p}</w:p>" for p in header_paras(v))
    rows = form_rows(v, marks, layout)
    if layout == "split_table":  # split by hand across a page: two tables, an empty paragraph between
        cut = 9
        return paras + table(rows[:cut]) + "<w:p/>" + table(rows[cut:])
    return paras + table(rows)


def document_xml(body: str) -> str:
    sect = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1200" w:bottom="1440" w:left="1200" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>'
    # the template's note under the table (and a body never ends with a table: Word and LibreOffice need
    # a paragraph before w:sectPr, else LibreOffice's .doc export drops the table)
    note = "<w:p>" + r("注：请按照通知有关要求，认真填写此表并加盖申报单位印章。") + "</w:p>"
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W_NS}><w:body>{body}{note}{sect}</w:body></w:document>'


_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)


def package(document: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", document)
    return buf.getvalue()


def form_docx(v: Mapping[str, Any], marks: str | Sequence[str] = "glyph", layout: str = "standard") -> bytes:
    return package(document_xml(body_xml(v, marks, layout)))


def forms_docx(forms: Sequence[Mapping[str, Any]], marks: str = "glyph") -> bytes:
    """Several units' 申报表 in one file (a 市州 collecting them), a page break between."""
    page_break = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
    return package(document_xml(page_break.join(body_xml(v, marks) for v in forms)))


def letter_docx(lines: Sequence[str], rows: Sequence[Sequence[str]] = ()) -> bytes:
    """A document that is not a 申报表: paragraphs and an optional table (a cover letter, a 实施方案 …)."""
    body = "".join(f"<w:p>{r(line)}</w:p>" for line in lines)
    if rows:
        cols = max(len(row) for row in rows)
        body += table([[c(x) for x in row] for row in rows], cols)
    return package(document_xml(body))


LAYOUTS = ("standard", "value_split", "extra_row", "group_rows", "nested", "split_table")
