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
from parsers.labels import Labels, labels_for
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
    "join_scans",
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
    """The scanned pages of a PDF read by OCR: a PDF without a usable text layer (image-only or garbled
    pages), or one whose text pages come with scanned ones (a printed Word form with the stamped page
    scanned in; a typed cover letter in front of the scanned form).  `form` is parsers.pdf_form's
    reading (its seal check, its text pages): it stands when there is nothing to OCR or OCR cannot run.
    """
    from parsers import pdf_pages
    from parsers.ocr.engine import OcrUnavailable
    from parsers.pdf_form import MAX_PAGES

    pages = pdf_pages.classify(data, name, MAX_PAGES, 0)
    scan_idx = [i for i, k in enumerate(pages.kinds) if k in ("scanned", "garbled")]
    text_idx = pages.text_indices
    if not scan_idx or form.pdf is None:
        return form
    if text_idx and options.mode == HEADER and form.fields.project_name:
        return form  # the text pages answered what the cross-check asks
    wanted = scan_idx[:1] if options.mode == HEADER else scan_idx[:OCR_MAX_PAGES]
    pdf = pdf_pages.open_pdf(data, name)
    try:
        scans = ocr_pages(_rendered(pdf, wanted, options), options)
    except OcrUnavailable as err:
        log.warning("OCR unavailable, %s left unread: %s", name, err)
        return form
    finally:
        pdf.close()
    if not text_idx:
        return scanned_form(name, "pdf", scans, replace(form.pdf, scanned=True), schema)
    return _mixed_form(data, name, text_idx, scans, form, schema)


def _shows_form(read: PageRead, labels: Labels) -> bool:
    from parsers import detect
    from parsers.pdf_form import table_fields

    own = detect.DISTINCTIVE | {"project_name"}  # 联系人, 电话 are in every letter
    return any(own & set(table_fields(labels, c)) for row in read.rows for c in row if c) or any(
        detect.is_title(line) for line in read.outside
    )


def _mixed_form(
    data: bytes,
    name: str,
    text_idx: Sequence[int],
    scans: Sequence[PageScan],
    form: ParsedForm,
    schema: FormSchema,
) -> ParsedForm:
    """Text pages and OCR'd pages read together, in page order, as one document: each value keeps
    where it was read (PDF_TEXT from a text page, OCR with its confidence from a scanned one)."""
    from parsers.pdf_form import read_rows
    from parsers.pdf_text import read_text_pages

    labels = labels_for(schema)
    try:
        text_reads = read_text_pages(data, text_idx, labels)
    except DocumentError:
        text_reads = []
    # a typed page without the form's own labels (a cover letter) is not part of the form: its 联系人
    # and 电话 are not the applicant's
    text_reads = [r for r in text_reads if _shows_form(r, labels)]
    text_at = [i for i, r in zip(text_idx, text_reads, strict=False) if _shows_form(r, labels)]
    ocr_reads, scored = page_reads(scans, schema)
    order = sorted(
        [
            *zip(text_at, text_reads, strict=True),
            *((s.index, r) for s, r in zip(scans, ocr_reads, strict=True)),
        ],
        key=lambda pair: pair[0],
    )
    typed = [_norm(c) for r in text_reads for row in r.rows for c in row if c] + [
        _norm(line) for r in text_reads for line in r.outside
    ]
    ocr_conf = confidence_of(scored)

    def conf(value: str) -> float | None:  # None: the value is text-layer text (Source.PDF_TEXT)
        want = _norm(value)
        return None if want and any(want in t for t in typed) else ocr_conf(value)

    got, raw, found, is_form = read_rows([r for _, r in order], schema, Source.OCR, conf)
    if not is_form:
        return replace(form, scan=tuple(scans))
    assert form.pdf is not None
    n = len(scans)
    return ParsedForm(
        source=name,
        kind="pdf",
        is_form=True,
        fields=got.fields,
        evidence=got.evidence,
        raw_pairs=tuple(raw),
        problems=got.problems + _incomplete(scans),
        pdf=form.pdf,
        note=f"PDF 文字版 {len(text_idx)} 页、扫描页 {n} 页（已 OCR 识别），识别到 {len(found)} 个栏目",
        scan=tuple(scans),
    )


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


