"""Which field a cell's text labels: one lookup over the schema's labels for every document kind.

`labels_for(schema)` builds the index once per schema (label variants from the config included).
`match(text)` knows a label written exactly, with a required-mark star or a short bracketed note
("*项目名称", "项目名称（全称）"), or followed by its value in the same cell ("联系人：张三"; with
`loose`, also "联系人 张三").  A section label (申报单位信息, 承办单位信息) gives the section instead.
Which of two candidates a shared label (单位名称, 联系人 ...) means is for the finder to say: it knows
the layout (`pick`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from core.schema import SECTION_LABELS, FieldSpec, FormSchema, Kind, Where, norm_label

__all__ = ["LabelHit", "Labels", "labels_for"]

_WS = re.compile(r"\s+")
_DECOR = re.compile(r"^[*＊★※]+|[*＊★※]+$|[(（][^()（）]{0,12}[)）]$")
# A label with a qualifier: "拟邀授课专家情况", "培训对象及人数", "办班时间及天数", "研修目的及作用", "地址及邮编".
_QUALIFIER_PREFIX = r"(?:拟邀请?|拟请|拟|邀请|计划|预计)"
_QUALIFIER_SUFFIX = r"(?:[及和与、][\u4e00-\u9fff]{1,4})"
_QUALIFIED = re.compile(rf"(?P<pre>{_QUALIFIER_PREFIX})?(?P<core>.+?)(?P<suf>{_QUALIFIER_SUFFIX})?")
_DECOR_IN_LINE = r"(?:\s*[(（][^()（）\n]{0,12}[)）])?"


@dataclass(frozen=True)
class LabelHit:
    specs: tuple[FieldSpec, ...]  # candidates (two when the label is shared by both sections)
    section: str | None  # set when the cell is a section label (申报单位信息 ...)
    written: str  # the label as written, whitespace removed (as the --debug pairs show it)
    remainder: str = ""  # text typed after the label in the same cell

    def pick(self, section: str | None) -> FieldSpec:
        """The candidate of `section`, else the first."""
        return next((s for s in self.specs if s.section == section), self.specs[0])

    @property
    def shared(self) -> bool:
        return len(self.specs) > 1 or self.specs[0].section is not None


def _tolerant(c: str) -> str:
    """A character class accepting the ASCII character and its full-width form (as typed in Word)."""
    if "!" <= c <= "~":
        return "[" + re.escape(c) + chr(ord(c) + 0xFEE0) + "]"
    return re.escape(c)


def _prefix_regex(label: str, loose: bool) -> re.Pattern[str]:
    body = r"\s*".join(_tolerant(c) for c in label)
    sep = r"(?:[:：]|\s)" if loose else r"[:：]"
    return re.compile(r"^\s*(?P<label>" + body + r")\s*" + sep + r"\s*(?P<rest>.+)$", re.DOTALL)


class Labels:
    def __init__(self, schema: FormSchema) -> None:
        index: dict[str, list[FieldSpec]] = {}
        for spec in schema.fields:
            for label in spec.labels:
                index.setdefault(norm_label(label), []).append(spec)
        self.exact = {k: tuple(v) for k, v in index.items()}
        self.sections = {norm_label(x): sec for sec, labels in SECTION_LABELS.items() for x in labels}
        # each unit block's own fields (单位名称 … 地址), for a block written as a whole ("承办单位信息 | 同上")
        self.unit_fields = {
            sec: tuple(f for f in schema.fields if f.section == sec and f.kind in (Kind.TEXT, Kind.PHONE))
            for sec in SECTION_LABELS
        }
        by_length = sorted(
            self.exact, key=len, reverse=True
        )  # longest label first: 研修内容和方式 before 研修内容
        self._prefix = {
            loose: [(k[0], _prefix_regex(k, loose), self.exact[k]) for k in by_length]
            for loose in (False, True)
        }
        self.first_chars = frozenset(k[0] for k in self.exact)
        table = {k for k, specs in self.exact.items() if any(s.where is Where.TABLE for s in specs)}
        alternatives = sorted(table | set(self.sections), key=len, reverse=True)
        body = "|".join(r"\s*".join(re.escape(c) for c in label) for label in alternatives)
        # any table or section label, at a line start or after a space (forms typed without a table),
        # with its qualifier or bracketed note ("办班时间及天数：", "项目名称（全称）")
        self.in_line = re.compile(
            rf"(?:(?<=^)|(?<=\s)){_QUALIFIER_PREFIX}?(?:{body})"
            rf"(?:{_QUALIFIER_SUFFIX}(?=\s*[:：]|\s))?{_DECOR_IN_LINE}\s*[:：]?"
        )

    def lookup(self, text: str) -> tuple[FieldSpec, ...]:
        """The fields a whole cell names: exactly, or with a star or a short bracketed note."""
        key = norm_label(text)
        if key in self.exact:
            return self.exact[key]
        if len(key) > 24:
            return ()
        key = _DECOR.sub("", key).rstrip(":：")
        return self.exact.get(key) or self._qualified(key)

    def _qualified(self, key: str) -> tuple[FieldSpec, ...]:
        """A label with a qualifier before or after it ("拟邀授课专家情况", "培训对象及人数"): the label's
        fields, when what is left is a label."""
        m = _QUALIFIED.fullmatch(key)
        if m is None or not (m["pre"] or m["suf"]):
            return ()
        for core in (m["core"], (m["pre"] or "") + m["core"], m["core"] + (m["suf"] or "")):
            if core != key and core in self.exact:
                return self.exact[core]
        return ()

    def section(self, text: str) -> str | None:
        return self.sections.get(norm_label(text)) if text else None

    def match(self, text: str, *, loose: bool = True) -> LabelHit | None:
        """A section label, a field's label, or a field's label with its value after it; else None."""
        return _match(self, text, loose)

    def find(self, text: str, loose: bool) -> LabelHit | None:
        if not text:
            return None
        section = self.section(text)
        if section:
            return LabelHit((), section, _WS.sub("", text))
        specs = self.lookup(text)
        if specs:
            return LabelHit(specs, None, _WS.sub("", text))
        key = norm_label(text)
        if len(key) < 2 or key[0] not in self.first_chars:
            return None
        for first, rx, candidates in self._prefix[loose]:
            if first == key[0]:
                m = rx.match(text)
                if m:
                    return LabelHit(candidates, None, _WS.sub("", m["label"]), m["rest"].strip())
        return None


# Every cell of every form is looked up, and the same texts (labels, empty cells) come again and again.
@lru_cache(maxsize=8192)
def _match(labels: Labels, text: str, loose: bool) -> LabelHit | None:
    return labels.find(text, loose)


@cache
def labels_for(schema: FormSchema) -> Labels:
    return Labels(schema)
