"""The text of a PDF page as table rows: pdfplumber's ruled-table finder gives the cells, and each cell's
characters are re-assembled into lines here, so wrapped lines join and real line breaks stay.

Symbol-font boxes, boxes drawn as graphics and ticks typed over a box all come out as ☑ / ☐, so the
field reader (parsers.pdf_form) sees the same marks as the Word walker emits.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.documents import DocumentError
from parsers import checkbox, pdf_pages, radicals
from parsers.labels import Labels
from parsers.pdf_pages import BROKEN_REASON, GARBLED_SHARE

# pdfminer warns at every oddity of an applicant's PDF ("Cannot append rectangle…"): not our log's business.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
}


@dataclass(frozen=True)
class _Line:
    x0: float
    x1: float
    top: float
    text: str
    size: float
    first_w: float = 0.0  # width of what starts the line: one CJK character or a whole ASCII word
    space_after: bool = False  # the line ended with a space character (a wrap at a space keeps it)


def _colour(color: Any) -> tuple[float, ...] | None:
    """A fill or stroke colour as pdfminer reports it (grey, RGB or CMYK components), or None."""
    if not isinstance(color, (tuple, list)) or not color:
        return None
    try:
        return tuple(float(c) for c in color)
    except (TypeError, ValueError):
        return None


def _is_red(color: Any) -> bool:
    c = _colour(color)
    if c is None or len(c) != 3:
        return False
    r, g, b = c
    return r > 0.5 and r - g > 0.2 and r - b > 0.2


def _light(color: Any) -> bool:
    """White or nearly: the ground a box or a cell is drawn on (CMYK: no ink)."""
    c = _colour(color)
    return c is not None and (all(v < 0.1 for v in c) if len(c) == 4 else all(v > 0.9 for v in c))


def _dark(color: Any) -> bool:
    """Black or nearly: a table rule drawn as a thin filled rectangle, not a highlighter."""
    c = _colour(color)
    return c is not None and (c[3] > 0.8 if len(c) == 4 else all(v < 0.2 for v in c))


def _small_square(obj: Mapping[str, Any]) -> bool:
    w, h = float(obj.get("width", 0)), float(obj.get("height", 0))
    return 4.0 <= w <= 16.0 and 4.0 <= h <= 16.0 and 0.8 <= w / h <= 1.25


def _closed_path(obj: Mapping[str, Any]) -> bool:
    """A curve that ends where it starts (a tick drawn as a path has a few points and is open)."""
    pts: Sequence[tuple[float, float]] = obj.get("pts") or ()
    if len(pts) < 5:
        return False
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    return abs(float(x0) - float(x1)) < 0.5 and abs(float(y0) - float(y1)) < 0.5


def _box_shape(obj: Mapping[str, Any]) -> bool:
    """A drawn checkbox: a small square rect, or a small closed path (Chromium and Edge draw an HTML
    checkbox as a rounded square: a white ground, a grey border or, ticked, a coloured fill)."""
    kind = obj.get("object_type")
    return _small_square(obj) and (kind == "rect" or (kind == "curve" and _closed_path(obj)))


def _not_seal_graphic(obj: Mapping[str, Any]) -> bool:
    """Drop red vector paths (electronic seals drawn as curves) and drawn checkboxes from table edges."""
    if obj.get("object_type") in ("curve", "line", "rect"):
        if _box_shape(obj):
            return False
        return not (_is_red(obj.get("stroking_color")) or _is_red(obj.get("non_stroking_color")))
    return True


def drawn_boxes(page: Any) -> list[dict[str, Any]]:
    """Checkboxes drawn as graphics (Word/LibreOffice legacy form fields, a browser's HTML checkboxes): a
    small square, ticked when a line or curve is drawn inside it or it is filled with a colour.  The
    shapes drawn at one place (ground, border, fill) are one box.  Returned as pseudo characters ☑ / ☐."""
    rounded = [c for c in page.curves if _small_square(c) and _closed_path(c)]
    shapes = [*(r for r in page.rects if _small_square(r)), *rounded]
    marks = [
        o
        for o in (*page.lines, *page.curves)
        if not _is_red(o.get("stroking_color")) and not any(o is c for c in rounded)
    ]
    places: list[list[Mapping[str, Any]]] = []
    for shape in sorted(shapes, key=lambda o: (float(o["top"]), float(o["x0"]))):
        for place in places:
            if abs(place[0]["x0"] - shape["x0"]) <= 2 and abs(place[0]["top"] - shape["top"]) <= 2:
                place.append(shape)
                break
        else:
            places.append([shape])
    out = []
    for place in places:
        x0, top = min(float(o["x0"]) for o in place), min(float(o["top"]) for o in place)
        x1, bottom = max(float(o["x1"]) for o in place), max(float(o["bottom"]) for o in place)
        inner = any(
            x0 - 1 <= m["x0"]
            and m["x1"] <= x1 + 1
            and top - 1 <= m["top"]
            and m["bottom"] <= bottom + 1
            and m["x1"] - m["x0"] > 2
            and m["bottom"] - m["top"] > 2
            for m in marks
        )
        filled = any(
            o.get("fill")
            and not _is_red(o.get("non_stroking_color"))
            and not _light(o.get("non_stroking_color"))
            for o in place
        )
        if all(
            o.get("object_type") == "curve"
            and (_is_red(o.get("stroking_color")) or _is_red(o.get("non_stroking_color")))
            for o in place
        ):
            continue  # the star of an electronic seal, not a box
        glyph = checkbox.CHECKED_MARK if inner or filled else checkbox.UNCHECKED_MARK
        out.append(
            {
                "text": glyph,
                "x0": x0,
                "x1": x1,
                "top": top,
                "bottom": bottom,
                "size": bottom - top,
                "fontname": "drawn-box",
            }
        )
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
    """A character as shown: symbol-font marks (Wingdings 'þ', Wingdings 2 'R', PUA U+F0xx) become the
    Unicode mark they draw (☑ ✓ ● …), as the Word walker shows them (parsers.checkbox.symbol_char)."""
    text = str(ch["text"])
    if len(text) != 1:
        return text
    font = str(ch.get("fontname") or "")
    code = ord(text)
    if checkbox.is_symbol_font(font) or 0xF000 <= code <= 0xF0FF:
        return checkbox.symbol_char(font, code) or text
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
    text = "".join(parts)
    return _Line(
        chars[0]["x0"],
        chars[-1]["x1"],
        chars[0]["top"],
        text.rstrip(),
        size,
        _first_width(chars),
        text[-1:] == " ",
    )


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
    kinsoku = (
        line.text[1:2] in _NO_LINE_START or line.text[:1] in _NO_LINE_END or prev.text[-1:] in _NO_LINE_END
    )
    slack = prev.size * 1.05 if kinsoku else -0.5
    a, b = prev.text[-1:], line.text[:1]
    if a and b and a.isascii() != b.isascii() and (a.isalnum() or b.isalnum()):
        slack += prev.size * 0.25  # the space Word and LibreOffice put between Chinese and Latin text
    return room >= line.first_w + slack


def _join_lines(lines: Sequence[_Line], right: float) -> str:
    """Wrapped lines are joined; a line that stops short of the cell's right edge ended a paragraph."""
    if not lines:
        return ""
    out = lines[0].text
    for prev, line in itertools.pairwise(lines):
        room = right - prev.x1
        if _is_paragraph_break(prev, line, right):
            out += "\n" + line.text
        elif prev.space_after or (
            _ascii_word_end(prev.text) and _ascii_word_start(line.text) and room > prev.size * 0.6
        ):
            out += " " + line.text  # a line wrapped at a space
        elif prev.text[-1:] in checkbox.MARK_CHARS or line.text[:1] in checkbox.MARK_CHARS:
            out += " " + line.text  # a mark at a line's end belongs to that line's option, not the next
        else:
            out += line.text
    return out


def _ascii_word_end(text: str) -> bool:
    return bool(text) and text[-1].isascii() and text[-1].isalnum()


def _ascii_word_start(text: str) -> bool:
    return bool(text) and text[0].isascii() and text[0].isalnum()


_Placed = tuple[float, float, Mapping[str, Any]]  # (centre x, centre y, char): centres computed once a page


def _placed(chars: Sequence[Mapping[str, Any]]) -> list[_Placed]:
    return [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2, c) for c in chars]


