"""Printing: 申报项目 and a review page, printed to PDF by LibreOffice, come out on A4 in the right
orientation with text a person can read (today's 51 columns on one page width printed at ~1 pt)."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from core.flags import Flag
from reports.workbook import write_workbook
from tests.libreoffice import needs_calc, to_pdf
from tests.test_reports_factory import TZ, make_form, make_message, make_run

pytestmark = [pytest.mark.libreoffice, needs_calc]

A4 = (595.3, 841.9)
MIN_TEXT_PT = 7.0


def _book(tmp_path: Path) -> Path:
    msgs = [make_message(i) for i in range(30)]
    msgs.append(
        make_message(
            30,
            forms=(
                make_form("INBOX/1/31", 30, flags=(Flag("missing_pdf"),), purpose="很长的研修目的。" * 80),
            ),
        )
    )
    path = tmp_path / "out" / "申报汇总.xlsx"
    write_workbook(path, msgs, make_run(), tz=TZ, data_dir=tmp_path)
    return path


def _pages(pdf: Path, marker: str) -> list[tuple[float, float, float, str]]:
    """(width, height, smallest body text size, text) of the pages whose text contains `marker`."""
    out = []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            text = page.extract_text() or ""
            if marker not in text:
                continue
            sizes = sorted(c["size"] for c in page.chars if c["text"].strip())
            body = sizes[len(sizes) // 20] if sizes else 0.0  # 5th percentile: ignore a stray tiny glyph
            out.append((float(page.width), float(page.height), body, text))
    return out


def test_projects_sheet_prints_landscape_a4_readable(tmp_path: Path) -> None:
    pdf = to_pdf(_book(tmp_path), tmp_path / "pdf")
    pages = _pages(pdf, "高级研修项目申报汇总 · 申报项目")  # the page header of that sheet
    assert pages, "no page of 申报项目 in the printout"
    for width, height, body, _text in pages:
        assert (width, height) == pytest.approx((A4[1], A4[0]), abs=2)  # landscape A4
        assert body >= MIN_TEXT_PT, f"text printed at {body:.1f} pt"
    first = pages[0][3]
    assert "高级研修项目申报汇总 · 申报项目" in first and "生成日期：2024年12月22日" in first
    assert re.search(r"第 \d+ 页，共 \d+ 页", first)  # page numbers in the footer
    assert "审核意见" in first and "承办单位地址" not in first  # the print area: the key columns only
    assert all("审核意见" in p[3] for p in pages)  # the header row repeats on every page


def test_review_page_prints_portrait_a4_readable(tmp_path: Path) -> None:
    book = _book(tmp_path)
    page = book.parent / "审核页" / "第0031号.html"
    pdf = to_pdf(page, tmp_path / "page")
    pages = _pages(pdf, "")
    assert pages
    for width, height, body, _ in pages:
        assert (width, height) == pytest.approx(A4, abs=2)  # portrait A4
        assert body >= 8.0
    text = "".join(p[3] for p in pages)
    for expected in (
        "项目名称",
        "数字经济与产业升级高级研修班30",
        "缺少盖章扫描 PDF 版申报表",
        "PDF公章",
        "审核意见",
    ):
        assert expected in text
