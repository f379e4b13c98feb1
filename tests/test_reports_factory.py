"""Record factory for the reports tests (no tests here: imported by tests/test_reports_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.fields import FormFields
from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord, RunInfo

TZ = ZoneInfo("Asia/Shanghai")
BASE = datetime(2024, 12, 12, 1, 30, tzinfo=UTC)  # 09:30 Beijing time


def cell_link(cell: Any) -> str | None:
    """Where a workbook cell links to: its hyperlink, or intake's =HYPERLINK("target","text") formula."""
    import re

    if cell.hyperlink is not None and cell.hyperlink.target:
        return str(cell.hyperlink.target)
    if cell.data_type == "f":
        found = re.fullmatch(r'=HYPERLINK\("([^"]+)","[^"]*"\)', str(cell.value))
        return found.group(1) if found else None
    return None


def save_formula_results(path: Path, results: dict[str, str]) -> None:
    """Store formulas' results in a workbook openpyxl saved, as Excel, WPS and LibreOffice do when they
    save (openpyxl leaves them out): `results` maps a formula's text (without "=") to what the cell
    shows; one beginning "#" (#NAME?) is stored as an error cell."""
    import html
    import re
    import zipfile

    formula = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v></v>|<v ?/>)?</c>')

    def cached(m: re.Match[str]) -> str:
        text = html.unescape(m.group(3))
        if text not in results:
            return m.group(0)
        value = results[text]
        kind = ' t="e"' if value.startswith("#") else (' t="str"' if not value.isdigit() else "")
        return f'<c r="{m.group(1)}"{m.group(2)}{kind}><f>{m.group(3)}</f><v>{html.escape(value)}</v></c>'

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = formula.sub(cached, data.decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def make_fields(i: int = 0, **over: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "project_name": f"数字经济与产业升级高级研修班{i}",
        "declared_org": f"宜昌市第{i}人民医院",
        "declared_date": "2024-12-10",
        "training_dates": "2025年5月12日至16日",
        "training_start": "2025-05-12",
        "training_end": "2025-05-16",
        "training_location": "宜昌市",
        "industry_field": "卫生健康" if i % 2 else "数字经济",
        "industry_authority": "湖北省卫生健康委员会",
        "funding_type": "fiscal" if i % 3 else "self_funded",
        "self_funding_source": None if i % 3 else "单位自有资金",
        "scope": {"national_strategy": True, "industry_demand": bool(i % 2), "digital_tech": False},
        "scope_notes": {
            "national_strategy": "服务健康中国战略",
            "industry_demand": None,
            "digital_tech": None,
        },
        "purpose": "提升专业技术人员能力。" * 8,
        "content_and_format": "主题报告、专题研讨、现场教学。",
        "experts": "张教授，某大学",
        "trainees": "中高级职称专业技术人员 60 人",
        "applicant": {
            "name": f"宜昌市第{i}人民医院",
            "contact": "王芳",
            "office_phone": "0717-6221234",
            "mobile": "13907171234",
            "fax": None,
            "address": "宜昌市西陵区",
        },
        "organizer": {
            "name": "三峡大学",
            "contact": "李明",
            "office_phone": "0717-6392000",
            "mobile": "13807170000",
            "fax": None,
            "address": "宜昌市大学路8号",
            "ce_base": "provincial",
            "ce_base_batch": None,
        },
    }
    fields.update(over)
    return fields


def make_form(
    msg_key: str, i: int = 0, *, flags: tuple[Flag, ...] = (), superseded_by: str | None = None, **over: Any
) -> FormRecord:
    return FormRecord(
        form_id=f"F{i:04d}",
        message_key=msg_key,
        sources=(f"申报表{i}.docx", f"申报表{i}.pdf"),
        fields=FormFields.from_json(make_fields(i, **over)),
        flags=flags,
        superseded_by=superseded_by,
    )


def make_attachment(
    name: str, *, status: str = "parsed", archive_path: str | None = None, detail: str = ""
) -> AttachmentRecord:
    kind = name.rsplit(".", 1)[-1] if "." in name else "other"
    return AttachmentRecord(
        filename=name,
        sha256="ab" * 32,
        kind=kind,
        size=12345,
        status=status,
        detail=detail,
        archive_path=archive_path,
    )


def make_message(
    i: int = 0,
    *,
    forms: tuple[FormRecord, ...] | None = None,
    flags: tuple[Flag, ...] = (),
    subject: str | None = None,
    outcome: str = "ok",
    attachments: tuple[AttachmentRecord, ...] | None = None,
    minutes: int = 0,
) -> MessageRecord:
    key = f"INBOX/1/{i + 1}"
    if forms is None:
        forms = (make_form(key, i),)
    if attachments is None:
        attachments = tuple(make_attachment(s) for f in forms for s in f.sources)
    return MessageRecord(
        key=key,
        message_id=f"<m{i}@example.com>",
        folder="INBOX",
        uidvalidity=1,
        uid=i + 1,
        sender=f"unit{i}@example.com",
        subject=subject if subject is not None else f"申报材料{i}",
        received_at=BASE + timedelta(minutes=minutes or i),
        date_header="Thu, 12 Dec 2024 09:30:00 +0800",
        attachments=attachments,
        forms=forms,
        flags=flags,
        outcome=outcome,
    )


def make_run(
    run_id: int = 1,
    *,
    new: frozenset[str] = frozenset(),
    changed: frozenset[str] = frozenset(),
    failed: frozenset[str] = frozenset(),
) -> RunInfo:
    return RunInfo(
        run_id=run_id,
        started_at=BASE + timedelta(days=10),
        finished_at=None,
        rules_version="r1",
        new_keys=new,
        changed_keys=changed,
        failed_keys=failed,
    )
