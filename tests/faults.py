"""Real faults for tests: a small file system that fills up (a tmpfs mounted for the test).

Mounting needs root (CAP_SYS_ADMIN); elsewhere the tests that use it skip, naming the reason.

    def test_x(small_disk):                 # the fixture is in tests/conftest.py
        data_dir = small_disk(256 * 1024)   # a 256 KiB file system, unmounted after the test
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest


def mount_small_disk(point: Path, size: int) -> None:
    """Mount a tmpfs of `size` bytes on `point` (skips the test when that is not possible)."""
    if os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a small tmpfs, which needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")


def fill(directory: Path, leave: int = 0) -> None:
    """Fill the file system of `directory` up to `leave` free bytes."""
    stat = os.statvfs(directory)
    free = stat.f_bavail * stat.f_frsize
    with open(directory / "filler", "wb") as fh, contextlib.suppress(OSError):
        fh.write(b"\0" * max(0, free - leave))
