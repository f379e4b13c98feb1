"""Stored mails for notice tests and bench/bench_notify.py: each raw mail archived as the pipeline does
and its results saved directly (parsing is not what these measure or test)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path


def raw_mail(i: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"申报单位{i} <unit{i}@example.cn>"
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = f"关于报送2025年高级研修项目申报材料的函（{i}）"
    msg["Message-ID"] = f"<bench-{i}@example.cn>"
    msg["Date"] = format_datetime(datetime(2024, 12, 16, 9, 0, tzinfo=UTC))
    msg.set_content("附件为申报表，请查收。")
    msg.add_attachment(b"x" * 2048, maintype="application", subtype="octet-stream", filename="申报表.docx")
    return msg.as_bytes()


def fill_store(data_dir: Path, n: int) -> None:
    """`n` processed mails in the store at data_dir: every other one misses its PDF (补正通知), the rest
    are complete (回执)."""
    from core.fields import FormFields
    from core.flags import Flag
    from core.records import AttachmentRecord, FormRecord, MessageRecord
    from intake.store import Store, form_id_for

    start = datetime(2024, 12, 10, 1, 0, tzinfo=UTC)
    with Store(data_dir) as store:
        run_id = store.start_run("run", "bench", start)
        for i in range(n):
            raw = raw_mail(i)
            sha = hashlib.sha256(raw).hexdigest()
            path = store.archive(raw, "eml", sha)
            key = f"INBOX/1/{i + 1}"
            mid = f"<bench-{i}@example.cn>"
            flags = (Flag("missing_pdf"),) if i % 2 else ()
            form = FormRecord(
                form_id_for(mid, sha, ("申报表.docx",), 0),
                key,
                ("申报表.docx",),
                FormFields(project_name=f"高级研修班 {i}", declared_org=f"申报单位{i}"),
                flags,
            )
            record = MessageRecord(
                key,
                mid,
                "INBOX",
                1,
                i + 1,
                f"申报单位{i} <unit{i}@example.cn>",
                f"关于报送2025年高级研修项目申报材料的函（{i}）",
                start + timedelta(minutes=i),
                None,
                (AttachmentRecord("申报表.docx", sha, "docx", 2048, "parsed"),),
                (form,),
                (),
                "flagged" if flags else "ok",
                extra={"raw_sha256": sha, "raw_path": path},
            )
            store.save_message(record, raw_sha256=sha, raw_path=path, rules_version="bench", run_id=run_id)
