"""The JSON-lines export: one object per message, the integration contract of README.md (issue 2).

Bytes are deterministic for the same records: keys sorted, messages in receipt order, no ASCII
escaping (Chinese stays readable), times in the office zone.  The file is written to a temporary
sibling and moved into place, so a reader never sees half an export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.decisions import Correction
from core.fields import contract_date
from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord
from core.schema import Kind
from reports.atomic import atomic_write_chunks
from reports.rows import receipt_ordered
from reports.table import FIELD_COLUMNS

__all__ = [
    "OFFICE_TZ",
    "contract_value",
    "export_lines",
    "iter_export_lines",
    "message_to_json",
    "write_export",
]

OFFICE_TZ = ZoneInfo("Asia/Shanghai")

_SURROGATES = re.compile("[\ud800-\udfff]")


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


_COLUMNS = {c.path: c for c in FIELD_COLUMNS}
_TICKED = {"☑ 是", "☑", "是", "√", "✓", "✔", "■", "1", "true", "True", "yes"}


def contract_value(path: str, value: Any) -> Any:
    """A reviewer's cell as the export contract writes the field (dates ISO, choices by value, ticks as
    booleans); text that does not read as the field's kind stays text."""
    col = _COLUMNS.get(path)
    kind = col.spec.kind if col is not None else Kind.TEXT
    if value is None or (isinstance(value, str) and not value.strip()):
        return False if kind is Kind.OPTIONS else None
    if kind is Kind.DATE:
        d = value.date() if isinstance(value, datetime) else contract_date(value)
        return d.isoformat() if d else str(value)
    if kind is Kind.OPTIONS:
        return str(value).strip() in _TICKED
    if kind is Kind.CHOICE and col is not None:
        option = next(
            (o for o in col.spec.options if str(value).strip() in (o.name, o.value, *o.labels)), None
        )
        return option.value if option else None
    if kind is Kind.INT:
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    return str(value)


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[last] = value


def _form(f: FormRecord, corrections: Mapping[str, Correction]) -> dict[str, Any]:
    """A form; reviewer corrections are applied to `fields` and listed under `corrections` with the
    machine's reading."""
    fields = f.fields.to_json()
    listed = []
    for path, c in sorted(corrections.items()):
        _set(fields, path, contract_value(path, c.value))
        listed.append(
            {
                "field": path,
                "value": contract_value(path, c.value),
                "machine_value": contract_value(path, c.machine),
                "by": c.by or None,
                "at": c.at.isoformat() if c.at else None,
            }
        )
    return {
        "form_id": f.form_id,
        "sources": list(f.sources),
        "fields": fields,
        "corrections": listed,
        "field_sources": dict(sorted(f.field_sources.items())),
        "confidence": {k: round(float(v), 3) for k, v in sorted(f.confidence.items())},
        "flags": [_flag(x) for x in f.flags],
        "superseded_by": f.superseded_by,
    }


def _iso(moment: datetime, tz: ZoneInfo) -> str:
    if moment.tzinfo is None:  # a naive time can only be the office's own clock
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).isoformat()


def message_to_json(
    m: MessageRecord,
    *,
    tz: ZoneInfo = OFFICE_TZ,
    corrections: Mapping[str, Mapping[str, Correction]] | None = None,
) -> dict[str, Any]:
    """The export object of one message (contract keys only); `corrections`: form_id → path → correction."""
    corrections = corrections or {}
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
        "forms": [_form(f, corrections.get(f.form_id, {})) for f in m.forms],
        "flags": [_flag(x) for x in m.flags],
    }


def _by_form(corrections: Mapping[tuple[str, str], Correction] | None) -> dict[str, dict[str, Correction]]:
    out: dict[str, dict[str, Correction]] = {}
    for (form_id, path), c in (corrections or {}).items():
        out.setdefault(form_id, {})[path] = c
    return out


def iter_export_lines(
    messages: Iterable[MessageRecord],
    *,
    tz: ZoneInfo = OFFICE_TZ,
    corrections: Mapping[tuple[str, str], Correction] | None = None,
) -> Iterator[str]:
    """The export one line at a time (JSON object + "\\n"), in receipt order."""
    by_form = _by_form(corrections)
    for m in receipt_ordered(messages):
        text = json.dumps(
            message_to_json(m, tz=tz, corrections=by_form),
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        # A lone surrogate (from a surrogate-escaped header) cannot be encoded as UTF-8.
        yield _SURROGATES.sub("\ufffd", text) + "\n"


def export_lines(
    messages: Iterable[MessageRecord],
    *,
    tz: ZoneInfo = OFFICE_TZ,
    corrections: Mapping[tuple[str, str], Correction] | None = None,
) -> str:
    """The whole export as text: one JSON object per line, in receipt order, ending with a newline."""
    return "".join(iter_export_lines(messages, tz=tz, corrections=corrections))


def write_export(
    path: Path,
    messages: Iterable[MessageRecord],
    *,
    tz: ZoneInfo = OFFICE_TZ,
    corrections: Mapping[tuple[str, str], Correction] | None = None,
) -> None:
    """Write the JSON-lines export atomically (UTF-8, LF line ends), line by line: memory holds one
    line, not the whole export (~10 KB per message)."""
    lines = iter_export_lines(messages, tz=tz, corrections=corrections)
    atomic_write_chunks(Path(path), (line.encode("utf-8") for line in lines))
