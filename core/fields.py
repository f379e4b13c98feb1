"""The values of one 申报表: a frozen, typed record, and its JSON (the export contract's `fields`).

`FormFields` mirrors core.schema.FIELDS (tests/test_schema.py checks that every FieldSpec key is a
field here with a type its kind allows, and nothing else is): read a value as an attribute
(`fields.applicant.mobile`) or by its dotted key (`fields.get("applicant.mobile")`); build one from
dotted keys (`FormFields.build({"project_name": "…", "applicant.name": "…"})`) or change some
(`fields.with_values({...})`).  JSON exists only at the store and the export: `to_json()` /
`FormFields.from_json()`, both driven by the schema, so a key added there is a key in the export.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from core.schema import DEFAULT_SCHEMA, FormSchema, Kind

__all__ = [
    "CeBase",
    "FormFields",
    "Funding",
    "Organizer",
    "Scope",
    "ScopeNotes",
    "Unit",
    "Value",
    "contract_date",
    "is_empty",
    "training_days",
]


class Funding(StrEnum):
    FISCAL = "fiscal"  # 财政资助项目
    SELF_FUNDED = "self_funded"  # 自筹经费项目


class CeBase(StrEnum):
    NATIONAL = "national"  # 国家级继续教育基地 (with its batch number)
    PROVINCIAL = "provincial"
    NO = "no"


@dataclass(frozen=True)
class Scope:
    """是否符合选题范围: each option ticked or not."""

    national_strategy: bool = False
    industry_demand: bool = False
    digital_tech: bool = False

    @property
    def any_ticked(self) -> bool:
        return any(dataclasses.astuple(self))


@dataclass(frozen=True)
class ScopeNotes:
    """The note written after each 选题范围 option's colon."""

    national_strategy: str | None = None
    industry_demand: str | None = None
    digital_tech: str | None = None


@dataclass(frozen=True)
class Unit:
    """申报单位信息 / 承办单位信息: the same six sub-fields."""

    name: str | None = None
    contact: str | None = None
    office_phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Organizer(Unit):
    ce_base: CeBase | None = None
    ce_base_batch: int | None = None  # 是第__批国家级


Value = str | date | int | bool | StrEnum | Scope | ScopeNotes | None


@dataclass(frozen=True)
class FormFields:
    project_name: str | None = None
    declared_org: str | None = None
    declared_date: date | None = None
    training_dates: str | None = None  # as written
    training_start: date | None = None
    training_end: date | None = None
    training_location: str | None = None
    industry_field: str | None = None
    industry_authority: str | None = None
    funding_type: Funding | None = None
    self_funding_source: str | None = None
    scope: Scope = Scope()
    scope_notes: ScopeNotes = ScopeNotes()
    purpose: str | None = None
    content_and_format: str | None = None
    experts: str | None = None
    trainees: str | None = None
    applicant: Unit = Unit()
    organizer: Organizer = Organizer()

    def get(self, key: str) -> Value:
        """The value at a dotted key ("applicant.mobile"); AttributeError for a key that is not one."""
        node: Any = self
        for part in key.split("."):
            node = getattr(node, part)
        return typing.cast(Value, node)

    @classmethod
    def build(cls, values: Mapping[str, Value]) -> FormFields:
        """A record from dotted keys; keys not given keep their empty default."""
        return typing.cast(FormFields, _build(cls, values, ""))

    def with_values(self, values: Mapping[str, Value]) -> FormFields:
        return FormFields.build({**self.flat(), **values})

    def flat(self, schema: FormSchema = DEFAULT_SCHEMA) -> dict[str, Value]:
        """Every schema key with its value."""
        return {spec.key: self.get(spec.key) for spec in schema.fields}

    def to_json(self, schema: FormSchema = DEFAULT_SCHEMA) -> dict[str, Any]:
        """The export contract's `fields`: every key present, null where empty, dates as YYYY-MM-DD."""
        out: dict[str, Any] = {}
        for spec in schema.fields:
            *parents, last = spec.key.split(".")
            node = out
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = _to_json(self.get(spec.key))
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], schema: FormSchema = DEFAULT_SCHEMA) -> FormFields:
        """The record a stored `fields` object describes; a value of the wrong shape is read as empty."""
        values: dict[str, Value] = {}
        for key, parts, read in _readers(schema):
            raw: Any = data
            for part in parts:
                raw = raw.get(part) if isinstance(raw, Mapping) else None
            values[key] = read(raw)
        return cls.build(values)


