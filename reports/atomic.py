"""Atomic file output: write a temporary sibling, fsync, os.replace; readers never see half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FILE_MODE", "atomic_write_chunks"]


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


# mkstemp creates 0600 files; outputs are meant for the office's reviewers, so honour the umask instead.
FILE_MODE = _file_mode()


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
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
