"""What happens to OCR'd pages after recognition, without the model (the pages are written by hand,
tests/ocrpages.py): the pages of one form sent as several photos are one form, paired with the Word
file; a PDF's scanned pages are read beside its text pages; the run takes pages from its OCR cache."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.documents import Document, ParsedForm, PdfInfo, Seal, Source
from core.schema import DEFAULT_SCHEMA
from parsers.ocr.read import READER_VERSION, PageScan
from parsers.scan_form import OcrOptions, join_scans, read_scanned_pdf, scanned_form
from tests.ocrpages import PAGE1, PAGE1_OUTSIDE, PAGE2, page_scan

INFO = PdfInfo(pages=1, text_layer=False, scanned=True, seal=Seal.ABSENT)


def _photo(name: str, *scans: PageScan) -> ParsedForm:
    form = scanned_form(name, "image", scans, INFO, DEFAULT_SCHEMA)
    return replace(form, scan=scans)


FIRST = page_scan(PAGE1, PAGE1_OUTSIDE, seal="seal")
SECOND = page_scan(PAGE2)


# ---------------------------------------------------------------- photos of one form, joined


def test_the_pages_of_one_form_photographed_apart_are_one_form() -> None:
    # the later page sorts first by name: page order comes from what the pages hold
    forms = join_scans([_photo("IMG_0001.jpg", SECOND), _photo("IMG_0002.jpg", FIRST)])
    (form,) = forms
    assert form.is_form and form.source == "IMG_0002.jpg" and form.joined == ("IMG_0001.jpg",)
    f = form.fields
    assert f.project_name == "生物育种前沿技术高级研修班" and f.funding_type == "fiscal"
    assert f.applicant.name == "湖北工业大学" and f.organizer.ce_base == "provincial"
    assert f.declared_org == "湖北工业大学"
    assert form.pdf is not None and form.pdf.seal is Seal.PRESENT and form.pdf.seal_pages == (1,)
    assert [p.index for p in form.scan] == [0, 1]
    assert "2 个文件" in form.note


def test_two_forms_each_on_its_own_photo_stay_two() -> None:
    other = page_scan([("项目名称", "智能电网高级研修班", None, None, None), *PAGE1[1:]], PAGE1_OUTSIDE)
    forms = join_scans([_photo("a.jpg", FIRST), _photo("b.jpg", other)])
    assert [f.fields.project_name for f in forms] == ["生物育种前沿技术高级研修班", "智能电网高级研修班"]
    assert all(not f.joined for f in forms)


def test_later_pages_go_to_the_form_before_them_by_name() -> None:
    other = page_scan([("项目名称", "智能电网高级研修班", None, None, None), *PAGE1[1:]], PAGE1_OUTSIDE)
    forms = join_scans(
        [_photo("p1.jpg", FIRST), _photo("p2.jpg", SECOND), _photo("p3.jpg", other), _photo("p4.jpg", SECOND)]
    )
    assert [(f.source, f.joined) for f in forms] == [("p1.jpg", ("p2.jpg",)), ("p3.jpg", ("p4.jpg",))]


def test_a_picture_that_is_not_a_page_of_the_form_is_left_alone() -> None:
    cat = page_scan([], ["生日快乐"])
    forms = join_scans([_photo("IMG_1.jpg", FIRST), _photo("IMG_2.jpg", cat)])
    assert [f.source for f in forms] == ["IMG_1.jpg", "IMG_2.jpg"] and not forms[0].joined
    assert not forms[1].is_form


def test_only_later_pages_are_still_one_form() -> None:
    rest = page_scan(PAGE2[3:])
    (form,) = join_scans([_photo("b.jpg", page_scan(PAGE2[:3])), _photo("c.jpg", rest)])
    assert form.joined == ("c.jpg",) and form.fields.project_name is None
    assert form.fields.applicant.name == "湖北工业大学" and form.fields.trainees


# ---------------------------------------------------------------- a PDF with text pages and scanned pages


def _letter_and_scan() -> bytes:
    """A typed cover letter (text page) followed by the stamped form scanned (an image-only page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=A4)
    cv.setFont("STSong-Light", 12)
    for i, line in enumerate(
        ("湖北省人力资源和社会保障厅：", "现将我单位申报材料报上。", "联系人：李老师  电话：027-88888888")
    ):
        cv.drawString(72, 760 - 24 * i, line)
    cv.showPage()
    scan = Image.new("RGB", (620, 877), (250, 248, 240))
    cv.drawImage(ImageReader(scan), 0, 0, *A4)
    cv.showPage()
    cv.save()
    return buf.getvalue()


