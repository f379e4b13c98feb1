"""One intake run: mailbox → store → reports.  The only module that wires intake, parsers and reports.

Per fetch batch the stages of intake.stages run over frozen values: read + unpack each mail (every file
archived by hash), convert the batch's .doc/.wps in one LibreOffice call, parse every document in the
worker pool of intake.isolate, then review each message and commit it to the store (one transaction per
message).  Batches are pipelined: batch N is parsed (workers) while batch N+1 is fetched and unpacked.
A failure is trapped per attachment (unreadable_attachment) and per message (processing_failed: the
run goes on and exits 3).  After all folders: supersessions recomputed across the store, then the
workbook, HTML summary and export rebuilt from the store and written atomically — only when the store
changed (a cron run without new mail touches nothing) or an output is missing.

Crash safety: each message is committed in its own transaction; a folder's high-water UID advances only
after a whole batch is committed, so a kill -9 re-fetches at most the batches in flight, and messages
already stored are recognised by key and skipped.  Every change also marks the outputs stale in the same
transaction, so the next run rebuilds them even if the crash came before the reports were written.

Unattended (issue 15): a run is private (intake.datadir: umask 077, temporary files in data_dir/tmp,
swept at the start of the next run), logs its start and its summary, warns once about each missing
component and reprocesses the messages that waited for one as soon as it is there, records how it
ended for `intake status`, and ends with the exit code of intake.faults: 1 when something must be
fixed (a configured folder missing), 4 when the mailbox went away (try again), 3 when messages failed.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from core.records import MessageRecord, RunInfo
from intake import __version__, stages, tools
from intake.config import Config
from intake.datadir import private
from intake.faults import EXIT_FAILED, EXIT_FATAL, EXIT_OK, EXIT_RETRY, FatalError, describe
from intake.lock import run_lock
from intake.logs import FILE_ONLY, new_run, warn_once
from intake.mime import message_id
from intake.models import MessageRef, RawMessage
from intake.progress import progress
from intake.resubmission import COMPLETED, MERGED, links
from intake.review import FormKey, Rules, superseded_flag
from intake.source import FolderListing, Mailbox, MailboxUnavailable
from intake.spool import Buffer, FileBuffer, sha256_of
from intake.stages import Prepared, Trap
from intake.store import RunEnd, Store
from intake.tools import Component

if TYPE_CHECKING:
    from intake.isolate import DocumentParser
    from parsers.ocr.read import PageScan

__all__ = [
    "FatalError",
    "RunSummary",
    "build_rules",
    "open_mailbox",
    "rebuild_outputs",
    "refresh_outputs",
    "run_intake",
    "write_bundle",
    "write_reports",
]

log = logging.getLogger(__name__)

_BAR_FROM = 100  # messages: a first run this large gets a progress bar (rerun always does)


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    mode: str
    listed: int = 0  # messages the source listed as candidates (rerun: the server's wider date search)
    processed: int = 0  # messages whose results were (re)computed
    skipped: int = 0  # not recomputed: unchanged, moved, outside the range, already stored
    new: int = 0
    changed: int = 0
    failed: int = 0
    aborted: str = ""  # the mailbox went away mid-run (what was committed stays)
    dry_run: bool = False
    outputs: dict[str, Path] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time of this thread per stage
    in_range: int = 0  # rerun: messages received in the range
    unchanged: int = 0  # rerun: skipped because bytes and rules version are as stored (see --force)
    moved: int = 0  # the same mail found where it moved to (re-keyed, not processed again)
    reprocessed: int = 0  # messages that waited for a component now installed, processed again
    waiting: dict[str, int] = field(default_factory=dict)  # component → messages waiting for it now
    missing_folders: tuple[str, ...] = ()  # configured folders the mailbox does not have
    ocr_pages: tuple[int, int] = (0, 0)  # scan pages OCR'd in this run, and taken from the OCR cache

    @property
    def exit_code(self) -> int:
        """1 fix the configuration (a folder), 4 try again (mailbox gone), 3 some messages failed."""
        if self.missing_folders:
            return EXIT_FATAL
        if self.aborted:
            return EXIT_RETRY
        return EXIT_FAILED if self.failed else EXIT_OK

    def line(self) -> str:
        """The run in one line (stdout of the CLI, and the log)."""
        updated = max(0, self.changed - self.new)  # `changed` counts new messages too
        done = f"{self.processed} processed ({self.new} new, {updated} updated), {self.failed} failed"
        if self.mode == "rerun":
            head = f"rerun {self.run_id}: {self.in_range} mail(s) received in the range; {done}"
            if self.unchanged:
                head += (
                    f"; {self.unchanged} unchanged (same bytes, same rules version: skipped, "
                    "--force recomputes them)"
                )
        else:
            head = f"run {self.run_id}: {done}, {self.skipped} skipped (already stored)"
        extras = [
            f"{self.moved} found where they moved to" if self.moved else "",
            f"{self.reprocessed} reprocessed now that a missing component is installed"
            if self.reprocessed
            else "",
            *(f"{n} wait for {c}" for c, n in self.waiting.items()),
        ]
        return head + "".join(f"; {e}" for e in extras if e) + (" [dry run]" if self.dry_run else "")


def build_rules(config: Config) -> Rules:
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
        max_bytes = int(config.mailbox.max_message_mb * 1024 * 1024)
        return MaildirMailbox(
            path, config.mailbox.folders, tz=config.intake.timezone, max_message_bytes=max_bytes
        )
    from intake.mailbox import ImapMailbox  # imapclient: only for an IMAP source

    return ImapMailbox(config.mailbox)


@dataclass(frozen=True)
class _Plan:
    """What this run does; fixed when it starts."""

    config: Config
    rules: Rules
    run_id: int
    mode: str  # "run" | "rerun"
    force: bool
    dry_run: bool
    since: date | None
    until: date | None
    progress: bool
    absent: tuple[Component, ...] = ()  # optional components not installed (intake.tools)
    reprocess: frozenset[str] = frozenset()  # keys of messages that waited for a component now there


@dataclass
class _Tally:
    """What the run counts as it goes (the one mutable thing besides the store)."""

    listed: int = 0
    processed: int = 0
    skipped: int = 0
    out_of_range: int = 0
    unchanged: int = 0
    moved: int = 0
    reprocessed: int = 0
    new: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    stages: dict[str, float] = field(default_factory=dict)
    ocr_read: int = 0  # scan pages OCR'd
    ocr_cached: int = 0  # scan pages taken from the store's OCR cache instead

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
    Raises LockBusy, FatalError, ConfigError, LoginRefused for fatal problems; per-message problems
    only count in the summary."""
    if mode not in ("run", "rerun"):
        raise ValueError(f"mode must be 'run' or 'rerun', not {mode!r}")
    system_tmp = tempfile.gettempdir()  # a dry run's outputs are for a person to open: not in data_dir/tmp
    with (
        run_lock(config.data_dir),
        private(config.data_dir, config.intake.group, _output_paths(config, None).values()),
        ExitStack() as stack,
    ):
        new_run()
        store = stack.enter_context(Store(config.data_dir))
        outputs_dir: Path | None = None
        if dry_run:
            tmp = Path(tempfile.mkdtemp(prefix="intake-dry-run-", dir=system_tmp))
            store = stack.enter_context(store.copy_to(tmp / "data"))
            outputs_dir = tmp
        rules = build_rules(config)
        started = datetime.now(UTC)
        run_id = store.start_run(mode + ("-dry" if dry_run else ""), rules.version, started)
        log.info(
            "run %d started: %s%s, intake %s, config %s",
            run_id,
            mode,
            " (dry run)" if dry_run else "",
            __version__,
            config.source or "(built in)",
        )
        plan = _Plan(
            config, rules, run_id, mode, force, dry_run, since, until, show_progress, _absent_components()
        )
        return _Run(plan, store, stack).go(mailbox, started, outputs_dir)


