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

__all__ = ["Counts", "count"]


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


def count(ordered: Iterable[MessageRecord], run: RunInfo) -> Counts:
    """The numbers in one pass over records in receipt order, holding counters only (a form id seen
    again is counted once, as where it first appeared)."""
    n = dict.fromkeys(
        (
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
        ),
        0,
    )
    flags: Counter[str] = Counter()
    by = {k: Counter() for k in ("industry", "funding", "region", "unit")}  # type: ignore[var-annotated]
    seen: set[str] = set()
    for m in ordered:
        n["mails"] += 1
        n["late"] += is_late(m)
        n["failed"] += m.outcome == "failed" or m.key in run.failed_keys
        n["new"] += m.key in run.new_keys
        n["changed"] += m.key in run.changed_keys
        flags.update(flag_title(f) for f in m.flags)
        for form in m.forms:
            flags.update(flag_title(f) for f in form.flags if f not in m.flags)
            if form.form_id in seen:
                continue
            seen.add(form.form_id)
            n["forms"] += 1
            n["fnew"] += m.key in run.new_keys
            n["fchanged"] += m.key in run.changed_keys
            if form.superseded_by:
                continue
            n["current"] += 1
            n["complete"] += is_complete(form_flags_with_message(m, form))
            n["flate"] += is_late(m, form)
            by["industry"][_text_or(form.fields.industry_field, "未填写")] += 1
            by["funding"][funding_label(form.fields.funding_type)] += 1
            by["region"][guess_region(form.fields)] += 1
            by["unit"][guess_unit_type(form.fields)] += 1
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
        by_flag=_ranked(flags),
        by_industry=_ranked(by["industry"]),
        by_funding=_ranked(by["funding"]),
        by_region=_ranked(by["region"]),
        by_unit_type=_ranked(by["unit"]),
    )
