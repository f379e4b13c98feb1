"""A 申报表 written through python-docx's own API (its default template, styles and table XML), the way a
script or another tool would make one: merged cells via cell.merge, marks as runs with their font set.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from tests.writers.wordml import ce_options, funding_options, scope_options

STYLES = ("glyph", "wingdings2_font", "strike_unchosen", "tick_after", "radio_dots", "cross_box")


def _choice(paragraph: Any, opts: Sequence[tuple[str, str, bool]], style: str) -> None:
    for i, (label, rest, on) in enumerate(opts):
        if i:
            paragraph.add_run("    ")
        if style == "wingdings2_font":
            box = paragraph.add_run("R" if on else "£")
            box.font.name = "Wingdings 2"
            paragraph.add_run(label + rest)
        elif style == "strike_unchosen":
            run = paragraph.add_run("□" + label + rest)
            run.font.strike = not on
        elif style == "tick_after":
            paragraph.add_run("□" + label)
            if on:
                paragraph.add_run("√")
            paragraph.add_run(rest)
        else:
            on_glyph, off_glyph = {"glyph": ("☑", "□"), "radio_dots": ("●", "○"), "cross_box": ("☒", "☐")}[
                style
            ]
            paragraph.add_run((on_glyph if on else off_glyph) + label + rest)


def form_docx(v: Mapping[str, Any], style: str = "glyph") -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("专业技术人员知识更新工程2025年高级研修项目申报表")
    y, m, d = v["declared_date"].split("-")
    doc.add_paragraph(f"申报单位（盖章）：{v['declared_org']}")
    doc.add_paragraph(f"申报时间：{int(y)}年{int(m)}月{int(d)}日")
    a, o = v["applicant"], v["organizer"]
    rows: list[list[Any]] = [
        ["项目名称", v["project_name"], None, None, None],
        ["办班时间", v["training_dates"], "办班地点", v["training_location"], None],
        ["选题所属行业领域", v["industry_field"], "选题所属行业主管部门", v["industry_authority"], None],
        ["申报项目类别（仅单选）", ("choice", funding_options(v)), None, None, None],
        ["是否符合选题范围", ("choice", scope_options(v)), None, None, None],
        ["研修目的和作用", v["purpose"], None, None, None],
        ["研修内容和方式", v["content_and_format"], None, None, None],
        ["授课专家情况", v["experts"], None, None, None],
        ["培训对象", v["trainees"], None, None, None],
        ["申报单位信息", "单位名称", a["name"], "联系人", a["contact"]],
        [None, "办公电话", a["office_phone"], "手机", a["mobile"]],
        [None, "传真", a["fax"], "地址", a["address"]],
        ["承办单位信息", "单位名称", o["name"], "联系人", o["contact"]],
        [None, "办公电话", o["office_phone"], "手机", o["mobile"]],
        [None, "传真", o["fax"], "地址", o["address"]],
        [None, "是否继续教育基地", ("choice", ce_options(v)), None, None],
    ]
    table = doc.add_table(rows=len(rows), cols=5)
    table.style = "Table Grid"
    for r_i, row in enumerate(rows):
        # merge a value with the empty cells to its right
        c_i = 0
        while c_i < 5:
            value = row[c_i]
            end = c_i + 1
            while end < 5 and row[end] is None and c_i > 0:
                end += 1
            cell = table.cell(r_i, c_i)
            if end - 1 > c_i:
                cell = cell.merge(table.cell(r_i, end - 1))
            if isinstance(value, tuple):
                _choice(cell.paragraphs[0], value[1], style)
            elif value is not None:
                cell.text = value
            c_i = end
    for start, stop in ((9, 11), (12, 15)):  # the section cells run down their block
        table.cell(start, 0).merge(table.cell(stop, 0))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
