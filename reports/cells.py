"""Safe cell values for openpyxl, and the width arithmetic of CJK text.

Everything a mail or a document supplies is untrusted: a string may start with "=" (openpyxl would
write a formula), carry control characters (IllegalCharacterError on assignment), lone surrogates or
U+FFFE (the whole workbook fails at save()), or be longer than Excel accepts.  `put()` is the one way
reports write a cell.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "MAX_CELL_CHARS",
    "chinese_date",
    "clean_text",
    "hyperlink_formula",
    "line_count",
    "naive_local",
    "one_line",
    "put",
    "safe_value",
    "size_text",
    "text_width",
]

MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767; stay clear of it
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_UNUSUAL = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")  # _ILLEGAL, \r and \x0b/\x0c


def clean_text(value: str) -> str:
    """Drop characters XML 1.0 / Excel cannot hold, normalise line ends, cap the length."""
    if len(value) <= MAX_CELL_CHARS and _UNUSUAL.search(value) is None:
        return value  # the usual text: nothing to do (this runs for every text cell)
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
    text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


_BREAK = re.compile("[ \t]*[\r\n\x0b\x0c\u2028\u2029]+[ \t]*")
_ANY_BREAK = re.compile("[\r\n\x0b\x0c\u2028\u2029]")  # one character class: a fast scan of every cell


def one_line(value: Any) -> Any:
    """Text of a document or a mail as a list sheet shows it: each line break a space.

    LibreOffice makes every cell with a line break an edit object: without the 2,000 multi-line
    paragraphs of a 1,000-form 申报项目 it opens ~20% and sorts ~12% faster (bench_workbook_lo.py,
    2026-12-03).  A row's height is capped anyway; the text with its paragraphs is on the form's
    review page.  What reviewers type (decisions, corrections, their own columns) is written as they
    typed it."""
    if isinstance(value, str) and _ANY_BREAK.search(value) is not None:
        return _BREAK.sub(" ", value).strip()
    return value


def naive_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware time as the office's wall clock (Excel has no time zones); naive stays as is."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(tz).replace(tzinfo=None)


def safe_value(value: Any, tz: ZoneInfo | None) -> tuple[Any, bool]:
    """(value, is_text) as a cell must hold it: text cleaned (and written as text, never a formula),
    datetimes naive in the office's zone, anything else as its text."""
    if isinstance(value, str):
        return clean_text(value), True
    if isinstance(value, datetime):
        return naive_local(value, tz or ZoneInfo("Asia/Shanghai")), False
    if value is None or isinstance(value, (date, int, float, bool)):
        return value, False
    return clean_text(str(value)), True


_LINK_TARGET = re.compile(r'[^"\x00-\x1f\x7f]{1,250}')  # a relative path intake made: no quote, no control


def hyperlink_formula(target: str, text: str) -> str:
    """=HYPERLINK("原件/…/申报表.docx","打开") for a relative path intake made itself (reports.originals,
    reports.pages).  Its parts are sanitised names (no quote can end the string literal), so no text
    from a mail can leave the literal; anything else is refused.  Used on 申报项目 instead of cell
    hyperlinks: LibreOffice sorts a sheet of formula links as fast as one without links (cell links
    are edit cells, each copied field by field: +30–40% on sorting 1,000 rows with three per row)."""
    if not _LINK_TARGET.fullmatch(target) or target.startswith(("/", "\\")) or ".." in target.split("/"):
        raise ValueError(f"not a link intake makes: {target!r}")
    if '"' in text:
        raise ValueError(f"link text with a quote: {text!r}")
    return f'=HYPERLINK("{target}","{text}")'


def size_text(size: int | None) -> str | None:
    """A file size as people say it: 850 B, 12.3 KB, 4.5 MB."""
    if size is None:
        return None
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def chinese_date(moment: date | None, *, time: bool = False) -> str:
    """2024年12月12日 (with time: 2024年12月12日 09:30); "" for None."""
    if moment is None:
        return ""
    text = f"{moment.year}年{moment.month}月{moment.day}日"
    if time and isinstance(moment, datetime):
        text += f" {moment:%H:%M}"
    return text


def put(ws: Worksheet, row: int, col: int, value: Any, *, tz: ZoneInfo | None = None) -> Cell:
    """Write one cell safely: strings always as text (never a formula), dates naive."""
    if isinstance(value, str):
        cell = ws.cell(row=row, column=col)
        cell.value = clean_text(value)
        cell.data_type = "s"  # "=HYPERLINK(...)" from a mail stays a string
        return cell
    if isinstance(value, datetime):
        value = naive_local(value, tz or ZoneInfo("Asia/Shanghai"))
    elif not isinstance(value, (date, int, float, bool, type(None))):
        return put(ws, row, col, str(value))
    return ws.cell(row=row, column=col, value=value)


def _width(line: str) -> int:
    """Display width of one line: a CJK (3-byte UTF-8) character counts double — by byte length
    instead of a per-character east-asian-width lookup (this runs for every text cell)."""
    n = len(line)
    if line.isascii():
        return n
    return n + (len(line.encode("utf-8", "surrogatepass")) - n) // 2


def text_width(text: str) -> int:
    """Display width of the longest line, wide (CJK) characters counting double."""
    return max((_width(line) for line in text.split("\n")), default=0)


def line_count(text: str, width: float) -> int:
    """Lines `text` takes when wrapped in a column `width` characters wide."""
    width = max(int(width), 1)
    if "\n" not in text:
        return max(1, -(-_width(text) // width))
    return sum(max(1, -(-_width(line) // width)) for line in text.split("\n"))
