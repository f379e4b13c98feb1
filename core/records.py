"""What the store hands to reports: one message's results, typed (the export contract's shape).

Imported by intake (store, run) and reports alike; imports only core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.fields import FormFields
from core.flags import Flag

__all__ = ["NOTICE_KINDS", "AttachmentRecord", "FormRecord", "MessageRecord", "NoticeState", "RunInfo"]


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
    fields: FormFields
    flags: tuple[Flag, ...]
    superseded_by: str | None = None  # form_id of the newer submission
    pdf_seal: str = "not_checked"  # from the PDF: "present" | "absent" | "unknown" | "not_checked"
    # How each filled field was read, by schema key ("word" | "pdf_text" | "ocr", core.documents.Source),
    # and the recogniser's confidence (0..1) of the OCR'd ones: the workbook marks those cells, the
    # export carries both maps beside `fields`.
    field_sources: Mapping[str, str] = field(default_factory=dict)
    confidence: Mapping[str, float] = field(default_factory=dict)


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


NOTICE_KINDS = {"receipt": "回执", "correction": "补正通知"}  # what a notice to an applicant is, in Chinese


@dataclass(frozen=True)
class NoticeState:
    """A mail's notice to the applicant as the reports show it (intake.ledger keeps the full row)."""

    kind: str  # "receipt" | "correction"
    status: str  # "pending" | "drafted" | "sent" | "failed" | "refused" (see intake.ledger)
    at: datetime  # aware: when it was drafted / sent / last attempted
    recipient: str
    notice_message_id: str
    error: str = ""
