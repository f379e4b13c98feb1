"""`intake notify`: a receipt or 补正通知 for every stored mail that should get one, exactly once.

plan     every stored mail, in receipt order, one per identity (a copy in another folder is the same
         mail): skipped when its ledger row is done, else composed (intake.notice) or skipped with a
         reason (failed processing, auto-reply, the office's own mail, ...)
deliver  drafts (default): APPEND to the drafts folder; smtp: send, only with --send / notify.send.
         The ledger row is committed as pending before the server sees the notice and marked done
         only after the server accepted it (APPENDUID / 250).  A draft whose earlier attempt did not
         finish is first looked up by its Message-ID, so a crash between accept and record never
         makes a second draft.  One notice failing is logged and recorded and the next goes on;
         a refused login stops the step at once (exit 1).
outputs  the workbook and summary are rebuilt when a notice changed state (notice status columns).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from core.records import NOTICE_KINDS, FormRecord, MessageRecord
from intake.config import Config
from intake.faults import FatalError
from intake.ledger import LedgerRow, NoticeLedger
from intake.notice import Notice, Skip, compose, mail_identity, render_body
from intake.notice_mime import build_message, read_headers
from intake.store import Store

if TYPE_CHECKING:
    from intake.drafts import DraftTarget
    from intake.smtp import SmtpSender

__all__ = ["NotifyError", "NotifySummary", "Planned", "notify", "plan_notices", "preview"]

log = logging.getLogger(__name__)

_GIVE_UP_AFTER = 3  # consecutive connection failures: the server is away, the rest waits for the next run


class NotifyError(FatalError):
    """The notify step cannot run as asked (smtp without --send, nothing to preview): exit 1."""


@dataclass(frozen=True)
class Planned:
    notice: Notice
    body: str


@dataclass(frozen=True)
class NotifySummary:
    channel: str  # "draft" | "smtp" | "dry-run"
    folder: str | None = None
    planned: int = 0  # notices due (not done before this step)
    done: int = 0  # drafted or sent now
    recovered: int = 0  # found in the drafts folder after an unfinished attempt: recorded, not drafted again
    already: int = 0  # done in an earlier run
    skipped: int = 0  # mails that get no notice
    failed: int = 0
    unconfirmed: int = 0  # smtp: an attempt whose outcome is unknown (crash): not sent again without asking
    aborted: str = ""
    planned_notices: tuple[Planned, ...] = field(default=(), repr=False)

    @property
    def exit_code(self) -> int:
        return 3 if self.failed or self.aborted or self.unconfirmed else 0


# ---------------------------------------------------------------- planning


def plan_notices(
    config: Config, store: Store, *, now: datetime, done: dict[str, LedgerRow] | None = None
) -> tuple[list[Planned], list[Skip], int]:
    """(notices due, mails skipped with their reason, mails already answered).  Mails whose ledger row
    is done are not composed again."""
    done = done or {}
    seen: set[str] = set()
    due: list[Planned] = []
    skips: list[Skip] = []
    already = 0
    for record in store.records():
        identity = mail_identity(record)
        if identity in seen:
            continue
        seen.add(identity)
        if identity in done and done[identity].done:
            already += 1
            continue
        result = _compose(config, store, record)
        if isinstance(result, Skip):
            skips.append(result)
        else:
            due.append(Planned(result, _body(config, result, now)))
    return due, skips, already


def _compose(config: Config, store: Store, record: MessageRecord) -> Notice | Skip:
    raw = _raw(store, record)
    if raw is None:
        return Skip(record.key, "原始邮件文件缺失，无法生成通知")
    completed = _completed_forms(store, record)
    return compose(record, read_headers(raw), config.notify, tz=config.intake.timezone, completed=completed)


def _completed_forms(store: Store, record: MessageRecord) -> dict[str, FormRecord]:
    """The earlier forms this mail's follow-up halves (补发 Word / PDF) completed, by form_id."""
    out: dict[str, FormRecord] = {}
    for form in record.forms:
        owner = store.form_owner(form.superseded_by) if form.superseded_by else None
        if owner is None or not any(f.code == "merged" for f in form.flags):
            continue
        for earlier in store.records([owner]):
            out.update((f.form_id, f) for f in earlier.forms if f.form_id == form.superseded_by)
    return out


