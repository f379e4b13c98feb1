"""Review rules: what a reviewer would check by hand, as pure functions over parsed values.

Nothing here reads a clock, a file or the network: every time-dependent rule takes the rule set
(`Rules`, built from the config) and the times it compares.  `Rules.version` is recorded with every
run, so a re-run can explain why a flag appeared or went away (the rules changed, not the mail).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.documents import FormGroup, Problem, Source
from core.fields import FormFields, Funding, Scope, ScopeNotes, Value, training_days
from core.flags import SPECS, Flag
from core.schema import APPLICANT, DEFAULT_SCHEMA, FIELDS, ORGANIZER, Notice, Rule

# The resubmission rule lives in intake.resubmission (one place, its knobs as data); its names stay here.
from intake.resubmission import FormKey, normalise_project, normalise_unit, supersessions
from parsers import dates

__all__ = [
    "DEFAULT_PHONE_ANY_OF",
    "DEFAULT_REQUIRED_FIELDS",
    "RULES_VERSION",
    "FormKey",
    "Rules",
    "default_rules",
    "explain_change",
    "field_label",
    "form_flags",
    "form_level",
    "message_flags",
    "normalise_project",
    "normalise_unit",
    "superseded_flag",
    "supersessions",
    "training_days",
]

# Bump on any change to what a rule decides (not on refactors).  Rules.version adds a hash of the
# configured parameters, so a config change shows up in the recorded version too.
RULES_VERSION = "2024.12-r3"

# The fields a reviewer expects filled: the schema's REQUIRED ones (dotted keys of the export contract).
# The phones are checked as one-of per unit (DEFAULT_PHONE_ANY_OF); funding type, self-funding source,
# scope and the training dates have flags of their own.
DEFAULT_REQUIRED_FIELDS: tuple[str, ...] = tuple(s.key for s in FIELDS if s.rule is Rule.REQUIRED)

# One of these is enough, checked per unit (申报单位 and 承办单位).  An entry may also be a full one-of
# group of dotted keys, "applicant.office_phone|applicant.mobile", checked as written.
DEFAULT_PHONE_ANY_OF: tuple[str, ...] = tuple(
    s.key.split(".")[1] for s in FIELDS if s.rule is Rule.ANY_OF and s.section == APPLICANT
)
_UNITS = (APPLICANT, ORGANIZER)

# Fields with a flag of their own (funding_type_missing, scope_missing, ...), and what their cells fill:
# listed in required_fields they are not reported a second time as missing_field.
_OWN_FLAG_FIELDS = frozenset(
    k
    for s in FIELDS
    if s.rule is Rule.OWN_FLAG
    for k in (s.key, *(p.key for p in DEFAULT_SCHEMA.parts(s.key)))
)

# Message flags that apply to every form the message carries (the core attaches them per form).
FORM_LEVEL_MESSAGE_CODES: tuple[str, ...] = ("late",)

# Parser problem codes that form_flags re-derives from the values itself (never carried twice).
_DERIVED_CODES = frozenset(
    {
        "funding_type_missing",
        "self_funding_source_missing",
        "scope_missing",
        "training_dates_unparsed",
        "training_after_deadline",
        "stamp_missing",
        "stamp_unverifiable",
        "missing_word",
        "missing_pdf",
    }
)


@dataclass(frozen=True)
class Rules:
    """The configured rule set.  `deadline` must be timezone-aware; `tz` is the office zone used to
    show times to reviewers.  `expected_training_days` enables the optional training-length check:
    {"national": 5, "provincial": 4} (the notice's "about" lengths, one day of slack either side) or
    explicit bounds {"min": 3, "max": 6}; None (default) only reports the length."""

    deadline: datetime
    tz: ZoneInfo
    training_end_limit: date
    required_fields: tuple[str, ...] = DEFAULT_REQUIRED_FIELDS
    phone_any_of: tuple[str, ...] = DEFAULT_PHONE_ANY_OF
    date_header_margin: timedelta = timedelta(minutes=60)
    expected_training_days: Mapping[str, int] | None = field(default=None, hash=False)
    notice: Notice = field(default_factory=Notice)  # this year's call: forms are read against it

    def __post_init__(self) -> None:
        if self.deadline.tzinfo is None or self.deadline.utcoffset() is None:
            raise ValueError("Rules.deadline must be timezone-aware (e.g. 2024-12-17T23:59:59+08:00)")

    def params(self) -> dict[str, Any]:
        """The parameters as plain JSON values, in a fixed order (recorded with each run)."""
        return {
            "deadline": self.deadline.isoformat(),
            "tz": self.tz.key,
            "training_end_limit": self.training_end_limit.isoformat(),
            "required_fields": list(self.required_fields),
            "phone_any_of": list(self.phone_any_of),
            "date_header_margin_s": int(self.date_header_margin.total_seconds()),
            "expected_training_days": dict(sorted((self.expected_training_days or {}).items())),
            "notice": {"year": self.notice.year, "title": self.notice.title},
        }

    @property
    def version(self) -> str:
        """RULES_VERSION plus a short hash of the parameters: changes when code or config changes."""
        blob = json.dumps(self.params(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        return f"{RULES_VERSION}+{hashlib.sha256(blob).hexdigest()[:8]}"


_PARAM_NAMES = {
    "deadline": "截止时间",
    "tz": "时区",
    "training_end_limit": "办班完成期限",
    "required_fields": "必填栏目",
    "phone_any_of": "电话（任填其一）",
    "date_header_margin_s": "发信时间允许误差（秒）",
    "expected_training_days": "办班天数要求",
    "notice": "申报通知",
}


def explain_change(old_version: str, old_params: Mapping[str, Any] | None, rules: Rules) -> list[str]:
    """Chinese lines saying what changed since the run that used `old_version` / `old_params`, so a
    reviewer sees why a flag appeared or went away (empty when nothing changed)."""
    if old_version == rules.version:
        return []
    lines = [f"审核规则已更新：{old_version} → {rules.version}"]
    new = rules.params()
    for key, value in new.items():
        before = (old_params or {}).get(key)
        if old_params is not None and before != value:
            lines.append(f"{_PARAM_NAMES.get(key, key)}：{_change(before, value)}")
    return lines


def _change(before: Any, after: Any) -> str:
    if isinstance(before, list) and isinstance(after, list):  # field lists: say what was added / dropped
        added = [v for v in after if v not in before]
        dropped = [v for v in before if v not in after]
        parts = ([f"增加 {_show(added)}"] if added else []) + ([f"去掉 {_show(dropped)}"] if dropped else [])
        return "；".join(parts) or f"顺序调整为 {_show(after)}"
    return f"{_show(before)} → {_show(after)}"


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return (
            "、".join(field_label(v) if isinstance(v, str) and "|" not in v else str(v) for v in value)
            or "（无）"
        )
    if isinstance(value, Mapping):
        return "，".join(f"{k}={v}" for k, v in value.items()) or "（无）"
    return "（无）" if value is None else str(value)


def default_rules(**overrides: Any) -> Rules:
    """The notice's rules (鄂人社函〔2024〕132号): due 2024-12-17 end of day Beijing time, training
    finished by 2025-10-31.  Keyword arguments replace single parameters."""
    tz = ZoneInfo("Asia/Shanghai")
    values: dict[str, Any] = {
        "deadline": datetime(2024, 12, 17, 23, 59, 59, tzinfo=tz),
        "tz": tz,
        "training_end_limit": date(2025, 10, 31),
    }
    values.update(overrides)
    return Rules(**values)


# ---------------------------------------------------------------- message level


def _require_aware(value: datetime, what: str) -> datetime:
    # A naive time is the classic trap (imapclient's default gives naive host-local times): refuse it
    # instead of guessing, so a late mail can never pass as on time.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value


def _local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def is_late(received_at: datetime, rules: Rules) -> bool:
    """Late = the server received it strictly after the deadline (both aware; compared as instants)."""
    return _require_aware(received_at, "received_at") > rules.deadline


def message_flags(
    *,
    received_at: datetime,
    date_parsed: datetime | None,
    n_attachments: int,
    n_forms: int,
    unreadable: Sequence[tuple[str, str]],
    big_links: Sequence[str],
    rules: Rules,
) -> list[Flag]:
    """Flags about the mail itself.  `unreadable` holds (attachment name, Chinese reason) pairs.
    A mail whose only 'attachment' is a 超大附件 link gets big_attachment_link, not no_attachment."""
    flags: list[Flag] = []
    if is_late(received_at, rules):
        flags.append(Flag("late", _local(received_at, rules.tz)))
    if n_attachments == 0 and not big_links:
        flags.append(Flag("no_attachment"))
    elif n_attachments > 0 and n_forms == 0:
        flags.append(Flag("no_form_found"))
    flags.extend(Flag("unreadable_attachment", f"{name}: {reason}") for name, reason in unreadable)
    flags.extend(Flag("big_attachment_link", link) for link in big_links)
    mismatch = _date_header_mismatch(received_at, date_parsed, rules)
    if mismatch:
        flags.append(mismatch)
    return dedupe(flags)


def _date_header_mismatch(received_at: datetime, date_parsed: datetime | None, rules: Rules) -> Flag | None:
    if date_parsed is None:
        return None
    # RFC 5322 "-0000" parses naive: it means UTC with unknown local zone.
    sent = date_parsed if date_parsed.tzinfo else date_parsed.replace(tzinfo=UTC)
    if abs(sent - received_at) <= rules.date_header_margin:
        return None
    return Flag(
        "date_header_mismatch", f"发信 {_local(sent, rules.tz)}，收到 {_local(received_at, rules.tz)}"
    )


def form_level(message_flags: Iterable[Flag]) -> list[Flag]:
    """The message flags that also belong on each of its forms (a late mail makes every form late)."""
    return [f for f in message_flags if f.code in FORM_LEVEL_MESSAGE_CODES]


# ---------------------------------------------------------------- form level


def field_label(path: str) -> str:
    """How flags name a field (the schema's name: 申报单位/承办单位 fields name their block,
    "申报单位信息·联系人"); a key the schema does not know is shown as it is."""
    spec = DEFAULT_SCHEMA.by_key.get(path)
    return spec.name if spec is not None else path


_PLACEHOLDERS = ("/", "无", "——", "—", "-")


def _filled(value: Value) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return bool(value.strip()) and value.strip() not in _PLACEHOLDERS
    if isinstance(value, Scope):
        return value.any_ticked
    if isinstance(value, ScopeNotes):
        return any(_filled(v) for v in (value.national_strategy, value.industry_demand, value.digital_tech))
    return True


def _phone_groups(phone_any_of: Sequence[str]) -> list[str]:
    if phone_any_of and all("." not in p and "|" not in p for p in phone_any_of):
        return ["|".join(f"{unit}.{p}" for p in phone_any_of) for unit in _UNITS]
    return list(phone_any_of)


def _missing_fields(fields: FormFields, rules: Rules, unclear: frozenset[str] = frozenset()) -> list[Flag]:
    flags: list[Flag] = []
    # a choice whose marks could not be decided is not "missing": choice_unclear says so, quoting the cell
    required = [r for r in rules.required_fields if r.strip() not in _OWN_FLAG_FIELDS | unclear]
    for requirement in (*required, *_phone_groups(rules.phone_any_of)):
        options = [p.strip() for p in requirement.split("|") if p.strip()]
        if options and not any(_filled(fields.get(p)) for p in options):
            flags.append(Flag("missing_field", _one_of_label(options)))
    return flags


def _one_of_label(options: Sequence[str]) -> str:
    labels = [field_label(p) for p in options]
    if len(labels) > 1 and all("·" in lab for lab in labels):
        block = labels[0].split("·")[0]
        if all(lab.startswith(block + "·") for lab in labels):
            return f"{block}·" + "/".join(lab.split("·", 1)[1] for lab in labels)
    return "/".join(labels)


def _problems(group: FormGroup) -> list[Problem]:
    found: list[Problem] = []
    for form in (group.word, group.pdf):
        if form is not None:
            found.extend(form.problems)
    found.extend(group.problems)
    return found


def _unclear_fields(fields: FormFields, problems: Sequence[Problem]) -> frozenset[str]:
    """Choices whose marks could not be decided and that no other version of the form settled."""
    return frozenset(
        p.field
        for p in problems
        if p.code == "choice_unclear" and p.field and not _filled(fields.get(p.field))
    )


def _as_read(group: FormGroup, key: str) -> str:
    """The evidence a flag about `key` carries: the cell as read (which file, what text), or that the
    form has no such cell — so a reviewer can confirm without opening the file."""
    forms = [f for f in (group.word, group.pdf) if f is not None]
    for form in forms:
        ev = form.evidence.get(key)
        if ev is not None and ev.text.strip():
            text = " ".join(ev.text.split())
            where = {"pdf": "PDF", "image": "照片"}.get(form.kind, "Word")
            return f"{where} 中为“{text[:120]}”"
    return "表中未见该栏" if forms and any(f.evidence for f in forms) else ""


def _funding_flags(group: FormGroup, codes: set[str], unclear: frozenset[str] = frozenset()) -> list[Flag]:
    fields = group.fields
    if "funding_type_multiple" in codes:
        return [Flag("funding_type_multiple", _as_read(group, "funding_type"))]
    if "funding_type" in unclear:
        return []
    if fields.funding_type is None:
        return [Flag("funding_type_missing", _as_read(group, "funding_type"))]
    if fields.funding_type is Funding.SELF_FUNDED and not _filled(fields.self_funding_source):
        return [Flag("self_funding_source_missing", _as_read(group, "funding_type"))]
    return []


def _scope_flags(group: FormGroup, unclear: frozenset[str] = frozenset()) -> list[Flag]:
    if group.fields.scope.any_ticked or "scope" in unclear:
        return []
    return [Flag("scope_missing", _as_read(group, "scope"))]


def _training_flags(fields: FormFields, rules: Rules) -> list[Flag]:
    flags: list[Flag] = []
    raw, start, end = fields.training_dates, fields.training_start, fields.training_end
    if raw is not None and _filled(raw) and (start is None or end is None):
        flags.append(Flag("training_dates_unparsed", raw.strip()))
    latest = end or start
    if latest is not None and latest > rules.training_end_limit:
        flags.append(Flag("training_after_deadline", latest.isoformat()))
    elif latest is None and raw is not None:
        # "拟于2025年11月举办": no days, but even the earliest it can mean is after the limit
        earliest = dates.earliest_day(raw, rules.notice.year)
        if earliest is not None and earliest > rules.training_end_limit:
            flags.append(Flag("training_after_deadline", raw.strip()))
    days = training_days(fields)
    bounds = _length_bounds(rules.expected_training_days)
    if days is not None and bounds and not bounds[0] <= days <= bounds[1]:
        flags.append(Flag("training_length_unusual", f"{days} 天（通常为 {bounds[0]}–{bounds[1]} 天）"))
    return flags


def _length_bounds(expected: Mapping[str, int] | None) -> tuple[int, int] | None:
    if not expected:
        return None
    if "min" in expected or "max" in expected:
        return expected.get("min", 1), expected.get("max", 366)
    # Levels ("national": 5, "provincial": 4) are "about" lengths: allow a day either side.
    return min(expected.values()) - 1, max(expected.values()) + 1


def _stamp_flags(group: FormGroup) -> list[Flag]:
    if group.pdf is None or group.pdf.pdf is None:
        return []
    seal = group.pdf.pdf.seal
    if seal == "absent":
        return [Flag("stamp_missing", group.pdf.source)]
    if seal == "unknown":
        return [Flag("stamp_unverifiable", group.pdf.source)]
    return []


def _carried(problems: Sequence[Problem], unclear: frozenset[str] = frozenset()) -> list[Flag]:
    # Parser findings pass through with their detail; an unknown code must not crash the reports
    # (core.flags.describe would raise), so it travels as form_problem naming the code.
    flags: list[Flag] = []
    for p in problems:
        if p.code in _DERIVED_CODES or p.code == "funding_type_multiple":
            continue
        if p.code == "choice_unclear" and p.field and p.field not in unclear:
            continue  # the other version of the form (Word / PDF) settled it
        if p.code in SPECS:
            flags.append(Flag(p.code, p.detail))
        else:
            flags.append(Flag("form_problem", f"{p.code}: {p.detail}" if p.detail else p.code))
    return flags


def _scan_only(group: FormGroup) -> bool:
    """Only a scan (no Word, no text layer) that OCR could not read: its fields need a human."""
    info = group.pdf.pdf if group.pdf is not None else None
    return group.word is None and info is not None and not info.text_layer and not _ocr_read(group)


def _ocr_read(group: FormGroup) -> bool:
    """Only a scan, and OCR read its fields: they are checked like any form's, and flagged for checking."""
    return (
        group.word is None
        and group.pdf is not None
        and any(e.source is Source.OCR for e in group.pdf.evidence.values())
    )


_TEMPLATE = re.compile(r"[\s_＿年月日（）()/.:：\-－]")


def form_flags(group: FormGroup, rules: Rules) -> list[Flag]:
    """Every finding about one application (its Word and/or PDF version), in a stable order."""
    fields = group.fields
    problems = _problems(group)
    codes = {p.code for p in problems}
    unclear = _unclear_fields(fields, problems)
    flags: list[Flag] = []
    if group.word is None:
        flags.append(Flag("missing_word"))
    if group.pdf is None:
        flags.append(Flag("missing_pdf"))
    if _scan_only(group):
        # Nothing could be read, so nothing is "missing": one flag instead of twenty false ones.
        flags.append(Flag("scan_only", group.pdf.source if group.pdf else ""))
    else:
        if _ocr_read(group):
            flags.append(Flag("ocr_read", group.pdf.source if group.pdf else ""))
        # text that does not read as its kind (申报时间 "2024年12月": a month, no day) was written, not missing;
        # the template's "  年  月  日" left as printed was not
        written = frozenset(k for k, e in group.evidence.items() if e.unclear and _TEMPLATE.sub("", e.text))
        flags.extend(_missing_fields(fields, rules, unclear | written))
        flags.extend(_funding_flags(group, codes, unclear))
        flags.extend(_scope_flags(group, unclear))
        flags.extend(_training_flags(fields, rules))
    flags.extend(_stamp_flags(group))
    flags.extend(_carried(problems, unclear))
    return dedupe(flags)


def dedupe(flags: Iterable[Flag]) -> list[Flag]:
    seen: set[tuple[str, str]] = set()
    out: list[Flag] = []
    for f in flags:
        if (f.code, f.detail) not in seen:
            seen.add((f.code, f.detail))
            out.append(f)
    return out


# ---------------------------------------------------------------- resubmissions


def superseded_flag(newer: FormKey, rules: Rules) -> Flag:
    """The flag for a replaced form: names when the newer submission arrived."""
    return Flag("superseded", f"新版于 {_local(newer.received_at, rules.tz)} 收到")
