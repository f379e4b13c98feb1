"""A choice cell's text read into the options its applicant chose — or the honest answer that it cannot be.

Pure functions of text (Word, text PDF and OCR all come here with boxes already shown as characters:
☑ ☐ √ ● …, see parsers.checkbox).  How applicants mark a choice, and how this module reads each:

- a box before each option, one of them ticked or filled: `☑财政资助项目 □自筹经费项目`;
- a mark typed after the option, its box left empty: `□自筹经费项目√`, `□对接产业需求√：高端装备`,
  `财政资助项目（√）`, `财政资助项目 打√`;
- a mark typed before the box, or replacing it: `√□财政资助项目`, `√财政资助项目`;
- radio pairs ●/○, ◉/◎; crosses ☒ ✗ × (a cross means "chosen" unless the same cell also has ticks,
  where it means "not this one");
- the unchosen options deleted (or struck through: the walkers drop struck text), a box left or not.

Every mark is a "group": consecutive mark characters (with brackets around them, "（√）").  A group
belongs to the option whose label it touches; a group standing alone between two options, touching
neither ("□财政资助项目 √ □自筹经费项目"), follows the convention the cell shows elsewhere, and without
one the choice is *unclear*: the caller flags it for a reviewer (choice_unclear) rather than guessing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from parsers import checkbox
from parsers.checkbox import BOX_OFF, BOX_ON, CROSS, FILL, TICK, UNKNOWN

Options = Sequence[tuple[str, Sequence[str]]]  # (value, labels) per option, the form's order

# ---------------------------------------------------------------- template hints and labels

# Instructions printed on the form, never marks: "（仅单选）", "请在□内打√", "（请在相应的□中打“√”）".
_HINTS = re.compile(
    r"[（(]\s*(?:仅|可|限)?\s*[单多]\s*选\s*[）)]"
    r"|[（(]?\s*请\s*(?:在\s*(?:相\s*应|对\s*应)?\s*的?\s*[□☐]?\s*(?:内|中|里)?\s*)?"
    r"(?:打|划|画|勾选|选择)\s*[“\"'‘]?\s*[√✓✔]?\s*[”\"'’]?\s*(?:号)?\s*[）)]?"
    r"|[（(]?\s*在\s*(?:相\s*应|对\s*应)?\s*的?\s*[□☐]\s*(?:内|中|里)\s*(?:打|划|画)\s*[“\"'‘]?\s*[√✓✔]\s*[”\"'’]?\s*[）)]?"
)


def strip_hints(text: str) -> str:
    return _HINTS.sub(" ", text)


@lru_cache(maxsize=256)
def label_pattern(label: str) -> str:
    """A label as a regex tolerant of spaces between characters; "__" matches a filled-in blank."""
    parts = []
    for piece in re.split(r"(_+)", label):
        if piece.startswith("_"):
            parts.append(r"(?P<blank>[^\n□☐☑]{0,12}?)")
        elif piece:
            parts.append(r"\s*".join(re.escape(c) for c in piece))
    # "自筹经费" inside "自筹经费来源" names the blank, not the option
    return "".join(parts) + r"(?!\s*来\s*源)"


@lru_cache(maxsize=256)
def _patterns(labels: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(label_pattern(lab)) for lab in sorted(labels, key=len, reverse=True))


@dataclass(frozen=True)
class Hit:
    value: str
    start: int
    end: int
    blank: str | None  # what was written in the label's "__" (第__批)


def find_options(text: str, options: Options) -> list[Hit]:
    """Every option whose label appears in text (first, longest label), in text order."""
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for value, labels in options:
        for rx in _patterns(tuple(labels)):
            m = next(
                (m for m in rx.finditer(text) if not any(a < m.end() and m.start() < b for a, b in taken)),
                None,
            )
            if m is not None:
                taken.append((m.start(), m.end()))
                hits.append(Hit(value, m.start(), m.end(), m.groupdict().get("blank")))
                break
    return sorted(hits, key=lambda h: h.start)


# ---------------------------------------------------------------- mark groups

_M = "".join(sorted(checkbox.MARK_CHARS))
_OPEN, _CLOSE = "（(【[〔", "）)】]〕"
_GROUP = re.compile(
    rf"(?:打\s*)?[{re.escape(_OPEN)}]\s*(?:[{_M}]|(?<![A-Za-z0-9])[VvXx](?![A-Za-z0-9]))(?:\s*[{_M}])*\s*[{re.escape(_CLOSE)}]"
    rf"|(?:打\s*)?[{_M}]+"
    rf"|(?<![A-Za-z0-9])[VvXx](?![A-Za-z0-9])"
)
_SPACE = " \t\n\r\u3000\xa0"
_BLANKISH = _SPACE + "：:，,、;；_＿"


@dataclass(frozen=True)
class Group:
    start: int
    end: int
    text: str
    ascii_only: bool  # "V", "x": a mark only where a mark goes (next to a label or box)

    def kinds(self) -> set[str]:
        out = {k for k in (checkbox.kind_of(c) for c in self.text) if k}
        if self.ascii_only or any(c in "VvXx" for c in self.text if c not in _OPEN + _CLOSE):
            out |= {TICK} if any(c in "Vv" for c in self.text) else set()
            out |= {CROSS} if any(c in "Xx" for c in self.text) else set()
        return out

    @property
    def has_box(self) -> bool:
        return bool(self.kinds() & {BOX_ON, BOX_OFF})

    @property
    def loose(self) -> bool:
        """A tick, cross or dot not drawn as a box."""
        return bool(self.kinds() - {BOX_ON, BOX_OFF})


def _groups(text: str, start: int, end: int) -> list[Group]:
    out = []
    for m in _GROUP.finditer(text, start, end):
        body = m.group(0)
        out.append(Group(m.start(), m.end(), body, body in ("V", "v", "X", "x")))
    return out


# ---------------------------------------------------------------- the reading


@dataclass(frozen=True)
class ChoiceRead:
    """What a choice cell says.  `chosen` lists the chosen values (form order); `unclear` is a short
    Chinese reason when the marks cannot be decided (then `chosen` is empty and the field stays null)."""

    present: tuple[str, ...]  # options whose label is in the cell
    chosen: tuple[str, ...]
    unclear: str | None = None
    notes: dict[str, str | None] = field(default_factory=dict)  # text after each option, marks removed
    blanks: dict[str, str | None] = field(default_factory=dict)  # what was written in an option's "__"


@dataclass
class _Assigned:
    groups: dict[str, list[Group]] = field(default_factory=dict)
    ambiguous: list[tuple[Group, str, str]] = field(default_factory=list)  # (group, left value, right value)
    after: int = 0  # clear marks typed after their option
    before: int = 0  # clear marks typed before their option (or its box)

    def add(self, value: str, g: Group) -> None:
        self.groups.setdefault(value, []).append(g)


def _is_space(s: str) -> bool:
    return all(c in _SPACE for c in s)


def _blankish(s: str) -> bool:
    return all(c in _BLANKISH or c in _OPEN + _CLOSE for c in s)


def _assign(text: str, hits: Sequence[Hit]) -> _Assigned:
    a = _Assigned()
    first = hits[0]
    for g in _groups(text, 0, first.start):  # before the first option: its box or mark
        if g.ascii_only and not _is_space(text[g.end : first.start]):
            continue
        a.add(first.value, g)
        a.before += g.loose
    after = _boxes_after(text, hits)
    before = any(g.has_box for g in _groups(text, 0, first.start))
    for left, right in itertools.pairwise(hits):
        _assign_between(text, left, right, a, boxes_after=after, boxes_before=before)
    last = hits[-1]
    for g in _groups(text, last.end, len(text)):  # after the last option (with its note)
        if g.ascii_only and not _blankish(text[last.end : g.start]):
            continue
        a.add(last.value, g)
        a.after += g.loose
    return a


def _boxes_after(text: str, hits: Sequence[Hit]) -> bool:
    """The cell puts each option's box after its words ("财政资助项目☑  自筹经费项目□"): nothing before the
    first option, and the last option's words followed at once by a box."""
    if _groups(text, 0, hits[0].start):
        return False
    last = hits[-1]
    tail = _groups(text, last.end, len(text))
    return bool(tail) and tail[0].has_box and _is_space(text[last.end : tail[0].start])


