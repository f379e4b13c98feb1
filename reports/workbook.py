"""The reviewers' workbook (openpyxl): 汇总, 申报项目, 问题清单, 邮件日志, 附件 and, when needed, 已移除.

Regeneration keeps what reviewers typed in 推荐级别 / 审核意见 / 审核人 (matched by 表单编号); a row
whose form disappeared moves to 已移除.  The file is written to a temporary sibling and moved into
place; the previous workbook is kept as <name>.bak.xlsx.

Sheets are streamed (openpyxl write-only, see reports/stream.py): memory grows with the records the
rows are made from, not with openpyxl cell objects (issue 7: RSS flat from 1,000 to 10,000 forms).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.flags import Flag
from core.records import NOTICE_KINDS, AttachmentRecord, MessageRecord, NoticeState, RunInfo
from core.schema import FIELDS, Column, Kind
from reports import style
from reports.atomic import file_mode
from reports.cells import naive_local
from reports.counts import Counts, count
from reports.reviewer import (
    FORM_ID_HEADER,
    PROJECT_SHEET,
    REMOVED_SHEET,
    REVIEW_HEADERS,
    ReviewNote,
    read_review_notes,
)
from reports.rows import FormRow, iter_form_rows, receipt_ordered
from reports.stream import SheetSpec, Spec, make_cell, stream_table
from reports.table import (
    FIELD_COLUMNS,
    HEADERS,
    display_value,
    flag_severity,
    flag_text,
    flag_title,
    form_flags_with_message,
    form_status,
    guess_region,
    is_late,
    notice_label,
    notice_time,
    training_days,
)

__all__ = ["REVIEW_CHOICES", "SHEETS", "backup_path", "build_workbook", "write_workbook"]

log = logging.getLogger(__name__)

REVIEW_CHOICES = ("推荐国家级", "推荐省级", "不推荐", "待定")
_REVIEW_WIDTHS = {"推荐级别": 13, "审核意见": 30, "审核人": 9}
SHEETS = ("汇总", PROJECT_SHEET, "问题清单", "邮件日志", "附件", "通知")
OUTCOME_LABELS = {"ok": "正常", "flagged": "有问题", "failed": "处理失败"}
STATUS_LABELS = {"parsed": "已解析", "unreadable": "无法读取", "ignored": "已忽略"}
SEAL_LABELS = {"present": "有", "absent": "未见", "unknown": "无法核验", "not_checked": "未检查"}


# ---------------------------------------------------------------- 申报项目


class _Col:
    """One column of 申报项目: header, cap on width, and how a row gives its value."""

    def __init__(
        self,
        header: str,
        width: int,
        get: Callable[[FormRow], Any],
        fmt: str | None = None,
        field: Column | None = None,
        wrap: bool = True,
    ) -> None:
        self.header, self.width, self.get, self.fmt, self.field = header, width, get, fmt, field
        self.wrap = wrap


_WIDTHS = {Kind.LONG: 50, Kind.NOTES: 50, Kind.DATE: 12, Kind.OPTIONS: 10, Kind.PHONE: 16}


def _field_col(fc: Column) -> _Col:
    width = _WIDTHS.get(fc.spec.kind, 30)
    fmt = style.DATE_FORMAT if fc.spec.kind is Kind.DATE else None
    return _Col(fc.header, width, lambda r: display_value(fc, r.form.fields.get(fc.path)), fmt, fc)


def _project_columns(tz: ZoneInfo, run: RunInfo, rel_links: dict[tuple[str, str], str]) -> list[_Col]:
    by_path = {fc.path: _field_col(fc) for fc in FIELD_COLUMNS}
    head = [by_path.pop("project_name"), by_path.pop("declared_org")]
    cols = [
        *head,
        _Col(
            "状态", 10, lambda r: form_status(r.message, r.form, form_flags_with_message(r.message, r.form))
        ),
        _Col(
            "问题",
            44,
            lambda r: (
                "\n".join(f"· {flag_text(f)}" for f in form_flags_with_message(r.message, r.form)) or None
            ),
        ),
        _Col("推荐级别", 12, lambda r: None),
        _Col("审核意见", 40, lambda r: None),
        _Col("审核人", 10, lambda r: None),
        _Col(
            "本次运行",
            8,
            lambda r: (
                "新增"
                if r.message.key in run.new_keys
                else "更新"
                if r.message.key in run.changed_keys
                else None
            ),
        ),
    ]
    for path, col in by_path.items():
        cols.append(col)
        if path == "training_end":
            cols.append(_Col("办班天数", 8, lambda r: training_days(r.form.fields)))
    cols += [
        _Col("所在市州（推测）", 18, lambda r: guess_region(r.form.fields)),
        _Col("收到时间", 17, lambda r: naive_local(r.message.received_at, tz), style.DATETIME_FORMAT),
        _Col("发件人", 36, lambda r: r.message.sender, wrap=False),
        _Col("邮件主题", 40, lambda r: r.message.subject),
        _Col("原件", 6, lambda r: "打开" if _first_link(r, rel_links) else None),
        _Col("源文件", 40, lambda r: "\n".join(r.form.sources)),
        _Col("PDF公章", 9, lambda r: SEAL_LABELS.get(r.form.pdf_seal, r.form.pdf_seal)),
        _Col("替代为", 20, lambda r: r.form.superseded_by, wrap=False),
        _Col(FORM_ID_HEADER, 20, lambda r: r.form.form_id, wrap=False),
    ]
    return cols


def _flag_targets(flag: Flag) -> set[str]:
    """Headers of the cells a flag points at (highlighted)."""
    fixed = {
        "funding_type_missing": {"申报项目类别"},
        "funding_type_multiple": {"申报项目类别"},
        "self_funding_source_missing": {"自筹经费来源"},
        "scope_missing": {"服务国家战略", "对接产业需求", "突出数字技术"},
        "training_after_deadline": {"办班结束日期", "办班时间"},
        "training_dates_unparsed": {"办班时间"},
        "stamp_missing": {"PDF公章"},
        "stamp_unverifiable": {"PDF公章"},
        "missing_word": {"源文件"},
        "missing_pdf": {"源文件"},
        "late": {"收到时间"},
        "superseded": {"替代为"},
    }
    if flag.code in fixed:
        return fixed[flag.code]
    if flag.code in ("missing_field", "word_pdf_mismatch", "choice_unclear"):
        return _fields_named(flag.detail)
    return set()


# How flags name fields (core.schema FieldSpec.name) → the columns that show them.
_COLUMNS_BY_NAME = {spec.name: tuple(c.header for c in spec.columns) for spec in FIELDS}


def _fields_named(detail: str) -> set[str]:
    """Column headers a flag's detail names: contract paths ("applicant.mobile") or the names the rules
    print ("申报单位信息·办公电话/手机", "授课专家情况"; a mismatch names its field before the colon)."""
    found = {header for path, header in HEADERS.items() if path in detail}
    for token in re.split(r"[，,、;；\s]+", detail.split("：")[0]):
        block, dot, names = token.rpartition("·")
        for name in names.split("/"):
            found.update(_COLUMNS_BY_NAME.get(f"{block}{dot}{name}", ()))
    return found


def _sheet_projects(
    wb: Workbook,
    rows: Iterable[FormRow],
    notes: dict[str, ReviewNote],
    tz: ZoneInfo,
    run: RunInfo,
    rel_links: dict[tuple[str, str], str],
) -> None:
    ws = wb.create_sheet(PROJECT_SHEET)
    cols = _project_columns(tz, run, rel_links)
    index = {col.header: i for i, col in enumerate(cols)}
    review = {index[h]: _REVIEW_WIDTHS[h] for h in REVIEW_HEADERS}  # empty until reviewers type: give room
    sheet = SheetSpec(
        [c.header for c in cols],
        [c.width for c in cols],
        header_fills=dict.fromkeys(review, _REVIEW_HEADER_FILL),
        header_notes={index[h]: text for h, text in _HEADER_NOTES.items()},
        fixed_widths={i: float(w) for i, w in review.items()},
    )
    n = stream_table(
        ws,
        sheet,
        (_project_row(row, cols, index, notes.get(row.form.form_id), rel_links) for row in rows),
        tz=tz,
    )
    _review_dropdown(ws, index["推荐级别"] + 1, n)
    _review_colours(ws, index["推荐级别"] + 1, n)


_REVIEW_HEADER_FILL = style.PatternFill("solid", fgColor="2E75B6")


def _project_row(
    row: FormRow,
    cols: Sequence[_Col],
    index: dict[str, int],
    note: ReviewNote | None,
    rel_links: dict[tuple[str, str], str],
) -> list[Spec]:
    flags = form_flags_with_message(row.message, row.form)
    late = is_late(row.message, row.form)
    targets = set().union(*(_flag_targets(f) for f in flags)) if flags else set()
    if flags:
        targets.add("问题")
    font = style.GREY_FONT if row.form.superseded_by else None
    specs = []
    for col in cols:
        value = col.get(row)
        fill = style.FLAG_FILL if col.header in targets else (style.LATE_FILL if late else None)
        if col.header == "状态":
            fill = style.STATUS_FILLS.get(str(value), fill)
        comment = None
        confidence = _ocr_confidence(row, col) if value is not None else None
        if confidence is not None:
            fill, comment = _ocr_mark(confidence, fill)
        specs.append(
            Spec(value, fill, font, style.WRAP if col.wrap else style.NOWRAP, col.fmt, comment=comment)
        )
    for i, header in enumerate(REVIEW_HEADERS):
        old = specs[index[header]]
        fill = old.fill if late else style.REVIEW_FILL
        specs[index[header]] = Spec(note.values[i] if note else None, fill, old.font, old.align)
    link = _first_link(row, rel_links)
    if link:
        old = specs[index["原件"]]
        specs[index["原件"]] = Spec(old.value, old.fill, style.LINK_FONT, old.align, link=link)
    return specs


OCR_NOTE = "OCR 识别，请核对原件"


def _ocr_confidence(row: FormRow, col: _Col) -> float | None:
    """The recogniser's confidence of the field this column shows, when it was read from a scan."""
    if col.field is None:
        return None
    spec = col.field.spec
    value = row.form.confidence.get(spec.part_of or spec.key)
    return float(value) if value is not None else None


