"""What the product still gets wrong on the red-team set, and why (tests/test_redteam.py xfails these).

Keys: a document ("c007_p" = case c007's PDF, "_w" its Word file); KNOWN_RUN: the mails (by case) whose
run-tier result is still wrong.  Each entry is removed when the product is fixed (the xfails are strict).
"""

from __future__ import annotations

KNOWN: dict[str, str] = {
    "c067_p": "organizer.ce_base expected 'provincial', got None",
    "c068_p": "funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c069_p": "funding_type_missing: the option set in bold and underlined (no mark) loses its emphasis in the PDF",
    "c070_p": "funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c071_p": "funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c207_p": "NEW: funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：单位自有资金）”",
}

KNOWN_RUN: dict[str, str] = {
    "c207": "NEW: 1734000207.c207.redteam:2,S/茶产业高质量发展前沿技术高级研修班: funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：单位自有资金）”",
}
