"""Streaming sheets (openpyxl write-only mode, public API only): rows go to disk as they are made.

A normal openpyxl Workbook keeps every cell object (~40 KB per form) until save(); a write-only one
writes each row when it is appended, so memory stays bounded by the records, not by cells.  The price
is order: column widths, frozen panes and print settings must be known before the first row, so
widths come from a bounded sample of the first rows; row heights are set per row just before it is
written.  Each cell is made with its look's style array (reports.style.Looks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from reports import style
from reports.cells import clean_text, line_count, safe_value, text_width
from reports.style import Look, Looks

__all__ = ["SAMPLE_ROWS", "SheetSpec", "Spec", "TableWriter", "make_cell", "stream_table", "write_rows"]

SAMPLE_ROWS = 300  # rows looked at for column widths (the cap of each column bounds the rest anyway)


@dataclass(frozen=True, slots=True)
class Spec:
    """One cell to write.  `link`: a relative file link; `location`: a place in the workbook
    ("'申报项目'!A1"); `formula`: one of intake's own formulas (汇总) — applicant text never is one."""

    value: Any = None
    look: Look | None = style.BODY  # None: no style at all (技术信息: the cheap path, default font)
    link: str | None = None
    location: str | None = None
    comment: str | None = None
    formula: str | None = None


_ERROR_CODES = frozenset(ERROR_CODES)


def make_cell(ws: Any, looks: Looks, spec: Spec, tz: ZoneInfo | None) -> Any:
    """The write-only cell for a spec: None for an empty cell without look, link or comment; the bare
    value for an unstyled one that openpyxl stores as it is (not "=..." nor an error code)."""
    value, is_text = safe_value(spec.value, tz)
    extra = spec.link or spec.location or spec.comment or spec.formula
    if (value is None and (spec.look is None or spec.look is style.BODY)) and not extra:
        return None
    if spec.look is None and not extra and not (is_text and (value.startswith("=") or value in _ERROR_CODES)):
        return value
    cell = Cell(ws, row=1, column=1, style_array=None if spec.look is None else looks.array(spec.look))
    if spec.formula is not None:
        cell.value = spec.formula
    elif value is not None:
        cell.value = value
        if is_text:
            cell.data_type = "s"  # "=HYPERLINK(...)" or "#N/A" from a mail stays a string
    if spec.location:
        cell.hyperlink = Hyperlink(ref="", location=spec.location, display=str(value or ""))
    elif spec.link:
        cell.hyperlink = Hyperlink(ref="", target=spec.link)
    if spec.comment:
        cell.comment = Comment(clean_text(spec.comment), "intake", width=300, height=110)
    return cell


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "0000年00月00日 00:00"
    if isinstance(value, date):
        return "0000年00月00日"
    return str(value)


def _widths(
    headers: Sequence[str], caps: Sequence[int], sample: Sequence[Sequence[Spec]], min_width: int = 5
) -> list[float]:
    """Width per column from its longest line in the header and the sample (CJK counted double)."""
    out = []
    for i, (header, cap) in enumerate(zip(headers, caps, strict=True)):
        best = min(text_width(header), 12)  # a long header wraps (the header row is two lines high)
        for row in sample:
            if best >= cap:
                break
            if i < len(row):
                best = max(best, text_width(_shown(row[i].value)))
        out.append(float(min(max(best + 2, min_width), cap)))
    return out


def _lines(row: Sequence[Spec], widths: Sequence[float]) -> int:
    """Lines of the tallest wrapped cell (CJK width), up to style.MAX_LINES."""
    lines = 1
    for spec, width in zip(row, widths, strict=False):
        value = spec.value
        if isinstance(value, str) and value and spec.look is not None and spec.look.wrap:
            lines = max(lines, line_count(value, width - 1))
            if lines >= style.MAX_LINES:
                break
    return lines


