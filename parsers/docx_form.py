"""Read a Word (.docx) 申报表, label-driven (never by row/column position).

The body is walked once (parsers.ooxml); every table (and, for forms typed as plain lines, the
paragraphs) is searched for the schema's labels (parsers.labels); each label's value is the next
distinct cell to the right, else the cell below, else what was typed after the label in the label cell
itself.  Sections (申报单位信息 / 承办单位信息) decide which unit a shared label (单位名称, 传真, ...)
belongs to.  The pairs found go to parsers.normalise, which reads the values.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from core.documents import LabelValue, ParsedForm, Source
from core.schema import APPLICANT, DEFAULT_SCHEMA, ORGANIZER, FieldSpec, FormSchema, Where
from parsers import dates, detect, header, ooxml
from parsers.labels import LabelHit, Labels, labels_for
from parsers.normalise import clean, normalise, same_as_applicant
from parsers.ooxml import Grid, GridCell, Para

__all__ = ["parse_docx"]

_WS = re.compile(r"\s+")


@dataclass
class _State:
    pairs: list[LabelValue] = field(default_factory=list)
    raw: list[tuple[str, str]] = field(default_factory=list)  # what --debug shows
    found: set[str] = field(default_factory=set)  # fields with a value already
    values: dict[str, str] = field(default_factory=dict)  # the value each found field was read from
    notes: list[str] = field(default_factory=list)
    section: str | None = None
    seen_shared: dict[str, int] = field(default_factory=dict)
    unit_fields: tuple[FieldSpec, ...] = ()  # the 承办单位's 单位名称 … 地址 (a block written "同上")


@dataclass(frozen=True)
class _Labelled:
    """A grid with each cell's label looked up once (the scans below ask about a cell several times)."""

    grid: Grid
    hits: tuple[LabelHit | None, ...]  # per grid.cells

    @classmethod
    def of(cls, grid: Grid, labels: Labels) -> _Labelled:
        # a cell holding a nested table is labelled by its own paragraphs, not by the nested rows
        return cls(grid, tuple(labels.match(_own_text(c)) for c in grid.cells))

    def hit_at(self, row: int, col: int) -> LabelHit | None:
        i = self.grid.index.get((row, col))
        return None if i is None else self.hits[i]

    def keys(self) -> frozenset[str]:
        """The table fields this grid has labels for."""
        return frozenset(s.key for h in self.hits if h is not None for s in h.specs if s.where is Where.TABLE)

    def row_keys(self) -> list[set[str]]:
        """Per row, the fields its labels name (parsers.detect)."""
        rows: dict[int, set[str]] = {}
        for cell, hit in zip(self.grid.cells, self.hits, strict=True):
            if hit is not None and hit.specs:
                rows.setdefault(cell.row, set()).update(s.key for s in hit.specs)
        return list(rows.values())


def _own_text(cell: GridCell) -> str:
    return cell.text if not cell.nested else "\n".join(p.strip() for p in cell.paras if p.strip())


def _is_other_label(hit: LabelHit | None, own: LabelHit) -> bool:
    """The cell is a label of some other field (a value may begin like its own label: "研修内容：…")."""
    if hit is None:
        return False
    return not (hit.remainder and {s.key for s in hit.specs} == {s.key for s in own.specs})


def _neighbour_value(lg: _Labelled, cell: GridCell, own: LabelHit) -> str:
    return _neighbour(lg, cell, own)[0]


def _neighbour(lg: _Labelled, cell: GridCell, own: LabelHit) -> tuple[str, tuple[str, ...]]:
    """The label's value and its emphasised text: the next cell to the right; else what was typed after the
    label in its own cell ("地址：武汉市…" at the end of a row); else the cell below."""
    right = lg.grid.at(cell.row, cell.col + cell.colspan)
    if right is not None and right is not cell:
        if _is_other_label(lg.hit_at(right.row, right.col), own):
            return "", ()
        after = lg.grid.at(cell.row, right.col + right.colspan)  # a value split over two cells of the row
        if (
            after is not None
            and lg.hit_at(after.row, after.col) is None
            and dates.continues_range(right.text, after.text)
        ):
            return right.text + after.text, ()
        return right.text, right.emphasis
    if own.remainder.strip():
        return own.remainder, ()
    below = lg.grid.at(cell.row + cell.rowspan, cell.col)
    if below is not None and below is not cell and not _is_other_label(lg.hit_at(below.row, below.col), own):
        return below.text, below.emphasis
    return "", ()


def _section_left(lg: _Labelled, cell: GridCell) -> str | None:
    for c in range(cell.col - 1, -1, -1):
        hit = lg.hit_at(cell.row, c)
        if hit is not None and hit.section:
            return hit.section
    return None


