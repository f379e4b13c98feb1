"""One scanned page read: cleaned, turned upright, its text lines recognised, its table and boxes found.

The result, `PageScan`, is plain data (text pieces with confidence and boxes, the table's cells, the
seal verdict): it is what the store caches by the file's hash, and what `intake parse --debug` shows.
Turning it into the form's fields is cheap and done afresh every time (parsers.scan_form), so a better
field reader never needs the OCR to run again.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from parsers.ocr import cleanup, layout, marks
from parsers.ocr import seal as scan_seal
from parsers.ocr.engine import Engine, Quad
from parsers.ocr.layout import Cell, Grid, Piece

__all__ = ["DET_SCALE", "PAGE_BUDGET_S", "READER_VERSION", "PageScan", "read_page"]

# Names what a cached PageScan was made by: bump when reading a page gives different pieces (the store's
# OCR cache is keyed by file hash and this), not when only the field mapping changes.
READER_VERSION = "rapidocr-1.4-ppocrv4/intake-3"

DET_SCALE = 0.6  # detection on the page shrunk to 60%: same lines found (bench), a third of the time
PAGE_BUDGET_S = 20.0  # CPU seconds: recognition stops on a page that takes more (a page needs ~2.5 s);
# CPU time, not wall time, so a busy machine does not cut pages short (the worker's timeout still applies)
HEADER_ROWS = 2  # header reading: the lines above the table and its first two rows (项目名称, 办班时间)
SEAL_TEXT_MIN_CONF = 0.9
MIN_CONFIDENCE = 0.5  # below this a "line" is a speck or a stroke of a seal: dropped (the engine's default)
_BATCH = 24


@dataclass(frozen=True)
class PageScan:
    """What OCR made of one page (0-based `index`), in the upright, straightened page's pixels."""

    index: int
    size: tuple[int, int]  # width, height
    pieces: tuple[Piece, ...]
    cells: tuple[Cell, ...] = ()
    columns: int = 0
    seal: str = "none"  # "seal" | "grey" (no colour on the page) | "none"
    seal_text: str = ""  # the unit's name read off the seal, when readable
    turned: int = 0  # quarter turns that made it upright
    angle: float = 0.0
    header_only: bool = False
    complete: bool = True  # False: the time budget ran out before every line was read
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def grid(self) -> Grid | None:
        return Grid(self.cells, self.columns, ()) if self.cells else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(d: dict[str, Any]) -> PageScan:
        return PageScan(
            index=int(d["index"]),
            size=(int(d["size"][0]), int(d["size"][1])),
            pieces=tuple(
                Piece(p["text"], float(p["confidence"]), _box(p["box"]), p["kind"]) for p in d["pieces"]
            ),
            cells=tuple(Cell(_box(c["box"]), int(c["row"]), int(c["col"])) for c in d["cells"]),
            columns=int(d["columns"]),
            seal=str(d["seal"]),
            seal_text=str(d.get("seal_text", "")),
            turned=int(d.get("turned", 0)),
            angle=float(d.get("angle", 0.0)),
            header_only=bool(d.get("header_only", False)),
            complete=bool(d.get("complete", True)),
        )


def _box(v: Sequence[Any]) -> tuple[int, int, int, int]:
    return (int(v[0]), int(v[1]), int(v[2]), int(v[3]))


def _axis_box(q: Quad, w: int, h: int) -> tuple[int, int, int, int]:
    xs = [p[0] for p in q]
    ys = [p[1] for p in q]
    return (max(0, int(min(xs))), max(0, int(min(ys))), min(w, int(max(xs)) + 1), min(h, int(max(ys)) + 1))


def _crop(img: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return img[y0:y1, x0:x1]


def _rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[:, :, None], 3, axis=2)


