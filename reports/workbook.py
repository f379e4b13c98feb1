"""The reviewers' workbook: 汇总, 申报项目, 补正清单, 统计, 问题清单, 邮件日志, 附件, (已移除), 技术信息 —
plus, beside it, the originals under readable names (原件/) and one printable review page per form (审核页/).

Regeneration keeps what reviewers did (reports.reviewer reads it back; the caller keeps it in the store
as a ReviewState): decisions (carried to the new version when a unit resubmits), corrections to field
cells, columns they added.  When the workbook is unchanged since intake wrote it (same stamp), the
state is taken as it is and the file is not read.  The file is written to a temporary sibling and
moved into place; the previous one goes to 备份/ (dated, the last `backups` kept).

Sheets are a registry (SHEETS): a new sheet is a SheetDef — a MailTable (rows from one mail at a
time, like 通知) or a writer of the whole sheet.  Sheets are created in display order; one pass over
the mails fills 申报项目 and every MailTable, then the whole-sheet writers run (汇总 counts what the
pass saw).  Field cells can be marked by hooks (reports.projects.MARKERS, e.g. OCR'd values).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from core.decisions import Correction, Decision, ReviewState, WorkbookStamp
from core.records import MessageRecord, NoticeState, RunInfo
from core.schema import Notice
from reports import lists, style
from reports.atomic import file_mode
from reports.cells import chinese_date, naive_local
from reports.counts import Counts, Tally
from reports.lists import FixItem
from reports.originals import Originals, OriginalsPlan, materialise
from reports.overview import Ranges, write_stats, write_summary_sheet
from reports.pages import PageWriter
from reports.projects import (
    FIELD_HEADERS,
    OWN_HEADERS,
    FormView,
    ProjectColumns,
    ProjectsResult,
    ProjectsWriter,
    digest,
    machine_values,
    resolve_corrections,
    shown_fields,
    view_of,
)
from reports.reviewer import (
    INTAKE_AUTHOR,
    PROJECT_SHEET,
    REMOVED_SHEET,
    TECH_SHEET,
    SheetReview,
    read_review,
)
from reports.rows import FormRow, iter_form_rows, receipt_ordered
from reports.stream import Spec, TableWriter
from reports.style import Looks
from reports.table import form_flags_with_message

__all__ = [
    "BACKUP_DIR",
    "SHEETS",
    "FormLinks",
    "SheetDef",
    "WorkbookResult",
    "backups",
    "build_workbook",
    "write_workbook",
]

log = logging.getLogger(__name__)

BACKUP_DIR = "备份"
DEFAULT_BACKUPS = 10


# ---------------------------------------------------------------- what a regeneration knows


@dataclass(frozen=True)
class FormLinks:
    """Where a form's page and originals are, relative to the reports folder (summary.html uses them)."""

    number: int
    page: str | None
    word: str | None
    pdf: str | None


@dataclass
class Context:
    """What the sheet writers read (built once per regeneration)."""

    ordered: Iterable[MessageRecord]
    run: RunInfo
    tz: ZoneInfo
    out_dir: Path
    workbook_name: str
    title: str
    originals: Originals
    numbers: dict[str, int]
    decisions: dict[str, Decision]
    stored: dict[str, dict[str, Correction]]  # form_id → path → correction (before this read)
    review: SheetReview
    successor: dict[str, str]  # superseded form → the newer form
    older: dict[str, list[str]]  # newer form → the forms it superseded (newest first)
    received: dict[str, datetime]  # form → when its mail arrived
    columns: ProjectColumns
    mails: int = 0
    # filled while writing
    projects: ProjectsResult = field(default_factory=ProjectsResult)
    fixes: list[FixItem] = field(default_factory=list)
    flags: list[tuple[int, list[Any]]] = field(default_factory=list)  # 问题清单 rows, with their rank
    out_decisions: dict[str, Decision] = field(default_factory=dict)
    out_corrections: dict[tuple[str, str], Correction] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    links: dict[str, FormLinks] = field(default_factory=dict)
    counts: Counts | None = None
    notices: Mapping[str, NoticeState] = field(default_factory=dict)  # mail key → its notice (intake.notify)


SheetWriter = Callable[[Context, Any, Looks], object]  # a writer may return its row count


