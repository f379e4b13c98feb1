"""What reviewers do to the workbook survives regeneration: decisions follow a resubmission, field
corrections stay (highlighted, with the machine's reading), their own columns stay; backups rotate;
补正清单, review pages, originals under safe readable names; reviewer sheets carry no internals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from core.decisions import ReviewState
from core.flags import Flag
from core.records import MessageRecord
from reports.originals import safe_component
from reports.workbook import backups, write_workbook
from tests.test_reports_factory import (
    TZ,
    make_attachment,
    make_form,
    make_message,
    make_run,
    save_formula_results,
)

REVIEWER_SHEETS = ("汇总", "申报项目", "补正清单", "统计", "问题清单", "邮件日志", "附件", "通知", "已移除")


def _header(ws: Worksheet) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _rows(ws: Worksheet) -> list[dict[str, Any]]:
    h = _header(ws)
    return [{k: ws.cell(row=r, column=c).value for k, c in h.items()} for r in range(2, ws.max_row + 1)]


def _by_number(path: Path) -> dict[int, dict[str, Any]]:
    ws = openpyxl.load_workbook(path)["申报项目"]
    return {int(r["受理号"]): r for r in _rows(ws)}


def _edit(path: Path, number: int, author: str = "", **cells: Any) -> None:
    """A reviewer edits the row of 受理号 `number` and saves (openpyxl, as Excel would)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["申报项目"]
    h = _header(ws)
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=h["受理号"]).value == number)
    for header, value in cells.items():
        if header not in h:  # a column of their own, added at the right
            col = ws.max_column + 1
            ws.cell(row=1, column=col).value = header
            h[header] = col
        ws.cell(row=row, column=h[header]).value = value
    if author:
        wb.properties.lastModifiedBy = author
    wb.save(path)


def _resubmission() -> tuple[MessageRecord, MessageRecord, MessageRecord]:
    """Unit 0 sends a form, unit 1 sends one, then unit 0 sends its form again (superseding the first)."""
    first = make_message(0)
    other = make_message(1)
    again_form = replace(make_form("INBOX/1/3", 0, training_location="武汉市"), form_id="F0100")
    again = make_message(2, forms=(again_form,), minutes=60 * 24)
    old = replace(first.forms[0], superseded_by="F0100", flags=(Flag("superseded", "较新版本"),))
    return replace(first, forms=(old,)), other, again


def test_decision_follows_the_resubmission_and_counts_once(tmp_path: Path) -> None:
    path = tmp_path / "申报汇总.xlsx"
    first, other, again = _resubmission()
    current_first = replace(first, forms=(replace(first.forms[0], superseded_by=None, flags=()),))
    result = write_workbook(path, [current_first, other], make_run(), tz=TZ, data_dir=tmp_path)
    _edit(path, 1, 推荐级别="推荐省级", 审核意见="选题好", 审核人="张三")
    result = write_workbook(
        path, [first, other, again], make_run(), tz=TZ, data_dir=tmp_path, state=result.state
    )
    rows = _by_number(path)
    assert (
        rows[3]["推荐级别"] == "推荐省级" and rows[3]["审核意见"] == "选题好" and rows[3]["审核人"] == "张三"
    )
    assert rows[3]["决定来源"] == "沿用自 2024年12月12日 版"
    assert rows[1]["状态"] == "已被替代" and rows[1]["替代情况"] == "已被第 3 号替代"
    assert result.state.decisions["F0100"].level == "推荐省级"
    # the new row's own decision wins over the old one's, and is no longer marked as carried
    _edit(path, 3, 推荐级别="推荐国家级")
    write_workbook(path, [first, other, again], make_run(), tz=TZ, data_dir=tmp_path, state=result.state)
    rows = _by_number(path)
    assert rows[3]["推荐级别"] == "推荐国家级" and rows[3]["决定来源"] is None
    assert rows[1]["推荐级别"] == "推荐省级"  # the superseded row keeps its own
    formula = openpyxl.load_workbook(path)["汇总"]
    texts = [str(c.value) for row in formula.iter_rows() for c in row if c.data_type == "f"]
    assert any('"<>已被替代"' in t and '"推荐国家级"' in t for t in texts)  # counts current forms only