def _pick_spec(hit: LabelHit, lg: _Labelled, cell: GridCell, st: _State) -> FieldSpec:
    if not hit.shared:
        return hit.specs[0]  # a label of one field only: no need to look for the section it is in
    section = _section_left(lg, cell) or st.section
    if section is None:  # no section label anywhere: first occurrence is the applicant's
        base = hit.specs[0].key.split(".")[-1]
        n = st.seen_shared.get(base, 0)
        st.seen_shared[base] = n + 1
        section = APPLICANT if n == 0 else ORGANIZER
    return hit.pick(section)


def _scan_grid(lg: _Labelled, st: _State) -> None:
    for cell, hit in zip(lg.grid.cells, lg.hits, strict=True):
        if hit is None:
            continue
        if hit.section:
            st.section = hit.section
            _whole_block(lg, cell, hit, st)
            continue
        spec = _pick_spec(hit, lg, cell, st)
        if spec.where is Where.HEADER:
            continue  # 申报单位/申报时间 come from the lines above
        if spec.key in st.found:
            # a value that begins like its label; or a row the applicant inserted in a unit block (a second
            # 联系人): the template's row is kept, the extra one noted
            if spec.section and not hit.remainder:
                _note_extra(spec, _neighbour_value(lg, cell, hit), st)
            continue
        value, emphasis = _neighbour(lg, cell, hit)
        value = value or hit.remainder
        st.raw.append((hit.written, value))
        st.pairs.append(LabelValue(spec.key, hit.written, value, Source.WORD, emphasis=emphasis))
        if clean(value, spec):
            st.found.add(spec.key)
            st.values[spec.key] = value


def _whole_block(lg: _Labelled, cell: GridCell, hit: LabelHit, st: _State) -> None:
    """ "承办单位信息 | 同上": one cell for the whole block — each of its fields is "同上" (the applicant's)."""
    right = lg.grid.at(cell.row, cell.col + cell.colspan)
    if hit.section != ORGANIZER or right is None or right is cell or not same_as_applicant(right.text):
        return
    for spec in st.unit_fields:
        if spec.key not in st.found:
            st.pairs.append(LabelValue(spec.key, hit.written, right.text, Source.WORD))
            st.found.add(spec.key)
            st.values[spec.key] = right.text
    st.raw.append((hit.written, right.text))


def _note_extra(spec: FieldSpec, value: str, st: _State) -> None:
    if not value.strip() or value.strip() == st.values.get(spec.key, "").strip():
        return
    block, _, label = spec.name.rpartition("·")
    st.notes.append(f"{block}多了一行“{label}”：{value.strip()}（已取表格原有的一行）")
    st.raw.append((spec.name, value))


def _scan_nested(lg: _Labelled, st: _State, labels: Labels) -> None:
    """Tables nested in the form's cells (a unit's block typed as a small table of its own) are parts of
    this form: read with the section of the cell that holds them."""
    for cell in lg.grid.cells:
        for grid in cell.nested:
            st.section = _section_left(lg, cell) or st.section
            inner = _Labelled.of(grid, labels)
            _scan_grid(inner, st)
            _scan_nested(inner, st, labels)


def _unknown_pairs(lg: _Labelled) -> list[tuple[str, str]]:
    """Rows the schema does not know ("项目负责人 | 王建国"), for the staff's --debug view."""
    out = []
    for cell, hit in zip(lg.grid.cells, lg.hits, strict=True):
        text = cell.text
        if not text or len(text) > 16 or "\n" in text or hit is not None:
            continue
        if cell.col and lg.hit_at(cell.row, cell.col - 1) is not None:
            continue  # the value of a known label
        right = lg.grid.at(cell.row, cell.col + cell.colspan)
        if right is not None and right is not cell and right.text and lg.hit_at(right.row, right.col) is None:
            out.append((_WS.sub("", text), right.text))
    return out


def _paragraph_grid(paras: list[str]) -> Grid:
    """Lines typed without a table ("项目名称：…") as a one-column grid, so the same scan reads them."""
    cells = tuple(GridCell(i, 0, 1, 1, (p,), (), p.strip()) for i, p in enumerate(paras))
    return Grid(cells, len(cells), 1, {(i, 0): i for i in range(len(cells))})


@dataclass(frozen=True)
class _Found:
    pairs: list[LabelValue]
    raw: list[tuple[str, str]]
    notes: list[str]
    year: int | None


