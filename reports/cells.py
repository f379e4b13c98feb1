"""Safe cell values for openpyxl, and the width arithmetic of CJK text.

Everything a mail or a document supplies is untrusted: a string may start with "=" (openpyxl would
write a formula), carry control characters (IllegalCharacterError on assignment), lone surrogates or
U+FFFE (the whole workbook fails at save()), or be longer than Excel accepts.  reports.stream.make_cell
is the one way reports write a cell, through `clean_text`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["MAX_CELL_CHARS", "clean_text", "line_count", "naive_local", "text_width"]

MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767; stay clear of it
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Drop characters XML 1.0 / Excel cannot hold, normalise line ends, cap the length."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
    text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def naive_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware time as the office's wall clock (Excel has no time zones); naive stays as is."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(tz).replace(tzinfo=None)


def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Display width of the longest line, wide (CJK) characters counting double."""
    best = 0
    for line in text.split("\n"):
        best = max(best, len(line)) if line.isascii() else max(best, sum(_char_width(ch) for ch in line))
    return best


def line_count(text: str, width: float) -> int:
    """Lines `text` takes when wrapped in a column `width` characters wide."""
    width = max(int(width), 1)
    total = 0
    for line in text.split("\n"):
        w = len(line) if line.isascii() else sum(_char_width(ch) for ch in line)
        total += max(1, -(-w // width))
    return total
