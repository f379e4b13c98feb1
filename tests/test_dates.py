"""办班时间 ranges and 申报时间 dates as applicants write them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.dates import days_inclusive, parse_date, parse_range
from samples.formgen import DATE_FORMATS, format_training_dates

JUNE = (date(2025, 6, 16), date(2025, 6, 20))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025年6月16日-20日", JUNE),
        ("2025.6.16—6.20", JUNE),
        ("2025年6月16日至6月20日", JUNE),
        ("2025-09-22至2025-09-26", (date(2025, 9, 22), date(2025, 9, 26))),
        ("6月16日至20日", JUNE),
        ("２０２５年６月１６日－２０日", JUNE),
        ("2025年6月16日-6月20日（共5天）", JUNE),
        ("2025年6月16-20日", JUNE),
        ("2025/6/16~2025/6/20", JUNE),
        ("2025年6月16日——6月20日", JUNE),
        ("2025年6月30日至7月4日", (date(2025, 6, 30), date(2025, 7, 4))),
        ("二〇二五年六月十六日至二十日", JUNE),
        ("拟于2025年6月16日-20日举办", JUNE),
        ("2025年6月16日", (date(2025, 6, 16), date(2025, 6, 16))),
    ],
)
def test_ranges(text: str, expected: tuple[date, date]) -> None:
    assert parse_range(text, 2025) == expected


@pytest.mark.parametrize(
    "text", ["2025年6月中旬", "待定", "", "2025年下半年", "2025年6月20日-16日", "2025年2月30日-3月2日"]
)
def test_unreadable_ranges(text: str) -> None:
    assert parse_range(text, 2025) is None


def test_no_year_without_context_is_unreadable() -> None:
    assert parse_range("6月16日至20日", None) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024年12月12日", date(2024, 12, 12)),
        ("申报时间：2024 年 12 月 12 日", date(2024, 12, 12)),
        ("2024.12.12", date(2024, 12, 12)),
        ("2024-12-12", date(2024, 12, 12)),
        ("二〇二四年十二月十二日", date(2024, 12, 12)),
        ("２０２４年１２月１２日", date(2024, 12, 12)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["    年  月  日", "", "2024年13月1日"])
def test_blank_dates(text: str) -> None:
    assert parse_date(text) is None


@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 20)),
    st.integers(0, 10),
    st.sampled_from(DATE_FORMATS),
)
def test_every_written_format_round_trips(start: date, extra: int, fmt: str) -> None:
    end = date.fromordinal(start.toordinal() + extra)
    text = format_training_dates(start, end, fmt)
    assert parse_range(text, 2025) == (start, end), text
    assert days_inclusive(start, end) == extra + 1


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025年6月16日起，为期5天", JUNE),
        ("2025年6月16日开始，共5天", JUNE),
        ("6月16日起为期5天", JUNE),
    ],
)
def test_start_and_duration(text: str, expected: tuple[date, date]) -> None:
    assert parse_range(text, 2025) == expected


@pytest.mark.parametrize("text", ["2025年6月16日起", "2025年6月16日左右", "2025年6月16日前后"])
def test_open_ended_single_dates_are_unreadable(text: str) -> None:
    assert parse_range(text, 2025) is None
