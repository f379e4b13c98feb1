"""The JSON-lines export: contract keys, office-zone times, deterministic bytes, atomic write."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from core.fields import CeBase, FormFields, Organizer
from core.flags import Flag
from reports.export import export_lines, message_to_json, write_export
from tests.test_reports_factory import make_attachment, make_form, make_message

TOP_KEYS = {
    "message_id",
    "uid",
    "folder",
    "uidvalidity",
    "from",
    "subject",
    "received_at",
    "date_header",
    "attachments",
    "forms",
    "flags",
}
FIELD_KEYS = {
    "project_name",
    "declared_org",
    "declared_date",
    "training_dates",
    "training_start",
    "training_end",
    "training_location",
    "industry_field",
    "industry_authority",
    "funding_type",
    "self_funding_source",
    "scope",
    "scope_notes",
    "purpose",
    "content_and_format",
    "experts",
    "trainees",
    "applicant",
    "organizer",
}


def test_message_has_exactly_the_contract_keys() -> None:
    m = make_message(1, flags=(Flag("late", "2024-12-18 09:00"),))
    obj = message_to_json(m)
    assert set(obj) == TOP_KEYS
    assert obj["from"] == m.sender and obj["uid"] == m.uid and obj["uidvalidity"] == 1
    assert obj["flags"] == [{"code": "late", "detail": "2024-12-18 09:00"}]
    assert set(obj["attachments"][0]) == {"filename", "sha256", "kind", "status", "detail"}
    form = obj["forms"][0]
    assert set(form) == {
        "form_id",
        "sources",
        "fields",
        "corrections",
        "field_sources",
        "confidence",
        "flags",
        "superseded_by",
    }
    assert form["corrections"] == []
    assert set(form["fields"]) == FIELD_KEYS
    assert set(form["fields"]["organizer"]) == {
        "name",
        "contact",
        "office_phone",
        "mobile",
        "fax",
        "address",
        "ce_base",
        "ce_base_batch",
    }
    assert form["sources"] == ["申报表1.docx", "申报表1.pdf"]


def test_received_at_is_iso_in_office_zone() -> None:
    m = replace(make_message(0), received_at=datetime(2024, 12, 17, 16, 30, tzinfo=UTC))
    assert message_to_json(m)["received_at"] == "2024-12-18T00:30:00+08:00"


def test_missing_field_keys_are_filled_with_null() -> None:
    fields = FormFields.from_json({"project_name": "甲", "applicant": {"name": "乙"}}).to_json()
    assert fields["declared_org"] is None
    assert fields["applicant"] == {
        "name": "乙",
        "contact": None,
        "office_phone": None,
        "mobile": None,
        "fax": None,
        "address": None,
    }
    assert fields["scope"] == {"national_strategy": False, "industry_demand": False, "digital_tech": False}


def test_export_is_deterministic_and_in_receipt_order(tmp_path: Path) -> None:
    msgs = [make_message(i, minutes=10 - i) for i in range(3)]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_export(a, msgs)
    write_export(b, list(reversed(msgs)))
    assert a.read_bytes() == b.read_bytes()
    lines = a.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["uid"] for x in lines] == [3, 2, 1]
    assert "申报表" in lines[0]  # not \u-escaped
    assert lines[0].startswith('{"attachments":')  # keys sorted


def test_export_survives_lone_surrogates_and_leaves_no_temp(tmp_path: Path) -> None:
    m = make_message(
        0,
        subject="bad\udcff header",
        forms=(make_form("INBOX/1/1", 0, flags=(Flag("missing_field", "purpose"),)),),
        attachments=(make_attachment("x.docx", status="unreadable", detail="文件已损坏"),),
    )
    out = tmp_path / "sub" / "export.jsonl"
    write_export(out, [m])
    obj = json.loads(out.read_text(encoding="utf-8"))
    assert obj["subject"] == "bad\ufffd header"
    assert obj["attachments"][0]["status"] == "unreadable"
    assert obj["forms"][0]["flags"] == [{"code": "missing_field", "detail": "purpose"}]
    assert sorted(p.name for p in out.parent.iterdir()) == ["export.jsonl"]


def test_empty_store_writes_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    write_export(out, [])
    assert out.read_bytes() == b""


def test_non_json_values_in_fields_are_made_plain() -> None:
    from datetime import date

    typed = FormFields(
        training_start=date(2025, 5, 12), organizer=Organizer(ce_base=CeBase.NATIONAL, ce_base_batch=3)
    )
    form = replace(make_form("INBOX/1/1", 0), fields=typed)
    obj = message_to_json(replace(make_message(0), forms=(form,)))
    fields = obj["forms"][0]["fields"]
    assert fields["training_start"] == "2025-05-12" and fields["experts"] is None
    assert fields["organizer"]["ce_base"] == "national" and type(fields["organizer"]["ce_base"]) is str
    assert fields["organizer"]["ce_base_batch"] == 3 and fields["organizer"]["name"] is None
    json.dumps(obj)  # serialisable as is


def test_streamed_file_has_the_bytes_of_the_whole_string_export(tmp_path: Path) -> None:
    msgs = [make_message(i, minutes=5 - i, subject=f"申报\udcff{i}") for i in range(4)]
    out = tmp_path / "e.jsonl"
    write_export(out, iter(msgs))  # any iterable, here a one-shot iterator
    expected = "".join(
        json.dumps(message_to_json(m), ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace(
            "\udcff", "\ufffd"
        )
        + "\n"
        for m in sorted(msgs, key=lambda m: m.received_at)
    )
    assert out.read_bytes() == expected.encode("utf-8")
    assert out.read_bytes() == export_lines(msgs).encode("utf-8")


def test_export_failing_midway_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    out.write_bytes(b"old\n")
    bad = replace(make_message(1), forms=(object(),))  # type: ignore[arg-type]  # fails on line 2
    try:
        write_export(out, [make_message(0), bad])
    except (AttributeError, TypeError):
        pass
    else:
        raise AssertionError("a broken record must fail the export")
    assert out.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl"]


class _Reiterable:
    """Like the store's view: a fresh iterator on every pass, no len, no indexing."""

    def __init__(self, items: list) -> None:
        self._items = items
        self.passes = 0

    def __iter__(self):  # a generator, like the store's view: nothing runs until the first item is asked
        self.passes += 1
        yield from list(self._items)