def test_correction_is_kept_highlighted_and_explained(tmp_path: Path) -> None:
    path = tmp_path / "申报汇总.xlsx"
    msgs = [make_message(0), make_message(1)]
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path)
    _edit(path, 1, author="李四", 办班地点="武汉市洪山宾馆", 申报单位手机="13900000000", 复核="已电话核实")
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path, state=result.state)
    corrections = result.state.corrections
    assert set(corrections) == {("F0000", "training_location"), ("F0000", "applicant.mobile")}
    c = corrections["F0000", "training_location"]
    assert (c.value, c.machine, c.by) == ("武汉市洪山宾馆", "宜昌市", "李四") and c.at is not None
    # re-applied at every regeneration, from the store alone (the workbook is replaced by a fresh one)
    path.unlink()
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path, state=result.state)
    ws = openpyxl.load_workbook(path)["申报项目"]
    h = _header(ws)
    cell = ws.cell(row=2, column=h["办班地点"])
    assert cell.value == "武汉市洪山宾馆"
    assert cell.fill.fgColor.rgb.endswith("C9E7F7")
    assert "机器识别为：宜昌市" in cell.comment.text and "李四" in cell.comment.text
    assert ws.cell(row=2, column=h["复核"]).value == "已电话核实"  # their own column, kept
    assert ws.cell(row=3, column=h["办班地点"]).comment is None
    # the review page shows the corrected value and the machine's reading
    page = (tmp_path / "审核页" / "第0001号.html").read_text(encoding="utf-8")
    assert "武汉市洪山宾馆" in page and "机器识别为：宜昌市" in page
    # set back to what the machine read: no correction any more
    _edit(path, 1, 办班地点="宜昌市")
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path, state=result.state)
    assert set(result.state.corrections) == {("F0000", "applicant.mobile")}


def test_a_new_parse_is_not_taken_for_a_correction(tmp_path: Path) -> None:
    """The machine's reading changes (a rerun with better rules) while nobody touched the row."""
    path = tmp_path / "申报汇总.xlsx"
    msgs = [make_message(0)]
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path)
    _edit(path, 1, 审核意见="看过")  # the file changes, the field cells do not
    better = [
        replace(msgs[0], forms=(replace(make_form("INBOX/1/1", 0, training_location="宜昌市国际会议中心")),))
    ]
    result = write_workbook(path, better, make_run(), tz=TZ, data_dir=tmp_path, state=result.state)
    assert result.state.corrections == {}
    assert _by_number(path)[1]["办班地点"] == "宜昌市国际会议中心"


def test_document_line_breaks_show_as_spaces_and_reviewers_text_stays_as_typed(tmp_path: Path) -> None:
    """A form's paragraphs are one line in the sheets (the review page keeps them); an untouched row is
    not taken for a correction; what a reviewer types with line breaks is written back unchanged."""
    path = tmp_path / "申报汇总.xlsx"
    purpose = "第一段：服务长江经济带。\r\n\n  第二段：培养骨干人才。"
    form = make_form("INBOX/1/1", 0, purpose=purpose, project_name="数字经济\x0b高级研修班")
    msgs = [make_message(0, forms=(form,))]
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path)
    row = _by_number(path)[1]
    assert row["研修目的和作用"] == "第一段：服务长江经济带。 第二段：培养骨干人才。"
    assert row["项目名称"] == "数字经济 高级研修班"
    page = (tmp_path / "审核页" / "第0001号.html").read_text(encoding="utf-8")
    assert re.search(r"第一段：服务长江经济带。\r?\n\s*第二段", page), "the page keeps the paragraphs"
    assert "\x0b" not in page and "数字经济\n高级研修班" in page
    opinion = "同意。\n建议压缩理论课时，\n增加现场教学。"
    _edit(path, 1, 审核意见=opinion, 研修内容和方式="1. 专题讲座\n2. 现场教学")
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path, state=result.state)
    row = _by_number(path)[1]
    assert row["审核意见"] == opinion and result.state.decisions["F0000"].opinion == opinion
    assert row["研修内容和方式"] == "1. 专题讲座\n2. 现场教学"  # a correction, as typed
    assert set(result.state.corrections) == {("F0000", "content_and_format")}  # not 研修目的和作用


