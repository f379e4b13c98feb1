"""`intake check` against a real Dovecot."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from intake.cli import check_command

pytestmark = pytest.mark.dovecot

BJ = ZoneInfo("Asia/Shanghai")


def write_config(tmp_path: Path, *, port: int, username: str, password_env: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {port}
username = "{username}"
password_env = "{password_env}"
folders = ["INBOX", "垃圾邮件"]
connect_timeout = 5
{extra or 'security = "plain"'}

[intake]
deadline = "2024-03-05T23:59:59+08:00"
training_end_limit = "2024-10-31"
data_dir = "{tmp_path / "data"}"
""",
        encoding="utf-8",
    )
    return path


def test_check_lists_folders_with_counts_and_says_id_was_sent(dovecot, tmp_path):
    user = dovecot.new_user()
    when = datetime(2024, 3, 5, 9, 0, tzinfo=BJ)
    for folder, n in (("INBOX", 2), ("垃圾邮件", 1)):
        for _ in range(n):
            dovecot.append(user, folder, b"Subject: x\r\n\r\nbody\r\n", when)
    before = dovecot.messages(user)
    cfg = write_config(tmp_path, port=dovecot.port, username=user.name, password_env=user.password_env)
    result = CliRunner().invoke(check_command, ["--config", str(cfg)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "[OK  ] login: " + user.name in out
    assert "[OK  ] id: sent; server says Dovecot" in out
    assert "[OK  ] folder INBOX: 2 messages (read by intake)" in out
    assert "[OK  ] folder 垃圾邮件: 1 messages (read by intake)" in out
    assert "LibreOffice" in out
    assert user.password not in out
    assert dovecot.messages(user) == before


def test_check_with_a_wrong_authorization_code_fails_with_the_hint(dovecot, tmp_path):
    user = dovecot.new_user()
    env = user.password_env + "_WRONG"
    os.environ[env] = "not-the-code"
    try:
        cfg = write_config(tmp_path, port=dovecot.port, username=user.name, password_env=env)
        result = CliRunner().invoke(check_command, ["--config", str(cfg)])
    finally:
        del os.environ[env]
    assert result.exit_code == 1
    assert "[FAIL] login" in result.output and "授权码" in result.output
    assert "not-the-code" not in result.output


def test_check_with_no_server_fails_cleanly(dovecot, tmp_path):
    from tests.dovecot import free_port

    user = dovecot.new_user()
    cfg = write_config(tmp_path, port=free_port(), username=user.name, password_env=user.password_env)
    result = CliRunner().invoke(check_command, ["--config", str(cfg)])
    assert result.exit_code == 1
    assert "[FAIL] connect" in result.output


def test_check_reports_a_bad_config_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[mailbox]\nkind = "imap"\nhots = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(check_command, ["--config", str(path)])
    assert result.exit_code == 1
    assert "[FAIL] config" in result.output and "hots" in result.output


def test_check_over_tls_needs_the_ca_file_for_a_private_certificate(dovecot, tmp_path):
    user = dovecot.new_user()
    common = {"port": dovecot.ssl_port, "username": user.name, "password_env": user.password_env}
    cfg = write_config(tmp_path, **common, extra='security = "ssl"')
    refused = CliRunner().invoke(check_command, ["--config", str(cfg)])
    assert refused.exit_code == 1
    assert "[FAIL] connect" in refused.output and "ca_file" in refused.output
    cfg = write_config(tmp_path, **common, extra=f'security = "ssl"\nca_file = "{dovecot.ca_file}"')
    trusted = CliRunner().invoke(check_command, ["--config", str(cfg)])
    assert trusted.exit_code == 0, trusted.output
    assert f"[OK  ] connect: 127.0.0.1:{dovecot.ssl_port} (ssl)" in trusted.output
