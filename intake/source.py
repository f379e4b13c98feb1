"""The Mailbox protocol: what every mail source (IMAP, Maildir / folder of .eml) provides.

A source lists UIDs per folder and fetches raw messages; it never decides what is new — the store
remembers that (intake.run).  Sources must not change the mailbox (no \\Seen, no delete, no move);
`after_commit` is the one hook for an opt-in post-processing action.  A source raises LoginRefused
(fatal, never retried) or MailboxUnavailable (transient: the run stops and keeps what it committed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from intake.models import MessageRef, RawMessage


class MailboxError(Exception):
    """Base of the errors a mail source raises."""


class LoginRefused(MailboxError):
    """Fatal: the server refused us (password / 授权码, risk control). Exit 1, no retry."""


class MailboxSettingsError(LoginRefused):
    """Fatal: a [mailbox] setting does not match the server (TLS/port, certificate, no password set).
    A LoginRefused too: nothing is retried, and the message names the setting to change."""


class MailboxUnavailable(MailboxError):
    """Transient: the server could not be reached or kept dropping us after every retry (exit 4)."""


@dataclass(frozen=True)
class FolderListing:
    folder: str
    uidvalidity: int
    uids: tuple[int, ...]  # ascending


class Mailbox(Protocol):
    def folders(self) -> list[str]:
        """Folders this source reads (configured ones that exist)."""
        ...

    def list_uids(
        self, folder: str, *, after_uid: int = 0, since: date | None = None, before: date | None = None
    ) -> FolderListing:
        """UIDs in `folder` greater than `after_uid`; with since/before (dates in the office zone) a
        superset of the messages received in [since, before) — the caller filters exactly on receipt time."""
        ...

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[RawMessage]:
        """Raw messages for `uids`, in batches, without setting any flag."""
        ...

    def after_commit(self, ref: MessageRef) -> None:
        """Opt-in post-processing after the message's results are committed (default: nothing)."""
        ...

    def close(self) -> None: ...
