"""The notices ledger: which mail was answered, how, when, with which Message-ID (table `notices` of the
store, created by intake.store).  One row per answered mail (its identity, intake.notice.mail_identity).

Statuses:
  pending   about to be handed to the server (written and committed *before* the APPEND / SMTP DATA):
            after a crash the notice's Message-ID is looked up in the drafts folder before drafting again;
            for SMTP it is "unconfirmed" and is not sent again without --retry-unconfirmed
  drafted   the IMAP server accepted the APPEND (APPENDUID recorded when the server gives one)
  sent      the SMTP server answered 250 to the message
  failed    the server refused it or the connection dropped first: nothing accepted, retried next time
  refused   the SMTP server refused the recipient for good (5xx): not retried
Only drafted and sent are "done": the ledger never says a notice exists that a server did not accept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.records import NoticeState

if TYPE_CHECKING:
    from intake.notice import Notice

__all__ = ["DONE", "LedgerRow", "NoticeLedger"]

DONE = ("drafted", "sent")


@dataclass(frozen=True)
class LedgerRow:
    identity: str
    message_key: str
    kind: str
    form_version: str
    notice_message_id: str
    recipient: str
    channel: str  # "draft" | "smtp"
    status: str
    folder: str | None
    uid: int | None
    at: datetime
    error: str
    attempts: int

    @property
    def done(self) -> bool:
        return self.status in DONE


class NoticeLedger:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def get(self, identity: str) -> LedgerRow | None:
        row = self.db.execute("SELECT * FROM notices WHERE identity=?", (identity,)).fetchone()
        return _row(row) if row else None

    def rows(self) -> list[LedgerRow]:
        return [_row(r) for r in self.db.execute("SELECT * FROM notices ORDER BY at, identity")]

    def pending(self, notice: Notice, channel: str, folder: str | None, at: datetime) -> None:
        """The intent, committed before the server sees the notice."""
        with self.db:
            self.db.execute(
                "INSERT INTO notices VALUES (?,?,?,?,?,?,?,'pending',?,NULL,?,'',1) "
                "ON CONFLICT (identity) DO UPDATE SET message_key=excluded.message_key, kind=excluded.kind, "
                "form_version=excluded.form_version, notice_message_id=excluded.notice_message_id, "
                "recipient=excluded.recipient, channel=excluded.channel, status='pending', "
                "folder=excluded.folder, at=excluded.at, attempts=attempts+1 "
                "WHERE status NOT IN ('drafted', 'sent')",
                (
                    notice.identity,
                    notice.message_key,
                    notice.kind,
                    notice.form_version,
                    notice.message_id,
                    notice.to_addr,
                    channel,
                    folder,
                    at.isoformat(),
                ),
            )

    def done(self, identity: str, status: str, at: datetime, *, uid: int | None = None) -> None:
        assert status in DONE, status
        with self.db:
            self.db.execute(
                "UPDATE notices SET status=?, at=?, uid=?, error='' WHERE identity=?",
                (status, at.isoformat(), uid, identity),
            )

    def failed(self, identity: str, error: str, *, permanent: bool = False) -> None:
        with self.db:
            self.db.execute(
                "UPDATE notices SET status=?, error=? WHERE identity=? AND status NOT IN ('drafted', 'sent')",
                ("refused" if permanent else "failed", error[:500], identity),
            )

    def states(self) -> dict[str, NoticeState]:
        """message key → its notice, for every stored message whose mail has a ledger row (a copy of the
        same mail in another folder shares it)."""
        rows = self.db.execute(
            "SELECT m.key, n.kind, n.status, n.at, n.recipient, n.notice_message_id, n.error "
            "FROM messages m JOIN notices n ON n.identity = CASE WHEN m.message_id IS NOT NULL "
            "THEN 'mid:' || m.message_id ELSE 'sha:' || m.raw_sha256 END"
        )
        return {
            key: NoticeState(kind, status, datetime.fromisoformat(at), recipient, mid, error)
            for key, kind, status, at, recipient, mid, error in rows
        }


def _row(r: tuple[object, ...]) -> LedgerRow:
    return LedgerRow(
        identity=str(r[0]),
        message_key=str(r[1]),
        kind=str(r[2]),
        form_version=str(r[3]),
        notice_message_id=str(r[4]),
        recipient=str(r[5]),
        channel=str(r[6]),
        status=str(r[7]),
        folder=None if r[8] is None else str(r[8]),
        uid=None if r[9] is None else int(str(r[9])),
        at=datetime.fromisoformat(str(r[10])),
        error=str(r[11]),
        attempts=int(str(r[12])),
    )