def _ocr_mark(confidence: float, fill: Any) -> tuple[Any, str]:
    """A value read from a scan: coloured (more strongly when the recogniser was unsure, unless a flag
    already colours it) and commented with the confidence."""
    low = confidence < style.OCR_LOW_BELOW
    if fill is not style.FLAG_FILL:
        fill = style.OCR_LOW_FILL if low else style.OCR_FILL
    sure = "（识别把握较低" if low else "（识别置信度"
    return fill, f"{OCR_NOTE}{sure} {confidence:.0%}）"


def _first_link(row: FormRow, rel_links: dict[tuple[str, str], str]) -> str | None:
    """The first archived source (Word first: the one people read and copy from)."""
    for name in row.form.sources:
        target = rel_links.get((row.message.key, name))
        if target:
            return target
    return None


_HEADER_NOTES = {
    FORM_ID_HEADER: "重新生成本表时按此编号保留审核意见，请勿修改或删除本列。",
    "推荐级别": "从下拉列表选择：" + " / ".join(REVIEW_CHOICES) + "。重新生成时保留。",
    "审核意见": "自由填写；重新生成时保留。",
    "审核人": "填写审核人姓名；重新生成时保留。",
}
_CHOICE_FILLS = {"推荐国家级": "C6EFCE", "推荐省级": "DDEBF7", "不推荐": "FFC7CE", "待定": "FFEB9C"}