def _absent_components() -> tuple[Component, ...]:
    absent = tools.missing()
    for component in absent:
        warn_once(
            log,
            f"component:{component.key}",
            "%s is not installed: %s wait for it and are flagged for the office; %s",
            component.name,
            component.needed_for,
            component.advice(),
        )
    return absent


class _Run:
    """One run over its store: folders → batches → messages; the parser pool is started on the first
    document, so a run without new mail forks nothing."""

    def __init__(self, plan: _Plan, store: Store, stack: ExitStack) -> None:
        self.plan, self.store, self.stack = plan, store, stack
        self.tally = _Tally()
        self.parser: DocumentParser | None = None

    def go(self, mailbox: Mailbox | None, started: datetime, outputs_dir: Path | None) -> RunSummary:
        aborted = ""
        missing: tuple[str, ...] = ()
        try:
            box = mailbox if mailbox is not None else open_mailbox(self.plan.config)
            self.stack.callback(box.close)
            self._reprocess_waiting()
            folders = box.folders()
            missing = _report_missing_folders(box)
            for folder in folders:
                self._folder(box, folder)
        except MailboxUnavailable as err:
            aborted = f"mailbox unavailable: {err}"
            log.error("%s; results committed so far are kept, the next run continues", aborted)
        except BaseException as err:
            self._record_fatal(err)
            raise
        try:
            summary = self._summary(started, aborted, missing, outputs_dir)
        except BaseException as err:  # writing the outputs failed (a full disk): the run did not end well
            self._record_fatal(err)
            raise
        log.info("%s", summary.line(), extra=FILE_ONLY)
        return summary

    def _summary(
        self, started: datetime, aborted: str, missing: tuple[str, ...], outputs_dir: Path | None
    ) -> RunSummary:
        t, plan = self.tally, self.plan
        draft = RunSummary(
            plan.run_id,
            plan.mode,
            t.listed,
            t.processed,
            t.skipped,
            len(t.new),
            len(t.changed),
            len(t.failed),
            aborted,
            plan.dry_run,
            in_range=t.listed - t.out_of_range,
            unchanged=t.unchanged,
            moved=t.moved,
            reprocessed=t.reprocessed,
            waiting={} if plan.dry_run else self._waiting_counts(),
            missing_folders=missing,
        )
        status = "aborted" if aborted else "failed" if draft.exit_code != EXIT_OK else "ok"
        error = f"configured folder(s) not on the mailbox: {', '.join(missing)}" if missing else aborted
        fault = "mailbox" if aborted else "config" if missing else None
        finished = self._record_run(status, draft.exit_code, fault=fault, error=error or None)
        info = RunInfo(
            plan.run_id,
            started,
            finished,
            plan.rules.version,
            frozenset(t.new),
            frozenset(t.changed),
            frozenset(t.failed),
        )
        outputs = self._refresh_outputs(info, outputs_dir)
        log.debug("stage seconds: %s", {k: round(v, 3) for k, v in t.stages.items()})
        if t.ocr_read or t.ocr_cached:
            log.info("OCR: %d page(s) read, %d taken from the cache", t.ocr_read, t.ocr_cached)
        return replace(
            draft, outputs=outputs, stage_seconds=dict(t.stages), ocr_pages=(t.ocr_read, t.ocr_cached)
        )

    def _waiting_counts(self) -> dict[str, int]:
        return {
            (c.name if (c := tools.by_key(key)) else key): len(keys)
            for key, keys in self.store.waiting().items()
        }

    def _record_run(
        self, status: str, exit_code: int, *, fault: str | None = None, error: str | None = None
    ) -> datetime:
        finished = datetime.now(UTC)
        t = self.tally
        end = RunEnd(
            status,
            exit_code,
            n_new=len(t.new),
            n_changed=len(t.changed),
            n_failed=len(t.failed),
            n_listed=t.listed,
            n_processed=t.processed,
            n_skipped=t.skipped,
            fault=fault,
            error=error,
        )
        self.store.finish_run(self.plan.run_id, finished, status=status, end=end)
        return finished

    def _record_fatal(self, err: BaseException) -> None:
        """Best effort (the store itself may be what failed): `intake status` shows why the run stopped."""
        fault = describe(err, self.store.data_dir)
        try:
            self._record_run("fatal", fault.exit_code, fault=fault.kind, error=fault.message)
        except Exception:  # the original error is what the caller reports
            log.debug("cannot record the fatal error in the store", exc_info=True)

    def _reprocess_waiting(self) -> None:
        """Messages that waited for a component that is installed now: processed again, from their
        archived raw mail (wherever they are in the mailbox by now), before the new mail."""
        ready = {
            key
            for component, keys in self.store.waiting().items()
            if (c := tools.by_key(component)) is not None and c.available()
            for key in keys
        }
        if not ready:
            return
        log.info(
            "%d message(s) waited for a component that is installed now: processing them again", len(ready)
        )
        stored = _StoredMessages(self.store, sorted(ready))
        again = _Run(
            replace(self.plan, mode="rerun", force=True, since=None, until=None, reprocess=frozenset(ready)),
            self.store,
            self.stack,
        )
        again.tally, again.parser = self.tally, self.parser  # one count, one worker pool
        for group in stored.folders():
            again._folder(stored, group)
        self.parser = again.parser

    def _refresh_outputs(self, info: RunInfo, outputs_dir: Path | None) -> dict[str, Path]:
        """Supersessions and the three outputs, rebuilt only when the store changed (in this run or in one
        that crashed before its outputs were written), for a dry run, or when an output is missing."""
        stale = self.store.outputs_stale()
        if stale:
            with self.tally.clock("supersessions"):
                apply_supersessions(self.store, self.plan.rules)
        outputs = _output_paths(self.plan.config, outputs_dir)
        if not (stale or outputs_dir is not None or not all(p.exists() for p in outputs.values())):
            # The usual cron run: the outputs, and the summary's "new since the last run" section, stay
            # as the last run that changed something left them.
            log.info("nothing new or changed: outputs left as they are")
            return outputs
        with self.tally.clock("reports"):
            outputs = write_reports(self.plan.config, self.store, info, outputs_dir=outputs_dir)
        if outputs_dir is None:
            self.store.mark_outputs_current()
        return outputs

    # ------------------------------------------------------------ folders and batches

    def _folder(self, box: Mailbox, folder: str) -> None:
        uids, validity = self._candidates(box, folder)
        self.tally.listed += len(uids)
        if uids and self.plan.mode == "run":
            log.info("folder %s: %d new message(s)", folder, len(uids))
        elif uids:  # the server's date search is a day wider on each side: the exact range is decided here
            log.info("folder %s: %d message(s) around the range to look at", folder, len(uids))
        size = self.plan.config.mailbox.batch_size
        batches = [uids[i : i + size] for i in range(0, len(uids), size)]
        wanted = self.plan.progress and (self.plan.mode == "rerun" or len(uids) > _BAR_FROM)
        # Pipelined: while the parser workers read batch N (in a helper thread that only waits on their
        # pipes), this thread fetches and unpacks batch N+1, then commits batch N.  The store and the
        # mailbox are only ever used from this thread.
        pending: tuple[list[int], Future[list[Prepared]]] | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="parse") as pool:
            for batch in progress(batches, len(uids), enabled=wanted, label=f"{folder} (mails)", units=len):
                try:
                    with self.tally.clock("fetch+unpack"):
                        prepared = [p for p in map(self._prepare, box.fetch(folder, batch)) if p is not None]
                except BaseException:
                    if pending is not None:  # the mailbox went away mid-fetch: keep the batch already parsed
                        self._commit(box, folder, validity, *pending)
                    raise
                with self.tally.clock("convert"):
                    prepared = stages.convert(prepared, self.plan.config.intake.parse_timeout_s)
                parser = self._parser(prepared)
                prepared = stages.with_ocr_cache(prepared, self._ocr_cached)
                parsing = (
                    pool.submit(stages.parse, prepared, parser, self.store.data_dir)
                    if parser
                    else _done(prepared)
                )
                previous, pending = pending, (batch, parsing)
                if previous is not None:
                    self._commit(box, folder, validity, *previous)
            if pending is not None:
                self._commit(box, folder, validity, *pending)

    def _parser(self, batch: Sequence[Prepared]) -> DocumentParser | None:
        if not any(a.status == "pending" for p in batch for a in p.attachments):
            return self.parser
        if self.parser is None:
            from intake.isolate import DocumentParser  # the parser stack: imported when there is work for it

            c = self.plan.config
            self.parser = self.stack.enter_context(
                DocumentParser(
                    c.intake.workers, c.intake.parse_timeout_s, c.intake.parse_memory_mb, schema=c.schema
                )
            )
        return self.parser

    def _commit(
        self, box: Mailbox, folder: str, validity: int, batch: list[int], parsing: Future[list[Prepared]]
    ) -> None:
        with self.tally.clock("wait for parse"):
            parsed = parsing.result()
        self._remember_ocr(parsed)
        with self.tally.clock("review+store"):
            for p in parsed:
                self._finish(box, p)
        if (
            self.plan.mode == "run"
            and getattr(box, "monotonic_uids", True)
            and batch
            and not self.plan.dry_run
        ):
            # Only after the whole batch is committed: a crash mid-batch re-fetches the batch, and
            # already-stored messages are recognised by key, so nothing is processed twice.
            self.store.set_last_uid(folder, validity, max(batch))

    def _ocr_cached(self, sha256: str) -> tuple[PageScan, ...]:
        """Pages of this file OCR'd in an earlier run (this thread owns the store)."""
        from parsers.ocr.read import READER_VERSION, PageScan  # the OCR stack only once a scan came

        cached = self.store.ocr_pages(sha256, READER_VERSION)
        return tuple(PageScan.from_json(p) for p in cached[1]) if cached else ()

    def _remember_ocr(self, batch: Sequence[Prepared]) -> None:
        """Pages OCR'd in this run go to the store's cache, keyed by the file's sha256."""
        scanned = [a for p in batch for a in p.attachments if a.scan]
        if not scanned:
            return
        from parsers.ocr.read import READER_VERSION  # the OCR stack only once a scan came

        for att in scanned:
            fresh = [page for page in att.scan if page.timings]  # a page from the cache carries no timings
            self.tally.ocr_read += len(fresh)
            self.tally.ocr_cached += len(att.scan) - len(fresh)
            if fresh and not self.plan.dry_run:
                mode = "header" if any(page.header_only for page in att.scan) else "full"
                self.store.save_ocr_pages(
                    att.sha256, READER_VERSION, mode, [page.to_json() for page in att.scan]
                )

    def _candidates(self, box: Mailbox, folder: str) -> tuple[list[int], int]:
        plan = self.plan
        if plan.mode == "rerun":
            since = plan.since - timedelta(days=1) if plan.since else None
            before = plan.until + timedelta(days=2) if plan.until else None
            listing = box.list_uids(folder, since=since, before=before)
            return list(listing.uids), listing.uidvalidity
        if getattr(box, "monotonic_uids", True):
            return self._new_uids(box, folder)
        # Hashed ids (file sources): list everything and ask the store what it has seen.
        listing = box.list_uids(folder)
        known = self.store.known_uids(folder, listing.uidvalidity)
        return [u for u in listing.uids if u not in known], listing.uidvalidity

    def _new_uids(self, box: Mailbox, folder: str) -> tuple[list[int], int]:
        state = self.store.folder_state(folder)
        listing = box.list_uids(folder, after_uid=state[1] if state else 0)
        if state is not None and listing.uidvalidity != state[0]:
            # UIDVALIDITY changed: every message is a candidate again; those already processed are
            # recognised by Message-ID + content hash (_recognised_elsewhere) and only re-keyed.
            log.warning(
                "folder %s: UIDVALIDITY changed (%d → %d); re-listing", folder, state[0], listing.uidvalidity
            )
            listing = box.list_uids(folder, after_uid=0)
        last = self.store.last_uid(folder, listing.uidvalidity)
        known = self.store.known_uids(folder, listing.uidvalidity)
        # `UID n:*` always answers the highest message, even when it is not newer: filter here.
        return [u for u in listing.uids if u > last and u not in known], listing.uidvalidity

    # ------------------------------------------------------------ one message

    def _prepare(self, raw: RawMessage) -> Prepared | None:
        """Read and unpack the mail — from disk when it is large, one attachment in memory at a time;
        None when the message is to be skipped."""
        try:
            with _buffer(raw) as buf:
                return self._prepare_buffer(raw, buf)
        finally:
            if raw.spooled and raw.path is not None:
                raw.path.unlink(missing_ok=True)  # archived by now (moved), or skipped

    def _prepare_buffer(self, raw: RawMessage, buf: Buffer) -> Prepared | None:
        sha = sha256_of(buf)
        skip = self._skip_reason(raw, sha)
        if skip is None and self._recognised_elsewhere(raw.ref, message_id(buf), sha):
            skip = "moved"
        if skip is not None:
            if skip != "known":
                setattr(self.tally, skip, getattr(self.tally, skip) + 1)
            self.tally.skipped += 1
            return None
        if raw.path is None:
            raw_path = self.store.archive(raw.data, "eml", sha)
        else:
            raw_path = self.store.archive_file(raw.path, "eml", sha, move=raw.spooled)
        limit = self.plan.config.mailbox.max_message_mb * 1024 * 1024
        too_large = (
            f"{stages.size_text(raw.too_large)}，上限 {stages.size_text(limit)}" if raw.too_large else ""
        )
        return stages.read(
            raw, sha, raw_path, self.store.archive, buffer=buf, absent=self.plan.absent, too_large=too_large
        )

    def _skip_reason(self, raw: RawMessage, sha: str) -> str | None:
        """Why the message is not processed (a _Tally counter, or "known"), or None."""
        plan = self.plan
        if raw.ref.key in plan.reprocess:
            return None
        if self.store.moved_to(raw.ref.key) is not None:
            # a place the mail has moved away from (a copy left behind): it is stored under its new key
            return "moved"
        stored = self.store.get_identity(raw.ref.key)
        if plan.mode == "run":
            return None if stored is None else "known"
        local = raw.internal_date.astimezone(plan.config.intake.timezone).date()
        if (plan.since and local < plan.since) or (plan.until and local > plan.until):
            return "out_of_range"
        unchanged = stored is not None and (stored.raw_sha256, stored.rules_version) == (
            sha,
            plan.rules.version,
        )
        return "unchanged" if unchanged and not plan.force else None

    def _recognised_elsewhere(self, ref: MessageRef, message_id: str | None, sha: str) -> bool:
        """The same mail (Message-ID + bytes) already stored under another key: moved to another configured
        folder (spam → inbox, a post_action move), re-appended with a new UID, or a new UIDVALIDITY.  The
        stored results follow it to where it is now instead of the mail being processed a second time."""
        other = self.store.find_by_identity(message_id, sha, exclude=ref.key)
        if other is None or self.store.get_identity(ref.key) is not None:
            return False
        log.info(
            "uid=%s folder=%s: the same mail as %s, which has moved here; one record",
            ref.uid,
            ref.folder,
            other,
        )
        self.store.rekey(other, ref)
        return self.plan.mode == "run"

    def _finish(self, box: Mailbox, p: Prepared) -> None:
        record: MessageRecord | None = None
        with Trap(f"uid={p.raw.ref.uid}: reviewing the message") as trap:
            record = stages.review(p, self.plan.rules, self.plan.config.schema)
        if record is None:
            record = stages.failed_record(p, trap.error)
        existed = self.store.get_identity(record.key) is not None
        changed = self.store.save_message(
            record,
            raw_sha256=p.sha256,
            raw_path=p.raw_path,
            rules_version=self.plan.rules.version,
            run_id=self.plan.run_id,
        )
        self.store.set_waiting(record.key, p.waiting if record.outcome != "failed" else ())
        if record.key in self.plan.reprocess:
            self.tally.reprocessed += 1
        self._count(record, existed, changed)
        if not self.plan.dry_run:
            # the opt-in post-action (keyword / move): its failure never undoes or stops the processing
            with Trap(f"uid={p.raw.ref.uid}: post-action", trace=False):
                box.after_commit(p.raw.ref)
        codes = sorted({f.code for f in record.flags} | {f.code for form in record.forms for f in form.flags})
        log.info(
            "uid=%s folder=%s from=%s outcome=%s forms=%d flags=%s",
            record.uid,
            record.folder,
            record.sender,
            record.outcome,
            len(record.forms),
            ",".join(codes) or "-",
        )

    def _count(self, record: MessageRecord, existed: bool, changed: bool) -> None:
        t = self.tally
        t.processed += 1
        if not existed:
            t.new.add(record.key)
        if changed:
            t.changed.add(record.key)
        if record.outcome == "failed":
            t.failed.add(record.key)


