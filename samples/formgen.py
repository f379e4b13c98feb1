"""Write filled 申报表 .docx files the ways applicants really fill them in (tests, demo, bench).

`build_form_docx(fields, style)` writes the template of the notice (title, 申报单位/申报时间 lines, the
5-column table with its merged cells and checkbox lines, the note under it) filled with a contract
dict.  Each style in STYLES is one real way of ticking boxes or laying out values; the XML is written
by hand because python-docx cannot write symbols, content controls, form fields or text boxes.
The output is deterministic (fixed zip timestamps) so golden files stay byte-stable.
"""

from __future__ import annotations

import io
import itertools
import random
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape

from core.fields import FormFields
from core.schema import SELF_FUNDING_BLANK, Notice

TITLE = Notice().title

BOX_STYLES = (
    "glyph",
    "tick_typed",
    "wingdings_sym",
    "wingdings2_font",
    "content_control",
    "legacy_formfield",
    "eq_field",
    "deleted_options",
)
LAYOUT_STYLES = ("hints_kept", "label_value_one_cell", "split_table", "text_box", "extra_rows")
STYLES: tuple[str, ...] = BOX_STYLES + LAYOUT_STYLES

# What each style is, in the words a reviewer would use (demo and reports may show it).
STYLE_NOTES: dict[str, str] = {
    "glyph": "勾选框直接输入 ☑ / □",
    "tick_typed": "在选项前手打 √ 或 ■，其余保留 □",
    "wingdings_sym": "Word 插入符号（Wingdings 字体 w:sym）",
    "wingdings2_font": "Wingdings 2 字体的 R / £（显示为 ☑ / □）",
    "content_control": "Word 复选框内容控件（以保存的勾选状态为准）",
    "legacy_formfield": "旧式窗体复选框（FORMCHECKBOX）",
    "eq_field": "带圈字符域 eq \\o\\ac(□,√)",
    "deleted_options": "删除未选选项，只保留所选内容",
    "hints_kept": "保留模板中的提示文字",
    "label_value_one_cell": "在标题格内填写“标题：内容”",
    "split_table": "表格被拆分为多个表",
    "text_box": "申报单位、申报时间写在文本框中",
    "extra_rows": "表格中增加了额外的行",
}

DATE_FORMATS = ("cn_short", "dot", "cn_full", "iso", "no_year", "cn_days", "fullwidth")

NOTE = (
    "注：请按照《湖北省人力资源和社会保障厅关于征集专业技术人员知识更新工程2025年高级研修项目选题的通知》"
    "有关要求，认真填写此表并加盖申报单位印章。"
)
HINT_CONTENT = "（包括但不限于主题报告、专题研讨、学术交流、现场教学）"
HINT_EXPERTS = "（如有院士或省部级领导出席，请重点阐述）"
HINT_TRAINEES = (
    "（按通知要求招收学员，学员一般应具有中高级职称，或是在管理岗位工作的高级经营管理人员，并应向基层一线人才倾斜。"
    "招收学员如需行业主管部门协助，例如希望将本班次录入行业继续教育系统备案，请在此详细阐述）"
)

_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'mc:Ignorable="w14 wps"'
)
_GRID = (1400, 1500, 2400, 1300, 2400)

# ------------------------------------------------------------------ XML pieces


def _run(text: str, *, font: str | None = None, bold: bool = False, size: int | None = None) -> str:
    props = ""
    if font:
        props += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
    if bold:
        props += "<w:b/>"
    if size:
        props += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(inner: str = "", *, center: bool = False) -> str:
    ppr = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    return f"<w:p>{ppr}{inner}</w:p>"


def _text_paras(text: str | None) -> list[str]:
    if not text:
        return [_para()]
    return [_para(_run(line)) for line in text.split("\n")]


@dataclass(frozen=True)
class Cell:
    paras: tuple[str, ...]
    span: int = 1
    vmerge: str | None = None  # "restart" | "continue" | None