def test_the_scanned_pages_of_a_pdf_with_text_pages_are_read_and_a_cover_letter_is_not_the_form() -> None:
    from parsers.pdf_form import parse_pdf

    data = _letter_and_scan()
    form = parse_pdf(data, "申报材料.pdf")
    assert form.pdf is not None and form.pdf.text_layer and form.pdf.scanned_pages == 1
    page = replace(page_scan([*PAGE1, *PAGE2], PAGE1_OUTSIDE), index=1)
    read = read_scanned_pdf(data, "申报材料.pdf", DEFAULT_SCHEMA, form, OcrOptions(cached=(page,)))
    assert read.is_form and read.scan == (page,)
    assert read.fields.project_name == "生物育种前沿技术高级研修班"
    assert read.fields.applicant.contact == "王勇"  # the form's, not the letter's 联系人
    assert read.evidence["project_name"].source is Source.OCR
    assert "扫描页 1 页" in read.note


def test_a_pdf_whose_only_pages_are_text_is_not_ocrd() -> None:
    from parsers.registry import PdfParser
    from samples.pdfgen import pdf_from_fields

    data = pdf_from_fields({"project_name": "生物育种前沿技术高级研修班"}, seal=False)
    form = PdfParser().parse(Document("t.pdf", "pdf", data, ""), DEFAULT_SCHEMA)
    assert form.pdf is not None and form.pdf.scanned_pages == 0 and form.scan == ()


# ---------------------------------------------------------------- through a run, from the OCR cache


def _jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40 + seed, 60), (250, 250, 250)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any]]:
    """Three mails: two photos of one form; the same with its Word file; the Word file with only the
    later page.  The photos' pages are in the store's OCR cache, so the run reads them from there."""
    import hashlib

    from intake.run import run_intake
    from intake.store import Store
    from tests import scanfix
    from tests.test_run import DOCX, at, config_for, make_mail, write_maildir

    page1, page2 = _jpeg(1), _jpeg(2)
    docx = scanfix.build_docx(scanfix.FORMS["biotech"])
    jpg = "image/jpeg"
    mails = [
        make_mail(1, at(12), [("IMG_2.jpg", page2, jpg), ("IMG_1.jpg", page1, jpg)]),
        make_mail(
            2, at(13), [("申报表.docx", docx, DOCX), ("IMG_1.jpg", page1, jpg), ("IMG_2.jpg", page2, jpg)]
        ),
        make_mail(3, at(14), [("申报表.docx", docx, DOCX), ("IMG_2.jpg", page2, jpg)]),
    ]
    tmp = tmp_path_factory.mktemp("ocr-pages")
    cfg = config_for(tmp, write_maildir(tmp / "mail", mails), workers=1)
    with Store(cfg.intake.data_dir) as store:
        for data, scan in ((page1, FIRST), (page2, SECOND)):
            sha = hashlib.sha256(data).hexdigest()
            store.save_ocr_pages(sha, READER_VERSION, "full", [scan.to_json()])
    summary = run_intake(cfg)
    export = {
        rec["message_id"].split("@")[0][2:]: rec
        for rec in map(json.loads, cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines())
    }
    return summary, export


def _codes(form: dict[str, Any]) -> set[str]:
    return {f["code"] for f in form["flags"]}


def test_a_mail_of_two_photos_is_one_form_of_two_pages(ran: tuple[Any, dict[str, Any]]) -> None:
    summary, export = ran
    assert summary.ocr_pages[0] == 0  # every page from the cache
    (form,) = export["1"]["forms"]
    assert form["sources"] == ["IMG_1.jpg", "IMG_2.jpg"]
    assert form["fields"]["project_name"] == "生物育种前沿技术高级研修班"
    assert form["fields"]["applicant"]["mobile"] == "13404796669"
    assert "missing_field" not in _codes(form) and "ocr_read" in _codes(form)
    atts = {a["filename"]: a for a in export["1"]["attachments"]}
    assert atts["IMG_2.jpg"]["status"] == "parsed" and "续页" in atts["IMG_2.jpg"]["detail"]


def test_photos_of_the_pages_pair_with_the_word_file_as_one_form(ran: tuple[Any, dict[str, Any]]) -> None:
    _, export = ran
    (form,) = export["2"]["forms"]
    assert form["sources"] == ["申报表.docx", "IMG_1.jpg", "IMG_2.jpg"]
    assert not {"missing_pdf", "missing_word", "word_pdf_mismatch"} & _codes(form)


def test_a_later_page_alone_is_not_a_form_of_its_own(ran: tuple[Any, dict[str, Any]]) -> None:
    _, export = ran
    (form,) = export["3"]["forms"]  # the Word file's form, nothing beside it
    assert form["sources"][0] == "申报表.docx"
    assert form["fields"]["project_name"] == "生物育种前沿技术高级研修班"
    assert "missing_field" not in _codes(form)


def test_the_seed_writer_makes_pages_the_reader_reads(tmp_path: Path) -> None:
    """The hand-written pages read back as the values written (else the tests above prove little)."""
    form = scanned_form("x.jpg", "image", [FIRST, replace(SECOND, index=1)], INFO, DEFAULT_SCHEMA)
    f = form.fields
    assert f.training_location == "十堰市国际会议中心" and f.organizer.mobile == "18646869589"
    assert f.scope.industry_demand and not f.scope.national_strategy
