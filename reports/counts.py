"""The numbers of a run, shared by the 汇总 sheet and the HTML summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from intake.models import FormRecord, MessageRecord, RunInfo
from reports.table import (flag_title, form_flags_with_message, funding_label, guess_region, guess_unit_type,
                           is_complete, is_late)

__all__ = ["Counts", "count", "FormRow", "form_rows", "sorted_messages"]


@dataclass(frozen=True)
class FormRow:
    """One form with its message, as every report lists it."""

    message: MessageRecord
    form: FormRecord


def sorted_messages(messages: Sequence[MessageRecord]) -> list[MessageRecord]:
    """Receipt order (oldest first), key as tie-break: stable across runs."""
    return sorted(messages, key=lambda m: (m.received_at.timestamp(), m.key))


def form_rows(messages: Sequence[MessageRecord]) -> list[FormRow]:
    seen: set[str] = set()
    rows = []
    for m in sorted_messages(messages):
        for f in m.forms:
            if f.form_id not in seen:
                seen.add(f.form_id)
                rows.append(FormRow(m, f))
    return rows


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


def count(messages: Sequence[MessageRecord], run: RunInfo) -> Counts:
    rows = form_rows(messages)
    current = [r for r in rows if not r.form.superseded_by]
    flags: Counter[str] = Counter()
    for m in messages:
        flags.update(flag_title(f) for f in m.flags)
        for form in m.forms:
            flags.update(flag_title(f) for f in form.flags if f not in m.flags)
    complete = sum(is_complete(form_flags_with_message(r.message, r.form)) for r in current)
    late = sum(is_late(r.message, r.form) for r in current)
    return Counts(
        mails=len(messages),
        mails_late=sum(is_late(m) for m in messages),
        mails_failed=sum(m.outcome == "failed" or m.key in run.failed_keys for m in messages),
        mails_new=sum(m.key in run.new_keys for m in messages),
        mails_changed=sum(m.key in run.changed_keys for m in messages),
        forms=len(rows),
        forms_current=len(current),
        forms_on_time=len(current) - late,
        forms_late=late,
        forms_complete=complete,
        forms_incomplete=len(current) - complete,
        forms_new=sum(r.message.key in run.new_keys for r in rows),
        forms_changed=sum(r.message.key in run.changed_keys for r in rows),
        by_flag=_ranked(flags),
        by_industry=_ranked(Counter(_text_or(r.form.fields.get("industry_field"), "未填写") for r in current)),
        by_funding=_ranked(Counter(funding_label(r.form.fields.get("funding_type")) for r in current)),
        by_region=_ranked(Counter(guess_region(r.form.fields) for r in current)),
        by_unit_type=_ranked(Counter(guess_unit_type(r.form.fields) for r in current)),
    )
