"""Faults with names (issue 15): each gives exactly one line on stderr naming the file or setting, the
documented exit code, the same line in intake.log when the log can be written, no traceback, and no
half-written file.  Real faults where possible: a damaged file, a lock held by another process, a
read-only or full file system (a small tmpfs; needs root)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

import intake.store
from intake.store import Store
from tests.test_cli import invoke, write_config
from tests.test_run import at, make_mail, write_maildir


def log_lines(data_dir: Path, level: str = "ERROR") -> list[str]:
    import logging

    for handler in logging.getLogger().handlers:
        handler.flush()
    path = data_dir / "logs" / "intake.log"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [line for line in text.splitlines() if f" {level} " in line]


def close_log_file() -> None:
    from intake.logs import setup_logging

    setup_logging(data_dir=None)


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, write_maildir(tmp_path / "mail", [make_mail(1, at(10))]))


def test_a_store_that_is_not_a_database_is_named_exit_1(tmp_path: Path, config: Path) -> None:
    store = tmp_path / "data" / "intake.sqlite"
    store.parent.mkdir()
    store.write_bytes(b"this is not SQLite" * 100)
    code, out, err = invoke("run", "--config", str(config), "--quiet")
    line = one_line(err)
    assert code == 1 and out == ""
    assert line.startswith(f"intake: the store {store} is damaged or not an intake store (SQLite says:")
    assert "move it aside and the next run rebuilds it" in line
    assert [ln.split(" ERROR intake: ")[1] for ln in log_lines(tmp_path / "data")] == [
        line[len("intake: ") :]
    ]


def test_a_store_locked_by_another_program_is_exit_4_try_again(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("run", "--config", str(config), "--quiet")[0] == 0
    monkeypatch.setattr(intake.store, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(tmp_path / "data" / "intake.sqlite", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # e.g. a database browser with a write open
        code, _, err = invoke("run", "--config", str(config), "--quiet")
    finally:
        holder.close()
    line = one_line(err)
    assert code == 4
    assert line == (
        f"intake: the store {tmp_path / 'data' / 'intake.sqlite'} is locked by another program "
        "(database is locked); close it — the next run tries again"
    )
    assert log_lines(tmp_path / "data")[-1].endswith(line[len("intake: ") :])
    assert invoke("run", "--config", str(config), "--quiet")[0] == 0  # released: fine again


def test_a_read_only_data_dir_is_named_exit_1(tmp_path: Path, small_disk) -> None:
    disk = small_disk(1024 * 1024)
    cfg = write_config(tmp_path, write_maildir(tmp_path / "mail", [make_mail(1, at(10))]))
    cfg.write_text(cfg.read_text().replace('data_dir = "data"', f'data_dir = "{disk / "data"}"'))
    assert invoke("run", "--config", str(cfg), "--quiet")[0] == 0
    close_log_file()  # a file open for writing keeps the disk busy
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    code, out, err = invoke("run", "--config", str(cfg), "--quiet")
    line = one_line(err)
    assert code == 1 and out == ""
    assert line.startswith(f"intake: cannot write {disk / 'data'} (Read-only file system): data_dir and")
    assert "writable by user" in line


def test_a_store_damaged_inside_is_named_exit_1(tmp_path: Path, config: Path) -> None:
    assert invoke("run", "--config", str(config), "--quiet")[0] == 0
    close_log_file()
    store = tmp_path / "data" / "intake.sqlite"
    with store.open("r+b") as fh:  # the schema page after SQLite's 100-byte header: a bad sector
        fh.seek(100)
        fh.write(b"\xde\xad" * 1000)
    code, _, err = invoke("run", "--config", str(config), "--quiet")
    line = one_line(err)
    assert code == 1
    assert line.startswith(f"intake: the store {store} is damaged") and "malformed" in line
    assert "restore it from a backup" in line


def test_a_full_disk_during_a_run_is_named_leaves_nothing_half_written_and_the_next_run_completes(
    tmp_path: Path, small_disk
) -> None:
    import os

    disk = small_disk(2 * 1024 * 1024)
    attachment = os.urandom(1_600_000)  # ~2.2 MB as mailed: more than the disk has left
    mails = [make_mail(1, at(10)), make_mail(2, at(11), [("申报表.pdf", attachment, "application/pdf")])]
    cfg = write_config(tmp_path, write_maildir(tmp_path / "mail", mails))
    cfg.write_text(cfg.read_text().replace('data_dir = "data"', f'data_dir = "{disk / "data"}"'))
    code, out, err = invoke("run", "--config", str(cfg), "--quiet")
    line = one_line(err)
    assert code == 1 and out == ""
    assert line.startswith(f"intake: disk full: cannot write {disk / 'data'} (No space left on device); free")
    data = disk / "data"
    leftovers = [
        p for p in data.rglob("*") if p.is_file() and ("tmp" in p.relative_to(data).parts or ".tmp" in p.name)
    ]
    assert leftovers == []  # the half-written copy was removed
    close_log_file()
    subprocess.run(["mount", "-o", "remount,size=16m", str(disk)], check=True)  # the admin frees space
    code, out, err = invoke("status", "--config", str(cfg))
    assert code == 1 and "the disk is full since" in out
    code, out, err = invoke("run", "--config", str(cfg), "--quiet")
    assert (code, err) == (0, "")
    with Store(disk / "data") as store:
        assert sorted(r.subject for r in store.load_records()) == ["申报表 1", "申报表 2"]


def test_a_run_killed_during_conversion_leaves_its_files_in_data_dir_tmp_and_the_next_run_sweeps_them(
    tmp_path: Path,
) -> None:
    """The applicant's .doc sits in LibreOffice's working folder when the run is killed: that folder is
    under data_dir (private), never in /tmp, and the next run removes it."""
    import os
    import signal
    import sys
    import time

    hang = tmp_path / "bin" / "soffice"
    hang.parent.mkdir()
    hang.write_text("#!/bin/sh\nsleep 300\n")
    hang.chmod(0o755)
    doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000  # OLE header: sniffed as Word 97
    cfg = write_config(
        tmp_path,
        write_maildir(tmp_path / "mail", [make_mail(1, at(10), [("申报表.doc", doc, "application/msword")])]),
    )
    env = {**os.environ, "PATH": f"{hang.parent}:{os.environ['PATH']}"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from intake.cli import main; main()", "run", "--quiet", "--config", str(cfg)],
        env=env,
        cwd=Path(__file__).parent.parent,
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    work = tmp_path / "data" / "tmp"
    try:
        deadline = time.monotonic() + 60
        while not list(work.glob("intake-lo-*/in/*.doc")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list(work.glob("intake-lo-*/in/*.doc")), "the conversion never started"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert stat_mode(tmp_path / "data") == 0o700
    code, _, err = invoke("run", "--config", str(cfg), "--quiet")
    assert (code, err) == (0, "")
    assert list(work.iterdir()) == []
    with Store(tmp_path / "data") as store:
        assert [r.subject for r in store.load_records()] == ["申报表 1"]


def stat_mode(path: Path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


def test_when_the_log_file_cannot_be_written_the_cli_says_so_in_its_one_line(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import logging

    import intake.logs

    def refuse(self: logging.Handler, record: logging.LogRecord) -> None:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            self.handleError(record)

    monkeypatch.setattr(intake.logs._LogFile, "emit", refuse)  # the log's disk is full, the rest is not
    store = tmp_path / "data" / "intake.sqlite"
    store.parent.mkdir()
    store.write_bytes(b"this is not SQLite" * 100)
    code, _, err = invoke("run", "--config", str(config), "--quiet")
    line = one_line(err)
    assert code == 1 and line.startswith(f"intake: the store {store} is damaged")
    assert line.endswith(
        f"(and cannot write the log file {tmp_path / 'data' / 'logs' / 'intake.log'}: No space left on device)"
    )