def _in_band(placed: Sequence[_Placed], top: float, bottom: float) -> list[_Placed]:
    """The characters whose centre lies between top and bottom: a table row's share of the page, so each
    of its cells scans a few dozen characters instead of the whole page."""
    return [p for p in placed if top <= p[1] <= bottom]


def _cell_text(placed: Sequence[_Placed], bbox: tuple[float, float, float, float]) -> str:
    x0, top, x1, bottom = bbox
    inside = [c for cx, cy, c in placed if x0 <= cx <= x1 and top <= cy <= bottom]
    if inside and sum(1 for c in inside if not c.get("upright", True)) * 2 > len(inside):
        return _vertical_text(inside)
    lines = _lines(inside)
    if not lines:
        return ""
    pad = max(0.0, min(line.x0 for line in lines) - x0)
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
    text = [
        "".join(_glyph(c) for c in sorted(col, key=lambda c: -c["top"] if upward else c["top"]))
        for col in columns
    ]
    return "\n".join(text)


@dataclass(frozen=True)
class PageRead:
    rows: tuple[tuple[str | None, ...], ...]  # table rows, None where a merged cell continues
    outside: tuple[str, ...]  # text lines not inside any table (header lines)
    garbled: bool = False
    ruled: bool = True  # rows from ruled tables; False: from "label value" lines (no table on the page)
    emphasis: tuple[str, ...] = ()  # runs of text set apart: highlighted, shaded or bold (see `emphasised`)


