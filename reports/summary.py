"""The HTML summary of a run (jinja2, autoescaped): counts, new and changed submissions, flagged items.

One self-contained page (inline CSS, no scripts, no external resources), written beside the workbook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
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


def _form_view(r: FormRow, tz: ZoneInfo) -> _FormView:
    flags = form_flags_with_message(r.message, r.form)
    status = form_status(r.message, r.form, flags)
    fields = r.form.fields
    return _FormView(
        _text(fields.project_name),
        _text(fields.declared_org),
        status,
        _STATUS_CLASS.get(status, ""),
        tuple(flag_text(f) for f in flags),
        _when(r.message, tz),
        r.message.sender,
        is_late(r.message, r.form),
    )


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


def render_summary(
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    workbook_name: str | None = None,
    notices: Mapping[str, NoticeState] | None = None,
) -> str:
    """The summary page as HTML text; `workbook_name` (a file beside the page) gets a link."""
    return "".join(_generate(messages, run, tz=tz, workbook_name=workbook_name, notices=notices or {}))


def _generate(
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    workbook_name: str | None,
    notices: Mapping[str, NoticeState],
) -> Iterator[str]:
    """The page in pieces (what render() joins).  A re-iterable in receipt order (the store's view) is
    streamed: only the listed views are kept, and the page is never one string (8 MB at 10,000)."""
    ordered = receipt_ordered(messages)
    c = count(ordered, run)
    new_forms: list[_FormView] = []
    changed_forms: list[_FormView] = []
    flagged_forms: list[_FormView] = []
    for r in iter_form_rows(ordered):
        if r.message.key in run.new_keys:
            new_forms.append(_form_view(r, tz))
        if r.message.key in run.changed_keys:
            changed_forms.append(_form_view(r, tz))
        if not r.form.superseded_by and not is_complete(form_flags_with_message(r.message, r.form)):
            flagged_forms.append(_form_view(r, tz))
    mails = [
        _mail_view(m, run, tz, notices)
        for m in ordered
        if m.flags or m.outcome == "failed" or m.key in run.failed_keys
    ]
    notice_counts = Counter(notice_label(notices.get(m.key)) for m in ordered)
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
    notices: Mapping[str, NoticeState] | None = None,
) -> None:
    """Write the HTML summary atomically (UTF-8); `workbook` beside it is linked by its name."""
    name = Path(workbook).name if workbook and Path(workbook).parent == Path(path).parent else None
    # A lone surrogate from a header must not lose the page; "replace" works per character, so the
    # bytes are those of the whole page encoded at once.
    chunks = (
        piece.encode("utf-8", "replace")
        for piece in _generate(messages, run, tz=tz, workbook_name=name, notices=notices or {})
    )
    atomic_write_chunks(Path(path), chunks)
