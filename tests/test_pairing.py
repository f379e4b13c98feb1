"""Pairing a mail's Word and PDF documents into applications."""

from __future__ import annotations

import copy
from typing import Any

from core.documents import ParsedForm, PdfInfo
from core.fields import FormFields
from parsers.pairing import merge_fields, name_similarity, pair_documents
from samples.formgen import sample_fields


def _word(name: str, fields: dict[str, Any]) -> ParsedForm:
    return ParsedForm(source=name, kind="docx", is_form=True, fields=FormFields.from_json(fields))


def _pdf(name: str, fields: dict[str, Any] | None = None, *, scanned: bool = False) -> ParsedForm:
    info = PdfInfo(pages=2, text_layer=not scanned, scanned=scanned, seal="present", seal_pages=(1,))
    return ParsedForm(
        source=name,
        kind="pdf",
        is_form=True,
        fields=FormFields.from_json(fields or {}),
        pdf=info,
    )


def _letter(name: str, kind: str = "docx") -> ParsedForm:
    return ParsedForm(source=name, kind=kind, is_form=False, note="未找到申报表栏目（公函）")


def _units() -> list[dict[str, Any]]:
    return [sample_fields(s) for s in (11, 12, 13)]


def test_three_units_forwarded_in_one_mail_pair_by_content() -> None:
    a, b, c = _units()
    # file names say nothing useful; the content decides
    docs = [
        _word("附件1.docx", a),
        _word("附件2.docx", b),
        _word("附件3.docx", c),
        _pdf("扫描3.pdf", c),
        _pdf("扫描1.pdf", a),
        _pdf("扫描2.pdf", b),
    ]
    result = pair_documents(docs)
    assert len(result.groups) == 3 and result.ignored == ()
    for group, fields in zip(result.groups, (a, b, c), strict=False):
        assert group.word is not None and group.pdf is not None
        assert (
            group.word.fields.to_json()["project_name"]
            == group.pdf.fields.to_json()["project_name"]
            == fields["project_name"]
        )
        assert group.problems == ()


def test_scans_pair_by_file_name() -> None:
    a, b, c = _units()
    docs = [
        _word("武汉大学申报表.docx", a),
        _word("华中科技大学申报表.docx", b),
        _word("湖北大学申报表.docx", c),
        _pdf("湖北大学申报表（盖章）.pdf", scanned=True),
        _pdf("武汉大学-盖章扫描件.pdf", scanned=True),
        _pdf("华中科技大学.pdf", scanned=True),
    ]
    result = pair_documents(docs)
    pairs = [(g.word.source if g.word else None, g.pdf.source if g.pdf else None) for g in result.groups]
    assert pairs == [
        ("武汉大学申报表.docx", "武汉大学-盖章扫描件.pdf"),
        ("华中科技大学申报表.docx", "华中科技大学.pdf"),
        ("湖北大学申报表.docx", "湖北大学申报表（盖章）.pdf"),
    ]
    # the scans carry nothing: the merged fields are the Word values
    assert result.groups[0].fields.to_json()["project_name"] == a["project_name"]


def test_single_word_and_single_scan_pair_whatever_their_names() -> None:
    a = _units()[0]
    result = pair_documents([_pdf("scan0001.pdf", scanned=True), _word("表.docx", a)])
    assert len(result.groups) == 1
    group = result.groups[0]
    assert group.word is not None and group.pdf is not None
    assert group.sources == ("表.docx", "scan0001.pdf")


def test_project_name_difference_is_a_mismatch() -> None:
    a = _units()[0]
    changed = copy.deepcopy(a)
    changed["project_name"] = a["project_name"].replace("高级研修班", "培训班") + "（修订）"
    result = pair_documents([_word("申报表.docx", a), _pdf("申报表.pdf", changed)])
    assert len(result.groups) == 1
    (problem,) = result.groups[0].problems
    assert problem.code == "word_pdf_mismatch"
    assert a["project_name"] in problem.detail and changed["project_name"] in problem.detail


def test_same_name_written_differently_is_no_mismatch() -> None:
    a = _units()[0]
    spaced = copy.deepcopy(a)
    spaced["project_name"] = "《" + " ".join(a["project_name"]) + "》"
    result = pair_documents([_word("申报表.docx", a), _pdf("申报表.pdf", spaced)])
    assert result.groups[0].problems == ()


def test_cover_letter_is_ignored_with_its_note() -> None:
    a = _units()[0]
    letter = _letter("关于报送申报材料的函.docx")
    result = pair_documents([letter, _word("申报表.docx", a), _pdf("申报表.pdf", a)])
    assert result.ignored == (letter,)
    assert result.ignored[0].note
    assert len(result.groups) == 1


