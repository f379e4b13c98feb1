"""Tables as applicants change them, one test per alteration: each form written by tests/writers (raw
WordprocessingML; PDFs exported by the real LibreOffice) and read back whole."""

from __future__ import annotations

import shutil

import pytest

from parsers.docx_form import parse_docx
from parsers.pairing import pair_documents
from parsers.pdf_form import parse_pdf
from tests.writers import office, values, wordml

needs_lo = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice (soffice) not installed"
)


def _docx(layout: str, seed: int, marks: str = "glyph") -> tuple[dict, bytes]:
    v = values.values(seed)
    return v, wordml.form_docx(v, marks, layout)


def test_date_range_split_over_two_cells() -> None:
    v, data = _docx("value_split", 61)
    form = parse_docx(data, "拆分.docx")
    assert form.fields.to_json() == v
    assert (form.fields.training_start.isoformat(), form.fields.training_end.isoformat()) == (
        v["training_start"],
        v["training_end"],
    )


def test_extra_row_in_a_unit_block_keeps_the_template_row_and_notes_the_extra() -> None:
    v, data = _docx("extra_row", 62)
    form = parse_docx(data, "加行.docx")
    assert form.fields.to_json() == v  # 联系人 / 手机 of the template's row
    assert "申报单位信息多了一行“联系人”：孙备用" in form.note


def test_group_heading_rows() -> None:
    v, data = _docx("group_rows", 63)
    assert parse_docx(data, "分组.docx").fields.to_json() == v


def test_unit_block_as_a_nested_table() -> None:
    v, data = _docx("nested", 64, "tick_after")
    form = parse_docx(data, "嵌套.docx")
    assert form.fields.to_json() == v and form.problems == ()


def test_table_split_in_two_by_hand() -> None:
    v, data = _docx("split_table", 65, "wingdings_sym")
    assert parse_docx(data, "分表.docx").fields.to_json() == v


def test_three_forms_in_one_docx_are_three_forms() -> None:
    vs = [values.values(s) for s in (66, 67, 68)]
    form = parse_docx(wordml.forms_docx(vs, "tick_after"), "三个单位.docx")
    forms = form.forms()
    assert [f.source for f in forms] == [f"三个单位.docx（第{k}份）" for k in (1, 2, 3)]
    assert [f.fields.to_json() for f in forms] == vs


@needs_lo
@pytest.mark.libreoffice
@pytest.mark.slow
def test_pdf_alterations_and_one_pdf_of_several_units_split_by_page() -> None:
    cases = {f"{layout}.docx": _docx(layout, 70 + i) for i, layout in enumerate(wordml.LAYOUTS)}
    vs = [values.values(s) for s in (80, 81, 82)]
    word_all = wordml.forms_docx(vs, "glyph")
    pdfs = office.convert({**{k: d for k, (_, d) in cases.items()}, "all.docx": word_all}, "pdf")
    for name, (v, _) in cases.items():
        assert parse_pdf(pdfs[name], name, check_seal=False).fields.to_json() == v, name
    pdf = parse_pdf(pdfs["all.docx"], "三个单位盖章.pdf", check_seal=False)
    assert [f.fields.to_json() for f in pdf.forms()] == vs
    assert [f.source for f in pdf.forms()] == [f"三个单位盖章.pdf（第{k}页）" for k in (1, 2, 3)]
    # each unit's Word form pairs with its own pages of the PDF
    word = parse_docx(word_all, "三个单位.docx")
    pairing = pair_documents([*word.forms(), *pdf.forms()])
    assert len(pairing.groups) == 3
    for group, v in zip(pairing.groups, vs, strict=False):
        assert group.word is not None and group.pdf is not None
        assert group.word.fields.project_name == group.pdf.fields.project_name == v["project_name"]