def _cell_xml(cell: Cell, col: int) -> str:
    width = sum(_GRID[col : col + cell.span])
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if cell.span > 1:
        props += f'<w:gridSpan w:val="{cell.span}"/>'
    if cell.vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif cell.vmerge == "continue":
        props += "<w:vMerge/>"
    props += '<w:vAlign w:val="center"/>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(cell.paras) or _para()}</w:tc>"


def _row_xml(cells: list[Cell]) -> str:
    out, col = [], 0
    for cell in cells:
        out.append(_cell_xml(cell, col))
        col += cell.span
    return f"<w:tr>{''.join(out)}</w:tr>"


def _table_xml(rows: list[list[Cell]]) -> str:
    borders = "".join(
        f'<w:{b} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for b in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in _GRID)
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(_GRID)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(_row_xml(r) for r in rows)}</w:tbl>"
    )


# ------------------------------------------------------------------ checkboxes, one function per style


def _box_glyph(checked: bool, opts: Mapping[str, Any]) -> str:
    return _run("☑" if checked else "□")


def _box_typed(checked: bool, opts: Mapping[str, Any]) -> str:
    return _run(opts.get("tick_char", "√") if checked else "□")


def _box_sym(checked: bool, opts: Mapping[str, Any]) -> str:
    code = "F0FE" if checked else "F0A8"
    return f'<w:r><w:sym w:font="Wingdings" w:char="{code}"/></w:r>'


def _box_font(checked: bool, opts: Mapping[str, Any]) -> str:
    return _run("R" if checked else "£", font="Wingdings 2")


def _box_sdt(checked: bool, opts: Mapping[str, Any]) -> str:
    # The glyph may disagree with the stored state (a copied control): the state is the truth.
    glyph = opts.get("sdt_glyph") or ("☒" if checked else "☐")
    return (
        "<w:sdt><w:sdtPr><w14:checkbox>"
        f'<w14:checked w14:val="{1 if checked else 0}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
        f"</w14:checkbox></w:sdtPr><w:sdtContent>{_run(glyph, font='MS Gothic')}</w:sdtContent></w:sdt>"
    )


