"""Radical code points in a PDF's text layer read as the ideographs they stand for.

CJK fonts draw a radical and the ideograph of the same shape with one glyph (长 U+957F and ⻓ U+2ED3,
人 U+4EBA and ⼈ U+2F08).  A PDF writer that maps each glyph back to the first code point the font lists
for it — Chromium and Edge printing a page (Skia), some "Print to PDF" drivers — writes the radical into the
ToUnicode map, so the text layer says "⻓江流域综合治理与⽣态修复" where the page shows 长江流域综合治理与生态
修复: every label and value comes out unreadable.  A 申报表 never holds a radical on purpose, so they are
read as the ideograph.

Kangxi Radicals (U+2F00–U+2FD5) have a compatibility decomposition to their ideograph (NFKC); the CJK
Radicals Supplement (U+2E80–U+2EF3) has none, so the table below pairs each supplement radical with the
ideograph that shares its glyph in the Noto CJK SC fonts (cmap of NotoSansCJK / NotoSerifCJK, matching
Unicode's EquivalentUnifiedIdeograph.txt for these characters).  ⼾ (U+2F3E) decomposes to 戶 but shares
户's glyph in simplified-Chinese fonts: 户.
"""

from __future__ import annotations

import unicodedata

__all__ = ["has_radicals", "unify"]

_SUPPLEMENT = str.maketrans(
    "⺂⺃⺅⺇⺉⺋⺍⺎⺏⺐⺒⺓⺔⺕⺖⺘⺙⺛⺞⺟⺠⺡⺣⺤⺦⺨⺩⺫⺭⺮⺯⺰⺱⺲⺳⺹⺺⺽⺾⻁⻂⻃⻅⻆⻇⻈⻉⻊⻋⻌⻐⻑⻒⻓⻔⻕⻖⻘⻙⻚⻛⻜⻝⻞⻟⻠⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻮⻯⻰⻱⻲⻳",
    "乛乚亻𠘨刂㔾𭕄兀尣尢巳幺彑彐忄扌攵旡歺母民氵灬爫丬犭𤣩罒礻𥫗糹纟罓罒㓁耂肀𦥑艹虎衤覀见角𧢲讠贝𧾷车辶钅長镸长门𨸏阝青韦页风飞食𩙿飠饣𩠐马骨鬼鱼鸟卤麦黄黾斉齐齿竜龙龜亀龟",
)
_KANGXI = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}
_KANGXI[0x2F3E] = "户"
_TABLE = {**_SUPPLEMENT, **{k: ord(v) for k, v in _KANGXI.items()}}


def has_radicals(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u2fdf" for ch in text)


def unify(text: str) -> str:
    """The text with every radical code point replaced by its ideograph (other text unchanged)."""
    return text.translate(_TABLE) if has_radicals(text) else text
