"""申报项目: one row per form — the decision sheet.

Columns, left to right: the key columns a review meeting prints (序号 … 审核人, the sheet's print
area), then where a decision came from, links (review page, Word and PDF originals), receipt, then
every field of the form in the form's order, then any columns reviewers added.

Each form is first made a `FormView` (what every report shows of it): values as shown, reviewer
corrections applied, its status, flags, links, and its decision — carried over from the form it
superseded when the new one has none ("沿用自 2024年12月12日 版").

Corrections: a field cell whose value is not what intake wrote is a reviewer's correction.  It is
kept (ReviewState, the store), written again at every regeneration, highlighted, with the machine's
reading in a comment; setting the cell back to the machine's reading drops it.

Cell marks are a hook (`MARKERS`): a function of (form row, column) that may colour a field cell and
put a note on it — e.g. a value read by OCR.  Corrections are marked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.decisions import DECISION_HEADERS, Correction, Decision
from core.fields import FormFields, training_days
from core.flags import Flag
from core.schema import FIELDS, Column, Kind
from reports import style
from reports.cells import chinese_date, hyperlink_formula, naive_local, one_line
from reports.reviewer import NUMBER_HEADER, norm, row_hash
from reports.rows import FormRow
from reports.stream import SheetSpec, Spec, TableWriter
from reports.style import Look, Looks
from reports.table import (
    FIELD_COLUMNS,
    HEADERS,
    display_value,
    flag_text,
    form_flags_with_message,
    form_status,
    funding_label,
    guess_region,
    is_late,
    run_mark,
)

__all__ = [
    "FIELD_HEADERS",
    "KEY_HEADERS",
    "MARKERS",
    "OCR_NOTE",
    "OWN_HEADERS",
    "REVIEW_CHOICES",
    "CellMarker",
    "FormView",
    "Mark",
    "ProjectColumns",
    "ProjectsWriter",
    "shown_fields",
]

REVIEW_CHOICES = ("推荐国家级", "推荐省级", "不推荐", "待定")
SEAL_LABELS = {"present": "有", "absent": "未见", "unknown": "无法核验", "not_checked": "未检查"}


@dataclass(frozen=True)
class Mark:
    """How a hook marks a field cell: a fill and/or a note (cell comment)."""

    fill: PatternFill | None = None
    comment: str | None = None


CellMarker = Callable[[FormRow, Column], "Mark | None"]

OCR_NOTE = "OCR 识别，请核对原件"


def ocr_mark(row: FormRow, column: Column) -> Mark | None:
    """A value read from a scan (issue 12): coloured, more strongly when the recogniser was unsure,
    with the confidence in the note."""
    spec = column.spec
    value = row.form.confidence.get(spec.part_of or spec.key)
    if value is None:
        return None
    low = float(value) < style.OCR_LOW_BELOW
    sure = "（识别把握较低" if low else "（识别置信度"
    return Mark(style.OCR_LOW_FILL if low else style.OCR_FILL, f"{OCR_NOTE}{sure} {float(value):.0%}）")


MARKERS: list[CellMarker] = [ocr_mark]  # marks of field cells, first that applies wins


# ---------------------------------------------------------------- the view of one form


@dataclass
class FormView:
    number: int  # 受理号
    row: FormRow
    flags: list[Flag]
    status: str
    shown: dict[str, Any]  # column path → value shown (reviewer's correction where there is one)
    machine: dict[str, Any]  # column path → the machine's reading as shown
    corrected: dict[str, Correction]
    region: str
    decision: Decision | None = None
    carried_from: str = ""  # "沿用自 2024年12月12日 版" when the decision came from a superseded form
    word: str | None = None  # relative links from the reports folder
    pdf: str | None = None
    page: str | None = None
    run: str | None = None
    successor: int | None = None  # 受理号 of the form that superseded this one

    @property
    def form_id(self) -> str:
        return self.row.form.form_id

    @property
    def current(self) -> bool:
        return not self.row.form.superseded_by


def machine_values(row: FormRow, flags: Sequence[Flag]) -> dict[str, Any]:
    """Every field column's value as the workbook shows the machine's reading."""
    fields = row.form.fields
    out: dict[str, Any] = {}
    for col in FIELD_COLUMNS:
        if col.path == "funding_type":
            out[col.path] = funding_label(fields.funding_type, flags)
        else:
            out[col.path] = display_value(col, fields.get(col.path))
    return out


def shown_fields(machine: Mapping[str, Any], corrected: Mapping[str, Correction]) -> dict[str, Any]:
    return {path: corrected[path].value if path in corrected else v for path, v in machine.items()}


def digest(shown: Mapping[str, Any]) -> str:
    """The digest of a form's field cells as written (reports.reviewer.row_hash, FIELD_HEADERS order)."""
    return row_hash(shown[c.path] for c in FIELD_COLUMNS)


