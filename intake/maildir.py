"""The offline source: a Maildir (cur/ new/) or a plain folder of .eml files, read-only.

Folders: "INBOX" is the path itself; any other name is a Maildir++ subfolder `.<name>` or a plain
subdirectory `<name>` when one exists.  Ids are derived from names so they survive re-runs:
uidvalidity is a hash of the folder's absolute path, a message's uid a 48-bit hash of its stable
name (for Maildir files the unique part before ":2," so a flag change or a new/→cur/ move keeps it).
Hashed uids are not ascending in arrival order, so this source sets `monotonic_uids = False` and
intake.run asks the store which uids it has already seen instead of trusting `uid > last_uid`.

Receipt time: the date of the topmost `Received:` header (the last hop: the receiving server), else the
file's mtime.  Nothing here ever writes into the mailbox.  A file over SPOOL_BYTES is handed over by path
(read through intake.spool.FileBuffer, never loaded whole); one over the size limit only by its header.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from intake.models import MessageRef, RawMessage
from intake.source import FolderListing
from intake.spool import SPOOL_BYTES

__all__ = ["MaildirMailbox", "receipt_time", "stable_uid"]

log = logging.getLogger(__name__)

_MAX_HEADER_BYTES = 256 * 1024  # headers are read from at most this many leading bytes


def stable_uid(name: str) -> int:
    """A non-zero 48-bit id from a file's stable name.  48 bits: exact in JSON readers (2**53) and in
    Excel (15 digits), and a collision among even 100,000 files has odds below 1 in 50,000."""
    h = int.from_bytes(hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()[:6], "big")
    return h or 1


def _uidvalidity(path: Path) -> int:
    h = int.from_bytes(
        hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).digest()[:4], "big"
    )
    return (h & 0x7FFFFFFF) or 1


def receipt_time(data: bytes, mtime: float) -> datetime:
    """The topmost Received: header's date (aware), else the file mtime in UTC."""
    head = data[:_MAX_HEADER_BYTES]
    end = head.find(b"\r\n\r\n") if b"\r\n\r\n" in head else head.find(b"\n\n")
    headers = BytesHeaderParser(policy=compat32).parsebytes(head if end < 0 else head[: end + 2])
    for value in headers.get_all("Received", []) or []:
        when = _received_date(str(value))
        if when is not None:
            return when
        break  # only the topmost hop counts; a malformed one falls back to mtime
    return datetime.fromtimestamp(mtime, tz=UTC)


def _received_date(value: str) -> datetime | None:
    if ";" not in value:
        return None
    try:
        when = parsedate_to_datetime(value.rsplit(";", 1)[1].strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


class MaildirMailbox:
    """intake.source.Mailbox over a Maildir or a folder of .eml files."""

    monotonic_uids = False

    def __init__(
        self,
        path: Path,
        folders: Sequence[str] = ("INBOX",),
        *,
        tz: ZoneInfo | None = None,
        max_message_bytes: int = 200 * 1024 * 1024,
    ) -> None:
        self.root = Path(path)
        self._wanted = tuple(folders)
        self._tz = tz or ZoneInfo("Asia/Shanghai")
        self._max_bytes = max_message_bytes
        self._cache: dict[str, dict[int, Path]] = {}
        self.missing_folders: list[str] = []

    # -- protocol

    def folders(self) -> list[str]:
        found = [f for f in self._wanted if self._folder_dir(f) is not None]
        self.missing_folders = [f for f in self._wanted if f not in found]
        return found

    def list_uids(
        self, folder: str, *, after_uid: int = 0, since: date | None = None, before: date | None = None
    ) -> FolderListing:
        base = self._folder_dir(folder)
        if base is None:
            return FolderListing(folder, 0, ())
        entries = self._scan(folder, base)
        uids = sorted(u for u, p in entries.items() if u > after_uid and self._in_range(p, since, before))
        return FolderListing(folder, _uidvalidity(base), tuple(uids))

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[RawMessage]:
        base = self._folder_dir(folder)
        if base is None:
            return
        entries = self._cache.get(folder) or self._scan(folder, base)
        validity = _uidvalidity(base)
        for uid in uids:
            path = entries.get(uid)
            if path is None:
                continue
            try:
                message = self._read(MessageRef(folder, validity, uid), path)
            except FileNotFoundError:  # moved by a mail client between listing and fetching
                continue
            except OSError as err:  # unreadable now (permissions, I/O): not stored, so retried next run
                log.warning("cannot read %s: %s", path, err.strerror or err)
                continue
            yield message

    def _read(self, ref: MessageRef, path: Path) -> RawMessage:
        info = path.stat()
        if info.st_size <= SPOOL_BYTES:
            data = path.read_bytes()
            return RawMessage(ref, receipt_time(data, info.st_mtime), data)
        with path.open("rb") as fh:
            head = fh.read(_MAX_HEADER_BYTES)
        when = receipt_time(head, info.st_mtime)
        if info.st_size > self._max_bytes:
            end = head.find(b"\r\n\r\n") if b"\r\n\r\n" in head else head.find(b"\n\n")
            return RawMessage(ref, when, head if end < 0 else head[: end + 2], too_large=info.st_size)
        return RawMessage(ref, when, b"", path=path)

    def after_commit(self, ref: MessageRef) -> None:
        """Files are never changed: no post-processing for this source."""

    def close(self) -> None:
        self._cache.clear()

    def __enter__(self) -> MaildirMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers

    def _folder_dir(self, folder: str) -> Path | None:
        if folder.upper() == "INBOX":
            candidates = [self.root]
        else:
            candidates = [self.root / f".{folder}", self.root / folder]
        for c in candidates:
            if c.is_dir():
                return c
        return None

    def _scan(self, folder: str, base: Path) -> dict[int, Path]:
        found: dict[int, Path] = {}
        if (base / "cur").is_dir() or (base / "new").is_dir():
            for sub in ("new", "cur"):  # cur/ last: a message seen in both is the cur/ copy
                for name, path in _files(base / sub):
                    found[stable_uid(name.split(":2,", 1)[0])] = path
        else:
            for name, path in _files(base):
                if name.lower().endswith(".eml"):
                    found[stable_uid(name)] = path
        self._cache[folder] = found
        return found

    def _in_range(self, path: Path, since: date | None, before: date | None) -> bool:
        # A superset is fine (the caller filters exactly on receipt time); mtime widened by a day
        # on each side is cheap and never drops a message whose Received: date differs slightly.
        if since is None and before is None:
            return True
        try:
            with path.open("rb") as fh:
                data = fh.read(_MAX_HEADER_BYTES)
            when = receipt_time(data, path.stat().st_mtime).astimezone(self._tz).date()
        except OSError:
            return False
        if since is not None and when < since - timedelta(days=1):
            return False
        return before is None or when < before + timedelta(days=1)


def _files(directory: Path) -> Iterator[tuple[str, Path]]:
    if not directory.is_dir():
        return
    with os.scandir(directory) as it:
        for entry in it:
            if entry.is_file() and not entry.name.startswith("."):
                yield entry.name, Path(entry.path)
