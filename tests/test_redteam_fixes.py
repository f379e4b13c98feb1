"""Regression tests for what the red team's evaluation set (tests/redteam) found, one block per fix.
Fixtures are written here by writers independent of the readers (reportlab's canvas: tests/redteam/pdfgrid,
hand-written WordprocessingML: tests/redteam/w_ooxml)."""

from __future__ import annotations

from pathlib import Path

from core.schema import DEFAULT_SCHEMA
from parsers import radicals
from parsers.docx_form import parse_docx
from parsers.pdf_form import parse_pdf
from tests.redteam import pdfgrid, w_ooxml, w_reportlab
from tests.redteam.cases import form
from tests.redteam.layout import Style, document
from tests.redteam.model import Unit
from tests.redteam.pdfgrid import Page

_ABOVE = (
    "专业技术人员知识更新工程2025年高级研修项目申报表",
    "申报单位（盖章）：湖北省测绘学会",
    "申报时间：2024年12月12日",
)
_TOP_ROWS = (
    (("项目名称", 1), ("北斗导航应用技术高级研修班", 4)),
    (("办班时间", 1), ("2025年6月16日-20日", 2), ("办班地点", 1), ("武汉市", 1)),
    (("选题所属\n行业领域", 1), ("北斗", 2), ("选题所属\n行业主管部门", 1), ("湖北省自然资源厅", 1)),
    (("申报项目类别", 1), ("■财政资助项目  □自筹经费项目", 4)),
    (("是否符合\n选题范围", 1), ("■服务国家战略：长江经济带  □对接产业需求", 4)),
    (("研修目的\n和作用", 1), ("提升北斗应用技术水平", 4)),
)
_APPLICANT = (
    (("申报单位信息", 1), ("单位名称", 1), ("湖北省测绘学会", 1), ("联系人", 1), ("周杰", 1)),
    (("", 1), ("办公电话", 1), ("027-87654321", 1), ("手机", 1), ("13800000000", 1)),
    (("", 1), ("传真", 1), ("", 1), ("地址", 1), ("武汉市珞喻路129号", 1)),
)
_ORGANIZER = (
    (("", 1), ("单位名称", 1), ("武汉大学", 1), ("联系人", 1), ("吴婷", 1)),
    (("", 1), ("办公电话", 1), ("027-68778888", 1), ("手机", 1), ("15900000000", 1)),
    (("", 1), ("传 真", 1), ("", 1), ("地 址", 1), ("武汉市珞喻路129号", 1)),
)
_CE = ((("", 1), ("是否继续\n教育基地", 1), ("□国家级  ■是省级继续教育基地  □否", 3)),)


def _parse(pages: list[Page]) -> dict[str, object]:
    form = parse_pdf(pdfgrid.pdf(pages), "申报表.pdf", DEFAULT_SCHEMA, check_seal=False)
    assert form.is_form, form.note
    return form.fields.to_json()


# ---- radicals in the text layer (Chromium / Edge "print to PDF" write ⻓ for 长, ⼈ for 人) ----------


def test_radical_code_points_read_as_the_ideographs_they_draw() -> None:
    assert radicals.unify("⻓江流域综合治理与⽣态修复⾼级研修班") == "长江流域综合治理与生态修复高级研修班"
    assert radicals.unify("联系⼈ ⼿机 ⻩冈市 ⻔户") == "联系人 手机 黄冈市 门户"
    assert radicals.unify("⼾") == "户"  # Kangxi ⼾ decomposes to 戶; the simplified fonts draw 户
    text = "项目名称：湖北省测绘学会 2025年（共5天）☑□√"
    assert radicals.unify(text) is text  # nothing to change: the same string back


def test_a_pdf_whose_text_layer_has_radicals_reads_like_its_page() -> None:
    rows = [
        (("项⽬名称", 1), ("⻓江流域⽣态修复⾼级研修班", 4)),
        *_TOP_ROWS[1:2],
        (("选题所属\n⾏业领域", 1), ("流域综合治理", 2), ("选题所属\n⾏业主管部门", 1), ("湖北省⽔利厅", 1)),
        *_TOP_ROWS[3:],
        *_APPLICANT,
    ]
    fields = _parse([Page(rows, _ABOVE)])
    assert fields["project_name"] == "长江流域生态修复高级研修班"
    assert fields["industry_field"] == "流域综合治理"  # its label had a radical too
    assert fields["industry_authority"] == "湖北省水利厅"


