"""What a mark on a form is, in every form a Word document or a PDF carries it (docs/pitfalls.md §4).

Three jobs, all pure functions of characters:
- `symbol_char` turns a symbol-font character (w:sym, a run in Wingdings / Wingdings 2, a PUA \\uf0xx,
  a PDF glyph in a fallback font) into the Unicode mark it shows (☑ ☒ ✓ ✗ ● ○ ◉ □ …), or U+FFFD when the
  font is a symbol font and the code is not a known mark: the walker then shows "a mark we cannot read"
  instead of silently dropping it;
- the glyph classes (`kind_of`) that parsers.marks reads a choice cell with;
- 带圈字符 (`eq \\o\\ac(□,√)`) fields read as one glyph.
"""

from __future__ import annotations

import re

CHECKED_MARK = "☑"  # what the walker emits for a checked content control or legacy form field
UNCHECKED_MARK = "☐"
UNREADABLE_MARK = "\ufffd"  # a symbol-font glyph that is not a known mark

# ---------------------------------------------------------------- glyph classes
# A mark is one of these kinds.  "weak" filled shapes may be bullets; ASCII letters are handled in marks.py.
TICKS = frozenset("√✓✔✅🗸")
CHECKED_BOXES = frozenset("☑☒▣⊠⌧🗹🗷🗵⮽■◼⬛▇█")  # a filled square is a filled-in box
EMPTY_BOXES = frozenset("□☐◻⬜❏❐❑❒▢◽▫")
RADIO_ON = frozenset("◉⦿⊙◙")
EMPTY_CIRCLES = frozenset("○〇◯◎❍⭕")
FILLED = frozenset("●◆▪◾⚫⬤♦❖")  # dots and diamonds: a choice, or a bullet
CROSSES = frozenset("×✗✘✕✖☓╳🗴")

CHECKED_GLYPHS = TICKS | CHECKED_BOXES | RADIO_ON | FILLED
UNCHECKED_GLYPHS = EMPTY_BOXES | EMPTY_CIRCLES
MARK_CHARS = CHECKED_GLYPHS | UNCHECKED_GLYPHS | CROSSES | {UNREADABLE_MARK}

TICK, BOX_ON, BOX_OFF, FILL, CROSS, UNKNOWN = "tick", "box_on", "box_off", "fill", "cross", "unknown"
_KINDS: dict[str, str] = {
    **dict.fromkeys(TICKS, TICK),
    **dict.fromkeys(CHECKED_BOXES | RADIO_ON, BOX_ON),
    **dict.fromkeys(EMPTY_BOXES | EMPTY_CIRCLES, BOX_OFF),
    **dict.fromkeys(FILLED, FILL),
    **dict.fromkeys(CROSSES, CROSS),
    UNREADABLE_MARK: UNKNOWN,
}


def kind_of(ch: str) -> str | None:
    """tick | box_on | box_off | fill | cross | unknown, or None for a character that is no mark."""
    return _KINDS.get(ch)


def mark_state(ch: str) -> bool | None:
    """True for a checked glyph, False for an empty box or circle, None for anything else."""
    if ch in CHECKED_GLYPHS:
        return True
    if ch in UNCHECKED_GLYPHS:
        return False
    return None


# ---------------------------------------------------------------- symbol fonts
# Code (low byte) → the Unicode character the font draws, for the marks people insert with 插入→符号.
# Wingdings and Wingdings 2 after the published mapping tables (Unicode 7.0 added most of the glyphs).
_SYMBOL_FONTS: dict[str, dict[int, str]] = {
    "wingdings": {
        0xFE: "☑",
        0xFD: "☒",
        0xFC: "✓",
        0xFB: "✗",
        0x78: "⌧",
        0x6E: "■",
        0x6C: "●",
        0x6D: "❍",
        0x6F: "□",
        0x70: "□",  # bold white square
        0x71: "❑",
        0x72: "❒",
        0xA1: "○",
        0xA2: "⭕",
        0xA4: "◉",
        0xA5: "◎",
        0xA8: "◻",
        0x9F: "•",
        0xA7: "▪",
        0xA0: "▪",
    },
    "wingdings 2": {
        0x50: "✓",
        0x4F: "🗴",
        0x51: "🗵",
        0x52: "☑",
        0x53: "☒",
        0x54: "☒",
        0x96: "●",
        0x97: "⚫",
        0x98: "⬤",
        0x99: "○",
        0x9E: "⦿",
        0xA0: "■",
        0xA1: "◼",
        0xA2: "⬛",
        0xA3: "⬜",
        0xA8: "▣",
    },
    "webdings": {0x61: "✓", 0x63: "□", 0x67: "■", 0x6E: "●", 0x3D: "○"},
    "symbol": {0xD6: "√", 0xB4: "×", 0xB7: "•", 0xC4: "⊗", 0xC5: "⊕"},
    # the PDF standard font: check boxes of PDF forms and of iText / reportlab exports; their text layer
    # has no ToUnicode, so pdfminer gives the codes ("4" for ✔, "q" for ❑)
    "zapfdingbats": {
        0x33: "✓",
        0x34: "✔",
        0x35: "✕",
        0x36: "✖",
        0x37: "✗",
        0x38: "✘",
        0x6C: "●",
        0x6D: "❍",
        0x6E: "■",
        0x6F: "❏",
        0x70: "❐",
        0x71: "❑",
        0x72: "❒",
        0x75: "◆",
        0x76: "❖",
    },
}
_NON_MARK_OK = frozenset(
    {"symbol"}
)  # Symbol is a text font too (Greek, math): unknown codes stay as they are
# Without a known font (a PUA character whose font was lost, e.g. after LibreOffice) only codes that are a
# box in one of the two fonts are guessed; Wingdings wins where the two differ (Word's default 插入符号).
_PUA_GUESS = {
    code: ch
    for table in (_SYMBOL_FONTS["wingdings 2"], _SYMBOL_FONTS["wingdings"])
    for code, ch in table.items()
    if ch in MARK_CHARS
}
# Where neither has a mark, Symbol's √ and × (Insert → Symbol's √ is Symbol F0D6; LibreOffice prints it in
# OpenSymbol and keeps the code, so a PDF's text layer says U+F0D6).
for _code, _ch in _SYMBOL_FONTS["symbol"].items():
    if _ch in MARK_CHARS:
        _PUA_GUESS.setdefault(_code, _ch)