def _assign_between(
    text: str, left: Hit, right: Hit, a: _Assigned, *, boxes_after: bool, boxes_before: bool
) -> None:
    """The marks between two options: `boxes_after` / `boxes_before` say where the cell puts its boxes."""
    groups = _groups(text, left.end, right.start)
    if not groups:
        return
    if boxes_after and groups[0].has_box and _is_space(text[left.end : groups[0].start]):
        for g in groups:  # the left option's box, and whatever else follows its words
            a.add(left.value, g)
            a.after += g.loose
        return
    tail = groups[-1] if _is_space(text[groups[-1].end : right.start]) else None
    for g in groups:
        attached_left = (g.start > left.end and text[g.start - 1] not in _SPACE) or g.start == left.end
        lead = _blankish(text[left.end : g.start])
        if g is tail:
            _assign_tail(text, left, right, g, attached_left, a, boxes_before)
            continue
        if g.ascii_only and not lead:
            continue  # "X射线" inside a note
        between = text[g.end : tail.start] if tail is not None else ""
        pre_tail = tail is not None and tail.has_box and _is_space(between)
        if g.loose and not attached_left and lead and pre_tail and not g.has_box:
            side = _line_side(text, left, g, tail.start if tail is not None else right.start)
            if side is None:
                a.ambiguous.append((g, left.value, right.value))  # "□甲 √ □乙"
            elif side == "right":
                a.add(right.value, g)
                a.before += 1
            else:
                a.add(left.value, g)
                a.after += 1
            continue
        a.add(left.value, g)
        a.after += g.loose


