"""Logging: one set-up, stderr + rotating file, and no secret ever reaches either."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import pytest

from intake.logs import LOG_FILE_NAME, redact, register_secret, setup_logging

PASSWORD = "Tq7xKp2vLm9wRz4b"  # a 163.com authorization code shape


@pytest.fixture
def logged(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Set logging up into tmp_path; yield a function returning (stderr text, file text)."""
    setup_logging(data_dir=tmp_path)

    def read() -> tuple[str, str]:
        for h in logging.getLogger().handlers:
            h.flush()
        return capsys.readouterr().err, (tmp_path / "logs" / LOG_FILE_NAME).read_text("utf-8")

    yield read
    logging.getLogger().handlers[:] = [
        h for h in logging.getLogger().handlers if not getattr(h, "_intake_handler", False)
    ]


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_intake_handler", False)]


def test_registered_password_never_written(logged) -> None:
    register_secret(PASSWORD)
    log = logging.getLogger("intake.mailbox")
    log.info("login with %s", PASSWORD)  # args
    log.info(f"LOGIN hbzsgx@163.com {PASSWORD}")  # message
    log.warning("config %(pw)s", {"pw": PASSWORD})  # mapping args
    try:
        raise RuntimeError(f"server said: bad credentials {PASSWORD!r}")
    except RuntimeError:
        log.exception("login failed")  # exception text
    log.error("stack", stack_info=True, extra={"x": 1})
    err, file_text = logged()
    for text in (err, file_text):
        assert PASSWORD not in text
        assert "login with ***" in text
        assert "bad credentials" in text  # the exception itself is still logged
    assert file_text.count("\n") >= 5


def test_password_assignments_masked_without_registration(logged) -> None:
    logging.getLogger("intake").info("connect host=imap.163.com password=hunter2secret user=a")
    logging.getLogger("intake").info("授权码：ABCDEFGH12345678 已读取")
    logging.getLogger("intake").info('authorization code: "QWERTYUIOP"')
    err, file_text = logged()
    for text in (err, file_text):
        assert "hunter2secret" not in text and "ABCDEFGH12345678" not in text and "QWERTYUIOP" not in text
        assert "password=***" in text and "host=imap.163.com" in text and "user=a" in text


def test_redact_masks_escaped_form_of_a_secret() -> None:
    tricky = "pa\\ss'w\"rd-Z9"
    register_secret(tricky)
    assert tricky not in redact(f"value {tricky} end")
    assert "pa\\\\ss" not in redact(repr(tricky))
    assert redact("nothing secret here") == "nothing secret here"


def test_short_values_are_not_registered() -> None:
    register_secret("ab")
    register_secret("")
    register_secret(None)
    assert redact("ab abc") == "ab abc"


def test_setup_twice_does_not_duplicate_handlers(logged, tmp_path: Path) -> None:
    setup_logging(data_dir=tmp_path)
    setup_logging(data_dir=tmp_path, verbose=True)
    assert len(_ours()) == 2
    logging.getLogger("intake").info("once only")
    err, file_text = logged()
    assert err.count("once only") == 1 and file_text.count("once only") == 1


def test_quiet_keeps_stderr_to_warnings_but_file_full(logged, tmp_path: Path) -> None:
    setup_logging(data_dir=tmp_path, quiet=True)
    log = logging.getLogger("intake.run")
    log.info("message 17 ok")
    log.warning("message 18 failed")
    err, file_text = logged()
    assert "message 17 ok" not in err and "message 18 failed" in err
    assert "message 17 ok" in file_text and "message 18 failed" in file_text


def test_verbose_shows_debug(logged, tmp_path: Path) -> None:
    setup_logging(data_dir=tmp_path, verbose=True)
    logging.getLogger("intake").debug("debug detail")
    err, file_text = logged()
    assert "debug detail" in err and "debug detail" in file_text


def test_file_is_utf8_and_rotating(logged, tmp_path: Path) -> None:
    handler = next(h for h in _ours() if isinstance(h, logging.handlers.RotatingFileHandler))
    assert handler.maxBytes > 0 and handler.backupCount > 0
    logging.getLogger("intake").info("申报表 已解析")
    _, file_text = logged()
    assert "申报表 已解析" in file_text


def test_no_data_dir_means_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(data_dir=None)
    try:
        assert len(_ours()) == 1
        logging.getLogger("intake").warning("only stderr")
        assert "only stderr" in capsys.readouterr().err
    finally:
        logging.getLogger().handlers[:] = [h for h in logging.getLogger().handlers if h not in _ours()]


