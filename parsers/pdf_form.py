"""The 申报表 read from a PDF: text-layer PDFs field by field, scans recognised, the seal looked for.

parsers.pdf_pages classifies the pages (pypdfium2) and runs the seal check; parsers.pdf_text turns text
pages into table rows; this module finds label/value pairs in those rows (parsers.labels, the same
lookup as Word's) and hands them to parsers.normalise, the same reading of values as Word's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from core.documents import DocumentError, LabelValue, ParsedForm, PdfInfo, Problem, Seal, Source
from core.fields import FormFields, is_empty
from core.schema import APPLICANT, DEFAULT_SCHEMA, ORGANIZER, FieldSpec, FormSchema, Kind, Where
from parsers import dates, detect, header, pdf_pages
from parsers.labels import Labels, labels_for
from parsers.normalise import Normalised, normalise, same_as_applicant
from parsers.pdf_pages import ENCRYPTED_REASON, MAX_BYTES
from parsers.pdf_text import PageRead, line_rows, read_text_pages
from parsers.seal import SealResult
from parsers.seal import verdict as seal_verdict

__all__ = [
    "ENCRYPTED_REASON",
    "MAX_BYTES",
    "MAX_PAGES",
    "Confidence",
    "is_table_label",
    "parse_pdf",
    "read_rows",
    "table_fields",
]

# An OCR'd value's text → the recogniser's confidence; None: the text was not OCR'd (a PDF's text layer,
# in a PDF whose other pages are scans)
Confidence = Callable[[str], float | None]


def _origin(source: Source, confidence: float | None) -> Source:
    return Source.PDF_TEXT if source is Source.OCR and confidence is None else source


MAX_PAGES = 50  # a 申报表 is 2–5 pages; anything longer is read only this far
SEAL_PAGES = 10  # seals sit on the first pages (or the last): rendering more only costs time


# ---------------------------------------------------------------- label/value pairs


_EXTRA_SECTION = {"申报单位": "applicant", "承办单位": "organizer"}


def _table_specs(specs: Iterable[FieldSpec]) -> list[FieldSpec]:
    return [s for s in specs if s.where is Where.TABLE]


def _spec_for(labels: Labels, label: str, section: str | None) -> FieldSpec | None:
    specs = _table_specs(labels.lookup(label))
    if not specs:
        return None
    for spec in specs:
        if spec.section == section:
            return spec
    return specs[0] if section is None or specs[0].section is None else None


def _section_of(labels: Labels, cell: str | None) -> str | None:
    if not cell:
        return None
    return labels.section(cell) or _EXTRA_SECTION.get(re.sub(r"\s+", "", cell))


def _split_inline(labels: Labels, text: str) -> tuple[str, str] | None:
    """'联系人：张三' typed in one cell → ('联系人', '张三') when the part before the colon is a label."""
    hit = labels.match(text, loose=False)
    if hit is not None and hit.remainder and _table_specs(hit.specs):
        return hit.written, hit.remainder
    return None


@dataclass(frozen=True)
class _Pair:
    spec: FieldSpec | None  # None: text continuing the field above it (a row split over pages)
    label: str
    value: str
    col: int  # column of the value cell
    below: bool = False  # the label ended its row: its value may be in the row below
    label_col: int = -1  # column of the label cell (the value's own column for "label：value" cells)


Row = tuple[str | None, ...]


def _spans(row: Row) -> list[int]:
    """Where each cell of a row starts: a None after a cell is that cell spanning on (a horizontal merge);
    a None at the row's start is a cell of its own (the part of a vertical merge above)."""
    starts: list[int] = []
    for i, cell in enumerate(row):
        if cell is not None or not starts or all(c is None for c in row[:i]):
            starts.append(i)
    return starts


def _join_split_rows(labels: Labels, rows: Iterable[Row]) -> list[Row]:
    """A row a page break cut in two (the end of one page's table, the start of the next one's) joined
    back cell by cell, when both halves have the same cells: a label cut in two ("是否继续" | "教育基地")
    is a label again, and each value is whole.  Halves of other shapes are left to `_continuation`.
    A tall merged label cut in two ("申报单位" | "信息") beside rows that are whole (the next page's row
    has labels of its own: 办公电话, 手机) is joined alone, the rows beside it stay apart."""
    out: list[Row] = []
    for row in rows:
        before = out[-2] if len(out) >= 2 and out[-1] == () else None
        cut = before is not None and bool(row) and _label_cut(labels, before, row)
        if before and cut and _own_labels(labels, row[1:]):
            out[-2] = ((before[0] or "").strip() + (row[0] or "").strip(), *before[1:])
            out.append((None, *row[1:]))
            continue
        if (
            before
            and row
            and (_is_continuation(labels, row, None) or cut)
            and len(_spans(before)) == len(_spans(row))
        ):
            joined = list(before)
            for a, b in zip(_spans(before), _spans(row), strict=True):
                top, rest = before[a] or "", row[b] or ""
                joined[a] = _join_continuation(top, rest) if top.strip() and rest.strip() else (top + rest)
            out[-2:] = [tuple(joined)]
            continue
        out.append(row)
    return out