def _review_colours(ws: Worksheet, col: int, nrows: int) -> None:
    """The chosen 推荐级别 colours its cell (conditional formatting: no formula in any cell)."""
    letter = get_column_letter(col)
    cells = f"{letter}2:{letter}{max(nrows + 1, 2)}"
    for choice, colour in _CHOICE_FILLS.items():
        fill = style.PatternFill("solid", fgColor=colour)
        rule = CellIsRule(operator="equal", formula=[f'"{choice}"'], fill=fill)
        ws.conditional_formatting.add(cells, rule)


def _review_dropdown(ws: Worksheet, col: int, nrows: int) -> None:
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(REVIEW_CHOICES) + '"',
        allow_blank=True,
        showDropDown=False,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="推荐级别",
        error="请从下拉列表中选择：" + " / ".join(REVIEW_CHOICES),
        promptTitle="推荐级别",
        prompt="请选择：" + " / ".join(REVIEW_CHOICES),
        showInputMessage=True,
    )
    letter = get_column_letter(col)
    dv.add(f"{letter}2:{letter}{max(nrows + 1, 2)}")
    ws.data_validations.append(dv)


# ---------------------------------------------------------------- other list sheets


def _table(
    wb: Workbook, title: str, headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[Spec]], tz: ZoneInfo
) -> int:
    """A streamed list sheet; returns its number of data rows."""
    ws = wb.create_sheet(title)
    return stream_table(ws, SheetSpec([h for h, _ in headers], [w for _, w in headers]), rows, tz=tz)