@dataclass(frozen=True)
class SheetSpec:
    headers: Sequence[str]
    caps: Sequence[int]  # the most each column may widen to
    freeze: str = "C2"
    header_looks: dict[int, Look] = field(default_factory=dict)  # 0-based column → look of its header
    header_notes: dict[int, str] = field(default_factory=dict)  # 0-based column → comment on the header
    fixed_widths: dict[int, float] = field(default_factory=dict)  # 0-based column → width whatever the data
    title: str = ""  # the printed page header (default: the sheet's name)
    print_columns: int = 0  # print only the first N columns (0: all)
    stamp: str = ""  # the date in the printed page header
    landscape: bool = True


def write_rows(
    ws: Any,
    looks: Looks,
    rows: Iterable[Sequence[Spec]],
    tz: ZoneInfo,
    start: int = 1,
    heights: Mapping[int, float] | None = None,
) -> int:
    """Append rows of specs: a free-form sheet such as 汇总; `heights` (row number → points) for the rows
    whose font is larger than the body's.  Returns the next row."""
    for r, row in enumerate(rows, start=start):
        if heights and r in heights:
            ws.row_dimensions[r].height = heights[r]
        ws.append([make_cell(ws, looks, spec, tz) for spec in row])
        if heights and r in heights:
            del ws.row_dimensions[r]  # written; keep the holder empty (as TableWriter does)
        start = r + 1
    return start


class TableWriter:
    """A list sheet filled row by row (several sheets can be filled in one pass over the mails): the
    first SAMPLE_ROWS rows are held to size the columns, then every row goes straight to disk."""

    def __init__(self, ws: Any, looks: Looks, sheet: SheetSpec, tz: ZoneInfo) -> None:
        self.ws, self.looks, self.sheet, self.tz = ws, looks, sheet, tz
        self._sample: list[Sequence[Spec]] | None = []
        self._widths: list[float] = []
        self.rows = 0

    @property
    def size(self) -> int:
        """Rows added so far (written or held)."""
        return self.rows + len(self._sample or ())

    def add(self, row: Sequence[Spec]) -> None:
        if self._sample is None:
            self._write(row)
            return
        self._sample.append(row)
        if len(self._sample) >= SAMPLE_ROWS:
            self._start()

    def _start(self) -> None:
        sample, self._sample = self._sample or [], None
        sheet, ws = self.sheet, self.ws
        self._widths = _widths(sheet.headers, sheet.caps, sample)
        for i, width in sheet.fixed_widths.items():
            self._widths[i] = width
        for i, width in enumerate(self._widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = sheet.freeze
        style.print_setup(ws, title=sheet.title, landscape=sheet.landscape, stamp=sheet.stamp)
        head = [
            make_cell(
                ws,
                self.looks,
                Spec(text, sheet.header_looks.get(i, style.HEADER), comment=sheet.header_notes.get(i)),
                self.tz,
            )
            for i, text in enumerate(sheet.headers)
        ]
        ws.row_dimensions[1].height = 2 * style.LINE_HEIGHT_PT + style.ROW_PADDING_PT
        ws.append(head)
        del ws.row_dimensions[1]  # written; keep the holder empty so memory stays flat
        for row in sample:
            self._write(row)

    def _write(self, row: Sequence[Spec]) -> None:
        self.rows += 1
        n = self.rows + 1
        self.ws.row_dimensions[n].height = style.row_height(_lines(row, self._widths))
        self.ws.append([make_cell(self.ws, self.looks, spec, self.tz) for spec in row])
        del self.ws.row_dimensions[n]

    def close(self) -> int:
        """Header and held rows out if not yet, then the filter and print area; the number of rows."""
        if self._sample is not None:
            self._start()
        last = get_column_letter(len(self.sheet.headers))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        if self.sheet.print_columns:
            self.ws.print_area = f"A1:{get_column_letter(self.sheet.print_columns)}{self.rows + 1}"
        return self.rows


def stream_table(
    ws: Any, looks: Looks, sheet: SheetSpec, rows: Iterable[Sequence[Spec]], *, tz: ZoneInfo
) -> int:
    """Write a list sheet: header, frozen panes, widths, row heights from the text, autofilter, print
    setup.  Returns the number of data rows.  Sheet properties, views and widths are set before the
    first append (write-only order); the tail (filter, print area, validations) may follow."""
    table = TableWriter(ws, looks, sheet, tz)
    for row in rows:
        table.add(row)
    return table.close()
