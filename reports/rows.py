"""The records the reports read, in receipt order, and one row per form (a form id counted where it
first appears): the order every sheet, the summary and the counts share.

The run hands the reports a streaming view of the store (re-iterable, receipt order): each report makes
several passes over it instead of holding every record (issue 7: RSS flat with the store).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from core.records import FormRecord, MessageRecord

__all__ = ["FormRow", "form_rows", "iter_form_rows", "receipt_ordered", "sorted_messages"]


@dataclass(frozen=True)
class FormRow:
    """One form with its message, as every report lists it."""

    message: MessageRecord
    form: FormRecord


def sorted_messages(messages: Sequence[MessageRecord]) -> list[MessageRecord]:
    """Receipt order (oldest first), key as tie-break: stable across runs."""
    return sorted(messages, key=lambda m: (m.received_at.timestamp(), m.key))


def form_rows(messages: Sequence[MessageRecord]) -> list[FormRow]:
    return list(iter_form_rows(sorted_messages(messages)))


def receipt_ordered(messages: Iterable[MessageRecord]) -> Iterable[MessageRecord]:
    """The records in receipt order, iterable as often as needed.  A sequence is sorted as before; a
    one-off iterator is read into a list; any other re-iterable is streamed when one pass over small
    keys shows it is in receipt order already (the store's view is), else read into a sorted list."""
    if isinstance(messages, Sequence) or iter(messages) is messages:
        return sorted_messages(list(messages))
    if getattr(messages, "in_receipt_order", False):  # says so itself (the store's view): no check pass
        return messages
    keys = [(m.received_at.timestamp(), m.key) for m in messages]
    if all(a <= b for a, b in itertools.pairwise(keys)):
        return messages
    return sorted_messages(list(messages))


def iter_form_rows(ordered: Iterable[MessageRecord]) -> Iterator[FormRow]:
    """One row per form of records already in receipt order (the first copy of a form_id)."""
    seen: set[str] = set()
    for m in ordered:
        for f in m.forms:
            if f.form_id not in seen:
                seen.add(f.form_id)
                yield FormRow(m, f)
