"""The stages a message goes through, as functions over frozen values:
read (MIME) → unpack (archives, every file archived by hash) → convert (.doc/.wps, one LibreOffice call
per batch) → parse (worker pool; Word first, then each PDF: one whose Word twin was read is read only
for the cross-check) → review (pairing and flags) → a MessageRecord for the store.

`Trap` is the one place a failure is caught: per message, per attachment, per batch of documents.  It
records what went wrong in words a reviewer can read and lets the run carry on; a mailbox that went
away is not trapped (the run stops and keeps what it committed).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING

from core.documents import Document, DocumentError, FormGroup, Pairing, ParsedForm
from core.flags import SPECS, Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord
from core.schema import FormSchema
from intake import archive, mime
from intake.archive import Item
from intake.models import Mail, RawMessage
from intake.parsing import LEGACY_WORD, PARSEABLE, convert_legacy
from intake.review import Rules, dedupe, form_flags, form_level, message_flags
from intake.source import MailboxUnavailable
from intake.store import form_id_for
from parsers.pairing import pair_documents

if TYPE_CHECKING:  # the parser stack is imported when there is a document to parse (intake.run)
    from intake.isolate import DocumentParser

__all__ = [
    "Archive",
    "Attachment",
    "Prepared",
    "Trap",
    "convert",
    "failed_record",
    "parse",
    "read",
    "review",
    "unpack",
]

log = logging.getLogger(__name__)

_CONTAINERS = ("zip", "rar", "7z")

Archive = Callable[[bytes, str, str | None], str]  # store.archive: (data, kind, sha256) → path in data_dir


class Trap:
    """`with Trap("uid=3: unpacking") as trap:` — an exception inside is logged and kept as
    `trap.error` (a short text), and the block's caller goes on; a lost mailbox is not trapped."""

    def __init__(self, what: str, *, trace: bool = True) -> None:
        self.what = what
        self.trace = trace
        self.error = ""

    def __enter__(self) -> Trap:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if err is None or not isinstance(err, Exception) or isinstance(err, MailboxUnavailable):
            return False
        self.error = short(err)
        log.warning("%s failed: %s", self.what, self.error, exc_info=self.trace)
        return True


