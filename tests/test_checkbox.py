"""Checkbox forms: symbol fonts, glyphs, content controls, form fields, EQ fields, deleted options."""

from __future__ import annotations

import pytest

from core.schema import CE_BASE_OPTIONS, FUNDING_OPTIONS
from parsers import checkbox
from parsers.checkbox import CHECKED_MARK as ON
from parsers.checkbox import UNCHECKED_MARK as OFF

FUNDING = [(o.value, o.labels) for o in FUNDING_OPTIONS]
CE = [(o.value, o.labels) for o in CE_BASE_OPTIONS]


@pytest.mark.parametrize(
    "font,code,glyph",
    [
        ("Wingdings", 0xF0FE, ON),
        ("Wingdings", 0xFE, ON),
        ("Wingdings", 0xF0A8, OFF),
        ("Wingdings", 0x6F, OFF),
        ("Wingdings", 0xFD, ON),
        ("Wingdings", 0xFC, ON),
        ("Wingdings", 0x71, OFF),
        ("Wingdings 2", ord("R"), ON),
        ("Wingdings 2", 0xF052, ON),
        ("Wingdings 2", ord("£"), OFF),
        ("Wingdings 2", 0xF0A3, OFF),
        ("Wingdings 2", ord("S"), ON),
        ("wingdings 2", ord("T"), ON),
        (None, 0xF0FE, ON),
        (None, 0xF0A3, OFF),
    ],
)
def test_symbol_font_boxes(font: str | None, code: int, glyph: str) -> None:
    assert checkbox.symbol_glyph(font, code) == glyph


@pytest.mark.parametrize(
    "font,code",
    [
        ("Wingdings", ord("l")),
        ("Wingdings 2", ord("A")),
        (None, ord("R")),
        ("Symbol", 0xF0B7),
        ("Wingdings", 0x1234),
    ],
)
def test_symbol_non_boxes(font: str | None, code: int) -> None:
    assert checkbox.symbol_glyph(font, code) is None


@pytest.mark.parametrize("ch", list("☑☒■▣√✓✔✅"))
def test_checked_glyphs(ch: str) -> None:
    assert checkbox.mark_state(ch) is True


@pytest.mark.parametrize("ch", list("□☐◻❑"))
def test_unchecked_glyphs(ch: str) -> None:
    assert checkbox.mark_state(ch) is False


@pytest.mark.parametrize(
    "instr,glyph",
    [
        ("eq \\o\\ac(□,√)", ON),
        (" EQ \\o\\ac(□,✓)", ON),
        ("eq \\o\\ac(□,)", OFF),
        ("eq \\o\\ac(○,字)", None),
        (" FORMCHECKBOX ", None),
        ("MERGEFIELD x", None),
    ],
)
def test_eq_field(instr: str, glyph: str | None) -> None:
    assert checkbox.eq_field_glyph(instr) == glyph


@pytest.mark.parametrize(
    "text,fiscal,self_funded",
    [
        ("☑财政资助项目    □自筹经费项目（自筹经费来源：_____）", True, False),
        ("□财政资助项目 √自筹经费项目（自筹经费来源：单位自筹）", False, True),
        ("■ 财政资助项目  □ 自筹经费项目", True, False),
        ("☑财政资助项目 ☑自筹经费项目", True, True),
        ("□财政资助项目 □自筹经费项目（自筹经费来源：_____）", False, False),
        ("自筹经费项目（自筹经费来源：企业自筹）", False, True),  # the unchosen option deleted, no box
        ("财政资助项目", True, False),
        ("财政资助项目 自筹经费项目（自筹经费来源：_____）", False, False),  # both left, nothing ticked
        ("□财政资助  ✔自筹经费", False, True),
    ],
)
def test_funding_states(text: str, fiscal: bool, self_funded: bool) -> None:
    assert checkbox.option_states(text, FUNDING) == {"fiscal": fiscal, "self_funded": self_funded}


def test_national_base_with_batch_blank() -> None:
    hits = checkbox.find_options("☑是第 3 批国家级专业技术人员继续教育基地 □是省级继续教育基地 □否", CE)
    national = next(h for h in hits if h.value == "national")
    assert national.mark is True and national.match.groupdict()["blank"].strip() == "3"
    assert checkbox.states_from_hits(hits, 3) == {"national": True, "provincial": False, "no": False}


def test_only_no_left() -> None:
    assert checkbox.option_states("否", CE) == {"national": False, "provincial": False, "no": True}