def _open_ends(page: Any) -> list[float]:
    """The top and bottom of a ruled table cut by a page break and drawn without a border there (Chromium
    and Edge print a table that runs on to the next page that way): where the table's vertical rules all
    start (or end) with no horizontal rule across them.  Without that edge the cells are not closed and the
    table would not be found."""
    edges = [e for e in page.edges if not _is_red(e.get("stroking_color") or e.get("non_stroking_color"))]
    verticals = [e for e in edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 4]
    horizontals = [e for e in edges if e["orientation"] == "h"]
    if len(verticals) < 3:
        return []
    out = []
    for y in (min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)):
        at = [e for e in verticals if abs((e["top"] if y <= e["top"] + 1 else e["bottom"]) - y) <= 1.5]
        if len(at) < 3:
            continue
        x0, x1 = min(e["x0"] for e in at), max(e["x1"] for e in at)
        if not any(abs(h["top"] - y) <= 2 and h["x0"] <= x0 + 2 and h["x1"] >= x1 - 2 for h in horizontals):
            out.append(y)
    return out


def _table_settings(page: Any) -> dict[str, Any]:
    ends = _open_ends(page)
    return {**_TABLE_SETTINGS, "explicit_horizontal_lines": ends} if ends else _TABLE_SETTINGS


def struck_chars(page: Any) -> set[int]:
    """Indices of the page's characters with a line drawn through their middle: struck-through text (an
    unchosen option struck out, a tracked deletion shown) reads as deleted, as in the Word walker."""
    strokes = [
        o
        for o in (*page.lines, *page.rects)
        if o["bottom"] - o["top"] < 1.2 and o["x1"] - o["x0"] >= 3 and not _is_red(o.get("stroking_color"))
    ]
    if not strokes:
        return set()
    out = set()
    for i, ch in enumerate(page.chars):
        h = ch["bottom"] - ch["top"]
        cx = (ch["x0"] + ch["x1"]) / 2
        lo, hi = ch["top"] + 0.3 * h, ch["top"] + 0.82 * h
        if any(o["x0"] <= cx <= o["x1"] and lo <= (o["top"] + o["bottom"]) / 2 <= hi for o in strokes):
            out.add(i)
    return out


_symbol_code = pdf_pages.is_symbol_char


def reconcile_symbols(chars: list[dict[str, Any]], theirs: Sequence[tuple[float, float, str]]) -> int:
    """pdfminer (pdfplumber) and pdfium can map one symbol glyph of a LibreOffice-made font subset to
    different code points; pdfium agrees with pdftotext and MuPDF.  Where the two disagree on a symbol
    character, the reading that is a known mark wins, and pdfium's when both are.  Returns the changes."""
    changed = 0
    for ch in chars:
        if not _symbol_code(ch["text"]):
            continue
        for x, y, text in theirs:
            if ch["x0"] - 1 <= x <= ch["x1"] + 1 and ch["top"] - 1 <= y <= ch["bottom"] + 1:
                if text != ch["text"] and checkbox.mark_state(_glyph({**ch, "text": text})) is not None:
                    ch["text"] = text
                    changed += 1
                break
    return changed


