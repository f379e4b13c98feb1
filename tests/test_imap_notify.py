"""Notices drafted into a real Dovecot: the special-use drafts folder, \\Draft, threading, encodings a client
decodes, exactly once across reruns and crashes, a resubmission's own notice, nobody answered who must not be."""

from __future__ import annotations

import email
import sqlite3
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.dovecot import ImapProxy
from tests.test_imap_run import cli, config_data, submission, write_toml

pytestmark = pytest.mark.dovecot

BJ = ZoneInfo("Asia/Shanghai")
OFFICE = "office@hbzsgx.example.cn"
DRAFTS = "草稿箱"


def make_config(tmp_path: Path, server: Any, user: Any, **notify: Any) -> Any:
    from intake.config import build_config

    data = config_data(tmp_path, server, user)
    data["notify"] = {"from_address": OFFICE, "contact": "027-87654321", **notify}
    return build_config(data, base_dir=tmp_path)


def mailbox_with_drafts(server: Any) -> Any:
    user = server.new_user()
    server.create_folder(user, DRAFTS)  # flagged \Drafts by the fixture's SPECIAL-USE config
    return user


def put(server: Any, user: Any, data: bytes, minute: int = 0) -> None:
    server.append(user, "INBOX", data, datetime(2024, 3, 1, 9, minute, tzinfo=BJ))


def plain_mail(sender: str, subject: str, **headers: str) -> tuple[bytes, str]:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OFFICE
    msg["Subject"] = subject
    mid = make_msgid(domain="example.cn")
    msg["Message-ID"] = mid
    msg["Date"] = format_datetime(datetime(2024, 3, 1, 9, 0, tzinfo=BJ))
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("您好，附件请查收。")
    return msg.as_bytes(), mid


def drafts(server: Any, user: Any) -> dict[int, tuple[tuple[bytes, ...], bytes]]:
    """UID → (flags, message bytes) of the drafts folder, read-only."""
    c = server.client(user)
    try:
        c.select_folder(DRAFTS, readonly=True)
        uids = c.search(["ALL"])
        rows = c.fetch(uids, [b"FLAGS", b"BODY.PEEK[]"]) if uids else {}
        return {u: (tuple(v[b"FLAGS"]), bytes(v[b"BODY[]"])) for u, v in rows.items()}
    finally:
        c.logout()


def run_and_notify(config: Any, **kwargs: Any) -> Any:
    from intake.notify import notify
    from intake.run import run_intake

    assert run_intake(config).exit_code == 0
    return notify(config, **kwargs)


def ledger(config: Any) -> list[tuple[str, str, str, int | None]]:
    db = sqlite3.connect(config.data_dir / "intake.sqlite")
    try:
        return sorted(db.execute("SELECT identity, status, notice_message_id, uid FROM notices"))
    finally:
        db.close()


def test_notices_are_drafted_threaded_and_readable_and_never_twice(dovecot: Any, tmp_path: Path) -> None:
    user = mailbox_with_drafts(dovecot)
    first, first_id = submission(1)
    second, second_id = submission(2)
    put(dovecot, user, first, 1)
    put(dovecot, user, second, 2)
    inbox_before = dovecot.messages(user)
    config = make_config(tmp_path, dovecot, user)

    result = run_and_notify(config)
    assert (result.done, result.failed, result.folder) == (2, 0, DRAFTS)
    found = drafts(dovecot, user)
    assert len(found) == 2
    assert all(b"\\Draft" in flags for flags, _ in found.values())
    assert dovecot.messages(user) == inbox_before  # the applicants' mail is untouched

    by_reply = {}
    for _, data in found.values():
        parsed = email.message_from_bytes(data, policy=default)
        by_reply[parsed["In-Reply-To"]] = (parsed, data)
    assert set(by_reply) == {first_id, second_id}
    parsed, data = by_reply[first_id]
    assert parsed["References"].split()[-1] == first_id
    assert parsed["Subject"] == "Re: 继续教育项目申报表 1"
    assert b"=?utf-8?" in data.split(b"\r\n\r\n", 1)[0]  # the subject travels as RFC 2047 words
    assert parsed["To"].addresses[0].addr_spec == "unit1@example.cn"
    assert parsed["From"].addresses[0].addr_spec == OFFICE
    text = parsed.get_content()
    assert "【补正通知】" in text and "缺少盖章扫描 PDF 版申报表" in text and "027-87654321" in text

    from intake.mime import parse_mail

    ours = parse_mail(data)
    assert ours.subject == "Re: 继续教育项目申报表 1" and "缺少盖章扫描 PDF 版申报表" in ours.body_text
    rows = ledger(config)
    assert {r[1] for r in rows} == {"drafted"} and {r[2] for r in rows} == {
        email.message_from_bytes(d, policy=default)["Message-ID"] for _, d in found.values()
    }
    assert {r[3] for r in rows} == set(found)  # APPENDUID recorded

    again = run_and_notify(config)
    assert (again.done, again.already) == (0, 2)
    assert len(drafts(dovecot, user)) == 2


