"""The value types that flow one way through the pipeline.

message → attachment → document → form → submission → report.  Each is a frozen dataclass; what
crosses a module boundary is one of these, never a bare dict (the form's `fields` mapping, which is
the export contract itself, is the one exception).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parsers.types import ParsedForm, Problem

__all__ = [
    "AttachmentRecord",
    "Document",
    "Flag",
    "FormRecord",
    "Mail",
    "MailAttachment",
    "MessageRecord",
    "MessageRef",
    "ParsedForm",
    "Problem",
    "RawMessage",
]

# Kinds sniffed from bytes (parsers.sniff.sniff_kind) — never from a name or a declared type.
DOC_KINDS = ("docx", "doc", "wps", "pdf", "zip", "rar", "7z", "other")


@dataclass(frozen=True, order=True)
class MessageRef:
    """Where a message lives in its source. `uid` is the IMAP UID (a stable id for file sources)."""

    folder: str
    uidvalidity: int
    uid: int

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.uidvalidity}/{self.uid}"


@dataclass(frozen=True)
class RawMessage:
    ref: MessageRef
    internal_date: datetime  # server receipt time, timezone-aware
    data: bytes  # the RFC 822 bytes as delivered


@dataclass(frozen=True)
class MailAttachment:
    """A MIME part a person would see as an attachment, decoded."""

    filename: str  # decoded Unicode name, NFC; NOT sanitised (never used as a path)
    raw_filename: str | None  # the raw header value it came from, for the audit trail
    content_type: str
    data: bytes
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Mail:
    """A parsed message: headers people read, attachments, and what was odd about it."""

    message_id: str | None
    sender: str
    subject: str
    date_header: str | None  # the Date: header as sent (evidence only; lateness uses receipt time)
    date_parsed: datetime | None
    body_text: str
    attachments: tuple[MailAttachment, ...]
    big_attachment_links: tuple[str, ...] = ()  # NetEase/QQ 超大附件 download links found in the body
    problems: tuple[Problem, ...] = ()


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
class Flag:
    """A finding for reviewers. `code` is stable (export); intake.flags gives its Chinese sentence."""

    code: str
    detail: str = ""


# ---- records: what the store hands to reports (the export contract, typed) ----


@dataclass(frozen=True)
class AttachmentRecord:
    filename: str
    sha256: str
    kind: str
    size: int
    status: str  # "parsed" | "unreadable" | "ignored"
    detail: str = ""
    parent: str | None = None  # archive it came from
    archive_path: str | None = None  # archived copy, relative to data_dir (content-hash name)


@dataclass(frozen=True)
class FormRecord:
    form_id: str  # stable across re-runs: derived from the message key and the form's sources
    message_key: str
    sources: tuple[str, ...]  # file names of the Word/PDF documents that make up this form
    fields: Mapping[str, Any]
    flags: tuple[Flag, ...]
    superseded_by: str | None = None  # form_id of the newer submission
    pdf_seal: str = "not_checked"  # from the PDF: "present" | "absent" | "unknown" | "not_checked"


@dataclass(frozen=True)
class MessageRecord:
    key: str  # MessageRef.key
    message_id: str | None
    folder: str
    uidvalidity: int
    uid: int
    sender: str
    subject: str
    received_at: datetime  # aware
    date_header: str | None
    attachments: tuple[AttachmentRecord, ...]
    forms: tuple[FormRecord, ...]
    flags: tuple[Flag, ...]  # message-level flags (late, no_attachment, ...)
    outcome: str = "ok"  # "ok" | "flagged" | "failed"
    first_run: int | None = None  # run id that first stored this message ("new since last run")
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunInfo:
    """What the reports say about the run that produced them."""

    run_id: int
    started_at: datetime  # aware
    finished_at: datetime | None
    rules_version: str
    new_keys: frozenset[str] = frozenset()  # message keys first stored by this run
    changed_keys: frozenset[str] = frozenset()  # message keys whose results changed in this run
    failed_keys: frozenset[str] = frozenset()
