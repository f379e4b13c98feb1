"""Looks of the review workbook: fills, fonts, widths, row heights, print setup."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FLAG_FILL",
    "FONT_NAME",
    "GREY_FONT",
    "HEADER_BORDER",
    "HEADER_FILL",
    "HEADER_FONT",
    "LATE_FILL",
    "LINK_FONT",
    "NOWRAP",
    "OCR_FILL",
    "OCR_LOW_BELOW",
    "OCR_LOW_FILL",
    "REVIEW_FILL",
    "SEVERITY_FILLS",
    "STATUS_FILLS",
    "TOP",
    "WRAP",
    "Alignment",
    "Font",
    "PatternFill",
    "print_setup",
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
OCR_FILL = PatternFill("solid", fgColor="E2EFDA")  # a value read from a scan by OCR
OCR_LOW_FILL = PatternFill("solid", fgColor="F8CBAD")  # ... with the recogniser unsure of it
OCR_LOW_BELOW = 0.9  # confidence under which an OCR'd cell gets the stronger colour
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
