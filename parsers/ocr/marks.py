"""Checkboxes on a scanned page, judged by the ink inside them.

The recogniser reads an empty box □ as the character 口 and a ticked one ☑ as 回, 团, 囗 or nothing at
all, so the glyph it returns cannot decide a choice.  The image can: a box is a square outline about
one character high; the share of ink inside its inner part tells empty (paper), ticked (a stroke
across) and filled (■).  Marks found here become ☐ / ☑ tokens in the cell's text, which the shared
choice reader (parsers.choices) interprets like any Word or PDF cell.

`unconfuse` is the text-side fallback for boxes the image test missed (a pen tick running out of the
box makes it no longer square): OCR's stand-ins for a box directly before an option label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from core.schema import CE_BASE_OPTIONS, FUNDING_OPTIONS, SCOPE_OPTIONS
from parsers import checkbox

__all__ = ["Mark", "find_marks", "unconfuse"]

SIDE_COVER = 0.75  # share of each side of the outline that must be inked
EMPTY_BELOW = 0.05  # ink share of the inner part: below → empty box
FILLED_ABOVE = 0.6  # above → a filled square ■
# Straight strokes at least this share of a character long are a box's sides: a pen tick's steep stroke
# outlasts the shorter kernel at some slants and joins the box; the longer one cuts a small box's side.
STRAIGHT_KERNELS = (0.45, 0.6)


@dataclass(frozen=True)
class Mark:
    """A checkbox: its box in page pixels (x0, y0, x1, y1), whether ticked, and how sure (0..1)."""

    box: tuple[int, int, int, int]
    checked: bool
    certainty: float
    ink: float  # share of the inner part inked

    @property
    def glyph(self) -> str:
        return checkbox.CHECKED_MARK if self.checked else checkbox.UNCHECKED_MARK


def _sides_inked(comp: np.ndarray) -> bool:
    h, w = comp.shape
    t = max(1, round(min(h, w) * 0.18))
    top = comp[:t].any(axis=0).mean()
    bottom = comp[-t:].any(axis=0).mean()
    left = comp[:, :t].any(axis=1).mean()
    right = comp[:, -t:].any(axis=1).mean()
    return bool(min(top, bottom, left, right) >= SIDE_COVER)


def _wall_to_wall(comp: np.ndarray) -> bool:
    """Does a straight stroke inside the outline run from one side to the opposite one, as in 目, 日,
    田?  A tick or a cross runs at a slant, a filled box is caught before; a box is empty otherwise."""
    h, w = comp.shape
    t = max(1, round(min(h, w) * 0.22))
    return _spans(comp[t : h - t, :], w - 2 * t) or _spans(comp[:, t : w - t].T, h - 2 * t)


def _spans(lines: np.ndarray, length: int) -> bool:
    """Does any line (row of `lines`) hold an unbroken run of ink at least `length` long?"""
    for line in lines:
        run = best = 0
        for on in line:
            run = run + 1 if on else 0
            best = max(best, run)
        if best >= length:
            return True
    return False


def _judge(inner: float) -> tuple[bool, float]:
    """(checked, certainty) from the inner ink share: certainty falls near the threshold."""
    if inner < EMPTY_BELOW:
        return False, float(min(1.0, 0.6 + 0.4 * (EMPTY_BELOW - inner) / EMPTY_BELOW))
    return True, float(min(1.0, 0.6 + 0.4 * (inner - EMPTY_BELOW) / 0.15))


def find_marks(ink: np.ndarray, char_h: float, light: np.ndarray | None = None) -> list[Mark]:
    """Square outlines about one character high (0.45–1.2 × char_h) on an ink mask (uint8 0/255).

    `light`: the page's ink taken at a lighter level.  A box printed in a thin line and photographed
    reads light grey and breaks apart in `ink`; in `light` it is whole.  A pen tick that runs out of
    its box joins the box into a shape that is no longer square; the box's straight sides alone
    (`light` opened along each direction) are.  The ink inside is always judged on `ink`."""
    masks: list[tuple[np.ndarray, np.ndarray | None]] = [(ink, None)]
    if light is not None:
        masks += [(light, light)] + [(_straight(light, char_h, k), light) for k in STRAIGHT_KERNELS]
    out: list[Mark] = []
    for mask, strokes in masks:
        for m in _outlines(mask, ink, char_h, strokes):
            if not any(_overlap(m.box, o.box) for o in out):
                out.append(m)
    return out


def _straight(mask: np.ndarray, char_h: float, share: float) -> np.ndarray:
    """Only the straight horizontal and vertical strokes of a mask, at least `share` of a character long."""
    k = max(5, int(char_h * share))
    hor = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, k), np.uint8))
    ver = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((k, 1), np.uint8))
    return cv2.bitwise_or(hor, ver)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _sides_only(comp: np.ndarray, x: int, y: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of a shape cut to its outermost well-inked rows and columns: the sides of a box,
    without the end of a pen tick standing out past them."""
    rows = np.flatnonzero(comp.mean(axis=1) >= 0.6)
    cols = np.flatnonzero(comp.mean(axis=0) >= 0.6)
    if len(rows) < 2 or len(cols) < 2:
        return x, y, comp.shape[1], comp.shape[0]
    return x + int(cols[0]), y + int(rows[0]), int(cols[-1] - cols[0]) + 1, int(rows[-1] - rows[0]) + 1


