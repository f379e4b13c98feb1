"""Documents and what parsers make of them: the values that cross the boundary into and out of `parsers`.

Everything here is a frozen dataclass; `fields` follows the export contract documented in README.md
(nested plain dicts of str / bool / int / None, dates as YYYY-MM-DD strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Kinds sniffed from bytes (parsers.sniff) — never from a name or a declared type.
DOC_KINDS = ("docx", "doc", "wps", "pdf", "zip", "rar", "7z", "other")


@dataclass(frozen=True)
class Document:
    """A file ready for a parser: archives expanded, legacy Word converted."""

    name: str  # display name, e.g. "申报表.docx" or "材料.zip/申报表.docx"
    kind: str  # one of DOC_KINDS
    data: bytes
    sha256: str  # of `data`
    parent: str | None = None  # name of the archive or attachment it came out of
    converted_from: str | None = None  # "doc" | "wps" when LibreOffice produced `data`


@dataclass(frozen=True)
class Problem:
    """Something a parser noticed: `code` is a flag code from core.flags, `detail` names the place."""

    code: str
    detail: str = ""


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    text_layer: bool  # at least one page has extractable text
    scanned: bool  # image-only pages, no text layer
    encrypted: bool = False
    seal: str = "not_checked"  # "present" | "absent" | "unknown" (grayscale / cannot verify) | "not_checked"
    seal_pages: tuple[int, ...] = ()  # 1-based pages where a seal-like red mark was found


@dataclass(frozen=True)
class ParsedForm:
    """One document read as a 申报表 (or found not to be one)."""

    source: str  # the document's display name (decoded original file name)
    kind: str  # "docx" | "pdf"
    is_form: bool  # False: the document is not a 申报表 (cover letter, notice, ...)
    fields: Mapping[str, Any] = field(default_factory=dict)
    raw_pairs: tuple[tuple[str, str], ...] = ()
    problems: tuple[Problem, ...] = ()
    pdf: PdfInfo | None = None
    note: str = ""  # why is_form is False, or how the document was read


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
    fields: Mapping[str, Any]  # merged: Word values first, PDF fills what Word lacks
    problems: tuple[Problem, ...] = ()  # e.g. word_pdf_mismatch

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(f.source for f in (self.word, self.pdf) if f is not None)


@dataclass(frozen=True)
class Pairing:
    groups: tuple[FormGroup, ...]
    ignored: tuple[ParsedForm, ...] = ()  # documents that are not a 申报表 (cover letters ...), with .note