# ---------------------------------------------------------------- pages of one form sent as several files


def _page_keys(scans: Sequence[PageScan], schema: FormSchema) -> tuple[bool, int | None]:
    """(does the document start a form: its title or 项目名称 is on it; the form order of the first
    field whose label it shows, None when it shows none)."""
    from parsers import detect
    from parsers.pdf_form import table_fields

    reads, _ = page_reads(scans, schema)
    order = {spec.key: i for i, spec in enumerate(schema.fields)}
    keys = [
        key
        for r in reads
        for row in r.rows
        for cell in row
        if cell
        for key in table_fields(labels_for(schema), cell)
    ]
    starts = "project_name" in keys or any(detect.is_title(line) for r in reads for line in r.outside)
    return starts, min((order[k] for k in keys), default=None)


def _natural(name: str) -> tuple[Any, ...]:
    """A file name as people sort it: IMG_9 before IMG_10."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name.lower()))


def join_scans(forms: Sequence[ParsedForm], schema: FormSchema = DEFAULT_SCHEMA) -> list[ParsedForm]:
    """Photos (and scans) of one mail that continue one form, read as one multi-page scan.

    A phone takes one picture a page: page 1 and page 2 of the 申报表 arrive as two JPGs.  A document
    whose pages hold the form's title or 项目名称 starts a form; one that shows only later labels of
    the form (研修内容和方式, 申报单位信息 …) continues one: the starter before it in file-name order, or
    the first.  A form's pages are read in order: its starter, then its continuations by where in the
    form their first label stands (file names break ties).  `forms`: a mail's parsed documents, each
    with its OCR'd pages in `.scan`; the others pass through unchanged.  The joined form is named by
    its first file and lists every file in `joined` order (ParsedForm.joined)."""
    scans = [f for f in forms if f.kind in ("image", "pdf") and f.scan and not f.more]
    if len(scans) < 2:
        return list(forms)
    info = {id(f): _page_keys(f.scan, schema) for f in scans}
    by_name = sorted(scans, key=lambda f: _natural(f.source))
    starters = [f for f in by_name if info[id(f)][0]]
    later = [f for f in by_name if not info[id(f)][0] and info[id(f)][1] is not None]
    if not later:
        return list(forms)
    heads = starters or [later.pop(0)]  # only later pages sent: they are still one form
    parts: dict[int, list[ParsedForm]] = {id(h): [] for h in heads}
    for f in later:
        before = [h for h in heads if _natural(h.source) < _natural(f.source)]
        parts[id((before or heads)[-1 if before else 0])].append(f)
    joined: dict[int, ParsedForm] = {}
    dropped: set[int] = set()
    for head in heads:
        rest = sorted(parts[id(head)], key=lambda f: (info[id(f)][1] or 0, _natural(f.source)))
        if not rest:
            continue
        joined[id(head)] = _joined([head, *rest], schema)
        dropped |= {id(f) for f in rest}
    return [joined.get(id(f), f) for f in forms if id(f) not in dropped]


def _joined(docs: Sequence[ParsedForm], schema: FormSchema) -> ParsedForm:
    pages = [replace(page, index=i) for i, page in enumerate(p for d in docs for p in d.scan)]
    seal, seal_pages = _seal_status(pages)
    kind = "pdf" if any(d.kind == "pdf" for d in docs) else "image"
    info = PdfInfo(pages=len(pages), text_layer=False, scanned=True, seal=seal, seal_pages=seal_pages)
    form = scanned_form(docs[0].source, kind, pages, info, schema)
    names = "、".join(d.source for d in docs)
    note = f"{form.note}；共 {len(docs)} 个文件（{names}）按一份申报表的各页读取"
    return replace(form, joined=tuple(d.source for d in docs[1:]), note=note, scan=tuple(pages))


def _incomplete(scans: Sequence[PageScan]) -> tuple[Problem, ...]:
    late = [str(s.index + 1) for s in scans if not s.complete]
    return (Problem("form_problem", f"OCR 超时，第 {'、'.join(late)} 页未识别完"),) if late else ()
