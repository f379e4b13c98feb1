"""Shared pytest set-up. Fixtures that need a real server or LibreOffice live in their own modules
(tests/dovecot.py, ...) and skip with a reason when the program is not installed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The session fixture that starts a real Dovecot (skips when it is not installed), for every module.
from tests.dovecot import dovecot as dovecot


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """`small_disk(size)`: a tmpfs of `size` bytes mounted in tmp_path (a disk that fills up), unmounted
    after the test; skips without root (tests/faults.py)."""
    import subprocess

    from tests.faults import mount_small_disk

    mounted: list[Path] = []

    def make(size: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        mount_small_disk(point, size)
        mounted.append(point)
        return point

    yield make
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)
