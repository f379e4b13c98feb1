"""Forms laid out differently from our own generator: the parser must follow labels, not positions.

Each document here is hand-written WordprocessingML (a different table shape, merged cells, content
controls, nested tables, tracked changes, a table-less form) so nothing is tuned to formgen's layout.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from parsers.docx_form import parse_docx
from samples.formgen import package_docx

NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def r(text: str, font: str | None = None) -> str:
    rpr = f'<w:rPr><w:rFonts w:eastAsia="{font}" w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def p(*inner: str) -> str:
    return "<w:p>" + "".join(x if x.startswith("<") else r(x) for x in inner) + "</w:p>"


def tc(*paras: str, span: int = 1, vmerge: str | None = None) -> str:
    pr = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    if vmerge == "restart":
        pr += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        pr += "<w:vMerge/>"
    body = "".join(x if x.startswith(("<w:p", "<w:tbl")) else p(x) for x in paras) or "<w:p/>"
    return f"<w:tc><w:tcPr>{pr}</w:tcPr>{body}</w:tc>"


def tr(*cells: str, before: int = 0) -> str:
    pr = f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before else ""
    return f"<w:tr>{pr}{''.join(cells)}</w:tr>"


def tbl(*rows: str, cols: int = 4) -> str:
    grid = "".join('<w:gridCol w:w="2000"/>' for _ in range(cols))
    return f"<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def docx(*blocks: str) -> bytes:
    return package_docx(
        f'<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>{"".join(blocks)}'
        "</w:body></w:document>"
    )


def parse(*blocks: str) -> dict:
    form = parse_docx(docx(*blocks), "t.docx")
    assert form.is_form, form.note
    return form.fields.to_json()


HEAD = (p("申报单位：湖北省农业科学院（盖章）"), p("申报时间：2024年12月16日"))
TOP = (
    tr(tc("项目名称"), tc("现代种业创新高级研修班", span=3)),
    tr(tc("办班时间"), tc("2025年5月12日至16日"), tc("办班地点"), tc("武汉市")),
    tr(tc("选题所属行业领域"), tc("农业"), tc("选题所属行业主管部门"), tc("湖北省农业农村厅")),
    tr(tc("申报项目类别（仅单选）"), tc("□财政资助项目  ☑自筹经费项目（自筹经费来源：院自有资金）", span=3)),
)


def test_four_columns_with_section_header_rows() -> None:
    """No section column: 申报单位信息 / 承办单位信息 are full-width rows above their sub-labels."""
    f = parse(
        *HEAD,
        tbl(
            *TOP,
            tr(tc("申报单位信息", span=4)),
            tr(tc("单位名称"), tc("湖北省农业科学院"), tc("联 系 人"), tc("李明")),
            tr(tc("办公电话"), tc("027-87389999"), tc("手 机"), tc("13900001111")),
            tr(tc("传 真"), tc(""), tc("地 址"), tc("武汉市洪山区南湖大道18号")),
            tr(tc("承办单位信息", span=4)),
            tr(tc("单位名称"), tc("武汉市培训中心"), tc("联系人"), tc("王芳")),
            tr(tc("办公电话"), tc("027-85550000"), tc("手机"), tc("13800002222")),
            tr(tc("传真"), tc("027-85550001"), tc("地址"), tc("武汉市江汉区")),
        ),
    )
    assert f["declared_org"] == "湖北省农业科学院" and f["declared_date"] == "2024-12-16"
    assert (f["training_start"], f["training_end"]) == ("2025-05-12", "2025-05-16")
    assert f["funding_type"] == "self_funded" and f["self_funding_source"] == "院自有资金"
    assert f["applicant"] == {
        "name": "湖北省农业科学院",
        "contact": "李明",
        "office_phone": "027-87389999",
        "mobile": "13900001111",
        "fax": None,
        "address": "武汉市洪山区南湖大道18号",
    }
    assert f["organizer"]["name"] == "武汉市培训中心" and f["organizer"]["fax"] == "027-85550001"


def test_value_below_label_and_value_in_label_cell() -> None:
    f = parse(
        tbl(
            *TOP,
            tr(tc("研修目的和作用", span=4)),
            tr(tc("提升种业创新能力", span=4)),
            tr(tc(p("授课专家情况"), p("拟邀请院士2名"), span=4)),
            tr(tc("培训对象：全省种业骨干", span=4)),
        )
    )
    assert f["purpose"] == "提升种业创新能力"
    assert f["experts"] == "拟邀请院士2名"
    assert f["trainees"] == "全省种业骨干"
    assert f["project_name"] == "现代种业创新高级研修班"


def test_sdt_wrapped_cells_rows_and_table_grid_before() -> None:
    sdt_cell = (
        '<w:sdt><w:sdtPr><w:alias w:val="项目"/></w:sdtPr><w:sdtContent>'
        + tc("包在内容控件里的项目", span=3)
        + "</w:sdtContent></w:sdt>"
    )
    sdt_row = "<w:sdt><w:sdtContent>" + tr(tc("办班地点"), tc("宜昌市", span=3)) + "</w:sdtContent></w:sdt>"
    table = tbl(
        tr(tc("项目名称"), sdt_cell),
        sdt_row,
        tr(tc("办班时间"), tc("2025.9.1—9.5"), tc(p("选题所属"), p("行业领域")), tc("水利"), before=0),
        tr(tc("培训对象"), tc("基层技术人员", span=2), before=1),
        *TOP[2:],
    )
    body_sdt = f"<w:sdt><w:sdtContent>{table}</w:sdtContent></w:sdt>"
    f = parse(body_sdt)
    assert f["project_name"] == "包在内容控件里的项目"
    assert f["training_location"] == "宜昌市"
    assert f["training_start"] == "2025-09-01" and f["industry_field"] == "水利"
    assert f["trainees"] == "基层技术人员"


def test_nested_table_in_experts_cell_and_vmerge_not_repeated() -> None:
    nested = tbl(tr(tc("张三"), tc("院士")), tr(tc("李四"), tc("教授")), cols=2)
    f = parse(
        tbl(
            *TOP,
            tr(tc("授课专家情况"), tc(p("专家名单如下："), nested, span=3)),
            tr(tc("申报单位信息", vmerge="restart"), tc("单位名称"), tc("甲单位"), tc("联系人"), tc("赵一")),
            tr(tc(vmerge="continue"), tc("手机"), tc("13911112222"), tc("传真"), tc("")),
        )
    )
    assert f["experts"] == "专家名单如下：\n张三 院士\n李四 教授"
    assert f["applicant"]["name"] == "甲单位" and f["applicant"]["mobile"] == "13911112222"
    assert f["applicant"]["fax"] is None
    assert f["organizer"]["name"] is None  # the vMerge continuation did not repeat 申报单位信息's unit


def test_tracked_changes_smart_tags_hyperlinks_and_fields() -> None:
    ins = '<w:ins w:id="1" w:author="a"><w:r><w:t>新名称研修班</w:t></w:r></w:ins>'
    dele = '<w:del w:id="2" w:author="a"><w:r><w:delText>旧名称研修班</w:delText></w:r></w:del>'
    smart = '<w:smartTag w:uri="u" w:element="PersonName"><w:r><w:t>欧阳</w:t></w:r></w:smartTag>'
    link = '<w:hyperlink w:anchor="x"><w:r><w:t>武汉市武昌区</w:t></w:r></w:hyperlink>'
    simple = '<w:fldSimple w:instr=" FILLIN "><w:r><w:t>0710-1234567</w:t></w:r></w:fldSimple>'
    form = parse_docx(
        docx(
            tbl(
                tr(tc("项目名称"), tc(p(dele, ins), span=3)),
                *TOP[1:],
                tr(
                    tc("申报单位信息", vmerge="restart"),
                    tc("单位名称"),
                    tc("乙单位"),
                    tc("联系人"),
                    tc(p(smart, r("明"))),
                ),
                tr(tc(vmerge="continue"), tc("地址"), tc(p(link)), tc("办公电话"), tc(p(simple))),
            )
        ),
        "t.docx",
    )
    f = form.fields.to_json()
    assert f["project_name"] == "新名称研修班"
    assert f["applicant"]["contact"] == "欧阳明"
    assert f["applicant"]["address"] == "武汉市武昌区" and f["applicant"]["office_phone"] == "0710-1234567"
    assert "修订" in form.note


def test_form_typed_as_lines_without_a_table() -> None:
    f = parse(
        *HEAD,
        p("项目名称：北斗应用高级研修班"),
        p("办班时间：2025年7月7日-11日"),
        p("办班地点：襄阳市"),
        p("选题所属行业领域：北斗"),
        p("选题所属行业主管部门：省发改委"),
        p("申报项目类别：☑财政资助项目 □自筹经费项目"),
        p("培训对象：全省技术骨干"),
    )
    assert f["project_name"] == "北斗应用高级研修班" and f["funding_type"] == "fiscal"
    assert f["training_end"] == "2025-07-11" and f["trainees"] == "全省技术骨干"


def test_pua_ticks_after_libreoffice_and_eastasia_font() -> None:
    cell = p(r("\uf0fe", "Wingdings"), r("财政资助项目 "), r("\uf0a8", "Wingdings"), r("自筹经费项目"))
    f = parse(tbl(*TOP[:3], tr(tc("申报项目类别"), tc(cell, span=3))))
    assert f["funding_type"] == "fiscal"


def test_text_box_is_read_once() -> None:
    box = (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
        + p("申报单位：三峡大学（盖章）")
        + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        "<v:shape><v:textbox><w:txbxContent>" + p("申报单位：错误的副本") + "</w:txbxContent></v:textbox>"
        "</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )
    form = parse_docx(docx(p(box), tbl(*TOP)), "t.docx")
    assert form.fields.to_json()["declared_org"] == "三峡大学"
    assert ("申报单位", "三峡大学") in form.raw_pairs


def test_section_labels_missing_first_occurrence_is_applicant() -> None:
    f = parse(
        tbl(
            *TOP,
            tr(tc("单位名称"), tc("丙单位"), tc("联系人"), tc("孙")),
            tr(tc("单位名称"), tc("丁单位"), tc("联系人"), tc("周")),
        )
    )
    assert f["applicant"]["name"] == "丙单位" and f["organizer"]["name"] == "丁单位"


def test_cover_letter_with_a_small_table_is_not_a_form() -> None:
    form = parse_docx(
        docx(
            p("关于报送高级研修项目的函"),
            tbl(tr(tc("项目名称"), tc("联系人")), tr(tc("某研修班"), tc("张三"))),
        ),
        "公函.docx",
    )
    assert not form.is_form and "公函" in form.note


def _all_test_documents() -> list[bytes]:
    from pathlib import Path

    golden = sorted((Path(__file__).parent / "golden").glob("*.docx"))
    built = [
        docx(
            *HEAD,
            tbl(
                *TOP, tr(tc("授课专家情况"), tc(p("名单："), tbl(tr(tc("张三"), tc("院士")), cols=2), span=3))
            ),
        ),
        docx(
            p("<w:r><w:t>x</w:t></w:r>"), tbl(*TOP), p(), tbl(tr(tc(vmerge="continue"), tc("传真"), tc("1")))
        ),
        docx(f"<w:sdt><w:sdtContent>{tbl(*TOP)}</w:sdtContent></w:sdt>"),
    ]
    return [g.read_bytes() for g in golden] + built


def test_walker_reads_tables_out_of_every_test_document() -> None:
    """Nested tables, a vMerge continuing nothing, a table inside a content control: each walks to grids."""
    from parsers import ooxml

    documents = _all_test_documents()
    with_tables = 0
    for data in documents:
        grids = list(ooxml.iter_grids(ooxml.walk_body(ooxml.load_document(data))))
        assert all(g.n_rows and g.n_cols and g.cells for g in grids)
        with_tables += bool(grids)
    assert with_tables == len(documents) - 1  # all but the cover letter


def test_picture_of_a_form_is_not_read_as_one() -> None:
    pic = '<w:r><w:drawing><wp:inline xmlns:wp="urn:x"><wp:docPr id="1" name="图片 1"/></wp:inline></w:drawing></w:r>'
    form = parse_docx(docx(p(pic), p("申报表")), "扫描件.docx")
    assert not form.is_form and "图片" in form.note


def test_empty_content_control_placeholder_is_not_a_value() -> None:
    placeholder = (
        "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>"
        + r("单击或点击此处输入文字。")
        + "</w:sdtContent></w:sdt>"
    )
    filled = "<w:sdt><w:sdtPr/><w:sdtContent>" + r("宜昌市") + "</w:sdtContent></w:sdt>"
    f = parse(tbl(*TOP[:1], tr(tc("办班时间"), tc(p(placeholder)), tc("办班地点"), tc(p(filled))), *TOP[2:]))
    assert f["training_dates"] is None and f["training_location"] == "宜昌市"


def test_header_lines_inside_the_first_table_row() -> None:
    f = parse(tbl(tr(tc("申报单位（盖章）：长江大学        申报日期：2024年12月13日", span=4)), *TOP))
    assert f["declared_org"] == "长江大学" and f["declared_date"] == "2024-12-13"


def test_value_that_begins_like_its_own_label_is_kept_whole() -> None:
    f = parse(
        tbl(
            *TOP,
            tr(tc("研修内容和方式"), tc(p("研修内容：种业前沿"), p("研修方式：现场教学"), span=3)),
            tr(tc("研修目的和作用"), tc("研修目的：提升能力", span=3)),
        )
    )
    assert f["content_and_format"] == "研修内容：种业前沿\n研修方式：现场教学"
    assert f["purpose"] == "研修目的：提升能力"


def test_self_funding_source_variants() -> None:
    from parsers.choices import self_funding_source

    assert (
        self_funding_source("☑自筹经费项目（自筹经费来源：单位自筹（含培训费））") == "单位自筹（含培训费）"
    )
    assert self_funding_source("☑自筹经费项目（自筹经费来源：）院自有资金") == "院自有资金"
    assert self_funding_source("☑自筹经费项目（自筹经费来源：___企业赞助___）") == "企业赞助"
    assert self_funding_source("□自筹经费项目（自筹经费来源：_____）") is None
    assert self_funding_source("☑财政资助项目") is None


def _boxed(text: str) -> str:
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
        + p(text)
        + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>"
        + p(text)
        + "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def test_value_in_a_text_box_inside_its_cell() -> None:
    data = docx(tbl(tr(tc("项目名称"), tc(p(_boxed("文本框里的研修班")), span=3)), *TOP[1:]))
    form = parse_docx(data, "t.docx")
    assert form.fields.to_json()["project_name"] == "文本框里的研修班"


def test_two_forms_in_one_document_are_not_mixed() -> None:
    second = [
        tr(tc("项目名称"), tc("第二个研修班", span=3)),
        tr(tc("办班地点"), tc("荆州市", span=3)),
        *TOP[1:],
        tr(tc("培训对象"), tc("第二张表的对象", span=3)),
    ]
    form = parse_docx(docx(tbl(*TOP), p("（第二个项目）"), tbl(*second)), "两张表.docx")
    first, other = form.forms()  # each table its own form
    assert first.fields.project_name == "现代种业创新高级研修班"
    assert first.fields.trainees is None  # not borrowed from the other form
    assert other.fields.project_name == "第二个研修班" and other.fields.trainees == "第二张表的对象"
    assert (first.source, other.source) == ("两张表.docx（第1份）", "两张表.docx（第2份）")


def test_unknown_rows_are_kept_in_raw_pairs() -> None:
    form = parse_docx(docx(tbl(*TOP, tr(tc("项目负责人"), tc("王建国", span=3)))), "t.docx")
    assert ("项目负责人", "王建国") in form.raw_pairs


def test_split_table_parts_apart_are_one_form() -> None:
    """A PDF→Word converter split the table at a page break and left a page-number line between the parts."""
    part2 = tbl(
        tr(tc("申报单位信息", vmerge="restart"), tc("单位名称"), tc("甲单位"), tc("联系人"), tc("赵一")),
        tr(tc(vmerge="continue"), tc("手机"), tc("13911112222"), tc("传真"), tc("")),
        tr(tc("承办单位信息", vmerge="restart"), tc("单位名称"), tc("乙单位"), tc("联系人"), tc("钱二")),
        tr(tc(vmerge="continue"), tc("办公电话"), tc("027-1"), tc("地址"), tc("武昌")),
        cols=5,
    )
    form = parse_docx(docx(tbl(*TOP), p("- 1 -"), part2), "t.docx")
    assert (
        form.fields.to_json()["applicant"]["name"] == "甲单位"
        and form.fields.to_json()["organizer"]["contact"] == "钱二"
    )
    assert "张申报表" not in form.note