@dataclass(frozen=True)
class SheetDef:
    """A sheet: `forms` (申报项目) or a `table` (a list of mails' rows, `tail` rows after them), both
    filled during the one pass over the mails; or `write`, the whole sheet from what the pass learnt."""

    title: str
    write: SheetWriter | None = None
    table: lists.MailTable | None = None
    forms: bool = False  # 申报项目: one row per form, filled during the pass
    when: Callable[[Context], bool] = lambda ctx: True
    tail: Callable[[Context], Iterable[list[Spec]]] | None = None


# ---------------------------------------------------------------- 申报项目 views


def _carried(ctx: Context, form_id: str) -> tuple[Decision | None, str]:
    """The newest decided decision of a form this one superseded (directly or down the chain)."""
    seen: set[str] = set()
    todo = list(ctx.older.get(form_id, ()))
    while todo:
        old = todo.pop(0)
        if old in seen:
            continue
        seen.add(old)
        d = ctx.decisions.get(old)
        if d is not None and d.decided:
            when = ctx.received.get(old)
            return d, f"沿用自 {chinese_date(naive_local(when, ctx.tz))} 版" if when else "沿用自旧版"
        todo.extend(ctx.older.get(old, ()))
    return None, ""


def _view(ctx: Context, row: FormRow) -> FormView:
    """One form as every report shows it: corrections resolved, decision (or the one carried over)."""
    review = ctx.review
    fid = row.form.form_id
    flags = form_flags_with_message(row.message, row.form)
    machine = machine_values(row, flags)
    who = review.author or str((ctx.decisions.get(fid) or Decision()).reviewer or "")
    corrected = resolve_corrections(
        fid, machine, ctx.stored.get(fid, {}), review.edited.get(fid), by=who, at=review.saved_at
    )
    v = view_of(
        row,
        number=ctx.numbers[fid],
        corrected=corrected,
        machine=machine,
        run_keys=(ctx.run.new_keys, ctx.run.changed_keys),
    )
    v.decision = ctx.decisions.get(fid)
    if not row.form.superseded_by:
        old, mark = _carried(ctx, fid)
        if old is not None and (v.decision is None or not v.decision.decided):
            extra = v.decision.extra if v.decision else ()
            v.decision = replace(old, extra=extra, removed_at=None)
            v.carried_from = mark
        elif old is not None and v.decision is not None and v.decision.values == old.values:
            v.carried_from = mark
    successor = ctx.successor.get(fid)
    v.successor = ctx.numbers.get(successor) if successor else None
    v.word, v.pdf = ctx.originals.form_files(row.message, row.form)
    return v


def _on_view(ctx: Context, pages: PageWriter) -> Callable[[FormView], None]:
    def seen(v: FormView) -> None:
        v.page = pages.write(v)
        fid = v.form_id
        ctx.links[fid] = FormLinks(v.number, v.page, v.word, v.pdf)
        ctx.written[fid] = digest(v.shown)
        for path, c in v.corrected.items():
            ctx.out_corrections[fid, path] = c
        if v.decision is not None and v.decision.has_content:
            ctx.out_decisions[fid] = replace(
                v.decision,
                project_name=str(v.shown.get("project_name") or ""),
                declared_org=str(v.shown.get("declared_org") or ""),
            )
        item = lists.fix_item(v)
        if item is not None:
            ctx.fixes.append(item)

    return seen


# ---------------------------------------------------------------- the other sheets


def _sheet_summary(ctx: Context, ws: Any, looks: Looks) -> None:
    mail_run = chr(ord("A") + [h for h, _ in lists.MAIL_LOG.headers].index("本次运行"))
    ranges = Ranges(ctx.columns, ctx.projects.rows, ctx.mails, mail_run)
    generated = ctx.run.finished_at or ctx.run.started_at
    assert ctx.counts is not None  # made by the pass, before any whole-sheet writer
    write_summary_sheet(ws, looks, ctx.counts, ranges, generated=generated, tz=ctx.tz)


def _removed(ctx: Context) -> list[tuple[str, int | None, Decision]]:
    """Decisions (with their 受理号) whose form is no longer in the store's results."""
    return [
        (fid, ctx.numbers.get(fid), d)
        for fid, d in sorted(ctx.decisions.items())
        if fid not in ctx.received and d.has_content
    ]


def _sheet_removed(ctx: Context, ws: Any, looks: Looks) -> None:
    now = naive_local(ctx.run.started_at, ctx.tz)
    removed = _removed(ctx)
    for fid, _, d in removed:
        ctx.out_decisions[fid] = d if d.removed_at else replace(d, removed_at=now)
    lists.write_removed(ws, looks, removed, now, ctx.tz)


