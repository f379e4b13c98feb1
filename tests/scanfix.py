"""Scanned-form fixtures, built with writers independent of the code under test.

A filled 申报表 is written with python-docx (the notice's table: merged cells, checkbox lines), converted
to PDF by the real LibreOffice, rasterised by poppler's pdftoppm (not pypdfium2, which the reader uses),
and degraded with Pillow the ways scans and phone photos are: turned 90/180°, skewed 1–3°, grey noisy
paper, JPEG at quality 40, a red seal stamped over the text, a phone's perspective tilt.  The expected
fields are the dict the form was written from.

Images are cached under tests/.scan-cache/ (gitignored), keyed by a hash of the form's values and this
file's source, so a second test session does not start LibreOffice again.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import random
import shutil
import signal
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CACHE = Path(__file__).parent / ".scan-cache"
DPI = 150
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SEAL_RED = (205, 32, 40)

FORMS: dict[str, dict[str, Any]] = {
    "biotech": {
        "project_name": "生物育种前沿技术高级研修班",
        "declared_org": "湖北工业大学",
        "declared_date": "2024年12月14日",
        "training_dates": "2025年7月19日至7月22日",
        "training_location": "十堰市国际会议中心",
        "industry_field": "生物技术",
        "industry_authority": "湖北省农业农村厅",
        "funding_type": "fiscal",
        "self_funding_source": None,
        "scope": {"national_strategy": False, "industry_demand": True, "digital_tech": True},
        "scope_notes": {"industry_demand": "对接我省优势产业发展需求", "digital_tech": "聚焦生物信息大数据"},
        "purpose": "围绕生物育种前沿技术领域的重大需求，提升高层次专业技术人才的创新能力和实践水平。",
        "content_and_format": "1.生物育种前沿进展主题报告；2.关键技术专题研讨；3.现场教学与案例分析。",
        "experts": "拟邀请吕鹏飞教授、彭洋涛研究员等7位专家授课。",
        "trainees": "面向全省相关单位具有中高级职称的专业技术人员，计划招收学员100人。",
        "applicant": {
            "name": "湖北工业大学",
            "contact": "王勇",
            "office_phone": "027-89668021",
            "mobile": "13404796669",
            "fax": "027-59002594",
            "address": "武汉市洪山区南李路28号",
        },
        "organizer": {
            "name": "中国地质大学（武汉）",
            "contact": "张燕",
            "office_phone": "027-64561747",
            "mobile": "18646869589",
            "fax": "027-65595192",
            "address": "武汉市洪山区鲁磨路388号",
            "ce_base": "provincial",
        },
    },
    "smartgrid": {
        "project_name": "智能电网与新型储能技术高级研修班",
        "declared_org": "国网湖北省电力有限公司",
        "declared_date": "2024年12月16日",
        "training_dates": "2025年9月8日至9月12日",
        "training_location": "宜昌市三峡培训中心",
        "industry_field": "能源电力",
        "industry_authority": "湖北省能源局",
        "funding_type": "self_funded",
        "self_funding_source": "单位培训经费",
        "scope": {"national_strategy": True, "industry_demand": False, "digital_tech": False},
        "scope_notes": {"national_strategy": "服务长江经济带绿色发展"},
        "purpose": "培养新型电力系统建设急需的高层次技术骨干。",
        "content_and_format": "专题讲座、案例研讨与变电站现场教学相结合。",
        "experts": "邀请华中科技大学李明教授等6位专家授课。",
        "trainees": "全省电力行业具有中级以上职称的技术人员80人。",
        "applicant": {
            "name": "国网湖北省电力有限公司",
            "contact": "陈静",
            "office_phone": "027-65432109",
            "mobile": "13907151234",
            "fax": "027-65432100",
            "address": "武汉市洪山区徐东大街227号",
        },
        "organizer": {
            "name": "国网湖北技术培训中心",
            "contact": "刘洋",
            "office_phone": "027-87654321",
            "mobile": "15827460987",
            "fax": "027-87654300",
            "address": "武汉市江夏区文化大道66号",
            "ce_base": "no",
        },
    },
}

# ------------------------------------------------------------------ the Word form (python-docx)

_FUNDING = (("fiscal", "财政资助项目"), ("self_funded", "自筹经费项目"))
_SCOPE = (
    ("national_strategy", "服务国家战略"),
    ("industry_demand", "对接产业需求"),
    ("digital_tech", "突出数字技术"),
)
_CE = (
    ("national", "是第__批国家级专业技术人员继续教育基地"),
    ("provincial", "是省级继续教育基地"),
    ("no", "否"),
)


def _box(on: bool) -> str:
    return "☑" if on else "□"


def _set(cell: Any, text: str) -> None:
    cell.text = ""
    lines = text.split("\n")
    cell.paragraphs[0].add_run(lines[0])
    for line in lines[1:]:
        cell.add_paragraph(line)


def build_docx(f: dict[str, Any]) -> bytes:
    """The notice's 申报表 filled with `f`, written with python-docx."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "Noto Sans CJK SC"
    title = doc.add_paragraph()
    title.add_run("专业技术人员知识更新工程2025年高级研修项目申报表").bold = True
    doc.add_paragraph(f"申报单位：{f['declared_org']}（盖章）")
    doc.add_paragraph(f"申报时间：{f['declared_date']}")
    t = doc.add_table(rows=16, cols=5)
    t.style = "Table Grid"
    for col, width in zip(t.columns, (Cm(2.6), Cm(2.4), Cm(4.4), Cm(2.3), Cm(4.4)), strict=False):
        for cell in col.cells:
            cell.width = width

    def row(r: int, label: str, value: str) -> None:
        _set(t.cell(r, 0), label)
        merged = t.cell(r, 1).merge(t.cell(r, 4))
        _set(merged, value)

    row(0, "项目名称", f["project_name"])
    _set(t.cell(1, 0), "办班时间")
    _set(t.cell(1, 1).merge(t.cell(1, 2)), f["training_dates"])
    _set(t.cell(1, 3), "办班地点")
    _set(t.cell(1, 4), f["training_location"])
    _set(t.cell(2, 0), "选题所属\n行业领域")
    _set(t.cell(2, 1).merge(t.cell(2, 2)), f["industry_field"])
    _set(t.cell(2, 3), "选题所属\n行业主管部门")
    _set(t.cell(2, 4), f["industry_authority"])
    source = f.get("self_funding_source") or "_____"
    funding = "  ".join(f"{_box(f['funding_type'] == v)}{label}" for v, label in _FUNDING)
    row(3, "申报项目\n类别\n(仅单选)", f"{funding}（自筹经费来源：{source}）")
    scope = "\n".join(f"{_box(f['scope'][v])}{label}：{f['scope_notes'].get(v) or ''}" for v, label in _SCOPE)
    row(4, "是否符合\n选题范围", scope)
    row(5, "研修目的\n和作用", f["purpose"])
    row(6, "研修内容和方式", f["content_and_format"])
    row(7, "授课专家情况", f["experts"])
    row(8, "培训对象", f["trainees"])
    for base, title_, unit in ((9, "申报单位信息", f["applicant"]), (12, "承办单位信息", f["organizer"])):
        last = base + (3 if title_.startswith("承办") else 2)
        _set(t.cell(base, 0).merge(t.cell(last, 0)), title_)
        for k, (l1, k1, l2, k2) in enumerate(
            (
                ("单位名称", "name", "联系人", "contact"),
                ("办公电话", "office_phone", "手机", "mobile"),
                ("传真", "fax", "地址", "address"),
            )
        ):
            _set(t.cell(base + k, 1), l1)
            _set(t.cell(base + k, 2), unit[k1])
            _set(t.cell(base + k, 3), l2)
            _set(t.cell(base + k, 4), unit[k2])
    ce = "  ".join(f"{_box(f['organizer']['ce_base'] == v)}{label}" for v, label in _CE)
    _set(t.cell(15, 1), "是否继续\n教育基地")
    _set(t.cell(15, 2).merge(t.cell(15, 4)), ce)
    doc.add_paragraph("注：请按照通知有关要求，认真填写此表并加盖申报单位印章。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ LibreOffice and pdftoppm


def tools_missing() -> str | None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    if not os.path.exists(FONT):
        return "fonts-noto-cjk not installed"
    return None


def docx_to_pdf(docx: bytes) -> bytes:
    with tempfile.TemporaryDirectory(prefix="scanfix-") as tmp:
        src = Path(tmp) / "form.docx"
        src.write_bytes(docx)
        return soffice_pdf(src, ["--convert-to", "pdf"])


def soffice_pdf(src: Path, convert: list[str]) -> bytes:
    """`src` printed to PDF (next to it) by LibreOffice with the `convert` arguments, in a profile of its
    own; a hung soffice is killed with its process group."""
    proc = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{src.parent}/profile",
            "--headless",
            "--norestore",
            *convert,
            "--outdir",
            str(src.parent),
            str(src),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    out = src.with_suffix(".pdf")
    if not out.exists():
        raise RuntimeError("LibreOffice wrote no PDF")
    return out.read_bytes()


def pdf_to_pages(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    with tempfile.TemporaryDirectory(prefix="scanfix-") as tmp:
        (Path(tmp) / "in.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "in.pdf", "p"], cwd=tmp, check=True, timeout=120)
        return [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("p*.png"))]


def clean_pages(name: str) -> list[Image.Image]:
    """The form rendered as a perfect scan (cached by content)."""
    key = hashlib.sha256((repr(FORMS[name]) + Path(__file__).read_text()).encode()).hexdigest()[:16]
    folder = CACHE / f"{name}-{key}"
    pages = sorted(folder.glob("page*.png")) if folder.exists() else []
    if not pages:
        images = pdf_to_pages(docx_to_pdf(build_docx(FORMS[name])))
        folder.mkdir(parents=True, exist_ok=True)
        for i, im in enumerate(images):
            im.save(folder / f"page{i}.png")
        pages = sorted(folder.glob("page*.png"))
    return [Image.open(p).convert("RGB") for p in pages]


# ------------------------------------------------------------------ degradations (Pillow)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size, index=2)


def stamp(
    img: Image.Image,
    text: str,
    centre: tuple[int, int],
    *,
    diameter: int | None = None,
    colour: tuple[int, int, int] = SEAL_RED,
    strength: float = 1.0,
) -> Image.Image:
    """A round red seal with the unit's name along its upper arc, pressed over the page (multiplied,
    so black text under it stays black)."""
    d = diameter or int(40 / 25.4 * DPI)
    seal = Image.new("L", (d, d), 0)
    draw = ImageDraw.Draw(seal)
    ring = max(3, d // 24)
    draw.ellipse((ring, ring, d - ring, d - ring), outline=255, width=ring)
    r = d * 0.13
    pts = [
        (
            d / 2 + (r if i % 2 == 0 else r * 0.4) * math.cos(-math.pi / 2 + i * math.pi / 5),
            d / 2 + (r if i % 2 == 0 else r * 0.4) * math.sin(-math.pi / 2 + i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(pts, fill=255)
    size = int(d * 0.13)
    font = _font(size)
    span = min(math.radians(250), math.radians(26) * len(text))
    for i, ch in enumerate(text):
        ang = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        tile = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(tile).text((size // 2, size // 3), ch, font=font, fill=255)
        tile = tile.rotate(-math.degrees(ang) - 90, resample=Image.BICUBIC)
        x = d / 2 + d * 0.33 * math.cos(ang) - tile.width / 2
        y = d / 2 + d * 0.33 * math.sin(ang) - tile.height / 2
        seal.paste(255, (int(x), int(y)), tile)
    alpha = seal.point(lambda v: int(v * strength))
    ink = Image.new("RGB", (d, d), colour)
    x0, y0 = centre[0] - d // 2, centre[1] - d // 2
    region = img.crop((x0, y0, x0 + d, y0 + d))
    pressed = Image.composite(ink, region, alpha)
    from PIL import ImageChops

    out = img.copy()
    out.paste(ImageChops.darker(region, pressed), (x0, y0))
    return out


def header_point(img: Image.Image) -> tuple[int, int]:
    """Where the 申报单位 line is (the seal goes over it): the first dark text row below the title."""
    grey = np.asarray(img.convert("L")) < 128
    rows = np.nonzero(grey.sum(axis=1) > 3)[0]
    bands = np.split(rows, np.nonzero(np.diff(rows) > 3)[0] + 1)
    y = int(bands[1].mean()) if len(bands) > 1 else img.height // 6
    return int(img.width * 0.36), y


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def grey_noise(img: Image.Image, seed: int = 1) -> Image.Image:
    """Greyish, uneven paper and sensor noise."""
    rnd = np.random.default_rng(seed)
    a = np.asarray(img).astype(np.float32)
    h, w = a.shape[:2]
    shade = 200 + 30 * np.linspace(0, 1, w)[None, :] * np.linspace(1, 0.6, h)[:, None]
    a = a * shade[..., None] / 255.0 + rnd.normal(0, 12, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def skew(img: Image.Image, degrees: float) -> Image.Image:
    return img.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))


def phone_photo(img: Image.Image, seed: int = 0) -> Image.Image:
    """A photo taken from slightly below and to the side: keystone, a warm cast, light falling off
    (seed 0: the tilt the reader was tuned on; others tilt it otherwise)."""
    w, h = img.size
    pad = int(w * 0.06)
    rnd = random.Random(seed)
    j = [1.0 if seed == 0 else rnd.uniform(0.6, 1.4) for _ in range(8)]
    canvas = Image.new("RGB", (w + 2 * pad, h + 2 * pad), (120, 110, 95))
    canvas.paste(img, (pad, pad))
    W, H = canvas.size
    # where the output's corners come from in the input: upper-left, lower-left, lower-right, upper-right
    quad = (
        pad * 0.4 * j[0],
        pad * 0.2 * j[1],
        pad * 0.9 * j[2],
        H - pad * 0.8 * j[3],
        W - pad * 0.2 * j[4],
        H - pad * 0.3 * j[5],
        W - pad * 1.3 * j[6],
        pad * 0.9 * j[7],
    )
    photo = canvas.transform((W, H), Image.QUAD, quad, resample=Image.BICUBIC)
    a = np.asarray(photo).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W]
    light = 1.0 - 0.18 * (((xx - W * 0.4) / W) ** 2 + ((yy - H * 0.3) / H) ** 2)
    a = a * light[..., None] * np.array([1.0, 0.96, 0.88])
    return jpeg(
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6)), 85
    )


DEGRADATIONS = ("clean", "rot90", "rot180", "skew", "grey_noise", "jpeg40", "seal", "phone")


def degraded(name: str, how: str, seed: int = 0) -> Image.Image:
    """Page 1 of a form, degraded as `how` says (one of DEGRADATIONS)."""
    page = clean_pages(name)[0]
    org = FORMS[name]["declared_org"]
    rnd = random.Random(seed)
    if how == "clean":
        return page
    if how == "rot90":
        return page.rotate(90 if rnd.random() < 0.5 else -90, expand=True)
    if how == "rot180":
        return page.rotate(180)
    if how == "skew":
        return skew(page, rnd.choice((-1, 1)) * rnd.uniform(1.0, 3.0))
    if how == "grey_noise":
        return grey_noise(page, seed)
    if how == "jpeg40":
        return jpeg(page, 40)
    if how == "seal":
        return stamp(page, org, header_point(page))
    if how == "phone":
        return phone_photo(stamp(page, org, header_point(page)), seed)
    raise ValueError(how)


def colour_scan(img: Image.Image, seed: int = 2) -> Image.Image:
    """What a colour scanner makes of a black-and-white page: warm paper, a little sensor noise."""
    rnd = np.random.default_rng(seed)
    a = np.asarray(img.convert("RGB")).astype(np.float32) * np.array([0.99, 0.97, 0.91])
    return Image.fromarray(np.clip(a + rnd.normal(0, 3, a.shape), 0, 255).astype(np.uint8))


def to_pdf(pages: list[Image.Image], *, grey: bool = False, quality: int = 85) -> bytes:
    """Pages as an image-only PDF (Pillow's writer), as a scanner makes it."""
    conv = [p.convert("L" if grey else "RGB") for p in pages]
    buf = io.BytesIO()
    conv[0].save(buf, "PDF", save_all=True, append_images=conv[1:], resolution=float(DPI), quality=quality)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def jpg(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@lru_cache(maxsize=1)
def stamped_scan() -> tuple[bytes, Any]:
    """The one page the tests read with the real model, once per test session: the biotech form
    stamped over its 申报单位 line, put through a colour scanner upside down, as an image-only PDF;
    and what the PDF parser made of it (fields, seal, the OCR'd page in `.scan`)."""
    from core.documents import Document
    from core.schema import DEFAULT_SCHEMA
    from parsers.registry import PdfParser

    page = colour_scan(degraded("biotech", "seal")).rotate(180)
    pdf = to_pdf([page])
    return pdf, PdfParser().parse(Document("盖章扫描件.pdf", "pdf", pdf, ""), DEFAULT_SCHEMA)


def expected(name: str) -> dict[str, Any]:
    """The contract fields the form was written from (dates as the parser gives them)."""
    from core.fields import FormFields

    f = FORMS[name]
    out = FormFields().to_json()
    for key, value in f.items():
        if isinstance(value, dict):
            out[key].update(value)
        else:
            out[key] = value
    out["declared_date"] = _iso(f["declared_date"])
    start, end = f["training_dates"].split("至")
    out["training_start"] = _iso(start)
    out["training_end"] = _iso(start[:5] + end)
    return out


def _iso(text: str) -> str:
    import re

    y, m, d = (int(v) for v in re.findall(r"\d+", text))
    return f"{y:04d}-{m:02d}-{d:02d}"