# ---- a table continued on the next page without a rule above it (Chromium) ----------------------------


def test_a_table_continued_on_the_next_page_without_its_top_rule_is_still_read() -> None:
    organizer = [(("承办单位信息", 1), *_ORGANIZER[0][1:]), *_ORGANIZER[1:]]
    pages = [
        Page([*_TOP_ROWS, *_APPLICANT, *organizer], _ABOVE, open_bottom=True),
        Page(list(_CE), open_top=True),  # Chromium draws no rule where the page cut the table
    ]
    fields = _parse(pages)
    assert fields["organizer"]["ce_base"] == "provincial"  # type: ignore[index]


# ---- the 承办单位 block's label not on its rows (a merged cell cut by a page break) ----------------------


def test_a_second_unit_block_without_its_section_label_is_the_organizer() -> None:
    # 承办单位信息 is a merged cell the page break cut: its text is printed on the next page, or nowhere
    fields = _parse([Page([*_TOP_ROWS, *_APPLICANT, *_ORGANIZER, *_CE], _ABOVE)])
    applicant, organizer = fields["applicant"], fields["organizer"]
    assert applicant["name"] == "湖北省测绘学会" and applicant["contact"] == "周杰"  # type: ignore[index]
    assert organizer["name"] == "武汉大学" and organizer["contact"] == "吴婷"  # type: ignore[index]
    assert organizer["mobile"] == "15900000000"  # type: ignore[index]


def test_a_second_contact_row_in_the_applicant_block_stays_the_applicants() -> None:
    extra = (("", 1), ("联系人", 1), ("李四", 1), ("手机", 1), ("13911112222", 1))
    rows = [*_TOP_ROWS, *_APPLICANT, extra, *_CE]
    fields = _parse([Page(rows, _ABOVE)])
    assert fields["applicant"]["contact"] == "周杰"  # type: ignore[index]
    assert fields["organizer"]["contact"] is None  # type: ignore[index]


# ---- Word forms of the set, written by hand (tests/redteam/w_ooxml) ----------------------------------


def _word(style: Style, flavour: str = "word", **changes: object) -> dict[str, object]:
    f = form(0, **changes)
    data = w_ooxml.docx_bytes(document(f, style), flavour)
    parsed = parse_docx(data, "申报表.docx", DEFAULT_SCHEMA)
    assert parsed.is_form, parsed.note
    return parsed.fields.to_json()


def test_a_tick_typed_in_quotes_after_the_option_leaves_no_quotes_in_its_note() -> None:
    fields = _word(Style("q", scope="tick_after_quoted"))  # □对接产业需求“√”：光电子信息产业
    assert fields["scope"] == {"national_strategy": False, "industry_demand": True, "digital_tech": True}
    assert fields["scope_notes"]["industry_demand"] == "光电子信息产业"  # type: ignore[index]
    assert fields["scope_notes"]["digital_tech"] == "光电子芯片与器件数字化转型"  # type: ignore[index]


def test_a_label_and_its_value_typed_in_the_last_cell_of_a_row_is_not_read_from_the_row_below() -> None:
    # layout D: "传真：" | "地址：武汉市…" — the 地址 cell ends the row; below it is the 继续教育基地 row
    fields = _word(Style("d", layout="D"))
    assert fields["organizer"]["address"] == "武汉市洪山区珞喻路1037号"  # type: ignore[index]
    assert fields["applicant"]["address"] == "武汉市洪山区珞喻路1037号"  # type: ignore[index]
    assert fields["organizer"]["ce_base"] == "national"  # type: ignore[index]


