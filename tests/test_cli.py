"""CLI: every command has help, errors map to exit codes, the lock, export, parse, demo."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from intake.cli import main
from intake.lock import LockBusy, run_lock
from tests.test_run import DOCX, at, form_docx, make_mail, write_maildir

COMMANDS = ["run", "rerun", "report", "export", "demo", "parse", "check", "attachments"]


def write_config(tmp_path: Path, mailbox: Path) -> Path:
    text = f"""
[mailbox]
kind = "maildir"
path = "{mailbox}"

[intake]
deadline = "2024-12-17T23:59:59+08:00"
training_end_limit = "2025-10-31"
data_dir = "data"
workers = 1

[report]
workbook = "out/wb.xlsx"
summary_html = "out/summary.html"
export_jsonl = "out/export.jsonl"
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0 and "Usage:" in out and len(out.splitlines()) > 3


def test_top_level_help_lists_commands_and_exit_codes() -> None:
    code, out, _ = invoke("--help")
    assert code == 0 and "3 finished but some messages failed" in " ".join(out.split())
    assert all(c in out for c in COMMANDS)


def test_bad_config_exits_1_naming_the_key(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, tmp_path)
    cfg.write_text(cfg.read_text().replace('"2024-12-17T23:59:59+08:00"', '"2024-12-17"'), encoding="utf-8")
    code, _, err = invoke("run", "--config", str(cfg))
    assert code == 1
    assert err.strip() == (
        'intake: config: intake.deadline: expected an ISO 8601 datetime with offset, got "2024-12-17"'
    )
    code, _, err = invoke("run", "--config", str(tmp_path / "missing.toml"))
    assert code == 1 and "file not found" in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert invoke("rerun", "--since", "17/12/2024")[0] == 2
    assert invoke("run", "--no-such-option")[0] == 2
    assert invoke("nonsense")[0] == 2
    cfg = write_config(tmp_path, tmp_path)
    assert invoke("rerun", "--config", str(cfg), "--since", "2024-12-18", "--until", "2024-12-17")[0] == 2


def test_run_then_export_and_report(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "mail", [make_mail(1, at(10)), make_mail(2, at(18, 9))])
    cfg = write_config(tmp_path, box)
    code, out, _ = invoke("run", "--config", str(cfg))
    assert code == 0 and "2 processed (2 new" in out
    code, out, _ = invoke("export", "--config", str(cfg))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [m["subject"] for m in lines] == ["申报表 1", "申报表 2"]
    assert [f["code"] for f in lines[1]["flags"]].count("late") == 1
    target = tmp_path / "x.jsonl"
    assert invoke("export", "--config", str(cfg), "-o", str(target))[0] == 0
    assert target.read_text(encoding="utf-8") == out
    (tmp_path / "out" / "export.jsonl").unlink()
    code, out, _ = invoke("report", "--config", str(cfg), "--quiet")
    assert code == 0 and (tmp_path / "out" / "export.jsonl").read_text(encoding="utf-8") == target.read_text(
        encoding="utf-8"
    )


def test_failed_message_gives_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import intake.mime

    def broken(raw: bytes) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(intake.mime, "parse_mail", broken)
    cfg = write_config(tmp_path, write_maildir(tmp_path / "mail", [make_mail(1, at(10))]))
    code, out, _ = invoke("run", "--config", str(cfg))
    assert code == 3 and "1 failed" in out


def test_a_run_while_another_holds_the_lock_exits_0_silent_under_quiet(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, write_maildir(tmp_path / "mail", []))
    with run_lock(tmp_path / "data"):
        started = time.monotonic()
        quiet = invoke("run", "--config", str(cfg), "--quiet")
        loud = invoke("run", "--config", str(cfg))
    assert time.monotonic() - started < 5
    assert quiet == (0, "", "")  # cron mails nothing while a long run is going
    line = f"another intake run is in progress (pid {os.getpid()}): this run does nothing"
    assert (
        loud[0] == 0
        and loud[1] == ""
        and [ln for ln in loud[2].splitlines() if ln]
        == [ln for ln in loud[2].splitlines() if line in ln and " INFO " in ln]
    )
    assert loud[2].count(line) == 1
    assert log_text(tmp_path).count(line) == 2  # both runs leave their line in the log
    assert invoke("run", "--config", str(cfg))[0] == 0  # released


