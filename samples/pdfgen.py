"""PDF versions of a filled 申报表, for tests, the demo and benchmarks.

Three producers, from slow-and-real to fast-and-synthetic:
- `text_pdf_from_docx`: LibreOffice headless renders the Word form (what applicants' "export to PDF" gives);
- `scanned_pdf`: the same pages rasterised into an image-only PDF (what a scanner gives), optionally grey;
- `pdf_from_fields`: a hand-written text PDF of the form (no LibreOffice), thousands per minute.

Each can carry a red round 公章 near the 申报单位 line on page 1, which parsers.seal looks for.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import signal
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "PdfGenError",
    "images_to_pdf",
    "pdf_from_fields",
    "scanned_pdf",
    "scanned_pdf_from_fields",
    "stamp_image",
    "text_pdf_from_docx",
]

SOFFICE_TIMEOUT_S = 120.0
SEAL_MM = 40.0  # a 公章 is 38–42 mm across
SEAL_RED = (218, 30, 36)
_PT_PER_MM = 72 / 25.4
_CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
)


class PdfGenError(RuntimeError):
    """A PDF could not be produced (LibreOffice missing, timed out, or wrote nothing)."""


# ---------------------------------------------------------------- the stamp


def _cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _CJK_FONT_FILES:
        if os.path.exists(path):
            return ImageFont.truetype(path, size, index=2)  # index 2: the SC face in Noto CJK .ttc
    return ImageFont.load_default()


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.38
        ang = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
    return pts


@lru_cache(maxsize=8)
def _stamp_cached(px: int, text: str) -> Image.Image:
    img = Image.new("RGBA", (px, px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ring = max(2, px // 22)
    draw.ellipse(
        (ring // 2, ring // 2, px - 1 - ring // 2, px - 1 - ring // 2), outline=(*SEAL_RED, 235), width=ring
    )
    c = px / 2
    draw.polygon(_star(c, c, px * 0.17), fill=(*SEAL_RED, 235))
    _arc_text(img, text, radius=px * 0.36, size=max(8, int(px * 0.12)))
    return img


def _arc_text(img: Image.Image, text: str, *, radius: float, size: int) -> None:
    """Characters along the upper arc, each rotated to face outwards, like a carved seal."""
    font = _cjk_font(size)
    chars = list(text)[:16]
    if not chars:
        return
    span = min(math.radians(240), math.radians(32) * len(chars))
    c = img.width / 2
    for i, ch in enumerate(chars):
        ang = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(chars)
        tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size // 2, size // 2), ch, font=font, fill=(*SEAL_RED, 235))
        tile = tile.rotate(-math.degrees(ang) - 90, resample=Image.Resampling.BICUBIC)
        x = c + radius * math.cos(ang) - tile.width / 2
        y = c + radius * math.sin(ang) - tile.height / 2
        img.alpha_composite(tile, (int(x), int(y)))


def stamp_image(px: int, text: str = "申报单位专用章") -> Image.Image:
    """A red round 公章 as an RGBA image `px` pixels across (transparent outside the ink)."""
    return _stamp_cached(int(px), text).copy()


# ---------------------------------------------------------------- LibreOffice


def _soffice() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise PdfGenError("LibreOffice (soffice) is not installed")


def _docx_to_pdf(docx: bytes, timeout_s: float = SOFFICE_TIMEOUT_S) -> bytes:
    """One soffice call with a private profile; the whole process group dies on timeout."""
    exe = _soffice()
    with tempfile.TemporaryDirectory(prefix="intake-pdfgen-") as tmp:
        root = Path(tmp)
        src = root / "form.docx"
        src.write_bytes(docx)
        out = root / "out"
        cmd = [
            exe,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(src),
        ]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=tmp,
            env={**os.environ, "HOME": tmp},
        )
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as err:
            _kill_group(proc)
            raise PdfGenError(f"LibreOffice timed out after {timeout_s:.0f} s") from err
        pdf = out / "form.pdf"
        if not pdf.is_file() or pdf.stat().st_size == 0:  # soffice exits 0 even when it failed
            raise PdfGenError(f"LibreOffice produced no PDF (exit {proc.returncode})")
        return pdf.read_bytes()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


# ---------------------------------------------------------------- seal placement on rendered pages


def _anchor_pt(pdf: Any) -> tuple[float, float]:
    """Where the seal's centre goes on page 1, in PDF points (origin bottom-left).

    Real stamps sit over the 申报单位：（盖章） line; fall back to the upper right when it cannot be found."""
    page = pdf[0]
    width, height = page.get_size()
    text = page.get_textpage()
    try:
        searcher = text.search("申报单位")
        hit = searcher.get_next()
        if hit:
            left, bottom, _right, top = text.get_charbox(hit[0])
            return min(left + 150, width - 80), (bottom + top) / 2
    finally:
        text.close()
    return width * 0.7, height * 0.82


def _overlay_seal_pdfium(pdf: Any) -> None:
    import pypdfium2 as pdfium

    page = pdf[0]
    cx, cy = _anchor_pt(pdf)
    size_pt = SEAL_MM * _PT_PER_MM
    px = 300
    bitmap = pdfium.PdfBitmap.from_pil(stamp_image(px))
    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(size_pt, size_pt).translate(cx - size_pt / 2, cy - size_pt / 2))
    page.insert_obj(image)
    page.gen_content()


def _save_pdfium(pdf: Any) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def text_pdf_from_docx(docx: bytes, *, seal: bool = True) -> bytes:
    """The Word form as LibreOffice exports it to PDF (text layer), with a 公章 overlaid when `seal`."""
    raw = _docx_to_pdf(docx)
    if not seal:
        return raw
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(raw)
    try:
        _overlay_seal_pdfium(pdf)
        return _save_pdfium(pdf)
    finally:
        pdf.close()


def scanned_pdf(docx: bytes, *, seal: bool = True, grayscale: bool = False, dpi: int = 120) -> bytes:
    """An image-only PDF of the Word form, as a scanner makes it: no text layer at all."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(_docx_to_pdf(docx))
    try:
        anchor = _anchor_pt(pdf)
        images = [_render_page(pdf[i], dpi) for i in range(len(pdf))]
        page_h = pdf[0].get_size()[1]
    finally:
        pdf.close()
    if seal and images:
        _paste_seal(images[0], anchor, page_h, dpi)
    return images_to_pdf(images, dpi=dpi, grayscale=grayscale)


