"""Notices as mail: the applicant's headers in (who to answer, threading, is it automatic?), RFC 5322 out.

Reading: only the header block of the archived raw mail, split and decoded by intake.mime (encoded words
in any charset, raw GBK bytes: what Chinese clients send).  Writing: the stdlib generator, so the subject and names become
RFC 2047 encoded words and the body UTF-8 text that every client decodes.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, getaddresses

from intake.mime import decode_header_value, header_items
from intake.notice import MailHeaders, Notice
from intake.notify_config import NotifyConfig

__all__ = ["automatic_reason", "build_message", "read_headers"]

_MAX_HEADER_BYTES = 256 * 1024
_MSG_IDS = re.compile(r"<[^<>\s]+>")

# RFC 3834 and what real auto-responders, bounces and list servers put in their mail.
_AUTO_SUBJECT = re.compile(
    r"自动回复|自动答复|自动应答|自动回覆|休假回复|退信|系统退信|"
    r"auto[- ]?reply|automatic reply|auto[- ]?response|autoreply|out of (the )?office|"
    r"undeliver|undelivered mail|delivery status notification|mail delivery failed|"
    r"delivery failure|returned mail|failure notice",
    re.IGNORECASE,
)
_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponse", "x-auto-reply")
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post")
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon")


def automatic_reason(headers: dict[str, str], from_addr: str, subject: str) -> str:
    """Why a mail was written by a machine (auto-reply, bounce, list), "" for a person's mail."""
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in _PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _AUTO_HEADERS:
        if name in headers:
            return name.title()
    if headers.get("return-path", "").replace(" ", "") == "<>":
        return "Return-Path <>"
    if headers.get("content-type", "").strip().lower().startswith("multipart/report"):
        return "退信报告"
    for name in _LIST_HEADERS:
        if name in headers:
            return f"邮件列表 {name.title()}"
    if from_addr.partition("@")[0] in _DAEMONS:
        return f"发件人 {from_addr}"
    found = _AUTO_SUBJECT.search(subject)
    return f"主题含“{found.group()}”" if found else ""


def read_headers(raw: bytes) -> MailHeaders:
    """Who to answer, the thread, and whether a machine wrote it, from the mail's own headers (decoded the
    way intake.mime decodes them: encoded words in any charset, raw GBK bytes)."""
    headers: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, value in header_items(raw[:_MAX_HEADER_BYTES]):
        text = decode_header_value(value)
        headers.setdefault(name, text)
        values.setdefault(name, []).append(text)
    from_pairs = _addresses(values.get("from", []))
    reply_pairs = _addresses(values.get("reply-to", []))
    from_addr = from_pairs[0][1] if from_pairs else ""
    name, addr = (reply_pairs or from_pairs or [("", "")])[0]
    return MailHeaders(
        from_addr=from_addr,
        reply_to=addr,
        reply_name=name,
        references=tuple(_MSG_IDS.findall(headers.get("references", ""))),
        automatic=automatic_reason(headers, from_addr, headers.get("subject", "")),
    )


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-case address) for each well-formed address in decoded header values."""
    out = []
    for name, addr in getaddresses(values):
        addr = addr.strip().lower()
        if "@" in addr and addr.isascii() and " " not in addr:
            out.append((name.strip().strip('"'), addr))
    return out


def build_message(notice: Notice, body: str, cfg: NotifyConfig, *, now: datetime) -> bytes:
    """The notice as RFC 5322 bytes (CRLF line ends, ASCII headers, UTF-8 body)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((cfg.from_name, cfg.from_address), charset="utf-8")
    msg["To"] = formataddr((notice.to_name, notice.to_addr), charset="utf-8")
    msg["Subject"] = notice.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = notice.message_id
    if notice.in_reply_to:
        msg["In-Reply-To"] = notice.in_reply_to
    if notice.references:
        msg["References"] = " ".join(notice.references)
    # RFC 3834: a response written by a program; auto-responders must not answer it (no loops).
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Mailer"] = "intake"
    msg.set_content(body, subtype="plain", charset="utf-8")
    return msg.as_bytes()