def resolve_corrections(
    form_id: str,
    machine: Mapping[str, Any],
    stored: Mapping[str, Correction],
    edited: Mapping[str, Any] | None,
    *,
    by: str,
    at: datetime | None,
) -> dict[str, Correction]:
    """The form's corrections after what the reviewer did to its row (`edited`: header → cell, only for
    a row whose field cells are not what intake wrote)."""
    out: dict[str, Correction] = {}
    for col in FIELD_COLUMNS:
        old = stored.get(col.path)
        machine_now = machine[col.path]
        if old is not None and norm(old.value) != norm(machine_now):
            out[col.path] = Correction(form_id, col.path, old.value, machine_now, old.by, old.at)
        if edited is None or col.header not in edited:
            continue
        cell = edited[col.header]
        written = old.value if old is not None else machine_now
        if norm(cell) == norm(written):
            continue
        if norm(cell) == norm(machine_now):  # set back to what the machine read: no correction
            out.pop(col.path, None)
        else:
            out[col.path] = Correction(form_id, col.path, cell, machine_now, by, at)
    return out


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class _Col:
    header: str
    width: int
    get: Callable[[FormView], Any]
    look: Look = style.BODY
    field: Column | None = None


_WIDTHS = {Kind.LONG: 60, Kind.NOTES: 40, Kind.DATE: 16, Kind.OPTIONS: 10, Kind.PHONE: 15}
_FIRST_FIELDS = ("project_name", "declared_org", "funding_type", "training_dates")
_BY_PATH = {c.path: c for c in FIELD_COLUMNS}


def _field(path: str, width: int | None = None) -> _Col:
    fc = _BY_PATH[path]
    look = style.BODY.with_(fmt=style.DATE_FORMAT) if fc.spec.kind is Kind.DATE else style.BODY
    return _Col(fc.header, width or _WIDTHS.get(fc.spec.kind, 24), lambda v: _shown(v, path), look, fc)


def _shown(v: FormView, path: str) -> Any:
    """A field cell: the machine's reading on one line, a reviewer's correction as typed."""
    return v.shown[path] if path in v.corrected else one_line(v.shown[path])


def _link(text: str, attr: str) -> Callable[[FormView], Any]:
    return lambda v: text if getattr(v, attr) else None


_NOWRAP = style.BODY.with_(wrap=False)
_LINK = style.BODY.with_(font=style.LINK_FONT, wrap=False)


def _superseded_text(v: FormView) -> str | None:
    if v.current:
        return None
    return f"已被第 {v.successor} 号替代" if v.successor else "已被替代"


