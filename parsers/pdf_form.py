"""The 申报表 read from a PDF: text-layer PDFs field by field, scans recognised, the seal looked for.

parsers.pdf_pages classifies the pages (pypdfium2) and runs the seal check; parsers.pdf_text turns text
pages into table rows; this module finds label/value pairs in those rows and fills the contract dict.
Labels are matched against core.schema and the choice cells read by parsers.choices, so Word and PDF
share one vocabulary and one interpretation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from core import schema
from core.documents import DocumentError, ParsedForm, PdfInfo, Problem
from parsers import choices, dates, header, pdf_pages
from parsers.pdf_pages import BROKEN_REASON, ENCRYPTED_REASON, MAX_BYTES
from parsers.pdf_text import PageRead, read_text_pages
from parsers.seal import SealResult
from parsers.seal import verdict as seal_verdict

__all__ = ["ENCRYPTED_REASON", "MAX_BYTES", "MAX_PAGES", "parse_pdf"]

MAX_PAGES = 50  # a 申报表 is 2–5 pages; anything longer is read only this far
SEAL_PAGES = 10  # seals sit on the first pages (or the last): rendering more only costs time
MIN_LABELS = 4  # distinct table labels that make a text PDF a 申报表


# ---------------------------------------------------------------- label/value pairs


_TABLE_SPECS = schema.table_fields()
_LABELS: dict[str, list[schema.FieldSpec]] = {}
for _spec in _TABLE_SPECS:
    for _label in _spec.labels:
        _LABELS.setdefault(schema.norm_label(_label), []).append(_spec)
_SECTIONS = {schema.norm_label(l): sec for sec, labels in schema.SECTION_LABELS.items() for l in labels}
_EXTRA_SECTION = {"申报单位": schema.APPLICANT, "承办单位": schema.ORGANIZER}


_LABEL_DECOR = re.compile(r"^[*＊★※]+|[*＊★※]+$|[(（][^()（）]{0,12}[)）]$")


def _specs_for_label(label: str) -> list[schema.FieldSpec]:
    """Exact label first; then without a required-mark star or a short bracketed note ("项目名称（全称）")."""
    key = schema.norm_label(label)
    if key in _LABELS:
        return _LABELS[key]
    if len(key) > 24:
        return []
    return _LABELS.get(_LABEL_DECOR.sub("", key).rstrip(":："), [])


def _spec_for(label: str, section: str | None) -> schema.FieldSpec | None:
    specs = _specs_for_label(label)
    if not specs:
        return None
    for spec in specs:
        if spec.section == section:
            return spec
    return specs[0] if section is None or specs[0].section is None else None


def _section_of(cell: str | None) -> str | None:
    if not cell:
        return None
    key = schema.norm_label(cell)
    return _SECTIONS.get(key) or _EXTRA_SECTION.get(key)


def _split_inline(text: str) -> tuple[str, str] | None:
    """'联系人：张三' typed in one cell → ('联系人', '张三') when the part before the colon is a label."""
    m = re.match(r"\s*([^:：\n]{1,14})[:：]\s*(.*)", text, re.S)
    if m and schema.norm_label(m.group(1)) in _LABELS:
        return m.group(1), m.group(2)
    return None


@dataclass(frozen=True)
class _Pair:
    spec: schema.FieldSpec | None  # None: text continuing the field above it (a row split over pages)
    label: str
    value: str
    col: int  # column of the value cell
    below: bool = False  # the label ended its row: its value may be in the row below
    label_col: int = -1  # column of the label cell (the value's own column for "label：value" cells)


def _pairs(rows: Iterable[tuple[str | None, ...]]) -> list[_Pair]:
    """Label/value pairs in reading order; the section comes from the row's first cell."""
    out: list[_Pair] = []
    section: str | None = None
    prev: list[_Pair] = []
    at_table_start = True
    for row in rows:
        if not row:
            at_table_start = True
            continue
        first = _section_of(row[0])
        if first:
            section = first
        elif row[0] and row[0].strip() and getattr(_spec_for(row[0], None), "section", "") is None:
            section = None  # a top-level label: the section block has ended
        offset = 1 if first else 0
        found = _row_pairs(list(row[offset:]), section, offset)
        if at_table_start and prev and not any(p.spec for p in found) and _is_continuation(row, section):
            found = _continuation(row, prev)
        elif not found and _fill_below(out, row):
            prev = []
            at_table_start = False
            continue
        out.extend(found)
        prev = found or prev
        at_table_start = False
    return out


