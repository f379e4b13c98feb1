"""Records to rows: the columns of the 申报项目 sheet (the form's fields in the form's order, with the
form's labels), flag text, status, training length and a guess at the applicant's 市州.

Pure functions over intake.models records; no openpyxl here, so the HTML summary shares them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.fields import contract_date, field_value, training_days
from core.flags import SPECS, Flag, Severity, describe
from core.records import FormRecord, MessageRecord

__all__ = [
    "CE_BASE_LABELS",
    "FIELD_COLUMNS",
    "FUNDING_LABELS",
    "LABELS",
    "FieldColumn",
    "display_value",
    "field_value",
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
    "iter_form_rows",
    "receipt_ordered",
    "training_days",
]


@dataclass(frozen=True)
class FieldColumn:
    path: str  # dotted key in the contract dict, e.g. "applicant.office_phone"
    label: str  # the label on the form (header of the column)
    kind: str = "text"  # "text" | "long" | "date" | "phone" | "bool" | "funding" | "ce_base" | "int"


# The 申报表 top to bottom (seed/000_*.txt); labels as printed on the form.
FIELD_COLUMNS: tuple[FieldColumn, ...] = (
    FieldColumn("project_name", "项目名称"),
    FieldColumn("declared_org", "申报单位"),
    FieldColumn("declared_date", "申报时间", "date"),
    FieldColumn("training_dates", "办班时间"),
    FieldColumn("training_start", "办班开始日期", "date"),
    FieldColumn("training_end", "办班结束日期", "date"),
    FieldColumn("training_location", "办班地点"),
    FieldColumn("industry_field", "选题所属行业领域"),
    FieldColumn("industry_authority", "选题所属行业主管部门"),
    FieldColumn("funding_type", "申报项目类别", "funding"),
    FieldColumn("self_funding_source", "自筹经费来源"),
    FieldColumn("scope.national_strategy", "服务国家战略", "bool"),
    FieldColumn("scope_notes.national_strategy", "服务国家战略说明", "long"),
    FieldColumn("scope.industry_demand", "对接产业需求", "bool"),
    FieldColumn("scope_notes.industry_demand", "对接产业需求说明", "long"),
    FieldColumn("scope.digital_tech", "突出数字技术", "bool"),
    FieldColumn("scope_notes.digital_tech", "突出数字技术说明", "long"),
    FieldColumn("purpose", "研修目的和作用", "long"),
    FieldColumn("content_and_format", "研修内容和方式", "long"),
    FieldColumn("experts", "授课专家情况", "long"),
    FieldColumn("trainees", "培训对象", "long"),
    FieldColumn("applicant.name", "申报单位名称"),
    FieldColumn("applicant.contact", "申报单位联系人"),
    FieldColumn("applicant.office_phone", "申报单位办公电话", "phone"),
    FieldColumn("applicant.mobile", "申报单位手机", "phone"),
    FieldColumn("applicant.fax", "申报单位传真", "phone"),
    FieldColumn("applicant.address", "申报单位地址"),
    FieldColumn("organizer.name", "承办单位名称"),
    FieldColumn("organizer.contact", "承办单位联系人"),
    FieldColumn("organizer.office_phone", "承办单位办公电话", "phone"),
    FieldColumn("organizer.mobile", "承办单位手机", "phone"),
    FieldColumn("organizer.fax", "承办单位传真", "phone"),
    FieldColumn("organizer.address", "承办单位地址"),
    FieldColumn("organizer.ce_base", "是否继续教育基地", "ce_base"),
    FieldColumn("organizer.ce_base_batch", "国家级基地批次", "int"),
)
LABELS: dict[str, str] = {c.path: c.label for c in FIELD_COLUMNS}

FUNDING_LABELS = {"fiscal": "财政资助项目", "self_funded": "自筹经费项目"}
CE_BASE_LABELS = {"national": "国家级继续教育基地", "provincial": "省级继续教育基地", "no": "否"}
SEVERITY_LABELS = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


def funding_label(value: Any) -> str:
    return FUNDING_LABELS.get(str(value), "未选择") if value else "未选择"


def display_value(col: FieldColumn, value: Any) -> Any:
    """What the cell holds: dates as dates, phones as text, choices in Chinese."""
    if value is None or value == "":
        return None
    if col.kind == "date":
        return contract_date(value) or str(value)
    if col.kind == "bool":
        return "☑ 是" if value is True else ("□ 否" if value is False else str(value))
    if col.kind == "funding":
        return FUNDING_LABELS.get(str(value), str(value))
    if col.kind == "ce_base":
        return CE_BASE_LABELS.get(str(value), str(value))
    if col.kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return value if isinstance(value, str) else str(value)


def flag_title(f: Flag) -> str:
    s = SPECS.get(f.code)
    return s.title if s else f.code


def flag_severity(f: Flag) -> str:
    s = SPECS.get(f.code)
    return SEVERITY_LABELS[s.severity] if s else "提示"


_PATHS_LONGEST_FIRST = sorted(LABELS, key=len, reverse=True)


def _labelled(detail: str) -> str:
    """A detail that names contract paths ("applicant.mobile") reads with the form's labels."""
    for path in _PATHS_LONGEST_FIRST:
        if path in detail:
            detail = detail.replace(path, LABELS[path])
    return detail