def _key_columns() -> list[_Col]:
    return [
        _Col("序号", 6, lambda v: None, _NOWRAP),  # filled by position
        _Col(NUMBER_HEADER, 7, lambda v: v.number, _NOWRAP),
        _field("project_name", 26),
        _field("declared_org", 22),
        _field("funding_type", 12),
        _field("training_dates", 14),
        _Col("状态", 9, lambda v: v.status),
        _Col("问题", 32, lambda v: "\n".join(f"· {flag_text(f)}" for f in v.flags) or None),
        _Col("推荐级别", 12, lambda v: v.decision.level if v.decision else None),
        _Col("审核意见", 26, lambda v: v.decision.opinion if v.decision else None),
        _Col("审核人", 9, lambda v: v.decision.reviewer if v.decision else None),
    ]


def _meta_columns(tz: ZoneInfo) -> list[_Col]:
    return [
        _Col("所在市州", 10, lambda v: v.region),
        _Col("决定来源", 14, lambda v: v.carried_from or None),
        _Col("审核页", 7, _link("查看", "page"), _LINK),
        _Col("Word原件", 9, _link("打开", "word"), _LINK),
        _Col("PDF原件", 8, _link("打开", "pdf"), _LINK),
        _Col("PDF公章", 9, lambda v: SEAL_LABELS.get(v.row.form.pdf_seal, "未检查")),
        _Col("本次运行", 8, lambda v: v.run),
        _Col(
            "收到时间",
            19,
            lambda v: naive_local(v.row.message.received_at, tz),
            style.BODY.with_(fmt=style.DATETIME_FORMAT),
        ),
        _Col("发件人", 28, lambda v: v.row.message.sender, _NOWRAP),
        _Col("替代情况", 14, _superseded_text),
    ]


def _field_columns() -> list[_Col]:
    cols: list[_Col] = []
    for fc in FIELD_COLUMNS:
        if fc.path in _FIRST_FIELDS:
            continue
        cols.append(_field(fc.path))
        if fc.path == "training_end":
            cols.append(_Col("办班天数", 8, lambda v: training_days(v.row.form.fields)))
    return cols


KEY_HEADERS = tuple(c.header for c in _key_columns())
FIELD_HEADERS = tuple(c.header for c in FIELD_COLUMNS)
# Headers intake writes (now or in earlier versions): any other header on 申报项目 is a reviewer's column.
OWN_HEADERS = frozenset(
    (
        *KEY_HEADERS,
        *(c.header for c in _meta_columns(ZoneInfo("UTC"))),
        *(c.header for c in _field_columns()),
        *("表单编号", "所在市州（推测）", "原件", "源文件", "替代为", "邮件主题"),
    )
)


class ProjectColumns:
    """The sheet's columns for a run (reviewers' own columns last)."""

    def __init__(self, tz: ZoneInfo, extra_headers: Sequence[str]) -> None:
        self.cols = [*_key_columns(), *_meta_columns(tz), *_field_columns()]
        self.extra = tuple(extra_headers)
        self.index = {c.header: i for i, c in enumerate(self.cols)}
        for i, h in enumerate(self.extra):
            self.index[h] = len(self.cols) + i

    @property
    def headers(self) -> list[str]:
        return [*(c.header for c in self.cols), *self.extra]

    def letter(self, header: str) -> str:
        return str(get_column_letter(self.index[header] + 1))


# ---------------------------------------------------------------- cells


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
        "missing_word": {"Word原件"},
        "missing_pdf": {"PDF原件"},
        "late": {"收到时间"},
        "superseded": {"替代情况"},
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


def _correction_note(c: Correction) -> str:
    machine: Any = c.machine if c.machine not in (None, "") else "（空）"
    if isinstance(machine, date):
        machine = chinese_date(machine)
    who = f"{c.by} " if c.by else ""
    when = f"于 {chinese_date(c.at)} " if c.at else ""
    return f"审核人更正（{who}{when}）。机器识别为：{machine}"[:1000]


_EMPTY = Spec()