def _specs(
    values: Sequence[Any], headers: Sequence[tuple[str, int]], formats: dict[int, str], nowrap: Sequence[str]
) -> list[Spec]:
    """Plain cells of a list sheet; columns named in `nowrap` (ids, hashes, addresses) stay on one line."""
    return [
        Spec(v, None, None, style.NOWRAP if headers[i][0] in nowrap else style.WRAP, formats.get(i + 1))
        for i, v in enumerate(values)
    ]


def _with(specs: list[Spec], col: int, **changes: Any) -> None:
    """Change one cell (1-based column) of a row of specs."""
    specs[col - 1] = replace(specs[col - 1], **changes)


_SEVERITY_ORDER = {"错误": 0, "警告": 1, "提示": 2}


def _flag_rows(m: MessageRecord) -> Iterator[list[Any]]:
    for f in m.flags:
        yield [
            flag_title(f),
            flag_severity(f),
            flag_text(f),
            "邮件",
            _joined(m, "project_name"),
            _joined(m, "declared_org"),
            m.sender,
            m.received_at,
            None,
            m.key,
            f.code,
        ]
    for form in m.forms:
        for f in form.flags:
            if f not in m.flags:
                yield [
                    flag_title(f),
                    flag_severity(f),
                    flag_text(f),
                    "申报表",
                    form.fields.project_name,
                    form.fields.declared_org,
                    m.sender,
                    m.received_at,
                    form.form_id,
                    m.key,
                    f.code,
                ]


def _sheet_flags(wb: Workbook, ordered: Iterable[MessageRecord], tz: ZoneInfo, ranks: Sequence[int]) -> None:
    headers = [
        ("问题", 16),
        ("严重程度", 8),
        ("说明", 60),
        ("层级", 6),
        ("项目名称", 30),
        ("申报单位", 30),
        ("发件人", 36),
        ("收到时间", 17),
        (FORM_ID_HEADER, 20),
        ("邮件编号", 20),
        ("代码", 22),
    ]
    nowrap = ("发件人", FORM_ID_HEADER, "邮件编号", "代码")

    def specs() -> Iterator[list[Spec]]:
        # One pass per severity, receipt order within it (what a stable sort by severity gives).
        for rank in ranks:
            for m in ordered:
                for values in _flag_rows(m):
                    if _SEVERITY_ORDER.get(str(values[1]), 3) != rank:
                        continue
                    row = _specs(values, headers, {8: style.DATETIME_FORMAT}, nowrap)
                    fill = style.SEVERITY_FILLS.get(str(values[1]))
                    if fill is not None:
                        _with(row, 2, fill=fill)
                    yield row

    _table(wb, "问题清单", headers, specs(), tz)


def _joined(m: MessageRecord, key: str) -> str | None:
    """A field of every form of the message, one per line (message-level flags name their forms)."""
    names = [str(f.fields.get(key)) for f in m.forms if f.fields.get(key)]
    return "\n".join(names) or None