SYMBOL_FONT_NAMES = frozenset(
    {"wingdings", "wingdings 2", "wingdings 3", "webdings", "symbol", "zapfdingbats"}
)


def font_key(font: str | None) -> str:
    """'Wingdings2', 'WINGDINGS 2', 'ABCDEF+Wingdings-Regular' (a PDF subset) → 'wingdings 2' / 'wingdings'."""
    name = (font or "").split("+")[-1].strip().lower()
    name = re.sub(r"[-,](regular|bold|italic)$", "", name)
    for key in ("wingdings 3", "wingdings 2", "wingdings", "webdings", "symbol"):
        if name == key or name.replace(" ", "") == key.replace(" ", ""):
            return key
    if name.replace(" ", "").removeprefix("itc") in ("zapfdingbats", "dingbats"):
        return "zapfdingbats"
    return name


def is_symbol_font(font: str | None) -> bool:
    return font_key(font) in SYMBOL_FONT_NAMES


def symbol_char(font: str | None, code: int) -> str | None:
    """The character a symbol-font code shows; U+FFFD for a code of a pictograph font that is no known mark;
    None when `font` is not a symbol font and the code is no PUA symbol code (the character is itself)."""
    low = code - 0xF000 if 0xF000 <= code <= 0xF0FF else code
    key = font_key(font)
    table = _SYMBOL_FONTS.get(key)
    if table is not None or key in SYMBOL_FONT_NAMES:
        if low > 0xFF:
            return None
        found = (table or {}).get(low)
        if found is not None:
            return found
        if key in _NON_MARK_OK:
            return None if code < 0xF000 else UNREADABLE_MARK
        return " " if low == 0x20 else UNREADABLE_MARK
    if 0xF000 <= code <= 0xF0FF:
        return _PUA_GUESS.get(low, UNREADABLE_MARK)
    return None


def symbol_glyph(font: str | None, code: int) -> str | None:
    """The box a symbol-font character shows as ☑/☐ (a checked or empty box), or None when it is not one."""
    ch = symbol_char(font, code)
    state = None if ch is None else mark_state(ch)
    if state is None:
        return None
    return CHECKED_MARK if state else UNCHECKED_MARK


# ---------------------------------------------------------------- 带圈字符


def eq_field_glyph(instr: str) -> str | None:
    """带圈字符: `eq \\o\\ac(□,√)` shows a ticked box; `eq \\o\\ac(□,)` an empty one; None if not a box."""
    if not re.match(r"\s*eq\s", instr, re.IGNORECASE) or "\\o" not in instr.lower():
        return None
    if any(c in TICKS or c in CHECKED_GLYPHS or c in CROSSES for c in instr if c not in "□☐○◯〇"):
        return CHECKED_MARK
    if _eq_args(instr) in ("□", "☐", "□,", "☐,", "○,", "○"):
        return UNCHECKED_MARK
    return None


def _eq_args(instr: str) -> str:
    """The visible characters of an EQ field: its switches and syntax removed."""
    return re.sub(r"(?i)^\s*eq\s*|\\[a-z]+|[()\s]", "", instr)


def eq_field_text(instr: str) -> str:
    """What a non-box EQ field shows (an enclosed character such as ○ around 字): the inner characters."""
    return "".join(c for c in _eq_args(instr) if c not in ",○◯□")