def _outlines(mask: np.ndarray, ink: np.ndarray, char_h: float, strokes: np.ndarray | None) -> list[Mark]:
    """Square outlines among the components of `mask`.  `strokes`: the light mask the outline was found
    from.  A character dense there (是 blurred into a blob) is no box; whether a stroke runs from wall
    to wall is asked of the page's ink (the straight-sides mask drops 日's short middle stroke and keeps
    the flat foot of a pen tick)."""
    lo, hi = 0.45 * char_h, 1.2 * char_h
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if strokes is not None and lo <= w <= 1.5 * hi and lo <= h <= 1.5 * hi:
            x, y, w, h = _sides_only(labels[y : y + h, x : x + w] == i, x, y)
        if not (lo <= w <= hi and lo <= h <= hi and 0.85 <= w / h <= 1.18):
            continue
        comp = labels[y : y + h, x : x + w] == i
        area = int(comp.sum())
        if not _sides_inked(comp):
            continue
        if strokes is not None:
            seen = strokes[y : y + h, x : x + w] > 0
            t = max(2, round(min(w, h) * 0.25))
            if seen[t:-t, t:-t].mean() >= FILLED_ABOVE:
                continue
            comp = ink[y : y + h, x : x + w] > 0  # what is inside, as the page's ink shows it
        m = max(2, round(min(w, h) * 0.25))
        inner_ink = ink[y + m : y + h - m, x + m : x + w - m] > 0
        if inner_ink.size == 0:
            continue
        share = float(inner_ink.mean())
        if share > 0.92 and area > 0.85 * w * h:
            checked, sure = True, 1.0  # a solid ■
        elif share >= FILLED_ABOVE and area < 0.5 * w * h:
            continue  # an outline around dense ink that is not its own: a character such as 回 or 目
        elif share < FILLED_ABOVE and _wall_to_wall(comp):
            continue  # a stroke joining opposite sides: a character drawn as a box (目 日 田 曰)
        else:
            checked, sure = _judge(share)
        out.append(Mark((x, y, x + w, y + h), checked, round(sure, 3), round(share, 3)))
    return out


def _option_labels() -> list[str]:
    return sorted(
        {
            lab
            for opts in (FUNDING_OPTIONS, SCOPE_OPTIONS, CE_BASE_OPTIONS)
            for o in opts
            for lab in o.labels
            if "_" not in lab
        }
        | {"是第"},
        key=len,
        reverse=True,
    )


_EMPTY_STANDINS = "口囗☐□"
_TICKED_STANDINS = "回团図囚国凹☑☒区"
_BEFORE_OPTION = re.compile(
    rf"([{_EMPTY_STANDINS}{_TICKED_STANDINS}])\s*(?=(?:{'|'.join(re.escape(label) for label in _option_labels())}))"
)


def unconfuse(text: str) -> str:
    """OCR's stand-ins for a box directly before an option label (口 → ☐, 回 团 … → ☑)."""

    def swap(m: re.Match[str]) -> str:
        return checkbox.UNCHECKED_MARK if m.group(1) in _EMPTY_STANDINS else checkbox.CHECKED_MARK

    return _BEFORE_OPTION.sub(swap, text)


def option_follows(text: str) -> bool:
    """Does an option label start this text (after spaces)?  A box-shaped 口 elsewhere is a character."""
    t = text.lstrip(" \u3000")
    return any(t.startswith(label[:2]) for label in _OPTION_STARTS)


_OPTION_STARTS = _option_labels()
_NAMING = re.compile("|".join(re.escape(label[:4]) for label in _OPTION_STARTS if len(label) >= 4))
_CHOICE_LABELS = ("申报项目类别", "是否符合选题范围", "是否继续教育基地", "继续教育基地")


def names_option(text: str) -> bool:
    """Does the text name one of the options (财政资助…, 服务国家战略…, …继续教育基地)?"""
    return bool(_NAMING.search(re.sub(r"\s+", "", text)))


def is_choice_label(text: str) -> bool:
    """A choice field's label cell (its own words name options too: 是否继续教育基地)."""
    t = re.sub(r"[\s(（）)]+|仅单选", "", text)
    return t in _CHOICE_LABELS