def _read_page(page: Any, labels: Labels, symbols: Sequence[tuple[float, float, str]] = ()) -> PageRead:
    if _cid_share(page.chars) > GARBLED_SHARE:  # pdfminer could not map the font: "(cid:123)"
        return PageRead((), (), garbled=True)
    boxes_drawn = drawn_boxes(page)
    struck = struck_chars(page)
    # radicals a PDF writer put in the text layer for ordinary ideographs (Chromium: ⻓ for 长)
    # and a glyph pdfminer could not map ("(cid:0)": Chromium's colour emoji ✅) is no text anyone can read
    chars = [
        {**ch, "text": radicals.unify(ch["text"])}
        for i, ch in enumerate(page.chars)
        if i not in struck and not _UNMAPPED.fullmatch(str(ch["text"]))
    ]
    if symbols:
        reconcile_symbols(chars, symbols)
    page = page.filter(_not_seal_graphic)
    placed = _placed([*chars, *boxes_drawn])
    rows: list[tuple[str | None, ...]] = []
    boxes = []
    for table in page.find_tables(_table_settings(page)):
        boxes.append(table.bbox)
        for row in table.rows:
            cells = [c for c in row.cells if c is not None]
            band = _in_band(placed, min(c[1] for c in cells), max(c[3] for c in cells)) if cells else []
            rows.append(tuple(None if cell is None else _cell_text(band, cell) for cell in row.cells))
        rows.append(())  # a table boundary
    free = [c for cx, cy, c in placed if not any(_within(cx, cy, b) for b in boxes)]
    lines = tuple(line.text for line in _lines(free))
    stressed = emphasised(chars, page.rects)
    if not rows:  # no ruled table (borders removed): read "label value label value" lines instead
        return PageRead(tuple(line_rows(lines, labels.in_line)), lines, ruled=False, emphasis=stressed)
    return PageRead(tuple(rows), lines, emphasis=stressed)


_BOLD = re.compile(r"bold|black|heavy", re.IGNORECASE)


def emphasised(chars: Sequence[Mapping[str, Any]], rects: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Runs of text set apart as Word users do it (a highlighter, shading, bold), as the PDF keeps it: a
    coloured rectangle filled behind the characters, or a bold font.  The choice reader uses them only
    when a choice cell has no mark (parsers.marks: the one option set apart is the one chosen)."""
    grounds = [
        r
        for r in rects
        if r.get("fill")
        and float(r.get("height", 0)) <= 40
        and not _light(r.get("non_stroking_color"))
        and not _dark(r.get("non_stroking_color"))
    ]
    runs: list[str] = []
    current: list[str] = []
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        bold = bool(_BOLD.search(str(ch.get("fontname") or "")))
        if bold or any(_within(cx, cy, (r["x0"], r["top"], r["x1"], r["bottom"])) for r in grounds):
            current.append(str(ch["text"]))
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return tuple(r for r in runs if r.strip())


def line_rows(lines: Sequence[str], regex: re.Pattern[str]) -> list[tuple[str | None, ...]]:
    """Rows from free text lines: each label found (`regex`: parsers.labels.Labels.in_line) starts a
    cell, the text up to the next label is its value; a line without a label continues the value before it,
    and text before a line's first label continues the first value of the row above (its left column)."""
    rows: list[list[str | None]] = []
    for line in lines:
        hits = list(regex.finditer(line))
        if not hits:
            if rows and rows[-1]:
                rows[-1][-1] = f"{rows[-1][-1] or ''}\n{line}".strip()
            continue
        lead = line[: hits[0].start()].strip()
        if lead and rows and len(rows[-1]) > 1:  # a wrapped value of the row above, in its left column
            rows[-1][1] = f"{rows[-1][1] or ''}\n{lead}".strip()
        cells: list[str | None] = []
        for k, m in enumerate(hits):
            end = hits[k + 1].start() if k + 1 < len(hits) else len(line)
            cells += [m.group(0).rstrip(":： "), line[m.end() : end].strip()]
        rows.append(cells)
    return [tuple(r) for r in rows] + ([()] if rows else [])


_UNMAPPED = re.compile(r"\(cid:\d+\)")


def _cid_share(chars: Sequence[Mapping[str, Any]]) -> float:
    if not chars:
        return 0.0
    return sum(1 for c in chars if str(c.get("text", "")).startswith("(cid:")) / len(chars)


def _within(cx: float, cy: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _pdfium_symbols(
    data: bytes, indices: Sequence[int], pages: Sequence[Any]
) -> dict[int, list[tuple[float, float, str]]]:
    """pdfium's symbol characters for the pages that have any (most pages have none: no second reading)."""
    wanted = [k for k, p in enumerate(pages) if any(_symbol_code(c["text"]) for c in p.chars)]
    if not wanted:
        return {}
    return pdf_pages.symbol_chars(
        data, [indices[k] for k in wanted], [float(pages[k].height) for k in wanted], wanted
    )


def read_text_pages(data: bytes, indices: Sequence[int], labels: Labels) -> list[PageRead]:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data), pages=[i + 1 for i in indices]) as pdf:
            pages = list(pdf.pages)
            symbols = _pdfium_symbols(data, indices, pages)
            return [_read_page(p, labels, symbols.get(k, ())) for k, p in enumerate(pages)]
    except Exception as err:  # pdfminer raises many types on malformed input; the text layer is unusable
        raise DocumentError(BROKEN_REASON) from err
