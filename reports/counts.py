"""The numbers of a run, shared by the 汇总 sheet and the HTML summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from core.records import MessageRecord, RunInfo
from reports.table import (
    flag_title,
    form_flags_with_message,
    funding_label,
    guess_region,
    guess_unit_type,
    is_complete,
    is_late,
)

__all__ = ["Counts", "Tally", "count"]


@dataclass(frozen=True)
class Counts:
    mails: int
    mails_late: int
    mails_failed: int
    mails_new: int
    mails_changed: int
    forms: int
    forms_current: int  # not superseded
    forms_on_time: int
    forms_late: int
    forms_complete: int
    forms_incomplete: int
    forms_new: int
    forms_changed: int
    by_flag: tuple[tuple[str, int], ...]  # flag title → occurrences (mail flags once per mail)
    by_industry: tuple[tuple[str, int], ...]
    by_funding: tuple[tuple[str, int], ...]
    by_region: tuple[tuple[str, int], ...]
    by_unit_type: tuple[tuple[str, int], ...]


def _ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _text_or(value: object, empty: str) -> str:
    return str(value).strip() if isinstance(value, str) and value.strip() else empty


class Tally:
    """The numbers, one mail at a time (records in receipt order; a form id seen again is counted once,
    as where it first appeared), holding counters only."""

    _KEYS = (
        "mails",
        "late",
        "failed",
        "new",
        "changed",
        "forms",
        "current",
        "flate",
        "complete",
        "fnew",
        "fchanged",
    )

    def __init__(self, run: RunInfo) -> None:
        self.run = run
        self.n = dict.fromkeys(self._KEYS, 0)
        self.flags: Counter[str] = Counter()
        self.by: dict[str, Counter[str]] = {k: Counter() for k in ("industry", "funding", "region", "unit")}
        self.seen: set[str] = set()

    def add(self, m: MessageRecord) -> None:
        n, run, by = self.n, self.run, self.by
        new = m.key in run.new_keys
        changed = m.key in run.changed_keys and not new  # a new message is in both sets of RunInfo
        n["mails"] += 1
        n["late"] += is_late(m)
        n["failed"] += m.outcome == "failed" or m.key in run.failed_keys
        n["new"] += new
        n["changed"] += changed
        self.flags.update(flag_title(f) for f in m.flags)
        for form in m.forms:
            self.flags.update(flag_title(f) for f in form.flags if f not in m.flags)
            if form.form_id in self.seen:
                continue
            self.seen.add(form.form_id)
            n["forms"] += 1
            n["fnew"] += new
            n["fchanged"] += changed
            if form.superseded_by:
                continue
            n["current"] += 1
            n["complete"] += is_complete(form_flags_with_message(m, form))
            n["flate"] += is_late(m, form)
            by["industry"][_text_or(form.fields.industry_field, "未填写")] += 1
            by["funding"][funding_label(form.fields.funding_type, form.flags)] += 1
            by["region"][guess_region(form.fields)] += 1
            by["unit"][guess_unit_type(form.fields)] += 1

    def result(self) -> Counts:
        n, by = self.n, self.by
        return Counts(
            mails=n["mails"],
            mails_late=n["late"],
            mails_failed=n["failed"],
            mails_new=n["new"],
            mails_changed=n["changed"],
            forms=n["forms"],
            forms_current=n["current"],
            forms_on_time=n["current"] - n["flate"],
            forms_late=n["flate"],
            forms_complete=n["complete"],
            forms_incomplete=n["current"] - n["complete"],
            forms_new=n["fnew"],
            forms_changed=n["fchanged"],
            by_flag=_ranked(self.flags),
            by_industry=_ranked(by["industry"]),
            by_funding=_ranked(by["funding"]),
            by_region=_ranked(by["region"]),
            by_unit_type=_ranked(by["unit"]),
        )


def count(ordered: Iterable[MessageRecord], run: RunInfo) -> Counts:
    """The numbers in one pass over records in receipt order."""
    tally = Tally(run)
    for m in ordered:
        tally.add(m)
    return tally.result()
