"""Read a Word (.docx) 申报表 into the contract dict, label-driven (never by row/column position).

The body is walked once (parsers.ooxml); every table (and, for forms typed as plain lines, the
paragraphs) is searched for the schema's labels; each label's value is the next distinct cell to
the right, else the cell below, else what was typed after the label in the label cell itself.
Sections (申报单位信息 / 承办单位信息) decide which unit a shared label (单位名称, 传真, ...) belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree

from core.documents import DocumentError, ParsedForm, Problem
from core.schema import (
    APPLICANT,
    BY_KEY,
    FIELDS,
    ORGANIZER,
    SECTION_LABELS,
    FieldSpec,
    empty_fields,
    norm_label,
    set_path,
)
from parsers import choices, dates, header, ooxml
from parsers.ooxml import Grid, GridCell, Para

_WS = re.compile(r"\s+")
MIN_FORM_LABELS = 6  # distinct fields found before a table counts as a 申报表 (a 公函's table has fewer)
DEFAULT_YEAR = 2025  # the notice's year: 办班时间 written without a year ("6月16日至20日")

# ------------------------------------------------------------------ label index


@dataclass(frozen=True)
class LabelHit:
    specs: tuple[FieldSpec, ...]  # candidates (two when the label is shared by both sections)
    section: str | None  # set when the cell is a section label (申报单位信息 ...)
    written: str  # the label as written, whitespace removed (as the --debug pairs show it)
    remainder: str  # text typed after the label in the same cell


def _exact_index() -> dict[str, tuple[FieldSpec, ...]]:
    index: dict[str, list[FieldSpec]] = {}
    for spec in FIELDS:
        for label in spec.labels:
            index.setdefault(norm_label(label), []).append(spec)
    return {k: tuple(v) for k, v in index.items()}


_EXACT = _exact_index()
_SECTIONS = {norm_label(label): sec for sec, labels in SECTION_LABELS.items() for label in labels}


def _tolerant(c: str) -> str:
    """A character class accepting the ASCII character and its full-width form (as typed in Word)."""
    if "!" <= c <= "~":
        return "[" + re.escape(c) + chr(ord(c) + 0xFEE0) + "]"
    return re.escape(c)


def _prefix_regex(label: str) -> re.Pattern[str]:
    body = r"\s*".join(_tolerant(c) for c in norm_label(label))
    return re.compile(r"^\s*(?P<label>" + body + r")\s*(?:[:：]|\s)\s*(?P<rest>.+)$", re.DOTALL)


_PREFIX: tuple[tuple[str, re.Pattern[str], tuple[FieldSpec, ...]], ...] = tuple(
    sorted(((k[0], _prefix_regex(k), v) for k, v in _EXACT.items()), key=lambda t: -len(t[1].pattern))
)
_FIRST_CHARS = frozenset(k[0] for k in _EXACT)


@lru_cache(maxsize=4096)
def match_label(text: str) -> LabelHit | None:
    """The field(s) a cell's text labels, or None; "label：value" in one cell gives a remainder."""
    if not text:
        return None
    key = norm_label(text)
    if key in _SECTIONS:
        return LabelHit((), _SECTIONS[key], _WS.sub("", text), "")
    if key in _EXACT:
        return LabelHit(_EXACT[key], None, _WS.sub("", text), "")
    if not key or key[0] not in _FIRST_CHARS or len(key) < 2:
        return None
    for first, rx, specs in _PREFIX:
        if first != key[0]:
            continue
        m = rx.match(text)
        if m:
            return LabelHit(specs, None, _WS.sub("", m["label"]), m["rest"].strip())
    return None


# ------------------------------------------------------------------ values


@lru_cache(maxsize=64)
def _hint_regex(hint: str) -> re.Pattern[str]:
    classes = {"(": "[(（]", ")": "[)）]", ",": "[,，]", ";": "[;；]", ":": "[:：]", "_": "[_＿]"}
    chars = [classes.get(c, re.escape(c)) for c in norm_label(hint)]
    return re.compile(r"\s*".join(chars))