def _assign_tail(
    text: str, left: Hit, right: Hit, g: Group, attached_left: bool, a: _Assigned, boxes_before: bool
) -> None:
    """The group right before an option's label: its box, a mark before it, or the previous option's mark.
    In a cell with a box before its options, a mark standing alone where this option's box goes
    ("□财政资助项目  √　自筹经费项目") is in the box's place: this option's."""
    attached_right = g.end == right.start
    if g.has_box:
        loose_first = checkbox.kind_of(g.text.lstrip("打" + _OPEN)[:1]) not in (BOX_ON, BOX_OFF)
        if g.loose and loose_first and attached_left and g.start == left.end:
            a.ambiguous.append((g, left.value, right.value))  # "甲√□乙": no space anywhere
            return
        a.add(right.value, g)
        a.before += g.loose and loose_first
        return
    if g.ascii_only and not (attached_right or attached_left):
        return
    if not (attached_left or attached_right):
        side = _line_side(text, left, g, right.start)
        if side is None and boxes_before and not g.ascii_only:
            side = "right"
        attached_left, attached_right = side == "left", side == "right"
    if attached_left and not attached_right:
        a.add(left.value, g)
        a.after += 1
    elif attached_right and not attached_left:
        a.add(right.value, g)
        a.before += 1
    else:
        a.ambiguous.append((g, left.value, right.value))


def _line_side(text: str, left: Hit, g: Group, right_start: int) -> str | None:
    """A loose mark between two options on separate lines: on the line of the option above, or on a line
    of its own below it, it is that option's; at the start of the next option's line, the next one's."""
    if "\n" in text[g.end : right_start]:
        return "left"
    if "\n" in text[left.end : g.start]:
        return "right"
    return None


def _state(groups: Sequence[Group], crosses_mean_no: bool) -> str | None:
    """on | off | unknown | None (no mark) for the groups of one option."""
    kinds: set[str] = set()
    for g in groups:
        kinds |= g.kinds()
    if crosses_mean_no and CROSS in kinds:
        kinds.discard(CROSS)
        if not kinds & {TICK, BOX_ON, FILL}:
            return "off"
    if UNKNOWN in kinds and not kinds & {TICK, BOX_ON, CROSS}:
        return "unknown"
    if kinds & {TICK, BOX_ON, FILL, CROSS}:
        return "on"
    if BOX_OFF in kinds:
        return "off"
    return None


def read_choices(
    text: str,
    options: Options,
    *,
    multi: bool = False,
    from_pdf: bool = False,
    emphasis: Sequence[str] = (),
) -> ChoiceRead:
    """Read a choice cell.  `multi`: several options may be chosen (是否符合选题范围).  `from_pdf`: one
    inference only a PDF export needs — no tick anywhere, empty boxes on some options and none on the
    others: the box-less ones were chosen (some exporters drop a tick drawn over its box).  `emphasis`:
    the cell's text set apart by highlight, shading, underline, bold or colour — with no mark anywhere,
    an option set apart from the others is the one chosen (a reviewer reads it so)."""
    text = strip_hints(text)
    hits = find_options(text, options)
    if not hits:
        return ChoiceRead((), ())
    text = _yes_no(text, hits)
    present = tuple(h.value for h in hits)
    blanks = {h.value: h.blank for h in hits}
    a = _assign(text, hits)
    if a.ambiguous:
        a = _resolve(a)
        if a.ambiguous:
            return ChoiceRead(
                present, (), "勾选符号位于两个选项之间，无法判断属于哪一项", _notes(text, hits, a), blanks
            )
    crosses_no = any(
        TICK in g.kinds() or BOX_ON in g.kinds() for gs in a.groups.values() for g in gs
    ) and any(CROSS in g.kinds() for gs in a.groups.values() for g in gs)
    states = {h.value: _state(a.groups.get(h.value, ()), crosses_no) for h in hits}
    notes = _notes(text, hits, a)
    stressed = (
        _emphasised(text, hits, emphasis)
        if not any(s in ("on", "unknown") for s in states.values())
        else set()
    )
    if stressed and len(stressed) < len(hits) and (multi or len(stressed) == 1):
        chosen, unclear = stressed, None
    else:
        chosen, unclear = _decide(hits, states, len(options), notes, multi, from_pdf, a)
    order = [v for v, _ in options]
    return ChoiceRead(present, tuple(v for v in order if v in chosen), unclear, notes, blanks)


