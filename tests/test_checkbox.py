"""Checkbox forms: symbol fonts, glyphs, content controls, form fields, EQ fields, deleted options."""

from __future__ import annotations

import pytest

from parsers import checkbox
from parsers.checkbox import CHECKED_MARK as ON
from parsers.checkbox import UNCHECKED_MARK as OFF


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
        ("Wingdings", ord("A")),
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
        ('<w:r><w:sym w:font="Wingdings" w:char="F0A8"/></w:r>', "◻"),
        ('<w:r><w:sym w:font="Wingdings 2" w:char="F052"/></w:r>', ON),
        ('<w:r><w:sym w:font="Wingdings 2" w:char="F0A3"/></w:r>', "⬜"),
        ('<w:r><w:rPr><w:rFonts w:ascii="Wingdings 2" w:hAnsi="Wingdings 2"/></w:rPr><w:t>R</w:t></w:r>', ON),
        ('<w:r><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr><w:t>þ</w:t></w:r>', ON),
        ('<w:r><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr><w:t>¨</w:t></w:r>', "◻"),
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


@pytest.mark.parametrize(
    "inner,text",
    [
        # struck-through and hidden runs read as deleted (applicants strike the options they did not choose)
        ("<w:r><w:rPr><w:strike/></w:rPr><w:t>自筹经费项目</w:t></w:r>", ""),
        ('<w:r><w:rPr><w:dstrike w:val="true"/></w:rPr><w:t>自筹经费项目</w:t></w:r>', ""),
        ('<w:r><w:rPr><w:strike w:val="0"/></w:rPr><w:t>自筹</w:t></w:r>', "自筹"),
        ("<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>", ""),
        # a Wingdings code that is no known mark shows as "unreadable", never silently dropped
        ('<w:r><w:sym w:font="Wingdings" w:char="F041"/></w:r>', "\ufffd"),
        ('<w:r><w:sym w:font="Wingdings" w:char="F06C"/></w:r>', "●"),
        ('<w:r><w:sym w:font="Wingdings" w:char="F0A4"/></w:r>', "◉"),
        ('<w:r><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>', "✓"),
        ('<w:r><w:sym w:font="Wingdings" w:char="F0FB"/></w:r>', "✗"),
        ('<w:r><w:sym w:font="Symbol" w:char="F0D6"/></w:r>', "√"),
        (
            '<w:r><w:rPr><w:rFonts w:ascii="Wingdings 2" w:hAnsi="Wingdings 2"/></w:rPr><w:t>P</w:t></w:r>',
            "✓",
        ),
        ('<w:r><w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol"/></w:rPr><w:t>a</w:t></w:r>', "a"),
    ],
)
def test_run_properties_and_symbols(inner: str, text: str) -> None:
    assert _para_text(inner) == text + "财政资助项目"


@pytest.mark.parametrize(
    "font,expected",
    [
        ("ABCDEF+Wingdings-Regular", "wingdings"),
        ("Wingdings2", "wingdings 2"),
        ("WINGDINGS 2", "wingdings 2"),
    ],
)
def test_font_names_as_pdfs_and_documents_write_them(font: str, expected: str) -> None:
    assert checkbox.font_key(font) == expected