def _own_labels(labels: Labels, cells: Row) -> bool:
    """Do the cells name a table field of their own (a row, not the second half of one)?"""
    return any(c and (_table_specs(labels.lookup(c)) or _split_inline(labels, c)) for c in cells)


def _label_cut(labels: Labels, before: Row, row: Row) -> bool:
    """The row's first cell ends a label the row before began ("授课专家情" | "况", "研修目的" | "和作用"):
    the second half is no label, the two together are one."""
    top, rest = (before[0] or "").strip(), (row[0] or "").strip()
    if not top or not rest or labels.lookup(rest):
        return False
    return bool(labels.lookup(top + rest) or labels.section(top + rest))


def _pairs(labels: Labels, rows: Iterable[Row]) -> list[_Pair]:
    """Label/value pairs in reading order; the section comes from the row's first cell."""
    rows = _join_split_rows(labels, rows)
    out: list[_Pair] = []
    section: str | None = None
    seen: set[str] = set()  # unit fields (applicant.name …) found so far
    prev: list[_Pair] = []
    at_table_start = True
    for row in rows:
        if not row:
            at_table_start = True
            continue
        first = _section_of(labels, row[0])
        if first:
            section = first
        elif row[0] and row[0].strip() and getattr(_spec_for(labels, row[0], None), "section", "") is None:
            section = None  # a top-level label: the section block has ended
        offset = 1 if first else 0
        found = _row_pairs(labels, list(row[offset:]), section, offset)
        if section in (None, APPLICANT) and _repeats_unit(found, seen):
            # the applicant's block again (单位名称, 联系人 …) without a section label on the row: the
            # 承办单位 block has begun, its label printed elsewhere (a merged cell split by a page break,
            # centred on the next page) or not at all
            section = ORGANIZER
            found = _row_pairs(labels, list(row[offset:]), section, offset)
        if first == ORGANIZER and not found:
            found = _whole_block(labels, row)
        seen.update(p.spec.key for p in found if p.spec is not None and p.spec.section)
        if (
            at_table_start
            and prev
            and not any(p.spec for p in found)
            and _is_continuation(labels, row, section)
        ):
            found = _continuation(row, prev)
        elif not found and _fill_below(out, row):
            prev = []
            at_table_start = False
            continue
        out.extend(found)
        prev = found or prev
        at_table_start = False
    return out


def _whole_block(labels: Labels, row: tuple[str | None, ...]) -> list[_Pair]:
    """ "承办单位信息 | 同上": one cell for the whole block — each of its fields is "同上" (the applicant's)."""
    rest = [c for c in row[1:] if c and c.strip()]
    if len(rest) != 1 or not same_as_applicant(rest[0]):
        return []
    return [_Pair(spec, row[0] or "", rest[0], 1, label_col=0) for spec in labels.unit_fields[ORGANIZER]]


_UNIT_START = f"{APPLICANT}.name"  # a unit block begins with its 单位名称


def _repeats_unit(found: Sequence[_Pair], seen: set[str]) -> bool:
    """A second 单位名称 row in the applicant's block: the next unit's block (a second 联系人 / 手机 row is
    an extra line of the same block, README "Tables as applicants change them")."""
    return _UNIT_START in seen and any(p.spec is not None and p.spec.key == _UNIT_START for p in found)


def _fill_below(out: list[_Pair], row: tuple[str | None, ...]) -> bool:
    """A label alone at the end of its row (a full-width heading) takes the label-free row below."""
    texts = [c.strip() for c in row if c and c.strip()]
    if not texts or not out or not out[-1].below or out[-1].value.strip():
        return False
    out[-1] = replace(out[-1], value="\n".join(texts), below=False)
    return True