def test_streamed_reiterable_export_has_the_bytes_of_the_list_export(tmp_path: Path) -> None:
    msgs = [make_message(i, minutes=10 - i, flags=(Flag("late", "x"),) if i == 1 else ()) for i in range(4)]
    ordered = sorted(msgs, key=lambda m: (m.received_at.timestamp(), m.key))
    want, streamed, shuffled = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    write_export(want, msgs)
    view = _Reiterable(ordered)
    write_export(streamed, view)
    assert streamed.read_bytes() == want.read_bytes()
    assert view.passes == 2  # one pass over small keys for the order, one to write: no list of records
    write_export(
        shuffled, _Reiterable([ordered[2], ordered[0], ordered[3], ordered[1]])
    )  # falls back to sorting
    assert shuffled.read_bytes() == want.read_bytes()
    write_export(shuffled, iter(msgs))  # a one-off iterator still works
    assert shuffled.read_bytes() == want.read_bytes()


def test_corrections_change_fields_and_are_marked() -> None:
    from datetime import UTC, datetime

    from core.decisions import Correction

    m = make_message(0)
    fid = m.forms[0].form_id
    corrections = {
        (fid, "training_location"): Correction(
            fid,
            "training_location",
            "武汉市洪山宾馆",
            "宜昌市",
            "张三",
            datetime(2024, 12, 13, 1, tzinfo=UTC),
        ),
        (fid, "funding_type"): Correction(fid, "funding_type", "财政资助项目", "自筹经费项目"),
        (fid, "training_start"): Correction(fid, "training_start", datetime(2025, 5, 13), "2025-05-12"),
        (fid, "scope.digital_tech"): Correction(fid, "scope.digital_tech", "☑ 是", "□ 否"),
    }
    line = export_lines([m], corrections=corrections)
    form = json.loads(line)["forms"][0]
    assert form["fields"]["training_location"] == "武汉市洪山宾馆"
    assert form["fields"]["funding_type"] == "fiscal"
    assert form["fields"]["training_start"] == "2025-05-13"
    assert form["fields"]["scope"]["digital_tech"] is True
    marked = {c["field"]: c for c in form["corrections"]}
    assert marked["training_location"] == {
        "field": "training_location",
        "value": "武汉市洪山宾馆",
        "machine_value": "宜昌市",
        "by": "张三",
        "at": "2024-12-13T01:00:00+00:00",
    }
    assert marked["funding_type"]["machine_value"] == "self_funded"
    assert json.loads(export_lines([m]))["forms"][0]["fields"]["training_location"] == "宜昌市"
