"""Atomic file output: write a temporary sibling, fsync, os.replace; readers never see half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_chunks", "file_mode", "temp_pattern"]


def file_mode() -> int:
    """0666 less the process umask *now* (intake sets 077, or 027 for a reviewers' group): mkstemp
    creates 0600 files, an output gets what any other file would.  Read from /proc, because os.umask
    can only be read by setting it, which would race with other threads creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            mask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = 0o077  # unknown: the private choice
    return 0o666 & ~mask


def temp_pattern(path: Path) -> str:
    """Glob, in path's folder, of the temporary siblings a write of `path` may leave when killed."""
    return f".{path.stem}.*tmp*"


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to a temporary sibling and move it over `path`.  `durable=False` skips the fsync
    and the random temporary name: for files rebuilt from the store at every run by the one process
    holding the run lock (a review page per form), where a thousand fsyncs would cost seconds and a
    page lost in a power cut is simply written again."""
    if durable:
        atomic_write_chunks(path, (data,))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], *, durable: bool = True) -> None:
    """Write the chunks one by one to a temporary sibling, fsync, and move it over `path` (memory
    stays at one chunk however large the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
