"""Is this document a 申报表?  Decided by the form's own labels, the same way for Word and PDF.

Generic labels (名称, 地址, 电话, 传真, 联系人, and 项目名称 too) are in every office document: a procurement
file, a 实施方案, a 推荐表, a cover letter with a contact table.  What only the 申报表 has are its eleven
distinctive labels (DISTINCTIVE: 办班时间, 办班地点, 选题所属行业领域, 选题所属行业主管部门, 申报项目类别,
是否符合选题范围, 研修目的和作用, 研修内容和方式, 授课专家情况, 培训对象, 是否继续教育基地).

The threshold, checked on the negative examples of tests/test_detect.py:
- a table with at least MIN_TABLE_LABELS (4) of the eleven, each beside its value (never three or more
  in one row: that is the header row of a list or 汇总表, one project per row);
- or, for a form typed as lines without a table (or a PDF whose borders were not drawn), 4 of the eleven
  and one of the choice labels (申报项目类别 / 是否符合选题范围), or 3 under a title line ending in 申报表:
  a 实施方案 has 培训对象 / 研修内容 / 办班时间 headings, never the choices nor that title (a cover letter
  that mentions the 申报表 has a title ending in 函 or 通知).
A form whose distinctive text fields are all empty is the blank template (the notice's attachment sent
back), not an application.  Negative examples score 0–3 distinctive labels; the template itself 11, and a
form with whole rows deleted keeps well over 4.
"""

from __future__ import annotations

from collections.abc import Iterable

DISTINCTIVE = frozenset(
    {
        "training_dates",
        "training_location",
        "industry_field",
        "industry_authority",
        "funding_type",
        "scope",
        "purpose",
        "content_and_format",
        "experts",
        "trainees",
        "organizer.ce_base",
    }
)
CHOICES = frozenset({"funding_type", "scope"})
TEXT_FIELDS = DISTINCTIVE - CHOICES - {"organizer.ce_base"} | {"project_name"}
MIN_TABLE_LABELS = 4
MAX_LABELS_PER_ROW = 2  # the template never has more distinctive labels in one row

NOT_A_FORM = "不是申报表：文档中没有申报表的栏目（可能是公函、实施方案、推荐表或其他材料）"
BLANK_FORM = "空白申报表（未填写任何内容），可能是通知附件中的模板"


def row_labels(rows: Iterable[Iterable[str]]) -> set[str]:
    """The distinctive labels of a table, given each row's label keys; a row with more than two is a list's
    header row and counts for nothing."""
    found: set[str] = set()
    for keys in rows:
        mine = DISTINCTIVE.intersection(keys)
        if len(mine) <= MAX_LABELS_PER_ROW:
            found |= mine
    return found


def is_title(line: str) -> bool:
    """The form's own title line: "…高级研修项目申报表" (not a letter about it)."""
    text = "".join(line.split())
    return text.endswith("申报表") and len(text) <= 40


def verdict(
    table_labels: set[str], line_labels: set[str], filled: set[str], titled: bool = False
) -> tuple[bool, str]:
    """(is a 申报表, note when it is not).  `table_labels`: distinctive labels found in a table (row_labels);
    `line_labels`: labels of "label：value" lines outside tables; `filled`: fields given a value."""
    in_table = DISTINCTIVE & table_labels
    in_lines = DISTINCTIVE & (table_labels | line_labels)
    by_lines = (len(in_lines) >= MIN_TABLE_LABELS and in_lines & CHOICES) or (titled and len(in_lines) >= 3)
    if len(in_table) < MIN_TABLE_LABELS and not by_lines:
        return False, NOT_A_FORM
    if not TEXT_FIELDS & filled:
        return False, BLANK_FORM
    return True, ""
