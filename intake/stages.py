"""The stages a message goes through, as functions over frozen values:
read (MIME; each attachment unpacked — archives expanded — and archived by hash as soon as it is decoded)
→ convert (.doc/.wps, one LibreOffice call per batch) → parse (worker pool; Word first, then each PDF: one
whose Word twin was read is read only for the cross-check) → review (pairing and flags) → a MessageRecord
for the store.

`Trap` is the one place a failure is caught: per message, per attachment, per batch of documents.  It
records what went wrong in words a reviewer can read and lets the run carry on; a mailbox that went
away is not trapped (the run stops and keeps what it committed), nor is a fault of the machine — a full
disk, the store (intake.faults): it is nobody's message's fault, and ends the run with its name.

Memory does not grow with a message's size (issue 15): `read` takes the message as a buffer (bytes, or a
file on disk), and each attachment is unpacked and archived as soon as it is decoded, its bytes let go;
documents go to the parser workers by the path of their archived copy.  What the office lacks — a
component such as LibreOffice, or a message over the size limit — is said as such (component_missing,
message_too_large) and never as something the applicant failed to send.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from core.documents import Document, DocumentError, FormGroup, Pairing, ParsedForm
from core.flags import SPECS, Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord
from core.schema import FormSchema
from intake import archive, mime, tools
from intake.archive import Item, Limits
from intake.faults import is_environmental
from intake.models import Mail, MailAttachment, RawMessage
from intake.parsing import LEGACY_WORD, PARSEABLE, SCANS, convert_legacy
from intake.review import Rules, dedupe, form_flags, form_level, message_flags
from intake.source import MailboxUnavailable
from intake.spool import Buffer
from intake.store import form_id_for
from intake.tools import Component
from parsers.pairing import pair_documents

if TYPE_CHECKING:  # the parser stack is imported when there is a document to parse (intake.run)
    from intake.isolate import DocumentParser
    from parsers.ocr.read import PageScan

__all__ = [
    "LIMITS",
    "WAITING",
    "Archive",
    "Attachment",
    "Prepared",
    "Trap",
    "convert",
    "failed_record",
    "parse",
    "read",
    "review",
    "size_text",
]

log = logging.getLogger(__name__)

_CONTAINERS = ("zip", "rar", "7z")
LIMITS = Limits()  # the archive's limits: an attachment over max_attachment_bytes is not even decoded
WAITING = "需安装组件："  # detail of an attachment that waits for a component the office has not installed

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
        if is_environmental(err):
            return False  # a full disk or the store: the machine's fault, named by the run, not the message's
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
    waits_for: str | None = None  # an optional component (intake.tools key) the office must install
    ocr_cached: tuple[PageScan, ...] = ()  # pages OCR'd in an earlier run (the store's cache)
    scan: tuple[PageScan, ...] = ()  # pages OCR read for this attachment in this run (to be cached)

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

    def document(self, cross_check: bool = False, data_dir: Path | None = None) -> Document:
        """For a parser: converted Word as bytes; an archived file by its path (the worker reads it, so a
        batch of large documents never sits in the main process)."""
        data = self.data or b""
        sha = hashlib.sha256(data).hexdigest() if self.converted_from else self.sha256
        kind = "docx" if self.converted_from else self.kind
        path = None
        if not data and data_dir is not None and self.archive_path:
            path = str(data_dir / self.archive_path)
        return Document(
            self.name,
            kind,
            data,
            sha,
            self.parent,
            self.converted_from,
            cross_check,
            path,
            ocr_cached=self.ocr_cached,
        )


@dataclass(frozen=True)
class Prepared:
    """A fetched message: its bytes archived, its mail read, its attachments unpacked."""

    raw: RawMessage
    sha256: str
    raw_path: str
    mail: Mail | None = None
    attachments: tuple[Attachment, ...] = ()
    error: str = ""  # why the message could not be read (it is stored as failed)
    office: tuple[Flag, ...] = ()  # the office's side known when it was read (a message over the size limit)

    @property
    def waiting(self) -> frozenset[str]:
        """The components its attachments wait for."""
        return frozenset(a.waits_for for a in self.attachments if a.waits_for)

    def with_attachments(self, changed: Sequence[Attachment]) -> Prepared:
        return replace(self, attachments=tuple(changed))


# ---------------------------------------------------------------- read, unpack


def read(
    raw: RawMessage,
    sha256: str,
    raw_path: str,
    store_file: Archive,
    *,
    buffer: Buffer | None = None,
    absent: tuple[Component, ...] = (),
    too_large: str = "",
) -> Prepared:
    """The mail parsed from its bytes (`buffer`: the message on disk), each attachment unpacked and
    archived as it is decoded; an empty message or one that cannot be read carries `error`.  `absent`:
    components not installed (their attachments wait); `too_large`: the size text of a message that was
    not downloaded (only its header is in raw.data)."""
    p = Prepared(raw, sha256, raw_path)
    buf = raw.data if buffer is None else buffer
    if raw.too_large:
        p = replace(p, office=(Flag("message_too_large", too_large),))
    elif len(buf) == 0 or (isinstance(buf, bytes) and not buf.strip()):
        # The server would not send this message (or it is empty): recorded as failed, so reviewers
        # see it and one poison message does not block every later run.
        return replace(p, error="服务器未提供邮件内容（邮件为空或无法读取），请在网页邮箱中查看")
    out: list[Attachment] = []

    def take(att: MailAttachment) -> MailAttachment:
        out.extend(_unpacked(raw, att, store_file, absent))
        return replace(att, data=b"")  # archived: the bytes are let go before the next one is decoded

    with Trap(f"uid={raw.ref.uid}: reading the message") as trap:
        mail = mime.parse_mail(buf, max_part_bytes=LIMITS.max_attachment_bytes, consume=take)
        return replace(p, mail=mail, attachments=tuple(out))
    return replace(p, error=trap.error, attachments=tuple(out))


def _unpacked(
    raw: RawMessage, att: MailAttachment, store_file: Archive, absent: tuple[Component, ...]
) -> list[Attachment]:
    """One attachment and its archive members, archived by content hash, with what to do with each."""
    if att.omitted:
        detail = (
            f"附件过大（{size_text(att.omitted)}，上限 {size_text(LIMITS.max_attachment_bytes)}），未处理"
        )
        return [Attachment(att.filename, "other", att.sha256, att.omitted, None, None, "unreadable", detail)]
    with Trap(f"uid={raw.ref.uid}: expanding {att.filename!r}", trace=False):
        return [_attachment(item, store_file, absent) for item in archive.expand(att.filename, att.data)]
    sha = hashlib.sha256(att.data).hexdigest()
    path = store_file(att.data, "other", sha)
    return [Attachment(att.filename, "other", sha, len(att.data), None, path, "unreadable", "附件无法解析")]


def _attachment(item: Item, store_file: Archive, absent: tuple[Component, ...]) -> Attachment:
    path = store_file(item.data, item.kind, item.sha256) if item.data is not None else None
    att = Attachment(item.name, item.kind, item.sha256, item.size, item.parent, path)
    component = tools.waiting_for(item.kind, absent)
    if component is not None and (item.problem is None or item.kind == "rar"):
        # The office's missing program, not the applicant's file: flagged as such, reprocessed later.
        return replace(
            att, status="unreadable", detail=f"{WAITING}{component.label}", waits_for=component.key
        )
    if item.problem:
        return replace(att, status="unreadable", detail=item.problem)
    if item.kind in LEGACY_WORD:
        return replace(att, status="pending", data=item.data)  # LibreOffice converts from bytes
    if item.kind in PARSEABLE:
        return replace(att, status="pending")  # the parser reads the archived copy: no bytes held here
    if item.kind in _CONTAINERS:
        return replace(att, detail="压缩包，已解压")
    return replace(att, detail="不是申报表格式（Word/PDF）")


def size_text(size: float) -> str:
    """1.1 GB, 50 MB, 0.3 MB: sizes as people write them."""
    mb = 1024 * 1024
    if size >= 1024 * mb:
        return f"{size / 1024 / mb:.1f} GB"
    return f"{size / mb:.0f} MB" if size >= 10 * mb else f"{size / mb:.1f} MB"


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
    """Every .doc/.wps of the batch converted to .docx in one LibreOffice call (a file that hangs costs
    the limit once, and only it is lost: parsers.convert)."""
    legacy = _pending(batch, lambda a: a.kind in LEGACY_WORD and a.converted_from is None)
    if not legacy:
        return list(batch)
    with Trap(f"converting {len(legacy)} legacy Word file(s)") as trap:
        results = convert_legacy([a.document() for _, _, a in legacy], timeout_per_file_s)
    if trap.error:
        results = [DocumentError("LibreOffice 转换出错")] * len(legacy)
    changes = {}
    for (i, j, att), got in zip(legacy, results, strict=True):
        if isinstance(got, DocumentError):
            changes[i, j] = replace(att, status="unreadable", detail=got.reason or "无法转换", data=None)
        else:
            changes[i, j] = replace(att, data=got.data, converted_from=att.kind)
    return _replace(batch, changes)


def with_ocr_cache(
    batch: Sequence[Prepared], cached: Callable[[str], tuple[PageScan, ...]]
) -> list[Prepared]:
    """Each pending scan with the pages OCR read of it before (by the file's sha256): never read twice."""
    scans = _pending(batch, lambda a: a.kind in SCANS)
    return _replace(batch, {(i, j): replace(a, ocr_cached=cached(a.sha256)) for i, j, a in scans})


def parse(batch: Sequence[Prepared], parser: DocumentParser, data_dir: Path | None = None) -> list[Prepared]:
    """Every pending document parsed in the worker pool: the Word files first, then the PDFs — a PDF of
    a message whose Word forms were read (as many as its PDFs) is read only for the cross-check
    (project name, unit, dates, seal), not field by field."""
    words = _pending(batch, lambda a: a.kind == "docx" or a.converted_from is not None)
    batch = _parsed(batch, words, parser, set(), data_dir)
    twins = {
        i
        for i, p in enumerate(batch)
        if 0 < sum(1 for a in p.attachments if a.kind in SCANS) <= _word_forms(p)
    }
    return _parsed(batch, _pending(batch, lambda a: a.kind in SCANS), parser, twins, data_dir)


def _word_forms(p: Prepared) -> int:
    return sum(  # a .docx may hold several units' forms
        len(a.result.forms())
        for a in p.attachments
        if a.status == "parsed" and a.result is not None and a.result.kind == "docx"
    )


def _parsed(
    batch: Sequence[Prepared],
    todo: list[_Slot],
    parser: DocumentParser,
    cross_check: set[int],
    data_dir: Path | None,
) -> list[Prepared]:
    if not todo:
        return list(batch)
    docs = [a.document(i in cross_check, data_dir) for i, _, a in todo]
    with Trap(f"parsing a batch of {len(docs)} document(s)") as trap:
        results = parser.parse_all(docs)
    if trap.error:
        results = [DocumentError("解析出错，无法读取该文件", name=d.name) for d in docs]
    changes = {}
    for (i, j, att), result in zip(todo, results, strict=True):
        att = replace(att, data=None)  # the bytes are archived; a batch does not pin them
        if isinstance(result, DocumentError):
            changes[i, j] = replace(att, status="unreadable", detail=result.reason)
            continue
        # OCR'd pages go to the store's cache (intake.run), not along with the form
        att, result = replace(att, scan=result.scan), replace(result, scan=())
        if result.is_form:
            changes[i, j] = replace(att, status="parsed", result=result)
        else:  # a scan keeps its reading: it may be a later page of a form photographed page by page
            kept = result if att.scan else None
            changes[i, j] = replace(att, status="ignored", detail=result.note or "不是申报表", result=kept)
    return _replace(batch, changes)


# ---------------------------------------------------------------- review


def review(p: Prepared, rules: Rules, schema: FormSchema) -> MessageRecord:
    """The message's record: its documents paired into applications, every flag a reviewer needs."""
    if p.mail is None or p.error:
        return failed_record(p, p.error or "邮件无法读取")
    mail = p.mail
    # a file may hold several units' forms (ParsedForm.more): each is one application; photos of one
    # form's pages are one application (parsers.scan_form.join_scans)
    read = [replace(a.result, scan=a.scan) for a in p.attachments if a.result is not None]
    # here, not at the top: the OCR stack (OpenCV, SciPy) costs a cron run with no new mail 0.6 s
    from parsers.scan_form import join_scans

    parsed = [form for doc in join_scans(read, schema) for form in doc.forms()]
    pairing = pair_documents(parsed, schema) if parsed else Pairing(groups=())
    atts = _mark_joined(_mark_ignored(p.attachments, pairing), parsed)
    msg_flags = message_flags(
        received_at=p.raw.internal_date,
        date_parsed=mail.date_parsed,
        n_attachments=len(mail.attachments),
        n_forms=len(pairing.groups),
        unreadable=[(a.name, a.detail) for a in atts if a.status == "unreadable" and not a.waits_for],
        big_links=mail.big_attachment_links,
        rules=rules,
    )
    hidden, office = _office_side(p)
    msg_flags = dedupe([*_without(msg_flags, hidden), *_mail_problem_flags(mail), *office])
    carried = form_level(msg_flags)
    forms = tuple(
        _form_record(p, i, g, dedupe([*_without(form_flags(g, rules), hidden), *carried]))
        for i, g in enumerate(pairing.groups)
    )
    outcome = "flagged" if msg_flags or any(f.flags for f in forms) else "ok"
    return _message_record(p, tuple(a.record() for a in atts), forms, tuple(msg_flags), outcome)


def _office_side(p: Prepared) -> tuple[frozenset[str], list[Flag]]:
    """What is the office's doing, not the applicant's: the flags a missing component or the size limit
    would otherwise raise against the applicant (no form, no Word version, no attachment), and the flags
    that say what the office must do instead."""
    hidden: set[str] = set()
    office = list(p.office)
    if p.raw.too_large:
        hidden.update(("no_attachment", "no_form_found"))
    for key in sorted(p.waiting):
        component = tools.by_key(key)
        if component is not None:
            hidden.update(component.hides)
            office.append(Flag("component_missing", component.label))
    return frozenset(hidden), office


def _without(flags: Iterable[Flag], hidden: frozenset[str]) -> list[Flag]:
    return [f for f in flags if f.code not in hidden]


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


def _mark_joined(atts: Sequence[Attachment], forms: Sequence[ParsedForm]) -> list[Attachment]:
    """A file read as a later page of another file's form is part of that form, not set aside."""
    first = {name: f.source for f in forms for name in f.joined}
    return [
        replace(a, status="parsed", detail=f"与“{first[a.name]}”为同一份申报表的续页")
        if a.name in first
        else a
        for a in atts
    ]


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
        field_sources={k: str(e.source) for k, e in group.evidence.items()},
        confidence={k: e.confidence for k, e in group.evidence.items() if e.confidence is not None},
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
