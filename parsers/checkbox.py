"""Ticked and empty boxes, in every form a Word document carries them (docs/pitfalls.md §4).

Two halves: `symbol_glyph` turns a symbol-font character (w:sym, a run in Wingdings / Wingdings 2, a
PUA \\uf0xx) into a plain ☑ / ☐ so the XML walker can emit visible text; `option_states` reads a
choice cell's text ("☑财政资助项目 □自筹经费项目（…）") into one state per option, including forms where
the unchosen options were deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

CHECKED_MARK = "☑"  # what the walker emits for a checked symbol, control or form field
UNCHECKED_MARK = "☐"

CHECKED_GLYPHS = frozenset("☑☒■▣√✓✔✅◼⬛▇█⊠⌧")
UNCHECKED_GLYPHS = frozenset("□☐◻⬜❑○")
TICKS = frozenset("√✓✔")

# Symbol-font code points (low byte) → checked (True) / unchecked (False).
_SYMBOL_FONTS: dict[str, dict[int, bool]] = {
    "wingdings": {
        0xFE: True,
        0xFD: True,
        0xFC: True,
        0x78: True,
        0x6E: True,
        0xA8: False,
        0x6F: False,
        0x71: False,
    },
    "wingdings 2": {0x52: True, 0x53: True, 0x54: True, 0x50: True, 0x51: True, 0xA2: True, 0xA3: False},
}
# Without a known font (a PUA character whose font was lost) only codes that mean a box in both fonts
# or in just one of them are trusted; the first table wins.
_PUA_GUESS = {**_SYMBOL_FONTS["wingdings 2"], **_SYMBOL_FONTS["wingdings"]}
SYMBOL_FONT_NAMES = frozenset({"wingdings", "wingdings 2", "wingdings 3", "webdings", "symbol"})


def is_symbol_font(font: str | None) -> bool:
    return bool(font) and font.strip().lower() in SYMBOL_FONT_NAMES  # type: ignore[union-attr]


def symbol_glyph(font: str | None, code: int) -> str | None:
    """The box a symbol-font character shows (☑/☐), or None when it is not a box."""
    low = code - 0xF000 if 0xF000 <= code <= 0xF0FF else code
    if low > 0xFF:
        return None
    table = _SYMBOL_FONTS.get((font or "").strip().lower())
    state = table.get(low) if table is not None else (_PUA_GUESS.get(low) if code >= 0xF000 else None)
    if state is None:
        return None
    return CHECKED_MARK if state else UNCHECKED_MARK


def mark_state(ch: str) -> bool | None:
    """True for a checked glyph, False for an empty box, None for anything else."""
    if ch in CHECKED_GLYPHS:
        return True
    if ch in UNCHECKED_GLYPHS:
        return False
    return None


def eq_field_glyph(instr: str) -> str | None:
    """带圈字符: `eq \\o\\ac(□,√)` shows a ticked box; `eq \\o\\ac(□,)` an empty one; None if not a box."""
    if not re.match(r"\s*eq\s", instr, re.IGNORECASE) or "\\o" not in instr.lower():
        return None
    if any(c in TICKS or c in CHECKED_GLYPHS for c in instr if c not in "□☐"):
        return CHECKED_MARK
    if _eq_args(instr) in ("□", "☐", "□,", "☐,"):
        return UNCHECKED_MARK
    return None


def _eq_args(instr: str) -> str:
    """The visible characters of an EQ field: its switches and syntax removed."""
    return re.sub(r"(?i)^\s*eq\s*|\\[a-z]+|[()\s]", "", instr)


def eq_field_text(instr: str) -> str:
    """What a non-box EQ field shows (an enclosed character such as ○ around 字): the inner characters."""
    return "".join(c for c in _eq_args(instr) if c not in ",○◯□")


# ------------------------------------------------------------------ options in a cell


class OptionHit(NamedTuple):  # a NamedTuple: built for every option of every choice cell, cheaply
    value: str
    start: int  # where the option's mark (or, without one, its label) starts
    label_end: int  # just after the label
    mark: bool | None  # the glyph before it: True ticked, False empty box, None no box at all
    match: re.Match[str]
    mark_after: bool | None = None  # a tick typed after the label instead ("财政资助项目（√）")


@lru_cache(maxsize=256)
def label_pattern(label: str) -> str:
    """A label as a regex tolerant of spaces between characters; "__" matches a filled-in blank."""
    parts = []
    for piece in re.split(r"(_+)", label):
        if piece.startswith("_"):
            parts.append(r"(?P<blank>[^\n□☐☑]{0,12}?)")
        elif piece:
            parts.append(r"\s*".join(re.escape(c) for c in piece))
    return "".join(parts)


def _find_option(text: str, labels: Sequence[str], taken: list[tuple[int, int]]) -> re.Match[str] | None:
    for rx in _patterns(labels if isinstance(labels, tuple) else tuple(labels)):
        for m in rx.finditer(text):
            if not taken or not any(a < m.end() and m.start() < b for a, b in taken):
                return m
    return None


@lru_cache(maxsize=256)
def _compiled(label: str) -> re.Pattern[str]:
    return re.compile(label_pattern(label))


@lru_cache(maxsize=256)
def _patterns(labels: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """An option's label patterns, longest label first, sorted and compiled once (not per cell)."""
    return tuple(_compiled(label) for label in sorted(labels, key=len, reverse=True))


def _mark_before(text: str, pos: int) -> tuple[bool | None, int]:
    i = pos - 1
    while i >= 0 and text[i] in " \t\u3000\xa0":
        i -= 1
    if i >= 0:
        state = mark_state(text[i])
        if state is not None:
            return state, i
    return None, pos


def _mark_after(text: str, pos: int) -> bool | None:
    i = pos
    while i < len(text) and text[i] in " \t\u3000\xa0（(":
        i += 1
    return mark_state(text[i]) if i < len(text) else None


def find_options(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> list[OptionHit]:
    """Every option whose label appears in text, in text order, with the mark before it."""
    hits: list[OptionHit] = []
    taken: list[tuple[int, int]] = []
    for value, labels in options:
        m = _find_option(text, labels, taken)
        if m is None:
            continue
        taken.append((m.start(), m.end()))
        mark, start = _mark_before(text, m.start())
        hits.append(OptionHit(value, start, m.end(), mark, m, _mark_after(text, m.end())))
    return sorted(hits, key=lambda h: h.start)


def states_from_hits(hits: Sequence[OptionHit], n_options: int) -> dict[str, bool]:
    """Each found option's state.

    With boxes, a ticked box decides.  When some options were deleted and nothing is ticked, the
    options left are the choice (applicants delete the others and may leave an empty box).  With no
    box anywhere, likewise, unless all options are left (nothing was chosen; boxes maybe lost).
    """
    if any(h.mark is not None for h in hits):
        if not any(h.mark for h in hits) and 0 < len(hits) < n_options:
            # "□财政资助项目" with the other option deleted: the deletion is the choice.
            return {h.value: True for h in hits}
        return {h.value: bool(h.mark) for h in hits}
    if any(h.mark_after is not None for h in hits):  # no box before any option: ticks typed after them
        return {h.value: bool(h.mark_after) for h in hits}
    if 0 < len(hits) < n_options:
        return {h.value: True for h in hits}
    return {h.value: False for h in hits}


def option_states(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> dict[str, bool]:
    """{option value: ticked} for every option (absent ones False)."""
    found = states_from_hits(find_options(text, options), len(options))
    return {value: found.get(value, False) for value, _ in options}