def test_scanned_cover_letter_is_not_a_pdf_only_form() -> None:
    a = _units()[0]
    result = pair_documents(
        [_pdf("推荐函.pdf", scanned=True), _word("申报表.docx", a), _pdf("申报表盖章.pdf", scanned=True)]
    )
    assert [g.sources for g in result.groups] == [("申报表.docx", "申报表盖章.pdf")]
    assert [f.source for f in result.ignored] == ["推荐函.pdf"]
    assert "公函" in result.ignored[0].note


def test_pdf_only_and_word_only_groups() -> None:
    a, b, _ = _units()
    result = pair_documents([_word("甲单位.docx", a), _pdf("乙单位.pdf", b)])
    # different projects, different names: two incomplete applications, not one mismatched pair
    assert len(result.groups) == 2
    assert result.groups[0].word is not None and result.groups[0].pdf is None
    assert result.groups[1].word is None and result.groups[1].pdf is not None
    assert result.groups[1].fields.to_json()["project_name"] == b["project_name"]


def test_no_documents_and_only_letters() -> None:
    assert pair_documents([]).groups == ()
    only = pair_documents([_letter("函.docx"), _letter("说明.pdf", "pdf")])
    assert only.groups == () and len(only.ignored) == 2


def test_output_order_is_deterministic() -> None:
    a, b, c = _units()
    docs = [_pdf("c.pdf", c), _word("a.docx", a), _pdf("a.pdf", a), _word("c.docx", c), _word("b.docx", b)]
    first = pair_documents(docs)
    again = pair_documents(list(docs))
    assert first == again
    assert [g.sources for g in first.groups] == [("c.docx", "c.pdf"), ("a.docx", "a.pdf"), ("b.docx",)]


def test_merge_word_first_pdf_fills_gaps() -> None:
    word = FormFields().to_json()
    word["project_name"] = "甲项目"
    word["applicant"]["contact"] = "张三"
    pdf = FormFields().to_json()
    pdf["project_name"] = "乙项目"
    pdf["applicant"]["contact"] = "李四"
    pdf["applicant"]["mobile"] = "13800000000"
    pdf["scope"]["digital_tech"] = True
    pdf["scope_notes"]["digital_tech"] = "人工智能"
    pdf["training_dates"], pdf["training_start"], pdf["training_end"] = (
        "6月1日至5日",
        "2025-06-01",
        "2025-06-05",
    )
    merged = merge_fields(FormFields.from_json(word), FormFields.from_json(pdf))[0].to_json()
    assert merged["project_name"] == "甲项目" and merged["applicant"]["contact"] == "张三"
    assert merged["applicant"]["mobile"] == "13800000000"
    assert merged["scope"]["digital_tech"] is True and merged["scope_notes"]["digital_tech"] == "人工智能"
    assert merged["training_end"] == "2025-06-05"
    assert word["applicant"]["mobile"] is None  # inputs untouched


def test_name_similarity_ignores_common_words() -> None:
    assert name_similarity("武汉大学申报表.docx", "武汉大学申报表（盖章扫描件）.pdf") == 1.0
    assert name_similarity("武汉大学申报表.docx", "湖北大学申报表.pdf") < name_similarity(
        "武汉大学申报表.docx", "武汉大学.pdf"
    )


def test_same_form_attached_twice_is_one_application() -> None:
    a = _units()[0]
    result = pair_documents(
        [
            _word("申报表.docx", a),
            _word("申报表(1).docx", a),
            _pdf("申报表.pdf", a),
            _pdf("扫描1.pdf", scanned=True),
            _pdf("扫描2.pdf", scanned=True),
        ]
    )
    assert next(g.sources for g in result.groups) == ("申报表.docx", "申报表.pdf")
    assert [f.source for f in result.ignored] == ["申报表(1).docx"]
    assert "重复" in result.ignored[0].note and "申报表.docx" in result.ignored[0].note
    # unreadable scans are never taken for copies of each other
    assert sum(1 for g in result.groups if g.pdf is not None and g.pdf.source.startswith("扫描")) == 2


def test_real_parsers_agree_on_a_pair() -> None:
    """The Word parser and the PDF parser read one filling alike: the pair carries no mismatch."""
    from parsers.docx_form import parse_docx
    from parsers.pdf_form import parse_pdf
    from samples.formgen import build_form_docx
    from samples.pdfgen import pdf_from_fields

    mail = []
    for seed, style in ((51, "glyph"), (52, "content_control"), (53, "split_table")):
        fields = sample_fields(seed)
        mail += [
            parse_pdf(pdf_from_fields(fields), f"单位{seed}盖章.pdf"),
            parse_docx(build_form_docx(fields, style), f"单位{seed}.docx"),
        ]
    result = pair_documents(mail)
    assert [g.sources for g in result.groups] == [(f"单位{s}.docx", f"单位{s}盖章.pdf") for s in (51, 52, 53)]
    for group, seed in zip(result.groups, (51, 52, 53), strict=False):
        assert group.problems == ()
        assert group.fields.to_json() == sample_fields(seed)
