"""PDF versions of the form (samples.pdfgen) read back by parsers.pdf_form: fields survive the round trip."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from parsers.pdf_form import parse_pdf
from samples.formgen import build_form_docx, sample_fields
from samples.pdfgen import pdf_from_fields, scanned_pdf, text_pdf_from_docx

# Styles whose look survives LibreOffice on a machine without Windows symbol fonts (eq_field: the tick
# drawn over the box is lost, and the box that remains tells the choice).
LO_STYLES = ("glyph", "legacy_formfield", "eq_field", "label_value_one_cell", "split_table")
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed"
)


def _diff(expected: Mapping[str, Any], got: Mapping[str, Any], path: str = "") -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for key, want in expected.items():
        have = got.get(key) if isinstance(got, Mapping) else None
        if isinstance(want, Mapping):
            out += _diff(want, have or {}, f"{path}{key}.")
        elif want != have:
            out.append((path + key, want, have))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_pdf_from_fields_round_trip(seed: int) -> None:
    fields = sample_fields(seed)
    form = parse_pdf(pdf_from_fields(fields), f"申报表{seed}.pdf")
    assert form.kind == "pdf" and form.is_form
    assert form.pdf is not None and form.pdf.text_layer and not form.pdf.scanned
    assert _diff(fields, form.fields.to_json()) == []


def _long_fields() -> dict[str, Any]:
    fields = sample_fields(3)
    fields["purpose"] = "提升专业技术人员数字化能力，服务湖北高质量发展。" * 40
    # paragraphs that end short of the cell's right edge (a full last line cannot show its break)
    fields["content_and_format"] = "\n".join(
        f"{i}. 主题报告与专题研讨，现场教学（{i} days）。" for i in range(40)
    )
    fields["experts"] = "; ".join(["Prof. Zhang from Huazhong University of Science and Technology"] * 8)
    return fields


def test_long_values_split_over_pages_are_joined() -> None:
    fields = _long_fields()
    form = parse_pdf(pdf_from_fields(fields), "long.pdf")
    assert form.pdf is not None and form.pdf.pages >= 2
    assert _diff(fields, form.fields.to_json()) == []


def test_blank_template_is_not_taken_for_a_form() -> None:
    form = parse_pdf(pdf_from_fields({}, seal=False), "附件.pdf")
    assert not form.is_form and "空白" in form.note
    assert (
        form.fields.to_json()["project_name"] is None and form.fields.to_json()["applicant"]["name"] is None
    )
    assert form.pdf is not None and form.pdf.seal == "absent"


def test_sparse_form_gives_empty_fields_not_labels() -> None:
    form = parse_pdf(pdf_from_fields({"project_name": "数字经济高级研修班"}, seal=False), "a.pdf")
    assert form.is_form and form.fields.to_json()["project_name"] == "数字经济高级研修班"
    assert (
        form.fields.to_json()["training_location"] is None
        and form.fields.to_json()["applicant"]["contact"] is None
    )
    assert form.fields.to_json()["funding_type"] is None and form.fields.to_json()["scope"] == {
        "national_strategy": False,
        "industry_demand": False,
        "digital_tech": False,
    }


def test_fast_scanned_pdf_has_no_text_and_a_seal() -> None:
    from samples.pdfgen import scanned_pdf_from_fields

    form = parse_pdf(scanned_pdf_from_fields(sample_fields(9)), "scan.pdf")
    assert form.is_form and form.pdf is not None and form.pdf.scanned and not form.pdf.text_layer
    assert form.pdf.seal == "present"
    grey = parse_pdf(scanned_pdf_from_fields(sample_fields(9), grayscale=True), "scan.pdf")
    assert grey.pdf is not None and grey.pdf.seal == "unknown"
    unsealed = parse_pdf(scanned_pdf_from_fields(sample_fields(9), seal=False), "scan.pdf")
    # black text only, no colour anywhere: indistinguishable from a grey scan, so "cannot verify"
    assert unsealed.pdf is not None and unsealed.pdf.seal == "unknown"


def test_both_funding_boxes_ticked_is_a_problem() -> None:
    fields = sample_fields(5)
    single = parse_pdf(pdf_from_fields(fields), "a.pdf")
    assert not any(p.code == "funding_type_multiple" for p in single.problems)
    both = parse_pdf(pdf_from_fields({**fields, "funding_type": ("fiscal", "self_funded")}), "b.pdf")
    assert any(p.code == "funding_type_multiple" for p in both.problems)
    assert both.fields.to_json()["funding_type"] is None


@pytest.fixture(scope="module")
def lo_forms() -> dict[str, tuple[dict[str, Any], bytes]]:
    out = {}
    for k, style in enumerate(LO_STYLES):
        fields = sample_fields(20 + k)
        out[style] = (fields, text_pdf_from_docx(build_form_docx(fields, style)))
    return out


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("style", LO_STYLES)
def test_libreoffice_text_pdf_round_trip(
    lo_forms: dict[str, tuple[dict[str, Any], bytes]], style: str
) -> None:
    fields, data = lo_forms[style]
    form = parse_pdf(data, f"{style}.pdf")
    assert form.is_form and form.pdf is not None and form.pdf.text_layer
    assert form.pdf.seal == "present" and 1 in form.pdf.seal_pages
    assert _diff(fields, form.fields.to_json()) == []


@needs_soffice
@pytest.mark.libreoffice
def test_libreoffice_pdf_without_seal_is_absent() -> None:
    fields = sample_fields(31)
    form = parse_pdf(text_pdf_from_docx(build_form_docx(fields), seal=False), "x.pdf")
    assert form.pdf is not None and form.pdf.seal == "absent"
    assert form.fields.to_json()["project_name"] == fields["project_name"]


@needs_soffice
@pytest.mark.libreoffice
def test_scanned_pdf_is_recognised_and_seal_checked() -> None:
    docx = build_form_docx(sample_fields(32))
    colour = parse_pdf(scanned_pdf(docx), "扫描件.pdf")
    assert colour.pdf is not None and colour.pdf.scanned and not colour.pdf.text_layer
    assert colour.is_form and colour.fields.to_json()["project_name"] is None
    assert colour.pdf.seal == "present"
    grey = parse_pdf(scanned_pdf(docx, grayscale=True), "扫描件.pdf")
    assert grey.pdf is not None and grey.pdf.scanned and grey.pdf.seal == "unknown"


# The Word engineer's golden forms (tests/golden: .docx beside the truth it was filled with), exported to
# PDF by LibreOffice: the PDF reader must give the same truth.  A few that stress wrapping, boxes and
# layout; the Wingdings cases are left out (this machine has no Wingdings font, so LibreOffice writes
# boxes that even a person cannot read).
GOLDEN = Path(__file__).parent / "golden"
GOLDEN_CASES = (
    "dates_cn_short",
    "extra_rows_content_control",
    "style_deleted_options",
    "glyph_both_ticked",
    "deleted_options_empty_box_kept",
    "style_text_box",
    "style_hints_kept",
)


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden_forms_through_libreoffice(case: str) -> None:
    docx, truth = GOLDEN / f"{case}.docx", GOLDEN / f"{case}.json"
    if not docx.exists() or not truth.exists():
        pytest.skip(f"golden case {case} not present")
    expected = json.loads(truth.read_text(encoding="utf-8"))
    form = parse_pdf(text_pdf_from_docx(docx.read_bytes()), f"{case}.pdf")
    assert form.is_form == expected.get("is_form", True)
    assert _diff(expected["fields"], form.fields.to_json()) == []


def test_without_libreoffice_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from samples import pdfgen

    monkeypatch.setattr(pdfgen.shutil, "which", lambda name: None)
    with pytest.raises(pdfgen.PdfGenError, match="LibreOffice"):
        text_pdf_from_docx(build_form_docx(sample_fields(1)))


@needs_soffice
@pytest.mark.libreoffice
def test_libreoffice_timeout_kills_it_and_says_so() -> None:
    from samples import pdfgen

    with pytest.raises(pdfgen.PdfGenError, match="timed out"):
        pdfgen._docx_to_pdf(build_form_docx(sample_fields(1)), timeout_s=0.05)