def test_labels_with_a_qualifier_or_reworded_name_their_field() -> None:
    labels = (
        ("purpose", "研修目的及作用"),
        ("trainees", "培训对象及人数"),
        ("experts", "拟邀授课专家情况"),
        ("training_dates", "办班时间及天数"),
        ("address", "通信地址"),
        ("org_address", "通信地址"),
    )
    fields = _word(Style("labels", labels=labels))
    f = form(0)
    assert fields["purpose"] == f.purpose
    assert fields["trainees"] == f.trainees
    assert fields["experts"] == f.experts
    assert fields["training_start"] == "2025-06-16"
    assert fields["applicant"]["address"] == f.applicant.address  # type: ignore[index]
    assert fields["organizer"]["address"] == f.organizer.address  # type: ignore[index]


def test_a_value_that_begins_with_a_label_word_is_not_a_label() -> None:
    from parsers.labels import labels_for

    labels = labels_for(DEFAULT_SCHEMA)
    for value in ("人工智能和大数据", "和平区", "地址和平大道947号", "拟于2025年下半年", "办班时间待定"):
        assert not labels.lookup(value), value
    line = "地址和平大道947号"
    assert [m.group(0) for m in labels.in_line.finditer(line)] == ["地址"]


# ---- 承办单位 = 申报单位: the block or its fields written "同上" -----------------------------------------


def test_an_organizer_block_written_as_one_cell_same_as_above_is_the_applicant() -> None:
    f = form(0)
    for flavour, layout in (("word", "A"), ("wps", "B")):
        fields = _word(Style("same", organizer_same=True, layout=layout), flavour, organizer=Unit())
        organizer = fields["organizer"]
        assert organizer["name"] == f.applicant.name, layout  # type: ignore[index]
        assert organizer["contact"] == f.applicant.contact  # type: ignore[index]
        assert organizer["mobile"] == f.applicant.mobile  # type: ignore[index]
        assert organizer["ce_base"] == "national"  # type: ignore[index]
    pdf = pdfgrid.pdf([Page([*_TOP_ROWS, *_APPLICANT, (("承办单位信息", 1), ("同上", 4)), *_CE], _ABOVE)])
    organizer = parse_pdf(pdf, "申报表.pdf", DEFAULT_SCHEMA, check_seal=False).fields.organizer
    assert (organizer.name, organizer.contact, organizer.ce_base) == ("湖北省测绘学会", "周杰", "provincial")


def test_organizer_fields_written_same_as_above_hold_the_applicants_values() -> None:
    f = form(0)
    fields = _word(
        Style("same"), organizer=Unit("同上", "同上", "（同上）", "同申报单位", "", "与申报单位相同")
    )
    organizer = fields["organizer"]
    assert organizer["name"] == f.applicant.name  # type: ignore[index]
    assert organizer["office_phone"] == f.applicant.office_phone  # type: ignore[index]
    assert organizer["mobile"] == f.applicant.mobile  # type: ignore[index]
    assert organizer["address"] == f.applicant.address  # type: ignore[index]
    assert organizer["fax"] is None  # type: ignore[index]


# ---- a row cut in two by a page break, its label too ("是否继续" | "教育基地") ------------------------------


def test_a_row_cut_by_a_page_break_is_joined_back_label_and_value() -> None:
    organizer = [(("承办单位信息", 1), *_ORGANIZER[0][1:]), *_ORGANIZER[1:]]
    cut = (("", 1), ("是否继续", 1), ("■是第4批国家级专业技术人员", 3))
    rest = (("", 1), ("教育基地", 1), ("继续教育基地  □是省级  □否", 3))
    pages = [
        Page([*_TOP_ROWS, *_APPLICANT, *organizer, cut], _ABOVE, open_bottom=True),
        Page([rest], open_top=True),
    ]
    fields = _parse(pages)
    organizer_fields = fields["organizer"]
    assert organizer_fields["ce_base"] == "national"  # type: ignore[index]
    assert organizer_fields["ce_base_batch"] == 4  # type: ignore[index]
    assert organizer_fields["fax"] is None  # type: ignore[index]  (not "教育基地")


