"""Which stored forms are the same application, sent again — the rule in one place, its knobs as data.

Reviewers' rule, as the README states it:
- A later mail from the same 申报单位 (same unit name, or the same sender address) for the same project
  **supersedes** the earlier form.  "Same project" is the same name once punctuation, spaces and
  full-width forms are folded — or, when the later mail says it is a correction (更正, 修改, 重新提交 …
  POLICY.correction_words, in its subject), a name at least POLICY.corrected_name_ratio alike once the
  words every title shares (高级研修班, 项目 …) are set aside.
- A follow-up that only adds the half that was missing (补发盖章PDF: the earlier form had no PDF, the new
  mail carries only the PDF; or the Word file after a PDF) is **not** a resubmission: it **completes** the
  earlier form.  The earlier form loses its missing_pdf / missing_word flag and shows both files; the
  follow-up is merged into it (one complete form in the workbook).  A scanned PDF whose project cannot be
  read completes the one form of that unit or sender still missing its PDF.
- Two different projects from one unit never supersede each other; forms of one mail never replace one
  another.  The result does not depend on the order the forms are given in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

SUPERSEDED, MERGED, COMPLETED = "superseded", "merged", "completed"


@dataclass(frozen=True)
class Policy:
    correction_words: tuple[str, ...] = (
        "更正",
        "修改",
        "修正",
        "修订",
        "重新",
        "重发",
        "替换",
        "更新",
        "最新",
        "以此为准",
    )
    completion_words: tuple[str, ...] = ("补发", "补交", "补充", "补报", "补送", "补传", "补齐")
    corrected_name_ratio: float = 0.6  # names this alike are one project when the mail says it corrects
    max_block: int = 300  # forms sharing one sender or unit compared pairwise (beyond: exact names only)


POLICY = Policy()


@dataclass(frozen=True)
class FormKey:
    """What identifies an application across mails: who sent it, for which unit, which project, which
    halves (Word / PDF) it has, and what the mail's subject says."""

    form_id: str
    message_key: str
    sender: str
    received_at: datetime
    declared_org: str | None
    project_name: str | None
    applicant_name: str | None
    subject: str = ""
    has_word: bool = True
    has_pdf: bool = True


@dataclass(frozen=True)
class Link:
    kind: str  # SUPERSEDED (by `other`) | MERGED (into `other`) | COMPLETED (by `other`)
    other: str  # form_id


