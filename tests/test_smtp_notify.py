"""Sending notices through a real SMTP server (aiosmtpd, started here): implicit SSL and STARTTLS with
certificate checks and AUTH, only on purpose, a refused login stops at once (one attempt), and a
connection that drops before the server accepts leaves nothing in the ledger."""

from __future__ import annotations

import email
import logging
import sqlite3
import ssl
import tempfile
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiosmtpd")

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.dovecot import OPENSSL, _make_cert, free_port

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter

OFFICE = "hbzsgx@example.cn"
SECRET = "auth-code-1234"
ENV = "INTAKE_TEST_SMTP_CODE"


class Server:
    """An aiosmtpd server with AUTH; `drop_next` closes the connection instead of answering DATA."""

    def __init__(self, cert_dir: Path, *, implicit: bool) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.drop_next = 0
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert_dir / "cert.pem", cert_dir / "key.pem")
        self.port = free_port()
        kwargs: dict[str, Any] = (
            {"ssl_context": ctx} if implicit else {"tls_context": ctx, "require_starttls": True}
        )
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._auth,
            auth_require_tls=not implicit,  # implicit TLS is encrypted from the first byte
            **kwargs,
        )

    def _auth(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        ok = (data.login, data.password) == (OFFICE.encode(), SECRET.encode())
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop_next:
            self.drop_next -= 1
            assert server.transport is not None
            server.transport.close()  # gone before the final reply: the message was not accepted
            return "250 never sent"
        content = envelope.original_content or b""
        self.messages.append((list(envelope.rcpt_tos), bytes(content)))
        return "250 OK queued"


@pytest.fixture(scope="module")
def cert_dir() -> Iterator[Path]:
    if OPENSSL is None:
        pytest.skip("openssl is not installed (needed for the test certificate)")
    root = Path(tempfile.mkdtemp(prefix="intake-smtp-"))
    _make_cert(root)
    yield root


@pytest.fixture(params=["ssl", "starttls"])
def smtp(request: pytest.FixtureRequest, cert_dir: Path) -> Iterator[Server]:
    server = Server(cert_dir, implicit=request.param == "ssl")
    server.security = request.param  # type: ignore[attr-defined]
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


def submission_mail(i: int) -> bytes:
    from email.message import EmailMessage

    from samples.formgen import build_form_docx, sample_fields

    msg = EmailMessage()
    msg["From"] = f"申报单位{i} <unit{i}@example.cn>"
    msg["To"] = OFFICE
    msg["Subject"] = f"高级研修项目申报 {i}"
    msg["Message-ID"] = f"<sub-{i}@example.cn>"
    msg["Date"] = "Mon, 16 Dec 2024 09:00:00 +0800"
    msg["Received"] = "from mx.example.cn by mx.163.com; Mon, 16 Dec 2024 09:00:05 +0800"
    msg.set_content("附件为申报表")
    msg.add_attachment(
        build_form_docx(sample_fields(i)),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename=f"申报表{i}.docx",
    )
    return msg.as_bytes()


def stored(tmp_path: Path, n: int, server: Server, cert_dir: Path, **notify: Any) -> Any:
    """A store with `n` processed submissions (from a folder of .eml files) and an smtp notify config."""
    from intake.config import build_config
    from intake.run import run_intake

    box = tmp_path / "mail"
    box.mkdir(exist_ok=True)
    for i in range(n):
        (box / f"{i}.eml").write_bytes(submission_mail(i))
    data = {
        "mailbox": {"kind": "maildir", "path": str(box), "username": OFFICE},
        "intake": {
            "deadline": "2024-12-17T23:59:59+08:00",
            "training_end_limit": "2025-10-31",
            "data_dir": str(tmp_path / "data"),
            "workers": 1,
        },
        "notify": {
            "mode": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_security": getattr(server, "security", "ssl"),
            "password_env": ENV,
            "ca_file": str(cert_dir / "cert.pem"),
            "timeout": 10,
            **notify,
        },
    }
    config = build_config(data, base_dir=tmp_path)
    assert run_intake(config).exit_code == 0
    return config


def ledger(config: Any) -> dict[str, str]:
    db = sqlite3.connect(config.data_dir / "intake.sqlite")
    try:
        return dict(db.execute("SELECT identity, status FROM notices"))
    finally:
        db.close()


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, SECRET)


def test_notices_are_sent_with_tls_and_auth_once(smtp: Server, cert_dir: Path, tmp_path: Path) -> None:
    from intake.notify import notify

    config = stored(tmp_path, 2, smtp, cert_dir)
    result = notify(config, send=True)
    assert (result.channel, result.done, result.failed) == ("smtp", 2, 0)
    assert smtp.logins == [(OFFICE.encode(), SECRET.encode())]  # one connection, one login
    assert sorted(rcpt for rcpts, _ in smtp.messages for rcpt in rcpts) == [
        "unit0@example.cn",
        "unit1@example.cn",
    ]
    parsed = [email.message_from_bytes(data, policy=default) for _, data in smtp.messages]
    assert sorted(p["In-Reply-To"] for p in parsed) == ["<sub-0@example.cn>", "<sub-1@example.cn>"]
    assert all(p["Subject"].startswith("Re: 高级研修项目申报") for p in parsed)
    assert all("缺少盖章扫描 PDF 版申报表" in p.get_content() for p in parsed)
    assert set(ledger(config).values()) == {"sent"}
    again = notify(config, send=True)
    assert (again.done, again.already) == (0, 2) and len(smtp.messages) == 2