def strip_hints(text: str, hints: Iterable[str]) -> str:
    """The template's hint text removed wherever it was left in."""
    for hint in hints:
        text = _hint_regex(hint).sub("", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


# One reading of the choice cells for Word and PDF (parsers.choices); the walker already turned symbol
# fonts into boxes and Word never loses a tick, so no from_pdf.
_funding = choices.write_funding
_scope = choices.write_scope
_ce_base = choices.write_ce_base


def _dates(text: str, fields: dict[str, Any], problems: list[Problem], year: int) -> None:
    fields["training_dates"] = text
    got = dates.parse_range(text, year)
    if got is None:
        problems.append(Problem("training_dates_unparsed", text))
        return
    fields["training_start"], fields["training_end"] = got[0].isoformat(), got[1].isoformat()


# ------------------------------------------------------------------ finding label/value pairs


@dataclass
class _State:
    fields: dict[str, Any]
    problems: list[Problem]
    pairs: list[tuple[str, str]]
    found: set[str]
    year: int
    notes: list[str] = field(default_factory=list)
    section: str | None = None
    seen_shared: dict[str, int] | None = None


@dataclass(frozen=True)
class _Labelled:
    """A grid with each cell's label looked up once (the scans below ask about a cell several times)."""

    grid: Grid
    hits: tuple[LabelHit | None, ...]  # per grid.cells

    @classmethod
    def of(cls, grid: Grid) -> _Labelled:
        return cls(grid, tuple([match_label(c.text) for c in grid.cells]))

    def hit_at(self, row: int, col: int) -> LabelHit | None:
        i = self.grid.index.get((row, col))
        return None if i is None else self.hits[i]


def _is_other_label(hit: LabelHit | None, own: LabelHit) -> bool:
    """The cell is a label of some other field (a value may begin like its own label: "研修内容：…")."""
    if hit is None:
        return False
    if hit.remainder and {s.key for s in hit.specs} == {s.key for s in own.specs}:
        return False
    return True


def _neighbour_value(lg: _Labelled, cell: GridCell, own: LabelHit) -> str:
    # grid.at / hit_at inlined: one index lookup serves both (called for every label of every form)
    index, cells, hits = lg.grid.index, lg.grid.cells, lg.hits
    i = index.get((cell.row, cell.col + cell.colspan))  # the cell to the right
    if i is not None and cells[i] is not cell:
        return "" if _is_other_label(hits[i], own) else cells[i].text
    i = index.get((cell.row + cell.rowspan, cell.col))  # the cell below
    if i is not None and cells[i] is not cell and not _is_other_label(hits[i], own):
        return cells[i].text
    return ""


def _section_left(lg: _Labelled, cell: GridCell) -> str | None:
    index, hits, row = lg.grid.index, lg.hits, cell.row
    for c in range(cell.col - 1, -1, -1):
        i = index.get((row, c))
        hit = None if i is None else hits[i]
        if hit is not None and hit.section:
            return hit.section
    return None


def _pick_spec(hit: LabelHit, lg: _Labelled, cell: GridCell, st: _State) -> FieldSpec:
    if len(hit.specs) == 1 and hit.specs[0].section is None:
        return hit.specs[0]  # a label of one field only: no need to look for the section it is in
    section = _section_left(lg, cell) or st.section
    if section is None:  # no section label anywhere: first occurrence is the applicant's
        st.seen_shared = st.seen_shared or {}
        base = hit.specs[0].key.split(".")[-1]
        n = st.seen_shared.get(base, 0)
        st.seen_shared[base] = n + 1
        section = APPLICANT if n == 0 else ORGANIZER
    return next((s for s in hit.specs if s.section == section), hit.specs[0])


def _store(spec: FieldSpec, text: str, st: _State) -> None:
    if spec.key in st.found:
        return
    value = strip_hints(text, spec.hints) if spec.hints else text.strip()
    if not value:
        return
    st.found.add(spec.key)
    if spec.key == "funding_type":
        _funding(value, st.fields, st.problems)
    elif spec.key == "scope":
        _scope(value, st.fields)
    elif spec.key == "organizer.ce_base":
        _ce_base(value, st.fields)
    elif spec.key == "training_dates":
        _dates(value, st.fields, st.problems, st.year)
    elif spec.key == "self_funding_source":
        if st.fields["self_funding_source"] is None:
            st.fields["self_funding_source"] = choices.self_funding_source("自筹经费来源：" + value)
    elif spec.kind == "date":
        day = dates.parse_date(value)
        set_path(st.fields, spec.key, day.isoformat() if day else None)
    else:
        set_path(st.fields, spec.key, _clean(value))


def _scan_grid(lg: _Labelled, st: _State) -> None:
    for cell, hit in zip(lg.grid.cells, lg.hits):
        if hit is None:
            continue
        if hit.section:
            st.section = hit.section
            continue
        spec = _pick_spec(hit, lg, cell, st)
        if spec.where == "header":
            continue  # 申报单位/申报时间 are read from the lines above the table
        if spec.key in st.found:
            continue  # e.g. a value cell that begins like its own label, already taken as the value
        value = _neighbour_value(lg, cell, hit) or hit.remainder
        st.pairs.append((hit.written, value))
        _store(spec, value, st)


# The table keys of each label's candidate specs, once at import (keyed by identity: the tuples are _EXACT's).
_TABLE_KEYS = {id(specs): frozenset(s.key for s in specs if s.where == "table") for specs in _EXACT.values()}


def _keys(lg: _Labelled) -> frozenset[str]:
    """The table fields a grid has labels for."""
    keys: set[str] = set()
    for hit in lg.hits:
        if hit is not None and hit.specs:
            keys |= _TABLE_KEYS[id(hit.specs)]
    return frozenset(keys)


# ------------------------------------------------------------------ header lines (parsers.header)


def _header(paras: Iterable[str], st: _State) -> None:
    st.pairs.extend(header.read_declared(paras, st.fields))


def _year(paras: Iterable[str]) -> int:
    return header.programme_year(paras) or DEFAULT_YEAR


# ------------------------------------------------------------------ entry point


def _paragraph_grid(paras: list[str]) -> Grid:
    """Lines typed without a table ("项目名称：…") as a one-column grid, so the same scan reads them."""
    cells = tuple(GridCell(i, 0, 1, 1, (p,), (), p.strip()) for i, p in enumerate(paras))
    return Grid(cells, len(cells), 1, {(i, 0): i for i in range(len(cells))})


_Read = tuple[dict[str, Any], list[Problem], list[tuple[str, str]], list[str]]


def _unknown_pairs(lg: _Labelled) -> list[tuple[str, str]]:
    """Rows the schema does not know ("项目负责人 | 王建国"), for the staff's --debug view."""
    out = []
    index, cells, hits = lg.grid.index, lg.grid.cells, lg.hits  # grid.at / hit_at inlined (every cell)
    for cell, hit in zip(cells, hits):
        text = cell.text
        if not text or len(text) > 16 or "\n" in text or hit is not None:
            continue
        if cell.col:
            i = index.get((cell.row, cell.col - 1))
            if i is not None and hits[i] is not None:
                continue  # the value of a known label
        i = index.get((cell.row, cell.col + cell.colspan))
        if i is None:
            continue
        right = cells[i]
        if right is not cell and right.text and hits[i] is None:
            out.append((_WS.sub("", text), right.text))
    return out


def _read(blocks: list[ooxml.Block]) -> ParsedForm | _Read:
    paras = [b.text for b in blocks if isinstance(b, Para)]
    grids = [_Labelled.of(g) for g in ooxml.iter_grids(blocks)]
    grids.append(_Labelled.of(_paragraph_grid([p for p in paras if p.strip()])))
    keys = [_keys(g) for g in grids]
    best_i = max(range(len(grids)), key=lambda i: len(keys[i]))
    best = keys[best_i]
    if len(best) < MIN_FORM_LABELS:
        return ParsedForm(
            source="",
            kind="docx",
            is_form=False,
            fields=empty_fields(),
            note="不是申报表：文档中没有申报表的表格（可能是公函或其他材料）",
        )
    st = _State(empty_fields(), [], [], set(), _year(paras))
    _header(paras, st)
    if st.fields["declared_org"] is None or st.fields["declared_date"] is None:
        _header((c.text for c in grids[best_i].grid.cells), st)  # lines typed into the table's first row
    _scan_grid(grids[best_i], st)
    # Other tables: a fragment of this form (a split table that did not join up, a nested table) has
    # labels the main one lacks; another whole form repeats its labels and must not be mixed in.
    others = [i for i in range(len(grids)) if i != best_i and keys[i]]
    forms = 1 + sum(1 for i in others if len(keys[i] & best) >= 3)
    for i in others:
        if len(keys[i] & best) < 3:
            _scan_grid(grids[i], st)
    st.pairs += _unknown_pairs(grids[best_i])
    if forms > 1:
        st.notes.append(f"文档中有 {forms} 张申报表，只读取了填写最完整的一张，其余请人工核对")
    return st.fields, st.problems, st.pairs, st.notes


def _text_length(blocks: list[ooxml.Block]) -> int:
    return sum(len(b.text.strip()) for b in blocks if isinstance(b, Para)) + sum(
        len(c.text) for g in ooxml.iter_grids(blocks) for c in g.cells
    )


def parse_docx(data: bytes, name: str) -> ParsedForm:
    """Parse a .docx 申报表. DocumentError (Chinese reason) when the file cannot be read at all."""
    try:
        root = ooxml.load_document(data)
        blocks = ooxml.walk_body(root)
        result = _read(blocks)
    except DocumentError as err:
        err.name = err.name or name
        raise
    except (
        etree.LxmlError,
        RecursionError,
        MemoryError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
    ) as err:
        raise DocumentError("文件内容异常，无法解析", name=name) from err
    if isinstance(result, ParsedForm):
        note = result.note
        if ooxml.has_images(root) and _text_length(blocks) < 200:
            note = "不是可读取的申报表：文档中只有图片（可能是扫描件粘贴进 Word），请核对 PDF 版或人工查看"
        return ParsedForm(source=name, kind="docx", is_form=False, fields=result.fields, note=note)
    fields, problems, pairs, notes = result
    if ooxml.has_tracked_changes(root):
        notes.insert(0, "含未接受的修订")
    note = "Word 表格" + (f"（{'；'.join(notes)}）" if notes else "")
    return ParsedForm(
        source=name,
        kind="docx",
        is_form=True,
        fields=fields,
        raw_pairs=tuple(pairs),
        problems=tuple(problems),
        note=note,
    )


self_funding_source = choices.self_funding_source  # kept importable from here (tests, older callers)

__all__ = ["BY_KEY", "match_label", "parse_docx", "self_funding_source", "strip_hints"]