_UNIT_NOISE = ("（盖章）", "(盖章)", "盖章", "股份有限公司", "有限责任公司", "有限公司", "公司")
_PUNCT = re.compile(r"[\s《》〈〉“”\"'‘’「」『』·、，,。.:：;；()（）\[\]【】-]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TITLE_NOISE = re.compile(r"高级研修班|高级研修项目|高级研修|研修班|培训班|研修项目|项目|专题|2025年?")


def _fold(text: str | None) -> str:
    # NFKC turns full-width letters, digits and brackets into their half-width forms.
    return unicodedata.normalize("NFKC", text or "").lower()


def normalise_unit(name: str | None) -> str:
    text = _fold(name)
    for noise in _UNIT_NOISE:
        text = text.replace(_fold(noise), "")
    return _PUNCT.sub("", text)


def normalise_project(name: str | None) -> str:
    return _PUNCT.sub("", _fold(name))


def _sender(sender: str) -> str:
    found = _EMAIL.search(sender or "")
    return found.group(0).lower() if found else (sender or "").strip().lower()


@dataclass(frozen=True)
class _Norm:
    key: FormKey
    project: str
    core: str  # the project without the words every title shares
    evidence: frozenset[tuple[str, str]]  # ("sender", address) and ("unit", name)
    corrects: bool
    completes: bool

    @property
    def half(self) -> str | None:
        """The half this form has when it has only one ("word" / "pdf")."""
        if self.key.has_word != self.key.has_pdf:
            return "word" if self.key.has_word else "pdf"
        return None


def _norm(key: FormKey, policy: Policy) -> _Norm:
    units = {normalise_unit(key.declared_org), normalise_unit(key.applicant_name)} - {""}
    evidence = {("unit", u) for u in units} | ({("sender", _sender(key.sender))} if key.sender else set())
    project = normalise_project(key.project_name)
    subject = _fold(key.subject)
    return _Norm(
        key,
        project,
        _TITLE_NOISE.sub("", project),
        frozenset(evidence),
        any(w in subject for w in policy.correction_words),
        any(w in subject for w in policy.completion_words),
    )


def _same_project(a: _Norm, b: _Norm, policy: Policy) -> bool:
    """b (later) names a's project: the same name, or a close one in a mail that says it corrects."""
    if not a.project or not b.project:
        return False
    if a.project == b.project:
        return True
    if not (b.corrects or b.completes) or not a.core or not b.core:
        return False
    return SequenceMatcher(None, a.core, b.core).ratio() >= policy.corrected_name_ratio


def _completes(a: _Norm, b: _Norm, policy: Policy) -> bool:
    """b (later) is only the half a (earlier) lacks, for a's project (or a scan whose project is unread)."""
    if a.half is None or b.half is None or a.half == b.half:
        return False
    return _same_project(a, b, policy) or (not b.project and b.half == "pdf")


def _order(key: FormKey) -> tuple[datetime, str, str]:
    if key.received_at.tzinfo is None or key.received_at.utcoffset() is None:
        raise ValueError(f"received_at must be timezone-aware, got naive {key.received_at.isoformat()}")
    return key.received_at, key.message_key, key.form_id


def _candidate_pairs(norms: Sequence[_Norm], policy: Policy) -> list[tuple[int, int]]:
    """(earlier, later) index pairs sharing a sender or unit, from different mails."""
    blocks: dict[tuple[str, str], list[int]] = {}
    for i, n in enumerate(norms):
        for ev in n.evidence:
            blocks.setdefault(ev, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) > policy.max_block:  # a huge block: only exact names, grouped by name
            by_name: dict[str, list[int]] = {}
            for i in members:
                if norms[i].project:
                    by_name.setdefault(norms[i].project, []).append(i)
            groups = list(by_name.values())
        else:
            groups = [members]
        for group in groups:
            for x, i in enumerate(group):
                for j in group[x + 1 :]:
                    if norms[i].key.message_key != norms[j].key.message_key:
                        pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def links(forms: Sequence[FormKey], policy: Policy = POLICY) -> dict[str, Link]:
    """form_id → its link: superseded by the newest submission of the same application, merged into the
    form it completes, or completed by a follow-up.  Forms without a link are current and whole."""
    ordered = sorted(forms, key=_order)
    norms = [_norm(k, policy) for k in ordered]
    pairs = _candidate_pairs(norms, policy)
    merged: dict[int, int] = {}  # later half → earlier form it completes
    completed: dict[int, int] = {}
    for i, j in sorted(pairs, key=lambda p: (p[1], -p[0])):  # each follow-up completes the latest it can
        if (
            j not in merged
            and i not in completed
            and i not in merged
            and _completes(norms[i], norms[j], policy)
        ):
            if (
                not norms[j].project
                and sum(1 for a, b in pairs if b == j and _completes(norms[a], norms[j], policy)) > 1
            ):
                continue  # an unreadable scan that could complete two forms: a human decides
            merged[j], completed[i] = i, j
    parent = list(range(len(ordered)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        if merged.get(j) == i or _same_project(norms[i], norms[j], policy):
            parent[find(j)] = find(i)
    return _resolve(ordered, [find(x) for x in range(len(ordered))], merged, completed)


def _resolve(
    ordered: Sequence[FormKey], roots: Sequence[int], merged: dict[int, int], completed: dict[int, int]
) -> dict[str, Link]:
    newest: dict[int, int] = {}
    for x, root in enumerate(roots):
        if x not in merged:
            newest[root] = x  # ascending order: the last main form seen is the newest
    out: dict[str, Link] = {}
    for x, root in enumerate(roots):
        win = newest.get(root, x)
        main = merged.get(x, x)
        if main != win and ordered[main].message_key != ordered[win].message_key:
            out[ordered[x].form_id] = Link(SUPERSEDED, ordered[win].form_id)
        elif x in merged:
            out[ordered[x].form_id] = Link(MERGED, ordered[merged[x]].form_id)
        elif x in completed:
            out[ordered[x].form_id] = Link(COMPLETED, ordered[completed[x]].form_id)
    return out


def supersessions(forms: Sequence[FormKey], policy: Policy = POLICY) -> dict[str, str]:
    """form_id → form_id of the newest resubmission of the same application (chains resolve to the newest)."""
    return {fid: link.other for fid, link in links(forms, policy).items() if link.kind == SUPERSEDED}