@contextmanager
def _buffer(raw: RawMessage) -> Iterator[Buffer]:
    if raw.path is None:
        yield raw.data
        return
    with FileBuffer(raw.path) as buf:
        yield buf


def _report_missing_folders(box: Mailbox) -> tuple[str, ...]:
    missing = tuple(getattr(box, "missing_folders", ()) or ())
    for name in missing:
        warn_once(
            log,
            f"folder:{name}",
            "configured folder %r does not exist on the mailbox: check mailbox.folders in the config "
            "(the other folders are read)",
            name,
        )
    return missing


class _StoredMessages:
    """A Mailbox over messages already in the store, read from their archived raw mail (for reprocessing:
    the mailbox may have moved or dropped them since).  Groups are named after folder and UIDVALIDITY."""

    monotonic_uids = False

    def __init__(self, store: Store, keys: Sequence[str]) -> None:
        self._messages: dict[str, dict[int, RawMessage]] = {}
        for key in keys:
            source = store.message_source(key)
            if source is None:
                continue
            ref, received, raw_path = source
            raw = RawMessage(ref, received, b"", path=store.data_dir / raw_path)
            self._messages.setdefault(f"{ref.folder} ({ref.uidvalidity})", {})[ref.uid] = raw

    def folders(self) -> list[str]:
        return list(self._messages)

    def list_uids(
        self, folder: str, *, after_uid: int = 0, since: date | None = None, before: date | None = None
    ) -> FolderListing:
        uids = tuple(sorted(u for u in self._messages.get(folder, {}) if u > after_uid))
        return FolderListing(folder, 0, uids)

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[RawMessage]:
        group = self._messages.get(folder, {})
        return (group[u] for u in uids if u in group)

    def after_commit(self, ref: MessageRef) -> None:
        """Reprocessing changes nothing in the mailbox."""

    def close(self) -> None:
        self._messages.clear()