def test_a_label_cut_by_a_page_break_is_joined_back() -> None:
    cut = (("授课专家情", 1), ("拟邀请武汉大学教授5名授课，其", 4))
    rest = (("况", 1), ("中正高级职称4名。", 4))
    cut2 = (("研修目的", 1), ("提升北斗应用", 4))  # "研修目的" alone is a label too
    rest2 = (("和作用", 1), ("技术水平", 4))
    pages = [
        Page([*_TOP_ROWS[:5], cut2], _ABOVE, open_bottom=True),
        Page([rest2, cut], open_top=True, open_bottom=True),
        Page([rest, *_APPLICANT], open_top=True),
    ]
    fields = _parse(pages)
    assert fields["experts"] == "拟邀请武汉大学教授5名授课，其中正高级职称4名。"
    assert fields["purpose"] == "提升北斗应用技术水平"


# ---- Symbol's √ (Insert → Symbol) in a PDF LibreOffice printed: U+F0D6 in OpenSymbol ---------------------


def test_symbol_fonts_tick_kept_as_its_private_use_code_reads_as_a_tick() -> None:
    from parsers import choices
    from parsers.pdf_text import _glyph

    assert _glyph({"text": "\uf0d6", "fontname": "FAAAAA+OpenSymbol"}) == "√"
    assert _glyph({"text": "\uf0fe", "fontname": "FAAAAA+OpenSymbol"}) == "☑"  # Wingdings' codes still win
    cell = "".join(
        _glyph({"text": c, "fontname": "FAAAAA+OpenSymbol"}) for c in "\uf0d6财政资助项目  □自筹经费项目"
    )
    assert choices.funding(cell, from_pdf=True).value == "fiscal"


# ---- ZapfDingbats check boxes (PDF forms, iText / reportlab exports): the text layer says "4" and "q" ------


def test_zapfdingbats_boxes_read_as_ticked_and_empty() -> None:
    f = form(3).with_(funding="self_funded", self_source="单位自筹", ce_base="provincial", batch=None)
    data = w_reportlab.pdf_bytes(document(f, Style("zapf"), seal=True), zapf=True)
    parsed = parse_pdf(data, "申报表.pdf", DEFAULT_SCHEMA, check_seal=False)
    assert parsed.is_form
    fields = parsed.fields
    assert fields.funding_type == "self_funded"
    assert fields.self_funding_source == "单位自筹"
    assert (fields.scope.national_strategy, fields.scope.industry_demand, fields.scope.digital_tech) == (
        True,
        True,
        False,
    )
    assert fields.organizer.ce_base == "provincial"
    assert not [p for p in parsed.problems if p.code in ("funding_type_multiple", "choice_unclear")]


# ---- an option set apart (highlight, shading, underline + bold) with no mark in the cell ---------------


def test_an_option_highlighted_underlined_or_shaded_without_a_mark_is_the_one_chosen() -> None:
    for mark, flavour in (
        ("emph_highlight", "word"),
        ("emph_underline_bold", "wps"),
        ("emph_shading", "wps"),
    ):
        fields = _word(Style("emph", funding=mark), flavour, funding="self_funded", self_source="单位自筹")
        assert fields["funding_type"] == "self_funded", mark
        fields = _word(Style("emph", funding=mark), flavour, funding="fiscal", self_source="")
        assert fields["funding_type"] == "fiscal", mark


def test_emphasis_on_every_option_or_beside_a_tick_decides_nothing() -> None:
    from parsers import choices

    cell = "□财政资助项目  □自筹经费项目（自筹经费来源：_____）"
    assert choices.funding(cell, emphasis=(cell,)).value is None  # the whole cell in bold: no choice
    ticked = "□财政资助项目  ☑自筹经费项目（自筹经费来源：单位自筹）"
    assert choices.funding(ticked, emphasis=("财政资助项目",)).value == "self_funded"  # the tick decides
    scope = "□服务国家战略：  □对接产业需求：高端装备  □突出数字技术：工业互联网"
    got = choices.scope(scope, emphasis=("对接产业需求：高端装备", "突出数字技术：工业互联网"))
    assert got.states == {"national_strategy": False, "industry_demand": True, "digital_tech": True}


# ---- 办班时间 without days but after the limit in any case ("拟于2025年11月举办") -------------------------


