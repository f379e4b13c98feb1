"""parsers.choices: the one reading of the choice cells that the Word and PDF parsers share."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import choices


@pytest.mark.parametrize(
    "text, value, multiple",
    [
        ("☑财政资助项目 ☐自筹经费项目（自筹经费来源：____）", "fiscal", False),
        ("☐财政资助项目 ☑自筹经费项目（自筹经费来源：单位自筹）", "self_funded", False),
        ("☑财政资助项目 ☑自筹经费项目", None, True),
        ("☐财政资助项目 ☐自筹经费项目", None, False),
        ("自筹经费项目（自筹经费来源：学会会费）", "self_funded", False),  # the other option deleted
    ],
)
def test_funding(text: str, value: str | None, multiple: bool) -> None:
    got = choices.funding(text)
    assert (got.value, got.multiple) == (value, multiple)


def test_funding_source_after_bracket_and_wrapped() -> None:
    assert choices.funding("☑自筹经费项目（自筹经费来源：）单位自筹").source == "单位自筹"
    assert choices.funding("☑自筹经费项目（自筹经费来源：\n企业赞助）").source == "企业赞助"
    assert choices.funding("☑财政资助项目 ☐自筹经费项目（自筹经费来源：____）").source is None


def test_from_pdf_only_when_asked() -> None:
    text = "☐财政资助项目 自筹经费项目"
    assert choices.funding(text).value is None
    assert choices.funding(text, from_pdf=True).value == "self_funded"


def test_scope_states_and_notes() -> None:
    got = choices.scope("☑服务国家战略：乡村振兴 ☐对接产业需求： ☑突出数字技术：数据治理")
    assert got.states == {"national_strategy": True, "industry_demand": False, "digital_tech": True}
    assert got.notes == {"national_strategy": "乡村振兴", "industry_demand": None, "digital_tech": "数据治理"}


def test_scope_without_boxes_the_noted_options_are_chosen() -> None:
    got = choices.scope("服务国家战略：乡村振兴\n对接产业需求：\n突出数字技术：")
    assert got.states == {"national_strategy": True, "industry_demand": False, "digital_tech": False}


@pytest.mark.parametrize(
    "text, value, batch",
    [
        ("☑是第 3 批国家级专业技术人员继续教育基地 ☐是省级继续教育基地 ☐否", "national", 3),
        ("☑是第３批国家级专业技术人员继续教育基地 ☐是省级继续教育基地 ☐否", "national", 3),
        ("☐是第__批国家级专业技术人员继续教育基地 ☑是省级继续教育基地 ☐否", "provincial", None),
        ("☐是第__批国家级专业技术人员继续教育基地 ☐是省级继续教育基地 ☑否", "no", None),
        ("☑是第__批国家级专业技术人员继续教育基地 ☑是省级继续教育基地 ☐否", None, None),
    ],
)
def test_ce_base(text: str, value: str | None, batch: int | None) -> None:
    got = choices.ce_base(text)
    assert (got.value, got.batch) == (value, batch)


def test_word_and_pdf_readings_go_through_the_one_normaliser() -> None:
    from core.documents import LabelValue, Source
    from core.schema import DEFAULT_SCHEMA
    from parsers.normalise import normalise

    text = "☐财政资助项目 ☑自筹经费项目（自筹经费来源：单位自筹）"
    for source in (Source.WORD, Source.PDF_TEXT):
        got = normalise([LabelValue("funding_type", "申报项目类别", text, source)], DEFAULT_SCHEMA)
        assert (got.fields.funding_type, got.fields.self_funding_source) == ("self_funded", "单位自筹")
        assert got.evidence["funding_type"].text == text and got.evidence["funding_type"].source is source


# parsers.header: the lines around the table, also shared by the two parsers


def _declared(lines: list[str]) -> tuple[object, object, list[str]]:
    from core.documents import Source
    from core.schema import DEFAULT_SCHEMA
    from parsers import header
    from parsers.normalise import normalise

    pairs = list(header.declared(lines, Source.WORD))
    fields = normalise(pairs, DEFAULT_SCHEMA).fields
    return fields.declared_org, fields.declared_date, [p.label for p in pairs]


def test_declared_unit_and_date_on_one_line() -> None:
    org, day, labels = _declared(["申报单位（盖章）：湖北省水利学会    申报时间：2024年12月12日"])
    assert (org, day) == ("湖北省水利学会", date(2024, 12, 12))
    assert labels == ["申报单位", "申报时间"]


def test_declared_values_are_not_overwritten_and_seal_words_dropped() -> None:
    org, day, _ = _declared(["申报单位：武汉大学（公章）", "申报单位：另一个单位", "填表日期：2024.12.9"])
    assert (org, day) == ("武汉大学", date(2024, 12, 9))


def test_programme_year_from_title() -> None:
    from parsers import header

    assert header.programme_year(["专业技术人员知识更新工程２０２６年度高级研修项目申报表"]) == 2026
    assert header.programme_year(["申报表"]) is None
