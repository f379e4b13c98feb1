"""Records to rows: the columns of the 申报项目 sheet (the form's fields in the form's order, with the
form's labels), flag text, status, training length and a guess at the applicant's 市州.

Pure functions over core.records; no openpyxl here, so the HTML summary shares them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from core.fields import FormFields, Value, training_days
from core.flags import SPECS, Flag, Severity, describe
from core.records import FormRecord, MessageRecord, NoticeState
from core.schema import FIELDS, Column, Kind

__all__ = [
    "FIELD_COLUMNS",
    "HEADERS",
    "display_value",
    "flag_severity",
    "flag_text",
    "flag_title",
    "form_flags_with_message",
    "form_status",
    "funding_label",
    "guess_region",
    "guess_unit_type",
    "is_complete",
    "is_late",
    "notice_label",
    "notice_time",
    "run_mark",
    "training_days",
]

# The form's fields in the form's order, with the names reviewers know (core.schema).
FIELD_COLUMNS: tuple[Column, ...] = tuple(c for spec in FIELDS for c in spec.columns)
HEADERS: dict[str, str] = {c.path: c.header for c in FIELD_COLUMNS}
SEVERITY_LABELS = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


def funding_label(value: Value, flags: Iterable[Flag] = ()) -> str:
    """申报项目类别 as reviewers read it: the option, or why there is none (never blank)."""
    option = FIELDS_BY_KEY["funding_type"].option(str(value)) if value else None
    if option:
        return option.name
    return "两项均勾选" if any(f.code == "funding_type_multiple" for f in flags) else "未勾选"


FIELDS_BY_KEY = {s.key: s for s in FIELDS}


def display_value(col: Column, value: Value) -> Value:
    """What the cell holds: dates as dates, phones as text, choices and ticks in Chinese."""
    kind = col.spec.kind
    if kind is Kind.OPTIONS:
        return "☑ 是" if value is True else "□ 否"
    if value is None or value == "":
        return None
    if kind is Kind.CHOICE:
        option = col.spec.option(str(value))
        return option.name if option else str(value)
    return value


def run_mark(key: str, new_keys: frozenset[str], changed_keys: frozenset[str]) -> str | None:
    """新增 (first stored by the run) or 更新 (stored before, results changed); a new message is in
    both sets of RunInfo and counts as 新增 only."""
    if key in new_keys:
        return "新增"
    return "更新" if key in changed_keys else None


def flag_title(f: Flag) -> str:
    s = SPECS.get(f.code)
    return s.title if s else "其他问题"  # a code this version does not know: its code is on 技术信息


def flag_severity(f: Flag) -> str:
    s = SPECS.get(f.code)
    return SEVERITY_LABELS[s.severity] if s else "提示"


_PATHS_LONGEST_FIRST = sorted(HEADERS, key=len, reverse=True)


def _labelled(detail: str) -> str:
    """A detail that names contract paths ("applicant.mobile") reads with the form's labels."""
    for path in _PATHS_LONGEST_FIRST:
        if path in detail:
            detail = detail.replace(path, HEADERS[path])
    return detail


def flag_text(f: Flag) -> str:
    """The Chinese sentence; an unknown code (newer store, older reports) still reads sensibly."""
    if f.code in ("missing_field", "word_pdf_mismatch"):
        f = Flag(f.code, _labelled(f.detail))
    if f.code in SPECS:
        return describe(f)
    return f"其他问题：{f.detail}" if f.detail else "其他问题"


def form_flags_with_message(m: MessageRecord, form: FormRecord) -> list[Flag]:
    """The form's flags plus its message's (lateness applies to every form of a late mail), no repeats."""
    seen: set[tuple[str, str]] = set()
    out: list[Flag] = []
    for f in (*m.flags, *form.flags):
        if (f.code, f.detail) not in seen:
            seen.add((f.code, f.detail))
            out.append(f)
    return out


def is_late(m: MessageRecord, form: FormRecord | None = None) -> bool:
    flags: Iterable[Flag] = (*m.flags, *(form.flags if form else ()))
    return any(f.code == "late" for f in flags)


def is_complete(flags: Sequence[Flag]) -> bool:
    """Complete: nothing a reviewer must chase (no error or warning besides lateness and supersession)."""
    for f in flags:
        s = SPECS.get(f.code)
        if f.code in ("late", "superseded") or (s is not None and s.severity is Severity.INFO):
            continue
        return False
    return True


