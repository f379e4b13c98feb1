"""The 申报表 as data: every field once, with the labels it is written under.

Parsers (Word and PDF) only find label/value pairs; which label means which field, which section it
belongs to and which template hint text must be stripped is decided here.  The keys are the export
contract (README "Export contract"): dotted paths into the nested `fields` dict.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# Sections of the table that reuse the same sub-labels (单位名称, 联系人, ...).
APPLICANT = "applicant"
ORGANIZER = "organizer"
SECTION_LABELS: dict[str, tuple[str, ...]] = {
    APPLICANT: ("申报单位信息", "申报单位情况", "申报单位"),
    ORGANIZER: ("承办单位信息", "承办单位情况", "承办单位"),
}

# Kinds of value.
TEXT = "text"
DATE = "date"
DATE_RANGE = "date_range"
SINGLE_CHOICE = "single_choice"
MULTI_CHOICE = "multi_choice"  # with a note after each option's colon
PHONE = "phone"


@dataclass(frozen=True)
class Option:
    """One choice of a choice field: the value stored and the words that name it on the form."""

    value: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class FieldSpec:
    key: str  # dotted path into the contract dict, e.g. "applicant.fax"
    labels: tuple[str, ...]  # the label as printed on the template first, then variants
    kind: str = TEXT
    section: str | None = None  # APPLICANT / ORGANIZER for the shared sub-labels
    required: bool = True
    hints: tuple[str, ...] = ()  # template hint text an applicant may leave in the value cell
    options: tuple[Option, ...] = ()
    where: str = "table"  # "table" | "header" (the lines above the table)

    @property
    def title(self) -> str:
        """The label as reviewers know it (first alias, no line breaks)."""
        return re.sub(r"\s+", "", self.labels[0])


_HINT_CONTENT = "(包括但不限于主题报告、专题研讨、学术交流、现场教学)"
_HINT_EXPERTS = "(如有院士或省部级领导出席, 请重点阐述)"
_HINT_TRAINEES = (
    "(按通知要求招收学员, 学员一般应具有中高级职称, 或是在管理岗位工作的高级经营管理人员, 并应向基层一线人才倾斜。"
    "招收学员如需行业主管部门协助, 例如希望将本班次录入行业继续教育系统备案, 请在此详细阐述)"
)
SELF_FUNDING_BLANK = "_____"

FUNDING_OPTIONS = (
    Option("fiscal", ("财政资助项目", "财政资助")),
    Option("self_funded", ("自筹经费项目", "自筹经费")),
)
SCOPE_OPTIONS = (
    Option("national_strategy", ("服务国家战略", "服务重点战略")),
    Option("industry_demand", ("对接产业需求",)),
    Option("digital_tech", ("突出数字技术",)),
)
CE_BASE_OPTIONS = (
    Option(
        "national", ("是第__批国家级专业技术人员继续教育基地", "国家级专业技术人员继续教育基地", "国家级")
    ),
    Option("provincial", ("是省级继续教育基地", "省级继续教育基地", "省级")),
    Option("no", ("否",)),
)


def _unit(section: str) -> tuple[FieldSpec, ...]:
    required_fax = False  # many units have no fax; reviewers do not chase it
    return (
        FieldSpec(f"{section}.name", ("单位名称", "单位全称", "名称"), section=section),
        FieldSpec(f"{section}.contact", ("联系人", "联 系 人"), section=section),
        FieldSpec(
            f"{section}.office_phone",
            ("办公电话", "办公室电话", "固定电话", "座机", "电话", "联系电话"),
            PHONE,
            section=section,
            required=False,
        ),
        FieldSpec(
            f"{section}.mobile",
            ("手机", "手 机", "手机号码", "移动电话"),
            PHONE,
            section=section,
            required=False,
        ),
        FieldSpec(
            f"{section}.fax", ("传真", "传 真", "传真号码"), PHONE, section=section, required=required_fax
        ),
        FieldSpec(f"{section}.address", ("地址", "地 址", "通讯地址", "单位地址"), section=section),
    )


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("declared_org", ("申报单位", "申报单位（盖章）", "填报单位"), where="header"),
    FieldSpec("declared_date", ("申报时间", "申报日期", "填报日期", "填表日期"), DATE, where="header"),
    FieldSpec("project_name", ("项目名称", "研修项目名称", "项目 名称")),
    FieldSpec("training_dates", ("办班时间", "研修时间", "举办时间"), DATE_RANGE),
    FieldSpec("training_location", ("办班地点", "研修地点", "举办地点")),
    FieldSpec("industry_field", ("选题所属\n行业领域", "选题所属行业领域", "所属行业领域", "行业领域")),
    FieldSpec(
        "industry_authority", ("选题所属\n行业主管部门", "选题所属行业主管部门", "行业主管部门", "主管部门")
    ),
    FieldSpec(
        "funding_type",
        ("申报项目\n类别\n(仅单选)", "申报项目类别(仅单选)", "申报项目类别", "项目类别"),
        SINGLE_CHOICE,
        options=FUNDING_OPTIONS,
    ),
    FieldSpec("self_funding_source", ("自筹经费来源",), required=False, hints=(SELF_FUNDING_BLANK,)),
    FieldSpec(
        "scope", ("是否符合\n选题范围", "是否符合选题范围", "选题范围"), MULTI_CHOICE, options=SCOPE_OPTIONS
    ),
    FieldSpec("purpose", ("研修目的\n和作用", "研修目的和作用", "研修目的")),
    FieldSpec("content_and_format", ("研修内容和方式", "研修内容及方式", "研修内容"), hints=(_HINT_CONTENT,)),
    FieldSpec("experts", ("授课专家情况", "授课专家", "师资情况"), hints=(_HINT_EXPERTS,)),
    FieldSpec("trainees", ("培训对象", "研修对象", "招生对象"), hints=(_HINT_TRAINEES,)),
    *_unit(APPLICANT),
    *_unit(ORGANIZER),
    FieldSpec(
        "organizer.ce_base",
        ("是否继续\n教育基地", "是否继续教育基地", "是否为继续教育基地", "继续教育基地"),
        SINGLE_CHOICE,
        section=ORGANIZER,
        required=False,
        options=CE_BASE_OPTIONS,
    ),
)

BY_KEY: dict[str, FieldSpec] = {f.key: f for f in FIELDS}

# Derived keys: filled from another field's cell, never found by a label of their own.
DERIVED_KEYS = ("training_start", "training_end", "scope_notes", "organizer.ce_base_batch")

TITLE = "专业技术人员知识更新工程2025年高级研修项目申报表"
TITLE_MARKERS = ("高级研修项目申报表", "申报表")


def norm_label(text: str) -> str:
    """A label as compared: NFKC (full-width → ASCII), all whitespace gone, trailing colon dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.rstrip(":：")


