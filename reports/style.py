"""Looks of the review workbook: fills, fonts, widths, row heights, print setup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from reports.cells import line_count, text_width

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FLAG_FILL",
    "FONT_NAME",
    "GREY_FONT",
    "HEADER_FILL",
    "LATE_FILL",
    "LINK_FONT",
    "NOWRAP",
    "SEVERITY_FILLS",
    "STATUS_FILLS",
    "TOP",
    "WRAP",
    "finish_table",
    "fit_columns",
    "fit_rows",
    "print_setup",
    "style_header",
]

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
FONT_NAME = "Calibri"  # named explicitly: a Font() without a name renders in a serif fallback
HEADER_FONT = Font(name=FONT_NAME, bold=True, color="FFFFFF")
LATE_FILL = PatternFill("solid", fgColor="FCE4E4")  # the whole row of a late submission
FLAG_FILL = PatternFill("solid", fgColor="FFEB9C")  # a cell a flag points at
STATUS_FILLS = {
    "材料齐全": PatternFill("solid", fgColor="C6EFCE"),
    "需补正": PatternFill("solid", fgColor="FFEB9C"),
    "不符合要求": PatternFill("solid", fgColor="FFC7CE"),
    "逾期": PatternFill("solid", fgColor="FFC7CE"),
    "已被替代": PatternFill("solid", fgColor="D9D9D9"),
    "处理失败": PatternFill("solid", fgColor="FFC7CE"),
    "有问题": PatternFill("solid", fgColor="FFEB9C"),
    "正常": PatternFill("solid", fgColor="C6EFCE"),
}
SEVERITY_FILLS = {"错误": STATUS_FILLS["不符合要求"], "警告": FLAG_FILL, "提示": STATUS_FILLS["已被替代"]}
REVIEW_FILL = PatternFill("solid", fgColor="EAF1FB")  # where reviewers type
LINK_FONT = Font(name=FONT_NAME, color="0563C1", underline="single")
GREY_FONT = Font(name=FONT_NAME, color="808080")
NOWRAP = Alignment(wrap_text=False, vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
_THIN = Side(style="thin", color="BFBFBF")
HEADER_BORDER = Border(bottom=Side(style="medium", color="1F4E79"), right=_THIN)

LINE_HEIGHT_PT = 16.5  # one line of 11pt CJK text (Noto/等线 are taller than Calibri)
ROW_PADDING_PT = 4
MAX_LINES = 3  # keep rows scannable; the full text is one click away in the cell


def style_header(ws: Worksheet, ncols: int) -> None:
    for col in range(1, ncols + 1):
        cell = ws.cell(row=1, column=col)
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[1].height = 33


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return "0000-00-00 00:00"
    if hasattr(value, "year"):
        return "0000-00-00"
    return str(value)


def fit_columns(ws: Worksheet, max_widths: Sequence[int], min_width: int = 6) -> list[float]:
    """Width per column from its longest line (CJK counted double), within [min, max]; returns them."""
    widths: list[float] = []
    for idx, cap in enumerate(max_widths, start=1):
        best = 0
        for (value,) in ws.iter_rows(min_row=1, min_col=idx, max_col=idx, values_only=True):
            best = max(best, text_width(_shown(value)))
            if best >= cap:
                break
        width = float(min(max(best + 2, min_width), cap))
        ws.column_dimensions[get_column_letter(idx)].width = width
        widths.append(width)
    return widths


def fit_rows(ws: Worksheet, widths: Sequence[float], first_row: int = 2) -> None:
    """Row height from the tallest wrapped cell, at most MAX_LINES lines."""
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell, width in zip(row, widths):
            if isinstance(cell.value, str) and cell.value and cell.alignment.wrap_text:
                lines = max(lines, line_count(cell.value, width))
                if lines >= MAX_LINES:
                    break
        # Every row gets a height: the default 15pt crops CJK glyphs against the grid in LibreOffice.
        ws.row_dimensions[row[0].row].height = min(lines, MAX_LINES) * LINE_HEIGHT_PT + ROW_PADDING_PT


def print_setup(ws: Worksheet, *, repeat_header: bool = True, grid: bool = True) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = grid
    ws.page_margins.left = ws.page_margins.right = 0.4
    if repeat_header:
        ws.print_title_rows = "1:1"


def finish_table(ws: Worksheet, max_widths: Sequence[int], *, freeze: str = "B2") -> list[float]:
    """Header look, frozen panes, autofilter, widths, heights and print setup of a list sheet."""
    ncols = len(max_widths)
    style_header(ws, ncols)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{max(ws.max_row, 1)}"
    widths = fit_columns(ws, max_widths)
    fit_rows(ws, widths)
    print_setup(ws)
    return widths
