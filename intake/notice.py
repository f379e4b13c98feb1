"""What a notice to an applicant says: a receipt (回执) or a 补正通知, decided and worded from a stored mail.

Pure functions over a MessageRecord and the mail's own headers (intake.notice_mime reads them): no
clock (`now` is passed in), no store, no network.  Wording comes from a jinja2 template the office can
edit (intake/templates/notice.txt.j2, or notify.template), rendered in a sandbox.

Only what is certain is stated as a fact: each flag code has an action (notify.codes), so an uncertain
finding (a seal not seen, a box not read, an OCR'd value) is worded "请核对" or left to staff, and a mail
whose processing failed gets no notice at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from core.flags import SPECS, Flag, describe
from core.records import NOTICE_KINDS, FormRecord, MessageRecord
from intake.faults import FatalError
from intake.notify_config import NotifyConfig

__all__ = [
    "DEFAULT_TEMPLATE",
    "FormNotice",
    "MailHeaders",
    "Notice",
    "NoticeError",
    "Skip",
    "compose",
    "mail_identity",
    "render_body",
]

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "notice.txt.j2"


class NoticeError(FatalError):
    """The office's template cannot be read or rendered (fatal for the notify step: exit 1)."""


@dataclass(frozen=True)
class MailHeaders:
    """What a notice needs of the applicant's mail beyond the stored record (intake.notice_mime)."""

    from_addr: str  # lower-case addr-spec, "" when none
    reply_to: str  # the address to answer: Reply-To's first, else From's
    reply_name: str  # its display name (decoded), may be ""
    references: tuple[str, ...]  # <msg-id>s of References, in order
    automatic: str  # why this is an auto-reply / bounce / list mail ("" for a person's mail)


@dataclass(frozen=True)
class FormNotice:
    project: str
    org: str
    files: tuple[str, ...]
    fixes: tuple[str, ...]  # stated as facts
    checks: tuple[str, ...]  # "请核对"
    staff: bool  # something the office checks itself: never "材料齐全"
    superseded: bool
    merged: bool = False  # this mail completed an earlier one: the items are those of the joined form

    @property
    def complete(self) -> bool:
        return not (self.fixes or self.checks or self.staff or self.superseded)


@dataclass(frozen=True)
class Notice:
    identity: str  # the mail answered (mail_identity): one notice per identity, ever
    message_key: str
    kind: str  # "receipt" | "correction"
    form_version: str  # hash of what the notice states (forms and their items)
    message_id: str  # the notice's own Message-ID, derived from identity + form_version
    to_addr: str
    to_name: str
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    received: str  # receipt time, office zone, "YYYY-MM-DD HH:MM"
    late: bool
    original_subject: str
    salutation: str
    forms: tuple[FormNotice, ...]
    mail_fixes: tuple[str, ...]
    mail_checks: tuple[str, ...]
    mail_staff: bool


@dataclass(frozen=True)
class Skip:
    """No notice for this mail, and why (shown in the 通知 sheet)."""

    message_key: str
    reason: str


def mail_identity(record: MessageRecord) -> str:
    """The mail a notice answers, stable across re-runs, UIDVALIDITY changes and copies in two folders."""
    if record.message_id:
        return f"mid:{record.message_id}"
    return f"sha:{record.extra.get('raw_sha256', record.key)}"


# ---------------------------------------------------------------- deciding


def skip_reason(record: MessageRecord, headers: MailHeaders, cfg: NotifyConfig) -> str | None:
    """Why this mail gets no notice, in Chinese; None when it gets one."""
    if record.outcome == "failed" or _codes(record) & {"processing_failed"}:
        return "处理失败，不生成通知"
    if headers.automatic:
        return f"自动回复/退信/邮件列表（{headers.automatic}），不回复"
    own = cfg.own_addresses
    if headers.from_addr in own or headers.reply_to in own:
        return "本处自己的邮件，不回复"
    if not headers.reply_to:
        return "找不到发件人地址"
    held = sorted(c for c in _codes(record) if cfg.action(c) == "no_notice")
    if held:
        return "按配置留给工作人员处理：" + "、".join(_title(c) for c in held)
    if record.forms and all(f.superseded_by and not _merged(f) for f in record.forms):
        return "申报表已被后来的邮件替代，以新邮件的通知为准"
    return None


