"""The 申报表 read from a PDF: text-layer PDFs field by field, scans recognised, the seal looked for.

Pages are classified first with pypdfium2 (fast): text, scanned (image only, no characters) or garbled
(a CID font without ToUnicode: the characters exist but mean nothing).  Text pages go through pdfplumber's
ruled-table finder; each cell's characters are re-assembled into lines here, so wrapped lines join and
real line breaks stay.  Labels are matched against parsers.schema, so Word and PDF share one vocabulary.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Iterable, Mapping, Sequence

from parsers import checkbox, choices, dates, schema
from parsers.seal import SealResult
from parsers.seal import check_page as seal_page
from parsers.seal import verdict as seal_verdict
from parsers.types import DocumentError, ParsedForm, PdfInfo, Problem

__all__ = ["parse_pdf", "MAX_PAGES", "MAX_BYTES", "ENCRYPTED_REASON"]

# pdfminer warns at every oddity of an applicant's PDF ("Cannot append rectangle…"): not our log's business.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_BYTES = 80 * 1024 * 1024
MAX_PAGES = 50  # a 申报表 is 2–5 pages; anything longer is read only this far
SEAL_PAGES = 10  # seals sit on the first pages (or the last): rendering more only costs time
GARBLED_SHARE = 0.05
MIN_LABELS = 4  # distinct table labels that make a text PDF a 申报表
ENCRYPTED_REASON = "PDF 已加密，请申报单位重新提交"
BROKEN_REASON = "PDF 文件已损坏，无法打开"
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "snap_tolerance": 3,
                   "join_tolerance": 3, "intersection_tolerance": 3}


# ---------------------------------------------------------------- opening and page classes


def _open(data: bytes, name: str) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if len(data) > MAX_BYTES:
        raise DocumentError("文件过大", name=name)
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("不是有效的 PDF 文件", name=name)
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        if getattr(err, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError(ENCRYPTED_REASON, name=name) from err
        raise DocumentError(BROKEN_REASON, name=name) from err


def _is_garbled(text: str) -> bool:
    bad = sum(1 for ch in text if _bad_char(ch))
    return bad > GARBLED_SHARE * max(1, len(text.strip()))


def _bad_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch == "\ufffd" or (cat == "Cc" and ch not in "\r\n\t") or (cat == "Co" and not _symbol_pua(ch))


def _symbol_pua(ch: str) -> bool:
    return 0xF000 <= ord(ch) <= 0xF0FF  # Wingdings boxes come through as U+F0xx: readable, not garbage


def _page_kind(pdf: Any, index: int, seal_check: bool) -> tuple[str, str, str | None]:
    """(kind, pdfium's text of the page, seal check or None) with the page loaded once.

    kind: text | scanned | garbled | empty | broken."""
    import pypdfium2 as pdfium

    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return "broken", "", None  # one damaged page object: read the others
    try:
        kind, text = _page_kind_text(page)
        seal = seal_page(page, colour_expected=kind != "scanned") if seal_check else None
    finally:
        page.close()
    return kind, text[:4000], seal


def _page_kind_text(page: Any) -> tuple[str, str]:
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range() if n else ""
    finally:
        textpage.close()
    if n and text.strip():
        if _is_garbled(text):
            return "garbled", ""
        return ("scanned" if _ocr_scan(page) else "text"), text
    has_image = any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))
    return ("scanned" if has_image else "empty"), ""


def _ocr_scan(page: Any) -> bool:
    """A "searchable" scan: a page-sized image under invisible OCR text.  Its text has no table structure
    and OCR errors, so it is read as a scan, not as a text PDF."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    big = False
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) >= 0.6 * width * height:
            big = True
            break
    if not big:
        return False
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=2):
        if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
            return False
    return True


# ---------------------------------------------------------------- cells from a text page