def test_label_pattern_tolerates_spaces() -> None:
    assert checkbox.option_states("□财 政 资 助 项 目  ☑自 筹 经 费 项 目", FUNDING) == {
        "fiscal": False,
        "self_funded": True,
    }


@pytest.mark.parametrize(
    "text,fiscal,self_funded",
    [
        ("财政资助项目（√）  自筹经费项目（自筹经费来源：_____）", True, False),
        ("财政资助项目  自筹经费项目√（自筹经费来源：学会自筹）", False, True),
    ],
)
def test_tick_typed_after_the_option(text: str, fiscal: bool, self_funded: bool) -> None:
    assert checkbox.option_states(text, FUNDING) == {"fiscal": fiscal, "self_funded": self_funded}


# ---- the same boxes as the XML walker sees them

from lxml import etree  # noqa: E402

from parsers import ooxml  # noqa: E402

W = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
)


def _para_text(inner: str) -> str:
    p = etree.fromstring(f"<w:p {W}>{inner}<w:r><w:t>财政资助项目</w:t></w:r></w:p>", ooxml.xml_parser())
    return ooxml.paragraph_text(p)[0]


def _formfield(state: str) -> str:
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox>{state}</w:checkBox></w:ffData>'
        "</w:fldChar></w:r><w:r><w:instrText> FORMCHECKBOX </w:instrText></w:r>"
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


@pytest.mark.parametrize(
    "state,glyph",
    [
        ('<w:default w:val="0"/><w:checked/>', ON),
        ('<w:default w:val="0"/><w:checked w:val="1"/>', ON),
        ('<w:default w:val="0"/><w:checked w:val="true"/>', ON),
        ('<w:default w:val="1"/><w:checked w:val="0"/>', OFF),
        ('<w:default w:val="1"/><w:checked w:val="false"/>', OFF),
        ('<w:default w:val="1"/>', ON),
        ('<w:default w:val="0"/>', OFF),
        ("", OFF),
    ],
)
def test_legacy_form_checkbox(state: str, glyph: str) -> None:
    assert _para_text(_formfield(state)) == glyph + "财政资助项目"


@pytest.mark.parametrize(
    "inner,glyph",
    [
        ('<w:r><w:sym w:font="Wingdings" w:char="F0FE"/></w:r>', ON),
        ('<w:r><w:sym w:font="Wingdings" w:char="F0A8"/></w:r>', OFF),
        ('<w:r><w:sym w:font="Wingdings 2" w:char="F052"/></w:r>', ON),
        ('<w:r><w:sym w:font="Wingdings 2" w:char="F0A3"/></w:r>', OFF),
        ('<w:r><w:rPr><w:rFonts w:ascii="Wingdings 2" w:hAnsi="Wingdings 2"/></w:rPr><w:t>R</w:t></w:r>', ON),
        ('<w:r><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr><w:t>þ</w:t></w:r>', ON),
        ('<w:r><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr><w:t>¨</w:t></w:r>', OFF),
        ("<w:r><w:t>\uf0fe</w:t></w:r>", ON),
        (
            '<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="0"/></w14:checkbox></w:sdtPr>'
            "<w:sdtContent><w:r><w:t>☒</w:t></w:r></w:sdtContent></w:sdt>",
            OFF,
        ),
        (
            '<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr>'
            "<w:sdtContent><w:r><w:t>☐</w:t></w:r></w:sdtContent></w:sdt>",
            ON,
        ),
        (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>eq \\o\\ac(</w:instrText></w:r>'
            "<w:r><w:instrText>□</w:instrText></w:r><w:r><w:instrText>,√)</w:instrText></w:r>"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
            ON,
        ),
        ("<w:del><w:r><w:delText>☑</w:delText></w:r></w:del><w:ins><w:r><w:t>□</w:t></w:r></w:ins>", "□"),
    ],
)
def test_boxes_in_word_xml(inner: str, glyph: str) -> None:
    assert _para_text(inner) == glyph + "财政资助项目"


def test_kept_option_with_empty_box_after_deleting_the_other() -> None:
    assert checkbox.option_states("□自筹经费项目（自筹经费来源：企业自筹）", FUNDING) == {
        "fiscal": False,
        "self_funded": True,
    }
    assert checkbox.option_states("□是省级继续教育基地", CE) == {
        "national": False,
        "provincial": True,
        "no": False,
    }
    # every option kept and none ticked is still nothing chosen
    assert checkbox.option_states("□财政资助项目 □自筹经费项目", FUNDING) == {
        "fiscal": False,
        "self_funded": False,
    }