def _merged(form: FormRecord) -> bool:
    """A follow-up (补发 Word / PDF) joined to the earlier form it completed."""
    return any(f.code == "merged" for f in form.flags)


def _codes(record: MessageRecord) -> set[str]:
    return {f.code for f in record.flags} | {f.code for form in record.forms for f in form.flags}


def _title(code: str) -> str:
    spec = SPECS.get(code)
    return spec.title if spec else code


def _sorted_items(flags: Sequence[Flag], cfg: NotifyConfig) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(fix sentences, check sentences, anything left to staff) for these flags."""
    fixes: list[str] = []
    checks: list[str] = []
    staff = False
    for f in flags:
        action = cfg.action(f.code)
        text = _sentence(f)
        if action == "fix" and text not in fixes:
            fixes.append(text)
        elif action == "verify" and text not in checks:
            checks.append(text)
        elif action == "staff":
            staff = True
    return tuple(fixes), tuple(checks), staff


def _sentence(f: Flag) -> str:
    return describe(f) if f.code in SPECS else (f"{f.code}：{f.detail}" if f.detail else f.code)


def _form_notice(
    form: FormRecord,
    message_flags: Sequence[Flag],
    cfg: NotifyConfig,
    completed: Mapping[str, FormRecord] | None = None,
) -> FormNotice:
    joined = (completed or {}).get(form.superseded_by or "") if _merged(form) else None
    if joined is not None:  # the follow-up is answered with the state of the form it completed
        return replace(_form_notice(joined, (), cfg), merged=True)
    own = [f for f in form.flags if f not in message_flags and f.code not in ("late", "superseded")]
    fixes, checks, staff = _sorted_items(own, cfg)
    return FormNotice(
        project=_field(form, "project_name") or "（项目名称未填写）",
        org=_field(form, "declared_org") or _field(form, "applicant.name") or "（申报单位未填写）",
        files=tuple(form.sources),
        fixes=fixes,
        checks=checks,
        staff=staff,
        superseded=bool(form.superseded_by),
    )


def _field(form: FormRecord, path: str) -> str:
    """A text field of the form by dotted path ("applicant.name"); "" when empty."""
    value: Any = form.fields
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value.strip() if isinstance(value, str) else ""


def compose(
    record: MessageRecord,
    headers: MailHeaders,
    cfg: NotifyConfig,
    *,
    tz: ZoneInfo,
    completed: Mapping[str, FormRecord] | None = None,
) -> Notice | Skip:
    """The notice for one stored mail, or why there is none.  `completed`: the earlier forms this mail's
    follow-up halves were joined to (form_id → record), so the answer states the joined form."""
    reason = skip_reason(record, headers, cfg)
    if reason is not None:
        return Skip(record.key, reason)
    forms = tuple(_form_notice(f, record.flags, cfg, completed) for f in record.forms)
    mail_fixes, mail_checks, mail_staff = _sorted_items(record.flags, cfg)
    needs_fix = bool(mail_fixes or mail_checks) or any(f.fixes or f.checks for f in forms)
    identity = mail_identity(record)
    version = _version(forms, mail_fixes, mail_checks, mail_staff)
    original = _msg_id(record.message_id)
    return Notice(
        identity=identity,
        message_key=record.key,
        kind="correction" if needs_fix else "receipt",
        form_version=version,
        message_id=notice_message_id(identity, version, cfg.from_address),
        to_addr=headers.reply_to,
        to_name=headers.reply_name,
        subject=reply_subject(record.subject),
        in_reply_to=original,
        references=(*headers.references[-9:], original) if original else headers.references[-10:],
        received=f"{record.received_at.astimezone(tz):%Y-%m-%d %H:%M}",
        late=any(f.code == "late" for f in record.flags),
        original_subject=record.subject,
        salutation=_salutation(forms, headers),
        forms=forms,
        mail_fixes=mail_fixes,
        mail_checks=mail_checks,
        mail_staff=mail_staff,
    )


def _version(forms: Sequence[FormNotice], *rest: Any) -> str:
    text = repr(
        ([(f.project, f.files, f.fixes, f.checks, f.staff, f.superseded, f.merged) for f in forms], rest)
    )
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def notice_message_id(identity: str, version: str, office: str) -> str:
    """Deterministic: a retry after a crash looks for exactly this id before drafting again."""
    digest = hashlib.sha256(f"{identity}\0{version}".encode("utf-8", "surrogateescape")).hexdigest()[:24]
    domain = office.rpartition("@")[2] if "@" in office else "intake.invalid"
    return f"<intake-notice.{digest}@{domain}>"


_MSG_ID = re.compile(r"<[^<>\s]+>")


def _msg_id(value: str | None) -> str | None:
    """The mail's Message-ID as `<id>` (threading headers must be well-formed), None when unusable."""
    if not value:
        return None
    found = _MSG_ID.search(value)
    if found and found.group().isascii():
        return found.group()
    bare = value.strip()
    return f"<{bare}>" if bare and bare.isascii() and not re.search(r"[\s<>]", bare) else None


