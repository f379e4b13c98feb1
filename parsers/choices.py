"""The three choice cells of the 申报表 read into values, once for Word and PDF alike.

Both parsers hand the cell's text (boxes already turned into ☑ / ☐ by their walkers) to these functions,
so a rule about ticks, deleted options, notes or the 自筹经费来源 blank cannot differ between the Word and
the PDF reading of one form.  What only a PDF export does (a tick drawn over a box lost, a symbol font
shown as plain letters) is undone under the keyword `from_pdf`, not in a copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.schema import CE_BASE_OPTIONS, FUNDING_OPTIONS, SCOPE_OPTIONS, Option
from parsers import checkbox, dates, marks

MULTIPLE_FUNDING_DETAIL = "财政资助项目、自筹经费项目"
TICKED_SEVERAL = "勾选了多个选项，只能选一项"

# Wingdings / Wingdings 2 box codes shown as plain letters when a PDF was made without the symbol font.
_SYMBOL_LETTERS = "RSTQP£þýüxn¨oq"


@dataclass(frozen=True)
class Funding:
    value: str | None  # "fiscal" | "self_funded" | None (none, both, or unclear)
    multiple: bool  # both ticked: the rules raise funding_type_multiple
    source: str | None  # what follows 自筹经费来源：
    unclear: str | None = None  # why the marks cannot be decided (choice_unclear), else None


@dataclass(frozen=True)
class Scope:
    states: dict[str, bool]  # option value → ticked (only options present in the cell)
    notes: dict[str, str | None]  # option value → note written after its colon
    unclear: str | None = None


@dataclass(frozen=True)
class CeBase:
    value: str | None  # "national" | "provincial" | "no" | None
    batch: int | None  # 第__批 of a national base
    unclear: str | None = None


def _pairs(options: Sequence[Option]) -> list[tuple[str, tuple[str, ...]]]:
    return [(o.value, o.labels) for o in options]


def _box_letter(m: re.Match[str]) -> str:
    code = ord(m.group(1))
    glyph = checkbox.symbol_glyph("wingdings", code) or checkbox.symbol_glyph("wingdings 2", code)
    return m.group(0) if glyph is None else glyph


def _letter_regex(options: Sequence[Option]) -> re.Pattern[str]:
    labels = "|".join(re.escape(label) for o in options for label in o.labels if "_" not in label)
    return re.compile(rf"(?:(?<=^)|(?<=[\s，,;；]))([{_SYMBOL_LETTERS}])\s*(?=({labels}))", re.M)


_LETTERS = {id(opts): _letter_regex(opts) for opts in (FUNDING_OPTIONS, SCOPE_OPTIONS, CE_BASE_OPTIONS)}


def unfont_symbols(text: str, options: Sequence[Option]) -> str:
    """'R自筹经费项目' / '£财政资助项目': directly before an option label (at a word start) a symbol font's
    letter can only be a lost box."""
    rx = _LETTERS.get(id(options)) or _letter_regex(options)
    return rx.sub(_box_letter, text)


_PAIRS = {id(opts): _pairs(opts) for opts in (FUNDING_OPTIONS, SCOPE_OPTIONS, CE_BASE_OPTIONS)}


def _read(
    text: str, options: Sequence[Option], *, multi: bool, from_pdf: bool, emphasis: Sequence[str] = ()
) -> marks.ChoiceRead:
    text = unfont_symbols(text, options) if from_pdf else text
    return marks.read_choices(
        text, _PAIRS.get(id(options)) or _pairs(options), multi=multi, from_pdf=from_pdf, emphasis=emphasis
    )


_SOURCE_RX = re.compile(r"自\s*筹\s*经\s*费\s*来\s*源\s*[:：]?(?P<v>.*)", re.DOTALL)
_BLANK = "_＿ \u3000\n"


def self_funding_source(text: str) -> str | None:
    """What follows 自筹经费来源：, without the template's blank line, the closing bracket or a mark; a
    source wrapped onto the next line is kept."""
    m = _SOURCE_RX.search(text)
    if m is None:
        return None
    v = (marks.clean_note(m["v"]) or "").strip(_BLANK)
    if v.startswith(("）", ")")):  # "（自筹经费来源：）单位自筹": written after the bracket
        v = v[1:]
    if v.endswith(("）", ")")) and v.count("（") + v.count("(") < v.count("）") + v.count(")"):
        v = v[:-1]
    return marks.clean_note(v.strip().strip(_BLANK))


def funding(text: str, *, from_pdf: bool = False, emphasis: Sequence[str] = ()) -> Funding:
    """申报项目类别: exactly one of 财政资助 / 自筹经费, and the 自筹经费来源 written in the cell.
    `emphasis`: the cell's highlighted / underlined / bold text (marks.read_choices)."""
    got = _read(text, FUNDING_OPTIONS, multi=False, from_pdf=from_pdf, emphasis=emphasis)
    ticked = got.chosen
    return Funding(
        ticked[0] if len(ticked) == 1 else None, len(ticked) > 1, self_funding_source(text), got.unclear
    )


def scope(text: str, *, from_pdf: bool = False, emphasis: Sequence[str] = ()) -> Scope:
    """是否符合选题范围: the options ticked and the note written after each one's colon."""
    got = _read(text, SCOPE_OPTIONS, multi=True, from_pdf=from_pdf, emphasis=emphasis)
    return Scope({v: v in got.chosen for v in got.present}, dict(got.notes), got.unclear)


_BATCH_RX = re.compile(r"第\s*(\d+)\s*批")


def _batch(blank: str | None, text: str) -> int | None:
    """第__批: "第3批", "第 ３ 批" → the number (from the option's blank, else anywhere in the cell)."""
    digits = re.sub(r"\D", "", dates.normalise(blank or ""))
    if digits and len(digits) <= 3:
        return int(digits)
    m = _BATCH_RX.search(dates.normalise(text))
    return int(m.group(1)) if m else None


def ce_base(text: str, *, from_pdf: bool = False, emphasis: Sequence[str] = ()) -> CeBase:
    """是否继续教育基地: national (with its batch number), provincial or no."""
    got = _read(text, CE_BASE_OPTIONS, multi=False, from_pdf=from_pdf, emphasis=emphasis)
    # a base is national or provincial, not both: a reviewer asks (there is no rule of its own for it)
    if len(got.chosen) > 1:
        return CeBase(None, None, TICKED_SEVERAL)
    if len(got.chosen) != 1:
        return CeBase(None, None, got.unclear)
    value = got.chosen[0]
    batch = _batch(got.blanks.get(value), text) if value == "national" else None
    return CeBase(value, batch)
