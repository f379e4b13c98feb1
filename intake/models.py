"""The mail side's value types: where a message lives, its raw bytes, and the mail as parsed.

What crosses into parsers and reports lives in core (documents, fields, records).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.documents import Problem

__all__ = ["Mail", "MailAttachment", "MessageRef", "RawMessage"]


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
    data: bytes  # the RFC 822 bytes as delivered (b"" when they are in `path`)
    path: Path | None = None  # a large message on disk (intake.spool): read it through a FileBuffer
    spooled: bool = False  # `path` is a temporary spool file: the consumer moves or deletes it
    too_large: int = 0  # > 0: the message's size; only its header is in `data` (over mailbox.max_message_mb)

    @property
    def size(self) -> int:
        if self.too_large:
            return self.too_large
        return self.path.stat().st_size if self.path is not None else len(self.data)


@dataclass(frozen=True)
class MailAttachment:
    """A MIME part a person would see as an attachment, decoded."""

    filename: str  # decoded Unicode name, NFC; NOT sanitised (never used as a path)
    raw_filename: str | None  # the raw header value it came from, for the audit trail
    content_type: str
    data: bytes
    problems: tuple[Problem, ...] = ()
    omitted: int = 0  # > 0: the decoded size of a part too big to keep (`data` is then empty)
    sha256: str = ""  # of the decoded part, when omitted


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
