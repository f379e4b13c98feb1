"""Looks of the review workbook: fonts, fills, number formats, row heights, print setup.

A cell's look is a `Look` (font, fill, alignment, number format, border).  Each distinct look is
registered once as an openpyxl NamedStyle (the looks show in Excel's / WPS's style gallery) and cells
are made with that style's array (`Cell(..., style_array=NamedStyle.as_tuple())`, public API):
`cell.style = name` searches the workbook's list of style names on every assignment.

Fonts: 宋体 for text and 黑体 for headers and titles — what Chinese Office and WPS users have on every
Windows PC and expect on paper (LibreOffice on Linux falls back to Noto CJK).  Dates are shown as
Chinese dates (2024年12月12日).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "BODY",
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FONT_NAME",
    "HEADER",
    "HEADING_FONT_NAME",
    "LINE_HEIGHT_PT",
    "MAX_LINES",
    "OCR_FILL",
    "OCR_LOW_BELOW",
    "OCR_LOW_FILL",
    "Look",
    "Looks",
    "fill",
    "font",
    "print_setup",
    "row_height",
]

FONT_NAME = "宋体"
HEADING_FONT_NAME = "黑体"
_GB2312 = 134  # font charset: Excel picks the Chinese face for it

DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
SIZE_FORMAT = "#,##0"

LINE_HEIGHT_PT = 14.5  # one line of 11pt 宋体 / Noto CJK
ROW_PADDING_PT = 4
MAX_LINES = 8  # tall enough to read a paragraph; the whole text is in the cell and on the review page


def font(**kw: Any) -> Font:
    kw.setdefault("name", FONT_NAME)
    kw.setdefault("size", 11)
    return Font(charset=_GB2312, **kw)


def fill(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=rgb)


_WRAP = Alignment(wrap_text=True, vertical="top")
_NOWRAP = Alignment(wrap_text=False, vertical="top")
_HEAD_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
_THIN = Side(style="thin", color="BFBFBF")


@dataclass(frozen=True)
class Look:
    """How one cell looks; hashable, so each distinct look becomes one named style."""

    font: Font | None = None
    fill: PatternFill | None = None
    wrap: bool = True
    fmt: str | None = None
    header: bool = False

    def with_(self, **changes: Any) -> Look:
        return replace(self, **changes)


BODY = Look()
HEADER = Look(font=font(name=HEADING_FONT_NAME, bold=True, color="FFFFFF"), fill=fill("1F4E79"), header=True)

# Fills: a late row, a cell a flag points at, where reviewers type, a reviewer's correction.
LATE_FILL = fill("FCE4E4")
FLAG_FILL = fill("FFEB9C")
REVIEW_FILL = fill("EAF1FB")
REVIEW_HEADER_FILL = fill("2E75B6")
CORRECTED_FILL = fill("C9E7F7")
CARRIED_FILL = fill("E4DFEC")  # a decision carried over from the version a resubmission replaced
OCR_FILL = fill("E2EFDA")  # a value read from a scan by OCR
OCR_LOW_FILL = fill("F8CBAD")  # ... with the recogniser unsure of it
OCR_LOW_BELOW = 0.9  # confidence under which an OCR'd cell gets the stronger colour
STATUS_FILLS = {
    "材料齐全": fill("C6EFCE"),
    "需补正": FLAG_FILL,
    "不符合要求": fill("FFC7CE"),
    "逾期": fill("FFC7CE"),
    "已被替代": fill("D9D9D9"),
    "处理失败": fill("FFC7CE"),
    "有问题": FLAG_FILL,
    "正常": fill("C6EFCE"),
    "无法读取": FLAG_FILL,
}
SEVERITY_FILLS = {"错误": STATUS_FILLS["不符合要求"], "警告": FLAG_FILL, "提示": STATUS_FILLS["已被替代"]}
LINK_FONT = font(color="0563C1", underline="single")
GREY_FONT = font(color="808080")
BOLD_FONT = font(bold=True)
TITLE_FONT = font(name=HEADING_FONT_NAME, bold=True, size=16, color="1F4E79")
TITLE_ROW_PT = 27.0  # a 16 pt title needs this much row, or it overprints the line below in LibreOffice
BLOCK_FONT = font(name=HEADING_FONT_NAME, bold=True, size=12, color="1F4E79")


class Looks:
    """The workbook's looks: named styles, one per distinct Look, registered the first time it is used,
    and the date its printed pages carry in their header (`stamp`)."""

    def __init__(self, wb: Workbook, stamp: str = "") -> None:
        self._wb = wb
        self.stamp = stamp
        self._arrays: dict[tuple[int, int, bool, str | None, bool], StyleArray] = {}
        self._keep: list[Look] = []  # the looks' fonts and fills stay alive: their ids stay unique

    def array(self, look: Look) -> StyleArray:
        """The style array of the look's named style (a cell copies it when made with it)."""
        # By identity of the font and fill (module constants, shared by with_()): hashing an openpyxl
        # style object walks all its attributes, too slow for every cell.
        key = (id(look.font), id(look.fill), look.wrap, look.fmt, look.header)
        array = self._arrays.get(key)
        if array is None:
            named = NamedStyle(
                f"审核表样式{len(self._arrays) + 1}",
                font=look.font or font(),
                fill=look.fill or PatternFill(),
                border=Border(bottom=Side(style="medium", color="1F4E79"), right=_THIN)
                if look.header
                else Border(),
                alignment=_HEAD_ALIGN if look.header else (_WRAP if look.wrap else _NOWRAP),
                number_format=look.fmt or "General",
            )
            self._wb.add_named_style(named)  # binds it: its array now carries the style's index
            array = self._arrays[key] = named.as_tuple()
            self._keep.append(look)
        return array


def row_height(lines: int) -> float:
    """Points for a row of `lines` lines of text, at most MAX_LINES (the default 15pt crops CJK glyphs)."""
    return min(max(lines, 1), MAX_LINES) * LINE_HEIGHT_PT + ROW_PADDING_PT


def print_setup(
    ws: Any,
    *,
    landscape: bool = True,
    repeat_header: bool = True,
    grid: bool = True,
    title: str = "",
    stamp: str = "",
) -> None:
    """A4, fitted to the page width, page header with the sheet's title and the date (`stamp`, e.g.
    "2024年12月12日", else the printing date), page numbers in the footer."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = grid
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddHeader.center.text = f"&B{title or ws.title}"
    ws.oddHeader.right.text = f"生成日期：{stamp}" if stamp else "打印日期：&D"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if repeat_header:
        ws.print_title_rows = "1:1"
