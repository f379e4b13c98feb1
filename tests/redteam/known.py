"""What the product still gets wrong on the red-team set, and why (tests/test_redteam.py xfails these).

Keys: a document ("c007_p" = case c007's PDF, "_w" its Word file); KNOWN_RUN: the mails (by case) whose
run-tier result is still wrong.  Each entry is removed when the product is fixed (the xfails are strict).
"""

from __future__ import annotations

KNOWN: dict[str, str] = {
    "c017_p": "funding_type expected 'fiscal', got None",
    "c061_p": "content_and_format expected '采取主题报告、专题研讨、现场教学相结合的方式，内容包括智能网联汽车最新进展、关键技术与典型案例。', got None",
    "c067_p": "organizer.ce_base expected 'provincial', got None",
    "c068_p": "funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c068_w": "funding_type_missing Word 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c069_p": "declared_org expected '黄冈市新材料研究会', got '⻩冈市新材料研究会'",
    "c069_w": "funding_type_missing Word 中为“□财政资助项目 □自筹经费项目（自筹经费来源：单位自有资金）”",
    "c070_p": "funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c070_w": "funding_type_missing Word 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c071_p": "funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c071_w": "funding_type_missing Word 中为“□财政资助项目 □自筹经费项目（自筹经费来源：_____）”",
    "c130_p": "training_after_deadline",
    "c130_w": "training_after_deadline",
    "c143_p": "organizer.ce_base expected 'no', got None",
    "c160_p": "experts expected '拟邀请湖北江城实验室等单位教授、研究员5名授课，其中正高级职称4名。', got None",
    "c186_p": "NEW: purpose expected '围绕种业振兴前沿技术，提升我省现代农业领域专业技术人员的创新能力和实践水平，培养一批高层次骨干人才。', got '围绕种业振兴前沿技术，提升我省现代农业领域专业技术人员的创新能'",
    "c204_p": "industry_authority expected '湖北省应急管理厅', got None",
    "c205_p": "NEW: funding_type expected 'fiscal', got None",
    "c207_p": "NEW: funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：单位自有资金）”",
}

KNOWN_RUN: dict[str, str] = {
    "c068": "see KNOWN",
    "c069": "see KNOWN",
    "c070": "see KNOWN",
    "c071": "see KNOWN",
    "c130": "see KNOWN",
    "c204": "see KNOWN",
    "c205": "NEW: 1734000205.c205.redteam:2,S/现代物流与供应链管理前沿技术高级研修班: funding_type expected 'fiscal', got None",
    "c207": "NEW: 1734000207.c207.redteam:2,S/茶产业高质量发展前沿技术高级研修班: funding_type_missing PDF 中为“□财政资助项目 □自筹经费项目（自筹经费来源：单位自有资金）”",
    "c216-bufa": "NEW: 1734100216.c216-bufa.redteam:2,S/乡村振兴与现代农业技术产教融合高级研修班: missing_word",
}
