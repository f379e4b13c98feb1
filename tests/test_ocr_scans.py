"""Scans read with the real model: forms written with python-docx, printed by LibreOffice, rasterised by
pdftoppm and degraded as scanners and phones do (tests/scanfix.py); the expected fields are the values
the form was written from.  Also: nothing is downloaded, the cache spares the model, a Word file is
checked against its stamped scan."""

from __future__ import annotations

import re
import socket
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from core.documents import Source
from parsers.pdf_form import parse_pdf
from parsers.scan_form import HEADER, OcrOptions
from tests import scanfix

pytestmark = pytest.mark.skipif(scanfix.tools_missing() is not None, reason=str(scanfix.tools_missing()))


def _ocr_pdf(pdf: bytes, name: str, options: OcrOptions) -> Any:
    """A scanned PDF read as the registry's PdfParser reads it: classified, then OCR'd."""
    from core.schema import DEFAULT_SCHEMA
    from parsers.scan_form import read_scanned_pdf

    return read_scanned_pdf(pdf, name, DEFAULT_SCHEMA, parse_pdf(pdf, name), options)


def _leaves(d: dict[str, Any], pre: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_leaves(v, f"{pre}{k}."))
        else:
            out[f"{pre}{k}"] = v
    return out


def _n(v: Any) -> Any:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", v)) if isinstance(v, str) else v


def _wrong(got: dict[str, Any], name: str) -> dict[str, tuple[Any, Any]]:
    want, have = _leaves(scanfix.expected(name)), _leaves(got)
    return {k: (v, have.get(k)) for k, v in want.items() if _n(v) != _n(have.get(k))}


# ---------------------------------------------------------------- nothing from the network


def test_models_come_from_the_installed_wheel_and_nothing_is_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    from parsers.ocr import engine as ocr_engine

    files = ocr_engine.model_files()
    site = Path(sys.modules["rapidocr_onnxruntime"].__file__ or "").parent
    for path in files.values():
        assert path.is_file() and path.stat().st_size > 100_000
        assert site in path.parents and "site-packages" in str(path)

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the OCR engine tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    engine = ocr_engine.Engine(1)  # a fresh engine: its models are loaded under the block
    import numpy as np
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (420, 60), "white")
    ImageDraw.Draw(img).text((10, 8), "生物育种前沿技术", fill="black", font=scanfix._font(40))
    line = engine.recognise([np.asarray(img)])[0]
    assert line.text == "生物育种前沿技术" and line.confidence > 0.9


# ---------------------------------------------------------------- the one full page, budgeted
# The other degradations (turned 90°, skewed, grey noise, JPEG 40, phone photos, another writer's forms)
# are measured by bench/bench_ocr.py; the steps they exercise have unit tests on synthetic images.


def test_a_stamped_scan_upside_down_is_read_field_by_field_within_its_budget() -> None:
    _pdf, form = scanfix.stamped_scan()
    assert form.is_form and form.pdf is not None and form.pdf.scanned
    (page,) = form.scan
    assert page.complete, page.timings  # read inside the per-page time budget
    assert page.turned == 2  # it was upside down
    assert _wrong(form.fields.to_json(), "biotech") == {}  # the 申报单位 under the seal too
    assert form.pdf.seal == "present"
    assert form.evidence["project_name"].source is Source.OCR
    assert all(0.5 <= (e.confidence or 0) <= 1 for e in form.evidence.values())
    assert "OCR" in form.note


# ---------------------------------------------------------------- seal on colour scans


@pytest.mark.parametrize(
    "how,expected",
    [
        ("faded", "present"),
        ("pink", "present"),
        ("half_covered", "present"),
        ("none", "absent"),
        ("grey", "unknown"),
    ],
)
def test_seal_verdict_on_scans(how: str, expected: str) -> None:
    page = scanfix.clean_pages("biotech")[0]
    org = scanfix.FORMS["biotech"]["declared_org"]
    at = scanfix.header_point(page)
    if how == "faded":
        page = scanfix.stamp(page, org, at, strength=0.45)
    elif how == "pink":
        page = scanfix.stamp(page, org, at, colour=(238, 140, 160))
    elif how == "half_covered":
        stamped = scanfix.stamp(page, org, at)
        stamped.paste((255, 255, 255), (at[0] - 40, 0, page.width, at[1] + 200))  # a sheet laid over it
        page = stamped
    form = parse_pdf(scanfix.to_pdf([scanfix.colour_scan(page)], grey=how == "grey"), "s.pdf")
    assert form.pdf is not None and form.pdf.seal == expected


# ---------------------------------------------------------------- cost


def test_header_only_reads_name_and_unit_and_little_else() -> None:
    pdf = scanfix.to_pdf([scanfix.degraded("biotech", "seal")])
    form = _ocr_pdf(pdf, "s.pdf", OcrOptions(mode=HEADER))
    f = form.fields
    assert f.project_name == scanfix.FORMS["biotech"]["project_name"]
    assert f.declared_org == scanfix.FORMS["biotech"]["declared_org"]
    assert f.purpose is None and f.applicant.name is None
    assert form.scan[0].header_only and len(form.scan[0].pieces) < 20


def test_pages_read_before_are_not_read_again() -> None:
    from parsers.ocr.engine import engine
    from parsers.ocr.read import PageScan

    pdf, first = scanfix.stamped_scan()
    calls = engine(1).calls
    again = _ocr_pdf(pdf, "s.pdf", OcrOptions(cached=first.scan))
    assert engine(1).calls == calls  # the recogniser was not called
    assert again.fields == first.fields and again.evidence == first.evidence
    # the cache survives its trip through the store as JSON
    thawed = tuple(PageScan.from_json(p.to_json()) for p in first.scan)
    assert _ocr_pdf(pdf, "s.pdf", OcrOptions(cached=thawed)).fields == first.fields


# ---------------------------------------------------------------- Word against the stamped scan


def _word(name: str) -> Any:
    from parsers.docx_form import parse_docx

    return parse_docx(scanfix.build_docx(scanfix.FORMS[name]), f"{name}.docx")


def test_the_scan_of_another_project_is_caught() -> None:
    from parsers.pairing import pair_documents

    _pdf, scan = scanfix.stamped_scan()  # the biotech form's scan
    pairing = pair_documents([_word("smartgrid"), scan])
    problems = [p for g in pairing.groups for p in g.problems if p.code == "word_pdf_mismatch"]
    details = " ".join(p.detail for p in problems)
    assert "生物育种前沿技术高级研修班" in details and "智能电网与新型储能技术高级研修班" in details
    assert "湖北工业大学" in details and "国网湖北省电力有限公司" in details


def test_the_scan_of_the_same_project_agrees() -> None:
    from parsers.pairing import pair_documents

    word = _word("biotech")
    _pdf, scan = scanfix.stamped_scan()
    (group,) = pair_documents([word, scan]).groups
    assert group.word is word and group.pdf is scan
    assert [p for p in group.problems if p.code == "word_pdf_mismatch"] == []


def test_a_forked_worker_does_not_use_the_engine_its_parent_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime's thread pool does not survive a fork: a worker forked after the parent read a page
    (intake parse, then a run in the same process) hung on the inherited engine until the parse timeout."""
    import os

    from parsers.ocr.engine import engine

    parent = engine(1)
    assert engine(1) is parent
    pid = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: pid + 1)
    assert engine(1) is not parent
