"""Streaming sheets (openpyxl write-only mode): rows go to disk as they are made.

A normal openpyxl Workbook keeps every cell object (~40 KB per form) until save(); a write-only one
writes each row when it is appended, so memory stays bounded by the records, not by cells.  The price
is order: column widths and frozen panes must be known before the first row, so widths come from a
bounded sample of the first rows; row heights are set per row just before it is written.

Only openpyxl's public API is used (WriteOnlyCell and its style attributes), so any openpyxl 3.1+ does.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from reports import style
from reports.cells import clean_text, line_count, naive_local, text_width

__all__ = [
    "SAMPLE_ROWS",
    "SheetSpec",
    "Spec",
    "make_cell",
    "safe_value",
    "stream_table",
]

SAMPLE_ROWS = 300  # rows looked at for column widths (the cap of each column bounds the rest anyway)


@dataclass(frozen=True, slots=True)
class Spec:
    """One cell to write: value plus look; `link` is a relative file link or an internal location."""

    value: Any
    fill: Any = None
    font: Any = None
    align: Any = None
    fmt: str | None = None
    link: str | None = None
    internal: bool = False  # link is a location inside the workbook ("'申报项目'!A1")
    comment: str | None = None


def safe_value(value: Any, tz: ZoneInfo | None) -> tuple[Any, bool]:
    """(value, is_text) as put() would store it: text cleaned and never a formula, datetimes naive."""
    if isinstance(value, str):
        return clean_text(value), True
    if isinstance(value, datetime):
        return naive_local(value, tz or ZoneInfo("Asia/Shanghai")), False
    if value is None or isinstance(value, (date, int, float, bool)):
        return value, False
    return clean_text(str(value)), True


def make_cell(ws: Any, spec: Spec, tz: ZoneInfo | None, border: Any = None) -> Cell | None:
    value, is_text = safe_value(spec.value, tz)
    plain = spec.fill is None and spec.font is None and spec.align is None and not spec.fmt
    if value is None and plain and not spec.link and not spec.comment and border is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    if is_text:
        cell.data_type = "s"  # "=HYPERLINK(...)" from a mail stays a string, never a formula
    if spec.fill is not None:
        cell.fill = spec.fill
    if spec.font is not None:
        cell.font = spec.font
    if spec.align is not None:
        cell.alignment = spec.align
    if spec.fmt:
        cell.number_format = spec.fmt
    if border is not None:
        cell.border = border
    if spec.link:
        cell.hyperlink = (
            Hyperlink(ref="", location=spec.link, display=str(value))
            if spec.internal
            else Hyperlink(ref="", target=spec.link)
        )
    if spec.comment:
        cell.comment = Comment(spec.comment, "intake", width=260, height=80)
    return cell


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "0000-00-00 00:00"
    if isinstance(value, date):
        return "0000-00-00"
    return str(value)


def _widths(
    headers: Sequence[str], caps: Sequence[int], sample: Sequence[Sequence[Spec]], min_width: int = 6
) -> list[float]:
    """Width per column from its longest line in the header and the sample (CJK counted double)."""
    out = []
    for i, (header, cap) in enumerate(zip(headers, caps, strict=False)):
        best = text_width(header)
        for row in sample:
            if best >= cap:
                break
            if i < len(row):
                best = max(best, text_width(_shown(row[i].value)))
        out.append(float(min(max(best + 2, min_width), cap)))
    return out


def _height(row: Sequence[Spec], widths: Sequence[float]) -> float:
    """Row height from the tallest wrapped cell, at most style.MAX_LINES lines."""
    lines = 1
    for spec, width in zip(row, widths, strict=False):
        value = spec.value
        if isinstance(value, str) and value and spec.align is not None and spec.align.wrap_text:
            lines = max(lines, line_count(value, width))
            if lines >= style.MAX_LINES:
                break
    # Every row gets a height: the default 15pt crops CJK glyphs against the grid in LibreOffice.
    return min(lines, style.MAX_LINES) * style.LINE_HEIGHT_PT + style.ROW_PADDING_PT


@dataclass(frozen=True)
class SheetSpec:
    headers: Sequence[str]
    caps: Sequence[int]  # the most each column may widen to
    freeze: str = "B2"
    header_fills: dict[int, Any] | None = None  # 0-based column → fill replacing the header fill
    header_notes: dict[int, str] | None = None  # 0-based column → comment on the header cell
    fixed_widths: dict[int, float] | None = None  # 0-based column → width regardless of content


def stream_table(ws: Any, sheet: SheetSpec, rows: Iterable[Sequence[Spec]], *, tz: ZoneInfo) -> int:
    """Write a list sheet: header look, frozen panes, widths, heights, autofilter, print setup.
    Returns the number of data rows written.  Everything written before the rows (sheet properties,
    views, column widths) is set before the first append; the tail (filter, validations) may follow."""
    it: Iterator[Sequence[Spec]] = iter(rows)
    sample = list(itertools.islice(it, SAMPLE_ROWS))
    widths = _widths(sheet.headers, sheet.caps, sample)
    for i, width in (sheet.fixed_widths or {}).items():
        widths[i] = width
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = sheet.freeze
    style.print_setup(ws)  # before the first row: the sheet's properties (fit to page) are written with it
    header_align = style.Alignment(wrap_text=True, vertical="center", horizontal="center")
    head = []
    for i, text in enumerate(sheet.headers):
        fill = (sheet.header_fills or {}).get(i, style.HEADER_FILL)
        note = (sheet.header_notes or {}).get(i)
        head.append(
            make_cell(
                ws, Spec(text, fill, style.HEADER_FONT, header_align, comment=note), tz, style.HEADER_BORDER
            )
        )
    ws.row_dimensions[1].height = 33
    ws.append(head)
    del ws.row_dimensions[1]  # written; keep the holder empty so memory stays flat
    n = 0
    for n, row in enumerate(itertools.chain(sample, it), start=1):
        ws.row_dimensions[n + 1].height = _height(row, widths)
        ws.append([make_cell(ws, spec, tz) for spec in row])
        del ws.row_dimensions[n + 1]
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.headers))}{n + 1}"
    return n