def form_status(m: MessageRecord, form: FormRecord, flags: Sequence[Flag]) -> str:
    """One word for the 状态 column, most decisive first."""
    if form.superseded_by:
        return "已被替代"
    if is_late(m, form):
        return "逾期"
    severities = {SPECS[f.code].severity for f in flags if f.code in SPECS}
    if Severity.ERROR in severities:
        return "不符合要求"
    if not is_complete(flags):
        return "需补正"
    return "材料齐全"


# Hubei's 17 市州 (and districts people write instead of the city); "未知" when nothing matches.
_REGIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "武汉市",
        (
            "武汉",
            "武昌区",
            "汉口",
            "汉阳区",
            "洪山区",
            "江夏区",
            "东湖新技术",
            "东湖高新",
            "光谷",
            "青山区",
            "硚口区",
            "江岸区",
            "江汉区",
            "蔡甸区",
            "黄陂区",
            "新洲区",
            "东西湖区",
            "汉南区",
        ),
    ),
    ("黄石市", ("黄石", "大冶")),
    ("十堰市", ("十堰", "丹江口")),
    ("宜昌市", ("宜昌", "宜都", "枝江", "当阳")),
    ("襄阳市", ("襄阳", "襄樊", "枣阳", "老河口")),
    ("鄂州市", ("鄂州",)),
    ("荆门市", ("荆门", "钟祥")),
    ("孝感市", ("孝感", "汉川", "应城", "安陆")),
    ("荆州市", ("荆州", "松滋", "石首", "洪湖")),
    ("黄冈市", ("黄冈", "麻城", "武穴")),
    ("咸宁市", ("咸宁", "赤壁")),
    ("随州市", ("随州", "广水")),
    ("恩施州", ("恩施", "利川")),
    ("仙桃市", ("仙桃",)),
    ("潜江市", ("潜江",)),
    ("天门市", ("天门",)),
    ("神农架林区", ("神农架",)),
)


def _region_in(text: str) -> str | None:
    """The 市州 whose name (or a district's) appears first in `text`."""
    best: tuple[int, str] | None = None
    for region, names in _REGIONS:
        for name in names:
            at = text.find(name)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, region)
    return best[1] if best else None


_PROVINCIAL_PREFIXES = ("湖北省", "中共湖北省", "湖北")


def guess_region(fields: FormFields) -> str:
    """The applicant's 市州, or 省直 for a provincial unit; else 未知.

    The unit's own name decides first: a city in it ("武汉市…", "宜昌市第一人民医院") is that city; a
    name beginning 湖北省 / 中共湖北省 / 湖北 without one (湖北省人力资源和社会保障厅, 湖北大学) is a
    provincial unit, 省直, even though its address is in Wuhan.  Only then the address."""
    names = [fields.applicant.name, fields.declared_org]
    for text in names:
        if isinstance(text, str) and text.strip():
            found = _region_in(text)
            if found:
                return found
            if text.strip().startswith(_PROVINCIAL_PREFIXES):
                return "省直"
    address = fields.applicant.address
    if isinstance(address, str) and address:
        return _region_in(address) or "未知"
    return "未知"


# Unit type from the words a Chinese unit name ends with; first match wins
# (农业科学院 is a 科研院所, 医学院 a 高校, 设计院股份有限公司 a 企业).
_UNIT_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("科研院所", ("研究院", "研究所", "科学院", "研究中心")),
    ("高等院校", ("大学", "学院", "职业技术学校", "高等专科学校")),
    ("医疗卫生机构", ("医院", "卫生院", "疾病预防控制中心", "妇幼保健")),
    ("企业", ("公司", "集团", "有限责任", "股份", "厂")),
    ("党政机关", ("厅", "局", "委员会", "人民政府", "办公室")),
    ("学会协会", ("学会", "协会", "联合会", "商会")),
    ("科研院所", ("设计院", "研究")),
)


def guess_unit_type(fields: FormFields) -> str:
    """The applicant's kind of unit from its name; 未知 when the name says nothing recognisable."""
    for name in (fields.applicant.name, fields.declared_org):
        if name and name.strip():
            for kind, words in _UNIT_TYPES:
                if any(w in name for w in words):
                    return kind
    return "未知"


# ---------------------------------------------------------------- notices to applicants (intake.notify)

_NOTICE_STATUS = {
    "drafted": "草稿",
    "sent": "已发送",
    "pending": "未生成（待确认）",
    "failed": "未生成（失败）",
    "refused": "未生成（被拒收）",
}


def notice_label(notice: NoticeState | None) -> str:
    """未生成 / 草稿 / 已发送 (and why not, when an attempt failed)."""
    return _NOTICE_STATUS.get(notice.status, notice.status) if notice else "未生成"


def notice_time(notice: NoticeState | None) -> datetime | None:
    return notice.at if notice and notice.status in ("drafted", "sent") else None