def _done(batch: list[Prepared]) -> Future[list[Prepared]]:
    done: Future[list[Prepared]] = Future()
    done.set_result(batch)
    return done


# ---------------------------------------------------------------- across the store


def apply_supersessions(store: Store, rules: Rules) -> int:
    """Resubmissions and follow-ups across the whole store (intake.resubmission): superseded forms,
    follow-ups merged into the form they complete, completed forms."""
    rows = {r.form_id: r for r in store.form_rows()}
    keys = {
        r.form_id: FormKey(
            r.form_id,
            r.message_key,
            r.sender,
            r.received_at,
            r.fields.declared_org or None,
            r.fields.project_name or None,
            r.fields.applicant.name or None,
            r.subject,
            has_word=not any(code == "missing_word" for code, _ in r.flags),
            has_pdf=not any(code == "missing_pdf" for code, _ in r.flags),
        )
        for r in rows.values()
    }
    out: dict[str, tuple[str, str, str, dict[str, Any]]] = {}
    for fid, link in links(list(keys.values())).items():
        other = rows[link.other]
        detail = superseded_flag(keys[link.other], rules).detail
        when = detail.removeprefix("新版于 ").removesuffix(" 收到")
        files = "、".join(other.sources)
        if link.kind == MERGED:
            out[fid] = (MERGED, link.other, f"{when} 收到的申报（{files}）", {})
        elif link.kind == COMPLETED:
            seal_flags = [[c, d] for c, d in other.flags if c.startswith("stamp_")]
            extra = {"sources": list(other.sources), "pdf_seal": other.pdf_seal, "flags": seal_flags}
            out[fid] = (COMPLETED, link.other, f"{when} 补发 {files}", extra)
        else:
            out[fid] = (link.kind, link.other, detail, {})
    changed = store.set_links(out)
    if changed:
        log.info("resubmissions: %d form(s) changed", changed)
    return changed


