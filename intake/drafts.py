"""Where drafted notices go: the IMAP drafts folder (through intake.mailbox, the only imapclient user) or,
for a Maildir source (the demo, an offline copy), the Maildir++ subfolder `.Drafts` beside it.

A target finds a draft by Message-ID (to recover after a crash between the server's accept and the
ledger's record) and appends one; nothing else is ever written.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Protocol

from intake.config import Config
from intake.maildir import stable_uid

__all__ = ["DraftTarget", "ImapDrafts", "MaildirDrafts", "open_drafts"]


class DraftTarget(Protocol):
    folder: str

    def find(self, message_id: str) -> int | None: ...

    def append(self, data: bytes, when: datetime) -> int | None: ...

    def close(self) -> None: ...


class ImapDrafts:
    """The mailbox's drafts folder over IMAP (SPECIAL-USE \\Drafts, or notify.drafts_folder)."""

    def __init__(self, config: Config) -> None:
        from intake.mailbox import ImapMailbox

        self._box = ImapMailbox(config.mailbox)
        try:
            self.folder = self._box.drafts_folder(config.notify.drafts_folder)
        except BaseException:
            self._box.close()
            raise

    def find(self, message_id: str) -> int | None:
        return self._box.find_draft(self.folder, message_id)

    def append(self, data: bytes, when: datetime) -> int | None:
        return self._box.append_draft(self.folder, data, when)

    def close(self) -> None:
        self._box.close()


class MaildirDrafts:
    """A Maildir drafts folder: tmp/ then cur/ with the D(raft) and S(een) flags, written atomically."""

    def __init__(self, path: Path, folder: str) -> None:
        self.root = Path(path)
        self.folder = folder
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._count = 0

    def find(self, message_id: str) -> int | None:
        for sub in ("cur", "new"):
            for entry in os.scandir(self.root / sub):
                if entry.is_file() and _message_id(Path(entry.path)) == message_id:
                    return stable_uid(entry.name.split(":2,", 1)[0])
        return None

    def append(self, data: bytes, when: datetime) -> int | None:
        self._count += 1
        unique = f"{int(when.timestamp())}.M{time.time_ns() % 10**9}P{os.getpid()}Q{self._count}.{_host()}"
        tmp = self.root / "tmp" / unique
        tmp.write_bytes(data)
        os.utime(tmp, (when.timestamp(), when.timestamp()))
        os.replace(tmp, self.root / "cur" / f"{unique}:2,DS")
        return stable_uid(unique)

    def close(self) -> None:
        pass


def _host() -> str:
    return socket.gethostname().replace("/", "_").replace(":", "_") or "localhost"


def _message_id(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    return str(BytesHeaderParser(policy=compat32).parsebytes(head).get("Message-ID", "")).strip()


def open_drafts(config: Config) -> DraftTarget:
    if config.mailbox.kind == "maildir" and config.mailbox.path is not None:
        name = config.notify.drafts_folder or "Drafts"
        return MaildirDrafts(config.mailbox.path / f".{name}", name)
    return ImapDrafts(config)
