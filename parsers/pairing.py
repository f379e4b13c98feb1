"""Word and PDF versions of one application, paired.

A mail may carry several units' forms (a 市州人社局 forwarding three), each as a .docx and a stamped PDF.
Pairs are chosen by what they say (project name, unit, dates) and by how their file names resemble each
other, best pairs first; a scanned PDF says nothing readable, so its name decides — or, when a mail holds
exactly one Word form and one scan, they belong together.  Each pair becomes one FormGroup whose fields are
the Word values with the PDF filling what Word lacks; a pair whose project names differ carries
`word_pdf_mismatch`.  Documents that are not a 申报表 (a cover letter 公函) are returned as `ignored`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from difflib import SequenceMatcher
from functools import cache

from core.documents import Evidence, FormGroup, Pairing, ParsedForm, Problem, Source
from core.fields import FormFields, Value, is_empty
from core.schema import DEFAULT_SCHEMA, FormSchema

__all__ = ["content_similarity", "edits", "name_similarity", "pair_documents", "same_text", "seal_unit"]

MIN_SCORE = 0.45


# Words that say nothing about which unit a file belongs to.
@cache
def _name_noise(year: int) -> re.Pattern[str]:
    return re.compile(
        r"(申报表|申报书|申报|高级研修项目|高级研修|研修项目|项目|知识更新工程|专业技术人员|专业技术人才|"
        + str(year)
        + r"年?|盖章版?|扫描件?|扫描版|电子版|word版?|pdf版?|版本|附件\d*|最终版|定稿|副本|[（）()\[\]【】\-_—\s.·、，,0-9]+)",
        re.IGNORECASE,
    )


_NOT_FORM_NAME = re.compile(r"(函|通知|说明|推荐|汇总|清单|目录)")
_FORM_NAME = re.compile(r"申报")


def _norm(text: Value) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"[\s\"'“”‘’《》<>「」『』()（）,，.。:：;；、·\-—_]+", "", text)


def _stem(name: str, year: int) -> str:
    base = name.rsplit("/", 1)[-1]
    base = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", base)
    return _name_noise(year).sub("", unicodedata.normalize("NFKC", base)).lower()


def name_similarity(a: str, b: str, *, year: int = DEFAULT_SCHEMA.notice.year) -> float:
    """How alike two file names are once the words every applicant uses are removed (0..1)."""
    sa, sb = _stem(a, year), _stem(b, year)
    if not sa or not sb:
        return 0.5 if sa == sb else 0.0  # "申报表.docx" / "申报表.pdf": nothing tells them apart
    return SequenceMatcher(None, sa, sb).ratio()


_TITLE_NOISE = re.compile(r"(高级研修班|高级研修项目|高级研修|研修班|培训班|研修项目|项目|专题)")
_OTHER_KEYS = ("applicant.name", "declared_org", "organizer.name", "training_start")


def _title(fields: FormFields) -> str:
    return _TITLE_NOISE.sub("", _norm(fields.project_name))


def content_similarity(word: ParsedForm, pdf: ParsedForm) -> float | None:
    """How alike the two versions' contents are (0..1); None when either says nothing readable.

    The project name decides (without the words every title shares, 高级研修班 …): one unit may send
    several projects, so unit names and addresses alone say little."""
    a, b = _title(word.fields), _title(pdf.fields)
    others = _others_agreement(word.fields, pdf.fields)
    if a and b:
        title = 1.0 if a == b else SequenceMatcher(None, a, b).ratio()
        return title if others is None else 0.8 * title + 0.2 * others  # same title, two units: others decide
    return others


def _others_agreement(x: FormFields, y: FormFields) -> float | None:
    hits = total = 0
    for key in _OTHER_KEYS:
        u, v = _norm(x.get(key)), _norm(y.get(key))
        if u and v:
            total += 1
            hits += u == v
    return hits / total if total else None


def _score(word: ParsedForm, pdf: ParsedForm, year: int) -> float:
    content = content_similarity(word, pdf)
    names = name_similarity(word.source, pdf.source, year=year)
    return names if content is None else 0.7 * content + 0.3 * names


def _match(words: Sequence[ParsedForm], pdfs: Sequence[ParsedForm], year: int) -> list[tuple[int, int]]:
    """Greedy best-first matching (ties broken by input order, so the result is deterministic)."""
    scored = sorted((-_score(w, p, year), i, j) for i, w in enumerate(words) for j, p in enumerate(pdfs))
    used_w: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for neg, i, j in scored:
        if -neg < MIN_SCORE or i in used_w or j in used_p:
            continue
        pairs.append((i, j))
        used_w.add(i)
        used_p.add(j)
    left_w = [i for i in range(len(words)) if i not in used_w]
    left_p = [j for j in range(len(pdfs)) if j not in used_p]
    if len(left_w) == 1 and len(left_p) == 1 and _may_pair_leftovers(words[left_w[0]], pdfs[left_p[0]]):
        pairs.append((left_w[0], left_p[0]))
    return pairs


def _may_pair_leftovers(word: ParsedForm, pdf: ParsedForm) -> bool:
    """One Word form and one PDF left over: together unless the PDF clearly belongs to another project.
    A stamped scan is the Word file's twin whatever it says: when it is another project's (last year's
    scan, another unit's form), word_pdf_mismatch quotes both for the reviewer."""
    if _is_scan(pdf):
        return True
    content = content_similarity(word, pdf)
    return content is None or content >= 0.5


def _is_scan(form: ParsedForm) -> bool:
    return form.kind == "image" or any(e.source is Source.OCR for e in form.evidence.values())


# ---------------------------------------------------------------- merging and comparing


def merge_fields(
    word: FormFields, pdf: FormFields, schema: FormSchema = DEFAULT_SCHEMA
) -> tuple[FormFields, frozenset[str]]:
    """Word values first, PDF fills gaps; linked values travel together (a choice with its notes, a date
    range with its parsed days).  Also returns the keys taken from the PDF."""
    values, theirs = word.flat(schema), pdf.flat(schema)
    taken = {key for key, value in values.items() if is_empty(value) and not is_empty(theirs[key])}
    for spec in schema.fields:
        parts = schema.parts(spec.key)
        if parts and is_empty(values[spec.key]) and not is_empty(theirs[spec.key]):
            taken |= {spec.key, *(p.key for p in parts)}
    return word.with_values({key: theirs[key] for key in taken}), frozenset(taken)


_COMPARED = ("project_name", "declared_org", "training_start", "training_end")
OCR_SLIP = 12  # characters of text per recognition slip forgiven when one side was read by OCR
_SCAN_KINDS = ("pdf", "image")  # the stamped version: a PDF or a photo of the signed form


def edits(a: str, b: str) -> int:
    """Levenshtein distance (short texts: names of projects and units)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def same_text(a: Value, b: Value, *, ocr: bool = False) -> bool:
    """Equal once spacing and punctuation are ignored; with OCR on one side, a slip of the recogniser
    (one character in OCR_SLIP) is forgiven, but not a word added or changed."""
    x, y = _norm(a), _norm(b)
    if x == y:
        return True
    if not ocr or not x or not y or abs(len(x) - len(y)) > 1:
        return False
    return edits(x, y) <= max(1, min(len(x), len(y)) // OCR_SLIP)


def _read_by_ocr(form: ParsedForm, key: str, schema: FormSchema) -> bool:
    owner = schema.by_key[key].part_of or key
    ev = form.evidence.get(owner)
    return ev is not None and ev.source is Source.OCR


def _mismatches(word: ParsedForm, pdf: ParsedForm, schema: FormSchema) -> tuple[Problem, ...]:
    out = []
    side = "扫描件" if _is_scan(pdf) else "PDF"
    for key in _COMPARED:
        a, b = word.fields.get(key), pdf.fields.get(key)
        if _norm(a) and _norm(b) and not same_text(a, b, ocr=_read_by_ocr(pdf, key, schema)):
            name = schema.by_key[key].name
            out.append(Problem("word_pdf_mismatch", f"{name}：Word 为“{_shown(a)}”，{side}为“{_shown(b)}”"))
    seal = seal_unit(pdf)
    unit = word.fields.get("declared_org") or word.fields.get("applicant.name")
    if seal and _norm(unit) and _other_unit(_norm(unit), _norm(seal)):
        out.append(Problem("word_pdf_mismatch", f"印章单位：Word 为“{_shown(unit)}”，{side}公章为“{seal}”"))
    return tuple(out)


def _other_unit(unit: str, seal: str) -> bool:
    """A seal's name is read roughly (curved, carved, under ink): only a name sharing almost nothing
    with the unit's (under 30% of its characters) is another unit's seal."""
    return len(set(seal) & set(unit)) < 0.3 * len(set(seal))


def seal_unit(form: ParsedForm) -> str:
    """The unit's name read off the seal of an OCR'd scan ("" when not readable)."""
    text = form.pdf.seal_text if form.pdf is not None else ""
    return re.sub(r"(专用章|公章|印章|章)$", "", text) if text else ""


def _shown(value: Value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _group(word: ParsedForm | None, pdf: ParsedForm | None, schema: FormSchema) -> FormGroup:
    if word is not None and pdf is not None:
        fields, taken = merge_fields(word.fields, pdf.fields, schema)
        evidence: dict[str, Evidence] = {
            **{k: v for k, v in word.evidence.items() if k not in taken},
            **{k: v for k, v in pdf.evidence.items() if k in taken},
        }
        return FormGroup(word, pdf, fields, _mismatches(word, pdf, schema), evidence)
    only = word or pdf
    assert only is not None
    return FormGroup(word, pdf, only.fields, evidence=only.evidence)


def _stray_scan(pdf: ParsedForm, have_groups: bool) -> bool:
    """An unpaired scan with nothing readable whose name says it is a letter, not a form."""
    name = pdf.source.rsplit("/", 1)[-1]
    return (
        have_groups
        and not _has_content(pdf)
        and bool(_NOT_FORM_NAME.search(name))
        and not _FORM_NAME.search(name)
    )


def _has_content(form: ParsedForm) -> bool:
    return content_similarity(form, form) is not None


def _duplicates(forms: Sequence[ParsedForm]) -> dict[int, str]:
    """Forms attached twice (same kind, same readable content): id → the note for the later copy."""
    seen: dict[tuple[str, FormFields], ParsedForm] = {}
    out: dict[int, str] = {}
    for form in forms:
        if not form.is_form or not _has_content(form):
            continue  # two unreadable scans may well be different documents
        key = (form.kind, form.fields)
        if key in seen:
            out[id(form)] = f"与“{seen[key].source}”内容相同的重复附件"
        else:
            seen[key] = form
    return out


def pair_documents(forms: Sequence[ParsedForm], schema: FormSchema = DEFAULT_SCHEMA) -> Pairing:
    """Group a mail's parsed documents into applications (order: first appearance in `forms`)."""
    order = {id(f): k for k, f in enumerate(forms)}
    notes = _duplicates(forms)
    ignored = [f for f in forms if not f.is_form or id(f) in notes]
    words = [f for f in forms if f.is_form and f.kind not in _SCAN_KINDS and id(f) not in notes]
    pdfs = [f for f in forms if f.is_form and f.kind in _SCAN_KINDS and id(f) not in notes]
    pairs = _match(words, pdfs, schema.notice.year)
    groups = [_group(words[i], pdfs[j], schema) for i, j in pairs]
    paired_w = {i for i, _ in pairs}
    paired_p = {j for _, j in pairs}
    groups += [_group(w, None, schema) for i, w in enumerate(words) if i not in paired_w]
    for j, p in enumerate(pdfs):
        if j in paired_p:
            continue
        if _stray_scan(p, bool(groups)):
            ignored.append(p)
            notes[id(p)] = "扫描件无文字层，文件名显示为公函等材料，未作为申报表处理"
        else:
            groups.append(_group(None, p, schema))
    groups.sort(key=lambda g: min(order[id(f)] for f in (g.word, g.pdf) if f is not None))
    ignored.sort(key=lambda f: order[id(f)])
    return Pairing(
        tuple(groups), tuple(replace(f, note=notes[id(f)]) if id(f) in notes else f for f in ignored)
    )
