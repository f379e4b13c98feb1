"""Documents to parsed forms, the same way for a run and for `intake parse`: legacy Word converted by
LibreOffice in one batch (parsers.convert), then every document read by parsers.registry inside the
worker pool of intake.isolate (time and memory limits, a crash costs one document).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from core.documents import Document, DocumentError, ParsedForm
from core.schema import DEFAULT_SCHEMA, FormSchema
from parsers.convert import convert_to_docx
from parsers.sniff import sniff_kind

__all__ = ["LEGACY_WORD", "PARSEABLE", "SCANS", "Outcome", "convert_legacy", "parse_files", "read_document"]

PARSEABLE = ("docx", "pdf", "image")
SCANS = ("pdf", "image")  # may need OCR (a PDF only when it has no text layer)
LEGACY_WORD = ("doc", "wps")

Outcome = ParsedForm | DocumentError


def read_document(path: Path) -> Document:
    """A file on disk as a Document (kind sniffed from its bytes; the name is only shown)."""
    data = path.read_bytes()
    return Document(path.name, sniff_kind(data), data, hashlib.sha256(data).hexdigest())


def convert_legacy(docs: Sequence[Document], timeout_s: float) -> list[Document | DocumentError]:
    """Every .doc/.wps as the .docx LibreOffice makes of it (one soffice call for all), others as they
    are; DocumentError with LibreOffice's reason for one it cannot convert."""
    legacy = [d for d in docs if d.kind in LEGACY_WORD]
    converted = iter(
        convert_to_docx([(d.name, d.data) for d in legacy], timeout_s=timeout_s) if legacy else []
    )
    out: list[Document | DocumentError] = []
    for doc in docs:
        if doc.kind not in LEGACY_WORD:
            out.append(doc)
            continue
        result = next(converted)
        if result.data is None:
            out.append(DocumentError(result.error or "无法转换", name=doc.name))
        else:
            sha = hashlib.sha256(result.data).hexdigest()
            out.append(replace(doc, kind="docx", data=result.data, sha256=sha, converted_from=doc.kind))
    return out


def parse_files(
    paths: Sequence[Path],
    *,
    schema: FormSchema = DEFAULT_SCHEMA,
    workers: int | None = None,
    timeout_s: float = 60,
    memory_mb: int = 1024,
) -> list[tuple[Document, Outcome]]:
    """`intake parse`: each file converted if need be and parsed in the worker pool, in order."""
    from intake.isolate import DocumentParser  # the parser stack: imported when there is work for it

    docs = [read_document(p) for p in paths]
    ready = convert_legacy(docs, timeout_s=timeout_s)  # per file
    todo = [d for d in ready if isinstance(d, Document)]
    n = len(todo) if workers is None else workers
    # A scan's OCR uses the cores no other file's worker does (one file: all of them).
    os.environ.setdefault("INTAKE_OCR_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, min(n, 4)))))
    with DocumentParser(min(n, 4), timeout_s, memory_mb, schema=schema) as parser:
        parsed = iter(parser.parse_all(todo))
    return [
        (doc, r if isinstance(r, DocumentError) else next(parsed)) for doc, r in zip(docs, ready, strict=True)
    ]
