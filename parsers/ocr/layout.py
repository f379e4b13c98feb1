"""From ruling lines and recognised text pieces to table rows, as the text-PDF reader gives them.

Ruling lines are taken from the ink by morphology (an opening with a long thin kernel keeps only
straight rules), clustered into the lattice of the table's x and y positions; lattice cells with no
rule between them are one merged cell.  Text pieces go to the cell holding their centre, are put back
into lines and joined (a line stopping short of the cell's edge ended a paragraph).  Rows list the
cells starting in each lattice row, None where a merged cell continues — the shape of
parsers.pdf_text.PageRead, so the same label/value reader runs on both.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from parsers import checkbox
from parsers.ocr.marks import option_follows

__all__ = ["Cell", "Grid", "Piece", "find_grid", "rows_and_lines", "split_box", "tidy"]

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels

_CHECKED_TOKEN = "\ue001"  # placeholders while a cell is assembled: a box before an option label
_EMPTY_TOKEN = "\ue000"  # becomes ☑ / ☐, elsewhere it was the character 口


@dataclass(frozen=True)
class Piece:
    """A recognised piece of text (kind "text") or a checkbox (kind "mark", text ☑ / ☐)."""

    text: str
    confidence: float
    box: Box
    kind: str = "text"

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def h(self) -> int:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class Cell:
    box: Box
    row: int  # lattice row and column of its top-left corner
    col: int


@dataclass(frozen=True)
class Grid:
    cells: tuple[Cell, ...]
    columns: int
    verticals: tuple[tuple[int, int, int], ...]  # (x, y0, y1) of each vertical rule

    def cell_at(self, x: float, y: float) -> Cell | None:
        for c in self.cells:
            if c.box[0] <= x <= c.box[2] and c.box[1] <= y <= c.box[3]:
                return c
        return None


# ---------------------------------------------------------------- ruling lines


def _segments(mask: np.ndarray, horizontal: bool, thickest: float = 1e9) -> list[tuple[int, int, int]]:
    """(position, start, end) of each straight rule in a mask of rules of one direction; a component
    thicker than `thickest` across its direction is an edge or a dark area (a photo's desk), not a rule."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        if (h if horizontal else w) > thickest:
            continue
        out.append((y + h // 2, x, x + w) if horizontal else (x + w // 2, y, y + h))
    return out


STROKE_SHARE = 1.2  # a vertical no taller than this many characters' heights is a stroke, not a rule
RULE_DARKNESS = 30  # a rule: darker than paper by this much (of 255) all along a run longer than any stroke
INK_DARKNESS = 105  # what counts as ink beside a rule (flattened grey below 150)


def _rule_masks(dark: np.ndarray, char_h: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of horizontal and vertical rules: runs far longer than any stroke of a character, dark all
    along.  Taken on the darkness map by a grey-level opening, so a rule a scanner or a lens left thin
    and light grey (a 0.5 pt line scanned at 200 dpi and read at 150: 40-50 of 255 over two pixels) is
    still a rule, while paper texture is not (its darkness does not last the length of the kernel)."""
    hk = max(20, int(char_h * 3.5))
    vk = max(10, int(char_h * 0.8))
    opened_h = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, hk), np.uint8))
    opened_v = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((vk, 1), np.uint8))
    hor = np.where(opened_h >= RULE_DARKNESS, 255, 0).astype(np.uint8)
    ver = np.where(opened_v >= RULE_DARKNESS, 255, 0).astype(np.uint8)
    # A rule broken by a scan's speckle is closed along its own direction; only a little for vertical
    # ones, or the strokes of characters in consecutive lines would join into a "rule".
    closed_h = cv2.morphologyEx(hor, cv2.MORPH_CLOSE, np.ones((1, max(5, int(char_h / 2))), np.uint8))
    closed_v = cv2.morphologyEx(ver, cv2.MORPH_CLOSE, np.ones((3, 1), np.uint8))
    return closed_h, closed_v


def rules(dark: np.ndarray, char_h: float) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """Horizontal (y, x0, x1) and vertical (x, y0, y1) rules on a darkness map (255 - flattened grey; a
    0/255 ink mask works too).  A vertical rule touches a horizontal rule at both ends; a character's
    stroke (丨, 阝) in a tight cell stops short of them."""
    hor, ver = _rule_masks(dark, char_h)
    ink = dark >= INK_DARKNESS
    reach = cv2.dilate(hor, np.ones((5, 5), np.uint8))  # the rule, plus the width of a scan's blur
    hsegs = _segments(hor, True)

    def ends_on_rules(v: tuple[int, int, int]) -> bool:
        top, bottom = _touches(reach, v[0], v[1], 12), _touches(reach, v[0], v[2] - 1, -12)
        # A border crossed by rules along its length is one even where a faint rule fades before the
        # corner (a row split by a page break ends in a hairline): no stroke of a character is crossed.
        crossed = sum(1 for y, x0, x1 in hsegs if v[1] + 12 < y < v[2] - 12 and x0 - 6 <= v[0] <= x1 + 6)
        return (top and bottom) or ((top or bottom) and crossed >= 2)

    # A rule runs the height of a row at least, and a row holds a line of text with paper above and
    # below it; the middle stroke of 中 or 串 in a tight row reaches both rules but is only as tall as
    # the characters (a column boundary below it would otherwise cut the line in two there).
    tallest_stroke = STROKE_SHARE * char_h
    vsegs = [
        v
        for v in _segments(ver, False, char_h)
        if v[2] - v[1] > tallest_stroke and ends_on_rules(v) and _alone(ink, v)
    ]
    return hsegs, vsegs


def _alone(ink: np.ndarray, v: tuple[int, int, int]) -> bool:
    """A rule runs with paper beside it (cells keep their text a few pixels off the border); a stroke
    of a character has other strokes branching off it along much of its length."""
    x, y0, y1 = v
    _h, w = ink.shape
    band = ink[y0 + 3 : max(y0 + 4, y1 - 3)]
    left = band[:, max(0, x - 5) : max(0, x - 2)].any(axis=1)
    right = band[:, min(w, x + 3) : min(w, x + 6)].any(axis=1)
    return float((left | right).mean()) < 0.3 if len(band) else False


def _touches(mask: np.ndarray, x: int, y: int, inward: int) -> bool:
    """Does a horizontal rule meet the vertical at its end `y`?  The end may overshoot the rule a
    little (a warped photo), so the search reaches `inward` pixels back along the vertical."""
    h, w = mask.shape
    lo, hi = (y - 4, y + inward) if inward > 0 else (y + inward, y + 5)
    return bool(mask[max(0, lo) : min(h, hi), max(0, x - 2) : min(w, x + 3)].any())


def _cluster(values: Iterable[int], tol: int) -> list[int]:
    out: list[list[int]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [int(statistics.median(c)) for c in out]


def _covered(segs: Sequence[tuple[int, int, int]], pos: int, a: int, b: int, tol: int) -> bool:
    """Is the span a..b at `pos` covered (60%) by rules at that position?"""
    need = 0.6 * (b - a)
    got = sum(max(0, min(e, b) - max(s, a)) for p, s, e in segs if abs(p - pos) <= tol)
    return got >= need


def find_grid(dark: np.ndarray, char_h: float) -> Grid | None:
    """The table on a page (`dark`: 255 - flattened grey, or an ink mask): its cells with spans resolved;
    None without a ruled table."""
    hsegs, vsegs = rules(dark, char_h)
    tol = max(3, int(char_h / 3))
    longest_h = max((e - s for _, s, e in hsegs), default=0)
    hsegs = [s for s in hsegs if s[2] - s[1] >= 0.1 * longest_h]
    if len(hsegs) < 2 or len(vsegs) < 2:
        return None
    ys = _cluster((p for p, _, _ in hsegs), tol)
    x_lo, x_hi = min(s for _, s, _ in hsegs), max(e for _, _, e in hsegs)
    vsegs = _columns([v for v in vsegs if x_lo - tol <= v[0] <= x_hi + tol and v[2] - v[1] > tol], ys, tol)
    # A table's horizontal rules meet its verticals; a long line that meets none (a photo's page edge,
    # an underline in the header) is not one of them.
    hsegs = [h for h in hsegs if any(_meets(h, v, tol) for v in vsegs)]
    ys = _cluster((p for p, _, _ in hsegs), tol)
    xs = _cluster((p for p, _, _ in vsegs), tol)
    if len(ys) < 2 or len(xs) < 2:
        return None
    return _merge_lattice(ys, xs, hsegs, vsegs, tol)


def _meets(h: tuple[int, int, int], v: tuple[int, int, int], tol: int) -> bool:
    y, x0, x1 = h
    x, y0, y1 = v
    return x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol


def _columns(
    vsegs: Sequence[tuple[int, int, int]], ys: Sequence[int], tol: int
) -> list[tuple[int, int, int]]:
    """Vertical rules that belong to the table's columns: a rule crossing a row boundary, or one whose
    column has rules in other rows too.  A lone one-row "rule" is a character's stroke in a cell whose
    text touches its borders (a tight row, a blurred scan)."""

    def rows_crossed(v: tuple[int, int, int]) -> int:
        return sum(1 for y in ys if v[1] + tol < y < v[2] - tol)

    keep = []
    for v in vsegs:
        mates = [
            w
            for w in vsegs
            if w is not v and abs(w[0] - v[0]) <= tol and (w[2] <= v[1] + tol or w[1] >= v[2] - tol)
        ]
        if rows_crossed(v) or mates:
            keep.append(v)
    return keep


def _merge_lattice(
    ys: Sequence[int],
    xs: Sequence[int],
    hsegs: Sequence[tuple[int, int, int]],
    vsegs: Sequence[tuple[int, int, int]],
    tol: int,
) -> Grid:
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not _covered(vsegs, xs[c + 1], ys[r], ys[r + 1], tol):
                parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr and not _covered(hsegs, ys[r + 1], xs[c], xs[c + 1], tol):
                parent[find((r + 1) * nc + c)] = find(r * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, c0 = min(m[0] for m in members), min(m[1] for m in members)
        r1, c1 = max(m[0] for m in members), max(m[1] for m in members)
        cells.append(Cell((xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]), r0, c0))
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid(tuple(cells), nc, tuple(vsegs))


# ---------------------------------------------------------------- text boxes cut at rules and marks


def split_box(box: Box, cuts: Sequence[tuple[int, int]], least_share: float = 0.65) -> list[Box]:
    """A text box cut where a vertical rule or a checkbox (x0, x1 spans) crosses it.  A piece narrower
    than `least_share` of the box's height is dropped: detection's padding reaching over a rule."""
    x0, y0, x1, y1 = box
    least = (y1 - y0) * least_share
    parts = []
    start = x0
    for a, b in sorted(cuts):
        if b <= start or a >= x1:
            continue
        parts.append((start, y0, a, y1))
        start = max(start, b)
    parts.append((start, y0, x1, y1))
    if len(parts) == 1:
        return parts
    return [p for p in parts if p[2] - p[0] >= least]


# ---------------------------------------------------------------- text as Chinese is written

_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_HALF_TO_FULL = {"(": "（", ")": "）", ":": "：", ";": "；", ",": "，", "?": "？", "!": "！"}
_BLANK_AT_END = re.compile(r"[-—–_]{2,}(?=\s*[)）]?\s*$)")
_PUNCT_BY_CJK = re.compile(rf"(?<=[{_CJK}])[():;,?!]|[(](?=[{_CJK}])")


def tidy(text: str) -> str:
    """OCR's spacing and punctuation as Chinese text writes them: no spaces next to a Chinese
    character ("2025 年" → "2025年"), full-width brackets and colons beside one ("大学 (武汉)" →
    "大学（武汉）"), no stray rule at either end, a blank line read as dashes made a blank again."""
    text = _SPACE_BY_CJK.sub("", text.strip()).replace("丶", "、")  # the radical 丶 is 、 in running text
    # a table rule or a box's edge caught at a piece's end reads as | 丨 「 [ (an opening 「 or [ stays
    # when its 」 or ] follows)
    text = text.strip("|丨").rstrip("「[").strip()
    if text[:1] in ("「", "[") and {"「": "」", "[": "]"}[text[0]] not in text:
        text = text[1:].lstrip()
    # a template's blank line read as dashes ("来源：--）"): it is a blank
    text = _BLANK_AT_END.sub(lambda m: "_" * len(m.group(0)), text)
    return _PUNCT_BY_CJK.sub(lambda m: _HALF_TO_FULL[m.group(0)], text)


# ---------------------------------------------------------------- rows


def _lines(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """Pieces grouped into visual lines (centres within half a line height), left to right."""
    out: list[list[Piece]] = []
    for p in sorted(pieces, key=lambda p: (p.cy, p.box[0])):
        if out:
            ref = out[-1]
            hh = statistics.median(q.h for q in ref)
            if abs(statistics.median(q.cy for q in ref) - p.cy) <= hh * 0.5:
                ref.append(p)
                continue
        out.append([p])
    return [sorted(line, key=lambda p: p.box[0]) for line in out]


def _token(p: Piece) -> str:
    if p.kind == "mark":
        return _CHECKED_TOKEN if p.text == checkbox.CHECKED_MARK else _EMPTY_TOKEN
    return p.text


def _line_text(line: Sequence[Piece]) -> str:
    out = ""
    for prev, p in zip([None, *line], line, strict=False):
        if prev is not None and p.box[0] - prev.box[2] > 1.2 * max(p.h, prev.h):
            out += "  "  # a wide gap: two things on one line ("申报单位：…    申报时间：…")
        out += _token(p)
    return out


_TOKENS = re.compile(f"[{_CHECKED_TOKEN}{_EMPTY_TOKEN}]")


def _resolve_tokens(text: str) -> str:
    """A box token followed by an option label is a checkbox; anywhere else it was the character 口."""

    def sub(m: re.Match[str]) -> str:
        if option_follows(text[m.end() :].lstrip("\n")):
            return checkbox.CHECKED_MARK if m.group(0) == _CHECKED_TOKEN else checkbox.UNCHECKED_MARK
        return "口"

    return _TOKENS.sub(sub, text)


def cell_text(pieces: Sequence[Piece], right: int) -> str:
    """Lines of a cell joined: wrapped lines run on, a line ending short of `right` ended a paragraph."""
    lines = _lines(pieces)
    out = ""
    for i, line in enumerate(lines):
        text = _line_text(line)
        if i:
            prev = lines[i - 1]
            short = right - prev[-1].box[2] > 2.0 * statistics.median(q.h for q in prev)
            out += "\n" if short else ""
        out += text
    return _resolve_tokens(out)


@dataclass(frozen=True)
class PageText:
    """A page's text in the shape of parsers.pdf_text.PageRead, with the confidence of what was read."""

    rows: tuple[tuple[str | None, ...], ...]
    outside: tuple[str, ...]
    # every cell's and outside line's text with the lowest confidence of the pieces that made it
    scored: tuple[tuple[str, float], ...]


def _split_label(
    pieces: Sequence[Piece], is_label: Callable[[str], bool]
) -> tuple[list[Piece], list[Piece]] | None:
    """Pieces of one cell that are a label on the left and its value on the right (a column of paper
    between them), when the left part's words are one of the form's labels."""
    for p in sorted(pieces, key=lambda p: p.box[2]):
        cut = p.box[2]
        left = [q for q in pieces if q.box[2] <= cut]
        right = [q for q in pieces if q.box[0] > cut]
        whole = left and right and len(left) + len(right) == len(pieces)
        if whole and is_label("".join(q.text for q in sorted(left, key=lambda q: q.cy))):
            return left, right
    return None


def rows_and_lines(
    grid: Grid | None, pieces: Sequence[Piece], is_label: Callable[[str], bool] | None = None
) -> PageText:
    """Table rows (None where a merged cell continues) and the lines outside the table."""
    by_cell: dict[Cell, list[Piece]] = {}
    free: list[Piece] = []
    for p in pieces:
        cell = grid.cell_at(p.cx, p.cy) if grid else None
        if cell is None:
            free.append(p)
        else:
            by_cell.setdefault(cell, []).append(p)
    scored: list[tuple[str, float]] = []
    rows: list[tuple[str | None, ...]] = []
    if grid is not None:
        texts: dict[Cell, str] = {}
        values: dict[Cell, str] = {}
        for cell, ps in by_cell.items():
            split = _split_label(ps, is_label) if is_label else None
            if split is not None:  # a rule the scan lost: the label's own words say where it ends
                texts[cell], values[cell] = cell_text(split[0], cell.box[2]), cell_text(split[1], cell.box[2])
            else:
                texts[cell] = cell_text(ps, cell.box[2])
            scored += [(texts[cell], min(p.confidence for p in ps))]
            if cell in values:
                scored.append((values[cell], min(p.confidence for p in split[1])))  # type: ignore[index]
        for r in sorted({c.row for c in grid.cells}):
            row: list[str | None] = [None] * grid.columns
            here = [c for c in grid.cells if c.row == r]
            for c in here:
                row[c.col] = texts.get(c, "")
            for c in here:
                if c not in values:
                    continue
                if c.col + 1 < grid.columns and row[c.col + 1] is None:
                    row[c.col + 1] = values[c]
                else:  # no free column beside it: one cell "label：value", as the form's lines read
                    row[c.col] = f"{texts[c].rstrip(':： ')}：{values[c]}"
            rows.append(tuple(row))
        rows.append(())  # a table boundary, as the text-PDF reader marks it
    outside = []
    for line in _lines(free):
        text = _resolve_tokens(_line_text(line))
        outside.append(text)
        scored.append((text, min(p.confidence for p in line)))
    return PageText(tuple(rows), tuple(outside), tuple(scored))