# ---------------------------------------------------------------- reports


def rebuild_outputs(
    config: Config, *, bundle: Path | None = None, zip_path: Path | None = None
) -> dict[str, Path]:
    """`intake report`: bring supersessions up to date if needed, rewrite every output from the store
    (reading first what reviewers did to the workbook); with `bundle` / `zip_path` also the shareable
    folder / its zip (reports.bundle)."""
    with (
        run_lock(config.data_dir),
        private(config.data_dir, config.intake.group, _output_paths(config, None).values()),
        Store(config.data_dir) as store,
    ):
        outputs = refresh_outputs(config, store)
        if bundle is not None:
            outputs.update({f"bundle {k}": v for k, v in write_bundle(config, store, bundle).items()})
        if zip_path is not None:
            outputs["zip"] = _zip(config, store, bundle, zip_path)
        return outputs


def refresh_outputs(config: Config, store: Store) -> dict[str, Path]:
    """Every output rewritten from an open store whose lock the caller holds (report, notify)."""
    if store.outputs_stale():
        apply_supersessions(store, build_rules(config))
    outputs = write_reports(config, store)
    store.mark_outputs_current()
    return outputs


def _zip(config: Config, store: Store, bundle: Path | None, zip_path: Path) -> Path:
    from reports.bundle import zip_folder

    if bundle is not None:
        return zip_folder(bundle, zip_path)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / zip_path.stem  # the folder name people get when they unzip
        write_bundle(config, store, folder)
        return zip_folder(folder, zip_path)


