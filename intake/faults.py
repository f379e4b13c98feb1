"""What went wrong, in one sentence that names the file or setting to fix, and the exit code for it.

Exit codes (README "Exit codes"; cron and systemd tell "fix something" from "try again"):
  0 ok · 1 fix something (configuration, login, TLS/port, store damaged, disk full, not writable) ·
  2 usage · 3 finished, some messages failed · 4 try again later (mailbox unreachable, store locked).

`describe(err, data_dir)` is the one classification: the CLI prints its sentence (and logs it), the run
records it for `intake status`.  An error it does not know is a bug: "internal error", exit 1, and the
traceback goes to the log file only.
"""

from __future__ import annotations

import errno
import getpass
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EXIT_FAILED",
    "EXIT_FATAL",
    "EXIT_OK",
    "EXIT_RETRY",
    "EXIT_USAGE",
    "FatalError",
    "Fault",
    "describe",
    "is_environmental",
]

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_FAILED, EXIT_RETRY = 0, 1, 2, 3, 4

_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


class FatalError(Exception):
    """The run cannot go on (a bad mailbox path, ...): exit code 1, the message shown as it is."""


@dataclass(frozen=True)
class Fault:
    kind: str  # stable word for the store and `intake status`: login, settings, mailbox, disk_full, ...
    message: str  # one line, no traceback
    exit_code: int
    bug: bool = False  # not a known fault: the traceback belongs in the log


def describe(err: BaseException, data_dir: Path | None = None) -> Fault:
    """The fault `err` stands for (never raises)."""
    from intake.config import ConfigError

    if isinstance(err, ConfigError):
        return Fault("config", str(err), EXIT_FATAL)
    mailbox = _mailbox_fault(err)
    if mailbox is not None:
        return mailbox
    store = _store_fault(err, data_dir)
    if store is not None:
        return store
    if isinstance(err, OSError):
        return _os_fault(err, data_dir)
    if isinstance(err, FatalError):
        return Fault("config", str(err), EXIT_FATAL)
    return Fault("internal", f"internal error: {type(err).__name__}: {err}", EXIT_FATAL, bug=True)


def _mailbox_fault(err: BaseException) -> Fault | None:
    from intake.source import LoginRefused, MailboxSettingsError, MailboxUnavailable

    if isinstance(err, MailboxSettingsError):
        return Fault("settings", str(err), EXIT_FATAL)
    if isinstance(err, LoginRefused):
        return Fault("login", str(err), EXIT_FATAL)
    if isinstance(err, MailboxUnavailable):
        return Fault("mailbox", f"{err}; the next run tries again", EXIT_RETRY)
    return None


def _store_fault(err: BaseException, data_dir: Path | None) -> Fault | None:
    from intake.store import DB_NAME, StoreError

    if isinstance(err, StoreError):
        return Fault("store", str(err), EXIT_FATAL)
    if not isinstance(err, sqlite3.Error):
        return None
    path = data_dir / DB_NAME if data_dir is not None else Path(DB_NAME)
    text = str(err).lower()
    if "locked" in text or "busy" in text:
        return Fault(
            "store_locked",
            f"the store {path} is locked by another program ({err}); close it — the next run tries again",
            EXIT_RETRY,
        )
    if "full" in text:
        return _full(path, str(err))
    if "readonly" in text or "read-only" in text:
        return _denied(path, "read-only")
    if "unable to open" in text:
        return Fault(
            "store",
            f"cannot open the store {path} ({err}): data_dir must exist and be writable by {_user()}",
            EXIT_FATAL,
        )
    return Fault(
        "store",
        f"the store {path} is damaged ({err}): restore it from a backup, or move it aside and the next run "
        "rebuilds it from the mailbox",
        EXIT_FATAL,
    )


def _os_fault(err: OSError, data_dir: Path | None) -> Fault:
    where = Path(err.filename) if err.filename else data_dir
    reason = err.strerror or str(err)
    if err.errno in _FULL:
        return _full(where, reason)
    if err.errno in _DENIED:
        return _denied(where, reason)
    return Fault("os", f"{where}: {reason}" if where else reason, EXIT_FATAL)


def _full(where: Path | None, reason: str) -> Fault:
    return Fault(
        "disk_full",
        f"disk full: cannot write {where or 'data_dir'} ({reason}); free space on that disk and run again "
        "(nothing half-written was kept)",
        EXIT_FATAL,
    )


def _denied(where: Path | None, reason: str) -> Fault:
    return Fault(
        "not_writable",
        f"cannot write {where or 'data_dir'} ({reason}): data_dir and the [report] paths must be on a "
        f"writable disk and writable by {_user()}",
        EXIT_FATAL,
    )


def _user() -> str:
    try:
        return f"user {getpass.getuser()}"
    except (KeyError, OSError):
        return "the user running intake"


def is_environmental(err: BaseException) -> bool:
    """A fault of the machine, not of the message being processed: a full disk, a file system or folder
    intake cannot write, the store.  The per-message traps let it through, so it ends the run with its
    name instead of marking every later message as failed."""
    if isinstance(err, sqlite3.Error):
        return True
    return isinstance(err, OSError) and err.errno in (*_FULL, *_DENIED, errno.EIO)
