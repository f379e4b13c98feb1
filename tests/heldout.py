"""A second, independent scan writer: the held-out set the OCR reader is never tuned on.

Made differently from tests/scanfix.py at every step, so figures on it say how the reader does on forms
it has not seen:
- the form is HTML written here (the notice's four-column table, the blank form's hints kept in their
  cells, long texts that run the table onto a second page), converted by LibreOffice's HTML import
  (Writer/Web), not python-docx; set in Noto *Serif* CJK (宋体-like, what most units print in), with
  wider margins;
- the chosen boxes are printed empty and ticked by hand: a blue ballpoint √ drawn over the box (the
  form is printed, then filled with a pen), or a typed ■ / √ on some forms;
- rasterised at 200 dpi by pdftoppm, then made to look printed and scanned: toner grain, a little blur,
  a slight turn, uneven scanner light, JPEG in the PDF;
- a different seal: 42 mm, double ring, serif letters running round most of the ring, "专用章" below
  the star, a duller red, pressed unevenly (mottled), placed over 申报单位 and the first lines;
- phone photos of each page (JPEG), at tilts drawn per seed; a strong tilt and a curled page are kept
  apart as the hard cases.

Nothing here is imported by the reader, and the reader's tuning never looks at these pages:
bench/bench_ocr.py reports them as "held-out (HTML writer)".
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import os
import random
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

CACHE = Path(__file__).parent / ".scan-cache"
DPI = 200
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SERIF_BOLD = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
TICK = "\u25a1"  # the chosen box is printed as a box in a marker colour, then ticked by "pen"
_MARKER = (0, 200, 0)  # the colour that tells the fixture where a chosen box was printed

FORMS: dict[str, dict[str, Any]] = {
    "changjiang": {
        "project_name": "长江流域水生态保护与修复技术高级研修班",
        "declared_org": "长江水利委员会长江科学院",
        "declared_date": "2024年12月13日",
        "training_dates": "2025年6月9日至6月13日",
        "training_location": "武汉市江岸区长江科学院培训楼",
        "industry_field": "水利",
        "industry_authority": "湖北省水利厅",
        "funding_type": "self_funded",
        "self_funding_source": "单位自有资金",
        "scope": {"national_strategy": True, "industry_demand": True, "digital_tech": False},
        "scope_notes": {
            "national_strategy": "服务长江经济带发展和流域综合治理",
            "industry_demand": "对接水利行业生态修复技术需求",
        },
        "purpose": "围绕长江大保护和流域综合治理的重大部署，系统研讨水生态监测评估、河湖生态修复与水资源"
        "优化调度等关键技术，提升全省水利系统专业技术人员解决复杂工程问题的能力，培养一批懂技术、"
        "会管理的水生态保护骨干人才，为我省建设全国构建新发展格局先行区提供水安全保障。",
        "content_and_format": "一是水生态保护政策与长江大保护战略解读；二是河湖健康评价与生态流量保障专题"
        "研讨；三是丹江口库区、梁子湖生态修复现场教学；四是典型工程案例分析与学员交流研讨，采取"
        "主题报告、专题研讨、现场教学相结合的方式进行。",
        "experts": "拟邀请中国工程院院士1名、长江科学院及武汉大学、河海大学教授研究员8名授课，均为水生态"
        "与水环境领域知名专家。",
        "trainees": "面向全省水利、生态环境系统具有中高级职称的专业技术人员，计划招收学员60人，其中市县"
        "基层一线人员不少于三分之一。",
        "applicant": {
            "name": "长江水利委员会长江科学院",
            "contact": "周晓梅",
            "office_phone": "027-82926413",
            "mobile": "13871209456",
            "fax": "027-82926400",
            "address": "武汉市江岸区黄浦大街23号",
        },
        "organizer": {
            "name": "长江科学院继续教育中心",
            "contact": "黄振宇",
            "office_phone": "027-82829105",
            "mobile": "18971532016",
            "fax": "027-82829100",
            "address": "武汉市江岸区黄浦大街23号",
            "ce_base": "national",
            "ce_base_batch": 3,
        },
        "marks": "pen",
    },
    "battery": {
        "project_name": "新能源汽车动力电池安全与回收利用高级研修班",
        "declared_org": "武汉理工大学",
        "declared_date": "2024年12月12日",
        "training_dates": "2025年9月22日至9月25日",
        "training_location": "襄阳市东津新区汽车产业园",
        "industry_field": "新能源汽车",
        "industry_authority": "湖北省经济和信息化厅",
        "funding_type": "fiscal",
        "self_funding_source": None,
        "scope": {"national_strategy": False, "industry_demand": True, "digital_tech": True},
        "scope_notes": {
            "industry_demand": "聚焦新能源与智能网联汽车产业",
            "digital_tech": "电池全生命周期大数据管理",
        },
        "purpose": "针对动力电池热失控预警、梯次利用与材料回收等产业难题，组织专业技术人员开展高水平研修，"
        "促进产学研协同创新，推动我省新能源汽车产业链高端化、智能化、绿色化发展。",
        "content_and_format": "主题报告：动力电池安全技术发展趋势；专题研讨：热失控机理与早期预警；现场教学："
        "走进电池回收利用示范企业；案例分析与学术交流。",
        "experts": "邀请武汉理工大学、华中科技大学及行业龙头企业首席专家等7人授课。",
        "trainees": "全省汽车及相关行业具有中级以上职称的工程技术人员50人。",
        "applicant": {
            "name": "武汉理工大学",
            "contact": "李文博",
            "office_phone": "027-87651238",
            "mobile": "15927034518",
            "fax": "027-87651200",
            "address": "武汉市洪山区珞狮路122号",
        },
        "organizer": {
            "name": "武汉理工大学继续教育学院",
            "contact": "张海燕",
            "office_phone": "027-87859012",
            "mobile": "13657215873",
            "fax": "027-87859000",
            "address": "武汉市洪山区珞狮路205号",
            "ce_base": "provincial",
        },
        "marks": "typed",
    },
    "farming": {
        "project_name": "智慧农业与数字乡村建设高级研修班",
        "declared_org": "湖北省农业科学院",
        "declared_date": "2024年12月16日",
        "training_dates": "2025年5月19日至5月22日",
        "training_location": "荆州市农业科技创新中心",
        "industry_field": "现代农业",
        "industry_authority": "湖北省农业农村厅",
        "funding_type": "self_funded",
        "self_funding_source": "项目合作经费",
        "scope": {"national_strategy": True, "industry_demand": False, "digital_tech": True},
        "scope_notes": {
            "national_strategy": "服务乡村振兴战略",
            "digital_tech": "农业物联网与遥感监测应用",
        },
        "purpose": "落实乡村振兴战略，提升农业科技人员运用物联网、遥感和大数据技术解决生产实际问题的能力，"
        "培育一批数字农业领域的复合型专业技术人才。",
        "content_and_format": "采取专家授课、专题研讨、基地观摩相结合的方式，内容包括智慧农业顶层设计、"
        "农业遥感监测、数字果园与智能装备应用等。",
        "experts": "拟请中国农业大学、华中农业大学及省农科院专家6人授课。",
        "trainees": "全省农业农村系统中高级职称专业技术人员45人，向县乡基层农技推广人员倾斜。",
        "applicant": {
            "name": "湖北省农业科学院",
            "contact": "吴建国",
            "office_phone": "027-87389016",
            "mobile": "13995672841",
            "fax": "027-87389000",
            "address": "武汉市洪山区南湖大道43号",
        },
        "organizer": {
            "name": "荆州农业科学院",
            "contact": "邓丽华",
            "office_phone": "0716-8123456",
            "mobile": "18986617720",
            "fax": "0716-8123400",
            "address": "荆州市荆州区荆秘路88号",
            "ce_base": "no",
        },
        "marks": "pen",
    },
}

_HINTS = {
    "content_and_format": "（包括但不限于主题报告、专题研讨、学术交流、现场教学）",
    "experts": "（如有院士或省部级领导出席，请重点阐述）",
}


# ------------------------------------------------------------------ the form as HTML


def _e(text: str) -> str:
    return html.escape(text)


def _box(chosen: bool, style: str) -> str:
    if not chosen:
        return "□"
    if style == "typed":
        return "■"
    return f'<font color="#00c800">{TICK}</font>'


def form_html(f: dict[str, Any]) -> str:
    """The notice's 申报表 as HTML, filled with `f`: four columns as the notice prints them."""
    style = f.get("marks", "pen")
    src = f.get("self_funding_source") or "________"
    funding = (
        f"{_box(f['funding_type'] == 'fiscal', style)}财政资助项目&nbsp;&nbsp;&nbsp;"
        f"{_box(f['funding_type'] == 'self_funded', style)}自筹经费项目（自筹经费来源：{_e(src)}）"
    )
    notes = f["scope_notes"]
    scope = "<br>".join(
        f"{_box(f['scope'][k], style)}{label}：{_e(notes.get(k) or '')}"
        for k, label in (
            ("national_strategy", "服务国家战略"),
            ("industry_demand", "对接产业需求"),
            ("digital_tech", "突出数字技术"),
        )
    )
    org = f["organizer"]
    batch = str(org.get("ce_base_batch") or "__")
    ce = (
        f"{_box(org['ce_base'] == 'national', style)}是第{batch}批国家级专业技术人员继续教育基地&nbsp;&nbsp;"
        f"{_box(org['ce_base'] == 'provincial', style)}是省级继续教育基地&nbsp;&nbsp;"
        f"{_box(org['ce_base'] == 'no', style)}否"
    )

    def unit(title: str, u: dict[str, Any], extra: str = "") -> str:
        span = 4 if extra else 3
        return (
            f'<tr><td rowspan="{span}" width="14%">{title}</td><td width="14%">单位名称</td>'
            f'<td width="28%">{_e(u["name"])}</td><td width="12%">联系人</td><td>{_e(u["contact"])}</td></tr>'
            f"<tr><td>办公电话</td><td>{_e(u['office_phone'])}</td><td>手机</td><td>{_e(u['mobile'])}</td></tr>"
            f"<tr><td>传&nbsp;&nbsp;真</td><td>{_e(u['fax'])}</td><td>地&nbsp;&nbsp;址</td>"
            f"<td>{_e(u['address'])}</td></tr>" + extra
        )

    def wide(label: str, value: str, height: str = "") -> str:
        h = f' height="{height}"' if height else ""
        return f'<tr><td{h}>{label}</td><td colspan="4">{value}</td></tr>'

    ce_row = f'<tr><td>是否继续<br>教育基地</td><td colspan="3">{ce}</td></tr>'
    rows = [
        wide("项目名称", _e(f["project_name"])),
        f'<tr><td>办班时间</td><td colspan="2">{_e(f["training_dates"])}</td><td>办班地点</td>'
        f"<td>{_e(f['training_location'])}</td></tr>",
        f'<tr><td>选题所属<br>行业领域</td><td colspan="2">{_e(f["industry_field"])}</td>'
        f"<td>选题所属<br>行业主管部门</td><td>{_e(f['industry_authority'])}</td></tr>",
        wide("申报项目<br>类别<br>(仅单选)", funding),
        wide("是否符合<br>选题范围", scope),
        wide("研修目的<br>和作用", _e(f["purpose"]), "120"),
        wide("研修内容和方式", _HINTS["content_and_format"] + "<br>" + _e(f["content_and_format"]), "110"),
        wide("授课专家情况", _HINTS["experts"] + "<br>" + _e(f["experts"]), "80"),
        wide("培训对象", _e(f["trainees"]), "80"),
        unit("申报单位信息", f["applicant"]),
        unit("承办单位信息", org, ce_row),
    ]
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>申报表</title>
<style>
@page {{ size: 21cm 29.7cm; margin: 2.8cm 2.6cm 2.4cm 2.6cm; }}
body {{ font-family: "Noto Serif CJK SC"; font-size: 12pt; }}
td {{ font-family: "Noto Serif CJK SC"; font-size: 11pt; vertical-align: middle; }}
</style></head>
<body>
<p>附件</p>
<p align="center"><font size="5"><b>专业技术人员知识更新工程2025年高级研修项目申报表</b></font></p>
<p>申报单位：{_e(f["declared_org"])}（盖章）</p>
<p>申报时间：{_e(f["declared_date"])}</p>
<table border="1" cellspacing="0" cellpadding="6" width="100%">
{"".join(rows)}
</table>
<p><b>注：</b>请按照通知有关要求，认真填写此表并<b>加盖申报单位印章。</b></p>
</body></html>
"""


# ------------------------------------------------------------------ LibreOffice (HTML import) and pdftoppm


def tools_missing() -> str | None:
    from tests import scanfix

    return scanfix.tools_missing() or (None if os.path.exists(SERIF) else "Noto Serif CJK not installed")


def html_to_pdf(text: str) -> bytes:
    from tests import scanfix

    with tempfile.TemporaryDirectory(prefix="heldout-") as tmp:
        src = Path(tmp) / "form.html"
        src.write_text(text, encoding="utf-8")
        return scanfix.soffice_pdf(src, ["--writer", "--convert-to", "pdf:writer_pdf_Export"])


def clean_pages(name: str) -> list[tuple[Image.Image, list[tuple[int, int, int, int]]]]:
    """The form's pages at 200 dpi, each with the boxes of its chosen options (to be ticked by pen)."""
    from tests import scanfix

    text = form_html(FORMS[name])
    key = hashlib.sha256((text + Path(__file__).read_text()).encode()).hexdigest()[:16]
    folder = CACHE / f"heldout-{name}-{key}"
    files = sorted(folder.glob("page*.png")) if folder.exists() else []
    if not files:
        images = scanfix.pdf_to_pages(html_to_pdf(text), DPI)
        folder.mkdir(parents=True, exist_ok=True)
        for i, im in enumerate(images):
            im.save(folder / f"page{i}.png")
        files = sorted(folder.glob("page*.png"))
    out = []
    for p in files:
        im = Image.open(p).convert("RGB")
        a = np.asarray(im).astype(np.int16)
        marker = (a[:, :, 1] > 120) & (a[:, :, 0] < 90) & (a[:, :, 2] < 90)
        boxes = _blobs(marker)
        greenish = a[:, :, 1] - np.maximum(a[:, :, 0], a[:, :, 2]) > 20
        a[greenish] = np.minimum(a[:, :, 0], a[:, :, 2])[greenish][:, None]  # the box itself prints black
        out.append((Image.fromarray(a.astype(np.uint8)), boxes))
    return out