def export(config: Config, output: Path | None, stream: TextIO) -> None:
    """`intake export`: the JSON-lines export of the store, to `output` (atomically) or to `stream`."""
    from reports.export import iter_export_lines, write_export

    with Store(config.data_dir) as store:
        records = store.records()
        corrections = store.review_state().corrections  # reviewers' corrections, as in export.jsonl
        if output is not None:
            write_export(output, records, tz=config.intake.timezone, corrections=corrections)
            return
        for line in iter_export_lines(records, tz=config.intake.timezone, corrections=corrections):
            stream.write(line)
        stream.flush()


def prepare_demo(config: Config) -> Path:
    """`intake demo` always starts fresh: the generated mailbox and data of an earlier demo go, the demo
    mailbox (samples.demo) is written again.  Returns the mailbox folder."""
    from samples.demo import build_demo_mailbox  # writers of test material: only the demo needs them

    mailbox = config.mailbox.path
    assert mailbox is not None, "the demo config reads a Maildir"
    for generated in (mailbox, config.data_dir):
        if generated.is_dir():
            shutil.rmtree(generated)
    mailbox.parent.mkdir(parents=True, exist_ok=True)
    build_demo_mailbox(mailbox)
    return mailbox


def write_reports(
    config: Config,
    store: Store,
    run: RunInfo | None = None,
    *,
    outputs_dir: Path | None = None,
    bundle: bool = False,
) -> dict[str, Path]:
    """Workbook (with 原件/ and 审核页/ beside it), HTML summary and export rebuilt from the store (each
    written atomically by its writer).  `outputs_dir` (dry runs, bundles) puts them there instead of the
    configured paths; only a regeneration in place keeps what reviewers did in the store.  A bundle has
    no export and no backups."""
    # Imported here: openpyxl, pandas and jinja2 are for runs that write the outputs; a cron run without
    # new mail never does.
    from intake.ledger import NoticeLedger
    from reports.export import write_export
    from reports.summary import write_summary
    from reports.workbook import write_workbook

    records = store.records()  # streamed: each report reads the store in passes, never all of it at once
    info = (
        run
        or store.last_run(changed_only=True)
        or store.last_run()
        or RunInfo(0, datetime.now(UTC), None, "")
    )
    tz = config.intake.timezone
    paths = _output_paths(config, outputs_dir)
    if bundle:
        del paths["export"]
    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    notices = NoticeLedger(store.db).states()  # each mail's receipt / 补正通知 (intake.notify)
    result = write_workbook(
        paths["workbook"],
        records,
        info,
        tz=tz,
        data_dir=store.data_dir,
        state=store.review_state(),
        keep_backups=0 if bundle else config.report.backups,
        title=config.schema.notice.title,
        read_previous=not bundle,  # a bundle is the store's state, whatever an earlier bundle holds
        notices=notices,
    )
    if outputs_dir is None:
        store.save_review_state(result.state)
    new_keys, since = _new_since(config, store, info)
    write_summary(
        paths["summary"],
        records,
        info,
        tz=tz,
        workbook=paths["workbook"],
        links=result.links,
        new_keys=new_keys,
        new_since=since,
        notices=notices,
    )
    if "export" in paths:
        write_export(paths["export"], records, tz=tz, corrections=result.state.corrections)
    return paths


