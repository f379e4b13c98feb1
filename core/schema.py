"""The 申报表 as data: every field once, and nothing else declares it.

One `FieldSpec` per key of the export contract's `fields` (README "Export contract"; nested keys are
dotted: "applicant.fax").  From this list come the empty record and its JSON (core.fields), the labels
parsers look for and the template hints they strip (parsers.labels, parsers.normalise), the review's
required-field rules and the names flags give fields (intake.review), and the workbook's columns
(reports.table).  A field filled from another field's cell (the dates parsed out of 办班时间, the notes
after each 选题范围 option) names that field in `part_of` and has no labels of its own.

The notice's year and the form's title come from the config (`[notice]`): `FormSchema` carries them with
the field list, so next year's call is a config edit (extra label variants too: `[notice.labels]`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property

__all__ = [
    "APPLICANT",
    "DEFAULT_SCHEMA",
    "FIELDS",
    "ORGANIZER",
    "SECTION_NAMES",
    "Column",
    "FieldSpec",
    "FormSchema",
    "Kind",
    "Notice",
    "Option",
    "Rule",
    "Where",
    "norm_hint",
    "norm_label",
]

# The two blocks of the table that reuse the same sub-labels (单位名称, 联系人, ...).
APPLICANT = "applicant"
ORGANIZER = "organizer"
SECTION_NAMES = {APPLICANT: "申报单位信息", ORGANIZER: "承办单位信息"}
SECTION_LABELS: dict[str, tuple[str, ...]] = {
    APPLICANT: ("申报单位信息", "申报单位情况", "申报单位"),
    ORGANIZER: ("承办单位信息", "承办单位情况", "承办单位"),
}


class Kind(StrEnum):
    """What a field holds, which decides how its text is read and how its cell is shown."""

    TEXT = "text"  # one line or a few: str
    LONG = "long"  # paragraphs (研修目的, 授课专家 ...): str, a wide column
    PHONE = "phone"  # str, kept as text (leading zeros)
    DATE = "date"  # datetime.date
    DATE_RANGE = "date_range"  # the text as written; its parts hold the dates read from it
    CHOICE = "choice"  # one option's value, or None
    OPTIONS = "options"  # several options, each ticked or not
    NOTES = "notes"  # the note written after each option of an OPTIONS field
    INT = "int"


class Rule(StrEnum):
    """What the review does with an empty field."""

    REQUIRED = "required"  # missing_field naming it
    ANY_OF = "any_of"  # one of the unit's phones is enough (missing_field naming them together)
    OWN_FLAG = "own_flag"  # a flag of its own says it (funding_type_missing, scope_missing, ...)
    OPTIONAL = "optional"


class Where(StrEnum):
    TABLE = "table"
    HEADER = "header"  # the lines above the table (申报单位（盖章）, 申报时间)


@dataclass(frozen=True)
class Option:
    """One choice of a choice field: the value stored, how reviewers read it, the words on the form."""

    value: str
    name: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class FieldSpec:
    key: str  # dotted path in the contract's `fields`, e.g. "applicant.fax"
    name: str  # how flags name it for reviewers ("申报单位信息·联系人")
    column: str  # workbook header; for OPTIONS / NOTES a pattern, "{}" is the option's name
    labels: tuple[str, ...] = ()  # as printed on the template first, then variants; () for a part
    kind: Kind = Kind.TEXT
    rule: Rule = Rule.REQUIRED
    section: str | None = None  # APPLICANT / ORGANIZER for the shared sub-labels
    hints: tuple[str, ...] = ()  # template hint text an applicant may leave in the value cell
    options: tuple[Option, ...] = ()
    where: Where = Where.TABLE
    part_of: str | None = None  # the labelled field whose cell fills this one

    @property
    def title(self) -> str:
        """The label as printed on the form (first alias, no line breaks); the key for a part."""
        return re.sub(r"\s+", "", self.labels[0]) if self.labels else self.key

    @property
    def columns(self) -> tuple[Column, ...]:
        """The workbook columns of this field: one, or one per option."""
        if self.kind in (Kind.OPTIONS, Kind.NOTES):
            return tuple(
                Column(f"{self.key}.{o.value}", self.column.format(o.name), self) for o in self.options
            )
        return (Column(self.key, self.column, self),)

    def option(self, value: str | None) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Column:
    path: str  # dotted path of the value shown ("scope.digital_tech")
    header: str
    spec: FieldSpec


# ---------------------------------------------------------------- the 2025 申报表

HINT_CONTENT = "(包括但不限于主题报告、专题研讨、学术交流、现场教学)"
HINT_EXPERTS = "(如有院士或省部级领导出席, 请重点阐述)"
HINT_TRAINEES = (
    "(按通知要求招收学员, 学员一般应具有中高级职称, 或是在管理岗位工作的高级经营管理人员, 并应向基层一线人才倾斜。"
    "招收学员如需行业主管部门协助, 例如希望将本班次录入行业继续教育系统备案, 请在此详细阐述)"
)
SELF_FUNDING_BLANK = "_____"

FUNDING_OPTIONS = (
    Option("fiscal", "财政资助项目", ("财政资助项目", "财政资助")),
    Option("self_funded", "自筹经费项目", ("自筹经费项目", "自筹经费")),
)
SCOPE_OPTIONS = (
    Option("national_strategy", "服务国家战略", ("服务国家战略", "服务重点战略")),
    Option("industry_demand", "对接产业需求", ("对接产业需求",)),
    Option("digital_tech", "突出数字技术", ("突出数字技术",)),
)
CE_BASE_OPTIONS = (
    Option(
        "national",
        "国家级继续教育基地",
        ("是第__批国家级专业技术人员继续教育基地", "国家级专业技术人员继续教育基地", "国家级"),
    ),
    Option("provincial", "省级继续教育基地", ("是省级继续教育基地", "省级继续教育基地", "省级")),
    Option("no", "否", ("否",)),
)


def _unit(section: str) -> tuple[FieldSpec, ...]:
    block, short = SECTION_NAMES[section], SECTION_NAMES[section].removesuffix("信息")

    def spec(
        key: str, title: str, labels: tuple[str, ...], kind: Kind = Kind.TEXT, rule: Rule = Rule.REQUIRED
    ) -> FieldSpec:
        column = short + title.removeprefix("单位")  # 申报单位名称, 承办单位联系人 ...
        return FieldSpec(f"{section}.{key}", f"{block}·{title}", column, labels, kind, rule, section)

    return (
        spec("name", "单位名称", ("单位名称", "单位全称", "名称")),
        spec("contact", "联系人", ("联系人", "联 系 人")),
        spec(
            "office_phone",
            "办公电话",
            ("办公电话", "办公室电话", "固定电话", "座机", "电话", "联系电话"),
            Kind.PHONE,
            Rule.ANY_OF,
        ),
        spec("mobile", "手机", ("手机", "手 机", "手机号码", "移动电话"), Kind.PHONE, Rule.ANY_OF),
        # many units have no fax; reviewers do not chase it
        spec("fax", "传真", ("传真", "传 真", "传真号码"), Kind.PHONE, Rule.OPTIONAL),
        spec(
            "address", "地址", ("地址", "地 址", "通讯地址", "通信地址", "联系地址", "单位地址", "详细地址")
        ),
    )


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("project_name", "项目名称", "项目名称", ("项目名称", "研修项目名称", "项目 名称")),
    FieldSpec(
        "declared_org",
        "申报单位（盖章）",
        "申报单位",
        ("申报单位", "申报单位（盖章）", "填报单位"),
        where=Where.HEADER,
    ),
    FieldSpec(
        "declared_date",
        "申报时间",
        "申报时间",
        ("申报时间", "申报日期", "填报日期", "填表日期"),
        Kind.DATE,
        where=Where.HEADER,
    ),
    FieldSpec(
        "training_dates", "办班时间", "办班时间", ("办班时间", "研修时间", "举办时间"), Kind.DATE_RANGE
    ),
    FieldSpec(
        "training_start",
        "办班开始日期",
        "办班开始日期",
        kind=Kind.DATE,
        rule=Rule.OWN_FLAG,
        part_of="training_dates",
    ),
    FieldSpec(
        "training_end",
        "办班结束日期",
        "办班结束日期",
        kind=Kind.DATE,
        rule=Rule.OWN_FLAG,
        part_of="training_dates",
    ),
    FieldSpec("training_location", "办班地点", "办班地点", ("办班地点", "研修地点", "举办地点")),
    FieldSpec(
        "industry_field",
        "选题所属行业领域",
        "选题所属行业领域",
        ("选题所属\n行业领域", "选题所属行业领域", "所属行业领域", "行业领域"),
    ),
    FieldSpec(
        "industry_authority",
        "选题所属行业主管部门",
        "选题所属行业主管部门",
        ("选题所属\n行业主管部门", "选题所属行业主管部门", "行业主管部门", "主管部门"),
    ),
    FieldSpec(
        "funding_type",
        "申报项目类别",
        "申报项目类别",
        ("申报项目\n类别\n(仅单选)", "申报项目类别(仅单选)", "申报项目类别", "项目类别"),
        Kind.CHOICE,
        Rule.OWN_FLAG,
        options=FUNDING_OPTIONS,
    ),
    FieldSpec(
        "self_funding_source",
        "自筹经费来源",
        "自筹经费来源",
        ("自筹经费来源",),
        rule=Rule.OWN_FLAG,
        hints=(SELF_FUNDING_BLANK,),
    ),
    FieldSpec(
        "scope",
        "是否符合选题范围",
        "{}",
        ("是否符合\n选题范围", "是否符合选题范围", "选题范围"),
        Kind.OPTIONS,
        Rule.OWN_FLAG,
        options=SCOPE_OPTIONS,
    ),
    FieldSpec(
        "scope_notes",
        "选题范围说明",
        "{}说明",
        kind=Kind.NOTES,
        rule=Rule.OPTIONAL,
        options=SCOPE_OPTIONS,
        part_of="scope",
    ),
    FieldSpec(
        "purpose",
        "研修目的和作用",
        "研修目的和作用",
        ("研修目的\n和作用", "研修目的和作用", "研修目的"),
        Kind.LONG,
    ),
    FieldSpec(
        "content_and_format",
        "研修内容和方式",
        "研修内容和方式",
        ("研修内容和方式", "研修内容及方式", "研修内容"),
        Kind.LONG,
        hints=(HINT_CONTENT,),
    ),
    FieldSpec(
        "experts",
        "授课专家情况",
        "授课专家情况",
        ("授课专家情况", "授课专家", "师资情况"),
        Kind.LONG,
        hints=(HINT_EXPERTS,),
    ),
    FieldSpec(
        "trainees",
        "培训对象",
        "培训对象",
        ("培训对象", "研修对象", "招生对象"),
        Kind.LONG,
        hints=(HINT_TRAINEES,),
    ),
    *_unit(APPLICANT),
    *_unit(ORGANIZER),
    FieldSpec(
        "organizer.ce_base",
        "承办单位信息·是否继续教育基地",
        "是否继续教育基地",
        ("是否继续\n教育基地", "是否继续教育基地", "是否为继续教育基地", "继续教育基地"),
        Kind.CHOICE,
        section=ORGANIZER,
        options=CE_BASE_OPTIONS,
    ),
    FieldSpec(
        "organizer.ce_base_batch",
        "承办单位信息·继续教育基地批次",
        "国家级基地批次",
        kind=Kind.INT,
        rule=Rule.OPTIONAL,
        section=ORGANIZER,
        part_of="organizer.ce_base",
    ),
)


@dataclass(frozen=True)
class Notice:
    """This year's call (the config's `[notice]`): its year, for 办班时间 written without one, and the
    form's title, by which a document is recognised as a 申报表."""

    year: int = 2025
    title: str = "专业技术人员知识更新工程2025年高级研修项目申报表"

    @property
    def title_markers(self) -> tuple[str, ...]:
        """Words in a document's text that make it a 申报表 (its title squeezed of spaces)."""
        return (re.sub(r"\s+", "", self.title), "高级研修项目申报表", "申报表")


