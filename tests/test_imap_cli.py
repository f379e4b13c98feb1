"""`intake run` against a real Dovecot, one test per failure (issue 15): the exit code, exactly one line
on stderr (also under --quiet), the same line in intake.log, and `intake status` afterwards."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.dovecot import free_port
from tests.test_cli import invoke
from tests.test_faults import log_lines, one_line
from tests.test_imap_run import config_data, fill, write_toml

pytestmark = pytest.mark.dovecot


def setup(tmp_path: Path, server: Any, user: Any, **mailbox: Any) -> Path:
    return write_toml(tmp_path, config_data(tmp_path, server, user, **mailbox))


def logged(tmp_path: Path, level: str = "ERROR") -> list[str]:
    return [line.split(f" {level} ", 1)[1].split(": ", 1)[1] for line in log_lines(tmp_path / "data", level)]


def test_a_refused_login_exits_1_with_the_servers_answer_on_stderr_and_in_the_log(dovecot, tmp_path):
    user = dovecot.new_user()
    fill(dovecot, user, 1)
    cfg = setup(tmp_path, dovecot, user)
    os.environ[user.password_env] = "wrong-code"
    try:
        code, out, err = invoke("run", "--config", str(cfg), "--quiet")
        again = invoke("run", "--config", str(cfg), "--quiet")[0]
    finally:
        os.environ[user.password_env] = user.password
    line = one_line(err)
    assert (code, again, out) == (1, 1, "")
    assert line == (
        f"intake: IMAP login refused for {user.name}; the server said: [AUTHENTICATIONFAILED] Authentication "
        "failed. Check the authorization code (授权码): 163.com accepts only a client authorization code, not "
        "the web password; generate one under 设置 → POP3/SMTP/IMAP and put it in the configured environment "
        "variable."
    )
    assert logged(tmp_path) == [line[len("intake: ") :]] * 2
    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 1 and "the IMAP login is refused since " in out and "(2 run(s))" in out


def test_a_server_that_is_down_exits_4_try_again(dovecot, tmp_path):
    user = dovecot.new_user()
    cfg = setup(tmp_path, dovecot, user, port=free_port(), retries=2, retry_backoff_s=0.01)
    code, out, err = invoke("run", "--config", str(cfg), "--quiet")
    line = one_line(err)
    assert code == 4 and out == ""
    assert "mailbox unavailable: IMAP 127.0.0.1: LIST failed after 2 attempts" in line
    assert line.endswith("results committed so far are kept, the next run continues")
    assert logged(tmp_path) == [line.split(" ERROR intake.run: ")[1]]
    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 4 and "the mailbox cannot be reached since" in out


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"security": "ssl"}, "does not speak TLS on connect"),  # IMAPS against the plain port
        ({"security": "starttls", "ssl_port": True, "connect_timeout": 2}, "expects TLS from the first byte"),
        ({"security": "ssl", "ssl_port": True}, "TLS certificate of 127.0.0.1 could not be verified"),
    ],
)
def test_a_tls_or_port_mistake_exits_1_naming_the_setting(dovecot, tmp_path, settings, says):
    user = dovecot.new_user()
    settings = dict(settings)
    if settings.pop("ssl_port", False):
        settings["port"] = dovecot.ssl_port
    cfg = setup(tmp_path, dovecot, user, **settings)
    code, out, err = invoke("run", "--config", str(cfg), "--quiet")
    line = one_line(err)
    assert code == 1 and out == "" and says in line and "[mailbox] section" in line
    assert logged(tmp_path) == [line[len("intake: ") :]]


def test_a_missing_folder_warns_once_reads_the_others_and_exits_1(dovecot, tmp_path):
    user = dovecot.new_user()
    fill(dovecot, user, 2)
    cfg = setup(tmp_path, dovecot, user, folders=["INBOX", "申报材料"])
    code, out, err = invoke("run", "--config", str(cfg), "--quiet")
    line = one_line(err)
    assert code == 1 and out == ""
    assert line.endswith(
        "WARNING intake.run: configured folder '申报材料' does not exist on the mailbox: check "
        "mailbox.folders in the config (the other folders are read)"
    )
    assert logged(tmp_path, "WARNING") == [line.split(" WARNING ")[1].split(": ", 1)[1]]
    code, out, _ = invoke("run", "--config", str(cfg))
    assert code == 1 and "0 processed" in out  # INBOX was read the first time
    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 1 and "configured folder(s) not on the mailbox: 申报材料" in out
