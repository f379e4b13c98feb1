"""data_dir is private whatever the umask, a reviewers' group can be let in, temp files are swept."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.datadir import private, secure, sweep


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_a_data_dir_an_older_version_left_readable_is_made_private(tmp_path: Path, umask_022: None) -> None:
    data = tmp_path / "data"
    (data / "files" / "ab").mkdir(parents=True)
    (data / "logs").mkdir()
    for name in ("intake.sqlite", "files/ab/x.pdf", "logs/intake.log", "申报汇总.xlsx"):
        (data / name).write_bytes(b"applicant 13800000000")
    assert modes(data)["intake.sqlite"] == 0o644
    secure(data)
    got = modes(data)
    assert {k: v for k, v in got.items() if (data / k).is_dir()} == dict.fromkeys(
        [".", "files", "files/ab", "logs"], 0o700
    )
    assert {k: v for k, v in got.items() if (data / k).is_file()} == dict.fromkeys(
        ["intake.sqlite", "files/ab/x.pdf", "logs/intake.log", "申报汇总.xlsx"], 0o600
    )


def test_during_a_run_everything_created_is_private_and_temp_files_stay_in_data_dir(
    tmp_path: Path, umask_022: None
) -> None:
    data = tmp_path / "data"
    before = tempfile.gettempdir()
    with private(data) as tmp:
        (data / "new.xlsx").write_bytes(b"x")
        (data / "sub").mkdir()
        fd, name = tempfile.mkstemp()
        os.close(fd)
        child = subprocess.run(["sh", "-c", 'echo "$TMPDIR"; umask'], capture_output=True, text=True)
    assert tmp == data / "tmp" and Path(name).parent == tmp
    assert child.stdout.split() == [str(tmp), "0077"]  # LibreOffice and friends inherit both
    assert modes(data)["new.xlsx"] == 0o600 and modes(data)["sub"] == 0o700 and modes(data)["."] == 0o700
    assert tempfile.gettempdir() == before and os.umask(0o022) == 0o022  # restored after the run


def test_a_reviewers_group_can_read_and_nobody_else(tmp_path: Path, umask_022: None) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving files to another group needs root")
    group = next((g for g in ("nogroup", "daemon", "users") if _exists(g)), None)
    if group is None:
        pytest.skip("no spare group on this machine")
    gid = grp.getgrnam(group).gr_gid
    data = tmp_path / "data"
    data.mkdir()
    (data / "old.xlsx").write_bytes(b"x")
    with private(data, group):
        (data / "new.xlsx").write_bytes(b"x")
    assert stat.S_IMODE(data.stat().st_mode) == 0o2750 and data.stat().st_gid == gid
    for name in ("old.xlsx", "new.xlsx"):
        st = (data / name).stat()
        assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o640, gid), name


def _exists(group: str) -> bool:
    try:
        grp.getgrnam(group)
    except KeyError:
        return False
    return True


def test_what_a_killed_run_left_is_swept_and_nothing_else(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "tmp" / "intake-lo-abc" / "in").mkdir(parents=True)
    (data / "tmp" / "intake-lo-abc" / "in" / "申报表.doc").write_bytes(b"applicant's file")
    (data / "tmp" / "mail-1.eml").write_bytes(b"spooled")
    (data / "files" / "ab").mkdir(parents=True)
    (data / "files" / "ab" / ".tmp-x1").write_bytes(b"half")
    (data / "files" / "ab" / "ab12.pdf").write_bytes(b"kept")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".wb.k3j.xlsx.tmp").write_bytes(b"half")
    (out / "wb.xlsx").write_bytes(b"kept")
    (out / "other.xlsx.tmp").write_bytes(b"not ours")
    assert sweep(data, [out / "wb.xlsx"]) == 4
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "data/files/ab/ab12.pdf",
        "out/other.xlsx.tmp",
        "out/wb.xlsx",
    ]