def _new_since(config: Config, store: Store, info: RunInfo) -> tuple[frozenset[str], str]:
    """What summary.html lists as new, and since when (in words): by default everything first stored
    since the first run of the latest earlier day that had a run (a reviewer reading the page in the
    morning sees all of yesterday's mail); `report.new_since = "last_run"`: the last run's new mail."""
    tz = config.intake.timezone
    if config.report.new_since == "last_run":
        return info.new_keys, "本次运行"
    today = datetime.now(tz).date()
    earlier = [
        (rid, at.astimezone(tz)) for rid, at in store.runs_started() if at.astimezone(tz).date() < today
    ]
    if not earlier:
        first = next(iter(store.runs_started()), None)
        if first is None:
            return info.new_keys, "本次运行"
        return store.keys_first_stored_since(first[0]), "首次运行"
    day = earlier[-1][1].date()
    rid, at = next((rid, at) for rid, at in earlier if at.date() == day)
    return store.keys_first_stored_since(rid), f"{at.month}月{at.day}日 {at:%H:%M} 的运行"


def write_bundle(config: Config, store: Store, folder: Path) -> dict[str, Path]:
    """`intake report --bundle DIR`: the workbook, the originals, the review pages and summary.html in
    one folder whose links are all relative — it works wherever it is copied or unzipped."""
    paths = write_reports(config, store, outputs_dir=folder, bundle=True)
    from reports.bundle import write_readme

    paths["readme"] = write_readme(folder, paths["workbook"].name, paths["summary"].name)
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
