"""Only a 申报表 is a 申报表: the negative examples parsers.detect's threshold is justified on.

Every document here is written by tests/writers (raw WordprocessingML; PDFs exported by the real
LibreOffice), never by the project's code.  Each negative carries the generic labels (项目名称, 联系人,
电话, 地址, 传真 …) that used to make a form out of anything.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from core.documents import Pairing
from intake.review import default_rules, message_flags
from parsers import detect
from parsers.docx_form import parse_docx
from parsers.pairing import pair_documents
from parsers.pdf_form import parse_pdf
from tests import corpus
from tests.writers import office, values, wordml

NEGATIVES = corpus.negatives()


def _blank_template() -> bytes:
    v: dict[str, Any] = values.values(5)
    for key in (
        "project_name",
        "training_dates",
        "training_location",
        "industry_field",
        "industry_authority",
        "purpose",
        "content_and_format",
        "experts",
        "trainees",
        "declared_org",
    ):
        v[key] = ""
    v["funding_type"], v["self_funding_source"] = None, None
    v["scope"] = dict.fromkeys(v["scope"], False)
    v["scope_notes"] = dict.fromkeys(v["scope_notes"])
    for unit in ("applicant", "organizer"):
        v[unit].update(dict.fromkeys(("name", "contact", "office_phone", "mobile", "fax", "address"), ""))
    v["organizer"].update(ce_base=None, ce_base_batch=None)
    return wordml.form_docx(v, "glyph")


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_office_documents_with_generic_labels_are_not_forms(name: str) -> None:
    form = parse_docx(NEGATIVES[name], f"{name}.docx")
    assert not form.is_form
    assert form.note == detect.NOT_A_FORM


def test_blank_template_is_not_an_application() -> None:
    form = parse_docx(_blank_template(), "申报表模板.docx")
    assert not form.is_form and form.note == detect.BLANK_FORM


def test_form_with_rows_deleted_is_still_a_form() -> None:
    v = values.values(9)
    rows = wordml.form_rows(v, "glyph")
    kept = [rows[0], rows[1], rows[3], rows[4], rows[8]]  # 项目名称, 办班时间/地点, 类别, 范围, 培训对象
    data = wordml.package(
        wordml.document_xml("".join(f"<w:p>{p}</w:p>" for p in wordml.header_paras(v)) + wordml.table(kept))
    )
    form = parse_docx(data, "删行.docx")
    assert form.is_form and form.fields.project_name == v["project_name"]


def test_threshold_in_numbers() -> None:
    """The eleven distinctive labels; a list's header row counts for nothing; 4 make a form."""
    assert len(detect.DISTINCTIVE) == 11
    header = {"training_dates", "training_location", "trainees", "funding_type"}
    assert detect.row_labels([header]) == set()
    assert detect.verdict(set(), header, {"project_name"}) == (True, "")  # lines with a choice label
    assert detect.verdict(set(), header - {"funding_type"}, {"project_name"})[0] is False
    assert detect.verdict({"training_dates", "trainees", "purpose"}, set(), {"purpose"})[0] is False
    assert detect.verdict({"training_dates", "trainees", "purpose", "experts"}, set(), {"purpose"})[0] is True


def test_mail_with_only_non_forms_gets_no_form_found() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    forms = [parse_docx(data, f"{name}.docx") for name, data in NEGATIVES.items()]
    pairing: Pairing = pair_documents(forms)
    assert pairing.groups == () and len(pairing.ignored) == len(NEGATIVES)
    assert all(f.note for f in pairing.ignored)
    flags = message_flags(
        received_at=datetime(2024, 12, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        date_parsed=None,
        n_attachments=len(forms),
        n_forms=len(pairing.groups),
        unreadable=[],
        big_links=[],
        rules=default_rules(),
    )
    assert [f.code for f in flags] == ["no_form_found"]


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed"
)
def test_the_same_negatives_as_pdf() -> None:
    pdfs = office.convert(
        {f"{k}.docx": v for k, v in NEGATIVES.items()} | {"blank.docx": _blank_template()}, "pdf"
    )
    assert len(pdfs) == len(NEGATIVES) + 1
    for name, data in pdfs.items():
        form = parse_pdf(data, name.replace(".docx", ".pdf"), check_seal=False)
        assert not form.is_form, (name, form.note)
