"""The seal judged on a scanned page (an image, not a PDF page object).

A stamp-shaped red blob (parsers.seal's shape test) is a seal.  On a scan a seal can also be faded,
pink, half off the page or partly under a sheet: then it fails the shape test, but a scanned 申报表 has
no other red ink, so a red mark of seal size (a few mm of ink spread over at least ~9 mm) still says
"present".  A colour scan with no such red is "absent"; only a page without colour at all (a true
greyscale scan) is "cannot verify".  The page is judged at 72 dpi, as parsers.seal does.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from scipy import ndimage

from parsers.seal import RENDER_DPI, find_seal_blobs, page_has_colour, red_mask, render_dpi, render_rgb

__all__ = ["A4_WIDTH_MM", "check_scan_page", "judge_page", "seal_region"]

A4_WIDTH_MM = 210.0
MIN_SPREAD_MM = 9.0  # a red mark at least this wide or high ...
MIN_INK_MM2 = 20.0  # ... carrying at least this much ink counts as (part of) a seal on a scan
TINT_CHROMA, TINT_SHARE = 12, 0.01  # a colour scan's paper: some colour in at least 1% of pixels
MIN_SIDE_MM = 5.0  # ... and spreading both ways (an arc of a seal does; a red underline does not)


def _at_72(rgb: np.ndarray, dpi: float) -> np.ndarray:
    f = RENDER_DPI / dpi
    if f >= 1:
        return rgb
    return cv2.resize(
        rgb, (max(1, int(rgb.shape[1] * f)), max(1, int(rgb.shape[0] * f))), interpolation=cv2.INTER_AREA
    )


def page_dpi(rgb: np.ndarray) -> float:
    """A scan's resolution, taking the page's shorter side as A4's 210 mm (photos carry no dpi)."""
    return float(min(rgb.shape[:2])) / (A4_WIDTH_MM / 25.4)


def _red_patch(mask: np.ndarray, px_per_mm: float) -> tuple[int, int, int, int] | None:
    """The box of the largest clump of red ink big enough to be (part of) a seal."""
    closed = ndimage.binary_closing(mask, structure=np.ones((5, 5), bool))
    labels, _n = ndimage.label(closed)
    best = None
    for idx, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        area = float((mask[sl] & (labels[sl] == idx)).sum()) / px_per_mm**2
        spread = max(h, w) >= MIN_SPREAD_MM * px_per_mm and min(h, w) >= MIN_SIDE_MM * px_per_mm
        if spread and area >= MIN_INK_MM2 and (best is None or area > best[0]):
            best = (area, (sl[1].start, sl[0].start, w, h))
    return best[1] if best else None


def judge_page(rgb: np.ndarray, dpi: float | None = None) -> tuple[str, tuple[int, int, int, int] | None]:
    """("seal" | "grey" | "none", the seal's box in the page's own pixels or None)."""
    dpi = dpi or page_dpi(rgb)
    small = _at_72(rgb, dpi)
    scale = rgb.shape[1] / small.shape[1]
    blobs = find_seal_blobs(small, RENDER_DPI)
    box = blobs[0].box if blobs else _red_patch(red_mask(small), RENDER_DPI / 25.4)
    if box is not None:
        x, y, w, h = (round(v * scale) for v in box)
        return "seal", (x, y, w, h)
    return ("none" if page_has_colour(small) or _tinted(small) else "grey"), None


def _tinted(rgb: np.ndarray) -> bool:
    """A colour scan of a black-and-white form: paper tint and sensor noise put some colour in every
    pixel; a true greyscale scan (even stored as RGB) has none."""
    sample = rgb[::3, ::3].astype(np.int16)
    chroma = sample.max(axis=2) - sample.min(axis=2)
    return float((chroma > TINT_CHROMA).mean()) >= TINT_SHARE


def check_scan_page(page: Any) -> str:
    """A loaded pypdfium2 page of a scan: "seal", "grey" or "none" (as parsers.seal.check_page)."""
    used = render_dpi(page, RENDER_DPI)
    return judge_page(render_rgb(page, used), used)[0]


def seal_region(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The seal's ink alone, black on white, unrolled from its ring into a strip (the unit's name runs
    along the upper arc): what the recogniser can read of a round seal."""
    x, y, w, h = box
    crop = rgb[max(0, y) : y + h, max(0, x) : x + w]
    if crop.size == 0:
        return np.full((8, 8, 3), 255, np.uint8)
    c = crop.astype(np.int16)
    redness = c[:, :, 0] - np.maximum(c[:, :, 1], c[:, :, 2])  # red ink dark, paper and black text light
    grey = (255 - np.clip(redness * 2, 0, 255)).astype(np.uint8)
    r = min(crop.shape[:2]) / 2
    polar = cv2.warpPolar(
        grey, (int(r), int(2 * np.pi * r)), (crop.shape[1] / 2, crop.shape[0] / 2), r, cv2.WARP_POLAR_LINEAR
    )
    # rows are angles (0 at 3 o'clock, clockwise); columns radius.  The name sits between 0.55r and 0.95r
    # on the upper arc, i.e. angles 150°..390°: take those rows, turn so text runs left to right.
    n = polar.shape[0]
    rows = np.concatenate([polar[int(n * 150 / 360) :], polar[: int(n * 30 / 360)]])
    band = rows[:, int(r * 0.52) : int(r * 0.9)]  # inside the outer ring
    strip = cv2.rotate(band, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return np.repeat(strip[:, :, None], 3, axis=2)