def _sheet_mail_log(
    wb: Workbook,
    ordered: Iterable[MessageRecord],
    run: RunInfo,
    tz: ZoneInfo,
    notices: Mapping[str, NoticeState],
) -> None:
    headers = [
        ("收到时间（北京时间）", 17),
        ("发件人", 36),
        ("主题", 40),
        ("附件", 40),
        ("申报表数", 8),
        ("处理结果", 9),
        ("问题", 50),
        ("本次运行", 8),
        ("通知", 10),
        ("通知时间", 17),
        ("邮件头 Date", 30),
        ("Message-ID", 30),
        ("邮件编号", 20),
    ]
    nowrap = ("发件人", "邮件头 Date", "Message-ID", "邮件编号")

    def specs() -> Iterator[list[Spec]]:
        for m in ordered:
            notice = notices.get(m.key)
            outcome = "failed" if m.key in run.failed_keys else m.outcome
            fresh = "新增" if m.key in run.new_keys else ("更新" if m.key in run.changed_keys else None)
            label = OUTCOME_LABELS.get(outcome, outcome)
            row = _specs(
                [
                    m.received_at,
                    m.sender,
                    m.subject,
                    "\n".join(a.filename for a in m.attachments) or None,
                    len(m.forms),
                    label,
                    "\n".join(f"· {flag_text(f)}" for f in m.flags) or None,
                    fresh,
                    notice_label(notice),
                    notice_time(notice),
                    m.date_header,
                    m.message_id,
                    m.key,
                ],
                headers,
                {1: style.DATETIME_FORMAT, 10: style.DATETIME_FORMAT},
                nowrap,
            )
            fill = style.STATUS_FILLS.get(str(label))
            if fill is not None:
                _with(row, 6, fill=fill)
            if is_late(m):
                _with(row, 1, fill=style.LATE_FILL)
            yield row

    _table(wb, "邮件日志", headers, specs(), tz)


NOTICE_SHEET = "通知"


def _sheet_notices(
    wb: Workbook, ordered: Iterable[MessageRecord], tz: ZoneInfo, notices: Mapping[str, NoticeState]
) -> None:
    """One row per mail: the notice it got (or 未生成 and why, when that is known here)."""
    headers = [
        ("收到时间（北京时间）", 17),
        ("发件人", 36),
        ("主题", 40),
        ("通知类型", 10),
        ("状态", 12),
        ("时间", 17),
        ("收件人", 30),
        ("说明", 40),
        ("通知 Message-ID", 30),
        ("邮件编号", 20),
    ]
    nowrap = ("发件人", "收件人", "通知 Message-ID", "邮件编号")

    def specs() -> Iterator[list[Spec]]:
        for m in ordered:
            n = notices.get(m.key)
            note = n.error if n and n.error else ("处理失败，不生成通知" if m.outcome == "failed" else None)
            row = _specs(
                [
                    m.received_at,
                    m.sender,
                    m.subject,
                    NOTICE_KINDS.get(n.kind, n.kind) if n else None,
                    notice_label(n),
                    notice_time(n) or (n.at if n else None),
                    n.recipient if n else None,
                    note,
                    n.notice_message_id if n else None,
                    m.key,
                ],
                headers,
                {1: style.DATETIME_FORMAT, 6: style.DATETIME_FORMAT},
                nowrap,
            )
            if n and n.status not in ("drafted", "sent"):
                _with(row, 5, fill=style.FLAG_FILL)
            yield row

    _table(wb, NOTICE_SHEET, headers, specs(), tz)