def test_a_month_after_the_limit_is_training_after_the_deadline_even_without_days() -> None:
    from core.documents import FormGroup
    from core.fields import FormFields
    from intake.review import default_rules, form_flags

    def codes(text: str) -> set[str]:
        fields = FormFields.build({"training_dates": text})
        return {f.code for f in form_flags(FormGroup(None, None, fields), default_rules())}

    assert {"training_dates_unparsed", "training_after_deadline"} <= codes("拟于2025年11月举办")
    assert "training_after_deadline" in codes("2025年12月上旬")
    assert "training_after_deadline" not in codes("2025年第四季度")  # it may start in October
    for text in ("2025年10月下旬", "拟于2025年下半年", "2025年9月（暂定）", "5天"):
        assert "training_after_deadline" not in codes(text), text
        assert "training_dates_unparsed" in codes(text), text


# ---- a 补发 follow-up's row: merged into the earlier form, so not "missing the Word version" ---------------


def test_the_follow_up_that_completes_a_form_is_not_flagged_for_the_half_it_lacks(tmp_path: Path) -> None:
    import json
    from datetime import datetime

    from tests.redteam import evaluate, mails

    f = form(5)
    word = w_ooxml.docx_bytes(document(f, Style("w")), "word")
    pdf = w_reportlab.pdf_bytes(document(f, Style("p"), seal=True), zapf=False)
    box = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (box / sub).mkdir(parents=True)
    first, _ = mails._mail(
        1,
        "申报表",
        "a <a@example.cn>",
        [("申报表.docx", word)],
        datetime(2024, 12, 12, 9, tzinfo=evaluate.TZ),
    )
    second, _ = mails._mail(
        2,
        "补发盖章PDF",
        "a <a@example.cn>",
        [("申报表.pdf", pdf)],
        datetime(2024, 12, 12, 15, tzinfo=evaluate.TZ),
    )
    (box / "cur" / "1.a:2,S").write_bytes(first)
    (box / "cur" / "2.b:2,S").write_bytes(second)
    rows = [json.loads(line) for line in evaluate.run_intake(box, tmp_path).read_text().splitlines()]
    forms = [form for row in rows for form in row["forms"]]
    whole = next(x for x in forms if not x["superseded_by"])
    follow_up = next(x for x in forms if x["superseded_by"])
    assert {x["code"] for x in whole["flags"]} >= {"completed"}
    assert not {x["code"] for x in whole["flags"]} & {"missing_word", "missing_pdf"}
    assert "merged" in {x["code"] for x in follow_up["flags"]}
    assert not {x["code"] for x in follow_up["flags"]} & {"missing_word", "missing_pdf"}


# ---- an empty content control printed with Word's placeholder ("单击或点击此处输入文字。") -------------


def test_a_content_controls_placeholder_printed_to_pdf_reads_as_empty() -> None:
    placeholder = "单击或点击此处输入文字。"
    applicant = (
        _APPLICANT[0],
        (("", 1), ("办公电话", 1), ("027-87654321", 1), ("手机", 1), (placeholder, 1)),
        (
            ("", 1),
            ("传真", 1),
            ("Click or tap here to enter text.", 1),
            ("地址", 1),
            ("武汉市珞喻路129号", 1),
        ),
    )
    fields = _parse([Page([*_TOP_ROWS, *applicant, *_CE], _ABOVE)])
    assert fields["applicant"]["mobile"] is None  # type: ignore[index]
    assert fields["applicant"]["fax"] is None  # type: ignore[index]
    assert fields["applicant"]["office_phone"] == "027-87654321"  # type: ignore[index]


# ---- an emoji tick (☑️ = ☑ + U+FE0F) and other characters that show nothing -----------------------------


