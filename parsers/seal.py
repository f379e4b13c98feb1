"""Red seal (公章) detection on rendered PDF pages: a hint for reviewers, never a verdict.

A page is rendered small (72 dpi), reddish pixels are masked (an RGB rule plus an HSV rule for faded,
pink or orange ink), gaps are closed, and connected blobs are kept when they look like a stamp: at least
~9 mm across, roughly as wide as high, ink lying inside an ellipse with a ring at its edge, and not a
solid block.  Red underlines, red header text (红头) and filled red shapes fail one of those tests.

Grey or black-and-white scans carry no colour at all: they give "unknown" (cannot verify), not "absent".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from core.documents import Seal

__all__ = ["Blob", "SealResult", "check_page", "detect_seal", "find_seal_blobs", "page_has_colour", "verdict"]

RENDER_DPI = 72
MIN_MM, MAX_MM = 9.0, 80.0
ASPECT_MIN, ASPECT_MAX = 0.6, 1.6
MAX_FILL = 0.62  # ink share of the bounding box: a ring with a star and text is well below a disk's 0.785
MIN_FILL = 0.04
MAX_OUTSIDE = 0.06  # ink beyond the inscribed ellipse (a square blob has its corners there)
MIN_RING = 0.18  # ink share near the edge (outer ring of the stamp)
COLOUR_CHROMA = 40  # max-min channel spread that counts as a coloured pixel
COLOUR_MIN_SHARE = 2e-4  # below this share of coloured pixels the page is grey


@dataclass(frozen=True)
class Blob:
    """A seal-like red mark: its box in pixels at `dpi` (x, y, w, h) and shape measures."""

    box: tuple[int, int, int, int]
    fill: float
    ring: float


@dataclass(frozen=True)
class SealResult:
    status: Seal
    pages: tuple[int, ...] = ()  # 1-based pages with a seal-like mark
    grey_pages: tuple[int, ...] = ()  # 1-based pages that carry no colour at all


def _red_rule(px: np.ndarray) -> np.ndarray:
    """The colour rule on N×3 int16 pixels."""
    r, g, b = px[:, 0], px[:, 1], px[:, 2]
    strong = (r > 120) & (r - g > 50) & (r - b > 50)
    hi = np.maximum(np.maximum(r, g), b)
    lo = np.minimum(np.minimum(r, g), b)
    sat_ok = (hi > 110) & ((hi - lo) * 100 > 30 * hi)  # saturation > 0.30
    # red/orange/pink hue: red channel is the maximum and green is not far above blue (orange up to ~35°)
    hue_ok = (r == hi) & ((g - b) * 100 < 60 * (hi - lo)) & ((b - g) * 100 < 60 * (hi - lo))
    mask: np.ndarray = strong | (sat_ok & hue_ok)
    return mask


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of red ink: strong red (RGB rule) or a red/orange hue with enough saturation (faded ink).

    Cheap uint8 comparisons pick the few candidates (red above 110 and above both other channels by a
    margin); the exact rule runs on those only — a page is mostly white and black."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    cand = (r > 110) & (r > g) & (r >= b) & ((r - np.minimum(g, b)) > 32)  # uint8: r > g, b so no wrap
    mask = np.zeros(rgb.shape[:2], bool)
    ys, xs = np.nonzero(cand)
    if len(ys):
        mask[ys, xs] = _red_rule(rgb[ys, xs].astype(np.int16))
    return mask


def page_has_colour(rgb: np.ndarray) -> bool:
    """Any real colour on the page (sampled every other pixel: the share is what counts)."""
    sample = rgb[::2, ::2]
    hi = sample.max(axis=2)
    lo = sample.min(axis=2)
    return float(((hi - lo) > COLOUR_CHROMA).mean()) >= COLOUR_MIN_SHARE


def _shape(comp: np.ndarray) -> tuple[float, float, float]:
    """(fill, share of ink outside the inscribed ellipse, share of ink in the edge ring)."""
    h, w = comp.shape
    ys, xs = np.nonzero(comp)
    if len(xs) == 0:
        return 0.0, 1.0, 0.0
    dy = (ys + 0.5 - h / 2) / (h / 2)
    dx = (xs + 0.5 - w / 2) / (w / 2)
    dist = np.sqrt(dx * dx + dy * dy)
    return len(xs) / (h * w), float((dist > 1.12).mean()), float(((dist > 0.78) & (dist <= 1.12)).mean())


def find_seal_blobs(rgb: np.ndarray, dpi: float = RENDER_DPI) -> list[Blob]:
    """Seal-like red blobs on one rendered page (H×W×3 uint8), largest first."""
    mask = red_mask(rgb)
    if not mask.any():
        return []
    # Work on the box around the red ink only (with room for the closing), not the whole page.
    ys, xs = np.nonzero(mask)
    y0, x0 = max(0, ys.min() - 4), max(0, xs.min() - 4)
    crop = np.pad(mask[y0 : ys.max() + 5, x0 : xs.max() + 5], 2)
    crop = ndimage.binary_closing(crop, structure=np.ones((3, 3), bool), iterations=2)[2:-2, 2:-2]
    labels, _ = ndimage.label(crop)
    px_per_mm = dpi / 25.4
    out = []
    for idx, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if min(h, w) < MIN_MM * px_per_mm or max(h, w) > MAX_MM * px_per_mm:
            continue
        if not ASPECT_MIN <= w / h <= ASPECT_MAX:
            continue
        fill, outside, ring = _shape(labels[sl] == idx)
        if MIN_FILL <= fill <= MAX_FILL and outside <= MAX_OUTSIDE and ring >= MIN_RING:
            out.append(
                Blob(
                    (int(x0 + sl[1].start), int(y0 + sl[0].start), int(w), int(h)),
                    round(fill, 3),
                    round(ring, 3),
                )
            )
    return sorted(out, key=lambda b: -b.box[2] * b.box[3])


MAX_RENDER_PIXELS = 6_000_000  # a hostile MediaBox (200 × 200 in) must not become a gigabyte bitmap


def render_dpi(page: Any, dpi: float = RENDER_DPI) -> float:
    """The dpi actually used for a page: `dpi`, lowered so the bitmap stays under MAX_RENDER_PIXELS."""
    width, height = page.get_size()
    area = max(1.0, float(width) * float(height)) * (dpi / 72) ** 2
    return dpi if area <= MAX_RENDER_PIXELS else dpi * (MAX_RENDER_PIXELS / area) ** 0.5


def render_rgb(page: Any, dpi: float = RENDER_DPI) -> np.ndarray:
    """A pypdfium2 page as an H×W×3 uint8 array (annotations drawn: electronic seals may live there)."""
    bitmap = page.render(scale=dpi / 72, draw_annots=True, rev_byteorder=True)
    try:
        arr = bitmap.to_numpy()
        return np.ascontiguousarray(arr[..., :3])
    finally:
        bitmap.close()


def _verdict(found: tuple[int, ...], grey: tuple[int, ...]) -> SealResult:
    if found:
        return SealResult(Seal.PRESENT, found, grey)
    if grey:
        return SealResult(Seal.UNKNOWN, (), grey)
    return SealResult(Seal.ABSENT, (), grey)


def check_page(page: Any, *, colour_expected: bool, dpi: float = RENDER_DPI) -> str:
    """One loaded pypdfium2 page: "seal", "grey" (no colour where colour was possible) or "none"."""
    used = render_dpi(page, dpi)
    rgb = render_rgb(page, used)
    if find_seal_blobs(rgb, used):
        return "seal"
    return "grey" if not colour_expected and not page_has_colour(rgb) else "none"


def verdict(checks: Sequence[tuple[int, str]]) -> SealResult:
    """(1-based page, check_page result) pairs → the document's SealResult."""
    return _verdict(tuple(n for n, c in checks if c == "seal"), tuple(n for n, c in checks if c == "grey"))


def detect_seal(
    pdf: Any, pages: Sequence[int] | None = None, *, text_pages: Sequence[int] = (), dpi: float = RENDER_DPI
) -> SealResult:
    """Look for a seal on `pages` (0-based indices into a pypdfium2 PdfDocument; default all).

    `text_pages` (0-based) have a text layer: a digital export, whose lack of colour means no seal."""
    indices = range(len(pdf)) if pages is None else pages
    text_set = set(text_pages)
    checks = []
    for i in indices:
        page = pdf[i]
        try:
            checks.append((i + 1, check_page(page, colour_expected=i in text_set, dpi=dpi)))
        finally:
            page.close()
    return verdict(checks)
