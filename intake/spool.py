"""Large messages on disk: a spool file per message, and a read-only buffer over it for the MIME walk.

A message bigger than SPOOL_BYTES is never held in memory whole (issue 15: memory grew 8-10x the size of
the largest message).  The mail sources stream it into a file in the run's temporary folder (data_dir/tmp,
see intake.datadir) and hand over its path; intake.mime walks it through `FileBuffer`, which reads windows
of the file with pread instead of mapping it, so what the process holds stays at a few windows whatever
the file's size (a mapping would count every page it touched in the process's resident memory).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, overload

__all__ = [
    "CHUNK_BYTES",
    "SPOOL_BYTES",
    "Buffer",
    "FileBuffer",
    "chunks",
    "new_spool_file",
    "sha256_of",
]

SPOOL_BYTES = 8 * 1024 * 1024  # a message larger than this goes to disk
CHUNK_BYTES = 4 * 1024 * 1024  # window for reading, hashing and decoding


class Buffer(Protocol):
    """What the MIME walk needs of a message: `bytes` in memory, or a FileBuffer on disk."""

    def __len__(self) -> int: ...

    def find(self, sub: bytes, start: int = ..., end: int = ..., /) -> int: ...

    @overload
    def __getitem__(self, index: int, /) -> int: ...

    @overload
    def __getitem__(self, index: slice, /) -> bytes: ...


class FileBuffer:
    """A read-only view of a file with the slice/find interface of bytes (only what intake.mime uses)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self._size = os.fstat(self._fd).st_size

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> FileBuffer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int, /) -> int: ...

    @overload
    def __getitem__(self, index: slice, /) -> bytes: ...

    def __getitem__(self, index: int | slice, /) -> int | bytes:
        if isinstance(index, int):
            data = self._read(index % self._size if index < 0 else index, 1)
            if not data:
                raise IndexError("FileBuffer index out of range")
            return data[0]
        start, stop, step = index.indices(self._size)
        if step != 1:
            raise ValueError("FileBuffer slices have no step")
        return self._read(start, max(0, stop - start))

    def _read(self, offset: int, length: int) -> bytes:
        parts: list[bytes] = []
        while length > 0:
            piece = os.pread(self._fd, min(length, 1 << 30), offset)
            if not piece:
                break
            parts.append(piece)
            offset += len(piece)
            length -= len(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def find(self, sub: bytes, start: int = 0, end: int | None = None, /) -> int:
        """Like bytes.find, reading CHUNK_BYTES windows that overlap by len(sub) - 1."""
        stop = self._size if end is None else min(end, self._size)
        start = max(0, start)
        overlap = max(0, len(sub) - 1)
        pos = start
        while pos < stop and stop - start >= len(sub):
            window = self._read(pos, min(CHUNK_BYTES + overlap, stop - pos))
            hit = window.find(sub)
            if hit >= 0:
                return pos + hit
            if pos + len(window) >= stop:
                return -1
            pos += len(window) - overlap
        return -1


def chunks(buf: Buffer, start: int = 0, end: int | None = None, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """buf[start:end] in pieces of `size` bytes."""
    stop = len(buf) if end is None else min(end, len(buf))
    for pos in range(start, stop, size):
        yield buf[pos : min(pos + size, stop)]


def sha256_of(buf: Buffer) -> str:
    if isinstance(buf, bytes):
        return hashlib.sha256(buf).hexdigest()
    digest = hashlib.sha256()
    for piece in chunks(buf):
        digest.update(piece)
    return digest.hexdigest()


def new_spool_file(prefix: str = "mail-") -> tuple[int, Path]:
    """An open descriptor and the path of a new owner-only file in the run's temporary folder."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".eml")
    return fd, Path(name)
