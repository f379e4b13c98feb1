"""The choice corpus: 申报表 filled every way applicants fill them, by writers independent of the readers.

A `Case` names a writer (raw WordprocessingML, python-docx, reportlab), a marking style, a table layout,
a format (.docx as written; .doc saved by the real LibreOffice; PDF exported by LibreOffice or drawn by
reportlab) and a seed; its truth is the values the writer filled in, and the flags a reviewer expects.
`build(cases)` writes every file (LibreOffice calls batched, results cached by content hash under
tests/corpus/.cache); `read(case, data)` runs the project's readers and review rules on one file.
Used by tests/test_corpus.py (the table-driven test) and bench/bench_accuracy.py (the figures).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.writers import office, pydocx, rl_pdf, values, wordml

CACHE = Path(__file__).parent / ".cache"
CHOICE_KEYS = ("funding_type", "scope", "organizer.ce_base")
# Flags about the pair of files, not the form's content: a one-file case always has one of them.
PAIRING_CODES = frozenset({"missing_word", "missing_pdf", "stamp_missing", "stamp_unverifiable", "scan_only"})


@dataclass(frozen=True)
class Case:
    name: str
    writer: str  # "wordml" | "pydocx" | "reportlab"
    fmt: str  # "docx" | "doc" | "pdf"
    style: str
    layout: str = "standard"
    seed: int = 0
    mutate: str = ""  # a named change of the truth (MUTATIONS) — e.g. nothing ticked
    expected_flags: frozenset[str] = frozenset()  # codes a reviewer expects (beyond the pairing ones)

    @property
    def truth(self) -> dict[str, Any]:
        v = values.values(self.seed)
        if self.mutate:
            MUTATIONS[self.mutate](v)
        return v

    @property
    def source_name(self) -> str:
        ext = "pdf" if self.writer == "reportlab" else "docx"
        return f"{self.name}.{ext}"


def _none_ticked(v: dict[str, Any]) -> None:
    v["funding_type"], v["self_funding_source"] = None, None
    v["scope"] = dict.fromkeys(v["scope"], False)
    v["scope_notes"] = dict.fromkeys(v["scope_notes"])


def _self_funded_no_source(v: dict[str, Any]) -> None:
    v["funding_type"], v["self_funding_source"] = "self_funded", None


def _both_ticked(v: dict[str, Any]) -> None:
    v["funding_type"] = ("fiscal", "self_funded")  # the writer ticks both; a reader reports None + a flag


def _fiscal(v: dict[str, Any]) -> None:
    v["funding_type"], v["self_funding_source"] = "fiscal", None


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "none_ticked": _none_ticked,
    "self_funded_no_source": _self_funded_no_source,
    "both_ticked": _both_ticked,
    "unclear_funding": _fiscal,  # written with the tick between the two options (tick_between)
}


def expected_fields(case: Case) -> dict[str, Any]:
    v = copy.deepcopy(case.truth)
    if isinstance(v["funding_type"], tuple) or case.mutate == "unclear_funding":
        v["funding_type"] = None  # both ticked, or a mark nobody can place: no value, a flag says why
    return v


def marks_of(case: Case) -> str | tuple[str, ...]:
    """A case's marking: one style, or one per choice cell ("a+b+c")."""
    return tuple(case.style.split("+")) if "+" in case.style else case.style


def cases() -> list[Case]:
    out: list[Case] = []
    seed = 1000
    for style in wordml.MARK_STYLES:  # every marking style × Word, .doc, PDF
        for fmt in ("docx", "doc", "pdf"):
            if (fmt == "doc" and style in wordml.LOST_IN_DOC) or (
                fmt == "pdf" and style in wordml.LOST_IN_PDF
            ):
                continue
            seed += 1
            out.append(Case(f"wordml-{style}-{fmt}", "wordml", fmt, style, seed=seed))
    for layout in wordml.LAYOUTS[1:]:  # table alterations, with three marking styles
        for style in ("glyph", "tick_after", "wingdings_sym"):
            for fmt in ("docx", "pdf"):
                seed += 1
                out.append(Case(f"wordml-{layout}-{style}-{fmt}", "wordml", fmt, style, layout, seed))
    for style in pydocx.STYLES:
        for fmt in ("docx", "pdf"):
            seed += 1
            out.append(Case(f"pydocx-{style}-{fmt}", "pydocx", fmt, style, seed=seed))
    for style in rl_pdf.STYLES:
        seed += 1
        out.append(Case(f"reportlab-{style}-pdf", "reportlab", "pdf", style, seed=seed))
    flagged = [
        ("none_ticked", frozenset({"funding_type_missing", "scope_missing"})),
        ("self_funded_no_source", frozenset({"self_funding_source_missing"})),
        ("both_ticked", frozenset({"funding_type_multiple"})),
    ]
    styles = sorted(wordml.MARK_STYLES)
    for k in range(30):  # a different marking style in each choice cell, as one form mixes them
        fmt = ("docx", "doc", "pdf")[k % 3]
        usable = [
            x
            for x in styles
            if not (fmt == "doc" and x in wordml.LOST_IN_DOC)
            and not (fmt == "pdf" and x in wordml.LOST_IN_PDF)
        ]
        picked = "+".join(usable[(k * 7 + j * 11) % len(usable)] for j in range(3))
        seed += 1
        out.append(Case(f"mixed-{k:02d}-{fmt}", "wordml", fmt, picked, seed=seed))
    for fmt in ("docx", "doc", "pdf"):  # a mark nobody can place: one choice_unclear, never "not ticked"
        seed += 1
        style = "tick_between+glyph+glyph"
        out.append(
            Case(
                f"flag-unclear-{fmt}",
                "wordml",
                fmt,
                style,
                seed=seed,
                mutate="unclear_funding",
                expected_flags=frozenset({"choice_unclear"}),
            )
        )
    for mutate, flags in flagged:  # real omissions and rule breaks: the flags must be raised
        for style in ("glyph", "tick_after", "wingdings_sym", "content_control"):
            for fmt in ("docx", "pdf"):
                seed += 1
                out.append(
                    Case(
                        f"flag-{mutate}-{style}-{fmt}",
                        "wordml",
                        fmt,
                        style,
                        seed=seed,
                        mutate=mutate,
                        expected_flags=flags,
                    )
                )
    return out


