"""A reviewer's week, end to end through the real pipeline and a real LibreOffice:

run → reviewers fill decisions and correct a field (openpyxl, as Excel saves) → a unit resubmits →
run → the decision sits on the new version (沿用自 … 版), the correction is still there (and in the
export), and 汇总's formulas, recalculated by LibreOffice, equal what filtering 申报项目 shows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from intake.run import run_intake
from tests.libreoffice import needs_calc, recalculated_sheets, saved_by_calc
from tests.test_run import DOCX, at, config_for, form_docx, form_pdf, make_mail, write_maildir

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow, needs_calc]


def _mail(n: int, seed: int, day: int, *, pdf: bool = True, hour: int = 10) -> bytes:
    fields, docx = form_docx(seed)
    atts = [("申报表.docx", docx, DOCX)]
    if pdf:
        atts.append(("申报表（盖章）.pdf", form_pdf(fields), "application/pdf"))
    return make_mail(n, at(day, hour), atts)


def _rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    ws = openpyxl.load_workbook(path)["申报项目"]
    header = [str(c.value) for c in ws[1]]
    return header, [
        dict(zip(header, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)
    ]


def _edit(path: Path, edits: dict[int, dict[str, Any]]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["申报项目"]
    h = {str(c.value): c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        for header, value in edits.get(ws.cell(row=r, column=h["受理号"]).value, {}).items():
            ws.cell(row=r, column=h[header]).value = value
    wb.properties.lastModifiedBy = "审核员甲"
    wb.save(path)


def test_decisions_and_corrections_survive_a_resubmission(tmp_path: Path) -> None:
    mails = [
        _mail(1, 11, 10),  # unit 1: complete
        _mail(2, 12, 11),  # unit 2: complete
        _mail(3, 13, 12, pdf=False),  # unit 3: no PDF → 需补正
        _mail(4, 14, 18, hour=9),  # unit 4: after the deadline → 逾期
    ]
    box = write_maildir(tmp_path / "mail", mails)
    cfg = config_for(tmp_path, box)
    run_intake(cfg)
    book = cfg.report.workbook
    _, rows = _rows(book)
    assert [r["受理号"] for r in rows] == [1, 2, 3, 4]
    location = rows[1]["办班地点"]
    _edit(
        book,
        {
            1: {"推荐级别": "推荐省级", "审核意见": "选题好", "审核人": "张三"},
            2: {"推荐级别": "不推荐", "办班地点": "武汉市洪山宾馆"},
        },
    )

    # unit 1 sends its form again (same project, same sender): it supersedes the first one
    (box / "new" / "1735000000.M9P9.test").write_bytes(_mail(1, 11, 13))
    assert run_intake(cfg).new == 1

    header, rows = _rows(book)
    by_number = {r["受理号"]: r for r in rows}
    assert by_number[1]["状态"] == "已被替代" and by_number[1]["替代情况"] == "已被第 5 号替代"
    new = by_number[5]
    assert (new["推荐级别"], new["审核意见"], new["审核人"]) == ("推荐省级", "选题好", "张三")
    assert new["决定来源"] == "沿用自 2024年12月10日 版"
    assert by_number[2]["办班地点"] == "武汉市洪山宾馆" and by_number[2]["推荐级别"] == "不推荐"
    ws = openpyxl.load_workbook(book)["申报项目"]
    cell = ws.cell(row=3, column=header.index("办班地点") + 1)
    assert f"机器识别为：{location}" in cell.comment.text and "审核员甲" in cell.comment.text

    export = [json.loads(line) for line in cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines()]
    form2 = next(
        f for m in export for f in m["forms"] if f["fields"]["training_location"] == "武汉市洪山宾馆"
    )
    assert (
        form2["corrections"][0]["machine_value"] == location and form2["corrections"][0]["by"] == "审核员甲"
    )

    # 汇总 as LibreOffice computes it equals what filtering 申报项目 gives
    sheets = recalculated_sheets(book, tmp_path / "lo")
    projects = sheets["申报项目"]
    cols = {h: i for i, h in enumerate(projects[0])}
    data = [r for r in projects[1:] if any(r)]
    status = Counter(r[cols["状态"]] for r in data)
    current = [r for r in data if r[cols["状态"]] != "已被替代"]
    levels = Counter(r[cols["推荐级别"]] for r in current)
    summary = {}
    for row in sheets["汇总"]:
        for i in range(len(row) - 1):
            if row[i] and row[i + 1].isdigit():
                summary.setdefault(row[i], int(row[i + 1]))
    assert summary["有效申报表"] == len(current) == 4
    assert summary["材料齐全"] == status["材料齐全"] and summary["需补正"] == status["需补正"] >= 1
    assert summary["逾期"] == status["逾期"] == 1
    assert summary["已被替代的旧版本"] == status["已被替代"] == 1
    assert summary["推荐省级"] == levels["推荐省级"] == 1  # the carried decision, counted once
    assert summary["不推荐"] == levels["不推荐"] == 1
    assert summary["未填写"] == levels[""] == 2
    assert summary["本次新增申报表"] == Counter(r[cols["本次运行"]] for r in data)["新增"] == 1
    assert summary["本次新增邮件"] == 1 and summary["本次更新邮件"] == 0
    assert summary["财政资助项目"] + summary["自筹经费项目"] + summary["未勾选"] + summary["两项均勾选"] == 4


def test_work_saved_by_an_office_suite_is_read_back(tmp_path: Path) -> None:
    """Decisions, a correction, an added column with a formula and an opinion that became a formula
    error (typed as "=同意") survive LibreOffice saving the file; its rewrite makes no correction of
    its own (dates, numbers and links read back as what intake wrote)."""
    from reports.workbook import write_workbook
    from tests.test_reports_factory import TZ, make_message, make_run

    msgs = [make_message(i) for i in range(4)]
    book = tmp_path / "申报汇总.xlsx"
    first = write_workbook(book, msgs, make_run(), tz=TZ, data_dir=tmp_path / "data")
    wb = openpyxl.load_workbook(book)
    ws = wb["申报项目"]
    h = {str(c.value): c.column for c in ws[1]}
    ws.cell(row=1, column=ws.max_column + 1).value = "备注"
    extra = ws.max_column
    ws.cell(row=2, column=h["推荐级别"]).value = "推荐省级"
    ws.cell(row=2, column=h["办班地点"]).value = "武汉市洪山宾馆"
    ws.cell(row=2, column=extra).value = "=1+1"
    ws.cell(row=3, column=h["审核意见"]).value = "=同意"
    wb.save(book)
    saved_by_calc(book, tmp_path / "lo")

    again = write_workbook(book, msgs, make_run(), tz=TZ, data_dir=tmp_path / "data", state=first.state)
    rows = {
        r[h["受理号"] - 1]: r
        for r in openpyxl.load_workbook(book)["申报项目"].iter_rows(min_row=2, values_only=True)
    }
    head = [str(c.value) for c in openpyxl.load_workbook(book)["申报项目"][1]]
    assert rows[1][h["推荐级别"] - 1] == "推荐省级"
    assert rows[1][head.index("备注")] == 2  # what the formula showed
    assert rows[2][h["审核意见"] - 1] == "=同意"  # the text typed, not the error LibreOffice stored
    assert [(fid, path) for fid, path in again.state.corrections] == [("F0000", "training_location")]