def _box_formfield(checked: bool, opts: Mapping[str, Any]) -> str:
    state = "<w:checked/>" if checked else ""
    if checked and opts.get("formfield_val"):
        state = f'<w:checked w:val="{opts["formfield_val"]}"/>'
    return (
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check"/><w:enabled/>'
        f'<w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/><w:default w:val="0"/>{state}</w:checkBox>'
        "</w:ffData></w:fldChar></w:r>"
        '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _box_eq(checked: bool, opts: Mapping[str, Any]) -> str:
    if not checked:
        return _run("□")
    # Word's 带圈字符 splits the field code over several runs (different fonts and raised position).
    instr = ["eq \\o\\ac(", "□", ",", "√", ")"]
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{escape(p)}</w:instrText></w:r>' for p in instr)
    return f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>{runs}<w:r><w:fldChar w:fldCharType="end"/></w:r>'


_BOXES: dict[str, Callable[[bool, Mapping[str, Any]], str]] = {
    "glyph": _box_glyph,
    "tick_typed": _box_typed,
    "wingdings_sym": _box_sym,
    "wingdings2_font": _box_font,
    "content_control": _box_sdt,
    "legacy_formfield": _box_formfield,
    "eq_field": _box_eq,
}


@dataclass(frozen=True)
class _Ctx:
    style: str
    box_style: str
    opts: Mapping[str, Any]

    def box(self, checked: bool) -> str:
        return _BOXES[self.box_style](checked, self.opts)

    @property
    def deleting(self) -> bool:
        return self.style == "deleted_options"


def _kept(ctx: _Ctx) -> str:
    """What stays before a kept option when the others were deleted: nothing, or its empty box."""
    return _run("□") if ctx.opts.get("keep_box") else ""


def _choices(ctx: _Ctx, items: list[tuple[bool, str]], *, sep: str = "  ") -> str:
    """One paragraph of options. Deleting applicants keep only what they chose, without a box."""
    chosen = [t for c, t in items if c]
    if ctx.deleting and chosen:
        return _para("".join(_kept(ctx) + _run(t) for t in chosen))
    return _para(_run(sep).join(ctx.box(c) + _run(t) for c, t in items))


# ------------------------------------------------------------------ the table


def _label(text: str) -> Cell:
    return Cell(tuple(_para(_run(line), center=True) for line in text.split("\n")))


def _value(text: str | None, span: int = 1, hint: str | None = None, ctx: _Ctx | None = None) -> Cell:
    paras = _text_paras(text)
    if hint and ctx is not None and ctx.style == "hints_kept":
        paras = [_para(_run(hint))] + (paras if text else [])
    elif hint and not text:
        paras = [_para(_run(hint))]  # the blank template's hint, never overwritten
    return Cell(tuple(paras), span)


def _pair(ctx: _Ctx, label: str, text: str | None, span: int = 1) -> tuple[Cell, Cell]:
    """A label cell and its value cell; in the one-cell style the value is typed after the label."""
    if ctx.style == "label_value_one_cell" and text:
        joined = label.replace("\n", "") + "：" + text
        return Cell((_para(_run(joined)),)), Cell((_para(),), span)
    return _label(label), _value(text, span)


def _funding_cell(f: Mapping[str, Any], ctx: _Ctx) -> Cell:
    both = bool(ctx.opts.get("tick_both_funding"))
    fiscal = both or f.get("funding_type") == "fiscal"
    self_funded = both or f.get("funding_type") == "self_funded"
    source = f.get("self_funding_source") or SELF_FUNDING_BLANK
    items = [(fiscal, "财政资助项目"), (self_funded, f"自筹经费项目（自筹经费来源：{source}）")]
    return Cell((_choices(ctx, items, sep="    "),), 4)


def _scope_cell(f: Mapping[str, Any], ctx: _Ctx) -> Cell:
    scope, notes = f.get("scope") or {}, f.get("scope_notes") or {}
    names = (
        ("national_strategy", "服务国家战略"),
        ("industry_demand", "对接产业需求"),
        ("digital_tech", "突出数字技术"),
    )
    items = [(bool(scope.get(k)), f"{label}：{notes.get(k) or ''}") for k, label in names]
    if ctx.deleting and any(c for c, _ in items):
        paras = [_para(_kept(ctx) + _run(t)) for c, t in items if c]
    else:
        paras = [_para(ctx.box(c) + _run(t)) for c, t in items]
    return Cell(tuple(paras), 4)


def _ce_base_cell(org: Mapping[str, Any], ctx: _Ctx) -> Cell:
    kind, batch = org.get("ce_base"), org.get("ce_base_batch")
    national = f"是第{batch if batch is not None else '__'}批国家级专业技术人员继续教育基地"
    items = [
        (kind == "national", national),
        (kind == "provincial", "是省级继续教育基地"),
        (kind == "no", "否"),
    ]
    return Cell((_choices(ctx, items),), 3)


def _unit_rows(section: str, unit: Mapping[str, Any], ctx: _Ctx, *, spaced: bool) -> list[list[Cell]]:
    fax, addr = ("传 真", "地 址") if spaced else ("传真", "地址")
    pairs = [
        ("单位名称", "name", "联系人", "contact"),
        ("办公电话", "office_phone", "手机", "mobile"),
        (fax, "fax", addr, "address"),
    ]
    rows = []
    for i, (l1, k1, l2, k2) in enumerate(pairs):
        head = _label(section) if i == 0 else Cell((_para(),))
        head = Cell(head.paras, 1, "restart" if i == 0 else "continue")
        rows.append([head, *_pair(ctx, l1, unit.get(k1)), *_pair(ctx, l2, unit.get(k2))])
    return rows


def _table_rows(f: Mapping[str, Any], ctx: _Ctx) -> list[list[Cell]]:
    rows: list[list[Cell]] = [list(_pair(ctx, "项目名称", f.get("project_name"), 4))]
    if ctx.style == "extra_rows":
        rows.append([_label("项目负责人"), _value(ctx.opts.get("extra_leader", "王建国"), 4)])
    rows.append(
        [
            *_pair(ctx, "办班时间", f.get("training_dates"), 2),
            *_pair(ctx, "办班地点", f.get("training_location")),
        ]
    )
    rows.append(
        [
            *_pair(ctx, "选题所属\n行业领域", f.get("industry_field"), 2),
            *_pair(ctx, "选题所属\n行业主管部门", f.get("industry_authority")),
        ]
    )
    rows.append([_label("申报项目\n类别\n(仅单选)"), _funding_cell(f, ctx)])
    rows.append([_label("是否符合\n选题范围"), _scope_cell(f, ctx)])
    rows.append([_label("研修目的\n和作用"), _value(f.get("purpose"), 4)])
    rows.append([_label("研修内容和方式"), _value(f.get("content_and_format"), 4, HINT_CONTENT, ctx)])
    rows.append([_label("授课专家情况"), _value(f.get("experts"), 4, HINT_EXPERTS, ctx)])
    rows.append([_label("培训对象"), _value(f.get("trainees"), 4, HINT_TRAINEES, ctx)])
    if ctx.style == "extra_rows":
        rows.append([_label("其他说明"), _value("无", 4)])
    rows += _unit_rows("申报单位信息", f.get("applicant") or {}, ctx, spaced=False)
    org = f.get("organizer") or {}
    org_rows = _unit_rows("承办单位信息", org, ctx, spaced=True)
    org_rows.append([Cell((_para(),), 1, "continue"), _label("是否继续\n教育基地"), _ce_base_cell(org, ctx)])
    rows += org_rows
    if ctx.style == "extra_rows":
        rows.append([Cell((_para(),)), Cell((_para(),), 4)])
    return rows


def _split_points(rows: list[list[Cell]]) -> list[int]:
    """Where the seed's table breaks over pages: before 研修内容和方式 and before 传 真 of 承办单位."""

    def first_index(marker: str) -> int:
        return next(i for i, r in enumerate(rows) if any(marker in "".join(c.paras) for c in r))

    return [first_index("研修内容和方式"), first_index("传 真")]


def _tables_xml(rows: list[list[Cell]], ctx: _Ctx) -> str:
    if ctx.style != "split_table":
        return _table_xml(rows)
    cuts = [0, *_split_points(rows), len(rows)]
    parts = [_table_xml(rows[a:b]) for a, b in itertools.pairwise(cuts)]
    return _para().join(parts)


# ------------------------------------------------------------------ header lines, text box


def _header_lines(f: Mapping[str, Any]) -> list[str]:
    org = f.get("declared_org") or ""
    day = f.get("declared_date")
    when = f"{int(day[:4])}年{int(day[5:7])}月{int(day[8:10])}日" if day else "    年    月    日"
    return [f"申报单位：{org}（盖章）", f"申报时间：{when}"]


def _text_box(lines: list[str]) -> str:
    content = "".join(_para(_run(line)) for line in lines)
    box = f"<w:txbxContent>{content}</w:txbxContent>"
    choice = (
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" '
        'simplePos="0" relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset>'
        '</wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="5400000" cy="720000"/><wp:wrapTopAndBottom/><wp:docPr id="1" name="文本框 1"/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f'<wps:wsp><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5400000" cy="720000"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx>{box}</wps:txbx>'
        "<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    )
    fallback = (
        f'<mc:Fallback><w:pict><v:shape id="tb1" style="width:425pt;height:57pt">'
        f"<v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
    )
    return _para(f"<w:r><mc:AlternateContent>{choice}{fallback}</mc:AlternateContent></w:r>")


def _body(f: Mapping[str, Any], ctx: _Ctx) -> str:
    parts = [_para(_run("附件", bold=True)), _para(_run(TITLE, bold=True, size=32), center=True)]
    lines = _header_lines(f)
    if ctx.style == "text_box":
        parts.append(_text_box(lines))
    else:
        parts += [_para(_run(line)) for line in lines]
    parts.append(_tables_xml(_table_rows(f, ctx), ctx))
    head, tail = "注：", "加盖申报单位印章。"  # bold in the template
    parts.append(_para(_run(head, bold=True) + _run(NOTE[len(head) : -len(tail)]) + _run(tail, bold=True)))
    return "".join(parts)


# ------------------------------------------------------------------ package


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults>'
    '<w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体" '
    'w:cs="Times New Roman"/><w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/>'
    "</w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults></w:styles>"
)
_SECT = (
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
    '<w:pgMar w:top="1440" w:right="1300" w:bottom="1440" w:left="1300" w:header="851" w:footer="992" '
    'w:gutter="0"/></w:sectPr>'
)


def _document_xml(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_NS}>'
        f"<w:body>{body}{_SECT}</w:body></w:document>"
    )