def _removed_ids(ctx: Context) -> Iterable[list[Spec]]:
    return lists.removed_technical_rows([(n, fid) for fid, n, _ in _removed(ctx) if n])


SHEETS: list[SheetDef] = [
    SheetDef("汇总", _sheet_summary),
    SheetDef(PROJECT_SHEET, forms=True),
    SheetDef("补正清单", lambda ctx, ws, looks: lists.write_fixes(ws, looks, ctx.fixes, ctx.tz)),
    SheetDef("统计", lambda ctx, ws, looks: write_stats(ws, looks, ctx.projects.pivot, ctx.tz)),
    SheetDef("问题清单", lambda ctx, ws, looks: lists.write_flags(ws, looks, ctx.flags, ctx.tz)),
    SheetDef(lists.MAIL_LOG.title, table=lists.MAIL_LOG),
    SheetDef(lists.ATTACHMENTS.title, table=lists.ATTACHMENTS),
    SheetDef(lists.NOTICES.title, table=lists.NOTICES, when=lambda ctx: bool(ctx.notices)),  # notices on
    SheetDef(REMOVED_SHEET, _sheet_removed, when=lambda ctx: bool(_removed(ctx))),
    SheetDef(TECH_SHEET, table=lists.TECHNICAL, tail=_removed_ids),
]


_NUMBER = style.BODY.with_(wrap=False)


def _pass(ctx: Context, sheets: dict[str, tuple[SheetDef, Any]], looks: Looks) -> None:
    """The one pass over the mails (in receipt order): a row per form on 申报项目 (and its review
    page), the rows of every mail table, the 问题清单 rows, the 补正 lines, the counts."""
    forms = next(((s, ws) for s, ws in sheets.values() if s.forms), None)
    projects = ProjectsWriter(forms[1], looks, ctx.columns, tz=ctx.tz) if forms else None
    pages = PageWriter(ctx.out_dir, tz=ctx.tz, title=ctx.title, workbook_name=ctx.workbook_name)
    on_view = _on_view(ctx, pages)
    row_ctx = lists.RowContext(ctx.run, ctx.numbers, ctx.originals, ctx.notices)
    tables = [
        (s.table, s.tail, TableWriter(ws, looks, s.table.spec(looks.stamp), ctx.tz))
        for s, ws in sheets.values()
        if s.table is not None
    ]
    tally = Tally(ctx.run)
    seen: set[str] = set()
    for n, m in enumerate(ctx.ordered, start=1):
        for form in m.forms:
            if form.form_id not in seen:  # a form id seen again is listed where it first appeared
                seen.add(form.form_id)
                v = _view(ctx, FormRow(m, form))
                on_view(v)
                if projects is not None:
                    projects.add(v)
        for table, _, writer in tables:
            for row in table.rows(row_ctx, n, m):
                writer.add([Spec(writer.size + 1, _NUMBER), *row])
        ctx.flags.extend(lists.flag_rows(m, ctx.numbers))
        item = lists.mail_fix_item(m)
        if item is not None:
            ctx.fixes.append(item)
        tally.add(m)
    for _, tail, writer in tables:
        for row in tail(ctx) if tail else ():
            writer.add([Spec(writer.size + 1, _NUMBER), *row])
        writer.close()
    if projects is not None:
        ctx.projects = projects.close()
    pages.prune()
    ctx.counts = tally.result()


# ---------------------------------------------------------------- assembly


def _prepass(ctx_args: dict[str, Any], ordered: Iterable[MessageRecord], data_dir: Path) -> None:
    """One pass for what must be known up front, as small keys: order of forms, supersessions, receipt,
    the readable paths of the originals."""
    successor: dict[str, str] = {}
    received: dict[str, datetime] = {}
    order: list[str] = []
    mails = 0
    originals = OriginalsPlan(data_dir)
    for m in ordered:
        mails += 1
        originals.add(m)
        for f in m.forms:
            if f.form_id in received:
                continue
            received[f.form_id] = m.received_at
            order.append(f.form_id)
            if f.superseded_by:
                successor[f.form_id] = f.superseded_by
    older: dict[str, list[str]] = {}
    for old, new in successor.items():
        older.setdefault(new, []).append(old)
    for olds in older.values():
        olds.sort(key=lambda fid: received[fid], reverse=True)
    ctx_args.update(
        successor=successor,
        older=older,
        received=received,
        mails=mails,
        order=order,
        originals=originals.result,
    )