def test_a_resubmission_gets_its_own_notice(dovecot: Any, tmp_path: Path) -> None:
    user = mailbox_with_drafts(dovecot)
    data, _ = submission(5)
    put(dovecot, user, data, 1)
    config = make_config(tmp_path, dovecot, user)
    assert run_and_notify(config).done == 1
    notice_id = email.message_from_bytes(next(iter(drafts(dovecot, user).values()))[1], policy=default)[
        "Message-ID"
    ]
    resent = email.message_from_bytes(submission(5)[0], policy=default)
    resent.replace_header("Subject", "Re: 继续教育项目申报表 5（修改版）")
    resent["In-Reply-To"] = notice_id
    put(dovecot, user, resent.as_bytes(), 30)
    result = run_and_notify(config)
    assert (result.done, result.already) == (1, 1)
    subjects = sorted(
        email.message_from_bytes(d, policy=default)["Subject"] for _, d in drafts(dovecot, user).values()
    )
    assert subjects == ["Re: 继续教育项目申报表 5", "Re: 继续教育项目申报表 5（修改版）"]


def test_no_notice_for_auto_replies_bounces_the_office_or_failed_mail(dovecot: Any, tmp_path: Path) -> None:
    user = mailbox_with_drafts(dovecot)
    put(dovecot, user, plain_mail("张三 <z@unit.cn>", "自动回复：收到", Auto_Submitted="auto-replied")[0], 1)
    put(dovecot, user, plain_mail("MAILER-DAEMON <mailer-daemon@163.com>", "系统退信")[0], 2)
    put(dovecot, user, plain_mail(f"专技处 <{OFFICE}>", "关于申报的补充通知")[0], 3)
    put(dovecot, user, plain_mail("李四 <li@unit.cn>", "申报", Precedence="bulk")[0], 4)
    person, person_id = plain_mail("王五 <wang@unit.cn>", "请问截止时间")
    put(dovecot, user, person, 5)
    put(dovecot, user, submission(9)[0], 6)  # uid 6: the server will not send it (processing fails)
    config = make_config(tmp_path, dovecot, user)
    from intake.notify import notify
    from intake.run import run_intake

    with ImapProxy(dovecot.port, refuse_body_of=[6]) as proxy:
        data = config_data(tmp_path, dovecot, user, port=proxy.port)
        data["notify"] = {"from_address": OFFICE}
        from intake.config import build_config

        assert run_intake(build_config(data, base_dir=tmp_path)).failed == 1
    result = notify(config)
    assert (result.done, result.skipped) == (1, 5)
    [(_, only)] = drafts(dovecot, user).values()
    assert email.message_from_bytes(only, policy=default)["In-Reply-To"] == person_id


def test_a_crash_between_the_servers_accept_and_the_record_makes_no_second_draft(
    dovecot: Any, tmp_path: Path
) -> None:
    user = mailbox_with_drafts(dovecot)
    put(dovecot, user, submission(11)[0], 1)
    put(dovecot, user, submission(12)[0], 2)
    config = make_config(tmp_path, dovecot, user)
    assert run_and_notify(config).done == 2
    [accepted, never_sent] = ledger(config)
    db = sqlite3.connect(config.data_dir / "intake.sqlite")
    with db:
        # crash after the APPEND was accepted, before the ledger said so
        db.execute("UPDATE notices SET status='pending', uid=NULL WHERE identity=?", (accepted[0],))
        # crash before the APPEND reached the server
        db.execute("UPDATE notices SET status='pending', uid=NULL WHERE identity=?", (never_sent[0],))
    db.close()
    c = dovecot.client(user)
    c.select_folder(DRAFTS)
    c.delete_messages(c.search(["HEADER", "Message-ID", never_sent[2]]))
    c.expunge()
    c.logout()

    from intake.notify import notify

    result = notify(config)
    assert (result.recovered, result.done) == (1, 1)
    found = drafts(dovecot, user)
    ids = sorted(email.message_from_bytes(d, policy=default)["Message-ID"] for _, d in found.values())
    assert ids == sorted([accepted[2], never_sent[2]])  # one draft each, same Message-IDs as before
    assert {r[1] for r in ledger(config)} == {"drafted"}
    assert notify(config).done == 0 and len(drafts(dovecot, user)) == 2


def test_a_server_that_is_away_records_nothing_and_the_next_run_drafts(dovecot: Any, tmp_path: Path) -> None:
    from intake.config import build_config
    from intake.notify import notify

    user = mailbox_with_drafts(dovecot)
    put(dovecot, user, submission(21)[0], 1)
    config = make_config(tmp_path, dovecot, user)
    from intake.run import run_intake

    run_intake(config)
    data = config_data(tmp_path, dovecot, user, port=1, retries=1, connect_timeout=1)  # nothing listens
    data["notify"] = {"from_address": OFFICE}
    away = notify(build_config(data, base_dir=tmp_path))
    assert away.aborted and away.exit_code == 3 and away.done == 0
    assert ledger(config) == [] and drafts(dovecot, user) == {}
    assert notify(config).done == 1 and len(drafts(dovecot, user)) == 1


