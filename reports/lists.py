"""The list sheets besides 申报项目: 补正清单, 问题清单, 邮件日志, 附件 (the attachments that are not a
form's Word or PDF), 已移除 and 技术信息.

Reviewer sheets speak Chinese only: dates as Chinese dates, sizes in KB/MB, kinds and outcomes in
words, 序号 first.  Codes, ids, hashes and raw mail headers go to 技术信息, the last sheet.

邮件日志, 附件 and 技术信息 are `MailTable`s: their rows come from one mail at a time, so the workbook
fills them all in a single pass over the mails (reports.workbook); 问题清单 and 补正清单 are written
from what that pass collected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from core.decisions import DECISION_HEADERS, Decision
from core.flags import SPECS, Flag, Severity
from core.records import NOTICE_KINDS, MessageRecord, NoticeState, RunInfo
from reports import style
from reports.cells import one_line, size_text
from reports.originals import Originals
from reports.projects import FormView
from reports.reviewer import FORM_ID_HEADER, NUMBER_HEADER, ORPHAN_PREFIX, RECORD_HEADER
from reports.stream import SheetSpec, Spec, stream_table
from reports.style import Look, Looks
from reports.table import flag_severity, flag_text, flag_title, is_late, notice_label, notice_time, run_mark

__all__ = [
    "ATTACHMENTS",
    "MAIL_LOG",
    "NOTICES",
    "TECHNICAL",
    "FixItem",
    "MailTable",
    "RowContext",
    "fix_item",
    "fix_sentence",
    "flag_rows",
    "mail_fix_item",
    "removed_technical_rows",
    "write_fixes",
    "write_flags",
    "write_removed",
]

OUTCOME_LABELS = {"ok": "正常", "flagged": "有问题", "failed": "处理失败"}
STATUS_LABELS = {"parsed": "已解析", "unreadable": "无法读取", "ignored": "已忽略"}
KIND_LABELS = {
    "docx": "Word 文档",
    "doc": "Word 文档（旧版）",
    "wps": "WPS 文档",
    "pdf": "PDF 文件",
    "zip": "压缩包",
    "rar": "压缩包",
    "7z": "压缩包",
    "eml": "邮件",
}
_DT = style.BODY.with_(fmt=style.DATETIME_FORMAT, wrap=False)
_NOWRAP = style.BODY.with_(wrap=False)
_LINK = style.BODY.with_(font=style.LINK_FONT, wrap=False)
# Several values in one cell (file names, hashes): on one line, as LibreOffice opens a line break
# as an edit object (reports.cells.one_line); lists reviewers read item by item keep their lines.
_SEP = "；"


def _sheet(headers: Sequence[tuple[str, int]], **kw: Any) -> SheetSpec:
    return SheetSpec([h for h, _ in headers], [w for _, w in headers], **kw)


def _table(
    ws: Any,
    looks: Looks,
    headers: Sequence[tuple[str, int]],
    rows: Iterable[Sequence[Spec]],
    tz: ZoneInfo,
    **kw: Any,
) -> int:
    kw.setdefault("stamp", looks.stamp)
    return stream_table(ws, looks, _sheet(headers, **kw), rows, tz=tz)


def _row(values: Sequence[Any], looks: Mapping[int, Look | None] | None = None) -> list[Spec]:
    """Plain cells; `looks` maps 0-based columns to their look (None: unstyled)."""
    looks = looks or {}
    return [Spec(v, looks.get(i, style.BODY)) for i, v in enumerate(values)]


@dataclass(frozen=True)
class RowContext:
    """What a mail's rows may need besides the mail (filled once per regeneration)."""

    run: RunInfo
    numbers: Mapping[str, int]
    originals: Originals
    notices: Mapping[str, NoticeState] = field(default_factory=dict)  # mail key → its notice (intake.notify)


@dataclass(frozen=True)
class MailTable:
    """A list sheet whose rows come from one mail at a time; `rows` gives a mail's rows without the
    first column, 序号, which the writer numbers."""

    title: str
    headers: tuple[tuple[str, int], ...]
    rows: Callable[[RowContext, int, MessageRecord], Iterable[list[Spec]]]  # (ctx, mail's 序号, mail)
    freeze: str = "C2"

    def spec(self, stamp: str) -> SheetSpec:
        return _sheet(self.headers, freeze=self.freeze, stamp=stamp)


# ---------------------------------------------------------------- 补正清单