def package_docx(document_xml: str | bytes) -> bytes:
    """Zip a document.xml into a minimal, valid .docx (deterministic bytes)."""
    out = io.BytesIO()
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _RELS,
        "word/_rels/document.xml.rels": _DOC_RELS,
        "word/styles.xml": _STYLES,
        "word/document.xml": document_xml,
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 12, 12, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data if isinstance(data, bytes) else data.encode("utf-8"))
    return out.getvalue()


def build_form_docx(fields: Mapping[str, Any], style: str = "glyph", **options: Any) -> bytes:
    """A filled 申报表 as .docx bytes.

    style: one of STYLES.  options: tick_both_funding (bool), tick_char ("√", "■", "✔" for tick_typed),
    box_style (checkbox style used by the layout styles, default "glyph"), sdt_glyph (glyph shown in a
    content control regardless of its state), formfield_val ("1"/"true" written on w:checked),
    extra_leader (text of the extra row), keep_box (deleted_options: the kept option keeps its
    empty □), date_format (one of DATE_FORMATS: 办班时间 re-written from
    training_start/training_end in that format instead of fields["training_dates"]).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    box_style = style if style in _BOXES else options.get("box_style", "glyph")
    if box_style not in _BOXES:
        raise ValueError(f"unknown box_style {box_style!r}")
    ctx = _Ctx(style, box_style, options)
    fmt = options.get("date_format")
    if fmt is not None:
        if fmt not in DATE_FORMATS:
            raise ValueError(f"unknown date_format {fmt!r}; expected one of {DATE_FORMATS}")
        if fields.get("training_start") and fields.get("training_end"):
            start, end = (date.fromisoformat(fields[k]) for k in ("training_start", "training_end"))
            fields = {**fields, "training_dates": format_training_dates(start, end, fmt)}
    return package_docx(_document_xml(_body(fields, ctx)))


def build_cover_letter_docx(text: str) -> bytes:
    """A 公函 (cover letter): paragraphs of text, no form table."""
    paras = "".join(_para(_run(line)) for line in text.split("\n"))
    return package_docx(_document_xml(paras))


# ------------------------------------------------------------------ realistic values

_UNITS = (
    ("武汉大学", "武汉市武昌区八一路299号", "教育"),
    ("华中科技大学", "武汉市洪山区珞喻路1037号", "教育"),
    ("武汉理工大学", "武汉市洪山区珞狮路122号", "教育"),
    ("中国地质大学（武汉）", "武汉市洪山区鲁磨路388号", "教育"),
    ("华中农业大学", "武汉市洪山区狮子山街1号", "教育"),
    ("三峡大学", "宜昌市西陵区大学路8号", "教育"),
    ("长江大学", "荆州市荆州区南环路1号", "教育"),
    ("湖北工业大学", "武汉市洪山区南李路28号", "教育"),
    ("湖北省农业科学院", "武汉市洪山区南湖大道18号", "农业农村"),
    ("湖北省疾病预防控制中心", "武汉市洪山区卓刀泉北路6号", "卫生健康"),
    ("东风汽车集团有限公司", "武汉市经济技术开发区东风大道1号", "汽车制造"),
    ("长江水利委员会长江科学院", "武汉市江岸区黄浦大街23号", "水利"),
    ("湖北省交通规划设计院股份有限公司", "武汉市东湖新技术开发区高新大道1号", "交通运输"),
    ("襄阳市人力资源和社会保障局", "襄阳市襄城区檀溪路128号", "人力资源社会保障"),
    ("宜昌市人力资源和社会保障局", "宜昌市西陵区东山大道105号", "人力资源社会保障"),
    ("黄石市卫生健康委员会", "黄石市黄石港区杭州东路6号", "卫生健康"),
    ("武汉光电国家研究中心", "武汉市洪山区珞喻路1037号", "科技"),
    ("湖北省建筑科学研究设计院", "武汉市武昌区中南二路11号", "住房城乡建设"),
    ("十堰市人力资源和社会保障局", "十堰市张湾区北京北路93号", "人力资源社会保障"),
    ("湖北省地质局", "武汉市武昌区民主路68号", "自然资源"),
)
_TOPICS = (
    ("人工智能赋能智能制造", "digital_tech", "智能制造", "湖北省经济和信息化厅"),
    ("长江流域综合治理与生态保护", "national_strategy", "水利", "湖北省水利厅"),
    ("光电子信息产业关键技术", "industry_demand", "光电子信息", "湖北省科学技术厅"),
    ("新能源与智能网联汽车", "industry_demand", "汽车", "湖北省经济和信息化厅"),
    ("乡村振兴与现代种业创新", "national_strategy", "农业", "湖北省农业农村厅"),
    ("北斗导航应用技术", "industry_demand", "北斗导航", "湖北省发展和改革委员会"),
    ("工业互联网与数字化转型", "digital_tech", "工业互联网", "湖北省经济和信息化厅"),
    ("公共卫生应急管理能力提升", "national_strategy", "卫生健康", "湖北省卫生健康委员会"),
    ("数据要素与大数据治理", "digital_tech", "大数据", "湖北省数据局"),
    ("生物育种前沿技术", "industry_demand", "生物技术", "湖北省农业农村厅"),
    ("智能建造与绿色建筑", "industry_demand", "建筑业", "湖北省住房和城乡建设厅"),
    ("集成电路设计与制造", "digital_tech", "集成电路", "湖北省经济和信息化厅"),
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海燕玲辉鹏飞"
_CITIES = ("武汉市", "宜昌市", "襄阳市", "十堰市", "荆州市", "黄石市", "恩施州")
_SOURCES = ("单位自有资金", "承办单位自筹", "培训专项经费", "单位年度培训经费预算", "企业自筹资金")
_AREA = {
    "武汉市": "027",
    "宜昌市": "0717",
    "襄阳市": "0710",
    "十堰市": "0719",
    "荆州市": "0716",
    "黄石市": "0714",
    "恩施州": "0718",
}


def _name(rnd: random.Random) -> str:
    return rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.choice((1, 2))))


def _phone(rnd: random.Random, address: str) -> str:
    code = next((v for k, v in _AREA.items() if address.startswith(k)), "027")
    low, high = (
        (5000_0000, 8999_9999) if code == "027" else (600_0000, 899_9999)
    )  # 8 digits in Wuhan, 7 elsewhere
    return f"{code}-{rnd.randint(low, high)}"


def _mobile(rnd: random.Random) -> str:
    return rnd.choice(("13", "15", "18", "17", "19")) + "".join(str(rnd.randint(0, 9)) for _ in range(9))


def _unit_values(rnd: random.Random, unit: tuple[str, str, str]) -> dict[str, Any]:
    name, address, _ = unit
    return {
        "name": name,
        "contact": _name(rnd),
        "office_phone": _phone(rnd, address),
        "mobile": _mobile(rnd),
        "fax": _phone(rnd, address) if rnd.random() < 0.6 else None,
        "address": address,
    }


def format_training_dates(start: date, end: date, fmt: str) -> str:
    """办班时间 as applicants write it (fmt in DATE_FORMATS)."""
    same_month = start.month == end.month
    tail_cn = f"{end.day}日" if same_month else f"{end.month}月{end.day}日"
    texts = {
        "cn_short": f"{start.year}年{start.month}月{start.day}日-{tail_cn}",
        "dot": f"{start.year}.{start.month}.{start.day}—{end.month}.{end.day}",
        "cn_full": f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日",
        "iso": f"{start.isoformat()}至{end.isoformat()}",
        "no_year": f"{start.month}月{start.day}日至{tail_cn}",
        "cn_days": (
            f"{start.year}年{start.month}月{start.day}日-{end.month}月{end.day}日"
            f"（共{(end - start).days + 1}天）"
        ),
    }
    if fmt == "fullwidth":
        return texts["cn_short"].translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    return texts[fmt]


def _long_texts(rnd: random.Random, topic: str) -> dict[str, str]:
    experts = rnd.choice(
        ("中国工程院院士", "国家杰出青年科学基金获得者", "长江学者特聘教授", "教授级高级工程师")
    )
    return {
        "purpose": (
            f"围绕{topic}领域的重大需求，提升高层次专业技术人才的创新能力和实践水平，"
            f"推动关键核心技术攻关和成果转化。\n培养一批{topic}方向的骨干人才，服务湖北高质量发展。"
        ),
        "content_and_format": (
            f"1.{topic}前沿进展主题报告；\n2.关键技术专题研讨；\n"
            f"3.现场教学与案例分析，安排{rnd.randint(1, 3)}次企业实地考察。"
        ),
        "experts": (
            f"拟邀请{experts}{_name(rnd)}、{_name(rnd)}教授等{rnd.randint(5, 12)}位专家授课，"
            "均为相关领域权威专家。"
        ),
        "trainees": (
            f"面向全省{topic}相关单位具有中高级职称的专业技术人员，计划招收学员{rnd.choice((50, 60, 80, 100))}人，"
            "向基层一线人才倾斜。"
        ),
    }


def _training_dates(rnd: random.Random) -> tuple[date, date, str]:
    start = date(2025, 1, 1) + timedelta(days=rnd.randint(60, 290))
    end = start + timedelta(days=rnd.choice((3, 4, 4, 5)) - 1)
    return start, end, format_training_dates(start, end, rnd.choice(DATE_FORMATS))


def _scope(rnd: random.Random, main: str) -> tuple[dict[str, bool], dict[str, Any]]:
    keys = ("national_strategy", "industry_demand", "digital_tech")
    scope = {k: (k == main or rnd.random() < 0.35) for k in keys}
    texts = {
        "national_strategy": "服务长江经济带发展和乡村振兴战略",
        "industry_demand": "对接我省优势产业发展需求",
        "digital_tech": "聚焦人工智能、大数据等数字技术",
    }
    return scope, {k: (texts[k] if v else None) for k, v in scope.items()}


def sample_fields(seed: int) -> dict[str, Any]:
    """A realistic, valid filling of the form (contract dict), deterministic for a seed."""
    rnd = random.Random(seed)
    applicant_unit = rnd.choice(_UNITS)
    topic, main_scope, industry, authority = rnd.choice(_TOPICS)
    start, end, dates_text = _training_dates(rnd)
    f = FormFields().to_json()
    f.update(
        project_name=f"{topic}高级研修班",
        declared_org=applicant_unit[0],
        declared_date=date(2024, 12, rnd.randint(10, 16)).isoformat(),
        training_dates=dates_text,
        training_start=start.isoformat(),
        training_end=end.isoformat(),
        training_location=f"{rnd.choice(_CITIES)}{rnd.choice(('国际会议中心', '培训中心', '学术交流中心', '宾馆'))}",
        industry_field=industry,
        industry_authority=authority,
    )
    f["funding_type"] = rnd.choice(("fiscal", "self_funded"))
    f["self_funding_source"] = rnd.choice(_SOURCES) if f["funding_type"] == "self_funded" else None
    f["scope"], f["scope_notes"] = _scope(rnd, main_scope)
    f.update(_long_texts(rnd, topic))
    f["applicant"] = _unit_values(rnd, applicant_unit)
    same = rnd.random() < 0.3
    f["organizer"] = {
        **_unit_values(rnd, applicant_unit if same else rnd.choice(_UNITS)),
        "ce_base": None,
        "ce_base_batch": None,
    }
    kind = rnd.choice(("national", "provincial", "no"))
    f["organizer"]["ce_base"] = kind
    f["organizer"]["ce_base_batch"] = rnd.randint(1, 12) if kind == "national" else None
    return f