def _numbers(known: Mapping[str, int], order: list[str]) -> dict[str, int]:
    """受理号: kept for forms that have one, the next free numbers for new forms in receipt order."""
    numbers = dict(known)
    nxt = max(numbers.values(), default=0) + 1
    for fid in order:
        if fid not in numbers:
            numbers[fid] = nxt
            nxt += 1
    return numbers


def _expected(
    ordered: Iterable[MessageRecord], state: ReviewState, stored: Mapping[str, Mapping[str, Correction]]
) -> dict[str, str]:
    """form_id → digest of its field cells as last written (the store knows; else computed now)."""
    expected = dict(state.written)
    for row in iter_form_rows(ordered):
        fid = row.form.form_id
        if fid not in expected:
            machine = machine_values(row, form_flags_with_message(row.message, row.form))
            expected[fid] = digest(shown_fields(machine, stored.get(fid, {})))
    return expected


def _decisions(
    state: ReviewState, review: SheetReview, read: bool
) -> tuple[dict[str, Decision], tuple[str, ...]]:
    """Decisions of the store, overridden by the file for every form the file has a row for."""
    if not read:
        return dict(state.decisions), tuple(state.extra_headers)
    headers = review.extra_headers
    merged: dict[str, Decision] = {}
    for fid, d in state.decisions.items():
        if fid in review.seen:
            continue
        values = dict(zip(state.extra_headers, d.extra, strict=False))
        merged[fid] = replace(d, extra=tuple(values.get(h) for h in headers))
    merged.update(review.decisions)
    return merged, headers


def build_workbook(
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    data_dir: Path,
    out_dir: Path,
    workbook_name: str = "申报汇总.xlsx",
    state: ReviewState | None = None,
    review: SheetReview | None = None,
    title: str = Notice().title,
    notices: Mapping[str, NoticeState] | None = None,
) -> tuple[Workbook, Context]:
    """The workbook (write-only: rows are on disk already; save() finishes the file) and what was
    learnt making it.  `review`: what the previous file holds (None: the state is current)."""
    state = state or ReviewState()
    ordered = receipt_ordered(messages)
    args: dict[str, Any] = {}
    _prepass(args, ordered, data_dir)
    stored: dict[str, dict[str, Correction]] = {}
    for (fid, path), c in state.corrections.items():
        stored.setdefault(fid, {})[path] = c
    decisions, extra_headers = _decisions(state, review or SheetReview(), review is not None)
    numbers = _numbers({**state.numbers, **(review.numbers if review else {})}, args.pop("order"))
    ctx = Context(
        ordered=ordered,
        run=run,
        tz=tz,
        out_dir=out_dir,
        workbook_name=workbook_name,
        title=title,
        numbers=numbers,
        decisions=decisions,
        stored=stored,
        review=review or SheetReview(),
        columns=ProjectColumns(tz, extra_headers),
        notices=notices or {},
        **args,
    )
    materialise(ctx.originals, out_dir)
    wb = Workbook(write_only=True)
    wb.properties.creator = wb.properties.lastModifiedBy = INTAKE_AUTHOR
    wb.properties.title = "高级研修项目申报汇总"
    looks = Looks(wb, stamp=chinese_date(naive_local(run.finished_at or run.started_at, tz)))
    sheets = {s.title: (s, wb.create_sheet(s.title)) for s in SHEETS if s.when(ctx)}
    _pass(ctx, sheets, looks)
    for s, ws in sheets.values():
        if s.write is not None:
            s.write(ctx, ws, looks)
    return wb, ctx


# ---------------------------------------------------------------- safe write


@dataclass(frozen=True)
class WorkbookResult:
    state: ReviewState  # what reviewers added, as now written (for the store)
    links: Mapping[str, FormLinks]  # form_id → 受理号, page and originals
    numbers: Mapping[str, int]


def backups(path: Path) -> list[Path]:
    """The dated backups of `path`, oldest first."""
    folder = path.parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.stem}-*{path.suffix}"), key=lambda p: (p.stat().st_mtime_ns, p.name))


