"""What an applicant wrote (`Form`), how it is laid out on the page (the document IR every writer
renders), and what a reviewer expects the product to report for it (`expected_fields`, `expected_flags`).

Nothing here imports the product: the expectations are this module's own reading of the notice
(鄂人社函〔2024〕132号) and of the README's export contract, written by hand.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

# ---------------------------------------------------------------- the document IR


@dataclass(frozen=True)
class R:
    """A run of a paragraph.  Exactly one of text / sym / sdt / ffbox / eq says what it shows."""

    text: str = ""
    sym: tuple[str, str] | None = None  # (font, hex code) → <w:sym>, Insert → Symbol in Word / WPS
    font: str | None = None  # the run's font (a symbol font: its letters show as marks)
    sdt: bool | None = None  # a Word 2010 check box content control with this state
    sdt_glyph: str = ""  # the glyph that control shows
    ffbox: bool | None = None  # a legacy FORMCHECKBOX with this state
    eq: str | None = None  # 带圈字符: the EQ field's instruction text
    show: str = ""  # how writers that cannot write the above show it (a Unicode mark)
    b: bool = False
    u: bool = False
    hl: str | None = None  # highlight colour name ("yellow")
    shd: str | None = None  # cell-like shading of the run (WPS highlights with it), hex
    color: str | None = None  # hex
    strike: bool = False
    ins: bool = False  # a tracked insertion
    dele: bool = False  # a tracked deletion
    br: bool = False  # a line break (no text)
    html_input: bool | None = None  # an HTML <input type="checkbox"> (a web form printed or saved)
    sdt_text: bool = False  # the text sits in a plain-text content control (a form with fill-in fields)
    placeholder: bool = False  # a content control showing its placeholder: nothing was filled in
    formtext: bool = False  # the text is a legacy FORMTEXT field's result
    textbox: tuple[str, ...] = ()  # a text box anchored here holding these lines (WPS templates' header)

    @property
    def visible(self) -> str:
        """The characters a person sees (for writers that only have text)."""
        if self.br:
            return "\n"
        if self.textbox:
            return "\n".join(self.textbox)
        if self.text and not (self.font and self.font.lower().startswith(("wingdings", "webdings"))):
            return self.text
        return self.show or self.text


Para = tuple[R, ...]


def P(*items: R | str) -> Para:
    return tuple(R(i) if isinstance(i, str) else i for i in items)


@dataclass(frozen=True)
class Cell:
    paras: tuple[Para, ...]
    span: int = 1
    vmerge: str | None = None  # "restart" | "continue"
    label: bool = False  # a label cell (writers may shade or centre it)
    tables: tuple[Table, ...] = ()  # tables nested in the cell, after its paragraphs

    @property
    def text(self) -> str:
        return "\n".join("".join(r.visible for r in p) for p in self.paras)


def C(*lines: str | Para, span: int = 1, vmerge: str | None = None, label: bool = False) -> Cell:
    paras = tuple(P(x) if isinstance(x, str) else x for x in lines) or (P(""),)
    return Cell(paras, span, vmerge, label)


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...]  # grid column widths in twips


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Para | Table | PageBreak


@dataclass(frozen=True)
class Doc:
    blocks: tuple[Block, ...]
    seal: bool = False  # PDF writers draw a red seal near the 申报单位 line


# ---------------------------------------------------------------- what the applicant wrote

SCOPE_KEYS = ("national_strategy", "industry_demand", "digital_tech")
UNIT_KEYS = ("name", "contact", "office_phone", "mobile", "fax", "address")


@dataclass(frozen=True)
class Unit:
    name: str = ""
    contact: str = ""
    office_phone: str = ""
    mobile: str = ""
    fax: str = ""
    address: str = ""


@dataclass(frozen=True)
class Form:
    """One unit's 申报表 as its applicant meant it.  Empty strings are cells left empty."""

    project_name: str
    declared_org: str
    declared_date: str  # as written after 申报时间：
    training_dates: str  # as written in 办班时间
    training_location: str
    industry_field: str
    industry_authority: str
    funding: str | None  # "fiscal" | "self_funded" | "both" | None
    self_source: str  # what was written after 自筹经费来源：
    scope: frozenset[str]
    scope_notes: tuple[tuple[str, str], ...]  # (option, note) written after an option's colon
    purpose: str
    content: str
    experts: str
    trainees: str
    applicant: Unit
    organizer: Unit
    ce_base: str | None  # "national" | "provincial" | "no" | None
    batch: int | None = None  # 第__批
    batch_text: str = ""  # how the batch is written in the blank ("3", "三", " 8 ")

    def note(self, key: str) -> str:
        return dict(self.scope_notes).get(key, "")

    def with_(self, **kw: Any) -> Form:
        return replace(self, **kw)


# ---------------------------------------------------------------- what a reviewer expects

NOTICE_YEAR = 2025
TRAINING_END_LIMIT = date(2025, 10, 31)
# config.example.toml: national ≈ 5 days, provincial ≈ 4, a day of slack either side → 3..6 days
TRAINING_DAYS = (3, 6)