def log_text(tmp_path: Path) -> str:
    import logging

    for handler in logging.getLogger().handlers:
        handler.flush()
    return (tmp_path / "data" / "logs" / "intake.log").read_text(encoding="utf-8")


def test_lock_of_a_killed_process_is_not_stale(tmp_path: Path) -> None:
    code = (
        f"import time; from pathlib import Path; from intake.lock import run_lock\n"
        f"with run_lock(Path({str(tmp_path)!r})):\n    print('locked', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"locked"
        with pytest.raises(LockBusy) as info, run_lock(tmp_path):
            pass
        assert info.value.pid == proc.pid
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    with run_lock(tmp_path):  # the kernel dropped the dead process's lock
        assert (tmp_path / "intake.lock").read_text().strip() == str(os.getpid())


def test_parse_prints_fields_and_debug_pairs(tmp_path: Path) -> None:
    fields, docx = form_docx(3)
    path = tmp_path / "申报表.docx"
    path.write_bytes(docx)
    code, out, _ = invoke("parse", str(path))
    got = json.loads(out)
    assert code == 0 and got["is_form"] and got["fields"]["project_name"] == fields["project_name"]
    assert "raw_pairs" not in got
    code, out, _ = invoke("parse", str(path), "--debug")
    assert json.loads(out)["raw_pairs"]
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 broken")
    code, out, _ = invoke("parse", str(bad))
    assert code == 3 and json.loads(out)["error"]


@pytest.mark.slow
def test_demo_needs_no_config_and_writes_under_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, _ = invoke("demo", "--quiet")
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake-demo"]
    demo = tmp_path / "intake-demo"
    assert (demo / "申报汇总.xlsx").is_file() and (demo / "export.jsonl").is_file()
    assert len((demo / "export.jsonl").read_text(encoding="utf-8").splitlines()) == len(
        list((demo / "mailbox" / "cur").iterdir()) + list((demo / "mailbox" / "new").iterdir())
    )


def test_attachment_fixture_is_a_real_docx() -> None:
    # guards the helpers other tests rely on: the generated form is a docx the sniffer recognises
    from parsers.sniff import sniff_kind

    assert sniff_kind(form_docx(1)[1]) == "docx" and DOCX.endswith("document")


def test_forked_child_does_not_keep_the_lock_after_the_run_is_killed(tmp_path: Path) -> None:
    # parser workers are forked while the lock is held: kill -9 of the main process must free it
    code = (
        "import os, time; from pathlib import Path; from intake.lock import run_lock\n"
        f"with run_lock(Path({str(tmp_path)!r})):\n"
        "    child = os.fork()\n"
        "    if child == 0:\n        print(os.getpid(), flush=True); time.sleep(60); os._exit(0)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent
    )
    child = 0
    try:
        assert proc.stdout is not None
        child = int(proc.stdout.readline())  # printed by the child once the fork handlers ran
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        with run_lock(tmp_path):  # the orphaned child is still alive and holds nothing
            os.kill(child, 0)
    finally:
        if proc.poll() is None:
            proc.kill()
        if child:
            os.kill(child, signal.SIGKILL)


def test_run_logs_a_line_per_message_and_never_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    secret = "Sq9-auth-code-4711"
    monkeypatch.setenv("INTAKE_IMAP_PASSWORD", secret)
    box = write_maildir(tmp_path / "mail", [make_mail(1, at(10)), make_mail(2, at(11))])
    cfg = write_config(tmp_path, box)
    try:
        assert invoke("run", "--config", str(cfg), "--quiet")[0] == 0
        logging.getLogger("test").warning("a careless line: %s", secret)
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
    text = (tmp_path / "data" / "logs" / "intake.log").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "outcome=" in line]
    assert len(lines) == 2 and all(
        "INFO" in line and "uid=" in line and "from=unit" in line for line in lines
    )
    assert secret not in text