def negatives() -> dict[str, bytes]:
    """Office documents that are not a 申报表 but carry its generic labels (项目名称, 联系人, 电话, 地址 …)."""
    return {
        "procurement": wordml.letter_docx(
            ["湖北省专业技术人员继续教育培训服务采购项目", "招标文件"],
            [
                ["项目名称", "专业技术人员高级研修培训服务采购", "项目编号", "HBZC-2024-118"],
                ["采购单位", "湖北省某厅", "联系人", "王建国"],
                ["电话", "027-87000000", "传真", "027-87000001"],
                ["地址", "武汉市武昌区中北路1号", "项目预算", "50万元"],
                ["名称", "培训服务", "培训对象", "专业技术人员"],
            ],
        ),
        "implementation_plan": wordml.letter_docx(
            [
                "2025年智能制造高级研修班实施方案",
                "一、培训对象：全省智能制造领域具有中高级职称的专业技术人员60名。",
                "二、办班时间：2025年6月16日至20日。",
                "三、办班地点：武汉市。",
                "四、研修内容和方式：主题报告、现场教学。",
                "五、授课专家情况：拟邀请高校教授5名。",
                "联系人：张志强  电话：027-88888888  地址：武汉市洪山区",
            ]
        ),
        "recommendation_summary": wordml.letter_docx(
            ["2025年高级研修项目推荐汇总表"],
            [
                ["序号", "项目名称", "申报单位", "办班时间", "办班地点", "培训对象", "申报项目类别"],
                ["1", "智能建造高级研修班", "某学会", "2025年6月", "武汉市", "工程师", "自筹经费项目"],
                ["2", "数字乡村高级研修班", "某研究院", "2025年9月", "宜昌市", "农技人员", "财政资助项目"],
            ],
        ),
        "cover_letter": wordml.letter_docx(
            [
                "关于报送2025年高级研修项目申报表的函",
                "湖北省人力资源和社会保障厅：",
                "现将我单位2025年高级研修项目申报表报送贵厅，请审核。",
            ],
            [["联系人", "刘晓燕", "电话", "027-86000000"], ["地址", "武汉市江岸区", "传真", "027-86000001"]],
        ),
        "person_recommendation": wordml.letter_docx(
            ["专业技术人才推荐表"],
            [
                ["姓名", "李红梅", "单位名称", "某医院"],
                ["联系电话", "13800000000", "通讯地址", "黄石市"],
                ["推荐意见", "同意推荐", "联系人", "周涛"],
            ],
        ),
    }


# ---------------------------------------------------------------- writing


def _source(case: Case) -> bytes:
    v = case.truth
    if case.writer == "reportlab":
        return rl_pdf.form_pdf(v, case.style)
    if case.writer == "pydocx":
        return pydocx.form_docx(v, case.style)
    return wordml.form_docx(v, marks_of(case), case.layout)


