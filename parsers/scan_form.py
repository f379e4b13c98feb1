"""Scanned pages (image-only or garbled PDF pages, photos of the form) read into the 申报表's fields.

OCR (parsers.ocr) turns each page into text pieces and table cells; the cells become rows of text in the
same shape the text-PDF reader gives, and the same label/value reader and normaliser fill the fields
(parsers.pdf_form, parsers.normalise).  What OCR adds is a confidence per value: the lowest recogniser
confidence (or checkbox certainty) among the pieces the value was read from.

Reading costs seconds a page, so a page already read (`OcrOptions.cached`, from the store's cache by the
file's hash) is never read again, and a scan whose Word twin was read only needs its header (project
name, unit, dates) and its seal: mode HEADER.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from core.documents import DocumentError, ParsedForm, PdfInfo, Problem, Seal, Source
from core.schema import DEFAULT_SCHEMA, FormSchema
from parsers.labels import labels_for
from parsers.normalise import Normalised
from parsers.ocr.layout import rows_and_lines
from parsers.ocr.marks import unconfuse
from parsers.ocr.read import PageScan
from parsers.pairing import edits
from parsers.pdf_text import PageRead, line_rows

__all__ = [
    "FULL",
    "HEADER",
    "OCR_MAX_PAGES",
    "OcrOptions",
    "confidence_of",
    "ocr_pages",
    "page_reads",
    "parse_image",
    "read_scanned_pdf",
    "scan_note",
    "scanned_form",
]

log = logging.getLogger(__name__)

FULL, HEADER = "full", "header"
OCR_MAX_PAGES = 6  # a 申报表 is 1–4 pages; a 30-page scan is not read past this
OCR_UNAVAILABLE = "OCR 组件不可用，扫描件内容需人工核对"
SURE = 0.95  # a reading the recogniser is at least this sure of


@dataclass(frozen=True)
class OcrOptions:
    """How a scan is read: mode FULL or HEADER, pages already read, cores to use."""

    mode: str = FULL
    cached: tuple[PageScan, ...] = ()
    threads: int = 1

    def cached_page(self, index: int) -> PageScan | None:
        for page in self.cached:
            if page.index == index and page.complete and (self.mode == HEADER or not page.header_only):
                return page
        return None


def default_threads() -> int:
    """Cores for one OCR: INTAKE_OCR_THREADS, else 1 (parser workers already run one per core)."""
    try:
        return max(1, int(os.environ.get("INTAKE_OCR_THREADS", "1")))
    except ValueError:
        return 1


def ocr_pages(pages: Iterator[tuple[int, Any]], options: OcrOptions) -> list[PageScan]:
    """Read each (index, RGB array) page, or take it from the cache; pages arrive lazily so a cached
    page is never even rendered (the iterator is only advanced past it)."""
    from parsers.ocr.engine import engine
    from parsers.ocr.read import read_page

    out = []
    for index, rgb in pages:
        cached = options.cached_page(index)
        if cached is not None:
            out.append(cached)
            continue
        out.append(read_page(engine(options.threads), rgb, index, header_only=options.mode == HEADER))
    return out


def page_reads(
    scans: Sequence[PageScan], schema: FormSchema
) -> tuple[list[PageRead], list[tuple[str, float]]]:
    """OCR'd pages as the text-PDF reader's rows, and every text read with its confidence."""
    from parsers.pdf_form import is_table_label

    labels = labels_for(schema)
    reads: list[PageRead] = []
    scored: list[tuple[str, float]] = []
    for scan in scans:
        text = rows_and_lines(scan.grid, scan.pieces, partial(is_table_label, labels))
        rows = tuple(tuple(None if c is None else unconfuse(c) for c in row) for row in text.rows)
        outside = tuple(unconfuse(line) for line in text.outside)
        ruled = bool(rows)
        if not rows:  # no ruled table found (a photo without visible borders): label/value lines
            rows = tuple(line_rows(outside, labels.in_line))
        reads.append(PageRead(rows, outside, ruled=ruled))
        scored += text.scored
    return reads, scored


# ---------------------------------------------------------------- confidence per value


def _norm(text: str) -> str:
    """Text as compared for tracing a value to what was read: boxes and their stand-ins, spacing and
    brackets ignored (the rows were tidied after the pieces were scored)."""
    return re.sub(r"[\s:：()（）☑☐□■口回|]+", "", unicodedata.normalize("NFKC", text))


def confidence_of(scored: Sequence[tuple[str, float]]) -> Callable[[str], float | None]:
    """A value's text → the confidence of the text it was read from: the same text, else the shortest
    text holding it, else the lowest of the texts it is made of (a value continued over two cells),
    else the lowest of the page."""
    normed = [(_norm(t), c) for t, c in scored]

    def conf(value: str) -> float | None:
        want = _norm(value)
        if not want:
            return None
        same = [c for n, c in normed if n == want]
        if same:
            return round(min(same), 3)
        holding = sorted((len(n), c) for n, c in normed if want in n)
        if holding:
            return round(holding[0][1], 3)
        parts = [c for n, c in normed if len(n) >= 2 and n in want]
        # read, but not traceable to one text: as unsure as the least sure text of the page
        return round(min(parts or [c for _, c in normed] or [0.0]), 3)

    return conf


# ---------------------------------------------------------------- photos


def scan_note(scans: Sequence[PageScan], n_fields: int) -> str:
    header = any(s.header_only for s in scans)
    what = "只识别了表头（项目名称、申报单位）和公章" if header else f"OCR 识别到 {n_fields} 个栏目"
    partial = "；部分内容识别超时未读完" if any(not s.complete for s in scans) else ""
    return f"扫描件，{what}，请核对原件{partial}"


def _seal_status(scans: Sequence[PageScan]) -> tuple[Seal, tuple[int, ...]]:
    found = tuple(s.index + 1 for s in scans if s.seal == "seal")
    if found:
        return Seal.PRESENT, found
    if scans and all(s.seal == "grey" for s in scans):
        return Seal.UNKNOWN, ()
    return Seal.ABSENT, ()


def parse_image(
    data: bytes, name: str, schema: FormSchema = DEFAULT_SCHEMA, *, options: OcrOptions | None = None
) -> ParsedForm:
    """A photo or image scan of the form (JPEG, PNG, TIFF, BMP; a JPEG named .heic too) as one page."""
    from parsers.ocr.engine import OcrUnavailable

    options = options or OcrOptions(threads=default_threads())
    try:
        scans = ocr_pages(_lazy_image(data, name, options), options)
    except OcrUnavailable as err:
        raise DocumentError(OCR_UNAVAILABLE, name=name) from err
    seal, seal_pages = _seal_status(scans)
    info = PdfInfo(pages=1, text_layer=False, scanned=True, seal=seal, seal_pages=seal_pages)
    return scanned_form(name, "image", scans, info, schema)


def _lazy_image(data: bytes, name: str, options: OcrOptions) -> Iterator[tuple[int, Any]]:
    from parsers.ocr.pages import image_page

    if options.cached_page(0) is not None:
        yield 0, None
        return
    yield 0, image_page(data, name)


def scanned_form(
    name: str, kind: str, scans: Sequence[PageScan], info: PdfInfo, schema: FormSchema
) -> ParsedForm:
    """The fields of OCR'd pages, through the text-PDF path's reader, each with its confidence."""
    from parsers.pdf_form import read_rows

    reads, scored = page_reads(scans, schema)
    header = any(s.header_only for s in scans)
    got, raw, found, is_form = read_rows(reads, schema, Source.OCR, confidence_of(scored), header_only=header)
    got = one_unit(got)
    seal_text = next((s.seal_text for s in scans if s.seal_text), "")
    if seal_text:
        info = replace(info, seal_text=seal_text)
    if not is_form:
        # A scanned PDF is taken for the stamped form even unread (its seal still counts), as before OCR;
        # a photo that shows no form is some other picture.
        note = (
            "扫描件中未识别出申报表栏目，按盖章扫描版处理，字段需人工核对"
            if kind == "pdf"
            else "图片中未识别到申报表"
        )
        return ParsedForm(
            name, kind, kind == "pdf", pdf=info, raw_pairs=tuple(raw), note=note, scan=tuple(scans)
        )
    return ParsedForm(
        source=name,
        kind=kind,
        is_form=True,
        fields=got.fields,
        evidence=got.evidence,
        raw_pairs=tuple(raw),
        problems=got.problems + _incomplete(scans),
        pdf=info,
        note=scan_note(scans, len(found)),
        scan=tuple(scans),
    )


def read_scanned_pdf(
    data: bytes, name: str, schema: FormSchema, form: ParsedForm, options: OcrOptions
) -> ParsedForm:
    """A PDF parsers.pdf_form found without a usable text layer (image-only or garbled pages), read by
    OCR; `form` (its seal check and note) stands when there is nothing to OCR or OCR cannot run here."""
    from parsers import pdf_pages
    from parsers.ocr.engine import OcrUnavailable
    from parsers.pdf_form import MAX_PAGES

    pages = pdf_pages.classify(data, name, MAX_PAGES, 0)
    scan_idx = [i for i, k in enumerate(pages.kinds) if k in ("scanned", "garbled")]
    if not scan_idx or pages.text_indices or form.pdf is None:
        return form
    wanted = scan_idx[:1] if options.mode == HEADER else scan_idx[:OCR_MAX_PAGES]
    pdf = pdf_pages.open_pdf(data, name)
    try:
        scans = ocr_pages(_rendered(pdf, wanted, options), options)
    except OcrUnavailable as err:
        log.warning("OCR unavailable, %s left unread: %s", name, err)
        return form
    finally:
        pdf.close()
    return scanned_form(name, "pdf", scans, replace(form.pdf, scanned=True), schema)


UNIT_SLIPS = 5  # characters of a unit's name per character two readings of it may differ by


def one_unit(got: Normalised) -> Normalised:
    """申报单位 above the table and 申报单位信息·单位名称 inside it name the same unit.  The header line is
    where the seal is pressed, so its reading slips there ("研究院" read "研气"); where the two readings
    differ by such a slip and the table's is the surer one, it stands for both.  Readings that differ
    by more (another unit, a department added) are left as read: pairing and review compare them."""
    head, table = got.evidence.get("declared_org"), got.evidence.get("applicant.name")
    a, b = got.fields.declared_org, got.fields.applicant.name
    if head is None or table is None or not a or not b or a == b:
        return got
    sure = (table.confidence or 0.0) >= max(head.confidence or 0.0, SURE)
    if not sure or edits(a, b) > max(1, max(len(a), len(b)) // UNIT_SLIPS):
        return got
    evidence = {**got.evidence, "declared_org": replace(head, confidence=table.confidence)}
    return replace(got, fields=got.fields.with_values({"declared_org": b}), evidence=evidence)


def _rendered(pdf: Any, indices: Sequence[int], options: OcrOptions) -> Iterator[tuple[int, Any]]:
    """(index, RGB) of each page to read; a page in the OCR cache is not rendered at all."""
    from parsers.ocr.pages import pdf_pages as render

    for i in indices:
        if options.cached_page(i) is not None:
            yield i, None
        else:
            yield from render(pdf, [i])


def _incomplete(scans: Sequence[PageScan]) -> tuple[Problem, ...]:
    late = [str(s.index + 1) for s in scans if not s.complete]
    return (Problem("form_problem", f"OCR 超时，第 {'、'.join(late)} 页未识别完"),) if late else ()