_FIX = {
    "missing_word": "请补发 Word 版申报表。",
    "missing_pdf": "请补发加盖公章的 PDF 扫描版申报表。",
    "missing_field": "请补填：{detail}。",
    "funding_type_missing": "请勾选申报项目类别（财政资助项目或自筹经费项目，仅选一项）。",
    "funding_type_multiple": "申报项目类别只能选一项，请改为单选后重新发送。",
    "self_funding_source_missing": "选择了自筹经费项目，请填写自筹经费来源。",
    "scope_missing": "请勾选是否符合选题范围（服务国家战略、对接产业需求、突出数字技术）。",
    "stamp_missing": "PDF 版未见公章，请加盖申报单位公章后重新扫描发送。",
    "stamp_unverifiable": "PDF 版公章无法核验，请发送清晰的盖章扫描件。",
    "word_pdf_mismatch": "Word 版与 PDF 版内容不一致（{detail}），请核对后重新发送。",
    "scan_only": "只收到扫描件，请补发 Word 版申报表。",
    "no_attachment": "邮件没有附件，请发送 Word 版和盖章 PDF 版申报表。",
    "no_form_found": "邮件中没有找到申报表，请发送 Word 版和盖章 PDF 版申报表。",
    "unreadable_attachment": "附件无法打开（{detail}），请重新发送。",
    "big_attachment_link": "附件是网盘/超大附件链接，请直接以附件发送申报表。",
    "choice_unclear": "勾选看不清（{detail}），请核对后重新发送。",
}
# Nothing the unit can fix by sending again: lateness, supersession, context.
_NOT_FIXABLE = {
    "late",
    "superseded",
    "date_header_mismatch",
    "processing_failed",
    "form_problem",
    "component_missing",  # the office's side: a tool to install, not the unit's fault
    "message_too_large",  # staff read it in the web mail
}


def fix_sentence(f: Flag) -> str | None:
    """What the unit must do about a flag, in one sentence read out on the phone; None: nothing."""
    spec = SPECS.get(f.code)
    if f.code in _NOT_FIXABLE or (spec is not None and spec.severity is Severity.INFO):
        return None
    if f.code in _FIX:
        return _FIX[f.code].replace(
            "{detail}",
            flag_text(Flag("missing_field", f.detail)).removeprefix("未填写：")
            if f.code == "missing_field"
            else f.detail,
        )
    return flag_text(f) + "，请核对后重新发送。"


@dataclass(frozen=True)
class FixItem:
    unit: str
    contact: str | None
    mobile: str | None
    phone: str | None
    email: str
    number: int | None
    project: str | None
    sentences: tuple[str, ...]
    received: datetime


def fix_item(v: FormView) -> FixItem | None:
    """The 补正清单 line of a current form, None when there is nothing to fix."""
    if not v.current:
        return None
    sentences = tuple(dict.fromkeys(s for f in v.flags if (s := fix_sentence(f))))
    if not sentences:
        return None
    sh = v.shown
    unit = one_line(sh.get("applicant.name") or sh.get("declared_org") or "（未填写单位）")
    return FixItem(
        str(unit),
        _text(sh.get("applicant.contact")),
        _text(sh.get("applicant.mobile")),
        _text(sh.get("applicant.office_phone")),
        parseaddr(v.row.message.sender)[1] or v.row.message.sender,
        v.number,
        _text(one_line(sh.get("project_name"))),
        sentences,
        v.row.message.received_at,
    )