def _fill_below(out: list[_Pair], row: tuple[str | None, ...]) -> bool:
    """A label alone at the end of its row (a full-width heading) takes the label-free row below."""
    texts = [c.strip() for c in row if c and c.strip()]
    if not texts or not out or not out[-1].below or out[-1].value.strip():
        return False
    out[-1] = replace(out[-1], value="\n".join(texts), below=False)
    return True


def _is_continuation(row: tuple[str | None, ...], section: str | None) -> bool:
    """The first row of a table with no label in it and an empty first cell continues a split row."""
    return (row[0] is None or not row[0].strip()) and not any(
        c and (_spec_for(c, section) or _split_inline(c)) for c in row
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


def _row_pairs(cells: list[str | None], section: str | None, offset: int) -> list[_Pair]:
    out: list[_Pair] = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        if cell is None or not cell.strip():
            i += 1
            continue
        spec = _spec_for(cell, section)
        if spec is None:
            inline = _split_inline(cell)
            if inline:
                out.append(
                    _Pair(
                        _spec_for(inline[0], section), inline[0], inline[1], i + offset, label_col=i + offset
                    )
                )
            i += 1
            continue
        j = i + 1
        while j < len(cells) and cells[j] is None:
            j += 1
        value = cells[j] if j < len(cells) and cells[j] is not None else ""
        if value and (_spec_for(value, section) is not None or _split_inline(value)):
            out.append(_Pair(spec, cell, "", j + offset, label_col=i + offset))  # next cell is a label
            i = j
            continue
        out.append(_Pair(spec, cell, value, j + offset, below=j >= len(cells), label_col=i + offset))
        i = j + 1
    return out


# ---------------------------------------------------------------- values


def _clean(text: str | None, spec: schema.FieldSpec | None = None) -> str | None:
    if text is None:
        return None
    text = "\n".join(line.strip() for line in text.replace("\r", "").split("\n")).strip()
    if spec is not None:
        for hint in spec.hints:
            h = schema.norm_hint(hint)
            if schema.norm_hint(text).startswith(h):
                text = _drop_prefix(text, len(h))
    text = text.strip()
    return text or None


def _drop_prefix(text: str, n_norm: int) -> str:
    """Remove the first `n_norm` normalised characters of text (hint text may be spread over lines)."""
    count = 0
    for i, ch in enumerate(text):
        if count >= n_norm:
            return text[i:]
        if schema.norm_hint(ch):
            count += 1
    return ""


# One reading of the choice cells for Word and PDF (parsers.choices); PDF exporters may lose a tick drawn
# over a box or show a symbol font's letters, hence from_pdf.
_funding = partial(choices.write_funding, from_pdf=True)
_scope = partial(choices.write_scope, from_pdf=True)
_ce_base = partial(choices.write_ce_base, from_pdf=True)


def _apply(
    spec: schema.FieldSpec, value: str, fields: dict[str, Any], problems: list[Problem], year: int | None
) -> None:
    if spec.key == "funding_type":
        _funding(value, fields, problems)
    elif spec.key == "scope":
        _scope(value, fields)
    elif spec.key == "organizer.ce_base":
        _ce_base(value, fields)
    elif spec.key == "training_dates":
        raw = _clean(value, spec)
        fields["training_dates"] = raw
        fields["training_start"], fields["training_end"] = _date_range(raw, year)
    else:
        schema.set_path(fields, spec.key, _clean(value, spec))


# ---------------------------------------------------------------- dates


def _date_range(raw: str | None, default_year: int | None) -> tuple[str | None, str | None]:
    """Start and end of 办班时间 as ISO dates; (None, None) when it cannot be read (the rules flag it)."""
    found = dates.parse_range(raw, default_year) if raw else None
    return (found[0].isoformat(), found[1].isoformat()) if found else (None, None)


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

    values: dict[str, str] = field(default_factory=dict)
    raw: list[tuple[str, str]] = field(default_factory=list)  # the --debug view
    titles: list[str] = field(default_factory=list)  # distinct 项目名称: more than one → merged forms


def _collect(pairs: Iterable[_Pair], got: _Collected) -> None:
    for pair in pairs:
        if pair.spec is None:
            if pair.label in got.values:  # continuation: label carries the key of the field it continues
                got.values[pair.label] = _join_continuation(got.values[pair.label], pair.value)
                got.raw.append(("(续)", pair.value.strip()))
            continue
        key = pair.spec.key
        if key == "project_name" and pair.value.strip():
            title = " ".join(pair.value.split())
            if title not in got.titles:
                got.titles.append(title)
        got.raw.append((pair.label, pair.value.strip()))
        if key not in got.values or not got.values[key].strip():
            got.values[key] = pair.value


def _fields_from_pages(
    reads: Sequence[PageRead],
) -> tuple[dict[str, Any], list[tuple[str, str]], list[Problem], frozenset[str]]:
    fields = schema.empty_fields()
    problems: list[Problem] = []
    got = _Collected()
    got.raw += header.read_declared((l for r in reads for l in r.outside), fields)
    # Some units type the 申报单位 / 申报时间 lines into the table's first row instead.
    got.raw += header.read_declared(
        (line for r in reads for row in r.rows for c in row if c for line in c.split("\n")), fields
    )
    _collect(_pairs(row for r in reads for row in r.rows), got)
    year = header.programme_year(l for r in reads for l in r.outside)
    for key, value in got.values.items():
        _apply(schema.BY_KEY[key], value, fields, problems, year)
    if len(got.titles) > 1:  # a 市州 merged several units' forms into one PDF: only the first is read
        # the reviewer's sentence is core.flags' multiple_forms_in_pdf; the detail names the forms
        problems.append(
            Problem("multiple_forms_in_pdf", f"共 {len(got.titles)} 份：" + "；".join(got.titles))
        )
    return fields, got.raw, problems, frozenset(got.values)  # every labelled field, filled or not


def _looks_like_form(reads: Sequence[PageRead], found: frozenset[str]) -> bool:
    """Enough of the form's own labels: the unit sub-labels (联系人, 电话, 地址) alone are in every letter."""
    text = "".join(l for r in reads for l in r.outside)
    titled = any(marker in re.sub(r"\s+", "", text) for marker in schema.TITLE_MARKERS)
    top = sum(1 for key in found if schema.BY_KEY[key].section is None)
    return top >= 2 and (len(found) >= MIN_LABELS or titled)


def parse_pdf(data: bytes, name: str, *, check_seal: bool = True) -> ParsedForm:
    """Read a PDF 申报表 (kind "pdf"); DocumentError when it cannot be opened (encrypted, broken)."""
    import pypdfium2.raw as pdfium_raw

    pdf = pdf_pages.open_pdf(data, name)
    try:
        total = len(pdf)
        # Opened without a password yet encrypted: an owner password (permissions only), readable
        restricted = pdfium_raw.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1
        if total == 0:
            raise DocumentError("PDF 没有页面", name=name)
        indices = list(range(min(total, MAX_PAGES)))
        seal_idx = set(indices[:SEAL_PAGES]) | {indices[-1]}  # seals sit on the first pages or the last
        classified = [pdf_pages.page_kind(pdf, i, check_seal and i in seal_idx) for i in indices]
    finally:
        pdf.close()
    kinds = [k for k, _, _ in classified]
    if all(k == "broken" for k in kinds):
        raise DocumentError(BROKEN_REASON, name=name)
    text_idx = [i for i, k in zip(indices, kinds) if k == "text"]
    checks = [(i + 1, c) for i, (_, _, c) in zip(indices, classified) if c]
    seal = (seal_verdict(checks) if checks else SealResult("unknown")) if check_seal else None
    form = _assemble(data, name, total, kinds, text_idx, seal, "".join(t for _, t, _ in classified))
    if restricted and form.pdf is not None:
        form = replace(form, pdf=replace(form.pdf, encrypted=True))
    return form


def _assemble(
    data: bytes, name: str, total: int, kinds: Sequence[str], text_idx: Sequence[int], seal: Any, plain: str
) -> ParsedForm:
    try:
        reads = read_text_pages(data, text_idx) if text_idx else []
    except DocumentError:
        # pdfium reads what pdfminer cannot: keep the seal check and say the text needs a human
        reads = []
        text_idx = []
        kinds = ["unparsed" if k == "text" else k for k in kinds]
    fields, raw, problems, found = _fields_from_pages(reads)
    if "unparsed" in kinds:
        titled = any(m in re.sub(r"\s+", "", plain) for m in schema.TITLE_MARKERS)
        info = PdfInfo(
            pages=total,
            text_layer=False,
            scanned=False,
            seal=seal.status if seal else "not_checked",
            seal_pages=seal.pages if seal else (),
        )
        return ParsedForm(
            source=name,
            kind="pdf",
            is_form=titled,
            fields=fields,
            pdf=info,
            note="PDF 文字层无法解析，内容需人工核对" if titled else "PDF 文字层无法解析，未见申报表标题",
        )
    scanned = not text_idx and "scanned" in kinds
    info = PdfInfo(
        pages=total,
        text_layer=any(not r.garbled for r in reads),
        scanned=scanned,
        seal=seal.status if seal else "not_checked",
        seal_pages=seal.pages if seal else (),
    )
    is_form, note = _verdict(kinds, text_idx, reads, found, total, _any_value(fields))
    if (
        not is_form
    ):  # a letter's 联系人/电话 are not the applicant's: report nothing (raw pairs stay for --debug)
        fields, problems = schema.empty_fields(), []
    return ParsedForm(
        source=name,
        kind="pdf",
        is_form=is_form,
        fields=fields,
        raw_pairs=tuple(raw),
        problems=tuple(problems),
        pdf=info,
        note=note,
    )


def _any_value(node: Any) -> bool:
    if isinstance(node, Mapping):
        return any(_any_value(v) for v in node.values())
    return node is not None and node is not False and node != ""


def _verdict(
    kinds: Sequence[str],
    text_idx: Sequence[int],
    reads: Sequence[PageRead],
    found: frozenset[str],
    total: int,
    filled: bool,
) -> tuple[bool, str]:
    capped = f"；共 {total} 页，只读取前 {MAX_PAGES} 页" if total > MAX_PAGES else ""
    if text_idx and _looks_like_form(reads, found):
        if not filled:
            return False, "PDF 为空白申报表（未填写任何内容），可能是通知附件中的模板" + capped
        return True, f"PDF 文字版，识别到 {len(found)} 个表格栏目" + capped
    if "garbled" in kinds or (reads and all(r.garbled for r in reads)):
        return True, "PDF 文字层为乱码（字体缺少编码信息），内容需人工核对" + capped
    if "scanned" in kinds and len(text_idx) == 0:
        return True, "PDF 扫描件（无文字层），按盖章扫描版处理，字段需人工核对" + capped
    if text_idx:
        return False, "PDF 中未找到申报表栏目（可能是公函或其他材料）" + capped
    return False, "PDF 没有可读取的内容" + capped