def _backup(path: Path, keep: int) -> None:
    if not path.exists() or keep <= 0:
        return
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = datetime.fromtimestamp(path.stat().st_mtime)
    target = folder / f"{path.stem}-{stamp:%Y%m%d-%H%M%S}{path.suffix}"
    n = 2
    while target.exists():
        target = folder / f"{path.stem}-{stamp:%Y%m%d-%H%M%S}-{n}{path.suffix}"
        n += 1
    shutil.copy2(path, target)
    for old in backups(path)[:-keep]:
        old.unlink(missing_ok=True)


def _stamp(path: Path) -> WorkbookStamp | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return WorkbookStamp(st.st_mtime_ns, st.st_size)


def _read(path: Path, state: ReviewState, ordered: Iterable[MessageRecord]) -> SheetReview | None:
    """What the file holds, or None when it is exactly the one intake wrote last (nothing to read).
    An unreadable file is copied aside (never overwritten with reviewers' work lost)."""
    if not path.exists():  # first run, or the file was removed: the store's state is all there is
        return None
    if state.stamp is not None and _stamp(path) == state.stamp:
        return None
    stored: dict[str, dict[str, Correction]] = {}
    for (fid, p), c in state.corrections.items():
        stored.setdefault(fid, {})[p] = c
    try:
        return read_review(
            path,
            numbers=state.numbers,
            expected=_expected(ordered, state, stored),
            field_headers=FIELD_HEADERS,
            own_headers=OWN_HEADERS,
        )
    except Exception as err:  # noqa: BLE001 - any reason to fail reading means: keep the file aside
        keep = path.with_name(f"{path.stem}.unreadable-{datetime.now():%Y%m%d-%H%M%S}{path.suffix}")
        shutil.copy2(path, keep)
        log.warning("cannot read reviewers' work from %s (%s); kept a copy at %s", path, err, keep)
        return SheetReview()


def _atomic_save(wb: Workbook, path: Path, expected: WorkbookStamp | None, keep: int) -> bool:
    """Save to a temporary sibling, back up the current file, move the new one in.  False (nothing
    changed) when the current file is no longer the one the reviewers' work was read from."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.chmod(tmp, file_mode())
        if _stamp(path) != expected:
            return False
        _backup(path, keep)
        os.replace(tmp, path)
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


_ATTEMPTS = 3


def write_workbook(
    path: Path,
    messages: Iterable[MessageRecord],
    run: RunInfo,
    *,
    tz: ZoneInfo,
    data_dir: Path,
    state: ReviewState | None = None,
    keep_backups: int = DEFAULT_BACKUPS,
    title: str = Notice().title,
    notices: Mapping[str, NoticeState] | None = None,
    read_previous: bool = True,
) -> WorkbookResult:
    """Write the review workbook at `path` (originals and review pages beside it), keeping what
    reviewers did and a dated backup of the old file.  Returns the reviewers' state as now written.
    `read_previous=False` (a bundle): a workbook already at `path` is replaced, not read; `state` is
    all there is.

    A reviewer may save the workbook (e.g. over the office share) while it is being rebuilt: the file
    is then read again, so what they just typed is not overwritten."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if iter(messages) is messages:  # a retry builds the workbook again from the same records
        messages = list(messages)
    if path.with_name(f"~${path.name}").exists():
        log.warning(
            "%s is open in Excel; a reviewer saving it later replaces this version "
            "(their work is kept, the new rows come back with the next run)",
            path,
        )
    state = state or ReviewState()
    for attempt in range(_ATTEMPTS):
        stamp = _stamp(path)
        review = _read(path, state, messages) if read_previous else None
        wb, ctx = build_workbook(
            messages,
            run,
            tz=tz,
            data_dir=data_dir,
            out_dir=path.parent,
            workbook_name=path.name,
            state=state,
            review=review,
            title=title,
            notices=notices,
        )
        if _atomic_save(wb, path, stamp, keep_backups):
            new = ReviewState(
                numbers=ctx.numbers,
                decisions=ctx.out_decisions,
                corrections=ctx.out_corrections,
                extra_headers=ctx.columns.extra,
                written=ctx.written,
                stamp=_stamp(path),
            )
            return WorkbookResult(new, ctx.links, ctx.numbers)
        if attempt < _ATTEMPTS - 1:
            log.info("%s changed while it was rebuilt; reading the reviewers' work again", path)
    raise RuntimeError(f"{path} keeps changing while it is rebuilt; not overwritten")