# ---------------------------------------------------------------- building and JSON


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _dataclass_in(tp: Any) -> type | None:
    """The dataclass a field's type annotation names (through `X | None`), if any."""
    candidates = typing.get_args(tp) if isinstance(tp, types.UnionType) else (tp,)
    return next((c for c in candidates if dataclasses.is_dataclass(c) and isinstance(c, type)), None)


@cache
def _fields_of(cls: type) -> tuple[tuple[str, type | None], ...]:
    """A record's fields, each with the record class it opens into (a unit), or None for a value."""
    out = []
    for name, tp in _hints(cls).items():
        nested = _dataclass_in(tp)
        out.append((name, nested if nested is not None and nested not in (Scope, ScopeNotes) else None))
    return tuple(out)


def _build(cls: type, values: Mapping[str, Value], prefix: str) -> object:
    kwargs: dict[str, Any] = {}
    for name, nested in _fields_of(cls):
        path = prefix + name
        if path in values:
            kwargs[name] = values[path]
        elif nested is not None:
            kwargs[name] = _build(nested, values, path + ".")
    return cls(**kwargs)


@cache
def leaf_types() -> dict[str, Any]:
    """Dotted key → type annotation of every value FormFields holds (units opened, Scope kept whole)."""
    out: dict[str, Any] = {}

    def walk(cls: type, prefix: str) -> None:
        for name, nested in _fields_of(cls):
            if nested is not None:
                walk(nested, prefix + name + ".")
            else:
                out[prefix + name] = _hints(cls)[name]

    walk(FormFields, "")
    return out


def _to_json(value: Value) -> Any:
    if isinstance(value, (Scope, ScopeNotes)):
        return dataclasses.asdict(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _enum_in(tp: Any) -> type[StrEnum] | None:
    candidates = typing.get_args(tp) if isinstance(tp, types.UnionType) else (tp,)
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, StrEnum)), None)


_Reader = Callable[[Any], Value]


@cache
def _readers(schema: FormSchema) -> tuple[tuple[str, tuple[str, ...], _Reader], ...]:
    """Per schema key: its path in the JSON and how a stored value is read back (worked out once)."""
    return tuple(
        (s.key, tuple(s.key.split(".")), _reader(s.kind, leaf_types()[s.key])) for s in schema.fields
    )


def _reader(kind: Kind, tp: Any) -> _Reader:
    if kind is Kind.OPTIONS:
        names = tuple(_hints(Scope))
        return lambda raw: Scope(**{k: isinstance(raw, Mapping) and raw.get(k) is True for k in names})
    if kind is Kind.NOTES:
        notes = tuple(_hints(ScopeNotes))
        return lambda raw: ScopeNotes(
            **{k: _text(raw.get(k)) if isinstance(raw, Mapping) else None for k in notes}
        )
    if kind is Kind.DATE:
        return contract_date
    if kind is Kind.CHOICE:
        enum = _enum_in(tp)
        members = {m.value: m for m in enum} if enum is not None else {}
        return lambda raw: members.get(raw) if isinstance(raw, str) else None
    if kind is Kind.INT:
        return lambda raw: raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    return _text


def _text(raw: Any) -> str | None:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)  # a phone number stored as a number
    return raw if isinstance(raw, str) else None


# ---------------------------------------------------------------- readings of values


def contract_date(value: object) -> date | None:
    """A date, or a "YYYY-MM-DD" string as one; anything else None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def training_days(fields: FormFields) -> int | None:
    """Inclusive length of the training in days (12-01 to 12-05 is 5 days); None when a date is missing
    or unparsed, or the end precedes the start."""
    start, end = fields.training_start, fields.training_end
    if start is None or end is None or end < start:
        return None
    return (end - start).days + 1


def is_empty(value: Value) -> bool:
    """Nothing filled: None, blank text, no option ticked, no note written."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Scope):
        return not value.any_ticked
    if isinstance(value, ScopeNotes):
        return all(is_empty(v) for v in dataclasses.astuple(value))
    return False