def _find(blocks: list[ooxml.Block], labels: Labels) -> _Found | str:
    """The label/value pairs of the form in `blocks` (parsers.split_forms: one form); else why it is not
    one (parsers.detect: the form's distinctive labels, not the generic ones every office document has)."""
    paras = [b.text for b in blocks if isinstance(b, Para)]
    grids = [_Labelled.of(g, labels) for g in ooxml.iter_grids(blocks)]
    grids.append(_Labelled.of(_paragraph_grid([p for p in paras if p.strip()]), labels))
    keys = [g.keys() for g in grids]
    distinctive = [detect.row_labels(g.row_keys()) for g in grids]
    best_i = max(range(len(grids)), key=lambda i: (len(distinctive[i]), len(keys[i])))
    best = keys[best_i]
    table_labels = set() if best_i == len(grids) - 1 else distinctive[best_i]  # else: lines without a table
    titled = any(detect.is_title(p) for p in paras)
    is_form, why = detect.verdict(table_labels, distinctive[-1], {"project_name"}, titled)
    if not is_form:
        return why
    st = _State(unit_fields=labels.unit_fields[ORGANIZER])
    # 申报单位/申报时间: the lines above the table, else typed into the table's first row
    st.pairs += header.declared(paras, Source.WORD)
    st.pairs += header.declared((c.text for c in grids[best_i].grid.cells), Source.WORD)
    st.raw += [(p.label, p.value) for p in st.pairs]
    _scan_grid(grids[best_i], st)
    _scan_nested(grids[best_i], st, labels)
    # Other tables: a fragment of this form (a split table that did not join up) has labels the main one
    # lacks; another whole form repeats its labels and must not be mixed in (split_forms cut it off).
    inside = {id(n) for n in ooxml.iter_grids([grids[best_i].grid])}
    others = [i for i in range(len(grids)) if i != best_i and keys[i] and id(grids[i].grid) not in inside]
    forms = 1 + sum(1 for i in others if len(keys[i] & best) >= 3)
    for i in others:
        if len(keys[i] & best) < 3:
            _scan_grid(grids[i], st)
    st.raw += _unknown_pairs(grids[best_i])
    is_form, why = detect.verdict(table_labels, distinctive[-1], st.found, titled)
    if not is_form:
        return why
    notes = [f"文档中有 {forms} 张申报表，只读取了填写最完整的一张，其余请人工核对"] if forms > 1 else []
    return _Found(st.pairs, st.raw, st.notes + notes, header.programme_year(paras))


def _text_length(blocks: list[ooxml.Block]) -> int:
    return sum(len(b.text.strip()) for b in blocks if isinstance(b, Para)) + sum(
        len(c.text) for g in ooxml.iter_grids(blocks) for c in g.cells
    )


def parse_docx(data: bytes, name: str, schema: FormSchema = DEFAULT_SCHEMA) -> ParsedForm:
    """Parse a .docx 申报表 (several in one file: the first, the others in `.more`, each named
    "name（第k份）").  DocumentError (Chinese reason) when the file cannot be read at all."""
    root, blocks = ooxml.read(data, name)
    labels = labels_for(schema)
    tracked = ooxml.has_tracked_changes(root)
    forms = [_form(_find(part, labels), name, schema, tracked) for part in split_forms(blocks, labels)]
    if len(forms) == 1:
        form = forms[0]
        if not form.is_form and ooxml.has_images(root) and _text_length(blocks) < 200:
            note = "不是可读取的申报表：文档中只有图片（可能是扫描件粘贴进 Word），请核对 PDF 版或人工查看"
            return replace(form, note=note)
        return form
    named = [replace(f, source=f"{name}（第{k}份）") for k, f in enumerate(forms, 1) if f.is_form]
    return replace(named[0], more=tuple(named[1:])) if named else forms[0]


def _form(found: _Found | str, name: str, schema: FormSchema, tracked: bool) -> ParsedForm:
    if isinstance(found, str):
        return ParsedForm(source=name, kind="docx", is_form=False, note=found)
    got = normalise(found.pairs, schema, year=found.year)
    notes = (["含未接受的修订"] if tracked else []) + found.notes
    return ParsedForm(
        source=name,
        kind="docx",
        is_form=True,
        fields=got.fields,
        evidence=got.evidence,
        raw_pairs=tuple(found.raw),
        problems=got.problems,
        note="Word 表格" + (f"（{'；'.join(notes)}）" if notes else ""),
    )


_HEADER_START = re.compile(r"^\s*(?:申\s*报|填\s*报)\s*单\s*位")


def split_forms(blocks: list[ooxml.Block], labels: Labels) -> list[list[ooxml.Block]]:
    """The body cut into one block list per 申报表: several units' forms pasted into one file (a 市州
    collecting them) each have their own table; the lines before a table (title, 申报单位, 申报时间)
    belong to it, from the first title or 申报单位 line after the previous form's table."""
    starts = [
        i
        for i, b in enumerate(blocks)
        if isinstance(b, Grid)
        and len(detect.row_labels(_Labelled.of(b, labels).row_keys())) >= detect.MIN_TABLE_LABELS
    ]
    if len(starts) < 2:
        return [blocks]
    cuts = [0]
    for prev, nxt in itertools.pairwise(starts):
        heads = (
            i
            for i in range(prev + 1, nxt)
            if isinstance(b := blocks[i], Para) and (detect.is_title(b.text) or _HEADER_START.match(b.text))
        )
        cuts.append(next(heads, nxt))
    cuts.append(len(blocks))
    return [blocks[a:b] for a, b in itertools.pairwise(cuts)]