class RowMaker:
    """Specs of one 申报项目 row."""

    def __init__(self, columns: ProjectColumns) -> None:
        self.c = columns
        self._looks: dict[tuple[int, int, bool], Look] = {}

    def specs(self, v: FormView, position: int) -> list[Spec]:
        late = is_late(v.row.message, v.row.form)
        targets = set().union(*(_flag_targets(f) for f in v.flags)) if v.flags else set()
        if v.flags:
            targets.add("问题")
        grey = not v.current
        out: list[Spec] = []
        for col in self.c.cols:
            value = position if col.header == "序号" else col.get(v)
            flagged = col.header in targets
            if (
                value is None
                and not flagged
                and col.header not in DECISION_HEADERS  # shaded where reviewers type
                and (col.field is None or col.field.path not in v.corrected)
            ):
                out.append(_EMPTY)  # not written: the file and LibreOffice's load stay small
                continue
            fill = style.FLAG_FILL if flagged else (style.LATE_FILL if late else None)
            comment = None
            if col.header == "状态":
                fill = style.STATUS_FILLS.get(str(value), fill)
            elif col.header in DECISION_HEADERS:
                fill = style.CARRIED_FILL if v.carried_from else style.REVIEW_FILL
                if v.carried_from and col.header == "推荐级别":
                    comment = f"{v.carried_from}：该单位此前提交的版本已有审核决定，已带到本版。"
            elif col.field is not None:
                fill, comment = self._field_mark(v, col.field, fill)
            look = self._look(col.look, fill, grey)
            target = self._link(col.header, v)
            if target is not None:  # a formula of intake's own, over a path it made (cells.hyperlink_formula)
                out.append(Spec(None, look, formula=hyperlink_formula(target, str(value))))
            else:
                out.append(Spec(value, look, comment=comment))
        extra = v.decision.extra if v.decision else ()
        base = self._look(style.BODY, None, grey)
        for i, _ in enumerate(self.c.extra):
            out.append(Spec(extra[i] if i < len(extra) else None, base))
        return out

    def _look(self, look: Look, fill: PatternFill | None, grey: bool) -> Look:
        """The column's look with a fill and, for a superseded form, grey text (one Look per combination)."""
        key = (id(look), id(fill), grey)
        got = self._looks.get(key)
        if got is None:
            got = look
            if grey and look.font is None:
                got = got.with_(font=style.GREY_FONT)
            if fill is not None:
                got = got.with_(fill=fill)
            self._looks[key] = got
        return got

    def _field_mark(
        self, v: FormView, fc: Column, fill: PatternFill | None
    ) -> tuple[PatternFill | None, str | None]:
        """A correction first; else the first hook's mark of a filled cell (a flag's colour stays)."""
        correction = v.corrected.get(fc.path)
        if correction is not None:
            return style.CORRECTED_FILL, _correction_note(correction)
        if v.shown.get(fc.path) is None:
            return fill, None
        for marker in MARKERS:
            mark = marker(v.row, fc)
            if mark is not None:
                return (fill if fill is style.FLAG_FILL or mark.fill is None else mark.fill), mark.comment
        return fill, None

    def _link(self, header: str, v: FormView) -> str | None:
        if header == "审核页":
            return v.page
        if header == "Word原件":
            return v.word
        if header == "PDF原件":
            return v.pdf
        return None


# ---------------------------------------------------------------- the sheet


_HEADER_NOTES = {
    NUMBER_HEADER: "每份申报表一个受理号，不会重复使用。重新生成本表时按受理号保留审核意见和更正，请勿修改。",
    "推荐级别": "从下拉列表选择："
    + " / ".join(REVIEW_CHOICES)
    + "。重新生成时保留；单位重新报送后自动带到新版本。",
    "审核意见": "自由填写；重新生成时保留。",
    "审核人": "填写审核人姓名；重新生成时保留。",
    "决定来源": "“沿用自…版”：该单位重新报送，审核决定从旧版本带过来，请核对。",
    "审核页": "点击打开该申报表的审核页（A4 打印版，含全部内容、问题和原件链接）。",
    "问题": "系统发现的问题。表中其他列可直接更正（更正会保留并以蓝底标出，批注中为机器识别的原值）。",
}
_CHOICE_FILLS = {"推荐国家级": "C6EFCE", "推荐省级": "DDEBF7", "不推荐": "FFC7CE", "待定": "FFEB9C"}


