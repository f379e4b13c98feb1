"""Label/value text to typed fields: the one reading of values for every kind of document.

Finders (parsers.docx_form for Word, parsers.pdf_form for text PDFs, an OCR reader later) only find
pairs (`LabelValue`: the field a label names and the text beside it); everything about what the text
means happens here, once: template hints stripped, dates read (a 办班时间 without a year takes the
programme year, else the notice's), the choice cells read by parsers.choices (a PDF reading undoes what
PDF exporters do to boxes), and each field's evidence kept (the text it came from, how it was read).

The first pair with a non-empty value names a field's value (a date: the first that reads as one).
Fields are read in schema order, and a value a field's cell gives for another field (the
自筹经费来源 written inside the 申报项目类别 cell) wins over that field's own cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from core.documents import Evidence, LabelValue, Problem, Source
from core.fields import CeBase, FormFields, Funding, Scope, ScopeNotes, Value
from core.schema import APPLICANT, ORGANIZER, FieldSpec, FormSchema, Kind, norm_label
from parsers import choices, dates

__all__ = ["Normalised", "clean", "normalise", "same_as_applicant", "strip_hints"]


@dataclass(frozen=True)
class Normalised:
    fields: FormFields
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class _Cell:
    """The pair a field is read from, with the text cleaned for its kind."""

    spec: FieldSpec
    pair: LabelValue
    text: str

    @property
    def from_pdf(self) -> bool:
        return self.pair.source is not Source.WORD


_Read = dict[str, Value]


def normalise(
    pairs: Iterable[LabelValue],
    schema: FormSchema,
    *,
    year: int | None = None,
    keys: frozenset[str] | None = None,
) -> Normalised:
    """The record the pairs describe.  `year`: the programme year read from the document's title
    (default: the notice's).  `keys`: read only these fields (and their parts)."""
    found: dict[str, list[_Cell]] = {}
    for pair in pairs:
        spec = schema.by_key.get(pair.key)
        if spec is None or spec.part_of or (keys is not None and pair.key not in keys):
            continue
        text = clean(pair.value, spec)
        if text:
            found.setdefault(spec.key, []).append(_Cell(spec, pair, text))
    values: _Read = {}
    evidence: dict[str, Evidence] = {}
    problems: list[Problem] = []
    for spec in schema.fields:
        cells = found.get(spec.key)
        if not cells:
            continue
        before = len(problems)
        cell, got = _read(cells, schema, year or schema.notice.year, problems)
        for key, value in got.items():
            values.setdefault(key, value)
        pair = cell.pair
        unclear = any(got.get(p.key) is None for p in (spec, *schema.parts(spec.key)) if p.kind is Kind.DATE)
        unclear = unclear or any(p.code == CHOICE_UNCLEAR for p in problems[before:])
        evidence[spec.key] = Evidence(pair.value, pair.source, pair.confidence, unclear)
    _same_as_applicant(values, schema)
    return Normalised(FormFields.build(values), evidence, tuple(problems))


_SAME = re.compile(r"(?:同上栏?|与上同|同左|同申报单位(?:信息)?|与申报单位(?:信息)?(?:相同|一致))")
_SAME_NOISE = re.compile(r"[\s,.;:!()\[\]\"'，。；：！（）【】“”‘’、]")


def same_as_applicant(text: str) -> bool:
    """ "同上", "同申报单位", "（与申报单位相同）": the 承办单位 is the applicant itself."""
    return bool(text) and _SAME.fullmatch(_SAME_NOISE.sub("", text)) is not None


def _same_as_applicant(values: _Read, schema: FormSchema) -> None:
    """A 承办单位 field written "同上" holds the applicant's value (the evidence keeps "同上")."""
    for spec in schema.fields:
        if (
            spec.section == ORGANIZER
            and isinstance(value := values.get(spec.key), str)
            and same_as_applicant(value)
        ):
            mine = values.get(f"{APPLICANT}.{spec.key.split('.', 1)[1]}")
            if isinstance(mine, str) and mine.strip():
                values[spec.key] = mine


def _read(
    cells: Sequence[_Cell], schema: FormSchema, year: int, problems: list[Problem]
) -> tuple[_Cell, _Read]:
    spec = cells[0].spec
    reader = _BY_KEY.get(spec.key)
    if reader is not None:
        return cells[0], reader(cells[0], schema, problems)
    if spec.kind is Kind.DATE:  # the first that reads as a date
        for cell in cells:
            day = dates.parse_date(cell.text)
            if day is not None:
                return cell, {spec.key: day}
        return cells[0], {spec.key: None}
    if spec.kind is Kind.DATE_RANGE:
        return cells[0], _date_range(cells[0], schema, year, problems)
    if spec.kind in (Kind.CHOICE, Kind.OPTIONS, Kind.NOTES, Kind.INT):
        raise KeyError(f"no reader for the {spec.kind} field {spec.key}")
    return cells[0], {spec.key: cells[0].text}


# ---------------------------------------------------------------- text


@cache
def _hint_regex(hint: str) -> re.Pattern[str]:
    classes = {"(": "[(（]", ")": "[)）]", ",": "[,，]", ";": "[;；]", ":": "[:：]", "_": "[_＿]"}
    chars = [classes.get(c, re.escape(c)) for c in norm_label(hint)]
    return re.compile(r"\s*".join(chars))


# What Word shows in an empty content control ("纯文本内容控件", date picker, drop-down) until something
# is typed in it: printed to PDF, or converted by a tool that ignores w:showingPlcHdr, it is text in the
# cell, but it says the cell is empty.  Word 2016+ and 2010/2013 wordings, Chinese and English.
_PLACEHOLDER = re.compile(
    r"(?:单击|点击|轻触)(?:或(?:单击|点击|轻触))?(?:此处|这里|以)?\s*(?:输入|键入)\s*(?:文字|文本|日期)\s*[。.]?"
    r"|选择一项\s*[。.]?"
    r"|(?:Click|Tap)(?: or (?:click|tap))?(?: here)? to enter (?:text|a date)\.?"
    r"|Choose an item\.?",
    re.IGNORECASE,
)


def strip_hints(text: str, hints: Iterable[str]) -> str:
    """The template's hint text (and a content control's placeholder) removed wherever it was left in,
    line ends trimmed, blank lines gone."""
    text = _PLACEHOLDER.sub("", text)
    for hint in hints:
        text = _hint_regex(hint).sub("", text)
    return "\n".join(line.strip() for line in text.replace("\r", "").split("\n") if line.strip())


# Characters that show nothing: emoji variation selectors (☑️ is ☑ + U+FE0F, what phones and WPS insert
# for an emoji tick), zero-width spaces and joiners, a stray BOM.  Left in, they split a mark from its option.
_INVISIBLE = str.maketrans("", "", "\ufe0e\ufe0f\u200b\u200c\u200d\u2060\ufeff")


def clean(text: str, spec: FieldSpec) -> str:
    """The text a field is read from: for a choice cell as it stands, else without hints and blank lines;
    characters that show nothing removed from both."""
    text = text.translate(_INVISIBLE)
    if spec.kind in (Kind.CHOICE, Kind.OPTIONS):
        return text.strip()  # the boxes and the option words as they stand
    return strip_hints(text, spec.hints)


# ---------------------------------------------------------------- kinds with more than one value


def _date_range(cell: _Cell, schema: FormSchema, year: int, problems: list[Problem]) -> _Read:
    start, end = schema.parts(cell.spec.key)
    got = dates.parse_range(cell.text, year)
    if got is None:
        problems.append(Problem("training_dates_unparsed", cell.text))
    return {cell.spec.key: cell.text, start.key: got[0] if got else None, end.key: got[1] if got else None}


CHOICE_UNCLEAR = "choice_unclear"


def _unclear(cell: _Cell, reason: str | None, problems: list[Problem]) -> None:
    """Marks that cannot be decided: the field stays empty and one choice_unclear problem quotes the cell
    as read, so a reviewer can confirm without opening the file (never a "not ticked" flag)."""
    if reason:
        text = " ".join(cell.text.split())
        problems.append(Problem(CHOICE_UNCLEAR, f"{cell.spec.name}：“{text}”（{reason}）", cell.spec.key))


def _funding(cell: _Cell, schema: FormSchema, problems: list[Problem]) -> _Read:
    got = choices.funding(cell.text, from_pdf=cell.from_pdf, emphasis=cell.pair.emphasis)
    if got.multiple:
        problems.append(Problem("funding_type_multiple", choices.MULTIPLE_FUNDING_DETAIL, cell.spec.key))
    _unclear(cell, got.unclear, problems)
    out: _Read = {cell.spec.key: Funding(got.value) if got.value else None}
    if got.source is not None:  # else the 自筹经费来源 cell of its own may still give it
        out["self_funding_source"] = got.source
    return out


def _self_funding_source(cell: _Cell, schema: FormSchema, problems: list[Problem]) -> _Read:
    return {cell.spec.key: choices.self_funding_source("自筹经费来源：" + cell.text)}


def _scope(cell: _Cell, schema: FormSchema, problems: list[Problem]) -> _Read:
    got = choices.scope(cell.text, from_pdf=cell.from_pdf, emphasis=cell.pair.emphasis)
    _unclear(cell, got.unclear, problems)
    (notes,) = schema.parts(cell.spec.key)
    return {
        cell.spec.key: Scope(**got.states),
        notes.key: ScopeNotes(**got.notes),
    }


def _ce_base(cell: _Cell, schema: FormSchema, problems: list[Problem]) -> _Read:
    got = choices.ce_base(cell.text, from_pdf=cell.from_pdf, emphasis=cell.pair.emphasis)
    _unclear(cell, got.unclear, problems)
    (batch,) = schema.parts(cell.spec.key)
    return {cell.spec.key: CeBase(got.value) if got.value else None, batch.key: got.batch}


# Fields whose cell needs more than its kind says: the choice cells (parsers.choices) and the source of
# self-funding written after its label's colon.
_BY_KEY: dict[str, Callable[[_Cell, FormSchema, list[Problem]], _Read]] = {
    "funding_type": _funding,
    "self_funding_source": _self_funding_source,
    "scope": _scope,
    "organizer.ce_base": _ce_base,
}