def short(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    return text if len(text) <= 300 else text[:297] + "..."


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Attachment:
    """One attachment or archive member on its way through the stages."""

    name: str
    kind: str
    sha256: str
    size: int
    parent: str | None
    archive_path: str | None
    status: str = "ignored"  # "pending" (for a parser) → "parsed" | "unreadable" | "ignored"
    detail: str = ""
    data: bytes | None = None  # what goes to a parser (the converted .docx of a .doc/.wps)
    converted_from: str | None = None
    result: ParsedForm | None = None

    def record(self) -> AttachmentRecord:
        return AttachmentRecord(
            self.name,
            self.sha256,
            self.kind,
            self.size,
            self.status,
            self.detail,
            self.parent,
            self.archive_path,
        )

    def document(self, cross_check: bool = False) -> Document:
        data = self.data or b""
        sha = hashlib.sha256(data).hexdigest() if self.converted_from else self.sha256
        kind = "docx" if self.converted_from else self.kind
        return Document(self.name, kind, data, sha, self.parent, self.converted_from, cross_check)


@dataclass(frozen=True)
class Prepared:
    """A fetched message: its bytes archived, its mail read, its attachments unpacked."""

    raw: RawMessage
    sha256: str
    raw_path: str
    mail: Mail | None = None
    attachments: tuple[Attachment, ...] = ()
    error: str = ""  # why the message could not be read (it is stored as failed)

    def with_attachments(self, changed: Sequence[Attachment]) -> Prepared:
        return replace(self, attachments=tuple(changed))


# ---------------------------------------------------------------- read, unpack


def read(raw: RawMessage, sha256: str, raw_path: str) -> Prepared:
    """The mail parsed from its bytes; an empty message or one that cannot be read carries `error`."""
    p = Prepared(raw, sha256, raw_path)
    if not raw.data.strip():
        # The server would not send this message (or it is empty): recorded as failed, so reviewers
        # see it and one poison message does not block every later run.
        return replace(p, error="服务器未提供邮件内容（邮件为空或无法读取），请在网页邮箱中查看")
    with Trap(f"uid={raw.ref.uid}: reading the message") as trap:
        return replace(p, mail=mime.parse_mail(raw.data))
    return replace(p, error=trap.error)


def unpack(p: Prepared, store_file: Archive) -> Prepared:
    """Every attachment and archive member, archived by content hash, with what to do with it."""
    if p.mail is None:
        return p
    out: list[Attachment] = []
    for att in p.mail.attachments:
        with Trap(f"uid={p.raw.ref.uid}: expanding {att.filename!r}", trace=False) as trap:
            out += [_attachment(item, store_file) for item in archive.expand(att.filename, att.data)]
        if trap.error:
            sha = hashlib.sha256(att.data).hexdigest()
            path = store_file(att.data, "other", sha)
            out.append(
                Attachment(
                    att.filename, "other", sha, len(att.data), None, path, "unreadable", "附件无法解析"
                )
            )
    return p.with_attachments(out)


def _attachment(item: Item, store_file: Archive) -> Attachment:
    path = store_file(item.data, item.kind, item.sha256) if item.data is not None else None
    att = Attachment(item.name, item.kind, item.sha256, item.size, item.parent, path)
    if item.problem:
        return replace(att, status="unreadable", detail=item.problem)
    if item.kind in PARSEABLE or item.kind in LEGACY_WORD:
        return replace(att, status="pending", data=item.data)
    if item.kind in _CONTAINERS:
        return replace(att, detail="压缩包，已解压")
    return replace(att, detail="不是申报表格式（Word/PDF）")


# ---------------------------------------------------------------- convert, parse


_Slot = tuple[int, int, Attachment]  # (message in the batch, attachment in the message, attachment)


def _pending(batch: Sequence[Prepared], wanted: Callable[[Attachment], bool]) -> list[_Slot]:
    return [
        (i, j, a)
        for i, p in enumerate(batch)
        for j, a in enumerate(p.attachments)
        if a.status == "pending" and wanted(a)
    ]


def _replace(batch: Sequence[Prepared], changes: dict[tuple[int, int], Attachment]) -> list[Prepared]:
    return [
        p.with_attachments([changes.get((i, j), a) for j, a in enumerate(p.attachments)])
        for i, p in enumerate(batch)
    ]


def convert(batch: Sequence[Prepared], timeout_per_file_s: float) -> list[Prepared]:
    """Every .doc/.wps of the batch converted to .docx in one LibreOffice call."""
    legacy = _pending(batch, lambda a: a.kind in LEGACY_WORD and a.converted_from is None)
    if not legacy:
        return list(batch)
    timeout = 30.0 + timeout_per_file_s * len(legacy) / 4  # one soffice call; its limit grows with the files
    with Trap(f"converting {len(legacy)} legacy Word file(s)") as trap:
        results = convert_legacy([a.document() for _, _, a in legacy], timeout)
    if trap.error:
        results = [DocumentError("LibreOffice 转换出错")] * len(legacy)
    changes = {}
    for (i, j, att), got in zip(legacy, results, strict=True):
        if isinstance(got, DocumentError):
            changes[i, j] = replace(att, status="unreadable", detail=got.reason or "无法转换", data=None)
        else:
            changes[i, j] = replace(att, data=got.data, converted_from=att.kind)
    return _replace(batch, changes)


def parse(batch: Sequence[Prepared], parser: DocumentParser) -> list[Prepared]:
    """Every pending document parsed in the worker pool: the Word files first, then the PDFs — a PDF of
    a message whose Word forms were read (as many as its PDFs) is read only for the cross-check
    (project name, unit, dates, seal), not field by field."""
    words = _pending(batch, lambda a: a.kind == "docx" or a.converted_from is not None)
    batch = _parsed(batch, words, parser, cross_check=set())
    twins = {
        i
        for i, p in enumerate(batch)
        if 0 < sum(1 for a in p.attachments if a.kind == "pdf") <= _word_forms(p)
    }
    return _parsed(batch, _pending(batch, lambda a: a.kind == "pdf"), parser, cross_check=twins)


def _word_forms(p: Prepared) -> int:
    return sum(  # a .docx may hold several units' forms
        len(a.result.forms())
        for a in p.attachments
        if a.status == "parsed" and a.result is not None and a.result.kind == "docx"
    )


def _parsed(
    batch: Sequence[Prepared], todo: list[_Slot], parser: DocumentParser, cross_check: set[int]
) -> list[Prepared]:
    if not todo:
        return list(batch)
    docs = [a.document(cross_check=i in cross_check) for i, _, a in todo]
    with Trap(f"parsing a batch of {len(docs)} document(s)") as trap:
        results = parser.parse_all(docs)
    if trap.error:
        results = [DocumentError("解析出错，无法读取该文件", name=d.name) for d in docs]
    changes = {}
    for (i, j, att), result in zip(todo, results, strict=True):
        att = replace(att, data=None)  # the bytes are archived; a batch does not pin them
        if isinstance(result, DocumentError):
            changes[i, j] = replace(att, status="unreadable", detail=result.reason)
        elif result.is_form:
            changes[i, j] = replace(att, status="parsed", result=result)
        else:
            changes[i, j] = replace(att, status="ignored", detail=result.note or "不是申报表")
    return _replace(batch, changes)


# ---------------------------------------------------------------- review


def review(p: Prepared, rules: Rules, schema: FormSchema) -> MessageRecord:
    """The message's record: its documents paired into applications, every flag a reviewer needs."""
    if p.mail is None or p.error:
        return failed_record(p, p.error or "邮件无法读取")
    mail = p.mail
    # a file may hold several units' forms (ParsedForm.more): each is one application
    parsed = [form for a in p.attachments if a.result is not None for form in a.result.forms()]
    pairing = pair_documents(parsed, schema) if parsed else Pairing(groups=())
    atts = _mark_ignored(p.attachments, pairing)
    msg_flags = message_flags(
        received_at=p.raw.internal_date,
        date_parsed=mail.date_parsed,
        n_attachments=len(mail.attachments),
        n_forms=len(pairing.groups),
        unreadable=[(a.name, a.detail) for a in atts if a.status == "unreadable"],
        big_links=mail.big_attachment_links,
        rules=rules,
    )
    msg_flags = dedupe([*msg_flags, *_mail_problem_flags(mail)])
    carried = form_level(msg_flags)
    forms = tuple(
        _form_record(p, i, g, dedupe([*form_flags(g, rules), *carried])) for i, g in enumerate(pairing.groups)
    )
    outcome = "flagged" if msg_flags or any(f.flags for f in forms) else "ok"
    return _message_record(p, tuple(a.record() for a in atts), forms, tuple(msg_flags), outcome)


def failed_record(p: Prepared, reason: str) -> MessageRecord:
    atts = tuple(a.record() for a in p.attachments)
    return _message_record(p, atts, (), (Flag("processing_failed", reason),), "failed")


def _mark_ignored(atts: Sequence[Attachment], pairing: Pairing) -> list[Attachment]:
    ignored = {f.source: f.note for f in pairing.ignored}
    return [
        replace(a, status="ignored", detail=ignored[a.name] or "不是申报表")
        if a.status == "parsed" and a.name in ignored
        else a
        for a in atts
    ]


def _mail_problem_flags(mail: Mail) -> list[Flag]:
    problems = [*mail.problems, *(p for a in mail.attachments for p in a.problems)]
    return [Flag(p.code, p.detail) for p in problems if p.code in SPECS and SPECS[p.code].scope == "message"]


def _form_record(p: Prepared, pos: int, group: FormGroup, flags: list[Flag]) -> FormRecord:
    assert p.mail is not None
    info = group.pdf.pdf if group.pdf is not None else None
    return FormRecord(
        form_id=form_id_for(p.mail.message_id, p.sha256, group.sources, pos),
        message_key=p.raw.ref.key,
        sources=group.sources,
        fields=group.fields,
        flags=tuple(flags),
        pdf_seal=info.seal if info is not None else "not_checked",
    )


def _message_record(
    p: Prepared,
    atts: tuple[AttachmentRecord, ...],
    forms: tuple[FormRecord, ...],
    flags: tuple[Flag, ...],
    outcome: str,
) -> MessageRecord:
    ref, mail = p.raw.ref, p.mail
    return MessageRecord(
        key=ref.key,
        message_id=mail.message_id if mail else None,
        folder=ref.folder,
        uidvalidity=ref.uidvalidity,
        uid=ref.uid,
        sender=mail.sender if mail else "",
        subject=mail.subject if mail else "",
        received_at=p.raw.internal_date,
        date_header=mail.date_header if mail else None,
        attachments=atts,
        forms=forms,
        flags=flags,
        outcome=outcome,
        extra={"raw_sha256": p.sha256, "raw_path": p.raw_path},
    )
