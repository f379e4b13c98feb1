"""What reviewers typed into the previous workbook, read back so a regeneration never loses it.

The reviewer columns (审核意见 / 推荐级别 / 审核人) are matched by the stable 表单编号 (form id), found
by header name, so reordering or adding columns in a future version still reads old workbooks.  Rows
from the 已移除 sheet are read too: a form that disappeared and comes back gets its notes back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

__all__ = ["REVIEW_HEADERS", "FORM_ID_HEADER", "ReviewNote", "read_review_notes", "PROJECT_SHEET",
           "REMOVED_SHEET"]

log = logging.getLogger(__name__)

PROJECT_SHEET = "申报项目"
REMOVED_SHEET = "已移除"
FORM_ID_HEADER = "表单编号"
REVIEW_HEADERS = ("推荐级别", "审核意见", "审核人")
_CONTEXT_HEADERS = ("项目名称", "申报单位")
_REMOVED_AT_HEADER = "移除时间"


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


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _notes_from_sheet(ws: Any) -> dict[str, ReviewNote]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return {}
    idx = _header_index(header)
    if FORM_ID_HEADER not in idx:
        return {}
    notes: dict[str, ReviewNote] = {}
    for row in rows:
        def at(name: str) -> Any:
            i = idx.get(name)
            return row[i] if i is not None and i < len(row) else None

        form_id = _text(at(FORM_ID_HEADER)).strip()
        note = ReviewNote(form_id, tuple(at(h) for h in REVIEW_HEADERS), _text(at("项目名称")),
                          _text(at("申报单位")), at(_REMOVED_AT_HEADER))
        if form_id and note.has_content:
            notes[form_id] = note
    return notes


def read_review_notes(path: Path) -> dict[str, ReviewNote]:
    """form_id → note from the workbook at `path` ({} when there is none).

    Raises the openpyxl/zip error when the file exists but cannot be read: the caller must not
    silently overwrite a workbook holding reviewers' work."""
    if not path.exists():
        return {}
    # data_only=False: a reviewer who typed "=..." gets that text back (as text), not a lost formula.
    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        notes: dict[str, ReviewNote] = {}
        # 已移除 first, so a live row's newer values win over an old removed copy.
        for title in (REMOVED_SHEET, PROJECT_SHEET):
            if title in wb.sheetnames:
                notes.update(_notes_from_sheet(wb[title]))
        return notes
    finally:
        wb.close()