def test_backups_rotate_and_are_dated(tmp_path: Path) -> None:
    path = tmp_path / "申报汇总.xlsx"
    for _ in range(5):
        write_workbook(path, [make_message(0)], make_run(), tz=TZ, data_dir=tmp_path, keep_backups=3)
    kept = backups(path)
    assert len(kept) == 3 and all(re.fullmatch(r"申报汇总-\d{8}-\d{6}(-\d+)?\.xlsx", p.name) for p in kept)


def test_fixes_sheet_grouped_by_unit_with_contacts(tmp_path: Path) -> None:
    path = tmp_path / "申报汇总.xlsx"
    unit_a1 = make_message(
        0, forms=(make_form("INBOX/1/1", 0, flags=(Flag("missing_pdf"), Flag("stamp_missing"))),)
    )
    unit_b = make_message(
        1, forms=(make_form("INBOX/1/2", 1, flags=(Flag("missing_field", "applicant.fax"),)),)
    )
    a2 = replace(
        make_form("INBOX/1/3", 0, flags=(Flag("funding_type_multiple"),), funding_type=None), form_id="F0200"
    )
    unit_a2 = make_message(2, forms=(a2,))
    clean = make_message(3)
    late_only = make_message(4, flags=(Flag("late", "2024-12-18 10:00"),))
    no_form = make_message(5, forms=(), attachments=(), flags=(Flag("no_attachment"),))
    write_workbook(
        path, [unit_a1, unit_b, unit_a2, clean, late_only, no_form], make_run(), tz=TZ, data_dir=tmp_path
    )
    rows = _rows(openpyxl.load_workbook(path)["补正清单"])
    assert [r["申报单位"] for r in rows] == [
        "宜昌市第0人民医院",
        "宜昌市第0人民医院",
        "宜昌市第1人民医院",
        "（发件人 unit5@example.com）",
    ]
    first = rows[0]
    assert (first["联系人"], first["手机"], first["邮箱"], first["序号"]) == (
        "王芳",
        "13907171234",
        "unit0@example.com",
        1,
    )
    assert (
        first["需补正内容"]
        == "1. 请补发加盖公章的 PDF 扫描版申报表。\n2. PDF 版未见公章，请加盖申报单位公章后重新扫描发送。"
    )
    assert rows[1]["需补正内容"] == "1. 申报项目类别只能选一项，请改为单选后重新发送。"
    assert rows[2]["需补正内容"] == "1. 请补填：申报单位传真。"
    assert "发送 Word 版和盖章 PDF 版" in rows[3]["需补正内容"]
    projects = {r["受理号"]: r for r in _rows(openpyxl.load_workbook(path)["申报项目"])}
    assert projects[3]["申报项目类别"] == "两项均勾选"


