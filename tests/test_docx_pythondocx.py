"""Forms written with python-docx the way another person would: a 4-column table, section header rows,
cells merged with python-docx's own merge(), both header lines on one paragraph, ticks as typed glyphs.

Nothing here uses samples.formgen's layout; only its realistic values.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import docx
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.docx_form import parse_docx
from samples.formgen import sample_fields

TICKS = ("☑", "√", "■", "✔", "☒")


def _box(on: bool, tick: str) -> str:
    return tick if on else "□"


Noise = Callable[[str], str]


def _plain(label: str) -> str:
    return label


def _row(table: Any, *cells: str, merge_from: int | None = None, noise: Noise = _plain) -> None:
    row = table.add_row()
    for i, text in enumerate(cells):
        text = noise(text) if i % 2 == 0 else text  # labels sit in the even columns
        lines = text.split("\n")
        cell = row.cells[i]
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    if merge_from is not None:
        row.cells[merge_from].merge(row.cells[3])


def _unit_rows(table: Any, title: str, unit: dict[str, Any], noise: Noise) -> None:
    _row(table, title, merge_from=0, noise=noise)
    for a, ka, b, kb in (
        ("单位名称", "name", "联系人", "contact"),
        ("办公电话", "office_phone", "手机", "mobile"),
        ("传真", "fax", "地址", "address"),
    ):
        _row(table, a, unit[ka] or "", b, unit[kb] or "", noise=noise)


def build(f: dict[str, Any], tick: str, noise: Noise = _plain) -> bytes:
    d = docx.Document()
    d.add_heading("专业技术人员知识更新工程2025年高级研修项目申报表", level=1)
    day = f["declared_date"]
    d.add_paragraph(
        f"申报单位（盖章）：{f['declared_org']}        申报时间：{day[:4]}年{int(day[5:7])}月{int(day[8:])}日"
    )
    t = d.add_table(rows=0, cols=4)
    t.style = "Table Grid"
    _row(t, "项目名称", f["project_name"], merge_from=1, noise=noise)
    _row(t, "办班时间", f["training_dates"], "办班地点", f["training_location"], noise=noise)
    _row(
        t,
        "选题所属\n行业领域",
        f["industry_field"],
        "选题所属\n行业主管部门",
        f["industry_authority"],
        noise=noise,
    )
    src = f["self_funding_source"] or "_____"
    _row(
        t,
        "申报项目类别\n（仅单选）",
        f"{_box(f['funding_type'] == 'fiscal', tick)}财政资助项目    "
        f"{_box(f['funding_type'] == 'self_funded', tick)}自筹经费项目（自筹经费来源：{src}）",
        merge_from=1,
        noise=noise,
    )
    names = {
        "national_strategy": "服务国家战略",
        "industry_demand": "对接产业需求",
        "digital_tech": "突出数字技术",
    }
    scope = "\n".join(
        f"{_box(f['scope'][k], tick)}{label}：{f['scope_notes'][k] or ''}" for k, label in names.items()
    )
    _row(t, "是否符合\n选题范围", scope, merge_from=1, noise=noise)
    for label, key in (
        ("研修目的和作用", "purpose"),
        ("研修内容和方式", "content_and_format"),
        ("授课专家情况", "experts"),
        ("培训对象", "trainees"),
    ):
        _row(t, label, f[key], merge_from=1, noise=noise)
    _unit_rows(t, "申报单位信息", f["applicant"], noise)
    _unit_rows(t, "承办单位信息", f["organizer"], noise)
    org = f["organizer"]
    batch = org["ce_base_batch"] if org["ce_base_batch"] is not None else "__"
    _row(
        t,
        "是否继续教育基地",
        f"{_box(org['ce_base'] == 'national', tick)}是第{batch}批国家级专业技术人员继续教育基地  "
        f"{_box(org['ce_base'] == 'provincial', tick)}是省级继续教育基地  {_box(org['ce_base'] == 'no', tick)}否",
        merge_from=1,
        noise=noise,
    )
    d.add_paragraph("注：请认真填写此表并加盖申报单位印章。")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(TICKS))
def test_python_docx_forms_round_trip(seed: int, tick: str) -> None:
    f = sample_fields(seed)
    form = parse_docx(build(f, tick), "申报表.docx")
    assert form.is_form
    assert form.fields.to_json() == f


def test_merged_cells_are_not_repeated_in_raw_pairs() -> None:
    f = sample_fields(7)
    form = parse_docx(build(f, "☑"), "申报表.docx")
    assert [v for k, v in form.raw_pairs if k == "项目名称"] == [f["project_name"]]


@st.composite
def label_noise(draw: st.DrawFn) -> Noise:
    """How people retype labels: spaces or line breaks between characters, a colon, full-width brackets."""
    spacer = draw(st.sampled_from(["", " ", "  ", "\u3000", "\n"]))
    colon = draw(st.sampled_from(["", "：", ":"]))
    rnd = draw(st.randoms(use_true_random=False))

    def noise(label: str) -> str:
        if not label:
            return label
        chars = [c + (spacer if rnd.random() < 0.4 and c not in "\n" else "") for c in label]
        out = "".join(chars).strip() + colon
        return out.replace("(", "（").replace(")", "）")

    return noise


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), label_noise())
def test_labels_retyped_with_spaces_colons_and_brackets(seed: int, noise: Noise) -> None:
    f = sample_fields(seed)
    form = parse_docx(build(f, "☑", noise), "申报表.docx")
    assert form.is_form
    assert form.fields.to_json() == f
