"""Scans through the whole pipeline: a scan-only mail gets its fields, read by OCR and flagged so; a
Word file with another project's scan is caught; a photo named .heic is read; the workbook marks OCR'd
cells; a rerun of the unchanged mailbox reads nothing by OCR again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.run import run_intake
from tests import scanfix
from tests.test_run import DOCX, at, config_for, make_mail, write_maildir

pytestmark = pytest.mark.skipif(scanfix.tools_missing() is not None, reason=str(scanfix.tools_missing()))

PDF, JPEG = "application/pdf", "image/jpeg"


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    biotech_docx = scanfix.build_docx(scanfix.FORMS["biotech"])
    biotech_scan = scanfix.to_pdf([scanfix.colour_scan(scanfix.degraded("biotech", "seal"))])
    smartgrid_scan = scanfix.to_pdf([scanfix.degraded("smartgrid", "seal")])
    photo = scanfix.jpg(scanfix.degraded("smartgrid", "rot90"), 80)
    mails = [
        make_mail(1, at(12), [("林业申报表盖章扫描件.pdf", biotech_scan, PDF)]),  # scan only
        make_mail(2, at(13), [("申报表.docx", biotech_docx, DOCX), ("申报表盖章.pdf", biotech_scan, PDF)]),
        make_mail(3, at(14), [("申报表.docx", biotech_docx, DOCX), ("盖章件.pdf", smartgrid_scan, PDF)]),
        make_mail(4, at(15), [("IMG_2024.HEIC", photo, JPEG)]),  # a JPEG named .heic, turned 90°
    ]
    return write_maildir(tmp_path_factory.mktemp("ocr-mail") / "mail", mails)


@pytest.fixture(scope="module")
def ran(mailbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("ocr-run")
    cfg = config_for(tmp, mailbox, workers=2)
    summary = run_intake(cfg)
    export = {
        rec["message_id"].split("@")[0][2:]: rec
        for rec in map(json.loads, cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines())
    }
    return cfg, summary, export


def _codes(form: dict[str, Any]) -> set[str]:
    return {f["code"] for f in form["flags"]}


def test_a_scan_only_submission_is_read_and_flagged_as_ocr(ran: Any) -> None:
    _, summary, export = ran
    (form,) = export["1"]["forms"]
    assert form["fields"]["project_name"] == scanfix.FORMS["biotech"]["project_name"]
    assert form["fields"]["applicant"]["mobile"] == scanfix.FORMS["biotech"]["applicant"]["mobile"]
    assert form["fields"]["funding_type"] == "fiscal"
    assert "ocr_read" in _codes(form) and "scan_only" not in _codes(form)
    assert "missing_field" not in _codes(form)  # every field was read
    assert form["field_sources"]["project_name"] == "ocr"
    assert 0.5 <= form["confidence"]["project_name"] <= 1
    assert summary.exit_code == 0


def test_word_with_its_own_scan_agrees_and_word_values_win(ran: Any) -> None:
    _, _, export = ran
    (form,) = export["2"]["forms"]
    assert "word_pdf_mismatch" not in _codes(form)
    assert form["field_sources"]["project_name"] == "word" and form["confidence"] == {}
    assert form["fields"]["purpose"] == scanfix.FORMS["biotech"]["purpose"]


def test_word_with_another_projects_scan_is_caught(ran: Any) -> None:
    _, _, export = ran
    (form,) = export["3"]["forms"]
    details = " ".join(f["detail"] for f in form["flags"] if f["code"] == "word_pdf_mismatch")
    assert scanfix.FORMS["biotech"]["project_name"] in details
    assert scanfix.FORMS["smartgrid"]["project_name"] in details
    assert "国网湖北省电力有限公司" in details


def test_a_photo_named_heic_is_read_as_a_one_page_scan(ran: Any) -> None:
    _, _, export = ran
    rec = export["4"]
    assert rec["attachments"][0]["kind"] == "image"
    (form,) = rec["forms"]
    assert form["fields"]["project_name"] == scanfix.FORMS["smartgrid"]["project_name"]
    assert form["fields"]["funding_type"] == "self_funded"
    assert form["fields"]["applicant"]["mobile"] == scanfix.FORMS["smartgrid"]["applicant"]["mobile"]


def test_the_workbook_marks_ocr_cells(ran: Any) -> None:
    from openpyxl import load_workbook

    cfg, _, _ = ran
    wb = load_workbook(cfg.report.workbook)
    ws = wb["申报项目"]
    headers = [c.value for c in ws[1]]
    col = headers.index("项目名称") + 1
    ocr_row = next(
        r
        for r in range(2, ws.max_row + 1)
        if "只有扫描件" in str(ws.cell(r, headers.index("问题") + 1).value)
    )
    cell = ws.cell(ocr_row, col)
    assert cell.comment is not None and "OCR 识别，请核对原件" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith(("E2EFDA", "F8CBAD"))
    word = next(
        r
        for r in range(2, ws.max_row + 1)
        if "只有扫描件" not in str(ws.cell(r, headers.index("问题") + 1).value)
    )
    assert ws.cell(word, col).comment is None  # a value from Word is not marked


def test_a_rerun_of_the_unchanged_mailbox_reads_nothing_again(ran: Any, mailbox: Path) -> None:
    cfg, first, _ = ran
    assert first.ocr_pages[0] >= 4  # every scan was read once
    again = run_intake(cfg, mode="rerun", force=True)
    assert again.processed == 4
    assert again.ocr_pages[0] == 0 and again.ocr_pages[1] >= 4  # all from the cache