def test_the_drafts_folder_can_be_named_in_config_and_notice_status_reaches_the_workbook(
    dovecot: Any, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    user = dovecot.new_user()
    dovecot.create_folder(user, "Entwürfe")  # no SPECIAL-USE flag: only the config can name it
    put(dovecot, user, submission(31)[0], 1)
    config = make_config(tmp_path, dovecot, user, drafts_folder="Entwürfe")
    assert run_and_notify(config).folder == "Entwürfe"
    c = dovecot.client(user)
    c.select_folder("Entwürfe", readonly=True)
    assert len(c.search(["DRAFT"])) == 1
    c.logout()
    wb = load_workbook(config.report.workbook, read_only=True)
    sheet = list(wb["通知"].iter_rows(values_only=True))
    log = list(wb["邮件日志"].iter_rows(values_only=True))
    wb.close()
    col = {h: i for i, h in enumerate(sheet[0])}
    assert (sheet[1][col["通知类型"]], sheet[1][col["状态"]]) == ("补正通知", "草稿") and sheet[1][
        col["时间"]
    ]
    assert log[1][log[0].index("通知")] == "草稿" and log[1][log[0].index("通知时间")] is not None
    assert "草稿" in config.report.summary_html.read_text(encoding="utf-8")


def test_run_notify_from_the_command_line(dovecot: Any, tmp_path: Path) -> None:
    user = mailbox_with_drafts(dovecot)
    put(dovecot, user, submission(41)[0], 1)
    data = config_data(tmp_path, dovecot, user)
    data["notify"] = {"from_address": OFFICE}
    path = write_toml(tmp_path, data)
    proc = cli(path, "run", "--notify")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"notices: 1 drafted in {DRAFTS}" in out
    assert len(drafts(dovecot, user)) == 1
    again = cli(path, "notify")
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0 and "0 drafted" in out and "1 done before" in out
    assert len(drafts(dovecot, user)) == 1


def test_kill_9_in_the_middle_of_drafting_then_notify_again_drafts_each_notice_once(
    dovecot: Any, tmp_path: Path
) -> None:
    import signal
    import time

    from tests.notices import fill_store
    from tests.test_imap_run import kill_group

    user = mailbox_with_drafts(dovecot)
    data = config_data(tmp_path, dovecot, user)
    data["notify"] = {"from_address": OFFICE}
    path = write_toml(tmp_path, data)
    fill_store(tmp_path / "data", 150)
    proc = cli(path, "notify", "--quiet")
    try:
        deadline = time.monotonic() + 60
        while len(ledger_done(tmp_path)) < 20 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        kill_group(proc)
    assert proc.returncode == -signal.SIGKILL, "notify finished before it could be killed"
    assert 20 <= len(drafts(dovecot, user)) < 150
    again = cli(path, "notify", "--quiet")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    ids = [
        email.message_from_bytes(d, policy=default)["Message-ID"] for _, d in drafts(dovecot, user).values()
    ]
    assert len(ids) == 150 == len(set(ids))  # every notice drafted, none twice
    assert len(ledger_done(tmp_path)) == 150


def ledger_done(tmp_path: Path) -> list[str]:
    try:
        db = sqlite3.connect(f"file:{tmp_path / 'data' / 'intake.sqlite'}?mode=ro", uri=True, timeout=1)
        try:
            return [r[0] for r in db.execute("SELECT identity FROM notices WHERE status='drafted'")]
        finally:
            db.close()
    except sqlite3.Error:
        return []


def test_a_server_without_search_header_is_searched_by_reading_the_drafts_message_ids(
    dovecot: Any,
) -> None:
    from intake.mailbox import _with_message_id

    user = mailbox_with_drafts(dovecot)
    first, first_id = plain_mail("a <a@unit.cn>", "x")
    dovecot.append(user, DRAFTS, first, datetime(2024, 3, 1, 9, 0, tzinfo=BJ))
    dovecot.append(user, DRAFTS, plain_mail("b <b@unit.cn>", "y")[0], datetime(2024, 3, 1, 9, 0, tzinfo=BJ))
    c = dovecot.client(user)
    try:
        c.select_folder(DRAFTS, readonly=True)
        assert _with_message_id(c, first_id) == [1]
        assert _with_message_id(c, "<nobody@x.cn>") == []
    finally:
        c.logout()


def test_check_names_the_drafts_folder_or_warns_that_there_is_none(dovecot: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from intake.cli import check_command
    from tests.test_imap_check import write_config

    bare = dovecot.new_user()
    cfg = write_config(tmp_path, port=dovecot.port, username=bare.name, password_env=bare.password_env)
    result = CliRunner().invoke(check_command, ["--config", str(cfg)])
    assert result.exit_code == 0, result.output  # notices are optional: a warning, not a failure
    assert "[WARN] drafts folder (notices): no drafts folder" in result.output
    user = mailbox_with_drafts(dovecot)
    cfg = write_config(tmp_path, port=dovecot.port, username=user.name, password_env=user.password_env)
    result = CliRunner().invoke(check_command, ["--config", str(cfg)])
    assert "[OK  ] drafts folder (notices): 草稿箱" in result.output