def _is_continuation(labels: Labels, row: tuple[str | None, ...], section: str | None) -> bool:
    """The first row of a table with no label in it and an empty first cell continues a split row."""
    return (row[0] is None or not row[0].strip()) and not any(
        c and (_spec_for(labels, c, section) or _split_inline(labels, c)) for c in row
    )


def _continuation(row: tuple[str | None, ...], prev: Sequence[_Pair]) -> list[_Pair]:
    # "办公电话：" whose number went to the next page sits in the label's column, not the value's
    by_col = {p.label_col: p for p in prev if p.spec is not None}
    by_col.update({p.col: p for p in prev if p.spec is not None})
    last = next((p for p in reversed(prev) if p.spec is not None), None)
    out = []
    for col, cell in enumerate(row):
        if cell and cell.strip():
            target = by_col.get(col) or last
            if target is not None:
                out.append(_Pair(None, target.spec.key if target.spec else "", cell, col))
    return out


def _row_pairs(labels: Labels, cells: list[str | None], section: str | None, offset: int) -> list[_Pair]:
    out: list[_Pair] = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        if cell is None or not cell.strip():
            i += 1
            continue
        spec = _spec_for(labels, cell, section)
        if spec is None:
            inline = _split_inline(labels, cell)
            if inline:
                out.append(
                    _Pair(
                        _spec_for(labels, inline[0], section),
                        inline[0],
                        inline[1],
                        i + offset,
                        label_col=i + offset,
                    )
                )
            i += 1
            continue
        j = i + 1
        while j < len(cells) and cells[j] is None:
            j += 1
        value = cells[j] if j < len(cells) else None
        value = value or ""
        k = j + 1  # a value split over two cells of the row ("2025年6月10日" | "至6月14日")
        following = cells[k] if k < len(cells) else None
        if (
            value
            and following
            and _spec_for(labels, following, section) is None
            and dates.continues_range(value.strip(), following.strip())
        ):
            value, j = value.strip() + following.strip(), k
        value = value or ""
        if value and (_spec_for(labels, value, section) is not None or _split_inline(labels, value)):
            out.append(_Pair(spec, cell, "", j + offset, label_col=i + offset))  # next cell is a label
            i = j
            continue
        out.append(_Pair(spec, cell, value, j + offset, below=j >= len(cells), label_col=i + offset))
        i = j + 1
    return out


# ---------------------------------------------------------------- assembling the form


def _join_continuation(before: str, after: str) -> str:
    """A row split over a page: the break was a paragraph end only if the part before ended short
    (the cell text then ends with a newline) and at a sentence end; else it is one wrapped line."""
    body = before.rstrip()
    if before.endswith("\n") and body and body[-1] in "。；;！？!?：:）)":
        return body + "\n" + after
    return body + after


@dataclass
class _Collected:
    """Label/value pairs gathered over all pages: the first non-empty value of each field wins."""

    values: dict[str, LabelValue] = field(default_factory=dict)
    raw: list[tuple[str, str]] = field(default_factory=list)  # the --debug view
    titles: list[str] = field(default_factory=list)  # distinct 项目名称: more than one → merged forms


def _collect(
    pairs: Iterable[_Pair],
    got: _Collected,
    source: Source = Source.PDF_TEXT,
    confidence: Confidence | None = None,
) -> None:
    for pair in pairs:
        if pair.spec is None:
            before = got.values.get(
                pair.label
            )  # continuation: label carries the key of the field it continues
            if before is not None:
                joined = _join_continuation(before.value, pair.value)
                conf = confidence(joined) if confidence is not None else None
                got.values[pair.label] = replace(before, value=joined, confidence=conf)
                got.raw.append(("(续)", pair.value.strip()))
            continue
        key = pair.spec.key
        if key == "project_name" and pair.value.strip():
            title = " ".join(pair.value.split())
            if title not in got.titles:
                got.titles.append(title)
        got.raw.append((pair.label, pair.value.strip()))
        if key not in got.values or not got.values[key].value.strip():
            label = re.sub(r"\s+", "", pair.label)
            conf = confidence(pair.value) if confidence is not None else None
            got.values[key] = LabelValue(key, label, pair.value, _origin(source, conf), conf)


