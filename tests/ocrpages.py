"""OCR output written by hand: a PageScan laid out from rows of cell text, as the reader would return
it for a page of the form (cells of a ruled table, one text piece per cell line, confidence 0.99).

For tests of what happens *after* recognition (joining the pages of one form sent as several photos,
reading a PDF's scanned pages beside its text pages, the run's OCR cache) without running the model:
the recognition itself is tested on real pages in tests/test_ocr_scans.py and measured in
bench/bench_ocr.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from parsers.ocr.layout import Cell, Piece
from parsers.ocr.read import PageScan

XS = (60, 220, 420, 620, 760, 1180)  # the lattice's column rules (five columns, as the form's)
ROW_H, CHAR_W, TOP = 48, 22, 200

Row = Sequence[str | None]  # a table row: each cell's text ("\n" between its lines), None where the
# cell to its left spans on (or, in the first column, the cell above)

PAGE1: tuple[Row, ...] = (
    ("项目名称", "生物育种前沿技术高级研修班", None, None, None),
    ("办班时间", "2025年7月19日至7月22日", None, "办班地点", "十堰市国际会议中心"),
    ("选题所属行业领域", "生物技术", None, "选题所属行业主管部门", "湖北省农业农村厅"),
    ("申报项目类别", "☑财政资助项目 ☐自筹经费项目（自筹经费来源：____）", None, None, None),
    (
        "是否符合选题范围",
        "☐服务国家战略：\n☑对接产业需求：对接我省优势产业发展需求\n☐突出数字技术：",
        None,
        None,
        None,
    ),
    ("研修目的和作用", "提升高层次专业技术人才的创新能力。", None, None, None),
)
PAGE1_OUTSIDE = (
    "专业技术人员知识更新工程2025年高级研修项目申报表",
    "申报单位：湖北工业大学（盖章）",
    "申报时间：2024年12月14日",
)
PAGE2: tuple[Row, ...] = (
    ("研修内容和方式", "主题报告与现场教学。", None, None, None),
    ("授课专家情况", "拟邀请7位专家授课。", None, None, None),
    ("培训对象", "全省中高级职称专业技术人员100人。", None, None, None),
    ("申报单位信息", "单位名称", "湖北工业大学", "联系人", "王勇"),
    (None, "办公电话", "027-89668021", "手机", "13404796669"),
    (None, "传真", "027-59002594", "地址", "武汉市洪山区南李路28号"),
    ("承办单位信息", "单位名称", "中国地质大学（武汉）", "联系人", "张燕"),
    (None, "办公电话", "027-64561747", "手机", "18646869589"),
    (None, "传真", "027-65595192", "地址", "武汉市洪山区鲁磨路388号"),
    (None, "是否继续教育基地", "☐是第__批国家级专业技术人员继续教育基地 ☑是省级继续教育基地 ☐否", None, None),
)


def page_scan(
    rows: Sequence[Row], outside: Sequence[str] = (), *, index: int = 0, seal: str = "none"
) -> PageScan:
    """The PageScan of a page holding `outside` lines above a table of `rows`.  A None in the first
    column continues the cell above (a section label spanning rows)."""
    pieces: list[Piece] = []
    y = 60
    for line in outside:
        pieces.append(Piece(line, 0.99, (XS[0], y, XS[0] + CHAR_W * len(line), y + 30)))
        y += 44
    cells: list[Cell] = []
    above: dict[int, int] = {}  # column → index in `cells` of the cell a None in that column continues
    y1 = TOP
    for r, row in enumerate(rows):
        lines = max(len((t or "").split("\n")) for t in row)
        y0, y1 = y1, y1 + ROW_H * lines
        c = 0
        while c < len(row):
            end = c + 1
            while end < len(row) and row[end] is None and c > 0:
                end += 1
            text = row[c]
            if text is None:  # the first column continues the section cell above
                i = above[c]
                x0, top, x1, _ = cells[i].box
                cells[i] = Cell((x0, top, x1, y1), cells[i].row, cells[i].col)
                c = end
                continue
            above[c] = len(cells)
            cells.append(Cell((XS[c], y0, XS[end], y1), r, c))
            for k, part in enumerate(t for t in text.split("\n") if t):
                x, y = XS[c] + 6, y0 + 10 + k * ROW_H
                pieces.append(Piece(part, 0.99, (x, y, x + CHAR_W * len(part), y + 28)))
            c = end
    return PageScan(
        index=index,
        size=(1240, 1754),
        pieces=tuple(pieces),
        cells=tuple(cells),
        columns=len(XS) - 1,
        seal=seal,
        timings={},
    )