def norm_hint(text: str) -> str:
    """Hint text as compared: NFKC, no whitespace, brackets unified."""
    return norm_label(text).replace("（", "(").replace("）", ")")


def empty_fields() -> dict[str, Any]:
    """The contract dict with every key: values None, booleans False."""
    blank_unit = {
        "name": None,
        "contact": None,
        "office_phone": None,
        "mobile": None,
        "fax": None,
        "address": None,
    }
    scope_keys = [o.value for o in SCOPE_OPTIONS]
    return {
        "project_name": None,
        "declared_org": None,
        "declared_date": None,
        "training_dates": None,
        "training_start": None,
        "training_end": None,
        "training_location": None,
        "industry_field": None,
        "industry_authority": None,
        "funding_type": None,
        "self_funding_source": None,
        "scope": dict.fromkeys(scope_keys, False),
        "scope_notes": dict.fromkeys(scope_keys),
        "purpose": None,
        "content_and_format": None,
        "experts": None,
        "trainees": None,
        "applicant": dict(blank_unit),
        "organizer": {**blank_unit, "ce_base": None, "ce_base_batch": None},  # values are None: no deep copy
    }


def get_path(fields: dict[str, Any], key: str) -> Any:
    node: Any = fields
    for part in key.split("."):
        node = node[part]
    return node


def set_path(fields: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = fields
    for part in parents:
        node = node[part]
    node[last] = value


def table_fields() -> tuple[FieldSpec, ...]:
    return tuple(f for f in FIELDS if f.where == "table")
