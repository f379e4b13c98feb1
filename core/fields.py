"""The form's values: the contract dict of a parsed 申报表 and the typed readings of its dates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any


def field_value(fields: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of the contract `fields` ("applicant.mobile"); None when any step is
    missing (core.schema.get_path is the strict twin, for filling a dict the parser built)."""
    value: Any = fields
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def contract_date(value: Any) -> date | None:
    """A date of the contract `fields` ("YYYY-MM-DD") as a date; anything else None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def training_days(fields: Mapping[str, Any]) -> int | None:
    """Inclusive length of the training in days (12-01 to 12-05 is 5 days); None when a date is missing
    or unparsed, or the end precedes the start."""
    start, end = contract_date(fields.get("training_start")), contract_date(fields.get("training_end"))
    if start is None or end is None or end < start:
        return None
    return (end - start).days + 1