def archive_link(a: AttachmentRecord, data_dir: Path, base: Path) -> str | None:
    """Relative link from the workbook's folder to the archived copy, only for a path the store made
    (relative, no '..'); None when there is no archived copy on disk."""
    if not a.archive_path:
        return None
    rel = PurePosixPath(a.archive_path.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts:
        return None
    target = Path(data_dir) / rel
    if not target.is_file():
        return None
    return Path(os.path.relpath(target.resolve(), Path(base).resolve())).as_posix()


def _attachment_links(
    messages: Iterable[MessageRecord], data_dir: Path, base: Path
) -> dict[tuple[str, str], str]:
    links: dict[tuple[str, str], str] = {}
    for m in messages:
        for a in m.attachments:
            link = archive_link(a, data_dir, base)
            if link:
                links.setdefault((m.key, a.filename), link)
    return links


def _sheet_attachments(
    wb: Workbook, ordered: Iterable[MessageRecord], tz: ZoneInfo, links: dict[tuple[str, str], str]
) -> None:
    # The link sits on a short "打开" cell: LibreOffice does not wrap a hyperlinked cell's text.
    headers = [
        ("文件名", 40),
        ("原件", 6),
        ("所在压缩包", 24),
        ("类型", 7),
        ("大小（字节）", 12),
        ("状态", 9),
        ("说明", 40),
        ("收到时间", 17),
        ("发件人", 36),
        ("邮件主题", 36),
        ("归档副本", 30),
        ("SHA-256", 20),
        ("邮件编号", 20),
    ]
    nowrap = ("发件人", "归档副本", "SHA-256", "邮件编号")

    def specs() -> Iterator[list[Spec]]:
        for m in ordered:
            for a in m.attachments:
                link = links.get((m.key, a.filename))
                status = STATUS_LABELS.get(a.status, a.status)
                row = _specs(
                    [
                        a.filename,
                        "打开" if link else None,
                        a.parent,
                        a.kind,
                        a.size,
                        status,
                        a.detail or None,
                        m.received_at,
                        m.sender,
                        m.subject,
                        link or "（无归档副本）",
                        a.sha256,
                        m.key,
                    ],
                    headers,
                    {5: "#,##0", 8: style.DATETIME_FORMAT},
                    nowrap,
                )
                if link:
                    for c in (2, 11):
                        _with(row, c, link=link, font=style.LINK_FONT)
                if status == "无法读取":
                    _with(row, 6, fill=style.FLAG_FILL)
                yield row

    _table(wb, "附件", headers, specs(), tz)


def _sheet_removed(wb: Workbook, removed: Sequence[ReviewNote], tz: ZoneInfo, now: datetime) -> None:
    headers = [
        (FORM_ID_HEADER, 20),
        ("项目名称", 30),
        ("申报单位", 30),
        *((h, 30) for h in REVIEW_HEADERS),
        ("移除时间", 17),
    ]
    rows = (
        [n.form_id, n.project_name or None, n.declared_org or None, *n.values, n.removed_at or now]
        for n in removed
    )
    ws = wb.create_sheet(REMOVED_SHEET)
    specs = (_specs(v, headers, {7: style.DATETIME_FORMAT}, (FORM_ID_HEADER,)) for v in rows)
    stream_table(ws, SheetSpec([h for h, _ in headers], [w for _, w in headers]), specs, tz=tz)
    ws.append([])
    ws.append(
        [
            make_cell(
                ws,
                Spec(
                    "说明：这些审核记录对应的申报表已不在本次结果中（邮件被重新处理或删除），"
                    "审核意见原样保留于此。"
                ),
                tz,
            )
        ]
    )


# ---------------------------------------------------------------- 汇总


_Grid = dict[tuple[int, int], Spec]
_TITLE_FONT = style.Font(name=style.FONT_NAME, bold=True, size=16, color="1F4E79")
_BLOCK_FONT = style.Font(name=style.FONT_NAME, bold=True, color="1F4E79", size=12)


def _block(grid: _Grid, row: int, col: int, title: str, items: Sequence[tuple[str, Any]]) -> int:
    """A titled two-column block of label/value pairs; returns the next free row."""
    grid[row, col] = Spec(title, font=_BLOCK_FONT)
    for i, (label, value) in enumerate(items, start=row + 1):
        grid[i, col] = Spec(label, align=style.WRAP)
        grid[i, col + 1] = Spec(value)
    return row + len(items) + 2


_NAV = (
    (1, PROJECT_SHEET, "▶ 申报项目（逐项审核）"),
    (4, "问题清单", "▶ 问题清单"),
    (7, "邮件日志", "▶ 邮件日志"),
    (10, "附件", "▶ 附件（原件）"),
)


def _sheet_links(grid: _Grid, row: int) -> None:
    """Links to the other sheets (internal locations: nothing outside the workbook is touched)."""
    for col, sheet, text in _NAV:
        grid[row, col] = Spec(text, font=style.LINK_FONT, link=f"'{sheet}'!A1", internal=True)


def _sheet_summary(wb: Workbook, c: Counts, run: RunInfo, tz: ZoneInfo, levels: dict[str, int]) -> None:
    """汇总 is small: laid out as a grid of cells first, then streamed row by row."""
    ws = wb.create_sheet("汇总")
    grid: _Grid = {(1, 1): Spec("高级研修项目申报汇总", font=_TITLE_FONT)}
    grid[2, 1] = Spec(
        f"生成时间：{naive_local(run.finished_at or run.started_at, tz):%Y-%m-%d %H:%M}（北京时间）"
        f"    运行编号：{run.run_id}    审核规则版本：{run.rules_version}"
    )
    _sheet_links(grid, 3)
    overview = [
        ("邮件总数", c.mails),
        ("其中逾期邮件", c.mails_late),
        ("处理失败邮件", c.mails_failed),
        ("申报表总数", c.forms),
        ("有效申报表（不含已被替代）", c.forms_current),
        ("按时提交", c.forms_on_time),
        ("逾期提交", c.forms_late),
        ("材料齐全", c.forms_complete),
        ("需补正或不符合要求", c.forms_incomplete),
        ("本次新增邮件", c.mails_new),
        ("本次新增申报表", c.forms_new),
        ("本次更新邮件", c.mails_changed),
    ]
    nxt = _block(grid, 5, 1, "总体情况", overview)
    _block(
        grid,
        nxt,
        1,
        "审核进度（有效申报表的推荐级别）",
        [(k, levels.get(k, 0)) for k in (*REVIEW_CHOICES, "未填写")],
    )
    _block(grid, 5, 4, "按问题类型", c.by_flag or (("无", 0),))
    nxt = _block(grid, 5, 7, "按项目类别", c.by_funding or (("无", 0),))
    nxt = _block(grid, nxt, 7, "按申报单位所在市州（推测）", c.by_region or (("无", 0),))
    _block(grid, nxt, 7, "按申报单位类型（推测）", c.by_unit_type or (("无", 0),))
    _block(grid, 5, 10, "按选题所属行业领域", c.by_industry or (("无", 0),))
    for letter, width in zip("ABCDEFGHIJK", (28, 8, 3, 20, 8, 3, 28, 8, 3, 30, 8), strict=False):
        ws.column_dimensions[letter].width = width
    last = max(r for r, _ in grid)
    grid[last + 2, 1] = Spec(
        "说明：重新生成本表时，“申报项目”表中的 推荐级别 / 审核意见 / 审核人 三列"
        "按表单编号保留；其他列的改动不会保留。",
        font=style.GREY_FONT,
    )
    style.print_setup(ws, repeat_header=False, grid=False)  # before the first row (sheet properties)
    for r in range(1, last + 3):
        if r != 2:
            ws.row_dimensions[r].height = 28 if r == 1 else 18
        ncols = max((col for row, col in grid if row == r), default=0)
        ws.append(
            [make_cell(ws, grid[r, col], tz) if (r, col) in grid else None for col in range(1, ncols + 1)]
        )
        ws.row_dimensions.pop(r, None)


def _review_levels(rows: Iterable[FormRow], notes: dict[str, ReviewNote]) -> dict[str, int]:
    levels: dict[str, int] = {}
    for r in rows:
        if r.form.superseded_by:  # counted with the valid forms only, like the overview
            continue
        note = notes.get(r.form.form_id)
        level = str(note.values[0]).strip() if note and note.values[0] else "未填写"
        levels[level] = levels.get(level, 0) + 1
    return levels


# ---------------------------------------------------------------- assembly and safe write


def _prepass(
    ordered: Iterable[MessageRecord], data_dir: Path, base: Path, notes: dict[str, ReviewNote]
) -> tuple[dict[tuple[str, str], str], set[str], dict[str, int], list[int]]:
    """One pass for what the sheets need up front, as small keys: links, live form ids, review levels
    (in form-row order, like _review_levels), the severities present."""
    links: dict[tuple[str, str], str] = {}
    live: set[str] = set()
    levels: dict[str, int] = {}
    ranks: set[int] = set()
    for m in ordered:
        for key, link in _attachment_links([m], data_dir, base).items():
            links.setdefault(key, link)
        ranks.update(_SEVERITY_ORDER.get(str(v[1]), 3) for v in _flag_rows(m))
        rows = []
        for f in m.forms:
            if f.form_id not in live:  # first copy of a form_id, as counts.form_rows
                live.add(f.form_id)
                rows.append(FormRow(m, f))
        for level, n in _review_levels(rows, notes).items():
            levels[level] = levels.get(level, 0) + n
    return links, live, levels, sorted(ranks)


def build_workbook(
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    data_dir: Path,
    base: Path,
    notes: dict[str, ReviewNote] | None = None,
    notices: Mapping[str, NoticeState] | None = None,
) -> Workbook:
    """The workbook, streamed (write-only: rows are on disk already; save() finishes the file).
    `base` is the folder the file will live in (for relative links).  Any iterable of records is
    accepted: a re-iterable in receipt order (the store's view) is read once per sheet and never held
    whole; a list or a one-off iterator is sorted in memory as before."""
    notes = notes or {}
    ordered = receipt_ordered(messages)
    links, live, levels, ranks = _prepass(ordered, data_dir, base, notes)
    wb = Workbook(write_only=True)
    _sheet_summary(wb, count(ordered, run), run, tz, levels)
    _sheet_projects(wb, iter_form_rows(ordered), notes, tz, run, links)
    _sheet_flags(wb, ordered, tz, ranks)
    _sheet_mail_log(wb, ordered, run, tz, notices or {})
    _sheet_attachments(wb, ordered, tz, links)
    _sheet_notices(wb, ordered, tz, notices or {})
    removed = [n for fid, n in sorted(notes.items()) if fid not in live]
    if removed:
        _sheet_removed(wb, removed, tz, naive_local(run.started_at, tz))
    return wb


def backup_path(path: Path) -> Path:
    """申报汇总.xlsx → 申报汇总.bak.xlsx"""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def _load_notes(path: Path) -> dict[str, ReviewNote]:
    """Reviewer notes of the current workbook; an unreadable one is set aside, never overwritten."""
    try:
        return read_review_notes(path)
    except Exception as err:  # noqa: BLE001 - any reason to fail reading means: keep the file aside
        keep = path.with_name(f"{path.stem}.unreadable-{datetime.now():%Y%m%d-%H%M%S}{path.suffix}")
        shutil.copy2(path, keep)
        log.warning("cannot read reviewer columns from %s (%s); kept a copy at %s", path, err, keep)
        return {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _atomic_save(wb: Workbook, path: Path, expected: tuple[int, int] | None) -> bool:
    """Save to a temporary sibling, back up the current file, move the new one in.  Returns False (and
    changes nothing) when the current file is no longer the one the reviewer notes were read from."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.chmod(tmp, file_mode())
        if _stamp(path) != expected:
            return False
        if path.exists():
            shutil.copy2(path, f"{tmp}.bak")
            os.replace(f"{tmp}.bak", backup_path(path))
        os.replace(tmp, path)
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)
        Path(f"{tmp}.bak").unlink(missing_ok=True)


_ATTEMPTS = 3


def write_workbook(
    path: Path,
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    data_dir: Path,
    notices: Mapping[str, NoticeState] | None = None,
) -> None:
    """Write the review workbook at `path`, keeping reviewer columns and a backup of the old file.

    A reviewer may save the workbook (e.g. over the office share) while it is being rebuilt: the file
    is then read again, so what they just typed is not overwritten."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if iter(messages) is messages:  # a retry builds the workbook again from the same records
        messages = list(messages)
    if path.with_name(f"~${path.name}").exists():
        log.warning(
            "%s is open in Excel; a reviewer saving it later replaces this version "
            "(their notes are kept, the new rows come back with the next run)",
            path,
        )
    for _ in range(_ATTEMPTS - 1):
        if _write_once(path, messages, run, tz=tz, data_dir=Path(data_dir), notices=notices):
            return
        log.info("%s changed while it was rebuilt; reading the reviewer columns again", path)
    if not _write_once(path, messages, run, tz=tz, data_dir=Path(data_dir), notices=notices):
        raise RuntimeError(f"{path} keeps changing while it is rebuilt; not overwritten")


def _write_once(
    path: Path,
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    data_dir: Path,
    notices: Mapping[str, NoticeState] | None,
) -> bool:
    stamp = _stamp(path)
    notes = _load_notes(path)
    wb = build_workbook(
        messages, run, tz=tz, data_dir=data_dir, base=path.parent, notes=notes, notices=notices
    )
    return _atomic_save(wb, path, stamp)
