"""Scans through the whole pipeline: a scan-only mail gets its fields, read by OCR and flagged so; a
Word file with another project's scan is caught; a photo named .heic is read; the workbook marks OCR'd
cells; a rerun of the unchanged mailbox reads nothing by OCR again.  Only the photo is read by the model
in the run; the other scans' pages are in the store's OCR cache before it (the session's one real page,
tests/scanfix.stamped_scan, and a page written by hand)."""

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
    biotech_scan, _ = scanfix.stamped_scan()  # its page is in the store's OCR cache (see `ran`)
    other = _tiny_jpeg()  # another project's scan: its page is in the cache too (tests/ocrpages.py)
    top = scanfix.degraded("smartgrid", "clean")
    photo = scanfix.jpg(top.crop((0, 0, top.width, top.height // 2)).rotate(90, expand=True), 80)
    mails = [
        make_mail(1, at(12), [("林业申报表盖章扫描件.pdf", biotech_scan, PDF)]),  # scan only
        make_mail(2, at(13), [("申报表.docx", biotech_docx, DOCX), ("申报表盖章.pdf", biotech_scan, PDF)]),
        make_mail(3, at(14), [("申报表.docx", biotech_docx, DOCX), ("盖章件.jpg", other, JPEG)]),
        # a JPEG named .heic, turned 90°: the top half of a form, read by the model in the run
        make_mail(4, at(15), [("IMG_2024.HEIC", photo, JPEG)]),
    ]
    return write_maildir(tmp_path_factory.mktemp("ocr-mail") / "mail", mails)


def _tiny_jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 90), (250, 250, 250)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def ran(mailbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, dict[str, Any]]:
    """A run whose store already holds the OCR of two of the scans (the session's one real page and a
    page written by hand): only the photo is read by the model here."""
    import hashlib

    from intake.store import Store
    from parsers.ocr.read import READER_VERSION
    from tests.ocrpages import PAGE1, PAGE1_OUTSIDE, page_scan

    tmp = tmp_path_factory.mktemp("ocr-run")
    cfg = config_for(tmp, mailbox, workers=2)
    pdf, scanned = scanfix.stamped_scan()
    other = page_scan(
        [("项目名称", "智能电网与新型储能技术高级研修班", None, None, None), *PAGE1[1:]],
        [PAGE1_OUTSIDE[0], "申报单位：国网湖北省电力有限公司（盖章）"],
    )
    with Store(cfg.intake.data_dir) as store:
        for data, pages in ((pdf, scanned.scan), (_tiny_jpeg(), (other,))):
            sha = hashlib.sha256(data).hexdigest()
            store.save_ocr_pages(sha, READER_VERSION, "full", [p.to_json() for p in pages])
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
    assert form["fields"]["training_location"] == scanfix.FORMS["smartgrid"]["training_location"]


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
    assert first.ocr_pages[0] == 1  # the photo, read by the model; the others came from the cache
    again = run_intake(cfg, mode="rerun", force=True)
    assert again.processed == 4
    assert again.ocr_pages[0] == 0 and again.ocr_pages[1] >= 4  # all from the cache
