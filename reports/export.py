"""The JSON-lines export: one object per message, the integration contract of README.md (issue 2).

Bytes are deterministic for the same records: keys sorted, messages in receipt order, no ASCII
escaping (Chinese stays readable), times in the office zone.  The file is written to a temporary
sibling and moved into place, so a reader never sees half an export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord
from reports.atomic import atomic_write_chunks
from reports.rows import receipt_ordered

__all__ = [
    "OFFICE_TZ",
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


def _form(f: FormRecord) -> dict[str, Any]:
    return {
        "form_id": f.form_id,
        "sources": list(f.sources),
        "fields": f.fields.to_json(),
        "field_sources": dict(sorted(f.field_sources.items())),
        "confidence": {k: round(float(v), 3) for k, v in sorted(f.confidence.items())},
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


def iter_export_lines(messages: Iterable[MessageRecord], *, tz: ZoneInfo = OFFICE_TZ) -> Iterator[str]:
    """The export one line at a time (JSON object + "\\n"), in receipt order."""
    for m in receipt_ordered(messages):
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
