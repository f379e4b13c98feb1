"""intake runs end to end against a real Dovecot: exactly once, read-only, receipt time, faults.

These go through intake.run.run_intake (or the `intake` CLI in a subprocess) with an imap config, so
they need the whole pipeline; they skip, naming the missing module, until every part has landed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.dovecot import ImapProxy

pytestmark = pytest.mark.dovecot

BJ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
DEADLINE = "2024-03-05T23:59:59+08:00"
PIPELINE = (
    "intake.run",
    "intake.mime",
    "intake.archive",
    "intake.isolate",
    "intake.review",
    "samples.formgen",
    "parsers.convert",
    "parsers.pairing",
    "parsers.docx_form",
    "reports.export",
    "reports.summary",
    "reports.workbook",
)


@pytest.fixture(autouse=True)
def _pipeline() -> None:
    missing = [m for m in PIPELINE if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"pipeline not complete yet: {', '.join(missing)} missing")


# ---------------------------------------------------------------- helpers


def submission(seed: int, *, date_header: datetime | None = None, pad: int = 0) -> tuple[bytes, str]:
    """A realistic submission mail (a filled 申报表 .docx; `pad` bytes of embedded photo); and its Message-ID."""
    from samples.formgen import build_form_docx, sample_fields

    docx = build_form_docx(sample_fields(seed))
    if pad:
        buf = io.BytesIO(docx)
        with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_STORED) as z:
            z.writestr("word/media/image1.jpeg", os.urandom(pad))
        docx = buf.getvalue()
    msg = EmailMessage()
    msg["From"] = f"申报单位{seed} <unit{seed}@example.cn>"
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = f"继续教育项目申报表 {seed}"
    msg_id = make_msgid(domain="example.cn")
    msg["Message-ID"] = msg_id
    msg["Date"] = format_datetime(date_header or datetime(2024, 3, 1, 9, 0, tzinfo=BJ))
    msg.set_content("附件为申报表，请查收。")
    msg.add_attachment(
        docx,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename=f"申报表{seed}.docx",
    )
    return msg.as_bytes(), msg_id


def fill(server: Any, user: Any, n: int, *, folder: str = "INBOX", start: int = 0, pad: int = 0) -> list[str]:
    mails = [submission(start + i, pad=pad) for i in range(n)]
    server.append_many(
        user, folder, [(m, datetime(2024, 3, 1, 9, i % 60, tzinfo=BJ)) for i, (m, _) in enumerate(mails)]
    )
    return [mid for _, mid in mails]


def config_data(tmp_path: Path, server: Any, user: Any, **mailbox: Any) -> dict[str, Any]:
    box = {
        "kind": "imap",
        "host": "127.0.0.1",
        "port": server.port,
        "security": "plain",
        "username": user.name,
        "password_env": user.password_env,
        "folders": ["INBOX"],
        "connect_timeout": 5,
        "read_timeout": 10,
        "batch_size": 5,
    }
    box.update(mailbox)
    return {
        "mailbox": box,
        "intake": {
            "deadline": DEADLINE,
            "training_end_limit": "2024-10-31",
            "data_dir": str(tmp_path / "data"),
            "workers": 1,
        },
    }


def make_config(tmp_path: Path, server: Any, user: Any, **mailbox: Any) -> Any:
    from intake.config import build_config

    return build_config(config_data(tmp_path, server, user, **mailbox), base_dir=tmp_path)


def write_toml(tmp_path: Path, data: dict[str, Any]) -> Path:
    def value(v: Any) -> str:
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v).lower() if isinstance(v, bool) else str(v)

    lines = []
    for section, table in data.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {value(v)}" for k, v in table.items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(config: Any) -> list[Any]:
    from intake.store import Store

    with Store(config.intake.data_dir) as store:
        return store.load_records()


def assert_exactly_once(config: Any, message_ids: list[str]) -> list[Any]:
    recs = records(config)
    counts = Counter(r.message_id for r in recs)
    assert sorted(counts) == sorted(message_ids), "a message is missing or foreign"
    assert max(counts.values()) == 1, f"processed twice: {[k for k, v in counts.items() if v > 1]}"
    return recs


def workbook_message_ids(config: Any) -> list[str]:
    """The Message-ID of each mail in the workbook (技术信息: one row per form, or per mail without one),
    after checking 邮件日志 has one row per mail."""
    from openpyxl import load_workbook

    wb = load_workbook(config.report.workbook, read_only=True)
    ws = wb["技术信息"]
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    key, col = header.index("邮件编号"), header.index("Message-ID")
    by_mail = {row[key]: row[col] for row in ws.iter_rows(min_row=2, values_only=True) if row[key]}
    mails = sum(1 for _ in wb["邮件日志"].iter_rows(min_row=2, values_only=True))
    wb.close()
    assert mails == len(by_mail)
    return [i for i in by_mail.values() if i]


def run(config: Any, **kwargs: Any) -> Any:
    from intake.run import run_intake

    return run_intake(config, **kwargs)


def cli(config_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`intake ARGS --config PATH` in its own process group (so a test can clean up every process)."""
    return subprocess.Popen(
        [sys.executable, "-c", "from intake.cli import main; main()", *args, "--config", str(config_path)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


# ---------------------------------------------------------------- read-only, receipt time, incremental


def test_a_run_leaves_the_mailbox_unchanged(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 3)
    before = dovecot.messages(user)
    config = make_config(tmp_path, dovecot, user)
    summary = run(config)
    assert summary.exit_code == 0 and summary.new == 3
    assert dovecot.messages(user) == before  # no \Seen, nothing deleted or moved
    assert all(flags == () for flags in before.values())
    recs = assert_exactly_once(config, ids)
    assert {(r.folder, r.uidvalidity) for r in recs} == {("INBOX", dovecot.uidvalidity(user))}
    assert sorted(r.uid for r in recs) == sorted(before)
    exported = [
        json.loads(line) for line in config.report.export_jsonl.read_text(encoding="utf-8").splitlines()
    ]
    assert sorted((e["folder"], e["uidvalidity"], e["uid"]) for e in exported) == sorted(
        (r.folder, r.uidvalidity, r.uid) for r in recs
    )


def test_opt_in_keyword_is_added_only_after_commit_and_sets_no_seen(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 3)
    config = make_config(tmp_path, dovecot, user, post_action="keyword:$Intake")
    assert run(config).exit_code == 0
    flags = dovecot.messages(user)
    assert set(flags.values()) == {(b"$Intake",)}  # keyword on every stored message, \Seen on none
    assert_exactly_once(config, ids)


def test_lateness_follows_the_receipt_time_not_the_date_header(dovecot, tmp_path):
    user = dovecot.new_user()
    cases = {  # name: (INTERNALDATE, Date header, late?)
        "on_time_but_header_says_late": (
            datetime(2024, 3, 5, 23, 30, tzinfo=BJ),
            datetime(2024, 3, 6, 9, 0, tzinfo=BJ),
            False,
        ),
        "late_but_header_says_on_time": (
            datetime(2024, 3, 6, 0, 5, tzinfo=BJ),
            datetime(2024, 3, 5, 23, 0, tzinfo=BJ),
            True,
        ),
        "utc_1630_on_deadline_day": (
            datetime(2024, 3, 5, 16, 30, tzinfo=UTC),
            datetime(2024, 3, 5, 22, 0, tzinfo=BJ),
            True,
        ),
    }
    by_id = {}
    for i, (name, (received, header, late)) in enumerate(cases.items()):
        data, mid = submission(100 + i, date_header=header)
        dovecot.append(user, "INBOX", data, received)
        by_id[mid] = (name, received, late)
    config = make_config(tmp_path, dovecot, user)
    run(config)
    recs = assert_exactly_once(config, list(by_id))
    for r in recs:
        name, received, late = by_id[r.message_id]
        assert r.received_at == received and r.received_at.tzinfo is not None, name
        codes = {f.code for f in r.flags}
        assert ("late" in codes) == late, (name, codes)
        assert "date_header_mismatch" in codes, (name, codes)  # every header here lies by over an hour


def test_new_mail_between_runs_is_fetched_once(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 2)
    config = make_config(tmp_path, dovecot, user)
    first = run(config)
    assert (first.listed, first.new) == (2, 2)
    idle = run(config)
    assert (idle.listed, idle.processed, idle.new) == (0, 0, 0)  # `UID n:*` returns the last one: filtered
    ids += fill(dovecot, user, 1, start=2)
    second = run(config)
    assert (second.listed, second.processed, second.new) == (1, 1, 1)
    assert_exactly_once(config, ids)


def test_mail_arriving_during_a_run_is_fetched_by_the_next_run_once(dovecot, tmp_path):
    import threading

    user = dovecot.new_user()
    ids = fill(dovecot, user, 6)
    with ImapProxy(dovecot.port, fetch_delay_s=0.2) as slow:
        config = make_config(tmp_path, dovecot, user, port=slow.port, batch_size=2)
        result: dict[str, Any] = {}
        worker = threading.Thread(target=lambda: result.update(first=run(config)))
        worker.start()
        assert _wait_for(lambda: _stored(tmp_path / "data") >= 1, 30)
        late_ids = fill(dovecot, user, 1, start=6)  # arrives while the run is fetching
        worker.join(60)
    assert result["first"].exit_code == 0
    second = run(make_config(tmp_path, dovecot, user))
    assert result["first"].new + second.new == 7 and second.new >= 1
    assert_exactly_once(config, ids + late_ids)


def test_uidvalidity_reset_processes_nothing_twice_and_skips_nothing(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 3, folder="申报材料")
    config = make_config(tmp_path, dovecot, user, folders=["INBOX", "申报材料"])
    assert run(config).new == 3
    old = dovecot.uidvalidity(user, "申报材料")
    dovecot.recreate_folder(user, "申报材料")  # same mails, new UIDVALIDITY, UIDs restart at 1
    ids += fill(dovecot, user, 1, folder="申报材料", start=3)
    summary = run(config)
    assert summary.new == 1 and summary.exit_code == 0
    recs = assert_exactly_once(config, ids)
    new = dovecot.uidvalidity(user, "申报材料")
    assert new != old and {r.uidvalidity for r in recs} == {new}
    assert sorted(r.uid for r in recs) == sorted(dovecot.messages(user, "申报材料"))
    assert sorted(workbook_message_ids(config)) == sorted(ids)


def test_rerun_range_is_exact_in_the_office_zone(dovecot, tmp_path):
    from datetime import date

    user = dovecot.new_user()
    stamps = [
        datetime(2024, 3, 3, 23, 55, tzinfo=BJ),  # before the range (15:55 UTC on the 3rd)
        datetime(2024, 3, 4, 0, 5, tzinfo=BJ),  # first minutes of the range (16:05 UTC on the 3rd)
        datetime(2024, 3, 5, 23, 55, tzinfo=BJ),  # last minutes of the range
        datetime(2024, 3, 6, 0, 5, tzinfo=BJ),  # after it (16:05 UTC on the 5th: same UTC day as the above)
    ]
    ids = []
    for i, when in enumerate(stamps):
        data, mid = submission(200 + i)
        dovecot.append(user, "INBOX", data, when)
        ids.append(mid)
    config = make_config(tmp_path, dovecot, user)
    assert run(config).new == 4
    again = run(config, mode="rerun", since=date(2024, 3, 4), until=date(2024, 3, 5), force=True)
    assert again.processed == 2 and again.new == 0
    assert_exactly_once(config, ids)


# ---------------------------------------------------------------- faults on the wire


def test_connection_cut_mid_fetch_recovers_and_loses_nothing(dovecot, tmp_path):
    from intake.mailbox import ImapMailbox

    user = dovecot.new_user()
    ids = fill(dovecot, user, 8, pad=30_000)
    with ImapProxy(dovecot.port, cut_fetch_after=100_000) as proxy:
        config = make_config(tmp_path, dovecot, user, port=proxy.port)
        summary = run(config, mailbox=ImapMailbox(config.mailbox, backoff_s=0.01))
        assert proxy.cuts == 1
    assert summary.exit_code in (0, 3)
    again = run(make_config(tmp_path, dovecot, user))
    assert again.exit_code == 0
    assert_exactly_once(config, ids)
    assert sorted(workbook_message_ids(config)) == sorted(ids)


def test_a_connection_that_stays_down_exits_4_and_the_next_run_completes(dovecot, tmp_path):
    from intake.mailbox import ImapMailbox

    user = dovecot.new_user()
    ids = fill(dovecot, user, 8, pad=30_000)
    with ImapProxy(dovecot.port, cut_fetch_after=100_000, stay_down=True) as proxy:
        config = make_config(tmp_path, dovecot, user, port=proxy.port, batch_size=2)
        # the first batch of two (~85 KB) goes through; the second is cut, and the server stays away
        summary = run(config, mailbox=ImapMailbox(config.mailbox, attempts=3, backoff_s=0.01))
        assert proxy.cuts == 1
    assert summary.exit_code == 4 and summary.aborted  # try again later
    committed = len(records(config))
    assert committed < len(ids)
    again = run(make_config(tmp_path, dovecot, user))
    assert again.exit_code == 0 and again.new == len(ids) - committed
    assert_exactly_once(config, ids)


def test_a_message_the_server_will_not_send_does_not_block_the_mailbox(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 3)
    with ImapProxy(dovecot.port, refuse_body_of=[2]) as proxy:
        config = make_config(tmp_path, dovecot, user, port=proxy.port)
        summary = run(config)
    assert summary.new == 3
    recs = {r.uid: r for r in records(config)}
    assert sorted(recs) == [1, 2, 3]
    assert recs[2].message_id is None and not recs[2].attachments  # visible to reviewers as empty/unreadable
    assert {recs[1].message_id, recs[3].message_id} <= set(ids)
    assert run(make_config(tmp_path, dovecot, user)).processed == 0  # not retried forever


def test_163_unsafe_login_until_id_is_sent(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 2)
    with ImapProxy(dovecot.port, unsafe_login=True) as proxy:
        config = make_config(tmp_path, dovecot, user, port=proxy.port)
        assert run(config).exit_code == 0
        assert all("ID" in cmds for cmds in proxy.commands if "LOGIN" in cmds)
    assert_exactly_once(config, ids)


def test_wrong_authorization_code_exits_1_at_once_without_retrying(dovecot, tmp_path):
    user = dovecot.new_user()
    fill(dovecot, user, 1)
    with ImapProxy(dovecot.port) as proxy:
        path = write_toml(tmp_path, config_data(tmp_path, dovecot, user, port=proxy.port))
        start = time.monotonic()
        proc = cli(path, "run", env={user.password_env: "wrong-code"})
        out, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - start
        logins = sum(cmds.count("LOGIN") for cmds in proxy.commands)
    assert proc.returncode == 1, err
    assert "授权码" in err and "wrong-code" not in err + out
    assert logins == 1
    assert elapsed < 15


# ---------------------------------------------------------------- crashes and overlap (subprocesses)


def _wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _stored(data_dir: Path) -> int:
    from intake.store import DB_NAME

    db = data_dir / DB_NAME
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    except sqlite3.Error:
        return 0


def _kill_9_then_run_again(dovecot: Any, tmp_path: Path, *, whole_group: bool) -> None:
    user = dovecot.new_user()
    ids = fill(dovecot, user, 20, pad=20_000)
    with ImapProxy(dovecot.port, fetch_delay_s=0.05) as slow:
        data = config_data(tmp_path, dovecot, user, port=slow.port, batch_size=2)
        path = write_toml(tmp_path, data)
        proc = cli(path, "run", "--quiet")
        try:
            assert _wait_for(lambda: _stored(tmp_path / "data") >= 3 or proc.poll() is not None, 60)
            if whole_group:
                kill_group(proc)
            else:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
            assert 0 < _stored(tmp_path / "data") < len(ids)
            data["mailbox"]["port"] = dovecot.port
            path = write_toml(tmp_path, data)
            again = cli(path, "run", "--quiet")
            _out, err = again.communicate(timeout=120)
            assert again.returncode == 0, err
        finally:
            kill_group(proc)  # whatever the killed run left behind
    config = make_config(tmp_path, dovecot, user)
    assert_exactly_once(config, ids)
    assert sorted(workbook_message_ids(config)) == sorted(ids)  # the workbook is complete


def test_kill_9_of_the_run_and_its_workers_then_run_again_every_message_once(dovecot, tmp_path):
    _kill_9_then_run_again(dovecot, tmp_path, whole_group=True)


def test_kill_9_of_the_main_process_only_then_run_again_every_message_once(dovecot, tmp_path):
    _kill_9_then_run_again(dovecot, tmp_path, whole_group=False)


def test_two_overlapping_runs_the_second_exits_0_silently_no_duplicates(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 10, pad=20_000)
    with ImapProxy(dovecot.port, fetch_delay_s=0.05) as slow:
        path = write_toml(tmp_path, config_data(tmp_path, dovecot, user, port=slow.port, batch_size=2))
        first = cli(path, "run", "--quiet")
        lock = tmp_path / "data" / "intake.lock"
        assert _wait_for(lambda: lock.exists() and lock.read_text().strip() != "", 30)
        start = time.monotonic()
        second = cli(path, "run", "--quiet")
        out2, err2 = second.communicate(timeout=60)
        waited = time.monotonic() - start
        _out1, err1 = first.communicate(timeout=120)
        kill_group(first)
    assert first.returncode == 0, err1
    assert (second.returncode, out2, err2) == (0, "", "")  # under --quiet: nothing for cron to mail
    assert waited < 10  # it did not hang behind the first run
    config = make_config(tmp_path, dovecot, user)
    assert_exactly_once(config, ids)
    assert sorted(workbook_message_ids(config)) == sorted(ids)


# ---------------------------------------------------------------- one mail, one row (issue 15)


def _mail_log(config: Any) -> dict[str, str]:
    """Message-ID → 邮件编号 (folder/uidvalidity/uid) in the workbook (技术信息: reviewer sheets show no ids)."""
    from openpyxl import load_workbook

    wb = load_workbook(config.report.workbook, read_only=True)
    rows = list(wb["技术信息"].iter_rows(values_only=True))
    wb.close()
    header = list(rows[0])
    mid, key = header.index("Message-ID"), header.index("邮件编号")
    return {r[mid]: r[key] for r in rows[1:] if r[mid]}


def _move(server: Any, user: Any, uid: int, source: str, target: str) -> int:
    """What a mail client does without MOVE: COPY, flag \\Deleted, UID EXPUNGE; the new UID."""
    c = server.client(user)
    try:
        c.select_folder(source)
        c.copy([uid], target)
        c.add_flags([uid], [b"\\Deleted"], silent=True)
        c.uid_expunge([uid])
        c.select_folder(target, readonly=True)
        return int(max(c.search(["ALL"])))
    finally:
        c.logout()


def test_a_mail_moved_from_spam_to_inbox_keeps_one_identity(dovecot, tmp_path):
    user = dovecot.new_user()
    spam = fill(dovecot, user, 2, folder="垃圾邮件")
    ids = spam + fill(dovecot, user, 1, start=2)
    config = make_config(tmp_path, dovecot, user, folders=["INBOX", "垃圾邮件"])
    assert run(config).new == 3
    moved_uid = _move(dovecot, user, 1, "垃圾邮件", "INBOX")  # staff: "这不是垃圾邮件"
    again = run(config)
    assert (again.new, again.processed, again.exit_code) == (0, 0, 0)
    recs = {r.message_id: r for r in assert_exactly_once(config, ids)}
    inbox = dovecot.uidvalidity(user, "INBOX")
    assert (recs[spam[0]].folder, recs[spam[0]].uid) == ("INBOX", moved_uid)  # where it is now
    assert _mail_log(config)[spam[0]] == f"INBOX/{inbox}/{moved_uid}" and len(_mail_log(config)) == 3
    assert run(config).processed == 0  # stays put


def test_a_mail_re_appended_with_a_new_uid_is_the_same_mail(dovecot, tmp_path):
    user = dovecot.new_user()
    ids = fill(dovecot, user, 2)
    config = make_config(tmp_path, dovecot, user)
    assert run(config).new == 2
    c = dovecot.client(user)  # a client's "repair folder": expunge and append the same bytes again
    try:
        c.normalise_times = False
        c.select_folder("INBOX")
        item = c.fetch([1], [b"BODY.PEEK[]", b"INTERNALDATE"])[1]
        c.add_flags([1], [b"\\Deleted"], silent=True)
        c.uid_expunge([1])
        c.append("INBOX", bytes(item[b"BODY[]"]), msg_time=item[b"INTERNALDATE"])
    finally:
        c.logout()
    assert run(config).new == 0
    recs = assert_exactly_once(config, ids)
    assert sorted(r.uid for r in recs) == [2, 3]
    assert sorted(_mail_log(config).values()) == [f"INBOX/{dovecot.uidvalidity(user)}/{u}" for u in (2, 3)]


def test_a_post_action_move_into_a_configured_folder_keeps_one_identity(dovecot, tmp_path):
    user = dovecot.new_user()
    dovecot.create_folder(user, "已处理")
    ids = fill(dovecot, user, 3)
    config = make_config(tmp_path, dovecot, user, folders=["INBOX", "已处理"], post_action="move:已处理")
    assert run(config).new == 3
    assert dovecot.messages(user) == {} and len(dovecot.messages(user, "已处理")) == 3
    again = run(config)
    assert (again.new, again.processed) == (0, 0)
    recs = assert_exactly_once(config, ids)
    assert {r.folder for r in recs} == {"已处理"}
    assert sorted(r.uid for r in recs) == sorted(dovecot.messages(user, "已处理"))