_YES_NO = re.compile(r"\s*[（(]\s*([是否])\s*[）)]")


def _yes_no(text: str, hits: Sequence[Hit]) -> str:
    """ "财政资助项目（是）  自筹经费项目（否）": a bracketed 是 / 否 right after an option answers for it,
    read as a tick / a cross in its place (same length: the options' positions hold)."""
    out = list(text)
    for h in hits:
        m = _YES_NO.match(text, h.end)
        if m and not any(m.start() <= o.start < m.end() for o in hits):
            out[m.start(1)] = "√" if m.group(1) == "是" else "×"
    return "".join(out)


def _emphasised(text: str, hits: Sequence[Hit], emphasis: Sequence[str]) -> set[str]:
    """The options whose words lie within the emphasised text."""
    spans = ["".join(e.split()) for e in emphasis]
    return {h.value for h in hits if any("".join(text[h.start : h.end].split()) in e for e in spans)}


def _resolve(a: _Assigned) -> _Assigned:
    """Ambiguous groups follow the cell's own convention (marks typed after / before their option)."""
    if a.after == a.before:
        return a
    for g, left, right in a.ambiguous:
        a.add(left if a.after > a.before else right, g)
    a.ambiguous = []
    return a


def _decide(
    hits: Sequence[Hit],
    states: dict[str, str | None],
    n_options: int,
    notes: dict[str, str | None],
    multi: bool,
    from_pdf: bool,
    a: _Assigned,
) -> tuple[set[str], str | None]:
    on = {v for v, s in states.items() if s == "on"}
    if any(s == "unknown" for s in states.values()):
        return set(), "有无法识别的勾选符号（可能是特殊字体）"
    if on:
        if not multi and len(on) > 1 and _all_weak(a, on) and len(on) == len(hits):
            return set(), "每个选项前都有相同的实心符号，无法判断是勾选还是项目符号"
        return on, None
    marked = {v for v, s in states.items() if s is not None}
    if len(hits) < n_options:
        # Some options deleted (or struck through) and nothing ticked: the options left are the choice.
        if multi or len(hits) == 1:
            return {h.value for h in hits}, None
        return set(), "删除了部分选项，但保留的选项多于一项且均未勾选"
    if from_pdf and marked and len(marked) < len(hits):
        return {h.value for h in hits if states[h.value] is None}, None
    if multi and any(notes.values()):
        # nothing ticked, but a note written after some options ("服务国家战略：乡村振兴"): those are chosen
        return {v for v, note in notes.items() if note}, None
    filled = [h.value for h in hits if h.blank and h.blank.strip(" _＿\u3000")]
    if not multi and len(filled) == 1:
        return set(filled), None  # "□是第3批国家级…": the blank filled in says which
    if marked and len(marked) < len(hits):
        return set(), "部分选项的方框被删除，但没有勾选符号"
    return set(), None


def _all_weak(a: _Assigned, values: set[str]) -> bool:
    """Every chosen option carries only the same filled shape (● ■): bullets, perhaps, not ticks."""
    glyphs = set()
    for v in values:
        kinds: set[str] = set()
        for g in a.groups.get(v, ()):
            kinds |= g.kinds()
            glyphs |= {c for c in g.text if checkbox.kind_of(c) == FILL}
        if kinds != {FILL}:
            return False
    return len(glyphs) == 1


def _notes(text: str, hits: Sequence[Hit], a: _Assigned) -> dict[str, str | None]:
    """Each option's note: what follows its label up to the next option's box, marks and colons removed."""
    owned_by_next = {id(g) for gs in a.groups.values() for g in gs}
    notes: dict[str, str | None] = {}
    for i, h in enumerate(hits):
        end = hits[i + 1].start if i + 1 < len(hits) else len(text)
        if i + 1 < len(hits):
            nxt = hits[i + 1].value
            for g in a.groups.get(nxt, ()):
                if h.end <= g.start < end and id(g) in owned_by_next:
                    end = min(end, g.start)
        notes[h.value] = clean_note(text[h.end : end])
    return notes


def clean_note(text: str) -> str | None:
    """ "√：高端装备" → "高端装备"; "：", "____", "-" or "/" → None."""
    text = re.sub(r"打\s*(?=[√✓✔])", "", text)
    text = "".join(c for c in text if checkbox.kind_of(c) is None)
    text = re.sub(
        r"[（(【\[“‘\"「『]\s*[VvXx]?\s*[）)】\]”’\"」』]", "", text
    )  # brackets or quotes a mark stood in
    note = text.strip().lstrip(":：").strip(" \n_＿\u3000\t")
    note = re.sub(r"^[（(]\s*[）)]\s*", "", note).strip()
    # a dash or a slash alone: the blank line as a scan shows it, or "none" as people write it
    return None if re.fullmatch(r"[-—–－~/／\s]*", note) else note