@dataclass(frozen=True)
class _Line:
    x0: float
    x1: float
    top: float
    text: str
    size: float
    first_w: float = 0.0  # width of what starts the line: one CJK character or a whole ASCII word


def _is_red(color: Any) -> bool:
    if not isinstance(color, (tuple, list)) or len(color) != 3:
        return False
    try:
        r, g, b = (float(c) for c in color)
    except (TypeError, ValueError):
        return False
    return r > 0.5 and r - g > 0.2 and r - b > 0.2


def _small_square(obj: Mapping[str, Any]) -> bool:
    w, h = float(obj.get("width", 0)), float(obj.get("height", 0))
    return 4.0 <= w <= 16.0 and 4.0 <= h <= 16.0 and 0.8 <= w / h <= 1.25


def _not_seal_graphic(obj: Mapping[str, Any]) -> bool:
    """Drop red vector paths (electronic seals drawn as curves) and drawn checkboxes from table edges."""
    if obj.get("object_type") in ("curve", "line", "rect"):
        if obj.get("object_type") == "rect" and _small_square(obj):
            return False
        return not (_is_red(obj.get("stroking_color")) or _is_red(obj.get("non_stroking_color")))
    return True


def _drawn_boxes(page: Any) -> list[dict[str, Any]]:
    """Checkboxes drawn as graphics (Word/LibreOffice legacy form fields): a small square, ticked when a
    line or curve is drawn inside it or the square is filled.  Returned as pseudo characters ☑ / ☐."""
    marks = [o for o in (*page.lines, *page.curves) if not _is_red(o.get("stroking_color"))]
    out = []
    for r in page.rects:
        if not _small_square(r):
            continue
        x0, top, x1, bottom = r["x0"] - 1, r["top"] - 1, r["x1"] + 1, r["bottom"] + 1
        inner = any(x0 <= m["x0"] and m["x1"] <= x1 and top <= m["top"] and m["bottom"] <= bottom
                    and m["x1"] - m["x0"] > 2 and m["bottom"] - m["top"] > 2 for m in marks)
        filled = bool(r.get("fill")) and not _is_red(r.get("non_stroking_color"))
        glyph = checkbox.CHECKED_MARK if inner or filled else checkbox.UNCHECKED_MARK
        out.append({"text": glyph, "x0": r["x0"], "x1": r["x1"], "top": r["top"], "bottom": r["bottom"],
                    "size": r["height"], "fontname": "drawn-box"})
    return out


