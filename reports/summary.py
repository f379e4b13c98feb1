"""The HTML summary (jinja2, autoescaped): counts, what is new — since the previous day's first run by
default (report.new_since), grouped by 申报单位 — changed submissions, flagged items.

One self-contained page (inline CSS, no scripts, no external resources), written beside the workbook;
each form links to its review page and its Word and PDF originals (relative links: the page works
from any copy of the reports folder).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2

from core.records import MessageRecord, NoticeState, RunInfo
from reports.atomic import atomic_write_chunks
from reports.cells import naive_local
from reports.counts import count
from reports.rows import FormRow, iter_form_rows, receipt_ordered
from reports.table import (
    flag_text,
    form_flags_with_message,
    form_status,
    is_complete,
    is_late,
    notice_label,
    notice_time,
)

__all__ = ["render_summary", "write_summary"]

_TEMPLATES = Path(__file__).parent / "templates"
_STATUS_CLASS = {
    "材料齐全": "s-ok",
    "需补正": "s-fix",
    "不符合要求": "s-bad",
    "逾期": "s-bad",
    "已被替代": "s-old",
    "正常": "s-ok",
    "有问题": "s-fix",
    "处理失败": "s-bad",
}
_OUTCOMES = {"ok": "正常", "flagged": "有问题", "failed": "处理失败"}


@dataclass(frozen=True)
class _FormView:
    project: str
    org: str
    status: str
    status_class: str
    problems: tuple[str, ...]
    received: str
    sender: str
    late: bool
    number: int | None = None
    page: str | None = None  # hrefs, relative to the page
    word: str | None = None
    pdf: str | None = None


@dataclass(frozen=True)
class _MailView:
    received: str
    sender: str
    subject: str
    outcome: str
    status_class: str
    problems: tuple[str, ...]
    late: bool
    notice: str


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _when(m: MessageRecord, tz: ZoneInfo) -> str:
    return f"{naive_local(m.received_at, tz):%Y-%m-%d %H:%M}"


def _text(value: object, empty: str = "（未填写）") -> str:
    return str(value) if value not in (None, "") else empty


def _href(prefix: str, path: str | None) -> str | None:
    return quote(f"{prefix}{path}") if path else None


def _form_view(r: FormRow, tz: ZoneInfo, links: Mapping[str, Any], prefix: str) -> _FormView:
    flags = form_flags_with_message(r.message, r.form)
    status = form_status(r.message, r.form, flags)
    fields = r.form.fields
    link = links.get(r.form.form_id)
    return _FormView(
        _text(fields.project_name),
        _text(fields.declared_org or fields.applicant.name),
        status,
        _STATUS_CLASS.get(status, ""),
        tuple(flag_text(f) for f in flags),
        _when(r.message, tz),
        r.message.sender,
        is_late(r.message, r.form),
        link.number if link else None,
        _href(prefix, link.page) if link else None,
        _href(prefix, link.word) if link else None,
        _href(prefix, link.pdf) if link else None,
    )


def _by_unit(views: list[_FormView]) -> list[tuple[str, list[_FormView]]]:
    groups: dict[str, list[_FormView]] = {}
    for v in views:
        groups.setdefault(v.org, []).append(v)
    return sorted(groups.items())


def _notice_text(notice: NoticeState | None, tz: ZoneInfo) -> str:
    label = notice_label(notice)
    when = notice_time(notice)
    return f"{label} {naive_local(when, tz):%m-%d %H:%M}" if when else label


def _mail_view(m: MessageRecord, run: RunInfo, tz: ZoneInfo, notices: Mapping[str, NoticeState]) -> _MailView:
    outcome = _OUTCOMES.get("failed" if m.key in run.failed_keys else m.outcome, m.outcome)
    return _MailView(
        _when(m, tz),
        m.sender,
        _text(m.subject, "（无主题）"),
        outcome,
        _STATUS_CLASS.get(outcome, ""),
        tuple(flag_text(f) for f in m.flags),
        is_late(m),
        _notice_text(notices.get(m.key), tz),
    )


@dataclass(frozen=True)
class Extras:
    """What the workbook knows that the page links to, and what counts as new."""

    links: Mapping[str, Any] = field(default_factory=dict)  # form_id → reports.workbook.FormLinks
    prefix: str = ""  # from the page's folder to the workbook's ("" when side by side)
    new_keys: frozenset[str] | None = None  # None: the run's new messages
    new_since: str = "本次运行"
    notices: Mapping[str, NoticeState] = field(default_factory=dict)  # mail key → its notice (intake.notify)


def render_summary(
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    workbook_name: str | None = None,
    extras: Extras | None = None,
    notices: Mapping[str, NoticeState] | None = None,
) -> str:
    """The summary page as HTML text; `workbook_name` (a file beside the page) gets a link."""
    extras = extras or Extras()
    if notices is not None:
        extras = replace(extras, notices=notices)
    return "".join(_generate(messages, run, tz=tz, workbook_name=workbook_name, extras=extras))


def _generate(
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    workbook_name: str | None,
    extras: Extras,
) -> Iterator[str]:
    """The page in pieces (what render() joins).  A re-iterable in receipt order (the store's view) is
    streamed: only the listed views are kept, and the page is never one string (8 MB at 10,000)."""
    ordered = receipt_ordered(messages)
    c = count(ordered, run)
    new_forms: list[_FormView] = []
    changed_forms: list[_FormView] = []
    flagged_forms: list[_FormView] = []
    new_keys = run.new_keys if extras.new_keys is None else extras.new_keys

    def view(r: FormRow) -> _FormView:
        return _form_view(r, tz, extras.links, extras.prefix)

    for r in iter_form_rows(ordered):
        if r.message.key in new_keys:
            new_forms.append(view(r))
        if r.message.key in run.changed_keys and r.message.key not in run.new_keys:
            changed_forms.append(view(r))
        if not r.form.superseded_by and not is_complete(form_flags_with_message(r.message, r.form)):
            flagged_forms.append(view(r))
    mails = [
        _mail_view(m, run, tz, extras.notices)
        for m in ordered
        if m.flags or m.outcome == "failed" or m.key in run.failed_keys
    ]
    notice_counts = Counter(notice_label(extras.notices.get(m.key)) for m in ordered)
    breakdowns = [
        ("问题类型", c.by_flag),
        ("项目类别", c.by_funding),
        ("申报单位所在市州（推测）", c.by_region),
        ("申报单位类型（推测）", c.by_unit_type),
        ("选题所属行业领域", c.by_industry),
    ]
    cards = [
        (c.mails, "邮件总数", ""),
        (c.forms_current, "有效申报表", ""),
        (c.forms_complete, "材料齐全", "good"),
        (c.forms_incomplete, "需补正或不符合要求", "bad" if c.forms_incomplete else ""),
        (c.forms_late, "逾期申报表", "bad" if c.forms_late else ""),
        (c.mails_failed, "处理失败邮件", "bad" if c.mails_failed else ""),
        (c.mails_new, "本次新增邮件", ""),
        (c.mails_changed, "本次更新邮件", ""),
    ]
    yield from (
        _env()
        .get_template("summary.html")
        .generate(
            run=run,
            c=c,
            cards=cards,
            workbook_href=quote(workbook_name) if workbook_name else None,
            workbook_name=workbook_name,
            generated=f"{naive_local(run.finished_at or run.started_at, tz):%Y-%m-%d %H:%M}",
            new_forms=new_forms,
            new_groups=_by_unit(new_forms),
            new_since=extras.new_since,
            changed_forms=changed_forms,
            flagged_forms=flagged_forms,
            flagged_mails=mails,
            breakdowns=breakdowns,
            notice_counts=sorted(notice_counts.items()),
        )
    )


def write_summary(
    path: Path,
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    workbook: Path | None = None,
    links: Mapping[str, Any] | None = None,
    new_keys: frozenset[str] | None = None,
    new_since: str = "本次运行",
    notices: Mapping[str, NoticeState] | None = None,
) -> None:
    """Write the HTML summary atomically (UTF-8); the workbook and, through `links` (form_id →
    FormLinks, relative to the workbook's folder), each form's review page and originals are linked."""
    name = None
    prefix = ""
    if workbook is not None:
        rel = Path(os.path.relpath(Path(workbook).resolve().parent, Path(path).resolve().parent)).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        name = f"{prefix}{Path(workbook).name}"
    extras = Extras(links or {}, prefix, new_keys, new_since, notices or {})
    # A lone surrogate from a header must not lose the page; "replace" works per character, so the
    # bytes are those of the whole page encoded at once.
    chunks = (
        piece.encode("utf-8", "replace")
        for piece in _generate(messages, run, tz=tz, workbook_name=name, extras=extras)
    )
    atomic_write_chunks(Path(path), chunks)
