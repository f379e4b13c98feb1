"""Documents and what parsers make of them: the values that cross the boundary into and out of `parsers`.

A parser finds label/value pairs (`LabelValue`, with the kind of reading it came from and, for OCR, the
recogniser's confidence); parsers.normalise turns them into `FormFields` with per-field `Evidence`;
the result is a `ParsedForm`, and the Word and PDF versions of one application become a `FormGroup`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from core.fields import FormFields

# Kinds sniffed from bytes (parsers.sniff) — never from a name or a declared type.
DOC_KINDS = ("docx", "doc", "wps", "pdf", "zip", "rar", "7z", "image", "other")
# The file suffix of each sniffed kind: the only suffixes intake ever puts on a file it writes (a
# kind not listed gets .bin); a suffix from a mail is never used.
SUFFIXES = {
    "docx": ".docx",
    "doc": ".doc",
    "wps": ".wps",
    "pdf": ".pdf",
    "zip": ".zip",
    "rar": ".rar",
    "7z": ".7z",
    "image": ".img",
}


@dataclass(frozen=True)
class Document:
    """A file ready for a parser: archives expanded, legacy Word converted."""

    name: str  # display name, e.g. "申报表.docx" or "材料.zip/申报表.docx"
    kind: str  # one of DOC_KINDS
    data: bytes
    sha256: str  # of `data`
    parent: str | None = None  # name of the archive or attachment it came out of
    converted_from: str | None = None  # "doc" | "wps" when LibreOffice produced `data`
    cross_check: bool = False  # a PDF whose Word twin was read: read only for the cross-check
    path: str | None = None  # `data` is empty and the bytes are in this file (read where it is parsed)
    # Pages of a scan already OCR'd (parsers.ocr.read.PageScan, from the store's cache by the file's
    # sha256): not read again.
    ocr_cached: tuple[Any, ...] = ()

    def loaded(self) -> Document:
        """This document with its bytes in `data` (read from `path` when they are there)."""
        if self.path is None or self.data:
            return self
        with open(self.path, "rb") as fh:
            return replace(self, data=fh.read(), path=None)


class Source(StrEnum):
    """How a value was read."""

    WORD = "word"  # the Word walker (exact text)
    PDF_TEXT = "pdf_text"  # a PDF's text layer
    OCR = "ocr"  # a recogniser over a scan or a photo (issue 12)


@dataclass(frozen=True)
class LabelValue:
    """One label/value pair a parser found: the normaliser's input.  `key` is the field the parser
    matched the label to (it knows the layout: which block a shared label like 联系人 sits in)."""

    key: str  # core.schema FieldSpec key
    label: str  # the label as written (whitespace removed), for --debug
    value: str  # the value cell's text as read
    source: Source
    confidence: float | None = None  # recogniser confidence 0..1 (OCR); None for exact readings
    # the value cell's text set apart by highlight, underline, bold or colour (Word): an option marked so
    emphasis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Why a field holds what it holds: the cell text it was read from."""

    text: str
    source: Source
    confidence: float | None = None
    unclear: bool = False  # the text was there but could not be read as a value (the value is None)


class Seal(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"  # grayscale scan or cannot render: cannot verify
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Problem:
    """Something a parser noticed: `code` is a flag code from core.flags, `detail` names the place."""

    code: str
    detail: str = ""
    field: str = ""  # the field key it is about, when it is about one (choice_unclear, ...)


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    text_layer: bool  # at least one page has extractable text
    scanned: bool  # image-only pages, no text layer
    encrypted: bool = False
    seal: Seal = Seal.NOT_CHECKED
    seal_pages: tuple[int, ...] = ()  # 1-based pages where a seal-like red mark was found
    cross_check: bool = False  # read only for the cross-check with its Word twin (not field by field)
    seal_text: str = ""  # the unit's name read off the seal by OCR, when readable
    scanned_pages: int = 0  # pages read without a usable text layer (image-only or garbled): for OCR


@dataclass(frozen=True)
class ParsedForm:
    """One document read as a 申报表 (or found not to be one)."""

    source: str  # the document's display name (decoded original file name)
    kind: str  # "docx" | "pdf" | "image" (a photo or image scan)
    is_form: bool  # False: the document is not a 申报表 (cover letter, notice, ...)
    fields: FormFields = field(default_factory=FormFields)
    evidence: Mapping[str, Evidence] = field(default_factory=dict)  # by field key
    raw_pairs: tuple[tuple[str, str], ...] = ()  # every label/value pair seen, known or not (--debug)
    problems: tuple[Problem, ...] = ()
    pdf: PdfInfo | None = None
    note: str = ""  # why is_form is False, or how the document was read
    scan: tuple[Any, ...] = ()  # parsers.ocr.read.PageScan of each OCR'd page (the store's cache, --debug)
    more: tuple[ParsedForm, ...] = ()  # further 申报表 in the same file (several units' forms in one)
    joined: tuple[str, ...] = ()  # further files this form's pages continue in (page 2 photographed apart)

    def forms(self) -> tuple[ParsedForm, ...]:
        """This form and the others the same file holds, each one application."""
        return (self, *self.more)


class DocumentError(Exception):
    """A document could not be read at all. `reason` is a short Chinese sentence for reviewers
    (e.g. "文件已损坏，无法打开"); chain the cause with `raise DocumentError(...) from err`."""

    def __init__(self, reason: str, *, name: str = "") -> None:
        super().__init__(f"{name}: {reason}" if name else reason)
        self.reason = reason
        self.name = name


@dataclass(frozen=True)
class FormGroup:
    """One application: its Word and/or PDF version, paired (parsers.pairing)."""

    word: ParsedForm | None
    pdf: ParsedForm | None
    fields: FormFields  # merged: Word values first, PDF fills what Word lacks
    problems: tuple[Problem, ...] = ()  # e.g. word_pdf_mismatch
    evidence: Mapping[str, Evidence] = field(default_factory=dict)  # of the values in `fields`

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(name for f in (self.word, self.pdf) if f is not None for name in (f.source, *f.joined))


@dataclass(frozen=True)
class Pairing:
    groups: tuple[FormGroup, ...]
    ignored: tuple[ParsedForm, ...] = ()  # documents that are not a 申报表 (cover letters ...), with .note