def flag_text(f: Flag) -> str:
    """The Chinese sentence; an unknown code (newer store, older reports) still reads sensibly."""
    if f.code in ("missing_field", "word_pdf_mismatch"):
        f = Flag(f.code, _labelled(f.detail))
    if f.code in SPECS:
        return describe(f)
    return f"{f.code}：{f.detail}" if f.detail else f.code


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


def guess_region(fields: Mapping[str, Any]) -> str:
    """The applicant's 市州 from its name, else its address, else the declared unit; else 未知.

    A name beginning 湖北省 with no city in it is a provincial unit (省直)."""
    texts = [
        field_value(fields, "applicant.name"),
        field_value(fields, "declared_org"),
        field_value(fields, "applicant.address"),
    ]
    for text in texts:
        if isinstance(text, str) and text:
            found = _region_in(text)
            if found:
                return found
    for text in texts[:2]:
        if isinstance(text, str) and text.strip().startswith(("湖北省", "中共湖北省")):
            return "省直"
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


def guess_unit_type(fields: Mapping[str, Any]) -> str:
    """The applicant's kind of unit from its name; 未知 when the name says nothing recognisable."""
    for key in ("applicant.name", "declared_org"):
        name = field_value(fields, key)
        if isinstance(name, str) and name.strip():
            for kind, words in _UNIT_TYPES:
                if any(w in name for w in words):
                    return kind
    return "未知"


# ---------------------------------------------------------------- several passes over the records
# The run hands the reports a streaming view of the store (re-iterable, receipt order): each report
# makes several passes over it instead of holding every record (issue 7: RSS flat with the store).


def receipt_ordered(messages: Iterable[MessageRecord]) -> Iterable[MessageRecord]:
    """The records in receipt order, iterable as often as needed.  A sequence is sorted as before; a
    one-off iterator is read into a list; any other re-iterable is streamed when one pass over small
    keys shows it is in receipt order already (the store's view is), else read into a sorted list."""
    from reports.counts import sorted_messages

    if isinstance(messages, Sequence) or iter(messages) is messages:
        return sorted_messages(list(messages))
    keys = [(m.received_at.timestamp(), m.key) for m in messages]
    if all(a <= b for a, b in itertools.pairwise(keys)):
        return messages
    return sorted_messages(list(messages))


def iter_form_rows(ordered: Iterable[MessageRecord]) -> Iterator[Any]:
    """counts.form_rows one row at a time (records already in receipt order; first copy of a form_id)."""
    from reports.counts import FormRow

    seen: set[str] = set()
    for m in ordered:
        for f in m.forms:
            if f.form_id not in seen:
                seen.add(f.form_id)
                yield FormRow(m, f)
