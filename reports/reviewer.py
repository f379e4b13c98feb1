"""What reviewers typed into the previous workbook, read back so a regeneration never loses it.

The reviewer columns (审核意见 / 推荐级别 / 审核人) are matched by the stable 表单编号 (form id), found
by header name, so reordering or adding columns in a future version still reads old workbooks.  Rows
from the 已移除 sheet are read too: a form that disappeared and comes back gets its notes back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from reports.fastread import read_columns

__all__ = [
    "FORM_ID_HEADER",
    "ORPHAN_PREFIX",
    "PROJECT_SHEET",
    "REMOVED_SHEET",
    "REVIEW_HEADERS",
    "ReviewNote",
    "read_review_notes",
]

log = logging.getLogger(__name__)

PROJECT_SHEET = "申报项目"
REMOVED_SHEET = "已移除"
FORM_ID_HEADER = "表单编号"
REVIEW_HEADERS = ("推荐级别", "审核意见", "审核人")
_CONTEXT_HEADERS = ("项目名称", "申报单位")
_REMOVED_AT_HEADER = "移除时间"
# A note whose row lost its 表单编号 cannot be matched; it goes to 已移除 under this key, never dropped.
ORPHAN_PREFIX = "（无表单编号）"


@dataclass(frozen=True)
class ReviewNote:
    form_id: str
    values: tuple[Any, ...]  # in REVIEW_HEADERS order
    project_name: str = ""
    declared_org: str = ""
    removed_at: Any = None  # when it first went to 已移除 (kept across regenerations)

    @property
    def has_content(self) -> bool:
        return any(v not in (None, "") for v in self.values)


def _header_index(row: tuple[Any, ...]) -> dict[str, int]:
    return {str(v).strip(): i for i, v in enumerate(row) if v is not None}


def _cell(row: tuple[Any, ...], idx: dict[str, int], name: str) -> Any:
    i = idx.get(name)
    return row[i] if i is not None and i < len(row) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _orphan_key(note: ReviewNote, number: int, notes: dict[str, ReviewNote]) -> str:
    """A key no form has, for a note whose row lost its 表单编号; distinct from every other note."""
    base = f"{ORPHAN_PREFIX}{note.project_name or f'第{number}行'}"
    key, n = base, 2
    while key in notes and notes[key].values != note.values:
        key, n = f"{base}（{n}）", n + 1
    return key


def _notes_from_rows(rows: Iterable[tuple[Any, ...]], notes: dict[str, ReviewNote]) -> None:
    """Add a sheet's notes to `notes` (a later sheet's note for the same form wins); `rows` are the
    sheet's value tuples, header row first."""
    rows = iter(rows)
    header = next(rows, None)
    idx = _header_index(header or ())
    if not any(h in idx for h in REVIEW_HEADERS):
        return
    for number, row in enumerate(rows, start=2):
        at = functools.partial(_cell, row, idx)
        note = ReviewNote(
            _text(at(FORM_ID_HEADER)).strip(),
            tuple(at(h) for h in REVIEW_HEADERS),
            _text(at("项目名称")),
            _text(at("申报单位")),
            at(_REMOVED_AT_HEADER),
        )
        if not note.has_content:
            continue
        if not note.form_id:  # id cell emptied or column deleted: never drop what the reviewer wrote
            note = replace(note, form_id=_orphan_key(note, number, notes))
        notes[note.form_id] = note


_WANTED = (FORM_ID_HEADER, *REVIEW_HEADERS, *_CONTEXT_HEADERS, _REMOVED_AT_HEADER)


def _fast_rows(path: Path, title: str) -> list[tuple[Any, ...]] | bool | None:
    """The sheet's rows from the quick reader; None when the sheet is absent, False when the quick
    reader cannot be sure (openpyxl reads it then)."""
    try:
        return read_columns(path, title, _WANTED)
    except Exception as err:  # noqa: BLE001 - anything unusual: the exact (slower) reader decides
        log.debug("quick read of %s!%s not possible (%s); using openpyxl", path, title, err)
        return False


def read_review_notes(path: Path) -> dict[str, ReviewNote]:
    """form_id → note from the workbook at `path` ({} when there is none).

    Raises the openpyxl/zip error when the file exists but cannot be read: the caller must not
    silently overwrite a workbook holding reviewers' work."""
    if not path.exists():
        return {}
    notes: dict[str, ReviewNote] = {}
    slow: list[str | list[tuple[Any, ...]]] = []
    # 已移除 first, so a live row's newer values win over an old removed copy.
    for title in (REMOVED_SHEET, PROJECT_SHEET):
        rows = _fast_rows(path, title)
        if rows is False or rows is True:
            slow.append(title)
        elif rows is not None and not slow:
            _notes_from_rows(rows, notes)
        elif rows is not None:  # keep the order: the slow sheet before this one
            slow.append(rows)
    if slow:
        _read_slowly(path, slow, notes)
    return notes


def _read_slowly(path: Path, todo: list[str | list[tuple[Any, ...]]], notes: dict[str, ReviewNote]) -> None:
    """openpyxl for the sheets named in `todo` (rows already read are applied in their turn)."""
    # data_only=False: a reviewer who typed "=..." gets that text back (as text), not a lost formula.
    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        for item in todo:
            if not isinstance(item, str):
                _notes_from_rows(item, notes)
            elif item in wb.sheetnames:
                _notes_from_rows(wb[item].iter_rows(values_only=True), notes)
    finally:
        wb.close()