def _fields_from_pages(
    reads: Sequence[PageRead],
    schema: FormSchema,
    source: Source = Source.PDF_TEXT,
    confidence: Confidence | None = None,
) -> tuple[Normalised, list[tuple[str, str]], frozenset[str]]:
    labels = labels_for(schema)
    got = _Collected()
    reads = _from_title(reads, labels)
    # 申报单位 / 申报时间 above the table; some units type them into the table's first row instead.
    declared = [
        *header.declared((line for r in reads for line in r.outside), source),
        *header.declared(
            (line for r in reads for row in r.rows for c in row if c for line in c.split("\n")),
            source,
        ),
    ]
    if confidence is not None:
        declared = [
            replace(p, confidence=c, source=_origin(source, c))
            for p in declared
            for c in [confidence(p.value)]
        ]
    got.raw += [(p.label, p.value) for p in declared]
    _collect(_pairs(labels, (row for r in reads for row in r.rows)), got, source, confidence)
    year = header.programme_year(line for r in reads for line in r.outside)
    # the text set apart on the pages, for a choice cell without a mark (an option highlighted or bold)
    stressed = tuple(e for r in reads for e in r.emphasis)
    pairs = [
        replace(p, emphasis=stressed) if stressed and schema.by_key[p.key].kind in _CHOICE_KINDS else p
        for p in got.values.values()
    ]
    result = normalise([*declared, *pairs], schema, year=year)
    if len(got.titles) > 1:  # a 市州 merged several units' forms into one PDF: only the first is read
        # the reviewer's sentence is core.flags' multiple_forms_in_pdf; the detail names the forms
        detail = f"共 {len(got.titles)} 份：" + "；".join(got.titles)
        result = replace(result, problems=(*result.problems, Problem("multiple_forms_in_pdf", detail)))
    return result, got.raw, frozenset(got.values)


_CHOICE_KINDS = (Kind.CHOICE, Kind.OPTIONS)


def _from_title(reads: Sequence[PageRead], labels: Labels) -> Sequence[PageRead]:
    """The pages from the one with the form's title on: a cover letter printed before the form in the
    same file ("联系人及电话见申报表。") gives no fields.  Without a title line, or with a 项目名称 row
    before it (a title misread on page 1, a line ending in 申报表 further on), every page."""
    for k, read in enumerate(reads):
        if any(detect.is_title(line) for line in read.outside):
            return reads if any(_starts_form(r, labels) for r in reads[:k]) else reads[k:]
    return reads


def _titled(text: str, schema: FormSchema) -> bool:
    squeezed = re.sub(r"\s+", "", text)
    return any(marker in squeezed for marker in schema.notice.title_markers)


def _form_verdict(
    reads: Sequence[PageRead], fields: FormFields, schema: FormSchema, filled: bool = False
) -> tuple[bool, str]:
    """parsers.detect on the pages' rows: the form's distinctive labels, in ruled tables or in lines (the
    unit sub-labels 联系人, 电话, 地址 are in every letter)."""
    labels = labels_for(schema)
    table_rows: list[set[str]] = []
    line_rows: list[set[str]] = []
    for r in reads:
        for row in r.rows:
            keys = {spec.key for cell in row if cell for spec in _table_specs(labels.lookup(cell))}
            (table_rows if r.ruled else line_rows).append(keys)
    given = (
        set(detect.TEXT_FIELDS) if filled else {k for k in detect.TEXT_FIELDS if not is_empty(fields.get(k))}
    )
    titled = any(detect.is_title(line) for r in reads for line in r.outside)
    return detect.verdict(detect.row_labels(table_rows), detect.row_labels(line_rows), given, titled)


def read_rows(
    reads: Sequence[PageRead],
    schema: FormSchema,
    source: Source,
    confidence: Confidence,
    *,
    header_only: bool = False,
) -> tuple[Normalised, list[tuple[str, str]], frozenset[str], bool]:
    """Pages another reader (OCR) turned into rows: (fields, raw pairs, labels found, is a 申报表),
    through the same pairing of labels and values and the same normaliser as a text PDF's.
    `header_only`: only the top of the form was read, so its title or 项目名称 is enough to call it one."""
    got, raw, found = _fields_from_pages(reads, schema, source, confidence)
    is_form, _ = _form_verdict(reads, got.fields, schema)
    filled = any(not is_empty(v) for v in got.fields.flat(schema).values())
    titled = any(detect.is_title(line) for r in reads for line in r.outside)
    if header_only and not is_form:
        is_form = titled or "project_name" in found
    if not (is_form and filled):
        return Normalised(FormFields()), raw, found, False
    return got, raw, found, True


def table_fields(labels: Labels, text: str) -> list[str]:
    """The keys of the table fields a cell's text names (a label cell), none for a value."""
    return [spec.key for spec in _table_specs(labels.lookup(text))]


