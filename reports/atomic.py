"""Atomic file output: write a temporary sibling, fsync, os.replace; readers never see half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["atomic_write_chunks", "file_mode", "temp_pattern"]


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


def atomic_write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """Write the chunks one by one to a temporary sibling, fsync, and move it over `path` (memory
    stays at one chunk however large the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
