"""One intake run at a time per data_dir.

fcntl.flock on data_dir/intake.lock: the kernel drops the lock when the process dies, so a run killed
with kill -9 never leaves a stale lock behind (the file stays, the lock does not).  A second run does not
wait: cron starts the next one a few minutes later anyway, so it exits at once (exit code 1) naming the
pid that holds the lock, which is written into the file for that message.

A flock belongs to the open file description, which a fork() shares: a forked parser worker would
keep the lock alive after the main process is killed.  So every forked child closes its copy of the
descriptor at once (os.register_at_fork); the lock then lives exactly as long as the run's process.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = ["LOCK_NAME", "LockBusy", "holder", "run_lock"]

LOCK_NAME = "intake.lock"

_held: set[int] = set()  # lock descriptors of this process, closed in forked children


def _close_in_child() -> None:
    for fd in _held:
        with suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


class LockBusy(Exception):
    """Another run holds the lock."""

    def __init__(self, pid: int | None) -> None:
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(f"another intake run is in progress ({who})")
        self.pid = pid


@contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data_dir lock for the duration of the block; LockBusy at once if it is taken."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # private from the start (intake.datadir)
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    _held.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockBusy(_read_pid(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            # Clear the pid before unlocking so a reader never sees a finished run's pid as the holder.
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        _held.discard(fd)
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None


def holder(data_dir: Path) -> int | None:
    """The pid of the run holding the lock, without touching the lock (taking it even for a moment
    could make a starting cron run think another one is going): the pid a run writes into the file,
    if that process is alive."""
    try:
        text = (data_dir / LOCK_NAME).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    if not text.isdigit():
        return None
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return None  # killed with -9: the kernel dropped its lock, the pid stayed in the file
    except PermissionError:
        pass  # alive, another user's
    return int(text)
