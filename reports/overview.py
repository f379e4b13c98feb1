"""汇总 (the numbers) and 统计 (counts per 市州/省直 and per 申报单位, by 申报项目类别).

The counts a reviewer checks against the list are formulas over 申报项目 (COUNTIF / COUNTIFS on 状态,
推荐级别, 申报项目类别, 本次运行): they equal what filtering that column shows, and they move while
reviewers fill in decisions.  Only current forms count (状态 is not 已被替代).  These formulas are
intake's own, built from its column letters; no cell ever becomes a formula from applicant data.

统计 is a pivot of the current forms (pandas crosstab), as of the regeneration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from reports import style
from reports.cells import chinese_date, naive_local
from reports.counts import Counts
from reports.projects import REVIEW_CHOICES, ProjectColumns
from reports.stream import Spec, write_rows
from reports.style import Looks

__all__ = ["FUNDING_LABELS", "Ranges", "pivot_tables", "write_stats", "write_summary_sheet"]

FUNDING_LABELS = ("财政资助项目", "自筹经费项目", "未勾选", "两项均勾选")
STATUSES = ("材料齐全", "需补正", "不符合要求", "逾期")
_REGION_ORDER = (
    "省直",
    "武汉市",
    "黄石市",
    "十堰市",
    "宜昌市",
    "襄阳市",
    "鄂州市",
    "荆门市",
    "孝感市",
    "荆州市",
    "黄冈市",
    "咸宁市",
    "随州市",
    "恩施州",
    "仙桃市",
    "潜江市",
    "天门市",
    "神农架林区",
    "未知",
)


@dataclass(frozen=True)
class Ranges:
    """Where the formulas look: column ranges of 申报项目 and 邮件日志."""

    columns: ProjectColumns
    rows: int  # data rows of 申报项目
    mail_rows: int
    mail_run_letter: str

    def project(self, header: str) -> str:
        letter = self.columns.letter(header)
        return f"'申报项目'!${letter}$2:${letter}${max(self.rows + 1, 2)}"

    def mails(self) -> str:
        return f"'邮件日志'!${self.mail_run_letter}$2:${self.mail_run_letter}${max(self.mail_rows + 1, 2)}"


def _count(r: Ranges, *criteria: tuple[str, str]) -> str:
    """COUNTIFS over current forms with extra (header, criterion) pairs."""
    parts = [f'{r.project("状态")},"<>已被替代"']
    parts += [f'{r.project(h)},"{c}"' for h, c in criteria]
    return f"=COUNTIFS({','.join(parts)})"


Grid = dict[tuple[int, int], Spec]
_LABEL = style.BODY.with_(wrap=False)
_NUMBER = style.BODY.with_(wrap=False, font=style.BOLD_FONT)


def _block(grid: Grid, row: int, col: int, title: str, items: Sequence[tuple[str, Any]]) -> int:
    """A titled block of label / value pairs (a value beginning "=" is intake's formula); next free row."""
    grid[row, col] = Spec(title, style.BODY.with_(font=style.BLOCK_FONT, wrap=False))
    for i, (label, value) in enumerate(items, start=row + 1):
        grid[i, col] = Spec(label, _LABEL)
        if isinstance(value, str) and value.startswith("="):
            grid[i, col + 1] = Spec(None, _NUMBER, formula=value)
        else:
            grid[i, col + 1] = Spec(value, _NUMBER)
    return row + len(items) + 2


_NAV = (
    (1, "申报项目", "▶ 申报项目（逐项审核）"),
    (4, "补正清单", "▶ 补正清单（电话通知用）"),
    (7, "统计", "▶ 统计（按市州、按单位）"),
    (10, "问题清单", "▶ 问题清单"),
)


def write_summary_sheet(
    ws: Any, looks: Looks, c: Counts, r: Ranges, *, generated: datetime, tz: ZoneInfo
) -> None:
    grid: Grid = {(1, 1): Spec("高级研修项目申报汇总", style.BODY.with_(font=style.TITLE_FONT, wrap=False))}
    when = chinese_date(naive_local(generated, tz), time=True)
    grid[2, 1] = Spec(
        f"生成时间：{when}（北京时间）。带 ▶ 的文字可点击跳转；下列数字随审核实时更新。", _LABEL
    )
    for col, sheet, text in _NAV:
        grid[3, col] = Spec(
            text, style.BODY.with_(font=style.LINK_FONT, wrap=False), location=f"'{sheet}'!A1"
        )
    current = f'=COUNTIF({r.project("状态")},"<>已被替代")'
    nxt = _block(
        grid,
        5,
        1,
        "有效申报表（不含已被替代的旧版本）",
        [
            ("有效申报表", current),
            *((s, f'=COUNTIF({r.project("状态")},"{s}")') for s in STATUSES),
            ("已被替代的旧版本", f'=COUNTIF({r.project("状态")},"已被替代")'),
        ],
    )
    _block(
        grid,
        nxt,
        1,
        "审核进度（有效申报表的推荐级别）",
        [*((k, _count(r, ("推荐级别", k))) for k in REVIEW_CHOICES), ("未填写", _count(r, ("推荐级别", "")))],
    )
    nxt = _block(
        grid,
        5,
        4,
        "本次运行",
        [
            ("本次新增申报表", f'=COUNTIF({r.project("本次运行")},"新增")'),
            ("本次更新申报表", f'=COUNTIF({r.project("本次运行")},"更新")'),
            ("本次新增邮件", f'=COUNTIF({r.mails()},"新增")'),
            ("本次更新邮件", f'=COUNTIF({r.mails()},"更新")'),
        ],
    )
    _block(
        grid,
        nxt,
        4,
        "邮件",
        [("邮件总数", c.mails), ("其中逾期邮件", c.mails_late), ("处理失败邮件", c.mails_failed)],
    )
    nxt = _block(
        grid,
        5,
        7,
        "按申报项目类别（有效申报表）",
        [(k, _count(r, ("申报项目类别", k))) for k in FUNDING_LABELS],
    )
    _block(grid, nxt, 7, "按问题类型（次数）", c.by_flag or (("无", 0),))
    _block(grid, 5, 10, "按选题所属行业领域", c.by_industry or (("无", 0),))
    for letter, width in zip("ABCDEFGHIJK", (30, 9, 3, 22, 9, 3, 24, 9, 3, 30, 9), strict=True):
        ws.column_dimensions[letter].width = width
    last = max(row for row, _ in grid)
    grid[last + 2, 1] = Spec(
        "说明：“申报项目”表中的推荐级别、审核意见、审核人、对各栏内容的更正以及在表格右侧自行添加的列，"
        "重新生成时都会保留；单位重新报送后，审核决定自动带到新版本（“决定来源”列注明）。"
        "本表须与“原件”“审核页”文件夹放在一起，链接才能打开。",
        style.BODY.with_(font=style.GREY_FONT, wrap=False),
    )
    style.print_setup(ws, repeat_header=False, grid=False, title="高级研修项目申报汇总", stamp=looks.stamp)
    rows = (
        [
            grid.get((row, col), Spec())
            for col in range(1, max((c for r_, c in grid if r_ == row), default=0) + 1)
        ]
        for row in range(1, last + 3)
    )
    write_rows(ws, looks, rows, tz, heights={1: style.TITLE_ROW_PT})


def pivot_tables(rows: Sequence[tuple[str, str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(by 市州/省直, by 申报单位) × 申报项目类别, with 合计 row and column; current forms only."""
    frame = pd.DataFrame(list(rows), columns=["市州", "申报单位", "类别"])
    frame["类别"] = pd.Categorical(frame["类别"], categories=FUNDING_LABELS)

    def table(by: str, order: Iterable[str] | None) -> pd.DataFrame:
        t = pd.crosstab(frame[by], frame["类别"], dropna=False).reindex(
            columns=list(FUNDING_LABELS), fill_value=0
        )
        if order is not None:
            t = t.reindex([x for x in order if x in t.index])
        t["合计"] = t.sum(axis=1)
        if order is None:
            t = t.sort_values(["合计", *FUNDING_LABELS], ascending=False, kind="stable")
        total = t.sum(axis=0).to_frame().T
        total.index = ["合计"]
        return pd.concat([t, total])

    return table("市州", _REGION_ORDER), table("申报单位", None)


def write_stats(ws: Any, looks: Looks, rows: Sequence[tuple[str, str, str]], tz: ZoneInfo) -> None:
    by_region, by_unit = pivot_tables(rows)
    head = style.HEADER
    grid_rows: list[list[Spec]] = []

    def table(title: str, first: str, frame: pd.DataFrame) -> None:
        grid_rows.append([Spec(title, style.BODY.with_(font=style.BLOCK_FONT, wrap=False))])
        grid_rows.append([Spec(h, head) for h in ("序号", first, *FUNDING_LABELS, "合计")])
        for n, (name, values) in enumerate(frame.iterrows(), start=1):
            total = name == "合计"
            look = _NUMBER if total else _LABEL
            number = None if total else n
            grid_rows.append(
                [Spec(number, _LABEL), Spec(str(name), look), *(Spec(int(x), look) for x in values)]
            )
        grid_rows.append([])

    table("按所在市州（省直 = 省直单位）统计有效申报表", "所在市州", by_region)
    table("按申报单位统计有效申报表", "申报单位", by_unit)
    for letter, width in zip("ABCDEFG", (6, 34, 13, 13, 9, 11, 8), strict=True):
        ws.column_dimensions[letter].width = width
    style.print_setup(
        ws, repeat_header=False, title="统计（按市州、按申报单位）", landscape=False, stamp=looks.stamp
    )
    write_rows(ws, looks, grid_rows, tz)
