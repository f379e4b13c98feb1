"""Dates as applicants write them: 办班时间 ranges and the 申报时间 line.

"2025年6月16日-20日", "2025.6.16—6.20", "2025年6月16日至6月20日", "2025-09-22至2025-09-26",
"6月16日至20日" (year from context), full-width digits, "二〇二四年十二月十二日", a trailing "（共5天）".
Nothing here guesses: text that does not read as one date range returns None.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_Y = r"(?P<{0}>\d{{4}})\s*(?:年|[./\-])\s*"
_M = r"(?P<{0}>\d{{1,2}})\s*(?:月|[./\-])\s*"
_D = r"(?P<{0}>\d{{1,2}})\s*(?:日|号)?"
_SEP = r"\s*(?:至|到|~|～|〜|—+|–|－|-|―|─)\s*"
_RANGE = re.compile(
    "(?<!\\d)(?:"
    + _Y.format("y1")
    + ")?"
    + _M.format("m1")
    + _D.format("d1")
    + _SEP
    + "(?:(?:"
    + _Y.format("y2")
    + ")?"
    + _M.format("m2")
    + ")?"
    + _D.format("d2")
    + "(?!\\d)"
)
_SINGLE = re.compile("(?<!\\d)" + _Y.format("y") + _M.format("m") + _D.format("d") + "(?!\\d)")


_TENS = re.compile(r"([一二三])?十([一二三四五六七八九])?")


def _cn_number(text: str) -> str:
    """二〇二四 → 2024, 十二 → 12, 二十六 → 26 (date-sized numbers only)."""

    def tens(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        return str((_CN_DIGITS[a] if a else 1) * 10 + (_CN_DIGITS[b] if b else 0))

    if "十" in text:
        text = _TENS.sub(tens, text)
    return "".join(str(_CN_DIGITS[c]) if c in _CN_DIGITS else c for c in text)


def normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), Chinese numerals to digits."""
    return _cn_number(unicodedata.normalize("NFKC", text))


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_range(text: str | None, default_year: int | None = None) -> tuple[date, date] | None:
    """The first date range in text (or a single day), or None when it cannot be read."""
    if not text:
        return None
    t = normalise(text)
    m = _RANGE.search(t)
    if m is None:
        return _single_with_duration(t, default_year)
    y1 = int(m["y1"]) if m["y1"] else default_year
    if y1 is None:
        return None
    start = _make(y1, int(m["m1"]), int(m["d1"]))
    y2 = int(m["y2"]) if m["y2"] else y1
    end = _make(y2, int(m["m2"]) if m["m2"] else int(m["m1"]), int(m["d2"]))
    if start is None or end is None:
        return None
    if end < start and not m["y2"] and m["m2"] and end.month < start.month:
        end = end.replace(year=y1 + 1)  # "12月30日至1月3日" runs into the next year
    if end < start or (end - start).days > 366:
        return None
    return start, end


_DAYS = re.compile(r"(?:为期|共|计|历时)\s*(\d{1,3})\s*(?:天|日)")
_OPEN_ENDED = re.compile(r"起|开始|以后|之后|前后|左右|上旬|中旬|下旬")


def _single_with_duration(t: str, default_year: int | None) -> tuple[date, date] | None:
    """ "2025年6月16日起，为期5天" → 16th to 20th; a bare single date is a one-day course."""
    one = parse_date(t) or _single_no_year(t, default_year)
    if one is None:
        return None
    days = _DAYS.search(t)
    if days:
        n = int(days[1])
        return (one, date.fromordinal(one.toordinal() + n - 1)) if 0 < n <= 366 else None
    return None if _OPEN_ENDED.search(t) else (one, one)


def _single_no_year(t: str, default_year: int | None) -> date | None:
    m = re.search(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日", t)
    if m is None or default_year is None:
        return None
    return _make(default_year, int(m[1]), int(m[2]))


def parse_date(text: str | None) -> date | None:
    """One full date with a year ("2024年12月12日", "2024.12.12", "2024-12-12"), or None."""
    if not text:
        return None
    m = _SINGLE.search(normalise(text))
    if m is None:
        return None
    return _make(int(m["y"]), int(m["m"]), int(m["d"]))


def days_inclusive(start: date, end: date) -> int:
    return (end - start).days + 1


_CONTINUES = re.compile(r"^\s*(?:至|到|~|～|〜|—+|–|－|-|―)")


def continues_range(value: str, following: str) -> bool:
    """A date range split over two cells of a row ("2025年6月10日" | "至6月14日"): the next cell goes on."""
    if not value.strip() or not following.strip():
        return False
    return bool(_CONTINUES.match(following)) and parse_range(value + following, 2000) is not None


_MONTH = re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月(?:\s*(?P<part>上旬|中旬|下旬|底|末))?")
_PERIOD = re.compile(
    r"(?:(?P<y>\d{4})\s*年\s*(?:度\s*)?)?(?:第\s*)?(?P<q>[1-4一二三四])\s*季度|(?:(?P<y2>\d{4})\s*年\s*)?(?P<half>上|下)半年"
)
_PART_DAY = {None: 1, "上旬": 1, "中旬": 11, "下旬": 21, "底": 21, "末": 21}


def earliest_day(text: str | None, default_year: int | None = None) -> date | None:
    """The earliest day a period written without days can mean: "2025年11月" → 11-01, "10月下旬" → 10-21,
    "2025年下半年" → 07-01, "四季度" → 10-01; None when the text names no month or period (or no year)."""
    if not text:
        return None
    t = normalise(text)
    found: list[date] = []
    for m in _MONTH.finditer(t):
        y = int(m["y"]) if m["y"] else default_year
        if y is not None and 1 <= int(m["m"]) <= 12:
            found.append(date(y, int(m["m"]), _PART_DAY[m["part"]]))
    for m in _PERIOD.finditer(t):
        y = int(m["y"] or m["y2"]) if (m["y"] or m["y2"]) else default_year
        if y is None:
            continue
        month = {"上": 1, "下": 7}[m["half"]] if m["half"] else 3 * (int(m["q"]) - 1) + 1
        found.append(date(y, month, 1))
    return min(found) if found else None