@dataclass
class ProjectsResult:
    rows: int = 0
    pivot: list[tuple[str, str, str]] = field(default_factory=list)  # current forms: 市州, 单位, 类别


class ProjectsWriter:
    """Fills the sheet one form at a time (in the workbook's single pass over the mails)."""

    def __init__(self, ws: Any, looks: Looks, columns: ProjectColumns, *, tz: ZoneInfo) -> None:
        self.ws = ws
        self.columns = columns
        self.maker = RowMaker(columns)
        self.result = ProjectsResult()
        header_looks = {
            columns.index[h]: style.HEADER.with_(fill=style.REVIEW_HEADER_FILL) for h in DECISION_HEADERS
        }
        sheet = SheetSpec(
            columns.headers,
            [c.width for c in columns.cols] + [16] * len(columns.extra),
            freeze="D2",
            header_looks=header_looks,
            header_notes={columns.index[h]: t for h, t in _HEADER_NOTES.items()},
            fixed_widths={
                columns.index[h]: float(w) for h, w in (("推荐级别", 12), ("审核意见", 26), ("审核人", 9))
            },
            title="高级研修项目申报汇总 · 申报项目",
            print_columns=len(KEY_HEADERS),
            stamp=looks.stamp,
        )
        self.table = TableWriter(ws, looks, sheet, tz)

    def add(self, v: FormView) -> None:
        if v.current:
            unit = v.shown["declared_org"] or v.shown["applicant.name"] or "（未填写）"
            self.result.pivot.append((v.region, str(unit), str(v.shown["funding_type"])))
        self.table.add(self.maker.specs(v, self.table.size + 1))

    def close(self) -> ProjectsResult:
        self.result.rows = self.table.close()
        letter = self.columns.letter("推荐级别")
        _review_dropdown(self.ws, letter, self.result.rows)
        _review_colours(self.ws, letter, self.result.rows)
        return self.result


def _review_colours(ws: Any, letter: str, nrows: int) -> None:
    """The chosen 推荐级别 colours its cell (conditional formatting: no formula in any cell)."""
    from openpyxl.formatting.rule import CellIsRule

    cells = f"{letter}2:{letter}{max(nrows + 1, 2)}"
    for choice, colour in _CHOICE_FILLS.items():
        rule = CellIsRule(operator="equal", formula=[f'"{choice}"'], fill=style.fill(colour))
        ws.conditional_formatting.add(cells, rule)


def _review_dropdown(ws: Any, letter: str, nrows: int) -> None:
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
    dv.add(f"{letter}2:{letter}{max(nrows + 1, 2)}")
    ws.data_validations.append(dv)


def view_of(
    row: FormRow,
    *,
    number: int,
    corrected: Mapping[str, Correction],
    machine: Mapping[str, Any],
    run_keys: tuple[frozenset[str], frozenset[str]],
) -> FormView:
    flags = form_flags_with_message(row.message, row.form)
    return FormView(
        number=number,
        row=row,
        flags=flags,
        status=form_status(row.message, row.form, flags),
        shown=shown_fields(machine, corrected),
        machine=dict(machine),
        corrected=dict(corrected),
        region=guess_region(_with_corrections(row, corrected)),
        run=run_mark(row.message.key, *run_keys),
    )


_REGION_PATHS = ("applicant.name", "declared_org", "applicant.address")


def _with_corrections(row: FormRow, corrected: Mapping[str, Correction]) -> FormFields:
    """The form's fields with corrected unit names and address (which decide the 市州)."""
    fields = row.form.fields
    changes = {p: str(corrected[p].value or "") or None for p in _REGION_PATHS if p in corrected}
    return fields.with_values(changes) if changes else fields