def test_an_emoji_tick_with_its_variation_selector_marks_the_option_after_it() -> None:
    from core.documents import LabelValue, Source
    from parsers.normalise import normalise

    cell = "□财政资助项目  ☑\ufe0f自筹经费项目（自筹经费来源：单位自有资金）"
    scope = "✔\ufe0f服务国家战略：长江经济带\u200b  □对接产业需求  ✔\ufe0f突出数字技术：人工智能"
    pairs = [
        LabelValue("funding_type", "申报项目类别", cell, Source.WORD),
        LabelValue("scope", "是否符合选题范围", scope, Source.PDF_TEXT),
    ]
    fields = normalise(pairs, DEFAULT_SCHEMA).fields
    assert fields.funding_type == "self_funded"
    assert fields.self_funding_source == "单位自有资金"
    assert fields.scope is not None and fields.scope.national_strategy and fields.scope.digital_tech
    assert not fields.scope.industry_demand
    assert fields.scope_notes.national_strategy == "长江经济带"


# ---- a cover letter printed on the page before the form, in the same PDF ---------------------------------


def test_a_cover_letter_before_the_forms_title_gives_no_fields() -> None:
    cover = Page(
        [],
        (
            "关于报送2025年高级研修项目申报材料的函",
            "省人力资源和社会保障厅专业技术人员职称处：",
            "现将我单位高级研修项目申报表报送贵处，请予审核。",
            "联系人及电话见申报表。",
            "湖北省测绘学会",
        ),
    )
    fields = _parse([cover, Page([*_TOP_ROWS, *_APPLICANT, *_CE], _ABOVE)])
    assert fields["applicant"]["contact"] == "周杰"  # type: ignore[index]
    assert fields["declared_org"] == "湖北省测绘学会"


# ---- a box after each option's words -------------------------------------------------------------------


def test_a_box_after_each_option_belongs_to_the_option_before_it() -> None:
    from parsers import choices

    assert choices.funding("财政资助项目☑  自筹经费项目□（自筹经费来源：_____）").value == "fiscal"
    got = choices.funding("财政资助项目□  自筹经费项目☑（自筹经费来源：单位自有资金）")
    assert got.value == "self_funded" and got.source == "单位自有资金"
    base = choices.ce_base("是第7批国家级专业技术人员继续教育基地☑  是省级继续教育基地□  否□")
    assert base.value == "national" and base.batch == 7
    scope = choices.scope("服务国家战略☑：长江经济带  对接产业需求□  突出数字技术☑：人工智能")
    assert scope.states == {"national_strategy": True, "industry_demand": False, "digital_tech": True}
    # boxes before the options, as the template has them: unchanged
    assert choices.funding("□财政资助项目  ☑自筹经费项目").value == "self_funded"


# ---- two 继续教育基地 options ticked -----------------------------------------------------------------


def test_two_ce_base_options_ticked_is_unclear_not_missing() -> None:
    from core.documents import LabelValue, Source
    from parsers import choices
    from parsers.normalise import normalise

    cell = "☑是第3批国家级专业技术人员继续教育基地  ☑是省级继续教育基地  □否"
    assert choices.ce_base(cell).unclear == choices.TICKED_SEVERAL
    got = normalise([LabelValue("organizer.ce_base", "是否继续教育基地", cell, Source.WORD)], DEFAULT_SCHEMA)
    assert got.fields.organizer.ce_base is None
    assert [p.code for p in got.problems] == ["choice_unclear"]
    assert got.evidence["organizer.ce_base"].unclear


# ---- 申报时间 written without a day ---------------------------------------------------------------------


def test_a_declared_date_without_a_day_is_written_not_missing() -> None:
    from core.documents import FormGroup, LabelValue, ParsedForm, Source
    from intake.review import default_rules, form_flags
    from parsers.normalise import normalise

    rules = default_rules()

    def flags(when: str) -> list[str]:
        got = normalise([LabelValue("declared_date", "申报时间", when, Source.WORD)], DEFAULT_SCHEMA)
        word = ParsedForm("a.docx", "docx", True, got.fields, got.evidence)
        group = FormGroup(word, None, got.fields, (), got.evidence)
        return [f.detail for f in form_flags(group, rules) if f.code == "missing_field"]

    assert "申报时间" not in flags("2024年12月")
    assert "申报时间" in flags("")
    assert "申报时间" in flags("    年   月   日")  # the template's blank left as printed
    assert "申报时间" in flags("____年__月__日")
    assert "申报时间" not in flags("2024年12月12日")