def test_funding_blank_reads_as_not_ticked(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    m = make_message(
        0, forms=(make_form("INBOX/1/1", 0, funding_type=None, flags=(Flag("funding_type_missing"),)),)
    )
    write_workbook(path, [m], make_run(), tz=TZ, data_dir=tmp_path)
    assert _by_number(path)[1]["申报项目类别"] == "未勾选"


def test_row_height_follows_the_text_and_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    short = make_message(
        0,
        forms=(
            make_form("INBOX/1/1", 0, purpose="短", content_and_format="短", experts="短", trainees="短"),
        ),
    )
    long = make_message(1, forms=(make_form("INBOX/1/2", 1, purpose="研修" * 2000),))
    medium = make_message(2, forms=(make_form("INBOX/1/3", 2, purpose="研" * 150),))
    write_workbook(path, [short, long, medium], make_run(), tz=TZ, data_dir=tmp_path)
    ws = openpyxl.load_workbook(path)["申报项目"]
    heights = [ws.row_dimensions[r].height for r in (2, 3, 4)]
    # 150 wide characters (300 columns of text) in a 60-wide column: 6 lines; 4000: capped at 8 lines
    assert heights[0] < heights[2] < heights[1]
    assert heights[2] == pytest.approx(6 * 14.5 + 4) and heights[1] == pytest.approx(8 * 14.5 + 4)


def test_review_page_in_the_forms_layout_with_links(tmp_path: Path) -> None:
    (tmp_path / "data" / "f").mkdir(parents=True)
    (tmp_path / "data" / "f" / "a.docx").write_bytes(b"w")
    (tmp_path / "data" / "f" / "a.pdf").write_bytes(b"p")
    m = make_message(
        0,
        attachments=(
            make_attachment("申报表0.docx", archive_path="f/a.docx"),
            replace(make_attachment("申报表0.pdf", archive_path="f/a.pdf"), kind="pdf"),
        ),
        flags=(Flag("late", "2024-12-18 10:00"),),
    )
    m = replace(m, forms=(replace(m.forms[0], pdf_seal="absent"),))
    out = tmp_path / "out" / "申报汇总.xlsx"
    write_workbook(out, [m], make_run(), tz=TZ, data_dir=tmp_path / "data")
    page = (out.parent / "审核页" / "第0001号.html").read_text(encoding="utf-8")
    for text in (
        "项目名称",
        "数字经济与产业升级高级研修班0",
        "办班地点",
        "宜昌市",
        "研修目的",
        "承办单位信息",
        "三峡大学",
        "逾期提交",
        "PDF公章：未见",
        "@page { size: A4 portrait",
    ):
        assert text in page, text
    hrefs = re.findall(r'href="([^"]+)"', page)
    from urllib.parse import unquote

    targets = {unquote(h) for h in hrefs}
    assert "../原件/宜昌市第0人民医院/数字经济与产业升级高级研修班0/申报表0.docx" in targets
    assert "../原件/宜昌市第0人民医院/数字经济与产业升级高级研修班0/申报表0.pdf" in targets
    for target in targets:
        assert (out.parent / "审核页" / target).resolve().is_file(), target


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/cron.d/x", "etc_cron.d_x"),
        ("/etc/passwd", "etc_passwd"),
        ("..\\..\\x.docx", "x.docx"),
        ("申报表.docx\x00.exe", "申报表.docx_.exe"),
        ("CON", "_CON"),
        ("trailing. . ", "trailing"),
        (".htaccess", "htaccess"),
        ("", "未命名"),
        ("申报表" * 30, "申报表" * 10),
        ("a#b%c", "a_b_c"),
    ],
)
def test_safe_component(raw: str, expected: str) -> None:
    got = safe_component(raw, limit=30)
    assert got == expected
    assert "/" not in got and "\\" not in got and len(got.encode()) <= 90


def test_hostile_names_never_leave_the_originals_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.docx").write_bytes(b"x")
    form = make_form(
        "INBOX/1/1", 0, project_name="../../../etc", declared_org="..", applicant={"name": "/root"}
    )
    m = make_message(
        0,
        forms=(replace(form, sources=("../../evil.docx",)),),
        attachments=(make_attachment("../../evil.docx", archive_path="x.docx"),),
    )
    out = tmp_path / "out" / "w.xlsx"
    write_workbook(out, [m], make_run(), tz=TZ, data_dir=tmp_path / "data")
    files = [p for p in (out.parent / "原件").rglob("*") if p.is_file()]
    assert [p.relative_to(out.parent).as_posix() for p in files] == ["原件/root/etc/evil.docx"]
    assert not (tmp_path / "etc").exists()


_CODE = re.compile(
    r"^(?:[a-z]+(?:_[a-z]+)+"  # flag codes: missing_field
    r"|[A-Za-z]+/\d+/\d+"  # mailbox keys: INBOX/1796207894/35
    r"|[0-9a-f]{16,}"  # hashes, form ids
    r"|<[^<>@\s]+@[^<>\s]+>"  # Message-IDs
    r"|[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} .*"  # RFC 2822 dates
    r"|\d+(?:\.\d+)? ?(?:bytes|B)"  # sizes in bytes
    r")$"
)


