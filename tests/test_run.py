"""End to end: a Maildir built with the stdlib email package → run_intake → store, workbook, export."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from intake.config import Config, build_config
from intake.models import MessageRef, RawMessage
from intake.run import run_intake
from intake.source import FolderListing
from intake.store import Store

BJ = ZoneInfo("Asia/Shanghai")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---------------------------------------------------------------- fixtures shared with test_cli


def form_docx(seed: int) -> tuple[dict[str, Any], bytes]:
    from samples.formgen import build_form_docx, sample_fields

    fields = sample_fields(seed)
    return fields, build_form_docx(fields)


def form_pdf(fields: dict[str, Any]) -> bytes:
    from samples.pdfgen import pdf_from_fields

    return pdf_from_fields(fields)


def make_mail(
    n: int, received: datetime, attachments: Sequence[tuple[str, bytes, str]] = (), *, subject: str = "申报表"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"unit{n}@example.cn"
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = f"{subject} {n}"
    msg["Message-ID"] = f"<m{n}@example.cn>"
    msg["Date"] = format_datetime(received)
    msg.set_content("您好，附件为申报材料。")
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    received_line = f"from mx.example.cn by mx.163.com; {format_datetime(received)}"
    return f"Received: {received_line}\r\n".encode() + msg.as_bytes()


def write_maildir(root: Path, mails: Sequence[bytes]) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(mails):
        (root / "cur" / f"17340000{i:02d}.M{i}P1.test:2,S").write_bytes(data)
    return root


def config_for(tmp_path: Path, mailbox: Path, **intake: Any) -> Config:
    data = {
        "mailbox": {"kind": "maildir", "path": str(mailbox), "batch_size": 3},
        "intake": {
            "deadline": "2024-12-17T23:59:59+08:00",
            "training_end_limit": "2025-10-31",
            "data_dir": "data",
            "workers": 1,
            **intake,
        },
        "report": {
            "workbook": "out/申报汇总.xlsx",
            "summary_html": "out/summary.html",
            "export_jsonl": "out/export.jsonl",
        },
    }
    return build_config(data, base_dir=tmp_path)


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2024, 12, day, hour, minute, tzinfo=BJ)


@pytest.fixture(scope="module")
def clean_form() -> tuple[dict[str, Any], bytes, bytes]:
    fields, docx = form_docx(7)
    return fields, docx, form_pdf(fields)


def standard_mails(clean_form: tuple[dict[str, Any], bytes, bytes]) -> list[bytes]:
    _fields, docx, pdf = clean_form
    return [
        make_mail(1, at(10), [("申报表.docx", docx, DOCX), ("申报表.pdf", pdf, "application/pdf")]),
        make_mail(2, at(11)),  # no attachment
        make_mail(3, at(12), [("坏文件.docx", b"PK\x03\x04 this is not a zip at all" * 10, DOCX)]),
        make_mail(4, at(13), [("只有PDF.pdf", pdf, "application/pdf")]),
    ]


def by_subject(records: Sequence[Any]) -> dict[str, Any]:
    return {(r.message_id or "<m?@").split("@")[0][2:]: r for r in records}


def codes(flags: Sequence[Any]) -> set[str]:
    return {f.code for f in flags}


# ---------------------------------------------------------------- tests


def test_each_problem_mail_is_flagged_and_the_run_goes_on(tmp_path: Path, clean_form: Any) -> None:
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", standard_mails(clean_form)))
    summary = run_intake(cfg)
    assert (summary.processed, summary.new, summary.failed, summary.exit_code) == (4, 4, 0, 0)
    with Store(cfg.data_dir) as store:
        recs = by_subject(store.load_records())
    assert len(recs["1"].forms) == 1 and not codes(recs["1"].flags) & {"no_attachment", "no_form_found"}
    assert "no_attachment" in codes(recs["2"].flags)
    assert {"unreadable_attachment", "no_form_found"} <= codes(recs["3"].flags)
    assert recs["3"].attachments[0].status == "unreadable"
    assert len(recs["4"].forms) == 1 and "missing_word" in codes(recs["4"].forms[0].flags)
    assert "missing_pdf" not in codes(recs["4"].forms[0].flags)


def test_clean_form_round_trips_every_field(tmp_path: Path, clean_form: Any) -> None:
    fields, docx, _ = clean_form
    cfg = config_for(
        tmp_path, write_maildir(tmp_path / "mail", [make_mail(1, at(10), [("表.docx", docx, DOCX)])])
    )
    run_intake(cfg)
    exported = json.loads(cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines()[0])
    got = exported["forms"][0]["fields"]
    from core.fields import FormFields

    want = FormFields.from_json(fields).to_json()
    assert {k: got[k] for k in want} == want


def test_second_run_leaves_store_and_export_byte_identical(tmp_path: Path, clean_form: Any) -> None:
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", standard_mails(clean_form)))
    run_intake(cfg)
    with Store(cfg.data_dir) as store:
        dump1 = list(store.dump())
    export1 = cfg.report.export_jsonl.read_bytes()
    again = run_intake(cfg)
    assert (again.processed, again.new, again.listed) == (0, 0, 0)
    with Store(cfg.data_dir) as store:
        assert list(store.dump()) == dump1
    assert cfg.report.export_jsonl.read_bytes() == export1
    # a forced rerun recomputes everything and still changes nothing
    forced = run_intake(cfg, mode="rerun", force=True)
    assert (forced.processed, forced.changed) == (4, 0)
    with Store(cfg.data_dir) as store:
        assert list(store.dump()) == dump1
    assert cfg.report.export_jsonl.read_bytes() == export1
    # outputs are left alone when nothing changed, but a missing one is rebuilt
    cfg.report.export_jsonl.unlink()
    mtime = cfg.report.workbook.stat().st_mtime_ns
    assert run_intake(cfg).processed == 0
    assert cfg.report.export_jsonl.read_bytes() == export1
    assert cfg.report.workbook.stat().st_mtime_ns != mtime


def test_workbook_reopens_with_expected_rows(tmp_path: Path, clean_form: Any) -> None:
    import openpyxl

    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", standard_mails(clean_form)))
    run_intake(cfg)
    wb = openpyxl.load_workbook(cfg.report.workbook)
    from reports.reviewer import PROJECT_SHEET

    assert wb[PROJECT_SHEET].max_row == 1 + 2  # header + two forms (mail 1 and mail 4)
    assert wb["邮件日志"].max_row >= 1 + 4  # header + one row per message
    assert cfg.report.summary_html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_new_mail_between_runs_is_processed_once(tmp_path: Path, clean_form: Any) -> None:
    mails = standard_mails(clean_form)
    box = write_maildir(tmp_path / "mail", mails[:2])
    cfg = config_for(tmp_path, box)
    assert run_intake(cfg).new == 2
    (box / "new" / "1734999999.M9P9.test").write_bytes(mails[3])
    second = run_intake(cfg)
    assert (second.new, second.processed) == (1, 1)
    assert run_intake(cfg).processed == 0
    with Store(cfg.data_dir) as store:
        assert len(store.load_records()) == 3


def test_rerun_range_is_inclusive_in_office_zone_and_skips_unchanged(tmp_path: Path) -> None:
    # 16 Dec 23:30 Beijing is 15:30 UTC; 18 Dec 00:05 Beijing is still 17 Dec in UTC.
    mails = [
        make_mail(1, at(15, 23, 59)),
        make_mail(2, at(16, 0, 0)),
        make_mail(3, at(17, 23, 59)),
        make_mail(4, at(18, 0, 5)),
    ]
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", mails))
    run_intake(cfg)
    unchanged = run_intake(cfg, mode="rerun", since=date(2024, 12, 16), until=date(2024, 12, 17))
    assert (unchanged.processed, unchanged.skipped) == (0, 4)
    forced = run_intake(cfg, mode="rerun", since=date(2024, 12, 16), until=date(2024, 12, 17), force=True)
    assert forced.processed == 2  # mails 2 and 3: the edges in Beijing time


def test_late_flag_uses_receipt_time(tmp_path: Path) -> None:
    late = make_mail(1, at(18, 0, 5))
    ok = make_mail(2, at(17, 23, 30))
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", [late, ok]))
    run_intake(cfg)
    with Store(cfg.data_dir) as store:
        recs = by_subject(store.load_records())
    assert "late" in codes(recs["1"].flags)
    assert "late" not in codes(recs["2"].flags)


def test_dry_run_leaves_store_untouched(tmp_path: Path, clean_form: Any) -> None:
    mails = standard_mails(clean_form)
    box = write_maildir(tmp_path / "mail", mails[:1])
    cfg = config_for(tmp_path, box)
    run_intake(cfg)
    with Store(cfg.data_dir) as store:
        before = list(store.dump()), store.db.execute("SELECT count(*) FROM runs").fetchone()
    workbook_before = cfg.report.workbook.read_bytes()
    (box / "new" / "1734999999.M9P9.test").write_bytes(mails[1])
    dry = run_intake(cfg, dry_run=True)
    assert dry.new == 1 and dry.dry_run
    assert dry.outputs["export"].parent != cfg.report.export_jsonl.parent
    assert len(dry.outputs["export"].read_text(encoding="utf-8").splitlines()) == 2
    with Store(cfg.data_dir) as store:
        assert (list(store.dump()), store.db.execute("SELECT count(*) FROM runs").fetchone()) == before
    assert cfg.report.workbook.read_bytes() == workbook_before
    assert run_intake(cfg).new == 1  # the real run still finds it


def test_failures_are_trapped_per_message_and_per_attachment(
    tmp_path: Path, clean_form: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import intake.archive
    import intake.mime

    real_parse, real_expand = intake.mime.parse_mail, intake.archive.expand

    def parse_mail(raw: bytes, **options: Any) -> Any:
        if b"Message-ID: <m2@example.cn>" in raw:
            raise RuntimeError("boom")
        return real_parse(raw, **options)

    def expand(name: str, data: bytes) -> Any:
        if name == "只有PDF.pdf":
            raise ValueError("bad archive")
        return real_expand(name, data)

    monkeypatch.setattr(intake.mime, "parse_mail", parse_mail)
    monkeypatch.setattr(intake.archive, "expand", expand)
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", standard_mails(clean_form)))
    summary = run_intake(cfg)
    assert (summary.processed, summary.failed, summary.exit_code) == (4, 1, 3)
    with Store(cfg.data_dir) as store:
        recs = store.load_records()
    failed = [r for r in recs if r.outcome == "failed"]
    assert len(failed) == 1 and codes(failed[0].flags) == {"processing_failed"}
    four = by_subject(recs)["4"]
    assert "unreadable_attachment" in codes(four.flags) and four.outcome == "flagged"


class FakeImap:
    """An in-memory Mailbox with IMAP-like ascending uids and a UIDVALIDITY we can reset."""

    def __init__(self, mails: Sequence[bytes], validity: int = 1, first_uid: int = 1) -> None:
        self.validity = validity
        self.messages = {first_uid + i: m for i, m in enumerate(mails)}
        self.fetched: list[int] = []
        self.committed: list[MessageRef] = []

    def folders(self) -> list[str]:
        return ["INBOX"]

    def list_uids(
        self, folder: str, *, after_uid: int = 0, since: date | None = None, before: date | None = None
    ) -> FolderListing:
        uids = sorted(self.messages)
        chosen = [u for u in uids if u > after_uid] or uids[-1:]  # `UID n:*` returns the last one
        return FolderListing(folder, self.validity, tuple(chosen))

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[RawMessage]:
        for uid in uids:
            self.fetched.append(uid)
            yield RawMessage(
                MessageRef(folder, self.validity, uid), at(10) + timedelta(minutes=uid), self.messages[uid]
            )

    def after_commit(self, ref: MessageRef) -> None:
        self.committed.append(ref)

    def close(self) -> None:
        pass


def test_uidvalidity_change_processes_nothing_twice_and_skips_nothing(tmp_path: Path) -> None:
    mails = [make_mail(i, at(10)) for i in range(1, 4)]
    cfg = config_for(tmp_path, tmp_path)
    box = FakeImap(mails)
    assert run_intake(cfg, mailbox=box).new == 3
    assert box.committed and run_intake(cfg, mailbox=box).processed == 0
    assert box.fetched == [1, 2, 3]  # the second run fetched nothing (UID 3:* answered 3, filtered)
    reset = FakeImap([*mails, make_mail(4, at(11))], validity=99, first_uid=10)
    summary = run_intake(cfg, mailbox=reset)
    assert (summary.new, summary.processed) == (1, 1)
    with Store(cfg.data_dir) as store:
        recs = store.load_records()
    assert sorted(r.uid for r in recs) == [10, 11, 12, 13]
    assert {r.uidvalidity for r in recs} == {99}
    assert run_intake(cfg, mailbox=reset).processed == 0


def test_same_mail_in_two_folders_is_one_message_and_stays_put(tmp_path: Path) -> None:
    mail = make_mail(1, at(10))
    root = write_maildir(tmp_path / "mail", [mail])
    write_maildir(root / ".垃圾邮件", [mail])
    data = {
        "mailbox": {"kind": "maildir", "path": str(root), "folders": ["INBOX", "垃圾邮件"]},
        "intake": {"deadline": "2024-12-17T23:59:59+08:00", "training_end_limit": "2025-10-31", "workers": 1},
    }
    cfg = build_config(data, base_dir=tmp_path)
    first = run_intake(cfg)
    assert (first.new, first.processed) == (1, 1)
    with Store(cfg.data_dir) as store:
        dump = list(store.dump())
        assert [r.folder for r in store.load_records()] == ["垃圾邮件"]  # where it was seen last
    again = run_intake(cfg)
    assert (again.listed, again.processed) == (0, 0)  # the copy left in INBOX does not bring it back
    with Store(cfg.data_dir) as store:
        assert list(store.dump()) == dump


def test_failing_post_action_does_not_stop_the_run(tmp_path: Path) -> None:
    class Flaky(FakeImap):
        def after_commit(self, ref: MessageRef) -> None:
            raise RuntimeError("NO [CANNOT] move refused")

    cfg = config_for(tmp_path, tmp_path)
    summary = run_intake(cfg, mailbox=Flaky([make_mail(1, at(10)), make_mail(2, at(10))]))
    assert (summary.processed, summary.failed, summary.exit_code) == (2, 0, 0)


def test_mailbox_lost_mid_run_keeps_what_was_fetched_and_exits_4(tmp_path: Path) -> None:
    from intake.mailbox import MailboxUnavailable

    class Dropping(FakeImap):
        def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[RawMessage]:
            for raw in super().fetch(folder, uids):
                if raw.ref.uid == 5:
                    raise MailboxUnavailable("connection reset")
                yield raw

    mails = [make_mail(i, at(10)) for i in range(1, 7)]
    cfg = config_for(tmp_path, tmp_path)  # batch_size 3: batch 1-3 parsed while 4-6 is fetched
    summary = run_intake(cfg, mailbox=Dropping(mails))
    assert summary.exit_code == 4 and summary.aborted  # try again: the next run continues
    with Store(cfg.data_dir) as store:
        assert sorted(r.uid for r in store.load_records()) == [1, 2, 3]
    rest = run_intake(cfg, mailbox=FakeImap(mails))
    assert (rest.new, rest.exit_code) == (3, 0)
    with Store(cfg.data_dir) as store:
        assert sorted(r.uid for r in store.load_records()) == [1, 2, 3, 4, 5, 6]


@pytest.mark.libreoffice
def test_legacy_doc_is_converted_and_parsed(tmp_path: Path, clean_form: Any) -> None:
    import shutil

    from parsers.convert import convert_files

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    fields, docx, _ = clean_form
    doc = convert_files([("表.docx", docx)], target="doc")[0].data
    assert doc is not None
    mails = [
        make_mail(1, at(10), [("申报表.doc", doc, "application/msword")]),
        make_mail(
            2, at(10), [("坏.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "application/msword")]
        ),
    ]
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", mails))
    assert run_intake(cfg).failed == 0
    with Store(cfg.data_dir) as store:
        recs = by_subject(store.load_records())
    assert recs["1"].attachments[0].kind == "doc" and recs["1"].attachments[0].status == "parsed"
    assert recs["1"].forms[0].fields.to_json()["project_name"] == fields["project_name"]
    assert recs["2"].attachments[0].status == "unreadable" and not recs["2"].forms


def test_outputs_are_rebuilt_after_a_run_that_crashed_before_writing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import intake.run

    box = write_maildir(tmp_path / "mail", [make_mail(1, at(10))])
    cfg = config_for(tmp_path, box)
    run_intake(cfg)
    (box / "new" / "1734999999.M9P9.test").write_bytes(make_mail(2, at(11)))
    real = intake.run.write_reports

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(intake.run, "write_reports", crash)
    with pytest.raises(OSError):
        run_intake(cfg)
    monkeypatch.setattr(intake.run, "write_reports", real)
    assert len(cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines()) == 1
    idle = run_intake(cfg)
    assert idle.processed == 0
    assert len(cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines()) == 2


def test_garbage_files_in_the_mailbox_never_stop_the_run(tmp_path: Path, clean_form: Any) -> None:
    import random

    rnd = random.Random(5)
    good = standard_mails(clean_form)[0]
    garbage = [
        b"",
        b"\r\n\r\n",
        bytes(rnd.randrange(256) for _ in range(3000)),
        good[: len(good) // 2],
        good.replace(b"boundary", b"boundery"),
        b"Content-Type: multipart/mixed\r\n\r\n--x\r\n" * 50,
    ]
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", garbage))
    summary = run_intake(cfg)
    assert summary.processed == len(garbage) and summary.exit_code in (0, 3)
    with Store(cfg.data_dir) as store:
        assert len(store.load_records()) == len(garbage)
    assert len(cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines()) == len(garbage)


def test_a_broken_parser_pool_flags_documents_and_the_run_goes_on(
    tmp_path: Path, clean_form: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intake.isolate import DocumentParser

    def broken(self: Any, docs: Any, **kwargs: Any) -> Any:
        raise BrokenPipeError("worker pipe closed")

    monkeypatch.setattr(DocumentParser, "parse_all", broken)
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", standard_mails(clean_form)[:1]))
    assert run_intake(cfg).processed == 1
    with Store(cfg.data_dir) as store:
        (rec,) = store.load_records()
    assert {a.status for a in rec.attachments} == {"unreadable"}
    assert {"unreadable_attachment", "no_form_found"} <= codes(rec.flags)


def test_rerun_after_a_rule_change_replaces_results(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "mail", [make_mail(1, at(16, 12)), make_mail(2, at(10))])
    run_intake(config_for(tmp_path, box))
    stricter = build_config(
        {
            **_raw_config(box),
            "intake": {**_raw_config(box)["intake"], "deadline": "2024-12-15T23:59:59+08:00"},
        },
        base_dir=tmp_path,
    )
    assert run_intake(stricter).processed == 0  # `run` only looks at new mail
    summary = run_intake(stricter, mode="rerun", since=date(2024, 12, 16), until=date(2024, 12, 16))
    assert (summary.processed, summary.changed) == (1, 1)
    with Store(stricter.data_dir) as store:
        recs = by_subject(store.load_records())
        assert "late" in codes(recs["1"].flags) and "late" not in codes(recs["2"].flags)
        assert (
            store.get_identity(recs["1"].key).rules_version != store.get_identity(recs["2"].key).rules_version
        )
    assert '"late"' in stricter.report.export_jsonl.read_text(encoding="utf-8")


def _raw_config(box: Path) -> dict[str, Any]:
    return {
        "mailbox": {"kind": "maildir", "path": str(box), "batch_size": 3},
        "intake": {
            "deadline": "2024-12-17T23:59:59+08:00",
            "training_end_limit": "2025-10-31",
            "data_dir": "data",
            "workers": 1,
        },
        "report": {
            "workbook": "out/申报汇总.xlsx",
            "summary_html": "out/summary.html",
            "export_jsonl": "out/export.jsonl",
        },
    }


def test_an_empty_message_from_the_server_is_recorded_as_failed(tmp_path: Path) -> None:
    cfg = config_for(tmp_path, tmp_path)
    box = FakeImap([make_mail(1, at(10)), b"", make_mail(3, at(10))])
    summary = run_intake(cfg, mailbox=box)
    assert (summary.new, summary.failed, summary.exit_code) == (3, 1, 3)
    with Store(cfg.data_dir) as store:
        recs = {r.uid: r for r in store.load_records()}
    assert recs[2].outcome == "failed" and codes(recs[2].flags) == {"processing_failed"}
    assert run_intake(cfg, mailbox=box).processed == 0  # not retried forever


# ---------------------------------------------------------------- large messages (issue 15)


def test_a_large_message_is_processed_from_disk_and_one_over_the_limit_is_flagged_not_loaded(
    tmp_path: Path, clean_form: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import intake.maildir

    fields, docx, pdf = clean_form
    big = make_mail(1, at(10), [("申报表.docx", docx, DOCX), ("申报表.pdf", pdf, "application/pdf")])
    huge = make_mail(2, at(11), [("扫描件.pdf", pdf + b"\0" * 3_000_000, "application/pdf")])
    monkeypatch.setattr(intake.maildir, "SPOOL_BYTES", 10_000)  # every mail here goes by path
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", [big, huge]))
    cfg = replace(cfg, mailbox=replace(cfg.mailbox, max_message_mb=2))
    summary = run_intake(cfg)
    assert (summary.processed, summary.failed, summary.exit_code) == (2, 0, 0)
    with Store(cfg.data_dir) as store:
        recs = by_subject(store.load_records())
    assert recs["1"].forms[0].fields.to_json()["project_name"] == fields["project_name"]
    assert {a.status for a in recs["1"].attachments} == {"parsed"}
    assert codes(recs["2"].flags) == {"message_too_large"}  # not "no attachment": the office's limit
    (flag,) = recs["2"].flags
    assert flag.detail.endswith(" MB，上限 2.0 MB") and not recs["2"].attachments
    assert list((cfg.data_dir / "tmp").iterdir()) == []


def test_an_attachment_over_the_limit_is_listed_with_its_hash_not_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    import intake.stages

    blob = os.urandom(300_000)
    monkeypatch.setattr(intake.stages, "LIMITS", replace(intake.stages.LIMITS, max_attachment_bytes=100_000))
    cfg = config_for(
        tmp_path,
        write_maildir(tmp_path / "mail", [make_mail(1, at(10), [("大.pdf", blob, "application/pdf")])]),
    )
    run_intake(cfg)
    with Store(cfg.data_dir) as store:
        (rec,) = store.load_records()
    (att,) = rec.attachments
    assert (att.status, att.sha256, att.size, att.archive_path) == (
        "unreadable",
        hashlib.sha256(blob).hexdigest(),
        len(blob),
        None,
    )
    assert att.detail == "附件过大（0.3 MB，上限 0.1 MB），未处理"