def is_table_label(labels: Labels, text: str) -> bool:
    """Does the text name a table field or a section (申报单位信息)?"""
    return bool(_table_specs(labels.lookup(text))) or _section_of(labels, text) is not None


def parse_pdf(
    data: bytes,
    name: str,
    schema: FormSchema = DEFAULT_SCHEMA,
    *,
    check_seal: bool = True,
    cross_check: bool = False,
) -> ParsedForm:
    """Read a PDF 申报表 (kind "pdf"); DocumentError when it cannot be opened (encrypted, broken).

    `cross_check`: its Word twin was read, so only what pairing and the cross-check need is read
    (CROSS_CHECK_KEYS and the seal), from pdfium's text — pdfplumber's table layout is not needed for
    that.  A PDF that holds more than one form is read in full all the same."""
    pages = pdf_pages.classify(data, name, MAX_PAGES, SEAL_PAGES if check_seal else 0)
    seal = (
        (seal_verdict(pages.seal_checks) if pages.seal_checks else SealResult(Seal.UNKNOWN))
        if check_seal
        else None
    )
    if cross_check and pages.text_indices and _one_form(pages.text, schema):
        form = _cross_check_read(name, pages, seal, schema)
    else:
        form = _assemble(data, name, pages, seal, schema)
    if pages.restricted and form.pdf is not None:
        form = replace(form, pdf=replace(form.pdf, encrypted=True))
    return form


def _info(pages: pdf_pages.Pages, seal: SealResult | None, text_layer: bool, scanned: bool) -> PdfInfo:
    return PdfInfo(
        pages=pages.total,
        text_layer=text_layer,
        scanned=scanned,
        seal=seal.status if seal else Seal.NOT_CHECKED,
        seal_pages=seal.pages if seal else (),
        scanned_pages=sum(1 for k in pages.kinds if k in ("scanned", "garbled")),
    )


def _assemble(
    data: bytes, name: str, pages: pdf_pages.Pages, seal: SealResult | None, schema: FormSchema
) -> ParsedForm:
    kinds, text_idx = pages.kinds, pages.text_indices
    try:
        reads = read_text_pages(data, text_idx, labels_for(schema)) if text_idx else []
    except DocumentError:
        # pdfium reads what pdfminer cannot: keep the seal check and say the text needs a human
        titled = _titled(pages.text, schema)
        return ParsedForm(
            source=name,
            kind="pdf",
            is_form=titled,
            pdf=_info(pages, seal, text_layer=False, scanned=False),
            note="PDF 文字层无法解析，内容需人工核对" if titled else "PDF 文字层无法解析，未见申报表标题",
        )
    got, raw, found = _fields_from_pages(reads, schema)
    scanned = not text_idx and "scanned" in kinds
    info = _info(pages, seal, text_layer=any(not r.garbled for r in reads), scanned=scanned)
    is_form, note = _verdict(pages, pages.text_indices, reads, found, got.fields, schema)
    if (
        not is_form
    ):  # a letter's 联系人/电话 are not the applicant's: report nothing (raw pairs stay for --debug)
        got = Normalised(FormFields())
    whole = ParsedForm(
        source=name,
        kind="pdf",
        is_form=is_form,
        fields=got.fields,
        evidence=got.evidence,
        raw_pairs=tuple(raw),
        problems=got.problems,
        pdf=info,
        note=note,
    )
    groups = _page_groups(reads, pages.text_indices, schema) if is_form else []
    if len(groups) < 2:
        return whole
    parts = [p for p in (_part(name, pages, g, info, schema) for g in groups) if p.is_form]
    return replace(parts[0], more=tuple(parts[1:])) if len(parts) > 1 else whole


def _starts_form(read: PageRead, labels: Labels) -> bool:
    return any(
        cell and any(s.key == "project_name" for s in labels.lookup(cell))
        for row in read.rows
        for cell in row
    )


def _page_groups(
    reads: Sequence[PageRead], text_idx: Sequence[int], schema: FormSchema
) -> list[list[tuple[int, PageRead]]]:
    """Several units' stamped forms in one PDF (a 市州 scanning them together): a page with a 项目名称 row
    after a form that already has one starts the next form."""
    labels = labels_for(schema)
    groups: list[list[tuple[int, PageRead]]] = []
    have_title = False
    for idx, read in zip(text_idx, reads, strict=True):
        starts = _starts_form(read, labels)
        if not groups or (starts and have_title):
            groups.append([])
            have_title = False
        groups[-1].append((idx, read))
        have_title = have_title or starts
    return groups