def _cached_convert(sources: Mapping[str, bytes], target: str) -> dict[str, bytes]:
    """LibreOffice conversions, cached by the source's hash (a re-run converts only what changed)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out: dict[str, bytes] = {}
    todo: dict[str, bytes] = {}
    for name, data in sources.items():
        path = CACHE / f"{hashlib.sha256(data).hexdigest()[:24]}.{target}"
        if path.exists():
            out[name] = path.read_bytes()
        else:
            todo[name] = data
    if todo:
        got = office.convert(todo, target)
        for name, data in got.items():
            (CACHE / f"{hashlib.sha256(todo[name]).hexdigest()[:24]}.{target}").write_bytes(data)
            out[name] = data
    return out


def build(all_cases: Sequence[Case]) -> dict[str, bytes]:
    """{case name: the file as it arrives} for every case (those LibreOffice failed to write are absent)."""
    files: dict[str, bytes] = {}
    sources = {c.name: _source(c) for c in all_cases}
    needs: dict[str, dict[str, bytes]] = {"doc": {}, "pdf": {}}
    for c in all_cases:
        if (c.fmt == "pdf" and c.writer == "reportlab") or c.fmt == "docx":
            files[c.name] = sources[c.name]
        else:
            needs[c.fmt][c.source_name] = sources[c.name]
    for target, batch in needs.items():
        if batch:
            for name, data in _cached_convert(batch, target).items():
                files[name.rsplit(".", 1)[0]] = data
    return files


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Outcome:
    fields: Mapping[str, Any]
    flags: tuple[tuple[str, str], ...]  # (code, detail) of the form, pairing codes left out
    is_form: bool
    note: str = ""
    problems: tuple[Any, ...] = field(default_factory=tuple)


def converted(all_cases: Sequence[Case], files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The .doc files through the project's own converter (parsers.convert, one LibreOffice call), as a
    run converts them; other files as they are."""
    from parsers.convert import convert_to_docx

    docs = [c.name for c in all_cases if c.fmt == "doc" and c.name in files]
    out = {c.name: files[c.name] for c in all_cases if c.name in files and c.fmt != "doc"}
    for name, res in zip(docs, convert_to_docx([(f"{n}.doc", files[n]) for n in docs]), strict=False):
        if res.data is None:
            raise RuntimeError(f"{name}: {res.error}")
        out[name] = res.data
    return out


def read(case: Case, data: bytes) -> Outcome:
    """The project's reading of one file (a .doc already converted, see `converted`), then the review rules."""
    from core.documents import FormGroup
    from intake.review import default_rules, form_flags
    from parsers.docx_form import parse_docx
    from parsers.pdf_form import parse_pdf

    if case.fmt == "pdf":
        form = parse_pdf(data, f"{case.name}.pdf", check_seal=False)
    else:
        form = parse_docx(data, f"{case.name}.docx")
    word, pdf = (None, form) if case.fmt == "pdf" else (form, None)
    group = FormGroup(word, pdf, form.fields, evidence=form.evidence)
    flags = tuple(
        (f.code, f.detail) for f in form_flags(group, default_rules()) if f.code not in PAIRING_CODES
    )
    return Outcome(form.fields.to_json(), flags, form.is_form, form.note, tuple(form.problems))


def get(fields: Mapping[str, Any], key: str) -> Any:
    node: Any = fields
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


@dataclass
class Score:
    choices: int = 0
    choices_right: int = 0
    flags_raised: int = 0
    flags_true: int = 0
    flags_expected: int = 0
    flags_found: int = 0
    false_flags: list[str] = field(default_factory=list)
    missed_flags: list[str] = field(default_factory=list)
    wrong_choices: list[str] = field(default_factory=list)
    wrong_fields: list[str] = field(default_factory=list)

    def add(self, case: Case, got: Outcome) -> None:
        want = expected_fields(case)
        for key in CHOICE_KEYS:
            self.choices += 1
            if get(want, key) == get(got.fields, key):
                self.choices_right += 1
            else:
                self.wrong_choices.append(
                    f"{case.name}: {key} expected {get(want, key)!r}, read {get(got.fields, key)!r}"
                )
        for key in _leaves(want):
            if (
                get(want, key) != get(got.fields, key)
                and key.split(".")[0] not in ("scope",)
                and key not in CHOICE_KEYS
            ):
                self.wrong_fields.append(
                    f"{case.name}: {key} expected {get(want, key)!r}, read {get(got.fields, key)!r}"
                )
        codes = [code for code, _ in got.flags]
        self.flags_raised += len(codes)
        self.flags_expected += len(case.expected_flags)
        for code, detail in got.flags:
            if code in case.expected_flags:
                self.flags_true += 1
            else:
                self.false_flags.append(f"{case.name}: {code} {detail}")
        for code in case.expected_flags:
            if code in codes:
                self.flags_found += 1
            else:
                self.missed_flags.append(f"{case.name}: {code}")

    @property
    def choice_accuracy(self) -> float:
        return self.choices_right / self.choices if self.choices else 1.0

    @property
    def precision(self) -> float:
        return self.flags_true / self.flags_raised if self.flags_raised else 1.0

    @property
    def recall(self) -> float:
        return self.flags_found / self.flags_expected if self.flags_expected else 1.0


def _leaves(d: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        out += _leaves(v, key + ".") if isinstance(v, Mapping) else [key]
    return out