def test_progress_is_a_pass_through_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from intake.progress import progress

    items = list(progress(iter(range(5)), 5, enabled=True, label="解析"))
    assert items == [0, 1, 2, 3, 4]
    assert capsys.readouterr().err == ""  # stderr is captured, not a terminal: no bar drawn


def test_progress_draws_a_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from intake import progress as mod

    fake = io.StringIO()
    monkeypatch.setattr(fake, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(mod.sys, "stderr", fake)
    assert list(mod.progress(range(3), 3, enabled=True, label="messages")) == [0, 1, 2]
    assert "messages" in fake.getvalue()
    fake2 = io.StringIO()
    monkeypatch.setattr(fake2, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(mod.sys, "stderr", fake2)
    assert list(mod.progress(range(3), 3, enabled=False, label="messages")) == [0, 1, 2]
    assert fake2.getvalue() == ""


def test_real_imap_login_at_debug_leaks_no_password(
    dovecot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Log in to a real Dovecot with every logger at DEBUG (imapclient logs its protocol there), once
    successfully and once with a wrong password: neither password reaches stderr or the log file."""
    import os

    from intake.mailbox import ImapMailbox, LoginRefused

    user = dovecot.new_user()
    wrong = "Wr0ngAuthCode9876"
    setup_logging(data_dir=tmp_path, verbose=True)
    try:
        register_secret(user.password)
        register_secret(wrong)
        logging.getLogger("imapclient").setLevel(logging.DEBUG)
        with ImapMailbox(dovecot.mailbox_config(user)) as box:
            box.list_uids("INBOX")
        os.environ[user.password_env] = wrong
        with (
            pytest.raises(LoginRefused),
            ImapMailbox(dovecot.mailbox_config(user), attempts=1, backoff_s=0) as box,
        ):
            box.list_uids("INBOX")
        os.environ[user.password_env] = user.password
        for h in logging.getLogger().handlers:
            h.flush()
        err = capsys.readouterr().err
        file_text = (tmp_path / "logs" / LOG_FILE_NAME).read_text("utf-8")
        for text in (err, file_text):
            assert "Connected to host" in text  # imapclient's DEBUG protocol log did reach both
            assert user.password not in text and wrong not in text
    finally:
        logging.getLogger("imapclient").setLevel(logging.NOTSET)
        logging.getLogger().handlers[:] = [h for h in logging.getLogger().handlers if h not in _ours()]


# ---------------------------------------------------------------- issue 15: times, file-only, once per run


def test_times_are_iso_8601_with_the_office_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    from zoneinfo import ZoneInfo

    setup_logging(data_dir=tmp_path, tz=ZoneInfo("Asia/Shanghai"))
    try:
        logging.getLogger("intake").warning("a warning")
        for h in _ours():
            h.flush()
        text = (tmp_path / "logs" / LOG_FILE_NAME).read_text("utf-8")
    finally:
        logging.getLogger().handlers[:] = [h for h in logging.getLogger().handlers if h not in _ours()]
    stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00 WARNING intake: a warning$"
    assert re.search(stamp, text, re.M), text
    assert re.search(stamp, capsys.readouterr().err, re.M)


def test_file_only_records_stay_off_stderr(logged) -> None:
    from intake.logs import FILE_ONLY

    logging.getLogger("intake").error("fatal: printed by the CLI itself", extra=FILE_ONLY)
    err, file_text = logged()
    assert "fatal: printed by the CLI itself" not in err
    assert "ERROR intake: fatal: printed by the CLI itself" in file_text


def test_a_condition_is_warned_about_once_per_run(logged) -> None:
    from intake.logs import new_run, warn_once

    log = logging.getLogger("intake.run")
    assert warn_once(log, "tool:soffice", "LibreOffice is not installed")
    assert not warn_once(log, "tool:soffice", "LibreOffice is not installed")
    new_run()
    assert warn_once(log, "tool:soffice", "LibreOffice is not installed")
    err, file_text = logged()
    assert err.count("LibreOffice is not installed") == 2 == file_text.count("LibreOffice is not installed")


def test_a_full_disk_gives_one_line_about_the_log_file_not_a_traceback_per_record(
    small_disk, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.faults import fill

    data_dir = small_disk(64 * 1024)
    setup_logging(data_dir=data_dir)
    try:
        fill(data_dir)
        for i in range(3):
            logging.getLogger("intake").warning(
                "record %d %s", i, "x" * 8192
            )  # more than the page cache slack
        for h in _ours():
            h.flush()
    finally:
        for h in _ours():
            logging.getLogger().removeHandler(h)
    err = capsys.readouterr().err
    assert err.count("intake: cannot write the log file") == 1 and "No space left on device" in err
    assert "Traceback" not in err and err.count("record ") == 3  # stderr still gets every record