def mail_fix_item(m: MessageRecord) -> FixItem | None:
    """A mail that brought no form: what the sender must send (None for a mail with forms)."""
    if m.forms:
        return None
    sentences = tuple(dict.fromkeys(s for f in m.flags if (s := fix_sentence(f))))
    if not sentences:
        return None
    email = parseaddr(m.sender)[1] or m.sender
    return FixItem(
        f"（发件人 {email}）", None, None, None, email, None, m.subject or None, sentences, m.received_at
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def write_fixes(ws: Any, looks: Looks, items: Sequence[FixItem], tz: ZoneInfo) -> int:
    headers = [
        ("序号", 6),
        ("申报单位", 28),
        ("联系人", 9),
        ("手机", 14),
        ("办公电话", 15),
        ("邮箱", 26),
        (NUMBER_HEADER, 7),
        ("项目名称", 30),
        ("需补正内容", 60),
        ("收到时间", 19),
    ]
    ordered = sorted(items, key=lambda i: (i.unit, i.received))
    bold = style.BODY.with_(font=style.BOLD_FONT)

    def rows() -> Iterator[list[Spec]]:
        previous = None
        for n, it in enumerate(ordered, start=1):
            first = it.unit != previous
            previous = it.unit
            text = "\n".join(f"{i}. {s}" for i, s in enumerate(it.sentences, start=1))
            yield _row(
                [
                    n,
                    it.unit,
                    it.contact,
                    it.mobile,
                    it.phone,
                    it.email,
                    it.number,
                    it.project,
                    text,
                    it.received,
                ],
                {
                    1: bold if first else style.BODY.with_(font=style.GREY_FONT),
                    3: _NOWRAP,
                    4: _NOWRAP,
                    5: _NOWRAP,
                    9: _DT,
                },
            )

    return _table(
        ws, looks, headers, rows(), tz, title="补正清单（按申报单位）", print_columns=len(headers) - 1
    )


# ---------------------------------------------------------------- 邮件日志


def _mail_log_rows(ctx: RowContext, n: int, m: MessageRecord) -> Iterator[list[Spec]]:
    run = ctx.run
    notice = ctx.notices.get(m.key)
    outcome = "failed" if m.key in run.failed_keys else m.outcome
    label = OUTCOME_LABELS.get(outcome, outcome)
    received = _DT.with_(fill=style.LATE_FILL) if is_late(m) else _DT
    yield _row(
        [
            m.received_at,
            m.sender,
            m.subject,
            _SEP.join(a.filename for a in m.attachments) or None,
            len(m.forms),
            label,
            "\n".join(f"· {flag_text(f)}" for f in m.flags) or None,
            run_mark(m.key, run.new_keys, run.changed_keys),
            notice_label(notice),
            notice_time(notice),
        ],
        {0: received, 1: _NOWRAP, 5: style.BODY.with_(fill=style.STATUS_FILLS.get(label)), 9: _DT},
    )


MAIL_LOG = MailTable(
    "邮件日志",
    (
        ("序号", 6),
        ("收到时间", 19),
        ("发件人", 30),
        ("主题", 36),
        ("附件", 36),
        ("申报表数", 8),
        ("处理结果", 9),
        ("问题", 46),
        ("本次运行", 8),
        ("通知", 10),
        ("通知时间", 19),
    ),
    _mail_log_rows,
)


# ---------------------------------------------------------------- 附件

_UNREADABLE = style.BODY.with_(fill=style.STATUS_FILLS["无法读取"])


def _attachment_rows(ctx: RowContext, n: int, m: MessageRecord) -> Iterator[list[Spec]]:
    """The attachments and archive members that are not a form's Word or PDF (those are on their
    申报项目 row): what was ignored or could not be read, and why; each linked to its copy under 原件/."""
    sources = {name for form in m.forms for name in form.sources}
    for a in m.attachments:
        if a.filename in sources and a.status == "parsed":
            continue
        status = STATUS_LABELS.get(a.status, a.status)
        row = _row(
            [a.filename, KIND_LABELS.get(a.kind, "其他"), size_text(a.size), status, a.detail or None, n],
            {2: _NOWRAP, 3: _UNREADABLE if status == "无法读取" else style.BODY},
        )
        link = ctx.originals.of(m.key, a.filename)
        if link:
            row[0] = Spec(a.filename, _LINK, link=link)
        yield row


ATTACHMENTS = MailTable(
    "附件",
    (("序号", 6), ("文件名", 40), ("类型", 11), ("大小", 9), ("状态", 9), ("说明", 40), ("邮件序号", 8)),
    _attachment_rows,
)


# ---------------------------------------------------------------- 通知


def _notice_rows(ctx: RowContext, n: int, m: MessageRecord) -> Iterator[list[Spec]]:
    """The notice a mail got (回执 / 补正通知), or 未生成 and why, when that is known here."""
    notice = ctx.notices.get(m.key)
    note = (
        notice.error
        if notice and notice.error
        else ("处理失败，不生成通知" if m.outcome == "failed" else None)
    )
    failed = notice is not None and notice.status not in ("drafted", "sent")
    yield _row(
        [
            m.received_at,
            m.sender,
            m.subject,
            NOTICE_KINDS.get(notice.kind, "其他") if notice else None,
            notice_label(notice),
            (notice_time(notice) or notice.at) if notice else None,
            notice.recipient if notice else None,
            note,
        ],
        {
            0: _DT,
            1: _NOWRAP,
            4: style.BODY.with_(fill=style.FLAG_FILL) if failed else style.BODY,
            5: _DT,
            6: _NOWRAP,
        },
    )


NOTICES = MailTable(
    "通知",
    (
        ("序号", 6),
        ("收到时间", 19),
        ("发件人", 30),
        ("主题", 36),
        ("通知类型", 10),
        ("状态", 14),
        ("时间", 19),
        ("收件人", 30),
        ("说明", 40),
    ),
    _notice_rows,
)


# ---------------------------------------------------------------- 技术信息

_PLAIN: dict[int, Look | None] = dict.fromkeys(range(9), None)


def _technical_rows(ctx: RowContext, n: int, m: MessageRecord) -> Iterator[list[Spec]]:
    """Codes, ids, hashes and raw headers for whoever maintains intake (one row per form, and one per
    mail without a form); 受理号 ↔ 表单编号 is also how a regeneration reads the workbook back."""
    hashes = _SEP.join(f"{a.filename}: {a.sha256}" for a in m.attachments) or None
    notice = ctx.notices.get(m.key)
    for form in m.forms or (None,):
        flags = form.flags if form is not None else m.flags
        yield _row(
            [
                ctx.numbers.get(form.form_id) if form is not None else None,
                form.form_id if form is not None else None,
                m.key,
                m.message_id,
                m.date_header,
                " ".join(dict.fromkeys(f.code for f in (*m.flags, *flags))) or None,
                hashes,
                notice.notice_message_id if notice else None,
            ],
            _PLAIN,
        )


def removed_technical_rows(removed: Sequence[tuple[int, str]]) -> Iterator[list[Spec]]:
    """受理号 ↔ 表单编号 of forms whose decisions are on 已移除 (without 序号, like a MailTable's)."""
    for number, form_id in removed:
        yield _row([number, form_id, "（已移除）"], _PLAIN)


TECHNICAL = MailTable(
    "技术信息",
    (
        ("序号", 6),
        (NUMBER_HEADER, 7),
        (FORM_ID_HEADER, 22),
        ("邮件编号", 22),
        ("Message-ID", 34),
        ("邮件头 Date", 30),
        ("问题代码", 30),
        ("附件 SHA-256", 40),  # the archived copy is data_dir/files/<first two>/<sha256><ext>
        ("通知 Message-ID", 30),
    ),
    _technical_rows,
    freeze="D2",
)


# ---------------------------------------------------------------- 问题清单


_SEVERITY_ORDER = {"错误": 0, "警告": 1, "提示": 2}


def flag_rows(m: MessageRecord, numbers: Mapping[str, int]) -> Iterator[tuple[int, list[Any]]]:
    """(severity rank, values) of the 问题清单 rows of one mail."""
    for f in m.flags:
        names = (
            _SEP.join(one_line(str(x.fields.project_name)) for x in m.forms if x.fields.project_name) or None
        )
        orgs = (
            _SEP.join(one_line(str(x.fields.declared_org)) for x in m.forms if x.fields.declared_org) or None
        )
        values: list[Any] = [
            flag_title(f),
            flag_severity(f),
            flag_text(f),
            "邮件",
            None,
            names,
            orgs,
            m.received_at,
        ]
        yield _SEVERITY_ORDER.get(str(values[1]), 3), values
    for form in m.forms:
        for f in form.flags:
            if f not in m.flags:
                values = [
                    flag_title(f),
                    flag_severity(f),
                    flag_text(f),
                    "申报表",
                    numbers.get(form.form_id),
                    one_line(form.fields.project_name),
                    one_line(form.fields.declared_org),
                    m.received_at,
                ]
                yield _SEVERITY_ORDER.get(str(values[1]), 3), values


def write_flags(ws: Any, looks: Looks, collected: Sequence[tuple[int, list[Any]]], tz: ZoneInfo) -> int:
    """One row per flag, the most severe first (receipt order within a severity)."""
    headers = [
        ("序号", 6),
        ("问题", 14),
        ("严重程度", 8),
        ("说明", 56),
        (NUMBER_HEADER, 7),  # empty for a finding about the mail as a whole
        ("项目名称", 30),
        ("申报单位", 28),
    ]
    ordered = sorted(collected, key=lambda rv: rv[0])  # stable: receipt order kept within a rank
    rows = (
        _row([n, *values], {2: style.BODY.with_(fill=style.SEVERITY_FILLS.get(str(values[1])))})
        for n, (_, values) in enumerate(ordered, start=1)
    )
    return _table(ws, looks, headers, rows, tz)


# ---------------------------------------------------------------- 已移除


def write_removed(
    ws: Any, looks: Looks, removed: Sequence[tuple[str, int | None, Decision]], now: datetime, tz: ZoneInfo
) -> int:
    """Decisions whose form is gone; read back by 受理号 (技术信息 maps it), or by the 记录 text of a
    decision that lost its 受理号 ("（无受理号）…")."""
    headers = [
        ("序号", 6),
        (NUMBER_HEADER, 7),
        ("项目名称", 30),
        ("申报单位", 28),
        *((h, 30) for h in DECISION_HEADERS),
        ("移除时间", 19),
        (RECORD_HEADER, 30),
    ]
    rows = (
        _row(
            [
                n,
                number,
                d.project_name or None,
                d.declared_org or None,
                *d.values,
                d.removed_at or now,
                key if key.startswith(ORPHAN_PREFIX) else None,
            ],
            {7: _DT, 8: style.BODY.with_(font=style.GREY_FONT, wrap=False)},
        )
        for n, (key, number, d) in enumerate(removed, start=1)
    )
    return _table(
        ws, looks, headers, rows, tz, title="已移除（对应申报表已不在本次结果中，审核意见原样保留）"
    )