def _detect(engine: Engine, grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    h, w = grey.shape
    return [_axis_box(q, w, h) for q in engine.detect(_rgb(grey), DET_SCALE)]


def _sideways(boxes: Sequence[tuple[int, int, int, int]]) -> bool:
    """More tall text boxes than wide ones: the detector found columns of text, not rows."""
    tall = sum(1 for b in boxes if b[3] - b[1] > 1.8 * (b[2] - b[0]))
    wide = sum(1 for b in boxes if b[2] - b[0] > 1.8 * (b[3] - b[1]))
    return tall > max(3, wide)


def _upside_down(engine: Engine, grey: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> bool:
    """Read the widest lines both ways up: upside-down text reads with much lower confidence."""
    widest = sorted(boxes, key=lambda b: b[0] - b[2])[:4]
    if not widest:
        return False
    crops = [_rgb(_crop(grey, b)) for b in widest]
    upright = engine.recognise(crops)
    turned = engine.recognise([np.ascontiguousarray(c[::-1, ::-1]) for c in crops])
    return (
        statistics.mean(x.confidence for x in turned) > statistics.mean(x.confidence for x in upright) + 0.1
    )


def _flip_box(b: tuple[int, int, int, int], w: int, h: int) -> tuple[int, int, int, int]:
    return (w - b[2], h - b[3], w - b[0], h - b[1])


def _char_height(boxes: Sequence[tuple[int, int, int, int]]) -> float:
    """A character's height: detected line boxes are padded (unclip) by about a third."""
    hs = [b[3] - b[1] for b in boxes if b[2] - b[0] > b[3] - b[1]]
    return statistics.median(hs) / 1.35 if hs else 20.0


def _cuts(
    box: tuple[int, int, int, int], grid: Grid | None, found: Sequence[marks.Mark]
) -> list[tuple[int, int]]:
    x0, y0, x1, y1 = box
    out = []
    for x, a, b in grid.verticals if grid else ():
        if x0 < x < x1 and min(b, y1) - max(a, y0) > 0.5 * (y1 - y0):
            out.append((x - 2, x + 3))
    for m in found:
        mx0, my0, mx1, my1 = m.box
        if mx1 > x0 and mx0 < x1 and min(my1, y1) - max(my0, y0) > 0.5 * (my1 - my0):
            out.append((mx0 - 3, mx1 + 3))  # the box's anti-aliased edge would read as "|"
    return out


def _join_fragments(
    boxes: Sequence[tuple[int, int, int, int]], char_h: float
) -> list[tuple[int, int, int, int]]:
    """Detection sometimes cuts a line inside a character: boxes on one line that touch become one
    (a table rule between them cuts them apart again)."""
    out: list[tuple[int, int, int, int]] = []
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        for i, a in enumerate(out):
            overlap = min(a[3], b[3]) - max(a[1], b[1])
            # either may come first: a fragment a pixel or two higher is sorted before the line it ends
            touch = any(-char_h < nxt[0] - prev[2] < 0.25 * char_h for prev, nxt in ((a, b), (b, a)))
            if overlap > 0.6 * min(a[3] - a[1], b[3] - b[1]) and touch:
                out[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                break
        else:
            out.append(b)
    return out


def _missed_lines(
    ink: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], grid: Grid | None, char_h: float
) -> list[tuple[int, int, int, int]]:
    """Lines of text inside the table's cells that detection missed (it now and then passes over a
    whole line, a ticked option list among them): ink no detected box covers, in a run at least three
    characters long and about a line high."""
    if grid is None:
        return []
    left = np.zeros_like(ink)
    for c in grid.cells:
        x0, y0, x1, y1 = c.box
        left[y0 + 4 : y1 - 3, x0 + 4 : x1 - 3] = ink[y0 + 4 : y1 - 3, x0 + 4 : x1 - 3]
    for x0, y0, x1, y1 in boxes:
        left[max(0, y0 - 2) : y1 + 3, max(0, x0 - 2) : x1 + 3] = 0
    runs = cv2.dilate(left, np.ones((3, max(3, int(char_h * 0.8))), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if not (w >= 3 * char_h and 0.6 * char_h <= h <= 1.8 * char_h):
            continue
        # characters: columns with ink standing at least half a character high (a blank's underline
        # and the bracket after it are not a line of text)
        seen = left[y : y + h, x : x + w] > 0
        rows = np.arange(h)[:, None]
        tall = (np.where(seen, rows, -1).max(axis=0) - np.where(seen, rows, h).min(axis=0)) >= 0.5 * char_h
        if tall.sum() >= 2 * char_h:
            pad = int(char_h * 0.2)
            out.append((max(0, x - pad), max(0, y - pad), min(ink.shape[1], x + w + pad), y + h + pad))
    return out


def _header_limit(grid: Grid | None, height: int) -> int:
    """Bottom of the header region: the end of the table's first HEADER_ROWS rows, else the page's
    top third."""
    if grid is None:
        return height // 3
    tops = sorted({c.box[1] for c in grid.cells})
    return tops[HEADER_ROWS] if len(tops) > HEADER_ROWS else height // 3


def read_page(
    engine: Engine,
    rgb: np.ndarray,
    index: int = 0,
    *,
    header_only: bool = False,
    budget_s: float = PAGE_BUDGET_S,
) -> PageScan:
    """Read one page (RGB uint8).  header_only: only what is above the table and its first rows."""
    started = time.monotonic()
    timings: dict[str, float] = {}
    verdict, _ = scan_seal.judge_page(rgb)
    prep = cleanup.prepare(rgb)
    boxes = _detect(engine, prep.grey)
    if _sideways(boxes):  # text lines run down the page: turn it a quarter and look again
        prep = cleanup.prepare(np.ascontiguousarray(np.rot90(rgb)), turned=1)
        boxes = _detect(engine, prep.grey)
    grey, under = prep.grey, prep.under
    h, w = grey.shape
    timings["detect"] = time.monotonic() - started
    turned = prep.turned
    if _upside_down(engine, grey, boxes):
        grey = np.ascontiguousarray(grey[::-1, ::-1])
        under = tuple(np.ascontiguousarray(u[::-1, ::-1]) for u in under)
        boxes = [_flip_box(b, w, h) for b in boxes]
        turned = (turned + 2) % 4
    ink = cleanup.ink(grey)
    char_h = _char_height(boxes)
    grid = layout.find_grid(255 - grey, char_h)
    boxes = boxes + _missed_lines(ink, boxes, grid, char_h)
    if header_only:
        limit = _header_limit(grid, h)
        boxes = [b for b in boxes if (b[1] + b[3]) / 2 < limit]
    parts = [p for b in _join_fragments(boxes, char_h) for p in layout.split_box(b, _cuts(b, grid, ()))]
    pieces, complete = _recognise(engine, grey, parts, time.process_time() + budget_s)
    for other in under:
        pieces = _under_seal(engine, grey, other, pieces)
    if not header_only and complete:
        pieces = _with_checkboxes(engine, grey, ink, char_h, grid, pieces)
    timings["read"] = time.monotonic() - started - timings["detect"]
    upright = prep.rgb if turned == prep.turned else np.ascontiguousarray(prep.rgb[::-1, ::-1])
    seal_text = _seal_text(engine, upright) if verdict == "seal" and not header_only else ""
    return PageScan(
        index,
        (w, h),
        tuple(pieces),
        grid.cells if grid else (),
        grid.columns if grid else 0,
        verdict,
        seal_text,
        turned,
        prep.angle,
        header_only,
        complete,
        timings,
    )


def _under_seal(engine: Engine, grey: np.ndarray, under: np.ndarray, pieces: list[Piece]) -> list[Piece]:
    """Lines a seal lies on read again with the text under opaque ink brought back (cleanup.lift_red
    under=); the reading the recogniser is surer of stands.  A stamp the text shows through reads best
    wiped, an electronic seal laid over the text reads best brought back: the page cannot tell which."""
    differs = np.abs(grey.astype(np.int16) - under.astype(np.int16)) > 60
    touched = [
        i for i, p in enumerate(pieces) if differs[p.box[1] : p.box[3], p.box[0] : p.box[2]].sum() >= 2 * p.h
    ]
    if not touched:
        return pieces
    again = engine.recognise([_rgb(_crop(under, _padded(pieces[i].box, under.shape))) for i in touched])
    out = list(pieces)
    for i, line in zip(touched, again, strict=True):
        text = layout.tidy(line.text)
        # bringing hidden strokes back adds characters; a reading with fewer has merged the seal's own
        # strokes into the text
        if len(text) >= len(out[i].text) and line.confidence > out[i].confidence:
            out[i] = Piece(text, round(line.confidence, 4), out[i].box)
    return out


def _choice_areas(grid: Grid | None, pieces: Sequence[Piece]) -> list[tuple[int, int, int, int]]:
    """Where option lists are: cells (or, without a table, lines) whose text names an option."""
    if grid is None:
        return [p.box for p in pieces if marks.names_option(p.text)]
    texts: dict[Cell, str] = {}
    for p in pieces:
        cell = grid.cell_at(p.cx, p.cy)
        if cell is not None:
            texts[cell] = texts.get(cell, "") + p.text
    return [c.box for c, t in texts.items() if marks.names_option(t) and not marks.is_choice_label(t)]


def _inside(box: tuple[int, int, int, int], area: tuple[int, int, int, int]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def _with_checkboxes(
    engine: Engine, grey: np.ndarray, ink: np.ndarray, char_h: float, grid: Grid | None, pieces: list[Piece]
) -> list[Piece]:
    """Checkboxes in the option lists judged by their ink; the lines holding them read again with the
    box cut out (the recogniser's 口 / 回 for a box would otherwise stay in the text)."""
    areas = _choice_areas(grid, pieces)
    candidates = [m for m in _marks_in(areas, grey, ink, char_h) if any(_inside(m.box, a) for a in areas)]
    if not candidates:
        return pieces
    # A box-shaped character (国, 回) is not a box: a box is followed by an option's name.
    regions = [_right_of(m.box, char_h, grey.shape[1]) for m in candidates]
    after = engine.recognise([_rgb(_crop(grey, r)) for r in regions])
    boxes = [m for m, line in zip(candidates, after, strict=False) if marks.option_follows(line.text)]
    # "项目 ☑自筹…": the 目 before a box also has an option after it; the box is the one next to it.
    boxes = [m for m in boxes if not any(_just_before(m, o, char_h) for o in boxes if o is not m)]
    # An option detection missed ("☑否" alone at a line's end): what was read right of the box is it.
    missed = [
        Piece(layout.tidy(line.text), round(line.confidence, 4), r)
        for m, line, r in zip(candidates, after, regions, strict=False)
        if m in boxes and not any(_covers(p.box, r, char_h) for p in pieces)
    ]
    pieces = pieces + missed
    if not boxes:
        return pieces
    keep: list[tuple[Piece, list[tuple[int, int]]]] = []
    redo: list[tuple[Piece, list[tuple[int, int]]]] = []
    for p in pieces:
        cuts = _cuts(p.box, None, boxes)
        (redo if cuts else keep).append((p, cuts))
    parts = [q for p, cuts in redo for q in layout.split_box(p.box, cuts, 0.3)]
    # A short piece right after a box ("否" cut tight) reads worse than the wider look already taken
    # right of the box: when that look names an option and covers the piece, it is the reading.
    readings = {m.box: (line, r) for m, line, r in zip(candidates, after, regions, strict=True)}
    known = {q: _reading_after(q, boxes, readings) for q in parts}
    unboxed = grey.copy()
    for m in boxes:
        x0, y0, x1, y1 = m.box
        unboxed[y0 : y1 + 1, x0 : x1 + 1] = 255
    again, _ = _recognise(engine, unboxed, [q for q in parts if known[q] is None], float("inf"))
    taken = [k for k in known.values() if k is not None]
    return [p for p, _ in keep] + again + taken + [Piece(m.glyph, m.certainty, m.box, "mark") for m in boxes]


def _marks_in(
    areas: Sequence[tuple[int, int, int, int]], grey: np.ndarray, ink: np.ndarray, char_h: float
) -> list[marks.Mark]:
    """Checkboxes in the part of the page the option lists take up (looking at the whole page costs a
    tenth of a second for nothing), in page pixels."""
    if not areas:
        return []
    h, w = ink.shape
    pad = int(char_h)
    x0, y0 = max(0, min(a[0] for a in areas) - pad), max(0, min(a[1] for a in areas) - pad)
    x1, y1 = min(w, max(a[2] for a in areas) + pad), min(h, max(a[3] for a in areas) + pad)
    light = cleanup.ink(grey[y0:y1, x0:x1], cleanup.RULE_LEVEL)
    found = marks.find_marks(ink[y0:y1, x0:x1], char_h, light)
    return [replace(m, box=(m.box[0] + x0, m.box[1] + y0, m.box[2] + x0, m.box[3] + y0)) for m in found]


def _reading_after(
    part: tuple[int, int, int, int], boxes: Sequence[marks.Mark], readings: dict[Any, Any]
) -> Piece | None:
    for m in boxes:
        line, region = readings[m.box]
        overlap = min(m.box[3], part[3]) - max(m.box[1], part[1])
        beside = overlap > 0 and 0 <= part[0] - m.box[2] <= 6 and part[2] <= region[2]
        if beside and marks.option_follows(line.text):
            return Piece(layout.tidy(line.text), round(line.confidence, 4), region)
    return None


def _covers(box: tuple[int, int, int, int], region: tuple[int, int, int, int], char_h: float) -> bool:
    """Does a text box already hold the start of a region (its first character)?"""
    overlap = min(box[3], region[3]) - max(box[1], region[1])
    return overlap > 0.4 * (region[3] - region[1]) and box[0] <= region[0] + char_h * 0.5 < box[2]


def _just_before(m: marks.Mark, other: marks.Mark, char_h: float) -> bool:
    overlap = min(m.box[3], other.box[3]) - max(m.box[1], other.box[1])
    return overlap > 0 and 0 <= other.box[0] - m.box[2] < 0.8 * char_h


def _right_of(box: tuple[int, int, int, int], char_h: float, width: int) -> tuple[int, int, int, int]:
    _x0, y0, x1, y1 = box
    pad = int(char_h * 0.25)
    return (x1 + 1, max(0, y0 - pad), min(width, x1 + int(char_h * 3.2)), y1 + pad)


def _recognise(
    engine: Engine, grey: np.ndarray, parts: Sequence[tuple[int, int, int, int]], deadline: float
) -> tuple[list[Piece], bool]:
    pieces: list[Piece] = []
    reach = _apart(parts)
    for start in range(0, len(parts), _BATCH):
        if time.process_time() > deadline:
            return pieces, False
        chunk = parts[start : start + _BATCH]
        crops = [_rgb(_crop(grey, _padded(b, grey.shape))) for b in reach[start : start + _BATCH]]
        for box, line in zip(chunk, engine.recognise(crops), strict=False):
            text = layout.tidy(line.text)
            if text and line.confidence >= MIN_CONFIDENCE:
                pieces.append(Piece(text, round(line.confidence, 4), box))
    return pieces, True


def _apart(boxes: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """What to crop for each line: its box, stopped halfway into the box of the line above or below
    where the two overlap.  Detection pads a line by about a third of its height, so the lines of a
    cell's wrapped text share rows of pixels, and the other line's strokes at the crop's edge push
    the recogniser off ("汉）" at the end of a wrapped unit's name read as "汉")."""
    if not boxes:
        return []
    b = np.asarray(boxes, np.int64)
    x0, y0, x1, y1 = (b[:, i : i + 1] for i in range(4))
    h = y1 - y0
    across = (np.minimum(x1, x1.T) - np.maximum(x0, x0.T)) > 0
    shared = np.minimum(y1, y1.T) - np.maximum(y0, y0.T)
    # overlapping a little: another line; overlapping by half a line or more: the same line
    other = across & (shared > 0) & (shared < 0.5 * np.minimum(h, h.T))
    above = other & (y0 > y0.T)  # the other box starts higher
    below = other & (y0 < y0.T)
    tops = np.where(above, (y0 + y1.T) // 2, y0).max(axis=1)
    bottoms = np.where(below, (y1 + y0.T + 1) // 2, y1).min(axis=1)
    return [(int(a), int(t), int(c), int(d)) for (a, _, c, _), t, d in zip(b, tops, bottoms, strict=True)]


def _padded(box: tuple[int, int, int, int], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A little paper around a piece: the recogniser misreads a character touching the crop's edge."""
    pad = max(2, (box[3] - box[1]) // 6)
    return (max(0, box[0] - pad), box[1], min(shape[1], box[2] + pad), box[3])


def _widened(crop: np.ndarray) -> np.ndarray:
    """One or two characters alone are misread when the crop is barely wider than high (the recogniser
    stretches it): paper is added after them up to three times the height."""
    h, w = crop.shape[:2]
    if w >= 2 * h:
        return crop
    return np.pad(crop, ((0, 0), (0, 3 * h - w)), constant_values=255)


def _seal_text(engine: Engine, page: np.ndarray) -> str:
    """The unit's name along the seal's upper arc (on the upright page), when the recogniser is sure."""
    verdict, box = scan_seal.judge_page(page)
    if verdict != "seal" or box is None:
        return ""
    line = engine.recognise([scan_seal.seal_region(page, box)])[0]
    return line.text if line.confidence >= SEAL_TEXT_MIN_CONF else ""