def _raw(store: Store, record: MessageRecord) -> bytes | None:
    rel = str(record.extra.get("raw_path", ""))
    path = store.data_dir / rel
    if not rel or ".." in Path(rel).parts or not path.is_file():
        return None
    with path.open("rb") as fh:
        return fh.read(256 * 1024)  # the headers are all a notice needs


def _body(config: Config, notice: Notice, now: datetime) -> str:
    deadline = config.notify.resubmit_deadline or config.intake.deadline
    return render_body(notice, config.notify, deadline=deadline, now=now, tz=config.intake.timezone)


# ---------------------------------------------------------------- the step


def notify(
    config: Config,
    *,
    send: bool = False,
    dry_run: bool = False,
    retry_unconfirmed: bool = False,
    rebuild: bool = True,
) -> NotifySummary:
    """Draft (or send) every notice that is due; see the module docstring."""
    channel = "smtp" if config.notify.mode == "smtp" else "draft"
    if send and channel != "smtp":
        raise NotifyError('--send needs notify.mode = "smtp" (notices are drafted otherwise)')
    if channel == "smtp" and not (send or config.notify.send or dry_run):
        raise NotifyError(
            'notify.mode is "smtp": pass --send (or set notify.send = true) to send; nothing was sent'
        )
    if not config.notify.from_address:
        raise NotifyError("notify.from_address: the office's address is needed (mailbox.username is none)")
    now = datetime.now(UTC)
    if dry_run:
        with Store(config.data_dir) as store:
            rows = {r.identity: r for r in NoticeLedger(store.db).rows()}
            due, skips, already = plan_notices(config, store, now=now, done=rows)
        return NotifySummary("dry-run", None, len(due), 0, 0, already, len(skips), planned_notices=tuple(due))
    from intake.lock import run_lock

    with run_lock(config.data_dir), Store(config.data_dir) as store:
        summary = _deliver_all(config, store, channel, retry_unconfirmed)
        if rebuild and (summary.done or summary.recovered or summary.failed):
            from intake.run import refresh_outputs

            refresh_outputs(config, store)
    return summary


def _deliver_all(config: Config, store: Store, channel: str, retry_unconfirmed: bool) -> NotifySummary:
    ledger = NoticeLedger(store.db)
    rows = {r.identity: r for r in ledger.rows()}
    due, skips, already = plan_notices(config, store, now=datetime.now(UTC), done=rows)
    if not due:
        return NotifySummary(channel, None, 0, 0, 0, already, len(skips))
    step = _Step(config, ledger, rows)
    folder: str | None = None
    if channel == "smtp":
        from intake.smtp import SmtpSender

        with SmtpSender(config.notify) as sender:
            aborted = step.run(due, lambda item: step.send(item, sender, retry_unconfirmed))
    else:
        from intake.drafts import open_drafts
        from intake.mailbox import MailboxUnavailable

        try:
            target = open_drafts(config)
        except MailboxUnavailable as err:  # the server is away: every notice waits for the next run
            log.error("notices: %s", err)
            return NotifySummary(channel, None, len(due), 0, 0, already, len(skips), aborted=str(err))
        folder = target.folder
        try:
            aborted = step.run(due, lambda item: step.draft(item, target))
        finally:
            target.close()
    c = step.counts
    log.info(
        "notices (%s): %d due, %d delivered, %d recovered, %d failed, %d already, %d skipped",
        *(channel, len(due), c["done"], c["recovered"], c["failed"], already, len(skips)),
    )
    return NotifySummary(
        channel,
        folder,
        len(due),
        c["done"],
        c["recovered"],
        already,
        len(skips),
        c["failed"],
        c["unconfirmed"],
        aborted,
    )


class _Away(Exception):
    """The server went away while delivering one notice (already recorded as failed)."""


