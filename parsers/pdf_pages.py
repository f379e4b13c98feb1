"""PDF pages opened and classified with pypdfium2 (fast), before any text is read.

Each page is text, scanned (image only, or a page-sized image under invisible OCR text), garbled (a CID
font without ToUnicode: the characters exist but mean nothing), empty or broken; the seal check renders
the page while it is loaded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.documents import DocumentError
from parsers import checkbox, radicals
from parsers.ocr.seal import check_scan_page as scan_seal_page
from parsers.seal import check_page as seal_page

MAX_BYTES = 80 * 1024 * 1024
GARBLED_SHARE = 0.05
ENCRYPTED_REASON = "PDF 已加密，请申报单位重新提交"
BROKEN_REASON = "PDF 文件已损坏，无法打开"


@dataclass(frozen=True)
class Pages:
    """What pdfium tells about a PDF's pages before any text is read."""

    total: int
    kinds: tuple[str, ...]  # per page read (at most max_pages): text | scanned | garbled | empty | broken
    seal_checks: tuple[tuple[int, str], ...]  # (1-based page, seal.check_page result) of the pages checked
    restricted: bool  # opened without a password yet encrypted (an owner password: permissions only)
    text: str  # pdfium's text of the pages, a few thousand characters each

    @property
    def text_indices(self) -> list[int]:
        return [i for i, k in enumerate(self.kinds) if k == "text"]


def classify(data: bytes, name: str, max_pages: int, seal_pages: int) -> Pages:
    """Open the PDF, classify its first `max_pages` pages and check the first `seal_pages` (and the last
    page read) for a seal, each page loaded once.  DocumentError when it cannot be opened at all."""
    import pypdfium2.raw as pdfium_c

    pdf = open_pdf(data, name)
    try:
        total = len(pdf)
        if total == 0:
            raise DocumentError("PDF 没有页面", name=name)
        restricted = pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1
        indices = range(min(total, max_pages))
        checked = set(indices[:seal_pages]) | (
            {indices[-1]} if seal_pages else set()
        )  # first pages, or the last
        classified = [page_kind(pdf, i, i in checked) for i in indices]
    finally:
        pdf.close()
    kinds = tuple(k for k, _, _ in classified)
    if all(k == "broken" for k in kinds):
        raise DocumentError(BROKEN_REASON, name=name)
    checks = tuple((i + 1, c) for i, (_, _, c) in enumerate(classified) if c)
    return Pages(total, kinds, checks, restricted, "\n".join(t for _, t, _ in classified))


def open_pdf(data: bytes, name: str) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if len(data) > MAX_BYTES:
        raise DocumentError("文件过大", name=name)
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("不是有效的 PDF 文件", name=name)
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        if getattr(err, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError(ENCRYPTED_REASON, name=name) from err
        raise DocumentError(BROKEN_REASON, name=name) from err


def is_garbled(text: str) -> bool:
    bad = sum(1 for ch in text if _bad_char(ch))
    return bad > GARBLED_SHARE * max(1, len(text.strip()))


def _bad_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch == "\ufffd" or (cat == "Cc" and ch not in "\r\n\t") or (cat == "Co" and not _symbol_pua(ch))


def _symbol_pua(ch: str) -> bool:
    return 0xF000 <= ord(ch) <= 0xF0FF  # Wingdings boxes come through as U+F0xx: readable, not garbage


def page_kind(pdf: Any, index: int, seal_check: bool) -> tuple[str, str, str | None]:
    """(kind, pdfium's text of the page, seal check or None) with the page loaded once.

    kind: text | scanned | garbled | empty | broken."""
    import pypdfium2 as pdfium

    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return "broken", "", None  # one damaged page object: read the others
    try:
        kind, text = _page_kind_text(page)
        seal = None
        if seal_check:  # a scan's faded or half-covered seal still counts (parsers.ocr.seal)
            seal = scan_seal_page(page) if kind == "scanned" else seal_page(page, colour_expected=True)
    finally:
        page.close()
    return kind, text[:4000], seal


def _page_kind_text(page: Any) -> tuple[str, str]:
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range() if n else ""
    finally:
        textpage.close()
    if n and text.strip():
        if is_garbled(text):
            return "garbled", ""
        return ("scanned" if _ocr_scan(page) else "text"), radicals.unify(text)
    has_image = any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))
    return ("scanned" if has_image else "empty"), ""


def _ocr_scan(page: Any) -> bool:
    """A "searchable" scan: a page-sized image under invisible OCR text.  Its text has no table structure
    and OCR errors, so it is read as a scan, not as a text PDF."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    big = False
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) >= 0.6 * width * height:
            big = True
            break
    if not big:
        return False
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=2):
        if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
            return False
    return True


def is_symbol_char(text: str) -> bool:
    """A symbol-font code (U+F0xx) or a mark character: where pdfminer and pdfium may read differently."""
    return len(text) == 1 and (0xF000 <= ord(text) <= 0xF0FF or text in checkbox.MARK_CHARS)


def symbol_chars(
    data: bytes, indices: Sequence[int], heights: Sequence[float], keys: Sequence[int]
) -> dict[int, list[tuple[float, float, str]]]:
    """pdfium's reading of the symbol characters of the pages `indices` (0-based), by `keys`: (centre x,
    centre y from the page top, character).  pdfium reads a LibreOffice font subset's symbol glyphs as
    pdftotext and MuPDF do; pdfminer sometimes maps them to another code point (parsers.pdf_text)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        out: dict[int, list[tuple[float, float, str]]] = {}
        for index, height, key in zip(indices, heights, keys, strict=True):
            page = doc[index]
            textpage = page.get_textpage()
            try:
                found = []
                for i in range(textpage.count_chars()):
                    text = textpage.get_text_range(i, 1)
                    if is_symbol_char(text):
                        left, bottom, right, top = textpage.get_charbox(i)
                        found.append(((left + right) / 2, height - (top + bottom) / 2, text))
                out[key] = found
            finally:
                textpage.close()
                page.close()
        return out
    finally:
        doc.close()
