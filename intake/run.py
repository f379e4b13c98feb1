"""One intake run: mailbox → store → reports.  The only module that wires intake, parsers and reports.

Per fetch batch (so documents of many mails are parsed in parallel and legacy Word is converted in one
LibreOffice call) the stages are:
  1. prepare   each mail: parse MIME, expand attachments (archives), archive every file by hash
  2. convert   every .doc/.wps of the batch in one parsers.convert call
  3. parse     every docx/pdf of the batch through intake.isolate.DocumentParser (timeouts, memory caps)
  4. finish    each mail: pair Word+PDF, review flags, commit to the store (one transaction per mail)
Batches are pipelined: batch N is parsed (workers) while batch N+1 is fetched and unpacked.
Errors are trapped per attachment (unreadable_attachment) and per message (processing_failed: the run
goes on and exits 3).  After all folders: supersessions recomputed across the store, then the workbook,
HTML summary and export are rebuilt from the store and written atomically — only when the store changed
(a cron run without new mail touches nothing) or an output is missing.

Crash safety: each message is committed in its own transaction; a folder's high-water UID advances only
after a whole batch is committed, so a kill -9 re-fetches at most the batches in flight, and messages
already stored are recognised by key and skipped.  Every change also marks the outputs stale in the same
transaction, so the next run rebuilds them even if the crash came before the reports were written.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.documents import Document, DocumentError, FormGroup, Pairing, ParsedForm
from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord, RunInfo
from core.schema import FormSchema
from intake.config import Config
from intake.lock import run_lock
from intake.models import Mail, RawMessage
from intake.progress import progress
from intake.source import Mailbox
from intake.store import Store, form_id_for

__all__ = [
    "FatalError",
    "RunSummary",
    "build_rules",
    "open_mailbox",
    "rebuild_outputs",
    "run_intake",
    "write_reports",
]

log = logging.getLogger(__name__)

_PARSEABLE = ("docx", "pdf")
_LEGACY_WORD = ("doc", "wps")
_CONTAINERS = ("zip", "rar", "7z")
_BAR_FROM = 100  # messages: a first run this large gets a progress bar (rerun always does)


class FatalError(Exception):
    """The run cannot go on (bad mailbox path, ...): exit code 1, message shown as is."""


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    mode: str
    listed: int = 0  # messages the source listed as candidates
    processed: int = 0  # messages whose results were (re)computed
    skipped: int = 0  # already processed / unchanged (rerun without --force) / outside the range
    new: int = 0
    changed: int = 0
    failed: int = 0
    aborted: str = ""  # the mailbox went away mid-run (what was committed stays)
    dry_run: bool = False
    outputs: dict[str, Path] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time of this thread per stage

    @property
    def exit_code(self) -> int:
        return 3 if self.failed or self.aborted else 0


# ---------------------------------------------------------------- wiring helpers (one line to swap each)


def build_rules(config: Config) -> Any:
    from intake.review import Rules

    r = config.rules
    return Rules(
        deadline=config.intake.deadline,
        tz=config.intake.timezone,
        training_end_limit=config.intake.training_end_limit,
        required_fields=r.required_fields,
        phone_any_of=r.phone_any_of,
        date_header_margin=timedelta(minutes=r.date_header_margin_minutes),
        expected_training_days=r.expected_training_days,
        notice=config.schema.notice,
    )


def open_mailbox(config: Config) -> Mailbox:
    if config.mailbox.kind == "maildir":
        from intake.maildir import MaildirMailbox

        path = config.mailbox.path
        if path is None or not path.is_dir():
            raise FatalError(f"mailbox.path: not a directory: {path}")
        return MaildirMailbox(path, config.mailbox.folders, tz=config.intake.timezone)
    from intake.mailbox import ImapMailbox

    return ImapMailbox(config.mailbox)  # type: ignore[return-value]


def _parser(config: Config) -> Any:
    from intake.isolate import DocumentParser

    return DocumentParser(
        config.intake.workers,
        config.intake.parse_timeout_s,
        config.intake.parse_memory_mb,
        schema=config.schema,
    )


def _expand(name: str, data: bytes) -> list[Any]:
    from intake.archive import expand

    return expand(name, data)


def _convert(items: Sequence[tuple[str, bytes]], timeout_s: float) -> list[tuple[bytes | None, str | None]]:
    try:
        from parsers.convert import convert_to_docx
    except ImportError:
        return [(None, "需要 LibreOffice 转换")] * len(items)
    return [(r.data, r.error) for r in convert_to_docx(items, timeout_s=timeout_s)]


def _pair(forms: Sequence[ParsedForm], schema: FormSchema) -> Pairing:
    from parsers.pairing import pair_documents

    return pair_documents(forms, schema)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- per message state


@dataclass
class _Att:
    """One attachment or archive member while a message is being processed."""

    name: str
    kind: str
    sha256: str
    size: int
    parent: str | None
    archive_path: str | None
    status: str = "ignored"
    detail: str = ""
    data: bytes | None = None  # what goes to a parser (converted docx for .doc/.wps)
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


@dataclass
class _Job:
    raw: RawMessage
    sha256: str
    raw_path: str
    mail: Mail | None = None
    atts: list[_Att] = field(default_factory=list)
    error: str = ""


# ---------------------------------------------------------------- the run


@dataclass
class _Ctx:
    config: Config
    store: Store
    rules: Any
    run_id: int
    mode: str
    force: bool
    dry_run: bool
    since: date | None
    until: date | None
    progress: bool = False
    parser: Any = None  # started on the first document: a run without new mail forks nothing
    stack: ExitStack | None = None
    rekeyed: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("listed", "processed", "skipped", "new", "changed", "failed"), 0
        )
    )
    new_keys: set[str] = field(default_factory=set)
    changed_keys: set[str] = field(default_factory=set)
    failed_keys: set[str] = field(default_factory=set)
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def clock(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started


def run_intake(
    config: Config,
    *,
    mode: str = "run",
    since: date | None = None,
    until: date | None = None,
    dry_run: bool = False,
    force: bool = False,
    mailbox: Mailbox | None = None,
    show_progress: bool = False,
) -> RunSummary:
    """Fetch what is new (run) or a date range again (rerun), store results, rebuild the reports.
    `mailbox` replaces the configured source (tests); `show_progress` draws a bar on a terminal.
    Raises LockBusy, FatalError, ConfigError, intake.mailbox.LoginRefused for fatal problems;
    per-message problems only count in the summary."""
    if mode not in ("run", "rerun"):
        raise ValueError(f"mode must be 'run' or 'rerun', not {mode!r}")
    data_dir = config.intake.data_dir
    with run_lock(data_dir), ExitStack() as stack:
        store = stack.enter_context(Store(data_dir))
        outputs_dir: Path | None = None
        if dry_run:
            tmp = Path(tempfile.mkdtemp(prefix="intake-dry-run-"))
            store = stack.enter_context(store.copy_to(tmp / "data"))
            outputs_dir = tmp
        return _run(
            config,
            store,
            stack,
            mode=mode,
            since=since,
            until=until,
            dry_run=dry_run,
            force=force,
            mailbox=mailbox,
            outputs_dir=outputs_dir,
            show_progress=show_progress,
        )


def _run(
    config: Config,
    store: Store,
    stack: ExitStack,
    *,
    mode: str,
    since: date | None,
    until: date | None,
    dry_run: bool,
    force: bool,
    mailbox: Mailbox | None,
    outputs_dir: Path | None,
    show_progress: bool,
) -> RunSummary:
    rules = build_rules(config)
    started = datetime.now(UTC)
    run_id = store.start_run(mode + ("-dry" if dry_run else ""), rules.version, started)
    ctx = _Ctx(config, store, rules, run_id, mode, force, dry_run, since, until, show_progress, stack=stack)
    aborted = ""
    try:
        box = mailbox if mailbox is not None else open_mailbox(config)
        stack.callback(box.close)
        for folder in box.folders():
            _process_folder(ctx, box, folder)
    except Exception as err:
        if not _is_transient(err):
            _record_run(ctx, "fatal")
            raise
        aborted = f"mailbox unavailable: {err}"
        log.error("%s; results committed so far are kept, the next run continues", aborted)
    info = RunInfo(
        run_id,
        started,
        _record_run(ctx, "aborted" if aborted else "ok"),
        rules.version,
        frozenset(ctx.new_keys),
        frozenset(ctx.changed_keys),
        frozenset(ctx.failed_keys),
    )
    outputs = _refresh_outputs(ctx, info, outputs_dir)
    c = ctx.counts
    log.debug("stage seconds: %s", {k: round(v, 3) for k, v in ctx.stages.items()})
    return RunSummary(
        run_id,
        mode,
        c["listed"],
        c["processed"],
        c["skipped"],
        c["new"],
        c["changed"],
        c["failed"],
        aborted,
        dry_run,
        outputs,
        dict(ctx.stages),
    )


def _record_run(ctx: _Ctx, status: str) -> datetime:
    finished = datetime.now(UTC)
    c = ctx.counts
    ctx.store.finish_run(
        ctx.run_id, finished, status=status, n_new=c["new"], n_changed=c["changed"], n_failed=c["failed"]
    )
    return finished


def _refresh_outputs(ctx: _Ctx, info: RunInfo, outputs_dir: Path | None) -> dict[str, Path]:
    """Supersessions and the three outputs, rebuilt only when the store changed (in this run or in one
    that crashed before its outputs were written), for a dry run, or when an output is missing."""
    stale = ctx.store.outputs_stale()
    if stale:
        with ctx.clock("supersessions"):
            _apply_supersessions(ctx.store, ctx.rules)
    outputs = _output_paths(ctx.config, outputs_dir)
    if not (stale or outputs_dir is not None or not all(p.exists() for p in outputs.values())):
        # The usual cron run: the outputs, and the summary's "new since the last run" section, stay
        # as the last run that changed something left them.
        log.info("nothing new or changed: outputs left as they are")
        return outputs
    with ctx.clock("reports"):
        outputs = write_reports(ctx.config, ctx.store, info, outputs_dir=outputs_dir)
    if outputs_dir is None:
        ctx.store.mark_outputs_current()
    return outputs


def _is_transient(err: BaseException) -> bool:
    try:
        from intake.mailbox import MailboxUnavailable
    except ImportError:
        return False
    return isinstance(err, MailboxUnavailable)


# ---------------------------------------------------------------- listing


def _process_folder(ctx: _Ctx, box: Mailbox, folder: str) -> None:
    uids, validity = _candidates(ctx, box, folder)
    ctx.counts["listed"] += len(uids)
    if uids:
        log.info("folder %s: %d message(s) to look at", folder, len(uids))
    size = ctx.config.mailbox.batch_size
    batches = [uids[i : i + size] for i in range(0, len(uids), size)]
    wanted = ctx.progress and (ctx.mode == "rerun" or len(uids) > _BAR_FROM)
    # Pipelined: while the parser workers read batch N (in a helper thread that only waits on their
    # pipes), this thread fetches and unpacks batch N+1, then commits batch N.  The store and the
    # mailbox are only ever used from this thread.
    pending: tuple[list[int], list[_Job], Future[None]] | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="parse") as pool:
        for batch in progress(batches, len(batches), enabled=wanted, label=f"{folder} ({len(uids)} mails)"):
            try:
                with ctx.clock("fetch+unpack"):
                    jobs = [
                        j for j in (_prepare(ctx, raw) for raw in box.fetch(folder, batch)) if j is not None
                    ]
            except Exception:
                # The mailbox went away mid-fetch: keep the batch already parsed, then give up.
                if pending is not None:
                    previous, pending = pending, None
                    _commit_batch(ctx, box, folder, validity, *previous)
                raise
            with ctx.clock("convert"):
                _convert_batch(ctx, jobs)
            _start_parser(ctx, jobs)
            previous, pending = pending, (batch, jobs, pool.submit(_parse_batch, ctx, jobs))
            if previous is not None:
                _commit_batch(ctx, box, folder, validity, *previous)
        if pending is not None:
            _commit_batch(ctx, box, folder, validity, *pending)


def _commit_batch(
    ctx: _Ctx,
    box: Mailbox,
    folder: str,
    validity: int,
    batch: list[int],
    jobs: list[_Job],
    parsing: Future[None],
) -> None:
    with ctx.clock("wait for parse"):
        parsing.result()
    with ctx.clock("review+store"):
        for job in jobs:
            _finish(ctx, box, job)
    if ctx.mode == "run" and getattr(box, "monotonic_uids", True) and batch and not ctx.dry_run:
        # Only after the whole batch is committed: a crash mid-batch re-fetches the batch, and
        # already-stored messages are recognised by key, so nothing is processed twice.
        ctx.store.set_last_uid(folder, validity, max(batch))


def _candidates(ctx: _Ctx, box: Mailbox, folder: str) -> tuple[list[int], int]:
    if ctx.mode == "rerun":
        since = ctx.since - timedelta(days=1) if ctx.since else None
        before = ctx.until + timedelta(days=2) if ctx.until else None
        listing = box.list_uids(folder, since=since, before=before)
        return list(listing.uids), listing.uidvalidity
    if getattr(box, "monotonic_uids", True):
        return _new_uids(ctx, box, folder)
    # Hashed ids (file sources): list everything and ask the store what it has seen.
    listing = box.list_uids(folder)
    known = ctx.store.known_uids(folder, listing.uidvalidity)
    return [u for u in listing.uids if u not in known], listing.uidvalidity


def _new_uids(ctx: _Ctx, box: Mailbox, folder: str) -> tuple[list[int], int]:
    state = ctx.store.folder_state(folder)
    listing = box.list_uids(folder, after_uid=state[1] if state else 0)
    if state is not None and listing.uidvalidity != state[0]:
        # UIDVALIDITY changed: every message is a candidate again; those already processed are
        # recognised by Message-ID + content hash (_recognised_elsewhere) and only re-keyed.
        log.warning(
            "folder %s: UIDVALIDITY changed (%d → %d); re-listing", folder, state[0], listing.uidvalidity
        )
        listing = box.list_uids(folder, after_uid=0)
    last = ctx.store.last_uid(folder, listing.uidvalidity)
    known = ctx.store.known_uids(folder, listing.uidvalidity)
    # `UID n:*` always answers the highest message, even when it is not newer: filter here.
    return [u for u in listing.uids if u > last and u not in known], listing.uidvalidity


# ---------------------------------------------------------------- stage 1: prepare


def _prepare(ctx: _Ctx, raw: RawMessage) -> _Job | None:
    """Parse the mail and expand its attachments; None when the message is to be skipped."""
    sha = _sha(raw.data)
    if not _wanted(ctx, raw, sha):
        ctx.counts["skipped"] += 1
        return None
    job = _Job(raw, sha, ctx.store.archive(raw.data, "eml", sha))
    if not raw.data.strip():
        # The server would not send this message (or it is empty): recorded as failed, so reviewers
        # see it and one poison message does not block every later run.
        job.error = "服务器未提供邮件内容（邮件为空或无法读取），请在网页邮箱中查看"
        return job
    try:
        from intake.mime import parse_mail

        job.mail = parse_mail(raw.data)
        if _recognised_elsewhere(ctx, job):
            ctx.counts["skipped"] += 1
            return None
        for att in job.mail.attachments:
            job.atts.extend(_expand_attachment(ctx, att.filename, att.data))
    except Exception as err:
        log.exception("uid=%s: preparing the message failed", raw.ref.uid)
        job.error = _short(err)
    return job


def _wanted(ctx: _Ctx, raw: RawMessage, sha: str) -> bool:
    if ctx.mode == "run":
        return ctx.store.get_identity(raw.ref.key) is None
    local = raw.internal_date.astimezone(ctx.config.intake.timezone).date()
    if (ctx.since and local < ctx.since) or (ctx.until and local > ctx.until):
        return False
    stored = ctx.store.get_identity(raw.ref.key)
    unchanged = stored is not None and (stored.raw_sha256, stored.rules_version) == (sha, ctx.rules.version)
    return ctx.force or not unchanged


def _recognised_elsewhere(ctx: _Ctx, job: _Job) -> bool:
    """Same Message-ID and bytes already stored under another key (UIDVALIDITY changed): move the
    stored results to the new key instead of processing the mail a second time."""
    assert job.mail is not None
    ref = job.raw.ref
    # Only the same folder under an older UIDVALIDITY: a copy in another folder, or a duplicate in
    # this one, is a message of its own.
    other = ctx.store.find_by_identity(
        job.mail.message_id, job.sha256, folder=ref.folder, exclude_uidvalidity=ref.uidvalidity
    )
    if other is None:
        return False
    if ctx.store.get_identity(job.raw.ref.key) is not None:
        return False
    log.info("uid=%s: already processed as %s (UIDVALIDITY changed); re-keyed", job.raw.ref.uid, other)
    ctx.store.rekey(other, job.raw.ref)
    ctx.rekeyed += 1
    return ctx.mode == "run"


def _expand_attachment(ctx: _Ctx, name: str, data: bytes) -> list[_Att]:
    try:
        items = _expand(name, data)
    except Exception as err:  # noqa: BLE001 — one bad attachment never stops the message
        log.warning("expanding %r failed: %s", name, _short(err))
        return [
            _Att(
                name,
                "other",
                _sha(data),
                len(data),
                None,
                ctx.store.archive(data, "other"),
                "unreadable",
                "附件无法解析",
            )
        ]
    return [_att_from_item(ctx, item) for item in items]


def _att_from_item(ctx: _Ctx, item: Any) -> _Att:
    path = ctx.store.archive(item.data, item.kind, item.sha256) if item.data is not None else None
    att = _Att(item.name, item.kind, item.sha256, item.size, item.parent, path)
    if item.problem:
        att.status, att.detail = "unreadable", item.problem
    elif item.kind in _PARSEABLE or item.kind in _LEGACY_WORD:
        att.status, att.data = "pending", item.data
    elif item.kind in _CONTAINERS:
        att.detail = "压缩包，已解压"
    else:
        att.detail = "不是申报表格式（Word/PDF）"
    return att


# ---------------------------------------------------------------- stages 2 and 3: convert, parse


def _convert_batch(ctx: _Ctx, jobs: Sequence[_Job]) -> None:
    legacy = [a for j in jobs for a in j.atts if a.status == "pending" and a.kind in _LEGACY_WORD]
    if not legacy:
        return
    # One soffice call for the batch; its time limit grows with the number of files.
    timeout = 30.0 + ctx.config.intake.parse_timeout_s * len(legacy) / 4
    try:
        results = _convert([(a.name, a.data or b"") for a in legacy], timeout)
    except Exception:
        log.exception("converting %d legacy Word file(s) failed", len(legacy))
        results = [(None, "LibreOffice 转换出错")] * len(legacy)
    for att, (data, error) in zip(legacy, results):
        if data is None:
            att.status, att.detail, att.data = "unreadable", error or "无法转换", None
        else:
            att.data, att.converted_from = data, att.kind


def _start_parser(ctx: _Ctx, jobs: Sequence[_Job]) -> None:
    if (
        ctx.parser is None
        and ctx.stack is not None
        and any(a.status == "pending" for j in jobs for a in j.atts)
    ):
        ctx.parser = ctx.stack.enter_context(_parser(ctx.config))


def _parse_batch(ctx: _Ctx, jobs: Sequence[_Job]) -> None:
    pending = [a for j in jobs for a in j.atts if a.status == "pending"]
    docs = [
        Document(
            a.name,
            "docx" if a.converted_from else a.kind,
            a.data or b"",
            _sha(a.data or b"") if a.converted_from else a.sha256,
            a.parent,
            a.converted_from,
        )
        for a in pending
    ]
    try:
        results = ctx.parser.parse_all(docs) if docs else []
    except Exception:
        log.exception("parsing a batch of %d document(s) failed", len(docs))
        results = [DocumentError("解析出错，无法读取该文件", name=d.name) for d in docs]
    for att, result in zip(pending, results):
        att.data = None  # the bytes are archived; drop them so a batch does not pin memory
        if isinstance(result, DocumentError):
            att.status, att.detail = "unreadable", result.reason
        elif result.is_form:
            att.status, att.result = "parsed", result
        else:
            att.status, att.detail, att.result = "ignored", result.note or "不是申报表", None


# ---------------------------------------------------------------- stage 4: finish


def _finish(ctx: _Ctx, box: Mailbox, job: _Job) -> None:
    try:
        record = _record(ctx, job) if not job.error else _failed_record(ctx, job, job.error)
    except Exception as err:
        log.exception("uid=%s: reviewing the message failed", job.raw.ref.uid)
        record = _failed_record(ctx, job, _short(err))
    existed = ctx.store.get_identity(record.key) is not None
    changed = ctx.store.save_message(
        record,
        raw_sha256=job.sha256,
        raw_path=job.raw_path,
        rules_version=ctx.rules.version,
        run_id=ctx.run_id,
    )
    _count(ctx, record, existed, changed)
    if not ctx.dry_run:
        _after_commit(box, job.raw.ref)
    log.info(
        "uid=%s folder=%s from=%s outcome=%s forms=%d flags=%s",
        record.uid,
        record.folder,
        record.sender,
        record.outcome,
        len(record.forms),
        ",".join(_codes(record)) or "-",
    )


def _after_commit(box: Mailbox, ref: Any) -> None:
    """The opt-in post-action (keyword / move): its failure never undoes or stops the processing."""
    try:
        box.after_commit(ref)
    except Exception as err:
        if _is_transient(err):
            raise
        log.warning("uid=%s: post-action failed: %s", ref.uid, _short(err))


def _count(ctx: _Ctx, record: MessageRecord, existed: bool, changed: bool) -> None:
    ctx.counts["processed"] += 1
    if not existed:
        ctx.counts["new"] += 1
        ctx.new_keys.add(record.key)
    if changed:
        ctx.counts["changed"] += 1
        ctx.changed_keys.add(record.key)
    if record.outcome == "failed":
        ctx.counts["failed"] += 1
        ctx.failed_keys.add(record.key)


def _codes(record: MessageRecord) -> list[str]:
    codes = [f.code for f in record.flags] + [f.code for form in record.forms for f in form.flags]
    return sorted(set(codes))


def _record(ctx: _Ctx, job: _Job) -> MessageRecord:
    from intake.review import form_flags, form_level, message_flags

    assert job.mail is not None
    parsed = [a.result for a in job.atts if a.result is not None]
    pairing = _pair(parsed, ctx.config.schema) if parsed else Pairing(groups=())
    _mark_ignored(job.atts, pairing)
    unreadable = [(a.name, a.detail) for a in job.atts if a.status == "unreadable"]
    msg_flags = message_flags(
        received_at=job.raw.internal_date,
        date_parsed=job.mail.date_parsed,
        n_attachments=len(job.mail.attachments),
        n_forms=len(pairing.groups),
        unreadable=unreadable,
        big_links=job.mail.big_attachment_links,
        rules=ctx.rules,
    )
    msg_flags = _dedupe([*msg_flags, *_mail_problem_flags(job.mail)])
    carried = form_level(msg_flags)
    forms = tuple(
        _form_record(ctx, job, i, g, [*form_flags(g, ctx.rules), *carried])
        for i, g in enumerate(pairing.groups)
    )
    outcome = "flagged" if msg_flags or any(f.flags for f in forms) else "ok"
    return _message_record(job, tuple(a.record() for a in job.atts), forms, tuple(msg_flags), outcome)


def _mark_ignored(atts: Sequence[_Att], pairing: Pairing) -> None:
    ignored = {f.source: f.note for f in pairing.ignored}
    for att in atts:
        if att.status == "parsed" and att.name in ignored:
            att.status, att.detail = "ignored", ignored[att.name] or "不是申报表"


def _mail_problem_flags(mail: Mail) -> list[Flag]:
    from core.flags import SPECS

    problems = [*mail.problems, *(p for a in mail.attachments for p in a.problems)]
    return [Flag(p.code, p.detail) for p in problems if p.code in SPECS and SPECS[p.code].scope == "message"]


def _dedupe(flags: Sequence[Flag]) -> list[Flag]:
    seen: set[Flag] = set()
    return [f for f in flags if not (f in seen or seen.add(f))]  # type: ignore[func-returns-value]


def _form_record(ctx: _Ctx, job: _Job, pos: int, group: FormGroup, flags: list[Flag]) -> FormRecord:
    assert job.mail is not None
    seal = group.pdf.pdf.seal if group.pdf is not None and group.pdf.pdf is not None else "not_checked"
    return FormRecord(
        form_id=form_id_for(job.mail.message_id, job.sha256, group.sources, pos),
        message_key=job.raw.ref.key,
        sources=group.sources,
        fields=group.fields,
        flags=tuple(_dedupe(flags)),
        pdf_seal=seal,
    )


def _message_record(
    job: _Job,
    atts: tuple[AttachmentRecord, ...],
    forms: tuple[FormRecord, ...],
    flags: tuple[Flag, ...],
    outcome: str,
) -> MessageRecord:
    ref, mail = job.raw.ref, job.mail
    return MessageRecord(
        key=ref.key,
        message_id=mail.message_id if mail else None,
        folder=ref.folder,
        uidvalidity=ref.uidvalidity,
        uid=ref.uid,
        sender=mail.sender if mail else "",
        subject=mail.subject if mail else "",
        received_at=job.raw.internal_date,
        date_header=mail.date_header if mail else None,
        attachments=atts,
        forms=forms,
        flags=flags,
        outcome=outcome,
        extra={"raw_sha256": job.sha256, "raw_path": job.raw_path},
    )


def _failed_record(ctx: _Ctx, job: _Job, reason: str) -> MessageRecord:
    atts = tuple(a.record() for a in job.atts)
    return _message_record(job, atts, (), (Flag("processing_failed", reason),), "failed")


def _short(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    return text if len(text) <= 300 else text[:297] + "..."


# ---------------------------------------------------------------- across the store


def _apply_supersessions(store: Store, rules: Any) -> int:
    from intake.review import FormKey, superseded_flag, supersessions

    keys = [
        FormKey(
            r.form_id,
            r.message_key,
            r.sender,
            r.received_at,
            r.fields.declared_org or None,
            r.fields.project_name or None,
            r.fields.applicant.name or None,
        )
        for r in store.form_rows()
    ]
    by_id = {k.form_id: k for k in keys}
    newer = supersessions(keys)
    changed = store.set_supersessions(
        {old: (new, superseded_flag(by_id[new], rules).detail) for old, new in newer.items()}
    )
    if changed:
        log.info("supersessions: %d form(s) changed", changed)
    return changed


# ---------------------------------------------------------------- reports


def rebuild_outputs(config: Config, store: Store) -> dict[str, Path]:
    """`intake report`: bring supersessions up to date if needed, rewrite every output from the store."""
    if store.outputs_stale():
        _apply_supersessions(store, build_rules(config))
    outputs = write_reports(config, store)
    store.mark_outputs_current()
    return outputs


def write_reports(
    config: Config, store: Store, run: RunInfo | None = None, *, outputs_dir: Path | None = None
) -> dict[str, Path]:
    """Workbook, HTML summary and export rebuilt from the store (each written atomically by its writer).
    `outputs_dir` (dry runs) puts the three files there instead of the configured paths."""
    records = store.records()  # streamed: each report reads the store in passes, never all of it at once
    info = (
        run
        or store.last_run(changed_only=True)
        or store.last_run()
        or RunInfo(0, datetime.now(UTC), None, "")
    )
    tz = config.intake.timezone
    paths = _output_paths(config, outputs_dir)
    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    from reports.export import write_export
    from reports.summary import write_summary
    from reports.workbook import write_workbook

    write_workbook(paths["workbook"], records, info, tz=tz, data_dir=store.data_dir)
    write_summary(paths["summary"], records, info, tz=tz, workbook=paths["workbook"])
    write_export(paths["export"], records, tz=tz)
    return paths


def _output_paths(config: Config, outputs_dir: Path | None) -> dict[str, Path]:
    r = config.report
    if outputs_dir is None:
        return {"workbook": r.workbook, "summary": r.summary_html, "export": r.export_jsonl}
    return {
        "workbook": outputs_dir / r.workbook.name,
        "summary": outputs_dir / r.summary_html.name,
        "export": outputs_dir / r.export_jsonl.name,
    }