def test_smtp_never_sends_without_being_asked(smtp: Server, cert_dir: Path, tmp_path: Path) -> None:
    from intake.notify import NotifyError, notify

    config = stored(tmp_path, 1, smtp, cert_dir)
    with pytest.raises(NotifyError, match="--send"):
        notify(config)
    dry = notify(config, dry_run=True)
    assert dry.planned == 1 and dry.planned_notices[0].notice.to_addr == "unit0@example.cn"
    assert smtp.messages == [] and smtp.logins == [] and ledger(config) == {}
    switched_on = stored(tmp_path, 1, smtp, cert_dir, send=True)  # the config switch (cron)
    assert notify(switched_on).done == 1 and len(smtp.messages) == 1


def test_a_refused_login_stops_at_once_without_retrying(smtp: Server, cert_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from intake.cli import main
    from intake.notify import notify
    from intake.smtp import SmtpLoginRefused

    config = stored(tmp_path, 3, smtp, cert_dir)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV, "wrong-code")
        with pytest.raises(SmtpLoginRefused, match="授权码"):
            notify(config, send=True)
        assert len(smtp.logins) == 1  # three notices due, one login attempt
        assert "sent" not in ledger(config).values()
        toml = tmp_path / "config.toml"
        toml.write_text(_toml(config, smtp, cert_dir), encoding="utf-8")
        result = CliRunner().invoke(main, ["notify", "--send", "--config", str(toml)])
    assert result.exit_code == 1 and "授权码" in result.output and "wrong-code" not in result.output
    assert len(smtp.logins) == 2 and smtp.messages == []
    assert notify(config, send=True).done == 3  # the right code: everything goes, once


def test_a_dropped_connection_records_nothing_the_server_did_not_accept(
    smtp: Server, cert_dir: Path, tmp_path: Path
) -> None:
    from intake.notify import notify

    config = stored(tmp_path, 3, smtp, cert_dir)
    smtp.drop_next = 1
    first = notify(config, send=True)
    assert (first.done, first.failed) == (2, 1) and first.exit_code == 3
    states = ledger(config)
    assert sorted(states.values()) == ["failed", "sent", "sent"]
    assert len(smtp.messages) == 2
    second = notify(config, send=True)
    assert (second.done, second.already) == (1, 2)
    assert len(smtp.messages) == 3 and set(ledger(config).values()) == {"sent"}
    assert len({email.message_from_bytes(d, policy=default)["To"] for _, d in smtp.messages}) == 3


def test_an_unconfirmed_send_after_a_crash_is_not_repeated_unless_asked(
    smtp: Server, cert_dir: Path, tmp_path: Path
) -> None:
    from intake.notify import notify

    config = stored(tmp_path, 1, smtp, cert_dir)
    assert notify(config, send=True).done == 1
    db = sqlite3.connect(config.data_dir / "intake.sqlite")
    with db:
        db.execute("UPDATE notices SET status='pending'")  # killed between the 250 and the record
    db.close()
    held = notify(config, send=True)
    assert (held.done, held.unconfirmed, held.exit_code) == (0, 1, 3) and len(smtp.messages) == 1
    assert notify(config, send=True, retry_unconfirmed=True).done == 1 and len(smtp.messages) == 2


def _toml(config: Any, server: Server, cert_dir: Path) -> str:
    box = config.mailbox
    return (
        f'[mailbox]\nkind = "maildir"\npath = "{box.path}"\nusername = "{OFFICE}"\n'
        f'[intake]\ndeadline = "2024-12-17T23:59:59+08:00"\ntraining_end_limit = "2025-10-31"\n'
        f'data_dir = "{config.data_dir}"\n'
        f'[notify]\nmode = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {server.port}\n'
        f'smtp_security = "{getattr(server, "security", "ssl")}"\npassword_env = "{ENV}"\n'
        f'ca_file = "{cert_dir / "cert.pem"}"\ntimeout = 10\n'
    )


def test_an_unverifiable_certificate_is_refused(smtp: Server, cert_dir: Path, tmp_path: Path) -> None:
    from intake.notify import notify
    from intake.smtp import SmtpLoginRefused

    config = stored(tmp_path, 1, smtp, cert_dir, ca_file="")
    with pytest.raises(SmtpLoginRefused, match="certificate"):
        notify(config, send=True)
    assert smtp.messages == [] and smtp.logins == []