# ---- （是） / （否） written after each option ---------------------------------------------------------


def test_yes_or_no_in_brackets_after_each_option_answers_for_it() -> None:
    from parsers import choices

    assert choices.funding("财政资助项目（是）  自筹经费项目（否）（自筹经费来源：_____）").value == "fiscal"
    got = choices.funding("财政资助项目(否)  自筹经费项目(是)（自筹经费来源：单位自有资金）")
    assert got.value == "self_funded" and got.source == "单位自有资金"
    scope = choices.scope("服务国家战略（是）：长江经济带  对接产业需求（否）  突出数字技术（是）：人工智能")
    assert scope.states == {"national_strategy": True, "industry_demand": False, "digital_tech": True}
    assert scope.notes["national_strategy"] == "长江经济带"


# ---- a tick typed in place of an option's box ----------------------------------------------------------


def test_a_tick_standing_where_the_next_options_box_goes_is_that_options() -> None:
    from parsers import choices

    got = choices.funding("□财政资助项目  √\u3000自筹经费项目（自筹经费来源：单位自有资金）")
    assert got.value == "self_funded" and got.unclear is None
    # both options keep their box and the tick stands between them: still a question for a reviewer
    between = choices.funding("□财政资助项目 √ □自筹经费项目（自筹经费来源：_____）")
    assert between.value is None and between.unclear
    # no boxes anywhere: nothing says where the tick belongs
    assert choices.funding("财政资助项目  √  自筹经费项目").unclear


# ---- an HTML checkbox a browser printed: a rounded square drawn as a path ------------------------------


def test_a_browsers_checkbox_drawn_as_rounded_squares_is_read() -> None:
    from types import SimpleNamespace

    from parsers import pdf_text

    def rounded(x: float, fill: tuple[float, ...], *, stroke: bool = False) -> dict[str, object]:
        pts = [(x, 18.0), (x, 11.0), (x + 1, 10.0), (x + 9, 10.0), (x + 10, 11.0), (x + 10, 19.0), (x, 18.0)]
        return {
            "object_type": "curve",
            "x0": x,
            "x1": x + 10,
            "top": 10.0,
            "bottom": 20.0,
            "width": 10.0,
            "height": 10.0,
            "fill": not stroke,
            "stroke": stroke,
            "non_stroking_color": fill,
            "stroking_color": fill,
            "pts": pts,
        }

    tick = {
        "object_type": "curve",
        "x0": 12.0,
        "x1": 18.0,
        "top": 12.0,
        "bottom": 17.0,
        "width": 6.0,
        "height": 5.0,
        "stroking_color": (1.0, 1.0, 1.0),
        "pts": [(12.0, 14.0), (14.0, 17.0), (18.0, 12.0)],
    }
    page = SimpleNamespace(
        rects=[],
        lines=[],
        curves=[
            rounded(10.0, (1.0, 1.0, 1.0)),  # ticked: a white ground, a blue fill, a white tick
            rounded(10.0, (0.0, 0.46, 1.0)),
            tick,
            rounded(40.0, (1.0, 1.0, 1.0)),  # empty: a white ground and a grey border
            rounded(40.0, (0.46, 0.46, 0.46), stroke=True),
        ],
    )
    assert [c["text"] for c in pdf_text.drawn_boxes(page)] == ["☑", "☐"]


# ---- 申报单位 wrapped in a narrow cell, read as text lines (the PDF cross-check) -------------------------


def test_a_declared_unit_wrapped_onto_its_own_line_is_joined_back() -> None:
    from core.documents import Source
    from parsers import header

    def org(*lines: str) -> list[str]:
        return [p.value for p in header.declared(lines, Source.PDF_TEXT) if p.key == "declared_org"]

    assert org("申报单位（盖章）：宜昌市特色产业技术服", "务中心", "申报时间：2024年12月12日") == [
        "宜昌市特色产业技术服务中心"
    ]
    assert org("申报单位（盖章）：", "湖北省测绘学会", "申报时间：2024年12月12日") == ["湖北省测绘学会"]
    assert org("申报单位（盖章）：湖北省测绘学会", "申报时间：2024年12月12日") == ["湖北省测绘学会"]
    # a line between that is not the rest of a name: left alone
    assert org("申报单位：湖北省测绘学会", "联系人：张三", "申报时间：2024年12月12日") == ["湖北省测绘学会"]


