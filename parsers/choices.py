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
from parsers import checkbox, dates

MULTIPLE_FUNDING_DETAIL = "财政资助项目、自筹经费项目"

# Wingdings / Wingdings 2 box codes shown as plain letters when a PDF was made without the symbol font.
_SYMBOL_LETTERS = "RSTQP£þýüxn¨oq"


@dataclass(frozen=True)
class Funding:
    value: str | None  # "fiscal" | "self_funded" | None (none or both ticked)
    multiple: bool  # both ticked: the rules raise funding_type_multiple
    source: str | None  # what follows 自筹经费来源：


@dataclass(frozen=True)
class Scope:
    states: dict[str, bool]  # option value → ticked (only options present in the cell)
    notes: dict[str, str | None]  # option value → note written after its colon


@dataclass(frozen=True)
class CeBase:
    value: str | None  # "national" | "provincial" | "no" | None
    batch: int | None  # 第__批 of a national base


def _pairs(options: Sequence[Option]) -> list[tuple[str, tuple[str, ...]]]:
    return [(o.value, o.labels) for o in options]


def _box_letter(m: re.Match[str]) -> str:
    code = ord(m.group(1))
    glyph = checkbox.symbol_glyph("wingdings 2", code) or checkbox.symbol_glyph("wingdings", code)
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


def _states(hits: Sequence[checkbox.OptionHit], n_options: int, from_pdf: bool) -> dict[str, bool]:
    """checkbox.states_from_hits, plus (from_pdf) one PDF inference: no tick anywhere but some empty
    boxes and some options without a box → the box-less ones are chosen (a tick drawn over a box,
    带圈字符, is lost by some PDF exporters; some applicants delete the chosen box)."""
    marks = {h.mark for h in hits}
    if from_pdf and True not in marks and False in marks and None in marks:
        return {h.value: h.mark is None for h in hits}
    return checkbox.states_from_hits(hits, n_options)


_PAIRS = {id(opts): _pairs(opts) for opts in (FUNDING_OPTIONS, SCOPE_OPTIONS, CE_BASE_OPTIONS)}


def _hits(text: str, options: Sequence[Option]) -> list[checkbox.OptionHit]:
    return checkbox.find_options(text, _PAIRS.get(id(options)) or _pairs(options))


_SOURCE_RX = re.compile(r"自\s*筹\s*经\s*费\s*来\s*源\s*[:：]?(?P<v>.*)", re.DOTALL)
_BLANK = "_＿ \u3000\n"


def self_funding_source(text: str) -> str | None:
    """What follows 自筹经费来源：, without the template's blank line or the closing bracket; a source
    wrapped onto the next line is kept."""
    m = _SOURCE_RX.search(text)
    if m is None:
        return None
    v = m["v"].strip().strip(_BLANK)
    if v.startswith(("）", ")")):  # "（自筹经费来源：）单位自筹": written after the bracket
        v = v[1:]
    if v.endswith(("）", ")")) and v.count("（") + v.count("(") < v.count("）") + v.count(")"):
        v = v[:-1]
    v = v.strip().strip(_BLANK).strip()
    return v or None


def funding(text: str, *, from_pdf: bool = False) -> Funding:
    """申报项目类别: exactly one of 财政资助 / 自筹经费, and the 自筹经费来源 written in the cell."""
    text = unfont_symbols(text, FUNDING_OPTIONS) if from_pdf else text
    states = _states(_hits(text, FUNDING_OPTIONS), len(FUNDING_OPTIONS), from_pdf)
    ticked = [o.value for o in FUNDING_OPTIONS if states.get(o.value)]
    return Funding(ticked[0] if len(ticked) == 1 else None, len(ticked) > 1, self_funding_source(text))


def _note(text: str) -> str | None:
    note = text.strip().lstrip(":：").strip(" \n_＿\u3000")
    return note or None


def scope(text: str, *, from_pdf: bool = False) -> Scope:
    """是否符合选题范围: the options ticked and the note written after each one's colon."""
    text = unfont_symbols(text, SCOPE_OPTIONS) if from_pdf else text
    hits = _hits(text, SCOPE_OPTIONS)
    states = _states(hits, len(SCOPE_OPTIONS), from_pdf)
    notes = {
        h.value: _note(text[h.label_end : (hits[i + 1].start if i + 1 < len(hits) else len(text))])
        for i, h in enumerate(hits)
    }
    if len(hits) == len(SCOPE_OPTIONS) and all(h.mark is None and h.mark_after is None for h in hits):
        # All three kept without any box: the ones with a note written after them are the choices.
        states = {h.value: bool(notes[h.value]) for h in hits}
    return Scope({h.value: bool(states.get(h.value)) for h in hits}, notes)


_BATCH_RX = re.compile(r"第\s*(\d+)\s*批")


def _batch(blank: str | None, text: str) -> int | None:
    """第__批: "第3批", "第 ３ 批" → the number (from the option's blank, else anywhere in the cell)."""
    digits = re.sub(r"\D", "", dates.normalise(blank or ""))
    if digits and len(digits) <= 3:
        return int(digits)
    m = _BATCH_RX.search(dates.normalise(text))
    return int(m.group(1)) if m else None


def ce_base(text: str, *, from_pdf: bool = False) -> CeBase:
    """是否继续教育基地: national (with its batch number), provincial or no."""
    text = unfont_symbols(text, CE_BASE_OPTIONS) if from_pdf else text
    hits = _hits(text, CE_BASE_OPTIONS)
    states = _states(hits, len(CE_BASE_OPTIONS), from_pdf)
    ticked = [h for h in hits if states.get(h.value)]
    if len(ticked) != 1:
        return CeBase(None, None)
    hit = ticked[0]
    batch = _batch(hit.match.groupdict().get("blank"), text) if hit.value == "national" else None
    return CeBase(hit.value, batch)
