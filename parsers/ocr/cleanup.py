"""A scanned page made ready for reading: red ink lifted, background flattened, turned and straightened.

- Red seal ink is bright in the red channel while black (and blue) ink stays dark there, so the red
  channel *is* the page without its seal: the text under a stamp survives.  The red mask is kept for
  the seal check.
- A grey, yellowed or shadowed background is divided out (an estimate of the paper from a max-filter
  of the page), which also lifts JPEG ringing around characters into the white.
- Which way up the page is (0/90/180/270) is left to the reader (parsers.ocr.read): the detector's
  boxes tell text lying on its side, the recogniser tells text standing on its head.
- A curled page (a photo of a sheet not lying flat): the table's long rules bow; the bend of each
  beyond a straight line is measured and taken out, column by column, before anything else.
- Skew up to a few degrees (up to 15° on a photo held at a slant) and a phone photo's keystone: the
  table's outer border is found and warped to a rectangle; without a border, the angle that makes text
  rows sharpest is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from parsers.seal import red_mask

__all__ = [
    "Prepared",
    "flatten",
    "ink",
    "lift_red",
    "prepare",
    "skew_angle",
    "straighten",
]

MAX_SKEW = 5.0  # degrees: a scan
MAX_PHOTO_SKEW = 15.0  # degrees: a photo taken at a slant, looked for only when the rows lie beyond MAX_SKEW
# A photo's keystone that is still straightened: opposite sides of the table's border within this share
# of each other, every corner within this many degrees of a right angle, no edge slanted more.
KEYSTONE_SIDES, KEYSTONE_CORNER, KEYSTONE_TILT = 0.2, 12.0, 12.0
# share of the picture a table's border encloses: a first page's table, a continuation page's short one
TABLE_AREA, SHORT_TABLE_AREA = 0.15, 0.08
RULE_SIDE_INK = 0.45  # share of a rule's length with ink a few pixels beside it (text along a border)
INK_LEVEL = 150  # flattened grey below this is ink
RULE_LEVEL = 200  # a table rule is one pixel wide: blurred by a lens or JPEG it is light grey, still a rule
LINE_LEVEL = 225  # the table's border for straightening: a long straight line, however faint


@dataclass(frozen=True)
class Prepared:
    """One page ready for reading: grey (uint8, red lifted, background flat) and its RGB twin, both
    turned and straightened the same way."""

    grey: np.ndarray
    rgb: np.ndarray
    turned: int  # quarter turns applied (np.rot90 k)
    angle: float  # degrees of skew corrected
    warped: bool  # the table border was warped to a rectangle
    # the same page with text under opaque red ink brought back (lift_red under=1, 2): other readings
    # for the lines a seal lies on
    under: tuple[np.ndarray, ...] = ()


UNDER_MARGIN = 6  # luma levels a seal's own ink varies by (uneven pressure, JPEG)
UNDER_SPAN = 16  # ... and how much darker than the ink around it a stroke under the ink reads full black
UNDER_RIMS = (1, 2)  # pixels of the ink's edge not looked under: a crisp scan's, a photo's


def lift_red(rgb: np.ndarray, *, under: int = 0) -> np.ndarray:
    """The page as grey with the red ink gone.

    The red channel is the page without its seal: red ink is bright there, black and blue ink dark, so
    the text under a stamp (ink that multiplies with the paper) stays black; the pixels of red ink are
    set to paper outright (a seal's pale red would still read as faint characters).

    `under` (pixels, > 0): the reading for a seal that hides the text instead — an electronic seal
    image laid over the text and printed, a stamp pressed very hard — where only a few percent of each
    stroke shows through, as ink a little darker than the ink around it.  That darkness is stretched
    (UNDER_SPAN levels below the ink's own level read as full black) instead of wiped, except within
    `under` pixels of the ink's edge, where JPEG's halved colour resolution and a lens's blur darken
    the ink a little too (a stroke that shows black still counts there).  Which reading holds a line
    best, the recogniser's confidence decides (parsers.ocr.read)."""
    grey = rgb[:, :, 0].astype(np.float32)
    mask = red_mask(rgb)
    if not mask.any():
        return grey.astype(np.uint8)
    if not under:
        grey[mask] = 255.0
        return grey.astype(np.uint8)
    # the drop below the ink is measured in luma: JPEG keeps it at full resolution (colour at half)
    luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    inked = mask.astype(np.float32)
    k = (max(9, grey.shape[1] // 40) | 1,) * 2  # about a character: the ink's level nearby
    level = cv2.boxFilter(luma * inked, -1, k) / np.maximum(cv2.boxFilter(inked, -1, k), 1e-3)
    drop = level - luma
    dark = np.clip((drop - UNDER_MARGIN) / UNDER_SPAN, 0.0, 1.0)
    edge = np.ones((2 * under + 1, 2 * under + 1), np.uint8)
    rim = mask & ~cv2.erode(mask.astype(np.uint8), edge).astype(bool)
    dark[rim & (drop < UNDER_MARGIN + 2 * UNDER_SPAN)] = 0.0
    grey[mask] = 255.0 * (1.0 - dark[mask])
    return grey.astype(np.uint8)


def flatten(grey: np.ndarray) -> np.ndarray:
    """Divide out the paper: a grey or coloured background, uneven light, JPEG haze around strokes."""
    h, w = grey.shape
    small = cv2.resize(grey, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    k = max(5, (min(small.shape) // 25) | 1)
    paper = cv2.dilate(small, np.ones((k, k), np.uint8))  # text is thinner than k: the max is paper
    paper = cv2.medianBlur(paper, k if k <= 255 else 255)
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
    out = grey.astype(np.float32) * 255.0 / np.maximum(paper.astype(np.float32), 1.0)
    return np.clip(out, 0, 255).astype(np.uint8)


def ink(flat: np.ndarray, level: int = INK_LEVEL) -> np.ndarray:
    """Ink pixels (uint8 0/255) of a flattened page."""
    return np.where(flat < level, 255, 0).astype(np.uint8)


def _small(mask: np.ndarray, width: int = 600) -> np.ndarray:
    f = width / mask.shape[1]
    if f >= 1:
        return mask
    return cv2.resize(mask, (width, max(1, int(mask.shape[0] * f))), interpolation=cv2.INTER_AREA)


def _row_sharpness(mask: np.ndarray, angle: float) -> float:
    h, w = mask.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_NEAREST)
    prof = rot.sum(axis=1).astype(np.float64)
    return float((prof**2).sum())


def skew_angle(mask: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise positive as cv2) that levels the text rows, |a| <= 5
    (<= 15 when the rows lie beyond 5°: a photo held at a slant)."""
    small = _small(mask, 800)
    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=lambda a: _row_sharpness(small, float(a)))
    if abs(best) >= MAX_SKEW:  # a photo held at a slant: the rows may lie further round
        best = max(
            np.arange(-MAX_PHOTO_SKEW, MAX_PHOTO_SKEW + 0.01, 0.5),
            key=lambda a: _row_sharpness(small, float(a)),
        )
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    return round(float(max(fine, key=lambda a: _row_sharpness(small, float(a)))), 2)


def _rotate(img: np.ndarray, angle: float, paper: int = 255) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(paper, paper, paper))


def _long_lines(mask: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Near-horizontal and near-vertical long straight lines (x0, y0, x1, y1), off the image's edges
    (a photo's page border is not the table's)."""
    h, w = mask.shape
    found = cv2.HoughLinesP(
        mask, 1, np.pi / 720, threshold=150, minLineLength=int(min(h, w) * 0.2), maxLineGap=12
    )
    hor, ver = [], []
    for x0, y0, x1, y1 in found.reshape(-1, 4).astype(np.float64) if found is not None else ():
        edge = (
            min(x0, x1) < 0.03 * w
            or max(x0, x1) > 0.97 * w
            or min(y0, y1) < 0.03 * h
            or max(y0, y1) > 0.97 * h
        )
        if edge or not _thin(mask, (x0, y0, x1, y1)):
            continue
        if abs(y1 - y0) < 0.15 * abs(x1 - x0):
            hor.append(np.array([x0, y0, x1, y1], np.float64))
        elif abs(x1 - x0) < 0.15 * abs(y1 - y0):
            ver.append(np.array([x0, y0, x1, y1], np.float64))
    return hor, ver


def _thin(mask: np.ndarray, seg: tuple[float, float, float, float]) -> bool:
    """Is a long straight line a rule, with paper a few pixels to either side of it?  A row of text is
    a long line too (its characters' strokes line up), but it is as inky beside the line as on it."""
    h, w = mask.shape
    x0, y0, x1, y1 = seg
    across = np.array([-(y1 - y0), x1 - x0]) / (float(np.hypot(x1 - x0, y1 - y0)) or 1.0)
    t = np.linspace(0.0, 1.0, 200)[:, None]
    points = np.array([x0, y0]) + t * np.array([x1 - x0, y1 - y0])
    off = max(5, min(h, w) // 180)  # about 7 px on an A4 page at 150 dpi: inside a character, off a rule

    def inked(shift: float, reach: int) -> float:
        pts = points + shift * across
        hits = np.zeros(len(pts), bool)
        for d in range(-reach, reach + 1):
            xs = np.clip(np.rint(pts[:, 0] + d * across[0]).astype(int), 0, w - 1)
            ys = np.clip(np.rint(pts[:, 1] + d * across[1]).astype(int), 0, h - 1)
            hits |= mask[ys, xs] > 0
        return float(hits.mean())

    beside = max(inked(off, 1), inked(-off, 1))
    return inked(0, 2) >= 0.5 and beside <= RULE_SIDE_INK


def _meet(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Where the lines through two segments cross."""
    p, r = a[:2], a[2:] - a[:2]
    q, s = b[:2], b[2:] - b[:2]
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-9:
        return None
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / den
    meet: np.ndarray = p + t * r
    return meet


def _whole(line: np.ndarray, lines: Sequence[np.ndarray]) -> np.ndarray:
    """A rule found in pieces: the segment from the first to the last piece lying on its line."""
    (x0, y0, x1, y1) = line
    length = float(np.hypot(x1 - x0, y1 - y0)) or 1.0

    def off(x: float, y: float) -> float:
        return float(abs((x1 - x0) * (y0 - y) - (x0 - x) * (y1 - y0))) / length

    xs = [line[0], line[2]]
    for seg in lines:
        if off(seg[0], seg[1]) < 8 and off(seg[2], seg[3]) < 8:
            xs += [seg[0], seg[2]]
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    a, b = min(xs), max(xs)
    return np.array([a, y0 + slope * (a - x0), b, y0 + slope * (b - x0)])


def table_quad(mask: np.ndarray) -> np.ndarray | None:
    """The four corners of the table's outer border: its top and bottom rules (the outermost long
    horizontal lines), closed by the vertical rules that start at their ends."""
    h, w = mask.shape
    hor, ver = _long_lines(mask)
    if len(hor) < 2:
        return None
    longest = max(abs(seg[2] - seg[0]) for seg in hor)
    hor = [seg for seg in hor if abs(seg[2] - seg[0]) >= 0.6 * longest]
    top = _whole(min(hor, key=lambda seg: seg[1] + seg[3]), hor)
    bottom = _whole(max(hor, key=lambda seg: seg[1] + seg[3]), hor)
    if (bottom[1] + bottom[3]) - (top[1] + top[3]) < 0.3 * h:
        return None

    # The side borders: the outermost long verticals spanning most of the table's height.
    span = 0.6 * abs(((bottom[1] + bottom[3]) - (top[1] + top[3])) / 2)
    sides = sorted((v for v in ver if abs(v[3] - v[1]) >= span), key=lambda v: v[0] + v[2])

    def end(line: np.ndarray, right: bool) -> np.ndarray:
        x, y = (line[2], line[3]) if (line[2] > line[0]) == right else (line[0], line[1])
        side = (sides[-1] if right else sides[0]) if sides else None
        meet = _meet(line, side) if side is not None else None
        return meet if meet is not None else np.array([x, y])

    quad = np.array([end(top, False), end(top, True), end(bottom, True), end(bottom, False)], np.float32)
    area = cv2.contourArea(quad)
    # A table filling less of the picture (a continuation page's short table) counts only when both its
    # side borders were found: rows of text are long lines too, and they have no sides.
    framed = len(sides) >= 2 and abs(sides[-1][0] - sides[0][0]) >= 0.5 * abs(top[2] - top[0])
    big_enough = area >= TABLE_AREA * h * w or (area >= SHORT_TABLE_AREA * h * w and framed)
    return quad if big_enough and _nearly_square(quad) else None


def _nearly_square(quad: np.ndarray) -> bool:
    """A keystone a phone makes: opposite sides within KEYSTONE_SIDES of each other and every corner
    within KEYSTONE_CORNER of a right angle.  Anything else means the rules were misread, and warping
    would wreck the page."""
    tl, tr, br, bl = quad
    top, bottom = np.linalg.norm(tr - tl), np.linalg.norm(br - bl)
    left, right = np.linalg.norm(bl - tl), np.linalg.norm(br - tr)
    if abs(top - bottom) > KEYSTONE_SIDES * max(top, bottom) or abs(left - right) > KEYSTONE_SIDES * max(
        left, right
    ):
        return False
    for a, b, c in ((bl, tl, tr), (tl, tr, br), (tr, br, bl), (br, bl, tl)):
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if abs(cos) > np.sin(np.radians(KEYSTONE_CORNER)):
            return False
    return True


def _tilt(quad: np.ndarray) -> float:
    """How far the border is from a rectangle (degrees): the largest angle of its top and bottom edges
    from the horizontal and of its sides from the vertical (a photo from below slants the sides)."""
    (tl, tr, br, bl) = quad
    a = np.degrees(np.arctan2(tr[1] - tl[1], tr[0] - tl[0]))
    b = np.degrees(np.arctan2(br[1] - bl[1], br[0] - bl[0]))
    c = np.degrees(np.arctan2(bl[0] - tl[0], bl[1] - tl[1]))
    d = np.degrees(np.arctan2(br[0] - tr[0], br[1] - tr[1]))
    return float(max(abs(a), abs(b), abs(c), abs(d)))


def _warp_quad(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Warp so the quad becomes an axis-parallel rectangle of its mean size; the rest of the page
    follows the same transform (the header lines above the table stay on the page)."""
    (tl, tr, br, bl) = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    x0, y0 = float(tl[0] + bl[0]) / 2, float(tl[1] + tr[1]) / 2
    target = np.array([[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]], np.float32)
    m = cv2.getPerspectiveTransform(quad, target)
    h, w = img.shape[:2]
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


BOW_MIN = 3.0  # pixels: rules bowed less than this (the median rule) are straight enough to be left alone
BOW_RULE_WIDTH = 0.4  # share of the page's width a rule runs: the table's, not an underline or a stroke


def _rule_curves(mask: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(xs, ys) along each long horizontal rule, following it where it bows (a curled page): the ink
    of long, thin horizontal runs, one connected component a rule."""
    h, w = mask.shape
    # a thin rule running at a slant is a staircase of short runs: thickened first, so a run as long
    # as the opening's kernel still fits in it where it bends most
    thick = cv2.dilate(mask, np.ones((5, 1), np.uint8))
    runs = cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((1, max(15, w // 60)), np.uint8))
    runs = cv2.morphologyEx(runs, cv2.MORPH_CLOSE, np.ones((3, max(5, w // 100)), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        if cw < BOW_RULE_WIDTH * w or ch > 0.12 * h or area > 12 * cw:  # thin: a few pixels per column
            continue
        comp = labels[y : y + ch, x : x + cw] == i
        cols = comp.any(axis=0)
        if cols.mean() < 0.7:
            continue
        rows = np.arange(ch, dtype=np.float64)[:, None]
        ys = (comp * rows).sum(axis=0)[cols] / comp.sum(axis=0)[cols] + y
        out.append((np.nonzero(cols)[0].astype(np.float64) + x, ys))
    return out


def bow_map(mask: np.ndarray) -> np.ndarray | None:
    """How far each column of the page is pushed up or down by a curl (a page not lying flat under
    the phone): measured on the table's long horizontal rules as the bend of each one beyond a
    straight line (what a keystone or skew does), interpolated between rules down the page and held
    above the first and below the last.  An (h, w) float32 map of source y minus target y; None when
    the rules are straight within BOW_MIN."""
    h, w = mask.shape
    curves = []
    for xs, ys in _rule_curves(mask):
        line = np.polyfit(xs, ys, 1)
        bend = np.polyval(np.polyfit(xs, ys, 3), xs) - np.polyval(line, xs)
        curves.append((xs, ys, bend))
    # a curl bends the rules alike; one rule bent by a speck or a letter touching it is not a curl
    if len(curves) < 3 or float(np.median([np.abs(b).max() for _, _, b in curves])) < BOW_MIN:
        return None
    step = 8
    grid_x = np.arange(0, w + step, step, dtype=np.float64)
    # each rule's bend and height at every sampled column (held past its ends)
    bends = np.array([np.interp(grid_x, xs, b) for xs, _, b in curves])
    heights = np.array([np.interp(grid_x, xs, ys) for xs, ys, _ in curves])
    ys_all = np.arange(h, dtype=np.float64)
    coarse = np.empty((h, len(grid_x)), np.float32)
    straight = heights - bends  # where each rule will lie
    for j in range(len(grid_x)):
        order = np.argsort(straight[:, j])
        coarse[:, j] = np.interp(ys_all, straight[order, j], bends[order, j])
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)


def uncurl(img: np.ndarray, bow: np.ndarray) -> np.ndarray:
    """The page with a curl's bow taken out (bow_map)."""
    h, w = bow.shape
    map_x = np.broadcast_to(np.arange(w, dtype=np.float32)[None, :], (h, w))
    map_y = np.arange(h, dtype=np.float32)[:, None] + bow
    paper = (255, 255, 255)
    return cv2.remap(img, np.ascontiguousarray(map_x), map_y, cv2.INTER_LINEAR, borderValue=paper)


def straighten(images: Sequence[np.ndarray], grey: np.ndarray) -> tuple[list[np.ndarray], float, bool]:
    """(images, angle, warped): a curl's bow taken out (bow_map), text rows levelled (measured on the
    ink of `grey`, the flattened first image), then a table border still not square (a photo's keystone) warped to a rectangle; every image
    alike.  The border is looked for at LINE_LEVEL: a photo's thin rules can be barely darker than paper."""
    out = list(images)
    bow = bow_map(ink(grey, LINE_LEVEL))
    if bow is not None:
        out, grey = [uncurl(img, bow) for img in out], uncurl(grey, bow)
    angle = skew_angle(ink(grey, RULE_LEVEL))
    if abs(angle) >= 0.15:
        out, grey = [_rotate(img, angle) for img in out], _rotate(grey, angle)
    else:
        angle = 0.0
    quad = table_quad(ink(grey, LINE_LEVEL))
    if quad is not None and 0.15 < _tilt(quad) <= KEYSTONE_TILT:
        return [_warp_quad(img, quad) for img in out], angle, True
    return out, angle, False


def prepare(rgb: np.ndarray, turned: int = 0) -> Prepared:
    """Lift red, flatten, straighten.  Which way up the page is, the reader decides (parsers.ocr.read):
    it takes a recogniser to tell text lying on its side or standing on its head.  A page with red ink
    also gets the reading that brings back text an opaque seal hides (`Prepared.under`)."""
    grey = flatten(lift_red(rgb))
    images = [grey, rgb]
    if red_mask(rgb).any():
        images += [flatten(lift_red(rgb, under=rim)) for rim in UNDER_RIMS]
    done, angle, warped = straighten(images, grey)
    return Prepared(done[0], done[1], turned, angle, warped, tuple(done[2:]))