def _lines(chars: Sequence[Mapping[str, Any]]) -> list[_Line]:
    """Characters grouped into visual lines (top within half a character), left to right."""
    rows: list[list[Mapping[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"], 1), c["x0"])):
        size = float(ch.get("size") or 10)
        if rows and abs(rows[-1][0]["top"] - ch["top"]) <= size * 0.5:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    return [_make_line(sorted(r, key=lambda c: c["x0"])) for r in rows]


def _glyph(ch: Mapping[str, Any]) -> str:
    """A character as shown: symbol-font boxes (Wingdings 'þ', Wingdings 2 'R', PUA U+F0xx) become ☑/☐."""
    text = ch["text"]
    if len(text) != 1:
        return text
    font = str(ch.get("fontname") or "").split("+")[-1].lower()
    code = ord(text)
    if "wingdings" in font:
        name = "wingdings 2" if "2" in font else "wingdings"
        return checkbox.symbol_glyph(name, code) or text
    if 0xF000 <= code <= 0xF0FF:
        return checkbox.symbol_glyph(None, code) or text
    return text


def _merge_overlaid(chars: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A tick typed over a box (带圈字符 □ + √ at one place) is one ticked box."""
    out: list[Mapping[str, Any]] = []
    for ch in chars:
        prev = out[-1] if out else None
        if prev is not None and abs(ch["x0"] - prev["x0"]) < float(ch.get("size") or 10) * 0.4:
            pair = {prev["text"], ch["text"]}
            if pair & checkbox.UNCHECKED_GLYPHS and pair & (checkbox.TICKS | checkbox.CHECKED_GLYPHS):
                out[-1] = {**prev, "text": checkbox.CHECKED_MARK}
                continue
        out.append(ch)
    return out


def _make_line(chars: Sequence[Mapping[str, Any]]) -> _Line:
    chars = _merge_overlaid([{**c, "text": _glyph(c)} for c in chars])
    parts: list[str] = []
    prev = None
    for ch in chars:
        size = float(ch.get("size") or 10)
        if prev is not None and ch["x0"] - prev["x1"] > size * 0.6 and not parts[-1].endswith(" "):
            parts.append(" ")  # a visible gap without a space character
        parts.append(ch["text"])
        prev = ch
    size = max(float(c.get("size") or 10) for c in chars)
    return _Line(chars[0]["x0"], chars[-1]["x1"], chars[0]["top"], "".join(parts).rstrip(), size,
                 _first_width(chars))


def _first_width(chars: Sequence[Mapping[str, Any]]) -> float:
    """The width of what a line starts with, as line breakers keep it together: an ASCII word with the
    character after it ("68号"), or a CJK character with the digits after it ("月12")."""
    end = 0
    while end < len(chars) and _ascii_word_char(chars[end]["text"]):
        end += 1
    if end == 0 and chars:
        end = 1
        while end < len(chars) and _ascii_word_char(chars[end]["text"]):
            end += 1
    elif end < len(chars) and chars[end]["text"].strip():
        end += 1
    last = chars[max(0, end - 1)]
    return float(last["x1"] - chars[0]["x0"])


def _ascii_word_char(text: str) -> bool:
    return len(text) == 1 and text.isascii() and (text.isalnum() or text in ".-/@_")


# A line may not start with closing punctuation nor end with opening punctuation (禁则): such a wrap moves
# one more character down and leaves up to a character of extra room.
_NO_LINE_START = set("，。、；：！？）》」』”’】〕,.;:!?)]}%")
_NO_LINE_END = set("（《「『“‘【〔([{")


def _is_paragraph_break(prev: _Line, line: _Line, right: float) -> bool:
    """Greedy wrapping moves a line's first unit down only when it does not fit: if it would have fitted
    in the room left, the line before ended its paragraph."""
    room = right - prev.x1
    kinsoku = line.text[1:2] in _NO_LINE_START or line.text[:1] in _NO_LINE_END or prev.text[-1:] in _NO_LINE_END
    slack = prev.size * 1.05 if kinsoku else -0.5
    return room >= line.first_w + slack


def _join_lines(lines: Sequence[_Line], right: float) -> str:
    """Wrapped lines are joined; a line that stops short of the cell's right edge ended a paragraph."""
    if not lines:
        return ""
    out = lines[0].text
    for prev, line in zip(lines, lines[1:]):
        room = right - prev.x1
        if _is_paragraph_break(prev, line, right):
            out += "\n" + line.text
        elif _ascii_word_end(prev.text) and _ascii_word_start(line.text) and room > prev.size * 0.6:
            out += " " + line.text  # an English line wrapped at a space
        else:
            out += line.text
    return out


def _ascii_word_end(text: str) -> bool:
    return bool(text) and text[-1].isascii() and text[-1].isalnum()


def _ascii_word_start(text: str) -> bool:
    return bool(text) and text[0].isascii() and text[0].isalnum()


def _cell_text(chars: Sequence[Mapping[str, Any]], bbox: tuple[float, float, float, float]) -> str:
    x0, top, x1, bottom = bbox
    inside = [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom]
    if inside and sum(1 for c in inside if not c.get("upright", True)) * 2 > len(inside):
        return _vertical_text(inside)
    lines = _lines(inside)
    if not lines:
        return ""
    pad = max(0.0, min(l.x0 for l in lines) - x0)
    text = _join_lines(lines, x1 - pad)
    last = lines[-1]
    # A last line that stops short ended its paragraph: if the row goes on at the next page, the break stays
    # (callers strip the trailing newline everywhere else).
    short = (x1 - pad) - last.x1 >= last.size * 1.5
    return text + "\n" if short else text


def _vertical_text(chars: Sequence[Mapping[str, Any]]) -> str:
    """A cell with its text direction turned (Word's "文字方向"): columns of characters, read top-down
    for text turned clockwise and bottom-up for text turned anticlockwise."""
    upward = sum(1 for c in chars if (c.get("matrix") or (1, 0))[1] > 0) * 2 > len(chars)
    columns: list[list[Mapping[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: c["x0"]):
        size = float(ch.get("size") or 10)
        if columns and abs(columns[-1][0]["x0"] - ch["x0"]) <= size * 0.5:
            columns[-1].append(ch)
        else:
            columns.append([ch])
    if not upward:
        columns.reverse()  # turned clockwise: the first column is the rightmost
    text = ["".join(_glyph(c) for c in sorted(col, key=lambda c: -c["top"] if upward else c["top"]))
            for col in columns]
    return "\n".join(text)


@dataclass(frozen=True)
class _PageRead:
    rows: tuple[tuple[str | None, ...], ...]  # table rows, None where a merged cell continues
    outside: tuple[str, ...]  # text lines not inside any table (header lines)
    garbled: bool = False


def _read_page(page: Any) -> _PageRead:
    if _cid_share(page.chars) > GARBLED_SHARE:  # pdfminer could not map the font: "(cid:123)"
        return _PageRead((), (), garbled=True)
    boxes_drawn = _drawn_boxes(page)
    page = page.filter(_not_seal_graphic)
    chars = [*page.chars, *boxes_drawn]
    rows: list[tuple[str | None, ...]] = []
    boxes = []
    for table in page.find_tables(_TABLE_SETTINGS):
        boxes.append(table.bbox)
        for row in table.rows:
            rows.append(tuple(None if cell is None else _cell_text(chars, cell) for cell in row.cells))
        rows.append(())  # a table boundary
    free = [c for c in chars if not any(_within(c, b) for b in boxes)]
    lines = tuple(l.text for l in _lines(free))
    if not rows:  # no ruled table (borders removed): read "label value label value" lines instead
        rows = _line_rows(lines)
    return _PageRead(tuple(rows), lines)


def _label_regex() -> re.Pattern[str]:
    labels = {schema.norm_label(l) for l in (*_LABELS, *_SECTIONS)}
    alts = sorted(labels, key=len, reverse=True)
    body = "|".join(r"\s*".join(re.escape(c) for c in label) for label in alts)
    return re.compile(rf"(?:(?<=^)|(?<=\s))(?:{body})\s*[:：]?")


def _line_rows(lines: Sequence[str]) -> list[tuple[str | None, ...]]:
    """Rows from free text lines: each label found starts a cell, the text up to the next label is its
    value; a line without a label continues the value before it."""
    regex = _label_regex()
    rows: list[list[str | None]] = []
    for line in lines:
        hits = list(regex.finditer(line))
        if not hits:
            if rows and rows[-1]:
                rows[-1][-1] = f"{rows[-1][-1] or ''}\n{line}".strip()
            continue
        cells: list[str | None] = []
        for k, m in enumerate(hits):
            end = hits[k + 1].start() if k + 1 < len(hits) else len(line)
            cells += [m.group(0).rstrip(":： "), line[m.end():end].strip()]
        rows.append(cells)
    return [tuple(r) for r in rows] + ([()] if rows else [])


def _cid_share(chars: Sequence[Mapping[str, Any]]) -> float:
    if not chars:
        return 0.0
    return sum(1 for c in chars if str(c.get("text", "")).startswith("(cid:")) / len(chars)


def _within(ch: Mapping[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _read_text_pages(data: bytes, indices: Sequence[int]) -> list[_PageRead]:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data), pages=[i + 1 for i in indices]) as pdf:
            return [_read_page(p) for p in pdf.pages]
    except Exception as err:  # pdfminer raises many types on malformed input; the text layer is unusable
        raise DocumentError(BROKEN_REASON) from err


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
        c and (_spec_for(c, section) or _split_inline(c)) for c in row)


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
                out.append(_Pair(_spec_for(inline[0], section), inline[0], inline[1], i + offset,
                                 label_col=i + offset))
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
# over a box, hence lost_ticks.
_funding = partial(choices.write_funding, lost_ticks=True)
_scope = partial(choices.write_scope, lost_ticks=True)
_ce_base = partial(choices.write_ce_base, lost_ticks=True)


def _apply(spec: schema.FieldSpec, value: str, fields: dict[str, Any], problems: list[Problem],
           year: int | None) -> None:
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


def _declared_date(text: str) -> str | None:
    found = dates.parse_date(text)
    return found.isoformat() if found else None


def _project_year(lines: Iterable[str]) -> int | None:
    """The programme year from the title ("…2025年高级研修项目申报表"): the year of 办班时间 written without one."""
    for line in lines:
        m = re.search(r"(20\d{2})\s*年\s*高级研修", dates.normalise(line))
        if m:
            return int(m.group(1))
    return None


# ---------------------------------------------------------------- assembling the form


def _header(lines: Iterable[str], fields: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for line in lines:
        m = re.match(r"\s*申\s*报\s*单\s*位\s*[:：]\s*(.*)$", line)
        if m and fields["declared_org"] is None:
            org = re.sub(r"[(（]\s*盖\s*章\s*[)）]", "", m.group(1)).strip(" _")
            fields["declared_org"] = org or None
            pairs.append(("申报单位", m.group(1)))
        m = re.match(r"\s*申\s*报\s*时\s*间\s*[:：]\s*(.*)$", line)
        if m and fields["declared_date"] is None:
            fields["declared_date"] = _declared_date(m.group(1))
            pairs.append(("申报时间", m.group(1)))
    return pairs


def _join_continuation(before: str, after: str) -> str:
    """A row split over a page: the break was a paragraph end only if the part before ended short
    (the cell text then ends with a newline) and at a sentence end; else it is one wrapped line."""
    body = before.rstrip()
    if before.endswith("\n") and body and body[-1] in "。；;！？!?：:）)":
        return body + "\n" + after
    return body + after


def _fields_from_pages(reads: Sequence[_PageRead]) -> tuple[dict[str, Any], list[tuple[str, str]], list[Problem],
                                                             frozenset[str]]:
    fields = schema.empty_fields()
    problems: list[Problem] = []
    raw: list[tuple[str, str]] = _header((l for r in reads for l in r.outside), fields)
    # Some units type the 申报单位 / 申报时间 lines into the table's first row instead.
    raw += _header((line for r in reads for row in r.rows for c in row if c for line in c.split("\n")), fields)
    found: set[str] = set()
    values: dict[str, str] = {}
    titles: list[str] = []
    for pair in _pairs(row for r in reads for row in r.rows):
        if pair.spec is not None and pair.spec.key == "project_name" and pair.value.strip():
            title = " ".join(pair.value.split())
            if title not in titles:
                titles.append(title)
        if pair.spec is None:
            if pair.label in values:  # continuation: label carries the key of the field it continues
                values[pair.label] = _join_continuation(values[pair.label], pair.value)
                raw.append(("(续)", pair.value.strip()))
            continue
        raw.append((pair.label, pair.value.strip()))
        found.add(pair.spec.key)
        if pair.spec.key not in values or not values[pair.spec.key].strip():
            values[pair.spec.key] = pair.value
    year = _project_year(l for r in reads for l in r.outside)
    for key, value in values.items():
        _apply(schema.BY_KEY[key], value, fields, problems, year)
    if len(titles) > 1:  # a 市州 merged several units' forms into one PDF: only the first is read
        problems.append(Problem("multiple_forms_in_pdf", f"PDF 中含 {len(titles)} 份申报表（"
                                + "；".join(titles) + "），只读取了第一份，请人工核对"))
    return fields, raw, problems, frozenset(found)


def _looks_like_form(reads: Sequence[_PageRead], found: frozenset[str]) -> bool:
    """Enough of the form's own labels: the unit sub-labels (联系人, 电话, 地址) alone are in every letter."""
    text = "".join(l for r in reads for l in r.outside)
    titled = any(marker in re.sub(r"\s+", "", text) for marker in schema.TITLE_MARKERS)
    top = sum(1 for key in found if schema.BY_KEY[key].section is None)
    return top >= 2 and (len(found) >= MIN_LABELS or titled)


def parse_pdf(data: bytes, name: str, *, check_seal: bool = True) -> ParsedForm:
    """Read a PDF 申报表 (kind "pdf"); DocumentError when it cannot be opened (encrypted, broken)."""
    import pypdfium2.raw as pdfium_raw

    pdf = _open(data, name)
    try:
        total = len(pdf)
        # Opened without a password yet encrypted: an owner password (permissions only), readable
        restricted = pdfium_raw.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1
        if total == 0:
            raise DocumentError("PDF 没有页面", name=name)
        indices = list(range(min(total, MAX_PAGES)))
        seal_idx = set(indices[:SEAL_PAGES]) | {indices[-1]}  # seals sit on the first pages or the last
        classified = [_page_kind(pdf, i, check_seal and i in seal_idx) for i in indices]
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


def _assemble(data: bytes, name: str, total: int, kinds: Sequence[str], text_idx: Sequence[int],
              seal: Any, plain: str) -> ParsedForm:
    try:
        reads = _read_text_pages(data, text_idx) if text_idx else []
    except DocumentError:
        # pdfium reads what pdfminer cannot: keep the seal check and say the text needs a human
        reads = []
        text_idx = []
        kinds = ["unparsed" if k == "text" else k for k in kinds]
    fields, raw, problems, found = _fields_from_pages(reads)
    if "unparsed" in kinds:
        titled = any(m in re.sub(r"\s+", "", plain) for m in schema.TITLE_MARKERS)
        info = PdfInfo(pages=total, text_layer=False, scanned=False,
                       seal=seal.status if seal else "not_checked", seal_pages=seal.pages if seal else ())
        return ParsedForm(source=name, kind="pdf", is_form=titled, fields=fields, pdf=info,
                          note="PDF 文字层无法解析，内容需人工核对" if titled else "PDF 文字层无法解析，未见申报表标题")
    scanned = not text_idx and "scanned" in kinds
    info = PdfInfo(pages=total, text_layer=any(not r.garbled for r in reads), scanned=scanned,
                   seal=seal.status if seal else "not_checked", seal_pages=seal.pages if seal else ())
    is_form, note = _verdict(kinds, text_idx, reads, found, total, _any_value(fields))
    if not is_form:  # a letter's 联系人/电话 are not the applicant's: report nothing (raw pairs stay for --debug)
        fields, problems = schema.empty_fields(), []
    return ParsedForm(source=name, kind="pdf", is_form=is_form, fields=fields, raw_pairs=tuple(raw),
                      problems=tuple(problems), pdf=info, note=note)


def _any_value(node: Any) -> bool:
    if isinstance(node, Mapping):
        return any(_any_value(v) for v in node.values())
    return node is not None and node is not False and node != ""


def _verdict(kinds: Sequence[str], text_idx: Sequence[int], reads: Sequence[_PageRead], found: frozenset[str],
             total: int, filled: bool) -> tuple[bool, str]:
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