def _no_internals(wb: openpyxl.Workbook) -> list[str]:
    found = []
    for title in REVIEWER_SHEETS:
        if title not in wb.sheetnames:
            continue
        ws = wb[title]
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    text = c.value.strip()
                    if any(_CODE.match(part.strip(" ·")) for part in text.split("\n")):
                        found.append(f"{title}!{c.coordinate}: {text[:60]}")
        if title != "汇总":
            for c in ws[1]:
                if isinstance(c.value, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9 _-]*", c.value):
                    found.append(f"{title} header {c.value}")
    return found


def test_reviewer_sheets_show_no_internal_codes_or_english_headers(tmp_path: Path) -> None:
    flags = (Flag("missing_field", "applicant.mobile"), Flag("no_such_code", "x"), Flag("stamp_missing"))
    msgs = [
        make_message(
            0,
            forms=(make_form("INBOX/1/1", 0, flags=flags),),
            flags=(Flag("date_header_mismatch", "Thu, 12 Dec 2024 09:30:00 +0800"),),
        ),
        make_message(
            1,
            forms=(),
            attachments=(make_attachment("x.bin", status="unreadable", detail="不是申报表"),),
            flags=(Flag("no_form_found"),),
        ),
        make_message(2),
    ]
    path = tmp_path / "w.xlsx"
    result = write_workbook(path, msgs, make_run(new=frozenset({"INBOX/1/1"})), tz=TZ, data_dir=tmp_path)
    _edit(path, 2, 推荐级别="待定")
    write_workbook(path, msgs[:2], make_run(), tz=TZ, data_dir=tmp_path, state=result.state)  # → 已移除
    wb = openpyxl.load_workbook(path)
    assert "已移除" in wb.sheetnames and wb.sheetnames[-1] == "技术信息"
    assert _no_internals(wb) == []
    # the codes and ids are there, on the technical sheet only
    tech = " ".join(str(c.value) for row in wb["技术信息"].iter_rows() for c in row if c.value)
    assert (
        "missing_field" in tech and "INBOX/1/1" in tech and "<m0@example.com>" in tech and "ab" * 32 in tech
    )


def test_the_internals_check_catches_codes(tmp_path: Path) -> None:
    """The check above can fail: a workbook showing a code, a key or an English header is caught."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报项目"
    ws.append(["序号", "Status"])
    ws.append([1, "missing_field"])
    ws.append([2, "INBOX/1796207894/35"])
    assert len(_no_internals(wb)) == 3


def test_state_round_trips_through_the_store(tmp_path: Path) -> None:
    from intake.store import Store

    path = tmp_path / "w.xlsx"
    msgs = [make_message(0)]
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path)
    _edit(path, 1, author="王五", 推荐级别="推荐国家级", 办班地点="荆州市", 备注="=1+1")
    save_formula_results(path, {"1+1": "2"})
    result = write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path, state=result.state)
    with Store(tmp_path / "store") as store:
        assert store.review_state() == ReviewState()
        store.save_review_state(result.state)
        back = store.review_state()
    assert back == result.state
    assert back.decisions["F0000"].extra == (2,)  # the formula they typed, as the cell showed it
    assert isinstance(back.corrections["F0000", "training_location"].at, datetime)


@pytest.mark.parametrize(
    "target",
    ['原件/a"),cmd|x!A1,("/b.docx', "/etc/passwd", "../x.docx", "原件/../../x", "a\nb", "x" * 300, ""],
)
def test_link_formulas_only_over_paths_intake_made(target: str) -> None:
    from reports.cells import hyperlink_formula

    with pytest.raises(ValueError):
        hyperlink_formula(target, "打开")
    assert (
        hyperlink_formula("原件/单位/项目/申报表.docx", "打开")
        == '=HYPERLINK("原件/单位/项目/申报表.docx","打开")'
    )
