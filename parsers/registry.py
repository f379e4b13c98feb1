"""The parser contract and the list of parsers: what reads a document, decided in one place.

A parser says whether it reads a document (`identify`, from the kind sniffed from its bytes) and reads
it (`parse`, raising DocumentError with a Chinese reason when it cannot).  `PARSERS` is the plain list
every caller uses — the run and `intake parse` alike, through the worker isolation of intake.isolate.
A new kind of document (a scan to recognise, say) is one more entry here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.documents import Document, DocumentError, ParsedForm
from core.schema import DEFAULT_SCHEMA, FormSchema
from parsers.docx_form import parse_docx
from parsers.pdf_form import parse_pdf
from parsers.scan_form import FULL, HEADER, OcrOptions, default_threads, parse_image, read_scanned_pdf

__all__ = ["PARSERS", "DocxParser", "ImageParser", "Parser", "PdfParser", "parse_document"]


class Parser(Protocol):
    def identify(self, doc: Document) -> bool:
        """True when this parser reads `doc` (judged from doc.kind, sniffed from the bytes)."""
        ...

    def parse(self, doc: Document, schema: FormSchema) -> ParsedForm:
        """The document read as a 申报表 (or found not to be one); DocumentError when unreadable."""
        ...


@dataclass(frozen=True)
class DocxParser:
    def identify(self, doc: Document) -> bool:
        return doc.kind == "docx"

    def parse(self, doc: Document, schema: FormSchema) -> ParsedForm:
        return parse_docx(doc.data, doc.name, schema)


def _ocr(doc: Document) -> OcrOptions:
    """How a scan is OCR'd: only its header when its Word twin was read (the cross-check), pages read
    before taken from the cache, on this process's cores."""
    return OcrOptions(HEADER if doc.cross_check else FULL, doc.ocr_cached, default_threads())


@dataclass(frozen=True)
class PdfParser:
    """Text PDFs, and scanned or garbled pages by OCR (ocr=False: a scan is left for a human)."""

    check_seal: bool = True
    ocr: bool = True

    def identify(self, doc: Document) -> bool:
        return doc.kind == "pdf"

    def parse(self, doc: Document, schema: FormSchema) -> ParsedForm:
        form = parse_pdf(doc.data, doc.name, schema, check_seal=self.check_seal, cross_check=doc.cross_check)
        if self.ocr and form.pdf is not None and (not form.pdf.text_layer or form.pdf.scanned_pages):
            form = read_scanned_pdf(doc.data, doc.name, schema, form, _ocr(doc))
        return form


@dataclass(frozen=True)
class ImageParser:
    """A photo or image scan of the form (JPEG, PNG, TIFF, BMP): one page, read by OCR."""

    def identify(self, doc: Document) -> bool:
        return doc.kind == "image"

    def parse(self, doc: Document, schema: FormSchema) -> ParsedForm:
        return parse_image(doc.data, doc.name, schema, options=_ocr(doc))


PARSERS: tuple[Parser, ...] = (DocxParser(), PdfParser(), ImageParser())


def parse_document(
    doc: Document, schema: FormSchema = DEFAULT_SCHEMA, parsers: Sequence[Parser] = PARSERS
) -> ParsedForm:
    """The one parser that identifies `doc` reads it; DocumentError when none does."""
    claimants = [p for p in parsers if p.identify(doc)]
    if not claimants:
        raise DocumentError(f"不支持的文件类型：{doc.kind}", name=doc.name)
    if len(claimants) > 1:  # two parsers for one kind is a mistake in PARSERS, not in the document
        raise RuntimeError(f"{doc.kind}: claimed by {', '.join(type(p).__name__ for p in claimants)}")
    return claimants[0].parse(doc, schema)