_REPLY_PREFIX = re.compile(r"^\s*(re|回复|答复)\s*[:：]", re.IGNORECASE)


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    if not subject:
        return "Re: 申报材料"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def _salutation(forms: Sequence[FormNotice], headers: MailHeaders) -> str:
    orgs = [f.org for f in forms if not f.org.startswith("（")]
    if len(set(orgs)) == 1:
        return orgs[0]
    return headers.reply_name or "申报单位"


# ---------------------------------------------------------------- wording


def render_body(notice: Notice, cfg: NotifyConfig, *, deadline: datetime, now: datetime, tz: ZoneInfo) -> str:
    """The notice's text from the office's template (or the default one)."""
    context = {
        "notice": notice,
        "kind": notice.kind,
        "title": NOTICE_KINDS[notice.kind],
        "salutation": notice.salutation,
        "received": notice.received,
        "subject": notice.original_subject or "（无主题）",
        "forms": notice.forms,
        "mail_fixes": notice.mail_fixes,
        "mail_checks": notice.mail_checks,
        "mail_staff": notice.mail_staff,
        "late": notice.late,
        "deadline": f"{deadline.astimezone(tz):%Y年%m月%d日 %H:%M}",
        "resubmit_open": now <= deadline,
        "contact": cfg.contact,
        "office": cfg.from_name,
        "office_address": cfg.from_address,
        "today": f"{now.astimezone(tz):%Y年%m月%d日}",
    }
    try:
        context["late_text"] = _compiled(cfg.late_text).render(context) if notice.late else ""
        text = _compiled(_template_text(cfg.template)).render(context)
    except jinja2.TemplateError as err:
        where = cfg.template or "notify.late_text"
        raise NoticeError(f"notice template {where}: {err}") from err
    return _tidy(text)


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    # A sandbox: the template is a file the office edits, not code.
    return SandboxedEnvironment(
        autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


@lru_cache(maxsize=8)
def _compiled(text: str) -> jinja2.Template:
    return _environment().from_string(text)


def _template_text(path: Path | None) -> str:
    target = path or DEFAULT_TEMPLATE
    try:
        return target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise NoticeError(f"notify.template: cannot read {target}: {err}") from err


def _tidy(text: str) -> str:
    """Trailing spaces off, at most one empty line in a row, one newline at the end."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"
