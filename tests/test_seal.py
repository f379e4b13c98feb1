"""Red seal detection: stamps are found, red lines, red header text and red blocks are not, grey is unknown."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from parsers.seal import detect_seal, find_seal_blobs, page_has_colour, red_mask
from samples.pdfgen import _cjk_font, images_to_pdf, stamp_image

DPI = 72
A4 = (595, 842)


def _page(draw_fn=None) -> Image.Image:  # type: ignore[no-untyped-def]
    img = Image.new("RGB", A4, "white")
    d = ImageDraw.Draw(img)
    font = _cjk_font(12)
    for row in range(8):  # some black form text, like a real page
        d.text(
            (60, 200 + row * 30),
            "申报单位信息 单位名称 联系人 办公电话 手机 传真 地址",
            fill="black",
            font=font,
        )
    d.rectangle((50, 190, 545, 450), outline="black")
    if draw_fn:
        draw_fn(img, d)
    return img


def _stamp_at(
    img: Image.Image, x: int, y: int, px: int = 113, tint: tuple[int, int, int] | None = None
) -> None:
    stamp = stamp_image(px)
    if tint:
        stamp = Image.merge("RGBA", (*Image.new("RGB", stamp.size, tint).split(), stamp.getchannel("A")))
    img.paste(stamp, (x, y), stamp)


def _rgb(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"))


def test_stamp_is_found_where_it_is() -> None:
    img = _page(lambda im, d: _stamp_at(im, 300, 120))
    blobs = find_seal_blobs(_rgb(img), DPI)
    assert len(blobs) == 1
    x, y, w, h = blobs[0].box
    assert abs(x - 300) <= 4 and abs(y - 120) <= 4 and 100 <= w <= 120 and 100 <= h <= 120


def test_faded_orange_stamp_is_found() -> None:
    img = _page(lambda im, d: _stamp_at(im, 300, 500, tint=(235, 125, 80)))
    assert find_seal_blobs(_rgb(img), DPI)


def test_plain_page_has_none() -> None:
    assert find_seal_blobs(_rgb(_page()), DPI) == []


@pytest.mark.parametrize("what", ["underline", "header", "block", "disk", "small_dot", "square_frame"])
def test_red_marks_that_are_not_seals(what: str) -> None:
    def draw(im: Image.Image, d: ImageDraw.ImageDraw) -> None:
        red = (220, 20, 30)
        if what == "underline":
            d.rectangle((60, 480, 400, 483), fill=red)
        elif what == "header":  # 红头: big red title text and the red rule under it
            d.text((70, 40), "湖北省人力资源和社会保障厅文件", fill=red, font=_cjk_font(30))
            d.rectangle((50, 90, 545, 92), fill=red)
        elif what == "block":
            d.rectangle((300, 500, 420, 600), fill=red)
        elif what == "disk":
            d.ellipse((300, 500, 410, 610), fill=red)
        elif what == "small_dot":
            d.ellipse((300, 500, 315, 515), outline=red, width=2)
        elif what == "square_frame":
            d.rectangle((300, 500, 410, 610), outline=red, width=3)

    assert find_seal_blobs(_rgb(_page(draw)), DPI) == []


def test_mask_ignores_black_and_grey() -> None:
    arr = np.array([[[0, 0, 0], [128, 128, 128], [255, 255, 255], [200, 30, 30], [240, 140, 60]]], np.uint8)
    assert red_mask(arr).tolist() == [[False, False, False, True, True]]


def _doc(images: list[Image.Image], grayscale: bool = False) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(images_to_pdf(images, dpi=DPI, grayscale=grayscale))


def test_scanned_pdf_with_stamp_on_page_two() -> None:
    pdf = _doc([_page(), _page(lambda im, d: _stamp_at(im, 350, 600))])
    result = detect_seal(pdf)
    assert result.status == "present" and result.pages == (2,)


def test_colour_scan_without_stamp_is_absent() -> None:
    pdf = _doc([_page(lambda im, d: d.rectangle((60, 480, 400, 483), fill=(220, 20, 30)))])
    assert detect_seal(pdf).status == "absent"


def test_grey_scan_is_unknown_not_absent() -> None:
    pdf = _doc([_page(lambda im, d: _stamp_at(im, 300, 120))], grayscale=True)
    result = detect_seal(pdf)
    assert result.status == "unknown" and result.grey_pages == (1,)


def test_grey_text_pdf_page_is_absent() -> None:
    # A page with a text layer is a digital export: no colour there means no seal, not "cannot verify".
    pdf = _doc([_page()], grayscale=True)
    assert detect_seal(pdf, text_pages=[0]).status == "absent"


def test_page_has_colour() -> None:
    assert not page_has_colour(_rgb(_page()))
    assert page_has_colour(_rgb(_page(lambda im, d: _stamp_at(im, 300, 120))))


def test_huge_page_is_rendered_small() -> None:
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(14400, 14400)  # 200 × 200 inches: 207 megapixels at 72 dpi
    from parsers.seal import MAX_RENDER_PIXELS, render_dpi

    used = render_dpi(pdf[0])
    assert used < 72 and (14400 * used / 72) ** 2 <= MAX_RENDER_PIXELS * 1.01
    assert detect_seal(pdf).status in ("absent", "unknown")