def scanned_pdf_from_fields(
    fields: Mapping[str, Any], *, seal: bool = True, grayscale: bool = False, dpi: int = 100
) -> bytes:
    """A fast image-only PDF of the filled form (no LibreOffice): pdf_from_fields rendered and re-saved
    as page images, for demo and benchmark volume."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_from_fields(fields, seal=seal))
    try:
        images = [_render_page(pdf[i], dpi) for i in range(len(pdf))]
    finally:
        pdf.close()
    return images_to_pdf(images, dpi=dpi, grayscale=grayscale)


def _render_page(page: Any, dpi: int) -> Image.Image:
    image: Image.Image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    return image


def _paste_seal(img: Image.Image, anchor: tuple[float, float], page_h: float, dpi: int) -> None:
    px = int(SEAL_MM / 25.4 * dpi)
    x = int(anchor[0] * dpi / 72 - px / 2)
    y = int((page_h - anchor[1]) * dpi / 72 - px / 2)
    stamp = stamp_image(px)
    # Ink multiplies with the paper like a real stamp, so black text under it stays visible.
    region = img.crop((x, y, x + px, y + px))
    inked = Image.composite(Image.new("RGB", stamp.size, SEAL_RED), region, stamp.getchannel("A"))
    from PIL import ImageChops

    img.paste(ImageChops.darker(region, inked), (x, y))


def images_to_pdf(images: Sequence[Image.Image], *, dpi: int = 120, grayscale: bool = False) -> bytes:
    """Pages as JPEG images in a PDF (Pillow's writer): no fonts, no text."""
    pages = [im.convert("L" if grayscale else "RGB") for im in images]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi), quality=85)
    return buf.getvalue()


# ---------------------------------------------------------------- fast hand-written text PDF

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN = 50.0
FONT_SIZE = 10.5
LINE_H = 14.0
PAD = 4.0
CHECKED, UNCHECKED = "■", "□"


def _char_w(ch: str, size: float = FONT_SIZE) -> float:
    return size * (0.5 if ord(ch) < 0x7F else 1.0)


