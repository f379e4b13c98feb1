"""Sending notices by SMTP: the only module that talks SMTP (stdlib smtplib).

163.com: smtp.163.com:465 with implicit TLS and the same 授权码 as IMAP.  Rules:
- TLS with certificate checks (notify.ca_file for a private CA; verify_tls = false only on purpose);
- a refused login is fatal at once, never retried (163 locks accounts after repeated failures);
- a message counts as sent only when the server answered 250 to it; a connection that drops before
  that is a failure of this message (the server did not accept it), and the next message reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl

from intake.notify_config import NotifyConfig
from intake.source import LoginRefused, MailboxUnavailable

__all__ = ["SmtpLoginRefused", "SmtpRefused", "SmtpSender", "SmtpUnavailable"]

log = logging.getLogger(__name__)


class SmtpLoginRefused(LoginRefused):
    """Fatal: wrong 授权码, or the server refused us. Exit 1, no retry."""


class SmtpRefused(Exception):
    """The server refused this message for good (5xx): not retried."""


class SmtpUnavailable(MailboxUnavailable):
    """The connection failed or dropped before the server accepted the message: retried next run."""


class SmtpSender:
    def __init__(self, cfg: NotifyConfig) -> None:
        self._cfg = cfg
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self._cfg.ca_file) if self._cfg.ca_file else None)
        if not self._cfg.verify_tls:
            log.warning("SMTP TLS certificate verification is switched off (notify.verify_tls = false)")
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _password(self) -> str:
        value = os.environ.get(self._cfg.password_env, "")
        if not value:
            raise SmtpLoginRefused(
                f"the SMTP authorization code (授权码) is not set: put it in {self._cfg.password_env!r}"
            )
        from intake.logs import register_secret

        register_secret(value)
        return value

    def _connect(self) -> smtplib.SMTP:
        cfg = self._cfg
        try:
            if cfg.smtp_security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout, context=self._context()
                )
            else:
                client = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout)
                client.starttls(context=self._context())
        except ssl.SSLCertVerificationError as err:
            raise SmtpLoginRefused(
                f"TLS certificate of {cfg.smtp_host} could not be verified ({err})"
            ) from err
        except smtplib.SMTPNotSupportedError as err:
            raise SmtpLoginRefused(
                f'{cfg.smtp_host} does not offer STARTTLS; use smtp_security = "ssl"'
            ) from err
        except (OSError, smtplib.SMTPException) as err:
            raise SmtpUnavailable(f"SMTP {cfg.smtp_host}:{cfg.smtp_port}: {err}") from err
        try:
            self._login(client)
        except smtplib.SMTPAuthenticationError as err:
            _quit(client)
            raise SmtpLoginRefused(
                f"SMTP login refused for {cfg.smtp_username} ({err.smtp_code}): check the authorization "
                "code (授权码); 163.com accepts only a client authorization code, not the web password"
            ) from None
        except (OSError, smtplib.SMTPException) as err:
            _quit(client)
            raise SmtpUnavailable(f"SMTP {cfg.smtp_host}: login: {err}") from err
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        """One AUTH attempt with one mechanism (smtplib's login() would try the next mechanism after a
        refusal: a second failed login that counts toward 163's lock-out)."""
        client.ehlo_or_helo_if_needed()
        offered = client.esmtp_features.get("auth", "").upper().split()
        mechanism = "PLAIN" if "PLAIN" in offered or not offered else "LOGIN"
        client.user, client.password = self._cfg.smtp_username, self._password()
        client.auth(mechanism, client.auth_plain if mechanism == "PLAIN" else client.auth_login)

    def send(self, data: bytes, to_addr: str) -> None:
        """Send one message; returns only when the server answered 250 to it."""
        if self._client is None:
            self._client = self._connect()
        try:
            self._client.sendmail(self._cfg.from_address, [to_addr], data)
        except smtplib.SMTPRecipientsRefused as err:
            reply = err.recipients.get(to_addr)
            if reply is not None and reply[0] < 500:  # 4xx: try again next run
                raise SmtpUnavailable(f"recipient deferred: {_reply(reply)}") from err
            raise SmtpRefused(f"recipient refused: {_reply(reply)}") from err
        except smtplib.SMTPResponseException as err:
            if err.smtp_code >= 500:
                raise SmtpRefused(f"refused ({err.smtp_code} {_text(err.smtp_error)})") from err
            self._drop()
            raise SmtpUnavailable(f"temporary failure ({err.smtp_code} {_text(err.smtp_error)})") from err
        except (OSError, smtplib.SMTPException) as err:
            self._drop()
            raise SmtpUnavailable(f"connection lost before the server accepted the message: {err}") from err

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(OSError):
                client.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _quit(client)


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reply(value: tuple[int, bytes] | None) -> str:
    return f"{value[0]} {_text(value[1])}" if value else "no reply"
