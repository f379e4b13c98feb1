"""The lines around the form's table, read once for Word and PDF alike: 申报单位 (盖章) and 申报时间 above
the table (or typed into its first row), and the programme year in the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from core.documents import LabelValue, Source
from parsers import dates

_DATE_LABEL = r"(?:申\s*报|填\s*报|填\s*表)\s*(?:时\s*间|日\s*期)"
# "申报单位（盖章）：XX学会    申报时间：2024年12月12日" may be one line: the unit stops at the date label.
_ORG_RX = re.compile(
    r"(?:申\s*报|填\s*报)\s*单\s*位\s*(?:[(（]\s*盖\s*章\s*[)）])?\s*[:：]\s*(?P<v>.*?)\s*(?="
    + _DATE_LABEL
    + "|$)"
)
_DATE_RX = re.compile(_DATE_LABEL + r"\s*[:：]\s*(?P<v>.*)$")
_SEAL_RX = re.compile(
    r"[(（\[【]?\s*(?:盖\s*章|公\s*章|印\s*章)\s*[)）\]】]?"
    # in brackets, one of its two characters misread under the seal's ink ("（盖彰）", "（羔章）")
    r"|[(（]\s*(?:盖\s*[^\s()（）]|[^\s()（）]\s*章)\s*[)）]"
)
# what a seal over "（盖章）" leaves of it in a scan: "（盖", "（章）", "（）"
_SEAL_TAIL = re.compile(r"\s*[(（]\s*[盖章]?\s*[)）]?\s*$")
_SEAL_HINT_LEFT = re.compile(r"[(（]\s*[盖章]\s*[)）]?\s*$")
_STOPS = ".。，,、;；·"
_YEAR_RX = re.compile(r"(20\d\d)\s*年\s*(?:度\s*)?高级研修")


def declared(lines: Iterable[str], source: Source) -> Iterator[LabelValue]:
    """declared_org / declared_date pairs in the header lines, in line order.  A unit's name wrapped onto
    a line of its own between the 申报单位 line and the 申报时间 line (a narrow table cell, read as text
    lines) is joined back."""
    texts = list(lines)
    for k, text in enumerate(texts):
        if "位" not in text and "间" not in text and "期" not in text:
            continue  # neither 申报单位 nor 申报时间/日期: skip the regexes (they run on every cell)
        line = text.replace("\n", " ").strip()
        m = _ORG_RX.search(line)
        if m:
            value = m["v"]
            # a unit followed by the stamp hint ("（盖章）", or what a seal leaves of it) ended there
            hinted = _SEAL_RX.search(value) or _SEAL_HINT_LEFT.search(value)
            if not hinted and not _DATE_RX.search(line) and _wrapped(texts[k + 1 : k + 3]):
                value += texts[k + 1].strip()
            # no unit's name ends in a stop: one there is a speck of the seal or toner read as "." / "。"
            org = _SEAL_TAIL.sub("", _SEAL_RX.sub("", value)).strip(" \u3000:：_＿").rstrip(_STOPS).strip()
            yield LabelValue("declared_org", "申报单位", org, source)
        d = _DATE_RX.search(line)
        if d:
            yield LabelValue("declared_date", "申报时间", d["v"].strip(), source)


def _wrapped(after: list[str]) -> bool:
    """The line after 申报单位 is the rest of its value: a short line without a colon, and the 申报时间
    line right after it."""
    if len(after) < 2:
        return False
    rest = after[0].strip()
    # a scan's seal is pressed over these lines: its own words (专用章, 公章) read as a line between them
    seal_words = rest.endswith("章")
    return (
        0 < len(rest) <= 20
        and not seal_words
        and not re.search(r"[:：]", rest)
        and _DATE_RX.search(after[1]) is not None
    )


def programme_year(lines: Iterable[str]) -> int | None:
    """The year in the title ("…2025年高级研修项目申报表"): the year of 办班时间 written without one."""
    for text in lines:
        if "研修" not in text:
            continue
        m = _YEAR_RX.search(dates.normalise(text))
        if m:
            return int(m[1])
    return None
