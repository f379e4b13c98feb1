"""Scanned pages as RGB arrays: PDF pages rendered with pypdfium2, photos decoded with Pillow.

A photo is a one-page scan whatever its name says (a JPEG named .heic is a JPEG).  Sizes are capped
before decoding: a hostile image header must not become a gigabyte bitmap.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from core.documents import DocumentError
from parsers.sniff import image_kind

__all__ = ["MAX_PIXELS", "OCR_DPI", "image_page", "pdf_pages"]

# Measured on the form scanned at 300 dpi and rendered at 100/120/150/200: the same fields read at every
# resolution and CPU about the same (lines are recognised at 48 px high, the page detected at 60%);
# 150 leaves room for smaller print and pen ticks than the test forms have.
OCR_DPI = 150
MAX_PIXELS = 40_000_000  # a 12 MP phone photo is fine; a 200 MP "image" is refused before decoding
_WORK_PIXELS = 1_754 * 1_240 * 1.3  # photos are scaled down to about an A4 page at OCR_DPI

UNREADABLE_IMAGE = "图片无法打开（格式不支持或文件已损坏）"


def image_page(data: bytes, name: str) -> np.ndarray:
    """A photo or single-image scan as an RGB array, EXIF orientation applied, scaled to ~A4 at OCR_DPI."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if image_kind(data) == "heic":
        raise DocumentError("HEIC 格式照片无法读取，请另存为 JPG 后重新提交", name=name)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise DocumentError("图片过大", name=name)
            im.seek(0)  # a multi-page TIFF: its first page (a 申报表 photo is one page)
            page = ImageOps.exif_transpose(im).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as err:
        raise DocumentError(UNREADABLE_IMAGE, name=name) from err
    area = page.width * page.height
    if area > _WORK_PIXELS:
        f = (_WORK_PIXELS / area) ** 0.5
        page = page.resize(
            (max(1, int(page.width * f)), max(1, int(page.height * f))), Image.Resampling.LANCZOS
        )
    return np.asarray(page)


def pdf_pages(pdf: Any, indices: Sequence[int], dpi: float = OCR_DPI) -> Iterator[tuple[int, np.ndarray]]:
    """(index, RGB array) of the given pages of an open pypdfium2 document."""
    from parsers.seal import render_dpi, render_rgb

    for i in indices:
        page = pdf[i]
        try:
            yield i, render_rgb(page, render_dpi(page, dpi))
        finally:
            page.close()