def _blobs(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    from scipy import ndimage

    labels, _ = ndimage.label(ndimage.binary_dilation(mask, iterations=2))
    return [(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in ndimage.find_objects(labels) if s]


# ------------------------------------------------------------------ filling by pen, seal, print and scan


def pen_ticks(img: Image.Image, boxes: list[tuple[int, int, int, int]], seed: int) -> Image.Image:
    """A blue ballpoint √ over each chosen box, each a little different, running out of the box."""
    rnd = random.Random(seed)
    out = img.copy()
    d = ImageDraw.Draw(out)
    for x0, y0, x1, y1 in boxes:
        s = max(x1 - x0, y1 - y0)
        ox, oy = rnd.uniform(-0.15, 0.15) * s, rnd.uniform(-0.2, 0.1) * s
        pts = [
            (x0 + 0.1 * s + ox, y0 + 0.5 * s + oy),
            (x0 + 0.4 * s + ox, y0 + 0.9 * s + oy),
            (x0 + rnd.uniform(1.0, 1.3) * s + ox, y0 - rnd.uniform(0.2, 0.45) * s + oy),
        ]
        d.line(pts, fill=(28, 48, 150), width=max(2, int(s * 0.12)), joint="curve")
    return out


def _serif(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(SERIF_BOLD if bold else SERIF, size, index=2)


def seal(
    img: Image.Image, text: str, centre: tuple[int, int], seed: int, *, red=(196, 38, 52)
) -> Image.Image:
    """A 42 mm round seal: double ring, the unit's name round most of the ring, a star, 专用章 below;
    the ink mottled and uneven, multiplied onto the page (text under it stays dark)."""
    d = int(42 / 25.4 * DPI)
    m = Image.new("L", (d, d), 0)
    draw = ImageDraw.Draw(m)
    outer = max(4, d // 28)
    draw.ellipse((2, 2, d - 3, d - 3), outline=255, width=outer)
    inner = outer + max(3, d // 60)
    draw.ellipse((inner, inner, d - inner, d - inner), outline=255, width=max(1, outer // 3))
    c = d / 2
    r = d * 0.12
    star = [
        (
            c + (r if i % 2 == 0 else r * 0.38) * math.cos(-math.pi / 2 + i * math.pi / 5),
            c + (r if i % 2 == 0 else r * 0.38) * math.sin(-math.pi / 2 + i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=255)
    size = int(d * 0.115)
    font = _serif(size)
    span = math.radians(min(270, 24 * len(text)))
    for i, ch in enumerate(text):
        ang = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        tile = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(tile).text((size // 2, size // 4), ch, font=font, fill=255)
        tile = tile.rotate(-math.degrees(ang) - 90, resample=Image.BICUBIC)
        x = c + d * 0.35 * math.cos(ang) - tile.width / 2
        y = c + d * 0.35 * math.sin(ang) - tile.height / 2
        m.paste(255, (int(x), int(y)), tile)
    small = _serif(int(d * 0.09))
    draw.text((c, c + d * 0.24), "专用章", font=small, fill=255, anchor="mm")
    rnd = np.random.default_rng(seed)
    grain = rnd.uniform(0.55, 1.0, (d // 6 + 1, d // 6 + 1)).astype(np.float32)
    grain = np.asarray(Image.fromarray((grain * 255).astype(np.uint8)).resize((d, d), Image.BICUBIC)) / 255.0
    side = np.linspace(rnd.uniform(0.6, 0.85), 1.0, d)[None, :]  # pressed harder on one side
    alpha = np.asarray(m, np.float32) / 255.0 * grain * side
    alpha = np.asarray(Image.fromarray((alpha * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8)))
    x0, y0 = centre[0] - d // 2, centre[1] - d // 2
    region = img.crop((x0, y0, x0 + d, y0 + d))
    ink = Image.composite(
        Image.new("RGB", (d, d), red), Image.new("RGB", (d, d), "white"), Image.fromarray(alpha)
    )
    out = img.copy()
    out.paste(ImageChops.multiply(region, ink), (x0, y0))
    return out


def declared_line(img: Image.Image) -> tuple[int, int]:
    """Where to stamp: over the end of the 申报单位 line (the third text band from the top)."""
    grey = np.asarray(img.convert("L")) < 128
    rows = np.nonzero(grey.sum(axis=1) > 3)[0]
    bands = np.split(rows, np.nonzero(np.diff(rows) > 4)[0] + 1)
    band = bands[2] if len(bands) > 2 else bands[-1]
    cols = np.nonzero(grey[band].any(axis=0))[0]
    return int(cols.max() - 0.08 * img.width), int(band.mean() + 0.01 * img.height)


def printed_and_scanned(img: Image.Image, seed: int, *, turn: float | None = None) -> Image.Image:
    """A laser print put through an office scanner: toner grain, soft edges, a slight turn, the lid's
    uneven light, a warm paper tone."""
    rnd = np.random.default_rng(seed)
    a = np.asarray(img.filter(ImageFilter.GaussianBlur(0.7))).astype(np.float32)
    h, w = a.shape[:2]
    toner = rnd.normal(0, 10, (h, w))[..., None] * (a < 200)
    light = 0.94 + 0.06 * np.linspace(1, 0, h)[:, None, None]
    paper = np.array([0.985, 0.975, 0.94])
    a = (a + toner) * light * paper + rnd.normal(0, 2.5, a.shape)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    angle = turn if turn is not None else float(rnd.uniform(-1.2, 1.2))
    return out.rotate(angle, resample=Image.BICUBIC, fillcolor=(246, 243, 235))


def photo(img: Image.Image, seed: int, strength: float = 1.0, curl: float = 0.0) -> Image.Image:
    """A phone photo of a page lying on a desk: perspective (`strength` 1 = a careful shot), a curled
    page (`curl`: the bulge in page heights), shade, blur, a 12 MP phone's JPEG."""
    rnd = random.Random(seed * 7 + 3)
    w, h = img.size
    pad = int(w * 0.07)
    canvas = Image.new("RGB", (w + 2 * pad, h + 2 * pad), (92, 84, 70))
    canvas.paste(img, (pad, pad))
    if curl:
        a = np.asarray(canvas)
        H, W = a.shape[:2]
        xs = np.arange(W)
        shift = (curl * h * np.sin(np.pi * np.clip((xs - pad) / w, 0, 1))).astype(int)
        rows = np.clip(np.arange(H)[:, None] - shift[None, :], 0, H - 1)
        canvas = Image.fromarray(a[rows, xs[None, :]])
    W, H = canvas.size
    k = pad * strength

    def j() -> float:
        return rnd.uniform(0.0, 1.6) * k

    quad = (j(), j(), j(), H - j(), W - j(), H - j(), W - j(), j())
    shot = canvas.transform((W, H), Image.QUAD, quad, resample=Image.BICUBIC)
    a = np.asarray(shot).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W]
    cx, cy = rnd.uniform(0.2, 0.8), rnd.uniform(0.2, 0.8)
    a *= (1.0 - 0.22 * (((xx / W - cx) ** 2) + ((yy / H - cy) ** 2)))[..., None]
    a *= np.array([1.0, 0.97, 0.9])
    shot = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.9))
    scale = 4000 / max(shot.size)  # a phone's 12 MP frame
    shot = shot.resize((int(shot.width * scale), int(shot.height * scale)), Image.BICUBIC)
    buf = io.BytesIO()
    shot.save(buf, "JPEG", quality=82)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


# ------------------------------------------------------------------ the held-out set

SCANS = ("scan", "scan_grey", "scan_upside_down")
PHOTOS = ("photo",)
HARD = ("photo_strong", "photo_curled")


def filled_pages(name: str, seed: int) -> list[Image.Image]:
    """The form printed, ticked by pen where it says so, and stamped (no scanner yet)."""
    f = FORMS[name]
    pages = []
    for i, (img, boxes) in enumerate(clean_pages(name)):
        if boxes:
            img = pen_ticks(img, boxes, seed * 31 + i)
        if i == 0:
            img = seal(img, f["declared_org"], declared_line(img), seed)
        pages.append(img)
    return pages


def scan_pdf(name: str, how: str, seed: int) -> bytes:
    """The stamped form put through a scanner, as the image-only PDF it sends (colour, JPEG)."""
    pages = [printed_and_scanned(p, seed * 13 + i) for i, p in enumerate(filled_pages(name, seed))]
    if how == "scan_upside_down":
        pages = [p.rotate(180) for p in pages]
    grey = how == "scan_grey"
    conv = [p.convert("L" if grey else "RGB") for p in pages]
    buf = io.BytesIO()
    conv[0].save(buf, "PDF", save_all=True, append_images=conv[1:], resolution=float(DPI), quality=75)
    return buf.getvalue()


def photos(name: str, how: str, seed: int) -> list[tuple[str, bytes]]:
    """Each page photographed: (file name, JPEG bytes) in page order."""
    strength = {"photo": 1.0, "photo_strong": 2.6, "photo_curled": 1.0}[how]
    curl = 0.012 if how == "photo_curled" else 0.0
    out = []
    for i, page in enumerate(filled_pages(name, seed)):
        shot = photo(page, seed * 17 + i, strength, curl)
        buf = io.BytesIO()
        shot.save(buf, "JPEG", quality=85)
        out.append((f"IMG_20241216_1030{12 + 3 * i:02d}.jpg", buf.getvalue()))
    return out


def expected(name: str) -> dict[str, Any]:
    """The contract fields the form was written from (dates as the parser gives them)."""
    from core.fields import FormFields

    f = {k: v for k, v in FORMS[name].items() if k != "marks"}
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
    y, m, d = (int(v) for v in re.findall(r"\d+", text))
    return f"{y:04d}-{m:02d}-{d:02d}"