# ---- an option highlighted or set in bold, no mark, in a PDF --------------------------------------------


def test_highlighted_or_bold_text_of_a_pdf_page_is_its_emphasis() -> None:
    from parsers import pdf_text

    def chars(text: str, x: float, font: str = "NotoSerifCJKsc-Regular") -> list[dict[str, object]]:
        return [
            {
                "text": c,
                "x0": x + 10 * i,
                "x1": x + 10 * i + 10,
                "top": 100.0,
                "bottom": 110.0,
                "fontname": font,
            }
            for i, c in enumerate(text)
        ]

    yellow = {"x0": 108.0, "x1": 172.0, "top": 98.0, "bottom": 112.0, "height": 14.0, "fill": True}
    rule = {**yellow, "x0": 0.0, "x1": 500.0, "top": 111.0, "bottom": 112.0, "height": 1.0}
    line = [*chars("□财政资助项目  □", 100.0), *chars("自筹经费项目", 200.0)]
    got = pdf_text.emphasised(
        line,
        [{**yellow, "non_stroking_color": (1.0, 1.0, 0.0)}, {**rule, "non_stroking_color": (0.0, 0.0, 0.0)}],
    )
    assert got == ("财政资助项目",)  # the black rule under the line is no highlighter
    bold = pdf_text.emphasised(
        [*chars("□财政资助项目 □", 100.0), *chars("自筹经费项目", 200.0, "X+Noto-Bold")], []
    )
    assert bold == ("自筹经费项目",)


def test_the_one_option_a_pdf_sets_apart_with_no_mark_is_chosen() -> None:
    from core.documents import LabelValue, Source
    from parsers.normalise import normalise

    cell = "□财政资助项目  □自筹经费项目（自筹经费来源：单位自有资金）"
    pair = LabelValue("funding_type", "申报项目类别", cell, Source.PDF_TEXT, emphasis=("自筹经费项目",))
    assert normalise([pair], DEFAULT_SCHEMA).fields.funding_type == "self_funded"
    # the title in bold decides nothing
    title = LabelValue(
        "funding_type", "申报项目类别", cell, Source.PDF_TEXT, emphasis=("高级研修项目申报表",)
    )
    assert normalise([title], DEFAULT_SCHEMA).fields.funding_type is None


def test_a_form_whose_title_line_comes_after_its_first_rows_is_read_whole() -> None:
    # page 1 without a recognisable title (the title line missing), page 2 with a line ending in 申报表
    first = Page([*_TOP_ROWS, *_APPLICANT], _ABOVE[1:])
    second = Page(list(_CE), ("附：专业技术人员知识更新工程2025年高级研修项目申报表",))
    fields = _parse([first, second])
    assert fields["project_name"] == "北斗导航应用技术高级研修班"
    assert fields["applicant"]["contact"] == "周杰"  # type: ignore[index]


def test_a_section_label_cut_by_a_page_break_keeps_the_rows_beside_it_apart() -> None:
    # 申报单位信息 is one tall merged cell; a page break cuts its text after 申报单位. The rows beside it
    # are whole rows of their own (单位名称 … | 办公电话 …), not halves of one row to be joined.
    first = (("申报单位", 1), *_APPLICANT[0][1:])
    rest = (("信息", 1), *_APPLICANT[1][1:])
    organizer = [(("承办单位信息", 1), *_ORGANIZER[0][1:]), *_ORGANIZER[1:]]
    pages = [
        Page([*_TOP_ROWS, first], _ABOVE, open_bottom=True),
        Page([rest, *_APPLICANT[2:], *organizer, *_CE], open_top=True),
    ]
    applicant = _parse(pages)["applicant"]
    assert applicant == {
        "name": "湖北省测绘学会",
        "contact": "周杰",
        "office_phone": "027-87654321",
        "mobile": "13800000000",
        "fax": None,
        "address": "武汉市珞喻路129号",
    }
