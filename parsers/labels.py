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

from core.schema import SECTION_LABELS, FieldSpec, FormSchema, Where, norm_label

__all__ = ["LabelHit", "Labels", "labels_for"]

_WS = re.compile(r"\s+")
_DECOR = re.compile(r"^[*＊★※]+|[*＊★※]+$|[(（][^()（）]{0,12}[)）]$")


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
        # any table or section label, at a line start or after a space (forms typed without a table)
        self.in_line = re.compile(rf"(?:(?<=^)|(?<=\s))(?:{body})\s*[:：]?")

    def lookup(self, text: str) -> tuple[FieldSpec, ...]:
        """The fields a whole cell names: exactly, or with a star or a short bracketed note."""
        key = norm_label(text)
        if key in self.exact:
            return self.exact[key]
        if len(key) > 24:
            return ()
        return self.exact.get(_DECOR.sub("", key).rstrip(":："), ())

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