@dataclass(frozen=True)
class FormSchema:
    """The field list with this year's notice: what parsers read and reviewers see."""

    fields: tuple[FieldSpec, ...] = FIELDS
    notice: Notice = Notice()

    @cached_property
    def by_key(self) -> Mapping[str, FieldSpec]:
        return {f.key: f for f in self.fields}

    def parts(self, key: str) -> tuple[FieldSpec, ...]:
        """The fields filled from `key`'s cell."""
        return tuple(f for f in self.fields if f.part_of == key)

    def with_labels(self, extra: Mapping[str, Sequence[str]]) -> FormSchema:
        """The same schema with label variants added (`[notice.labels]`: a relabelled row next year);
        KeyError for a key the schema does not have."""
        unknown = [key for key in extra if key not in self.by_key]
        if unknown:
            raise KeyError(", ".join(unknown))
        fields = tuple(
            replace(f, labels=f.labels + tuple(x for x in extra.get(f.key, ()) if x not in f.labels))
            for f in self.fields
        )
        return replace(self, fields=fields)


DEFAULT_SCHEMA = FormSchema()


def norm_label(text: str) -> str:
    """A label as compared: NFKC (full-width → ASCII), all whitespace gone, trailing colon dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.rstrip(":：")


def norm_hint(text: str) -> str:
    """Hint text as compared: NFKC, no whitespace, brackets unified."""
    return norm_label(text).replace("（", "(").replace("）", ")")