def _wrap(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """Lines that fit `width`, breaking anywhere (CJK) and at explicit newlines."""
    out: list[str] = []
    for para in (text or "").split("\n"):
        line, used = "", 0.0
        for ch in para:
            w = _char_w(ch, size)
            if used + w > width and line:
                out.append(line)
                line, used = "", 0.0
            line += ch
            used += w
        out.append(line)
    return out


@lru_cache(maxsize=1)
def _gb_codes() -> frozenset[int] | None:
    """Code points the UniGB-UTF16-H CMap maps (pdfminer ships it); None if it cannot be loaded."""
    try:
        from pdfminer.cmapdb import CMapDB

        cmap: Any = CMapDB.get_cmap("UniGB-UTF16-H")  # a CMap: its code2cid is the table of codes
        return frozenset(_codes_from_cmap(cmap.code2cid))
    except Exception:  # noqa: BLE001 - the check is a nicety: without it, every character is written as is
        return None


def _codes_from_cmap(tree: Mapping[int, Any], prefix: int = 0, depth: int = 0) -> Iterable[int]:
    for byte, sub in tree.items():
        code = (prefix << 8) | byte
        if isinstance(sub, dict):
            yield from _codes_from_cmap(sub, code, depth + 1)
        elif depth == 1:
            yield code


def _hex(text: str) -> str:
    known = _gb_codes()
    chars = [ch if (known is None or ord(ch) in known) else "?" for ch in text if ord(ch) <= 0xFFFF]
    return "".join(chars).encode("utf-16-be").hex().upper()


class _Canvas:
    """Content-stream operators for a list of pages; y grows downwards from the top margin."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.images: list[tuple[int, tuple[float, float, float, float]]] = []  # page index, box

    @property
    def ops(self) -> list[str]:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append([])

    def text(self, x: float, y: float, s: str, size: float = FONT_SIZE) -> None:
        if s:
            self.ops.append(f"BT /F1 {size:g} Tf {x:.2f} {PAGE_H - y - size:.2f} Td <{_hex(s)}> Tj ET")

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(f"{x:.2f} {PAGE_H - y - h:.2f} {w:.2f} {h:.2f} re S")


def _fmt_date(value: Any) -> str:
    if not value:
        return ""
    try:
        d = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{d.year}年{d.month}月{d.day}日"


def _box(flag: Any) -> str:
    return CHECKED if flag else UNCHECKED


def _g(fields: Mapping[str, Any], *keys: str) -> str:
    value: Any = fields
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)


def _training_dates(fields: Mapping[str, Any]) -> str:
    if fields.get("training_dates"):
        return str(fields["training_dates"])
    start, end = _fmt_date(fields.get("training_start")), _fmt_date(fields.get("training_end"))
    return f"{start}-{end}" if start and end else start or end


def _funding_text(fields: Mapping[str, Any]) -> str:
    """funding_type may also be a collection ({"fiscal", "self_funded"}) to tick both boxes, as some do."""
    ft = fields.get("funding_type")
    chosen = {ft} if isinstance(ft, str) or ft is None else set(ft)
    src = _g(fields, "self_funding_source") or "_____"
    return f"{_box('fiscal' in chosen)}财政资助项目  {_box('self_funded' in chosen)}自筹经费项目（自筹经费来源：{src}）"


def _scope_text(fields: Mapping[str, Any]) -> str:
    scope = fields.get("scope") or {}
    notes = fields.get("scope_notes") or {}
    rows = (
        ("national_strategy", "服务国家战略"),
        ("industry_demand", "对接产业需求"),
        ("digital_tech", "突出数字技术"),
    )
    return "\n".join(f"{_box(scope.get(k))}{label}：{notes.get(k) or ''}" for k, label in rows)


def _ce_base_text(org: Mapping[str, Any]) -> str:
    base = org.get("ce_base")
    batch = org.get("ce_base_batch")
    nat = f"是第{batch if base == 'national' and batch else '__'}批国家级专业技术人员继续教育基地"
    return f"{_box(base == 'national')}{nat}  {_box(base == 'provincial')}是省级继续教育基地  {_box(base == 'no')}否"


# A table row: a tuple of (text, column span) cells over 5 grid columns; section rows start with their
# section label spanning several rows (the int after the cells).
_COLS = (60.0, 62.0, 145.0, 62.0, 166.0)  # sums to PAGE_W - 2 * MARGIN


def _form_rows(f: Mapping[str, Any]) -> list[tuple[tuple[str, int], ...]]:
    return [
        (("项目名称", 2), (_g(f, "project_name"), 3)),
        (("办班时间", 2), (_training_dates(f), 1), ("办班地点", 1), (_g(f, "training_location"), 1)),
        (
            ("选题所属行业领域", 2),
            (_g(f, "industry_field"), 1),
            ("选题所属行业主管部门", 1),
            (_g(f, "industry_authority"), 1),
        ),
        (("申报项目类别(仅单选)", 2), (_funding_text(f), 3)),
        (("是否符合选题范围", 2), (_scope_text(f), 3)),
        (("研修目的和作用", 2), (_g(f, "purpose"), 3)),
        (("研修内容和方式", 2), (_g(f, "content_and_format"), 3)),
        (("授课专家情况", 2), (_g(f, "experts"), 3)),
        (("培训对象", 2), (_g(f, "trainees"), 3)),
    ]


def _unit_rows(org: Mapping[str, Any], organizer: bool) -> list[tuple[tuple[str, int], ...]]:
    def g(key: str) -> str:
        return "" if org.get(key) is None else str(org.get(key))

    rows: list[tuple[tuple[str, int], ...]] = [
        (("单位名称", 1), (g("name"), 1), ("联系人", 1), (g("contact"), 1)),
        (("办公电话", 1), (g("office_phone"), 1), ("手机", 1), (g("mobile"), 1)),
        (("传真", 1), (g("fax"), 1), ("地址", 1), (g("address"), 1)),
    ]
    if organizer:
        rows.append((("是否继续教育基地", 1), (_ce_base_text(org), 3)))
    return rows


def _draw_row(
    cv: _Canvas,
    y: float,
    x0: float,
    cells: Sequence[tuple[str, int]],
    col0: int,
    lines: Sequence[Sequence[str]],
    h: float,
) -> None:
    x, col = x0, col0
    for (_, span), cell_lines in zip(cells, lines, strict=False):
        w = sum(_COLS[col : col + span])
        cv.rect(x, y, w, h)
        for i, line in enumerate(cell_lines):
            cv.text(x + PAD, y + PAD + i * LINE_H, line)
        x, col = x + w, col + span


def _cell_lines(cells: Sequence[tuple[str, int]], col0: int) -> list[list[str]]:
    out, col = [], col0
    for text, span in cells:
        out.append(_wrap(text, sum(_COLS[col : col + span]) - 2 * PAD))
        col += span
    return out


def _layout_table(cv: _Canvas, y: float, f: Mapping[str, Any]) -> None:
    bottom = PAGE_H - MARGIN
    for cells in _form_rows(f):
        y = _place_row(cv, y, cells, 0, bottom)
    for label, key, organizer in (("申报单位信息", "applicant", False), ("承办单位信息", "organizer", True)):
        org = f.get(key) or {}
        rows = _unit_rows(org if isinstance(org, Mapping) else {}, organizer)
        heights = [_row_h(_cell_lines(r, 1)) for r in rows]
        if y + sum(heights) > bottom:
            cv.new_page()
            y = MARGIN
        cv.rect(MARGIN, y, _COLS[0], sum(heights))
        for i, line in enumerate(_wrap(label, _COLS[0] - 2 * PAD)):
            cv.text(MARGIN + PAD, y + PAD + i * LINE_H, line)
        for row, h in zip(rows, heights, strict=False):
            _draw_row(cv, y, MARGIN + _COLS[0], row, 1, _cell_lines(row, 1), h)
            y += h


def _row_h(lines: Sequence[Sequence[str]]) -> float:
    return max(len(c) for c in lines) * LINE_H + 2 * PAD


def _place_row(cv: _Canvas, y: float, cells: Sequence[tuple[str, int]], col0: int, bottom: float) -> float:
    """Draw a row, splitting it across pages when it does not fit (as Word/LibreOffice do)."""
    lines = _cell_lines(cells, col0)
    while True:
        room = int((bottom - y - 2 * PAD) // LINE_H)
        need = max(len(c) for c in lines)
        if need <= room:
            h = _row_h(lines)
            _draw_row(cv, y, MARGIN, cells, col0, lines, h)
            return y + h
        if room < 2:
            cv.new_page()
            y = MARGIN
            continue
        head = [c[:room] for c in lines]
        _draw_row(cv, y, MARGIN, cells, col0, head, _row_h(head) if any(head) else 2 * PAD)
        lines = [c[room:] for c in lines]
        cells = [("", span) for _, span in cells]  # the continuation carries no label, like a split row
        cv.new_page()
        y = MARGIN


def _layout(f: Mapping[str, Any]) -> _Canvas:
    cv = _Canvas()
    cv.text(MARGIN, MARGIN - 20, "附件", 10.5)
    title = "专业技术人员知识更新工程2025年高级研修项目申报表"
    cv.text((PAGE_W - len(title) * 15) / 2, MARGIN + 4, title, 15)
    cv.text(MARGIN, MARGIN + 36, f"申报单位：{_g(f, 'declared_org')}（盖章）")
    cv.text(MARGIN, MARGIN + 54, f"申报时间：{_fmt_date(f.get('declared_date')) or '    年  月  日'}")
    _layout_table(cv, MARGIN + 74, f)
    return cv


_FONT = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
    b"/DescendantFonts [ 5 0 R ] >>"
)
_CIDFONT = (
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
    b"/FontDescriptor 6 0 R /DW 1000 /W [ 1 95 500 ] >>"
)
_DESCRIPTOR = (
    b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [ -25 -254 1000 880 ] "
    b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
)


def _stream(body: bytes, extra: bytes = b"") -> bytes:
    data = zlib.compress(body, 6)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


def _seal_objects(px: int = 160) -> tuple[bytes, bytes]:
    """The stamp as an RGB image XObject with a soft mask (its alpha), as two stream objects."""
    stamp = stamp_image(px)
    rgb = stamp.convert("RGB")
    alpha = stamp.getchannel("A")
    rgb_white = Image.composite(rgb, Image.new("RGB", stamp.size, "white"), alpha)
    head = b"/Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 " % stamp.size
    smask = _stream(alpha.tobytes(), head + b"/ColorSpace /DeviceGray ")
    image = _stream(rgb_white.tobytes(), head + b"/ColorSpace /DeviceRGB /SMask 8 0 R ")
    return image, smask


def _serialize(cv: _Canvas, seal: bool) -> bytes:
    """Objects: 1 catalog, 2 pages, 3 font, 5 CID font, 6 descriptor, 7 seal, 8 seal mask, 9+ pages."""
    objs: dict[int, bytes] = {3: _FONT, 5: _CIDFONT, 6: _DESCRIPTOR}
    if seal:
        objs[7], objs[8] = _seal_objects()
    kids = []
    for i, ops in enumerate(cv.pages):
        page_no, content_no = 9 + 2 * i, 10 + 2 * i
        body = "\n".join(ops)
        xobj = b""
        if seal and i == 0:
            size = SEAL_MM * _PT_PER_MM
            cx, cy = MARGIN + 190, PAGE_H - (MARGIN + 40)
            body += f"\nq {size:.2f} 0 0 {size:.2f} {cx - size / 2:.2f} {cy - size / 2:.2f} cm /Seal Do Q"
            xobj = b"/XObject << /Seal 7 0 R >> "
        objs[content_no] = _stream(body.encode("ascii"))
        objs[page_no] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [ 0 0 %g %g ] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> %s>> >>" % (PAGE_W, PAGE_H, content_no, xobj)
        )
        kids.append(b"%d 0 R" % page_no)
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (b" ".join(kids), len(kids))
    return _write_objects(objs)


def _write_objects(objs: Mapping[int, bytes]) -> bytes:
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    top = max(objs)
    offsets = [0] * (top + 1)
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objs[num])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (top + 1)
    for num in range(1, top + 1):
        out += b"%010d 00000 n \n" % offsets[num] if num in objs else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (top + 1, xref)
    return bytes(out)


def pdf_from_fields(fields: Mapping[str, Any], *, seal: bool = True) -> bytes:
    """A text-layer PDF of the filled form (ruled table, STSong-Light CID font, no font file, no LibreOffice)."""
    return _serialize(_layout(fields), seal)