def _part(
    name: str,
    pages: pdf_pages.Pages,
    group: Sequence[tuple[int, PageRead]],
    info: PdfInfo,
    schema: FormSchema,
) -> ParsedForm:
    """One form of a PDF holding several: its pages read alone, its seal looked for on its own pages."""
    idx = [i for i, _ in group]
    reads = [r for _, r in group]
    got, raw, found = _fields_from_pages(reads, schema)
    is_form, note = _verdict(pages, idx, reads, found, got.fields, schema)
    own = tuple(p for p in info.seal_pages if p - 1 in idx)
    seal = Seal.PRESENT if own else (Seal.ABSENT if info.seal is Seal.PRESENT else info.seal)
    first, last = idx[0] + 1, idx[-1] + 1
    where = f"第{first}页" if first == last else f"第{first}–{last}页"
    return ParsedForm(
        source=f"{name}（{where}）",
        kind="pdf",
        is_form=is_form,
        fields=got.fields if is_form else FormFields(),
        evidence=got.evidence if is_form else {},
        raw_pairs=tuple(raw),
        problems=got.problems if is_form else (),
        pdf=replace(info, seal=seal, seal_pages=own),
        note=f"{note}；{name} 中的一份（{where}）",
    )


# What pairing (parsers.pairing: project, unit, dates) and the Word/PDF cross-check compare.
CROSS_CHECK_KEYS = frozenset(
    {"project_name", "declared_org", "training_dates", "applicant.name", "organizer.name"}
)


def _one_form(text: str, schema: FormSchema) -> bool:
    squeezed = re.sub(r"\s+", "", text)
    return sum(squeezed.count(label) for label in schema.by_key["project_name"].labels) <= 1


def _cross_check_read(
    name: str, pages: pdf_pages.Pages, seal: SealResult | None, schema: FormSchema
) -> ParsedForm:
    """The cross-check fields from pdfium's text lines ("项目名称 …", "申报单位：…")."""
    lines = tuple(line.strip() for line in pages.text.splitlines() if line.strip())
    read = PageRead(tuple(line_rows(lines, labels_for(schema).in_line)), lines, ruled=False)
    got = _Collected()
    declared = list(header.declared(lines, Source.PDF_TEXT))
    _collect(_pairs(labels_for(schema), read.rows), got)
    result = normalise([*declared, *got.values.values()], schema, keys=CROSS_CHECK_KEYS)
    found = frozenset(got.values)
    # only the cross-check fields were read: the form counts as filled (its Word twin says what is in it)
    is_form, note = _verdict(pages, pages.text_indices, [read], found, result.fields, schema, filled=True)
    info = replace(_info(pages, seal, text_layer=True, scanned=False), cross_check=True)
    return ParsedForm(
        source=name,
        kind="pdf",
        is_form=is_form,
        fields=result.fields if is_form else FormFields(),
        evidence=result.evidence if is_form else {},
        raw_pairs=tuple((p.label, p.value) for p in [*declared, *got.values.values()]),
        pdf=info,
        note=note + "（Word 版已读取，PDF 只核对项目名称、单位、日期和公章）" if is_form else note,
    )


def _verdict(
    pages: pdf_pages.Pages,
    text_idx: Sequence[int],
    reads: Sequence[PageRead],
    found: frozenset[str],
    fields: FormFields,
    schema: FormSchema,
    filled: bool = False,
) -> tuple[bool, str]:
    kinds = pages.kinds
    capped = f"；共 {pages.total} 页，只读取前 {MAX_PAGES} 页" if pages.total > MAX_PAGES else ""
    form, why = _form_verdict(reads, fields, schema, filled) if text_idx else (False, "")
    if form:
        return True, f"PDF 文字版，识别到 {len(found)} 个表格栏目" + capped
    if text_idx and why == detect.BLANK_FORM:
        return False, "PDF 为" + detect.BLANK_FORM + capped
    if "garbled" in kinds or (reads and all(r.garbled for r in reads)):
        return True, "PDF 文字层为乱码（字体缺少编码信息），内容需人工核对" + capped
    if "scanned" in kinds and len(text_idx) == 0:
        return True, "PDF 扫描件（无文字层），按盖章扫描版处理，字段需人工核对" + capped
    if text_idx:
        return False, "PDF 中未找到申报表栏目（可能是公函或其他材料）" + capped
    return False, "PDF 没有可读取的内容" + capped