@dataclass
class _Step:
    """Delivering the notices that are due, one at a time, each outcome recorded in the ledger."""

    config: Config
    ledger: NoticeLedger
    rows: dict[str, LedgerRow]
    counts: Counter[str] = field(default_factory=Counter)

    def run(self, due: Sequence[Planned], deliver: Callable[[Planned], str]) -> str:
        """Deliver each notice; stop (returning why) after a few in a row found the server away."""
        away = 0
        for item in due:
            try:
                self.counts[deliver(item)] += 1
                away = 0
            except _Away as err:
                self.counts["failed"] += 1
                away += 1
                if away >= _GIVE_UP_AFTER:
                    return str(err)
        return ""

    def draft(self, item: Planned, box: DraftTarget) -> str:
        from intake.mailbox import DraftRefused, MailboxUnavailable

        n = item.notice
        previous = self.rows.get(n.identity)
        try:
            if previous is not None and previous.channel == "draft":
                # An attempt that did not finish: the server may hold the draft already.
                uid = box.find(previous.notice_message_id)
                if uid is not None:
                    self.ledger.done(n.identity, "drafted", previous.at, uid=uid)
                    log.info("notice for %s was drafted before (uid %s): recorded", n.message_key, uid)
                    return "recovered"
            now = datetime.now(UTC)
            self.ledger.pending(n, "draft", box.folder, now)
            uid = box.append(self._message(item, now), now)
        except (DraftRefused, OSError) as err:
            return self._failed(n, err)
        except MailboxUnavailable as err:
            self._failed(n, err)
            raise _Away(f"mailbox unavailable: {err}") from err
        self.ledger.done(n.identity, "drafted", now, uid=uid)
        return "done"

    def send(self, item: Planned, sender: SmtpSender, retry_unconfirmed: bool) -> str:
        from intake.smtp import SmtpLoginRefused, SmtpRefused, SmtpUnavailable

        n = item.notice
        previous = self.rows.get(n.identity)
        if previous is not None and previous.status == "refused":
            return "refused"  # for good; shown in the 通知 sheet
        if previous is not None and previous.status == "pending" and not retry_unconfirmed:
            log.warning(
                "notice for %s (%s): an earlier run stopped while sending it; whether the server accepted "
                "it is unknown. Check the sent mail, then `intake notify --send --retry-unconfirmed` "
                "sends what is missing",
                n.message_key,
                previous.notice_message_id,
            )
            return "unconfirmed"
        now = datetime.now(UTC)
        self.ledger.pending(n, "smtp", None, now)
        try:
            sender.send(self._message(item, now), n.to_addr)
        except SmtpLoginRefused:
            self.ledger.failed(n.identity, "SMTP login refused")
            raise
        except SmtpRefused as err:
            self.ledger.failed(n.identity, str(err), permanent=True)
            log.warning("notice for %s refused by the server: %s", n.message_key, err)
            return "failed"
        except SmtpUnavailable as err:
            self._failed(n, err)
            raise _Away(f"SMTP server unavailable: {err}") from err
        self.ledger.done(n.identity, "sent", now)
        return "done"

    def _message(self, item: Planned, now: datetime) -> bytes:
        return build_message(item.notice, item.body, self.config.notify, now=now)

    def _failed(self, notice: Notice, err: BaseException) -> str:
        self.ledger.failed(notice.identity, str(err))
        log.warning("notice for %s not delivered: %s", notice.message_key, err)
        return "failed"


# ---------------------------------------------------------------- showing notices


def as_text(item: Planned) -> str:
    """A notice as a person reads it: a few headers, then the text."""
    n = item.notice
    to = f"{n.to_name} <{n.to_addr}>" if n.to_name else n.to_addr
    lines = [
        f"----- {NOTICE_KINDS[n.kind]} for {n.message_key}",
        f"To: {to}",
        f"Subject: {n.subject}",
        f"In-Reply-To: {n.in_reply_to or '-'}",
        f"Message-ID: {n.message_id}",
        "",
        item.body,
    ]
    return "\n".join(lines)


def print_notices(items: Sequence[Planned], out: TextIO) -> None:
    for item in items:
        out.write(as_text(item) + "\n")


def _matches(record: MessageRecord, target: str) -> bool:
    wanted = target.strip()
    ids = {record.key, str(record.uid), record.message_id or "", (record.message_id or "").strip("<>")}
    return wanted in ids or any(f.form_id == wanted for f in record.forms)


def preview(config: Config, target: str) -> str:
    """`intake notify --preview FORM_OR_MAIL`: the notice one stored mail gets (or why it gets none)."""
    now = datetime.now(UTC)
    with Store(config.data_dir) as store:
        found = next((r for r in store.records() if _matches(r, target)), None)
        if found is None:
            raise NotifyError(
                f"no stored mail or form matches {target!r} (a message key, Message-ID or 表单编号)"
            )
        result = _compose(config, store, found)
        row = NoticeLedger(store.db).get(mail_identity(found))
    if isinstance(result, Skip):
        return f"no notice for {found.key}: {result.reason}\n"
    text = as_text(Planned(result, _body(config, result, now)))
    if row is not None:
        text = f"(ledger: {row.status} {row.at.isoformat()} {row.notice_message_id})\n" + text
    return text
