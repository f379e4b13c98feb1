"""parsers.marks / parsers.choices: every way applicants mark a choice, read from the cell's text.

Each row is a cell as an applicant leaves it (boxes already shown as characters, as the Word walker, the
PDF reader and OCR hand them over) and what a reviewer reads in it.  UNCLEAR rows are the ones a reviewer
would have to ask about: the field stays null and the form gets one choice_unclear flag.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.schema import FUNDING_OPTIONS, SCOPE_OPTIONS
from parsers import choices, marks

UNCLEAR = "unclear"
TAIL = "（自筹经费来源：_____）"

FUNDING_ROWS = [
    # boxes, one ticked
    ("☑财政资助项目 □自筹经费项目" + TAIL, "fiscal"),
    ("□财政资助项目 ☑自筹经费项目（自筹经费来源：单位自筹）", "self_funded"),
    ("■财政资助项目  □自筹经费项目", "fiscal"),
    ("☒财政资助项目 ☐自筹经费项目", "fiscal"),
    ("□财政资助项目 ▣自筹经费项目", "self_funded"),
    ("⬜财政资助项目 ⬛自筹经费项目", "self_funded"),
    # a mark typed after the option, its box left empty
    ("□财政资助项目√ □自筹经费项目" + TAIL, "fiscal"),
    ("□财政资助项目 □自筹经费项目√（自筹经费来源：学会自筹）", "self_funded"),
    ("□财政资助项目 □自筹经费项目（自筹经费来源：学会自筹）√", "self_funded"),
    ("财政资助项目（√）  自筹经费项目" + TAIL, "fiscal"),
    ("财政资助项目(√) 自筹经费项目", "fiscal"),
    ("□财政资助项目【√】 □自筹经费项目", "fiscal"),
    ("□财政资助项目 打√ □自筹经费项目", UNCLEAR),  # between the two, touching neither
    ("□财政资助项目打√ □自筹经费项目", "fiscal"),
    ("□财政资助项目✓ □自筹经费项目", "fiscal"),
    ("□财政资助项目✔  □自筹经费项目", "fiscal"),
    ("□财政资助项目V □自筹经费项目", "fiscal"),  # an ASCII V for a tick, right after the label
    # a mark typed before the box, or replacing it
    ("√□财政资助项目 □自筹经费项目", "fiscal"),
    ("□财政资助项目 √□自筹经费项目", "self_funded"),
    ("√财政资助项目 □自筹经费项目", "fiscal"),
    ("□财政资助项目 √自筹经费项目", "self_funded"),
    ("√ □财政资助项目 □自筹经费项目", "fiscal"),
    # radio pairs
    ("●财政资助项目 ○自筹经费项目", "fiscal"),
    ("○财政资助项目 ●自筹经费项目", "self_funded"),
    ("〇财政资助项目 ●自筹经费项目", "self_funded"),
    ("◉财政资助项目 ◎自筹经费项目", "fiscal"),
    ("◎财政资助项目 ◉自筹经费项目", "self_funded"),
    # crosses: chosen, unless the cell also has ticks (then "not this one")
    ("×财政资助项目 □自筹经费项目", "fiscal"),
    ("□财政资助项目 ✗自筹经费项目", "self_funded"),
    ("√财政资助项目 ×自筹经费项目", "fiscal"),
    ("财政资助项目×  自筹经费项目√", "self_funded"),
    ("□财政资助项目X □自筹经费项目", "fiscal"),
    # the unchosen option deleted or struck (the walker drops struck text), box kept or not
    ("自筹经费项目（自筹经费来源：企业自筹）", "self_funded"),
    ("□自筹经费项目（自筹经费来源：企业自筹）", "self_funded"),
    ("财政资助项目", "fiscal"),
    ("□财政资助项目 □", "fiscal"),
    # the template's instruction is never a mark
    ("（请在□内打√）□财政资助项目 ☑自筹经费项目（自筹经费来源：会费）", "self_funded"),
    ("（仅单选）☑财政资助项目 □自筹经费项目", "fiscal"),
    # spaces inside labels, options on separate lines, the mark in its own paragraph
    ("□财 政 资 助 项 目  ☑自 筹 经 费 项 目", "self_funded"),
    ("□财政资助项目\n☑自筹经费项目（自筹经费来源：自筹）", "self_funded"),
    ("□财政资助项目\n√\n□自筹经费项目", "fiscal"),
    ("□财政资助项目\n√□自筹经费项目", "self_funded"),
    # nothing chosen: a real omission, the rules say funding_type_missing
    ("□财政资助项目 □自筹经费项目" + TAIL, None),
    ("财政资助项目 自筹经费项目" + TAIL, None),
    # contradictions and unreadable marks: a reviewer must look
    ("☑财政资助项目 ☑自筹经费项目", "multiple"),
    ("●财政资助项目 ●自筹经费项目", UNCLEAR),  # the same dot on both: bullets or two ticks?
    ("\ufffd财政资助项目 □自筹经费项目", UNCLEAR),  # a symbol we cannot read
    ("□财政资助项目 √ □自筹经费项目", UNCLEAR),
    ("财政资助项目√□自筹经费项目", UNCLEAR),
    ("□财政资助项目 自筹经费项目", UNCLEAR),  # one box deleted, nothing ticked
]


@pytest.mark.parametrize("text,expected", FUNDING_ROWS)
def test_funding_marking_styles(text: str, expected: str | None) -> None:
    got = choices.funding(text)
    if expected == UNCLEAR:
        assert (got.value, got.multiple, got.unclear is not None) == (None, False, True), got
    elif expected == "multiple":
        assert (got.value, got.multiple, got.unclear) == (None, True, None)
    else:
        assert (got.value, got.multiple, got.unclear) == (expected, False, None), got


SCOPE_ROWS = [
    (
        "☑服务国家战略：乡村振兴 ☐对接产业需求： ☑突出数字技术：数据治理",
        {"national_strategy", "digital_tech"},
        {"national_strategy": "乡村振兴", "industry_demand": None, "digital_tech": "数据治理"},
    ),
    (
        "□服务国家战略： □对接产业需求√：高端装备 □突出数字技术：",
        {"industry_demand"},
        {"national_strategy": None, "industry_demand": "高端装备", "digital_tech": None},
    ),
    (
        "□服务国家战略：\n□对接产业需求：√高端装备\n□突出数字技术：",
        {"industry_demand"},
        {"national_strategy": None, "industry_demand": "高端装备", "digital_tech": None},
    ),
    (
        "√□服务国家战略：长江经济带 □对接产业需求： √□突出数字技术：人工智能",
        {"national_strategy", "digital_tech"},
        {"national_strategy": "长江经济带", "industry_demand": None, "digital_tech": "人工智能"},
    ),
    (
        "●服务国家战略：乡村振兴 ○对接产业需求： ○突出数字技术：",
        {"national_strategy"},
        {"national_strategy": "乡村振兴", "industry_demand": None, "digital_tech": None},
    ),
    (
        "服务国家战略：乡村振兴\n对接产业需求：\n突出数字技术：",
        {"national_strategy"},
        {"national_strategy": "乡村振兴", "industry_demand": None, "digital_tech": None},
    ),
    ("对接产业需求：高端装备", {"industry_demand"}, {"industry_demand": "高端装备"}),  # others deleted
    (
        "□服务国家战略：乡村振兴 □对接产业需求： □突出数字技术：",
        {"national_strategy"},  # noted, unticked
        {"national_strategy": "乡村振兴", "industry_demand": None, "digital_tech": None},
    ),
    (
        "□服务国家战略：X射线检测 □对接产业需求： □突出数字技术：",
        {"national_strategy"},  # X inside a note
        {"national_strategy": "X射线检测", "industry_demand": None, "digital_tech": None},
    ),
    (
        "□服务国家战略： □对接产业需求： □突出数字技术：",
        set(),
        {"national_strategy": None, "industry_demand": None, "digital_tech": None},
    ),
]


@pytest.mark.parametrize("text,chosen,notes", SCOPE_ROWS)
def test_scope_marking_styles(text: str, chosen: set[str], notes: dict[str, str | None]) -> None:
    got = choices.scope(text)
    assert {k for k, v in got.states.items() if v} == chosen
    assert got.notes == notes
    assert got.unclear is None


@pytest.mark.parametrize(
    "text,value,batch",
    [
        ("☑是第 3 批国家级专业技术人员继续教育基地 □是省级继续教育基地 □否", "national", 3),
        ("□是第__批国家级专业技术人员继续教育基地 □是省级继续教育基地 □否√", "no", None),
        ("□是第__批国家级专业技术人员继续教育基地 □是省级继续教育基地√ □否", "provincial", None),
        ("□是第5批国家级专业技术人员继续教育基地 □是省级继续教育基地 □否", "national", 5),  # blank filled
        ("●否 ○是省级继续教育基地", "no", None),
        ("否", "no", None),
        ("□是省级继续教育基地", "provincial", None),
    ],
)
def test_ce_base_marking_styles(text: str, value: str, batch: int | None) -> None:
    got = choices.ce_base(text)
    assert (got.value, got.batch, got.unclear) == (value, batch, None)


def test_ce_base_two_kept_none_ticked_is_unclear() -> None:
    got = choices.ce_base("是省级继续教育基地 否")
    assert got.value is None and got.unclear


def test_self_funding_source_never_includes_a_mark() -> None:
    assert choices.funding("□财政资助项目 ☑自筹经费项目（自筹经费来源：√单位自筹）").source == "单位自筹"
    assert choices.funding("□财政资助项目 □自筹经费项目（自筹经费来源：会费）√").source == "会费"


def test_choice_unclear_problem_quotes_the_cell() -> None:
    from core.documents import LabelValue, Source
    from core.schema import DEFAULT_SCHEMA
    from parsers.normalise import normalise

    pair = LabelValue("funding_type", "申报项目类别", "□财政资助项目 √ □自筹经费项目", Source.WORD)
    got = normalise([pair], DEFAULT_SCHEMA)
    assert got.fields.funding_type is None and got.evidence["funding_type"].unclear
    [p] = got.problems
    assert p.code == "choice_unclear" and p.field == "funding_type"
    assert "“□财政资助项目 √ □自筹经费项目”" in p.detail


def test_convention_of_the_cell_decides_a_mark_between_two_options() -> None:
    # the applicant types marks after options elsewhere in the cell: the loose one is the left option's
    text = "□服务国家战略：乡村振兴√ □对接产业需求： √ □突出数字技术："
    got = choices.scope(text)
    assert got.unclear is None
    assert {k for k, v in got.states.items() if v} == {"national_strategy", "industry_demand"}


# ---------------------------------------------------------------- random fillings (property tests)

_FUNDING_LABELS = [o.labels[0] for o in FUNDING_OPTIONS]
_MARKS_ON = ["☑", "■", "√", "✓", "●", "◉", "☒"]
_MARKS_OFF = {"☑": "□", "■": "□", "√": "□", "✓": "☐", "●": "○", "◉": "◎", "☒": "☐"}


@settings(max_examples=300, deadline=None)
@given(
    chosen=st.sampled_from([0, 1]),
    mark=st.sampled_from(_MARKS_ON),
    where=st.sampled_from(["replace", "after", "before_box", "after_bracket"]),
    sep=st.sampled_from([" ", "  ", "\u3000", "\n", "    "]),
    source=st.sampled_from(["", "单位自筹", "会员会费"]),
)
def test_random_single_mark_fillings(chosen: int, mark: str, where: str, sep: str, source: str) -> None:
    off = _MARKS_OFF[mark]
    parts = []
    for i, label in enumerate(_FUNDING_LABELS):
        on = i == chosen
        if where == "replace":
            parts.append((mark if on else off) + label)
        elif where == "after":
            parts.append("□" + label + (mark if on else ""))
        elif where == "before_box":
            parts.append((mark if on else "") + "□" + label)
        else:
            parts.append("□" + label + ("（" + mark + "）" if on else ""))
    text = sep.join(parts) + f"（自筹经费来源：{source or '_____'}）"
    got = choices.funding(text)
    assert got.value == ["fiscal", "self_funded"][chosen], text
    assert got.unclear is None and not got.multiple
    assert got.source == (source or None)


_SCOPE_LABELS = [o.labels[0] for o in SCOPE_OPTIONS]


@settings(max_examples=300, deadline=None)
@given(
    ticked=st.lists(st.booleans(), min_size=3, max_size=3).filter(any),
    notes=st.lists(st.sampled_from(["", "乡村振兴", "高端装备", "人工智能"]), min_size=3, max_size=3),
    style=st.sampled_from(["box", "after", "after_note"]),
    sep=st.sampled_from([" ", "\n", "  "]),
)
def test_random_scope_fillings(ticked: list[bool], notes: list[str], style: str, sep: str) -> None:
    parts = []
    for label, on, note in zip(_SCOPE_LABELS, ticked, notes, strict=False):
        if style == "box":
            parts.append(("☑" if on else "□") + label + "：" + note)
        elif style == "after":
            parts.append("□" + label + ("√" if on else "") + "：" + note)
        else:
            parts.append("□" + label + "：" + note + ("√" if on else ""))
    got = choices.scope(sep.join(parts))
    assert [got.states[o.value] for o in SCOPE_OPTIONS] == ticked
    assert [got.notes[o.value] or "" for o in SCOPE_OPTIONS] == notes


def test_reader_is_a_pure_function_of_text() -> None:
    text = "□财政资助项目√ □自筹经费项目"
    opts = [(o.value, o.labels) for o in FUNDING_OPTIONS]
    assert marks.read_choices(text, opts) == marks.read_choices(text, opts)
    assert marks.read_choices(text, opts).chosen == ("fiscal",)
