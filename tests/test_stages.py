"""The stages over frozen values: one Trap for failures, and the parse stage's order (Word first, then a
PDF whose Word twin was read, read only for the cross-check)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from core.documents import Document, ParsedForm
from intake import stages
from intake.isolate import DocumentParser
from intake.models import MessageRef, RawMessage
from intake.source import MailboxUnavailable
from intake.stages import Attachment, Prepared, Trap
from samples.formgen import build_form_docx, sample_fields
from samples.pdfgen import pdf_from_fields


def test_trap_keeps_the_error_and_lets_the_caller_go_on() -> None:
    with Trap("reading x") as trap:
        raise ValueError("bad header")
    assert trap.error == "ValueError: bad header"
    with Trap("fine") as trap:
        pass
    assert trap.error == ""


@pytest.mark.parametrize("err", [MailboxUnavailable("gone"), KeyboardInterrupt()])
def test_trap_lets_a_lost_mailbox_and_an_interrupt_through(err: BaseException) -> None:
    with pytest.raises(type(err)), Trap("fetching"):
        raise err


def _att(name: str, data: bytes, kind: str) -> Attachment:
    sha = hashlib.sha256(data).hexdigest()
    return Attachment(name, kind, sha, len(data), None, None, "pending", data=data)


def _message(uid: int, *atts: Attachment) -> Prepared:
    raw = RawMessage(MessageRef("INBOX", 1, uid), datetime(2024, 12, 10, tzinfo=UTC), b"x")
    return Prepared(raw, "0" * 64, "files/x.eml", attachments=atts)


def test_parse_reads_word_first_and_a_twin_pdf_only_for_the_cross_check() -> None:
    seen: list[Document] = []

    def spy(doc: Document) -> ParsedForm:
        seen.append(doc)
        from parsers.registry import parse_document

        return parse_document(doc)

    fields = sample_fields(7)
    docx, pdf = build_form_docx(fields), pdf_from_fields(fields)
    batch = [
        _message(1, _att("a.pdf", pdf, "pdf"), _att("a.docx", docx, "docx")),  # a twin: cross-check read
        _message(2, _att("b.pdf", pdf, "pdf")),  # a PDF alone: read in full
        _message(3, _att("c.docx", docx, "docx"), _att("c1.pdf", pdf, "pdf"), _att("c2.pdf", pdf, "pdf")),
    ]
    with DocumentParser(workers=0, parse_fn=spy) as parser:
        done = stages.parse(batch, parser)
    assert [(d.name, d.cross_check) for d in seen] == [
        ("a.docx", False),
        ("c.docx", False),
        ("a.pdf", True),
        ("b.pdf", False),
        ("c1.pdf", False),  # two PDFs, one Word form: which one is the twin is not known
        ("c2.pdf", False),
    ]
    a_pdf = done[0].attachments[0]
    assert a_pdf.status == "parsed" and a_pdf.result is not None and a_pdf.result.pdf is not None
    assert a_pdf.result.pdf.cross_check and a_pdf.data is None  # bytes dropped once parsed
    assert done[1].attachments[0].result is not None and done[1].attachments[0].result.fields.purpose
