"""The JSON-lines export: one object per message, the integration contract of README.md (issue 2).

Bytes are deterministic for the same records: keys sorted, messages in receipt order, no ASCII
escaping (Chinese stays readable), times in the office zone.  The file is written to a temporary
sibling and moved into place, so a reader never sees half an export.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord
from reports.atomic import atomic_write_chunks

__all__ = [
    "OFFICE_TZ",
    "export_lines",
    "iter_export_lines",
    "message_to_json",
    "normalise_fields",
    "write_export",
]

OFFICE_TZ = ZoneInfo("Asia/Shanghai")

_SURROGATES = re.compile("[\ud800-\udfff]")

# The contract's `fields` skeleton: every key present, null where empty (README export contract).
_PARTY_KEYS = ("name", "contact", "office_phone", "mobile", "fax", "address")
_SCOPE_KEYS = ("national_strategy", "industry_demand", "digital_tech")
_TOP_KEYS = (
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
    "purpose",
    "content_and_format",
    "experts",
    "trainees",
)


def _skeleton() -> dict[str, Any]:
    fields: dict[str, Any] = dict.fromkeys(_TOP_KEYS)
    fields["scope"] = dict.fromkeys(_SCOPE_KEYS, False)
    fields["scope_notes"] = dict.fromkeys(_SCOPE_KEYS)
    fields["applicant"] = dict.fromkeys(_PARTY_KEYS)
    fields["organizer"] = {**dict.fromkeys(_PARTY_KEYS), "ce_base": None, "ce_base_batch": None}
    return fields


def _plain(value: Any) -> Any:
    """JSON-ready copy: mappings to dicts, sequences to lists, dates to ISO strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def normalise_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The contract dict with every key (missing ones null/False); unknown extra keys are kept."""
    out = _skeleton()
    for key, value in _plain(fields).items():
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _flag(f: Flag) -> dict[str, str]:
    return {"code": f.code, "detail": f.detail}


def _attachment(a: AttachmentRecord) -> dict[str, Any]:
    return {
        "filename": a.filename,
        "sha256": a.sha256,
        "kind": a.kind,
        "status": a.status,
        "detail": a.detail,
    }


def _form(f: FormRecord) -> dict[str, Any]:
    return {
        "form_id": f.form_id,
        "sources": list(f.sources),
        "fields": normalise_fields(f.fields),
        "flags": [_flag(x) for x in f.flags],
        "superseded_by": f.superseded_by,
    }


def _iso(moment: datetime, tz: ZoneInfo) -> str:
    if moment.tzinfo is None:  # a naive time can only be the office's own clock
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).isoformat()


def message_to_json(m: MessageRecord, *, tz: ZoneInfo = OFFICE_TZ) -> dict[str, Any]:
    """The export object of one message (contract keys only)."""
    return {
        "message_id": m.message_id,
        "uid": m.uid,
        "folder": m.folder,
        "uidvalidity": m.uidvalidity,
        "from": m.sender,
        "subject": m.subject,
        "received_at": _iso(m.received_at, tz),
        "date_header": m.date_header,
        "attachments": [_attachment(a) for a in m.attachments],
        "forms": [_form(f) for f in m.forms],
        "flags": [_flag(x) for x in m.flags],
    }


def _order(m: MessageRecord) -> tuple[str, str]:
    moment = m.received_at if m.received_at.tzinfo else m.received_at.replace(tzinfo=OFFICE_TZ)
    return (moment.astimezone(ZoneInfo("UTC")).isoformat(), m.key)


def _in_order(messages: Iterable[MessageRecord]) -> Iterable[MessageRecord]:
    """A list or a one-off iterator is sorted in memory; a re-iterable already in order (the store's
    streaming view: one pass over small keys tells) is streamed, one record at a time."""
    if isinstance(messages, Sequence) or iter(messages) is messages:
        return sorted(messages, key=_order)
    keys = [_order(m) for m in messages]
    if all(a <= b for a, b in itertools.pairwise(keys)):
        return messages
    return sorted(messages, key=_order)


def iter_export_lines(messages: Iterable[MessageRecord], *, tz: ZoneInfo = OFFICE_TZ) -> Iterator[str]:
    """The export one line at a time (JSON object + "\\n"), in receipt order."""
    for m in _in_order(messages):
        text = json.dumps(
            message_to_json(m, tz=tz), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        # A lone surrogate (from a surrogate-escaped header) cannot be encoded as UTF-8.
        yield _SURROGATES.sub("\ufffd", text) + "\n"


def export_lines(messages: Iterable[MessageRecord], *, tz: ZoneInfo = OFFICE_TZ) -> str:
    """The whole export as text: one JSON object per line, in receipt order, ending with a newline."""
    return "".join(iter_export_lines(messages, tz=tz))


def write_export(path: Path, messages: Iterable[MessageRecord], *, tz: ZoneInfo = OFFICE_TZ) -> None:
    """Write the JSON-lines export atomically (UTF-8, LF line ends), line by line: memory holds one
    line, not the whole export (~10 KB per message)."""
    atomic_write_chunks(Path(path), (line.encode("utf-8") for line in iter_export_lines(messages, tz=tz)))
