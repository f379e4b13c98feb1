"""What reviewers add to the machine's reading: decisions, corrections, columns of their own.

Read back from the review workbook at every regeneration (reports.reviewer), kept in the store
(intake.store: tables reviews and corrections) so a lost or replaced workbook does not lose them, and
written into the next workbook and the export.  Values are what the cells held (text, numbers,
dates); a correction's `value` is the reviewer's cell, `machine` what the parser read (as shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

__all__ = [
    "DECISION_HEADERS",
    "Correction",
    "Decision",
    "ReviewState",
    "WorkbookStamp",
    "cell_from_json",
    "cell_to_json",
]

DECISION_HEADERS = ("推荐级别", "审核意见", "审核人")


@dataclass(frozen=True)
class Decision:
    """推荐级别 / 审核意见 / 审核人 of one form, plus the values of columns reviewers added."""

    level: Any = None
    opinion: Any = None
    reviewer: Any = None
    extra: tuple[Any, ...] = ()  # in ReviewState.extra_headers order
    project_name: str = ""  # context for a decision whose form is gone (已移除)
    declared_org: str = ""
    removed_at: datetime | None = None

    @property
    def values(self) -> tuple[Any, Any, Any]:
        return (self.level, self.opinion, self.reviewer)

    @property
    def decided(self) -> bool:
        return any(v not in (None, "") for v in self.values)

    @property
    def has_content(self) -> bool:
        return self.decided or any(v not in (None, "") for v in self.extra)


@dataclass(frozen=True)
class Correction:
    """A reviewer's value for one field of one form (by column path, e.g. "applicant.mobile")."""

    form_id: str
    path: str
    value: Any  # the cell as the reviewer left it (None: they emptied it)
    machine: Any  # the parser's reading as the workbook showed it
    by: str = ""  # who saved it (the workbook's last author), when known
    at: datetime | None = None  # when (the workbook's save time), when known


@dataclass(frozen=True)
class WorkbookStamp:
    """The workbook file as intake wrote it: unchanged stamp = nobody saved it since."""

    mtime_ns: int
    size: int


@dataclass(frozen=True)
class ReviewState:
    """Everything reviewers added, as of the workbook last written (`stamp`)."""

    numbers: Mapping[str, int] = field(default_factory=dict)  # form_id → 受理号 (never reused)
    decisions: Mapping[str, Decision] = field(default_factory=dict)  # form_id → decision
    corrections: Mapping[tuple[str, str], Correction] = field(default_factory=dict)  # (form_id, path)
    extra_headers: tuple[str, ...] = ()  # columns reviewers added to 申报项目, in their order
    written: Mapping[str, str] = field(default_factory=dict)  # form_id → digest of its field cells as written
    stamp: WorkbookStamp | None = None


def cell_to_json(value: Any) -> Any:
    """A cell value as JSON (the store): dates tagged, anything else not JSON as its text."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def cell_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.fromisoformat(str(value["datetime"]))
        if "date" in value:
            return date.fromisoformat(str(value["date"]))
        return None
    return value
