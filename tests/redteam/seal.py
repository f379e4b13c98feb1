"""A red round seal (公章) as a PNG: ring, star and the unit's name, as a scanner shows it."""

from __future__ import annotations

import io
import math
from functools import cache

from PIL import Image, ImageDraw, ImageFont

_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
RED = (218, 30, 36, 255)


@cache
def seal_png(text: str = "湖北省专业技术人员继续教育协会", size: int = 320) -> bytes:
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    pad = size // 40
    d.ellipse((pad, pad, size - pad, size - pad), outline=RED, width=size // 28)
    cx = cy = size / 2
    r_star = size * 0.15
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        r = r_star if i % 2 == 0 else r_star * 0.4
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    d.polygon(pts, fill=RED)
    try:
        font = ImageFont.truetype(_FONT, size // 11)
    except OSError:
        font = ImageFont.load_default()
    chars = list(text[:16])
    span = math.radians(240)
    for i, ch in enumerate(chars):
        a = math.radians(-210) + span * (i + 0.5) / len(chars)
        x = cx + size * 0.36 * math.cos(a)
        y = cy + size * 0.36 * math.sin(a)
        glyph = Image.new("RGBA", (size // 8, size // 8), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((size // 80, -size // 100), ch, font=font, fill=RED)
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        img.alpha_composite(glyph, (int(x - size // 16), int(y - size // 16)))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
