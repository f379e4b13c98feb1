"""The schema is the only declaration of the form: the typed record, the workbook, the export and the
review rules all follow core.schema.FIELDS, each field exactly once."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from core.documents import FormGroup, LabelValue, ParsedForm, PdfInfo, Seal, Source
from core.fields import FormFields, Scope, ScopeNotes, leaf_types
from core.schema import DEFAULT_SCHEMA, FIELDS, Kind, Rule
from intake.review import default_rules, form_flags
from parsers.normalise import normalise
from reports.export import message_to_json
from reports.workbook import write_workbook
from tests.test_reports_factory import TZ, make_form, make_message, make_run
from tests.test_review import complete_fields

# The Python types a value of each kind may have (besides None).
_KIND_TYPES: dict[Kind, tuple[type, ...]] = {
    Kind.TEXT: (str,),
    Kind.LONG: (str,),
    Kind.PHONE: (str,),
    Kind.DATE_RANGE: (str,),
    Kind.DATE: (date,),
    Kind.CHOICE: (StrEnum,),
    Kind.OPTIONS: (Scope,),
    Kind.NOTES: (ScopeNotes,),
    Kind.INT: (int,),
}


def _types(annotation: Any) -> set[type]:
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    return {a for a in args if a is not type(None)}


def test_every_field_of_the_record_is_a_schema_field_of_a_matching_type() -> None:
    leaves = leaf_types()
    assert list(leaves) == [s.key for s in FIELDS]  # same keys, same order
    for spec in FIELDS:
        (tp,) = _types(leaves[spec.key])
        assert issubclass(tp, _KIND_TYPES[spec.kind]), spec.key
        if spec.kind is Kind.CHOICE:
            assert {m.value for m in tp} == {o.value for o in spec.options}, spec.key  # type: ignore[attr-defined]
        if spec.kind in (Kind.OPTIONS, Kind.NOTES):
            assert [f.name for f in dataclasses.fields(tp)] == [o.value for o in spec.options], spec.key


def test_parts_and_labels_are_consistent() -> None:
    keys = {s.key for s in FIELDS}
    for spec in FIELDS:
        assert bool(spec.labels) != bool(spec.part_of), spec.key  # labelled, or filled from another's cell
        assert spec.part_of is None or spec.part_of in keys
    # every choice cell has its reading in the normaliser: a label/value pair gives a value
    for spec in FIELDS:
        if spec.kind in (Kind.CHOICE, Kind.OPTIONS):
            text = "☑" + spec.options[0].labels[0].replace("__", "3")
            got = normalise([LabelValue(spec.key, spec.title, text, Source.WORD)], DEFAULT_SCHEMA)
            assert FormFields().get(spec.key) != got.fields.get(spec.key), spec.key


def test_json_round_trip_and_every_key_once() -> None:
    fields = FormFields.from_json(complete_fields())
    data = fields.to_json()
    assert data == complete_fields()
    assert FormFields.from_json(data) == fields

    def leaves(node: dict[str, Any], prefix: str = "") -> list[str]:
        out = []
        for k, v in node.items():
            is_unit = isinstance(v, dict) and k in ("applicant", "organizer")
            out += leaves(v, f"{prefix}{k}.") if is_unit else [prefix + k]
        return out

    assert leaves(FormFields().to_json()) == [s.key for s in FIELDS]


def test_every_field_appears_once_in_the_export() -> None:
    msg = make_message(0, forms=(make_form("INBOX/1/1", 0),))
    fields = message_to_json(msg, tz=TZ)["forms"][0]["fields"]
    for spec in FIELDS:
        *parents, last = spec.key.split(".")
        node = fields
        for part in parents:
            node = node[part]
        assert last in node, spec.key
    assert sum(len(v) if k in ("applicant", "organizer") else 1 for k, v in fields.items()) == len(FIELDS)


def test_every_field_appears_once_in_the_workbook(tmp_path: Path) -> None:
    path = tmp_path / "申报汇总.xlsx"
    msg = make_message(0, forms=(make_form("INBOX/1/1", 0),))
    write_workbook(path, [msg], make_run(), tz=TZ, data_dir=tmp_path)
    ws = load_workbook(path, read_only=True)["申报项目"]
    headers = list(next(ws.iter_rows(max_row=1, values_only=True)))
    for spec in FIELDS:
        for column in spec.columns:
            assert headers.count(column.header) == 1, column.header


def _blank(spec_key: str, fields: FormFields) -> FormFields:
    empty = FormFields().get(spec_key)
    return fields.with_values({spec_key: empty})


def _flags_after_blanking(key: str) -> list[tuple[str, str]]:
    base = FormFields.from_json(
        {**complete_fields(), "funding_type": "self_funded", "self_funding_source": "自有"}
    )
    fields = _blank(key, base)
    info = PdfInfo(pages=1, text_layer=True, scanned=False, seal=Seal.PRESENT)
    group = FormGroup(
        ParsedForm("a.docx", "docx", True, fields), ParsedForm("a.pdf", "pdf", True, fields, pdf=info), fields
    )
    return [(f.code, f.detail) for f in form_flags(group, default_rules())]


@pytest.mark.parametrize("spec", FIELDS, ids=[s.key for s in FIELDS])
def test_every_field_appears_once_in_the_review_rules(spec: Any) -> None:
    """A field left empty on an otherwise complete form: a required one gives one missing_field naming
    it, one with a flag of its own gives that flag and no missing_field, any other gives nothing."""
    assert _flags_after_blanking("organizer.fax") == []  # the complete form itself is clean
    flags = _flags_after_blanking(spec.key)
    if spec.rule is Rule.REQUIRED:
        assert flags == [("missing_field", spec.name)]
    elif spec.rule is Rule.OWN_FLAG:
        assert len(flags) == 1 and flags[0][0] != "missing_field", flags
    else:  # OPTIONAL, or one of the unit's phones: the other one is there
        assert flags == []


def test_both_phones_blank_is_one_flag_naming_both() -> None:
    base = FormFields.from_json(complete_fields())
    fields = _blank("applicant.mobile", _blank("applicant.office_phone", base))
    group = FormGroup(ParsedForm("a.docx", "docx", True, fields), None, fields)
    missing = [f.detail for f in form_flags(group, default_rules()) if f.code == "missing_field"]
    assert missing == ["申报单位信息·办公电话/手机"]