# How the export names a field in missing_field's detail (the README: "the field's label on the form").
FIELD_NAMES = {
    "project_name": "项目名称",
    "declared_org": "申报单位（盖章）",
    "declared_date": "申报时间",
    "training_dates": "办班时间",
    "training_location": "办班地点",
    "industry_field": "选题所属行业领域",
    "industry_authority": "选题所属行业主管部门",
    "purpose": "研修目的和作用",
    "content_and_format": "研修内容和方式",
    "experts": "授课专家情况",
    "trainees": "培训对象",
    "applicant.name": "申报单位信息·单位名称",
    "applicant.contact": "申报单位信息·联系人",
    "applicant.address": "申报单位信息·地址",
    "organizer.name": "承办单位信息·单位名称",
    "organizer.contact": "承办单位信息·联系人",
    "organizer.address": "承办单位信息·地址",
    "organizer.ce_base": "承办单位信息·是否继续教育基地",
}
PHONE_NAMES = {"applicant": "申报单位信息·办公电话/手机", "organizer": "承办单位信息·办公电话/手机"}
EMPTY_PHONES = ("", "无", "/", "—", "-")


@dataclass(frozen=True)
class Alt:
    """Any of these values is right (e.g. "同上" kept as written, or the applicant's value it stands for)."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Expect:
    fields: dict[str, Any]  # dotted key → expected value (str, ISO date, bool, int, None, Alt)
    flags: frozenset[tuple[str, str]]  # (code, detail): detail only for missing_field, else ""
    optional: frozenset[str] = frozenset()  # codes a reviewer accepts either way (neither missed nor false)
    choice_keys: tuple[str, ...] = ("funding_type", "scope", "organizer.ce_base")


@dataclass(frozen=True)
class Dates:
    """A way to write 办班时间 and the days a reviewer reads from it (None: no exact days given)."""

    text: str
    start: str | None
    end: str | None


def _blank(s: str) -> bool:
    return not s.strip()


def unit_fields(prefix: str, u: Unit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in UNIT_KEYS:
        v = getattr(u, k)
        out[f"{prefix}.{k}"] = v if v.strip() else None
    return out


def expected_fields(
    f: Form,
    dates: Dates,
    *,
    declared_date_iso: str | None,
    organizer_same_as_applicant: bool = False,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    exp: dict[str, Any] = {
        "project_name": f.project_name or None,
        "declared_org": f.declared_org or None,
        "declared_date": declared_date_iso,
        "training_dates": f.training_dates or None,
        "training_start": dates.start,
        "training_end": dates.end,
        "training_location": f.training_location or None,
        "industry_field": f.industry_field or None,
        "industry_authority": f.industry_authority or None,
        "funding_type": f.funding if f.funding in ("fiscal", "self_funded") else None,
        "self_funding_source": f.self_source or None,
        "scope": {k: k in f.scope for k in SCOPE_KEYS},
        "purpose": f.purpose or None,
        "content_and_format": f.content or None,
        "experts": f.experts or None,
        "trainees": f.trainees or None,
        "organizer.ce_base": f.ce_base,
        "organizer.ce_base_batch": f.batch if f.ce_base == "national" else None,
    }
    for k in SCOPE_KEYS:
        exp[f"scope_notes.{k}"] = f.note(k) or None
    exp.update(unit_fields("applicant", f.applicant))
    org = unit_fields("organizer", f.organizer)
    app = unit_fields("applicant", f.applicant)
    for k in UNIT_KEYS:
        # "同上": kept as written, or the applicant's value it stands for: both are right
        mine = f"organizer.{k}"
        if org[mine] == "同上" or (organizer_same_as_applicant and org[mine] is None):
            alts = ("同上", app[f"applicant.{k}"])
            org[mine] = Alt((*alts, None) if k == "fax" else alts)
    exp.update(org)
    exp.update(overrides or {})
    return exp


def expected_flags(
    f: Form,
    dates: Dates,
    *,
    declared_date_iso: str | None,
    has_word: bool = True,
    has_pdf: bool = True,
    sealed: bool = True,
    organizer_same_as_applicant: bool = False,
) -> set[tuple[str, str]]:
    """The flags a reviewer agrees describe this form, by the notice's rules (written out here, not
    taken from the product)."""
    out: set[tuple[str, str]] = set()
    if not has_word:
        out.add(("missing_word", ""))
    if not has_pdf:
        out.add(("missing_pdf", ""))
    if has_pdf and not sealed:
        out.add(("stamp_missing", ""))
    values = {
        "project_name": f.project_name,
        "declared_org": f.declared_org,
        "declared_date": declared_date_iso or "",
        "training_dates": f.training_dates,
        "training_location": f.training_location,
        "industry_field": f.industry_field,
        "industry_authority": f.industry_authority,
        "purpose": f.purpose,
        "content_and_format": f.content,
        "experts": f.experts,
        "trainees": f.trainees,
        "organizer.ce_base": f.ce_base or "",
    }
    for prefix, unit in (("applicant", f.applicant), ("organizer", f.organizer)):
        for k in ("name", "contact", "address"):
            values[f"{prefix}.{k}"] = getattr(unit, k)
    if organizer_same_as_applicant:
        for k in ("name", "contact", "address"):
            values[f"organizer.{k}"] = values[f"organizer.{k}"] or "同上"
    for key, value in values.items():
        if key == "declared_date" and f.declared_date.strip() and declared_date_iso is None:
            continue  # written but not as a date: not "missing"
        if _blank(value):
            out.add(("missing_field", FIELD_NAMES[key]))
    for prefix, unit in (("applicant", f.applicant), ("organizer", f.organizer)):
        phones = (unit.office_phone.strip(), unit.mobile.strip())
        if organizer_same_as_applicant and prefix == "organizer":
            continue
        if all(p in EMPTY_PHONES for p in phones):
            out.add(("missing_field", PHONE_NAMES[prefix]))
    if f.funding is None:
        out.add(("funding_type_missing", ""))
    elif f.funding == "both":
        out.add(("funding_type_multiple", ""))
    elif f.funding == "self_funded" and _blank(f.self_source):
        out.add(("self_funding_source_missing", ""))
    if not f.scope:
        out.add(("scope_missing", ""))
    if f.training_dates.strip():
        if dates.start is None:
            out.add(("training_dates_unparsed", ""))
        else:
            start, end = date.fromisoformat(dates.start), date.fromisoformat(dates.end or dates.start)
            if end > TRAINING_END_LIMIT:
                out.add(("training_after_deadline", ""))
            days = (end - start).days + 1
            if not TRAINING_DAYS[0] <= days <= TRAINING_DAYS[1]:
                out.add(("training_length_unusual", ""))
    return out


# ---------------------------------------------------------------- comparing


def squeeze(value: Any) -> Any:
    """Text as compared: NFKC, no whitespace at all (line breaks and spacing are layout, not content)."""
    if isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split())
        return text or None
    return value


def same(expected: Any, got: Any) -> bool:
    if isinstance(expected, Alt):
        return any(same(e, got) for e in expected.values)
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(same(v, got.get(k)) for k, v in expected.items())
    return squeeze(expected) == squeeze(got)


def get_path(fields: dict[str, Any], key: str) -> Any:
    node: Any = fields
    for part in key.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


@dataclass
class Score:
    """Counts over many documents or forms."""

    choice_ok: int = 0
    choice_n: int = 0
    other_ok: int = 0
    other_n: int = 0
    flags_tp: int = 0
    flags_fp: int = 0
    flags_fn: int = 0
    wrong_fields: list[str] = field(default_factory=list)
    false_flags: list[str] = field(default_factory=list)
    missed_flags: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("choice_ok", "choice_n", "other_ok", "other_n", "flags_tp", "flags_fp", "flags_fn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wrong_fields += other.wrong_fields
        self.false_flags += other.false_flags
        self.missed_flags += other.missed_flags

    @property
    def ok(self) -> bool:
        return not (self.wrong_fields or self.false_flags or self.missed_flags)


def flag_key(code: str, detail: str) -> tuple[str, str]:
    return (code, detail if code == "missing_field" else "")


# Flags that describe the mail or the pipeline's bookkeeping, not the form's content: counted in the
# run tier (a mail-level case expects them), never expected of a single document.
DOCUMENT_IGNORED = frozenset({"missing_word", "missing_pdf", "stamp_unverifiable"})


def score(
    name: str,
    expect: Expect,
    fields: dict[str, Any] | None,
    flags: list[tuple[str, str]],
    *,
    ignore_codes: frozenset[str] = frozenset(),
) -> Score:
    s = Score()
    fields = fields or {}
    for key, want in expect.fields.items():
        got = get_path(fields, key)
        ok = same(want, got)
        if key in expect.choice_keys:
            s.choice_n += 1
            s.choice_ok += ok
        else:
            s.other_n += 1
            s.other_ok += ok
        if not ok:
            s.wrong_fields.append(f"{name}: {key} expected {_show(want)}, got {_show(got)}")
    got_flags = {flag_key(c, d): d for c, d in flags if c not in ignore_codes}
    want = {f for f in expect.flags if f[0] not in ignore_codes}
    for f, detail in got_flags.items():
        if f in want:
            s.flags_tp += 1
        elif f[0] not in expect.optional:
            s.flags_fp += 1
            s.false_flags.append(f"{name}: {f[0]} {detail}".rstrip())
    for f in want - set(got_flags):
        if f[0] in expect.optional:
            continue
        s.flags_fn += 1
        s.missed_flags.append(f"{name}: {f[0]} {f[1]}".rstrip())
    return s


def _show(v: Any) -> str:
    if isinstance(v, Alt):
        return " | ".join(_show(x) for x in v.values)
    return repr(v)