def test_parse_goes_through_the_worker_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`intake parse` reads files the way a run does: in DocumentParser's worker processes."""
    from intake.isolate import DocumentParser

    used: list[int] = []
    real = DocumentParser.parse_all

    def spy(self: DocumentParser, docs: Any, **kw: Any) -> Any:
        used.append(self.workers)
        return real(self, docs, **kw)

    monkeypatch.setattr(DocumentParser, "parse_all", spy)
    _, docx = form_docx(4)
    (tmp_path / "a.docx").write_bytes(docx)
    code, out, _ = invoke("parse", str(tmp_path / "a.docx"))
    assert code == 0 and json.loads(out)["is_form"] and used == [1]


def test_check_fails_naming_libreoffice_when_it_is_not_on_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path, write_maildir(tmp_path / "mail", []))
    empty = tmp_path / "bin"
    empty.mkdir()
    code, out, _ = invoke("check", "--config", str(cfg))
    assert code == 0 and "[OK  ] LibreOffice (soffice): installed" in out  # this machine has it
    monkeypatch.setenv("PATH", str(empty))
    code, out, _ = invoke("check", "--config", str(cfg))
    assert code == 1
    (line,) = [ln for ln in out.splitlines() if "LibreOffice" in ln]
    assert line.startswith("[FAIL] LibreOffice (soffice): not installed: LibreOffice（用于读取 .doc/.wps")
    assert "apt-get install libreoffice-writer-nogui fonts-noto-cjk" in line


def test_rerun_says_how_many_fall_in_the_range_how_many_are_unchanged_and_points_to_force(
    tmp_path: Path,
) -> None:
    mails = [make_mail(i, at(day)) for i, day in enumerate((9, 10, 11, 12, 16, 18), start=1)]
    cfg = write_config(tmp_path, write_maildir(tmp_path / "mail", mails))
    assert invoke("run", "--config", str(cfg), "--quiet")[0] == 0
    code, out, _ = invoke("rerun", "--config", str(cfg), "--since", "2024-12-10", "--until", "2024-12-16")
    first = out.splitlines()[0]
    assert code == 0
    assert first.endswith(
        ": 4 mail(s) received in the range; 0 processed (0 new, 0 updated), 0 failed; 4 unchanged (same "
        "bytes, same rules version: skipped, --force recomputes them)"
    )
    code, out, _ = invoke(
        "rerun", "--config", str(cfg), "--since", "2024-12-10", "--until", "2024-12-16", "--force"
    )
    assert code == 0 and ": 4 mail(s) received in the range; 4 processed (0 new, 0 updated), 0 failed" in out
    assert "unchanged" not in out


def test_status_reports_the_last_run_and_exits_with_its_code(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path, write_maildir(tmp_path / "mail", [make_mail(1, at(10)), make_mail(2, at(11))])
    )
    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 1 and "no scheduled run (intake run) has finished yet" in out
    assert invoke("run", "--config", str(cfg), "--quiet")[0] == 0
    code, out, _ = invoke("status", "--config", str(cfg))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("last run: 20") and "+08:00 (run 1, " in lines[0]
    assert lines[0].endswith("ok, exit 0 — 2 new, 0 updated, 0 failed; 2 looked at, 0 skipped")
    assert lines[-1] == "no standing problems"
    from intake.store import Store

    with Store(tmp_path / "data") as store:  # a run that was killed: started, never finished
        store.start_run("run", "v", datetime.now(UTC))
    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 1 and "never finished (killed?)" in out


def test_the_progress_bar_counts_mails_not_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import rich.progress

    from intake import progress as progress_module

    seen: list[tuple[float | None, float]] = []
    real = rich.progress.Progress.advance

    def advance(self: Any, task: Any, advance: float = 1) -> None:
        real(self, task, advance)
        seen.append((self.tasks[0].total, self.tasks[0].completed))

    monkeypatch.setattr(rich.progress.Progress, "advance", advance)
    monkeypatch.setattr(progress_module, "bar_wanted", lambda enabled: True)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    batches = [[1, 2, 3], [4, 5, 6], [7]]
    assert list(progress_module.progress(batches, 7, enabled=True, label="INBOX", units=len)) == batches
    assert seen == [(7, 3), (7, 6), (7, 7)]
