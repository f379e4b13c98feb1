"""Notices without a server: what is decided and said (intake.notice), how it goes out as mail
(intake.notice_mime, parsed back by the project's MIME reader and by Python's email package), and the
[notify] config section."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.fields import FormFields
from core.flags import Flag, describe
from core.records import FormRecord, MessageRecord
from intake.config import ConfigError, build_config
from intake.mime import parse_mail
from intake.notice import Notice, Skip, compose, mail_identity, render_body, reply_subject
from intake.notice_mime import build_message, read_headers
from intake.notify_config import NotifyConfig

BJ = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime(2024, 12, 17, 23, 59, 59, tzinfo=BJ)
BEFORE = datetime(2024, 12, 16, 10, 0, tzinfo=BJ)


def config(**notify: Any) -> Any:
    data = {
        "mailbox": {"kind": "maildir", "path": "mb", "username": "hbzsgx@163.com"},
        "intake": {"deadline": "2024-12-17T23:59:59+08:00", "training_end_limit": "2025-10-31"},
        "notify": {"contact": "专技处 027-87654321", **notify},
    }
    return build_config(data, base_dir=Path("/tmp"))


def form(*flags: Flag, superseded: str | None = None, project: str = "智能建造高级研修班") -> FormRecord:
    return FormRecord(
        form_id="f1",
        message_key="INBOX/1/7",
        sources=("申报表.docx", "申报表.pdf"),
        fields=FormFields.build(
            {"project_name": project, "declared_org": "湖北工业大学", "applicant.name": "湖北工业大学"}
        ),
        flags=flags,
        superseded_by=superseded,
    )


def record(
    *forms: FormRecord, flags: tuple[Flag, ...] = (), outcome: str = "flagged", **kw: Any
) -> MessageRecord:
    values: dict[str, Any] = {
        "key": "INBOX/1/7",
        "message_id": "<orig-1@hbut.edu.cn>",
        "folder": "INBOX",
        "uidvalidity": 1,
        "uid": 7,
        "sender": "杨磊 <yanglei@hbut.edu.cn>",
        "subject": "湖北工业大学高级研修项目申报",
        "received_at": datetime(2024, 12, 16, 9, 50, tzinfo=BJ),
        "date_header": None,
        "attachments": (),
        "forms": forms,
        "flags": flags,
        "outcome": outcome,
        "extra": {"raw_sha256": "ab" * 32, "raw_path": "files/x.eml"},
    }
    values.update(kw)
    return MessageRecord(**values)


def raw_mail(
    *, extra: dict[str, str] | None = None, sender: str = "杨磊 <yanglei@hbut.edu.cn>", subject: str = "申报"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = subject
    msg["Message-ID"] = "<orig-1@hbut.edu.cn>"
    msg["References"] = "<a@x.cn> <b@x.cn>"
    for name, value in (extra or {}).items():
        msg[name] = value
    msg.set_content("附件为申报表")
    return msg.as_bytes()


def notice_for(rec: MessageRecord, raw: bytes | None = None, **notify: Any) -> Notice | Skip:
    cfg = config(**notify)
    return compose(rec, read_headers(raw or raw_mail()), cfg.notify, tz=BJ)


def body(n: Notice | Skip, now: datetime = BEFORE, **notify: Any) -> str:
    assert isinstance(n, Notice), n
    return render_body(n, config(**notify).notify, deadline=DEADLINE, now=now, tz=BJ)


# ---------------------------------------------------------------- what is said


def test_a_complete_form_gets_a_receipt_saying_materials_complete() -> None:
    n = notice_for(record(form(), outcome="ok"))
    assert isinstance(n, Notice) and n.kind == "receipt"
    text = body(n)
    assert "【回执】" in text and "材料齐全" in text and "2024-12-16 09:50（北京时间）" in text
    assert "智能建造高级研修班" in text and "申报表.docx、申报表.pdf" in text
    assert "专技处 027-87654321" in text
    assert "需要补正" not in text and "回复本邮件" not in text


def test_a_missing_pdf_is_stated_as_a_fix_with_how_to_resubmit() -> None:
    n = notice_for(record(form(Flag("missing_pdf"), Flag("missing_field", "授课专家情况"))))
    assert isinstance(n, Notice) and n.kind == "correction"
    text = body(n)
    assert "【补正通知】" in text and "需要补正" in text
    assert "· 缺少盖章扫描 PDF 版申报表" in text and "· 未填写：授课专家情况" in text
    assert "请于 2024年12月17日 23:59（北京时间）前直接回复本邮件" in text
    assert "材料齐全" not in text


def test_uncertain_evidence_is_worded_as_please_check_never_as_a_fact() -> None:
    n = notice_for(record(form(Flag("stamp_missing", "申报表.pdf"), Flag("choice_unclear", "申报项目类别"))))
    text = body(n)
    assert "请核对" in text and "PDF 中未检测到红色公章（申报表.pdf）" in text
    checks = text.split("请核对", 1)[1]
    assert describe(Flag("choice_unclear", "申报项目类别")) in checks
    assert "choice_unclear" not in text  # a code never reaches an applicant
    assert "需要补正" not in text and "材料齐全" not in text


def test_staff_items_are_not_mentioned_and_the_form_is_not_called_complete() -> None:
    n = notice_for(record(form(Flag("stamp_unverifiable", "scan.pdf"), Flag("ocr_value", "项目名称"))))
    assert isinstance(n, Notice) and n.kind == "receipt"
    text = body(n)
    assert "公章无法" not in text and "ocr_value" not in text  # an unknown code is never stated
    assert "工作人员进一步核对" in text and "材料齐全" not in text


def test_actions_are_configurable_per_code() -> None:
    rec = record(form(Flag("stamp_missing", "申报表.pdf")))
    as_fact = body(notice_for(rec, codes={"stamp_missing": "fix"}), codes={"stamp_missing": "fix"})
    assert "需要补正" in as_fact.split("PDF 中未检测到")[0]
    held = notice_for(rec, codes={"stamp_missing": "no_notice"})
    assert isinstance(held, Skip) and "未见公章" in held.reason


def test_late_mail_gets_the_office_wording_not_a_refusal() -> None:
    late = record(
        form(), flags=(Flag("late", "2024-12-18 00:05"),), received_at=datetime(2024, 12, 18, 0, 5, tzinfo=BJ)
    )
    text = body(notice_for(late), late_text="逾期：{{ received }} 收到，截止 {{ deadline }}。")
    assert "逾期：2024-12-18 00:05 收到，截止 2024年12月17日 23:59。" in text
    assert "回复本邮件" not in text
    default_text = body(notice_for(late))
    assert "已超过申报截止时间" in default_text and "另行告知" in default_text


def test_after_the_deadline_a_correction_does_not_promise_a_resubmission_window() -> None:
    text = body(notice_for(record(form(Flag("missing_pdf")))), now=datetime(2024, 12, 20, tzinfo=BJ))
    assert "已过" in text and "回复本邮件" not in text


def test_a_mail_without_a_form_is_told_so() -> None:
    text = body(notice_for(record(flags=(Flag("no_attachment"),))))
    assert "没有识别到申报表" in text and "邮件没有附件" in text


def test_the_office_template_replaces_the_default(tmp_path: Path) -> None:
    tpl = tmp_path / "mine.txt.j2"
    tpl.write_text(
        "{{ title }}|{{ salutation }}|{% for f in forms %}{{ f.project }}{% endfor %}|{{ contact }}",
        encoding="utf-8",
    )
    text = body(notice_for(record(form())), template=str(tpl))
    assert text == "回执|湖北工业大学|智能建造高级研修班|专技处 027-87654321\n"


def test_a_template_error_is_one_clear_error(tmp_path: Path) -> None:
    from intake.notice import NoticeError

    tpl = tmp_path / "bad.txt.j2"
    tpl.write_text("{{ no_such_thing }}", encoding="utf-8")
    with pytest.raises(NoticeError, match=r"bad\.txt\.j2"):
        body(notice_for(record(form())), template=str(tpl))


def test_the_template_is_sandboxed(tmp_path: Path) -> None:
    from intake.notice import NoticeError

    tpl = tmp_path / "evil.txt.j2"
    tpl.write_text("{{ forms.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    with pytest.raises(NoticeError):
        body(notice_for(record(form())), template=str(tpl))


# ---------------------------------------------------------------- who is not answered


@pytest.mark.parametrize(
    "headers, subject, sender",
    [
        ({"Auto-Submitted": "auto-replied"}, "申报", "杨磊 <yanglei@hbut.edu.cn>"),
        ({"Precedence": "bulk"}, "申报", "杨磊 <yanglei@hbut.edu.cn>"),
        ({"X-Autoreply": "yes"}, "申报", "杨磊 <yanglei@hbut.edu.cn>"),
        ({"Return-Path": "<>"}, "申报", "杨磊 <yanglei@hbut.edu.cn>"),
        ({"List-Id": "<news.example.cn>"}, "申报", "杨磊 <yanglei@hbut.edu.cn>"),
        ({}, "自动回复：关于申报", "杨磊 <yanglei@hbut.edu.cn>"),
        ({}, "Out of Office: 申报", "杨磊 <yanglei@hbut.edu.cn>"),
        ({}, "系统退信", "MAILER-DAEMON <mailer-daemon@163.com>"),
        ({}, "申报", "专技处 <HBZSGX@163.com>"),
    ],
)
def test_machines_lists_and_the_office_itself_are_never_answered(
    headers: dict[str, str], subject: str, sender: str
) -> None:
    raw = raw_mail(extra=headers, subject=subject, sender=sender)
    assert isinstance(notice_for(record(form()), raw), Skip)


def test_auto_submitted_no_is_a_person() -> None:
    assert isinstance(notice_for(record(form()), raw_mail(extra={"Auto-Submitted": "no"})), Notice)


def test_failed_processing_and_fully_superseded_mail_get_no_notice() -> None:
    failed = record(flags=(Flag("processing_failed", "boom"),), outcome="failed")
    assert isinstance(notice_for(failed), Skip)
    assert isinstance(notice_for(record(form(superseded="f2"))), Skip)


def test_reply_to_is_answered_before_from() -> None:
    n = notice_for(record(form()), raw_mail(extra={"Reply-To": "=?utf-8?b?5byg5LiJ?= <Zhang@Unit.cn>"}))
    assert isinstance(n, Notice) and (n.to_addr, n.to_name) == ("zhang@unit.cn", "张三")


def test_identity_and_notice_message_id_are_stable() -> None:
    a, b = notice_for(record(form())), notice_for(record(form()))
    assert isinstance(a, Notice) and isinstance(b, Notice)
    assert a.message_id == b.message_id and a.message_id.endswith("@163.com>")
    assert a.identity == mail_identity(record(form())) == "mid:<orig-1@hbut.edu.cn>"
    c = notice_for(record(form(Flag("missing_pdf"))))
    assert isinstance(c, Notice) and c.message_id != a.message_id  # what it says is part of its id
    assert mail_identity(record(form(), message_id=None)) == "sha:" + "ab" * 32


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("申报材料", "Re: 申报材料"),
        ("Re: 申报材料", "Re: 申报材料"),
        ("回复：申报", "回复：申报"),
        ("", "Re: 申报材料"),
        ("a\n b", "Re: a b"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


# ---------------------------------------------------------------- as mail, parsed back


def test_the_notice_mail_is_threaded_encoded_and_readable_by_both_parsers() -> None:
    cfg = config().notify
    n = notice_for(record(form(Flag("missing_pdf"))))
    assert isinstance(n, Notice)
    text = body(n)
    data = build_message(n, text, cfg, now=datetime(2024, 12, 16, 2, 0, tzinfo=UTC))
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"\r\nSubject: Re: =?utf-8?b?" in head  # RFC 2047 encoded words, CRLF lines
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))

    parsed = email.message_from_bytes(data, policy=default)
    assert parsed["Subject"] == "Re: 湖北工业大学高级研修项目申报"
    assert parsed["In-Reply-To"] == "<orig-1@hbut.edu.cn>"
    assert parsed["References"].split() == ["<a@x.cn>", "<b@x.cn>", "<orig-1@hbut.edu.cn>"]
    assert parsed["To"].addresses[0].addr_spec == "yanglei@hbut.edu.cn"
    assert parsed["To"].addresses[0].display_name == "杨磊"
    assert parsed["From"].addresses[0].addr_spec == "hbzsgx@163.com"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["Message-ID"] == n.message_id
    assert parsed.get_content_type() == "text/plain" and parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().replace("\r\n", "\n") == text  # canonical CRLF inside the text

    ours = parse_mail(data)
    assert ours.subject == "Re: 湖北工业大学高级研修项目申报"
    assert ours.sender == "省人社厅专技处 <hbzsgx@163.com>"
    assert ours.message_id == n.message_id
    assert ours.body_text.replace("\r\n", "\n") == text and not ours.problems


def test_a_message_id_without_brackets_still_threads_and_a_broken_one_is_left_out() -> None:
    assert notice_for(record(form(), message_id="abc@x.cn")).in_reply_to == "<abc@x.cn>"  # type: ignore[union-attr]
    n = notice_for(record(form(), message_id="not an id"))
    assert isinstance(n, Notice) and n.in_reply_to is None


# ---------------------------------------------------------------- config


def test_notify_defaults_follow_the_mailbox() -> None:
    n = config().notify
    assert isinstance(n, NotifyConfig)
    assert (n.mode, n.send, n.from_address, n.smtp_username) == (
        "draft",
        False,
        "hbzsgx@163.com",
        "hbzsgx@163.com",
    )
    assert "hbzsgx@163.com" in n.own_addresses and n.action("stamp_missing") == "verify"
    assert n.action("a_code_from_the_future") == "staff"


@pytest.mark.parametrize(
    "notify, key",
    [
        ({"mode": "email"}, "notify.mode"),
        ({"codes": {"stamp_missing": "shout"}}, "notify.codes.stamp_missing"),
        ({"from_address": "not an address"}, "notify.from_address"),
        ({"smtp_security": "plain"}, "notify.smtp_security"),
        ({"sendd": True}, "notify.sendd"),
    ],
)
def test_a_bad_notify_key_is_one_line_naming_it(notify: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        config(**notify)
    assert str(err.value).startswith(f"config: {key}:")


# ---------------------------------------------------------------- the ledger in the store


def test_an_older_store_gains_the_ledger_and_a_done_row_is_never_undone(tmp_path: Path) -> None:
    import sqlite3

    from intake.ledger import NoticeLedger
    from intake.store import SCHEMA_VERSION, Store

    old = sqlite3.connect(tmp_path / "intake.sqlite")
    old.execute("PRAGMA user_version=1")
    old.close()
    with Store(tmp_path) as store:
        assert (
            store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
        )  # 3 since the OCR cache (issue 12)
        rec = record(form())
        store.save_message(rec, raw_sha256="ab" * 32, raw_path="files/x.eml", rules_version="v", run_id=1)
        copy = record(form(), key="Junk/1/3", folder="Junk", uid=3)  # the same mail in another folder
        store.save_message(copy, raw_sha256="ab" * 32, raw_path="files/x.eml", rules_version="v", run_id=1)
        ledger = NoticeLedger(store.db)
        n = notice_for(rec)
        assert isinstance(n, Notice)
        when = datetime(2024, 12, 16, 2, 0, tzinfo=UTC)
        ledger.pending(n, "draft", "草稿箱", when)
        assert ledger.get(n.identity).status == "pending" and ledger.states() != {}  # type: ignore[union-attr]
        ledger.done(n.identity, "drafted", when, uid=42)
        ledger.failed(n.identity, "late error")  # cannot undo what the server accepted
        ledger.pending(n, "draft", "草稿箱", when)  # nor can a new attempt
        row = ledger.get(n.identity)
        assert row is not None and (row.status, row.uid, row.error, row.done) == ("drafted", 42, "", True)
        states = ledger.states()
        assert set(states) == {"INBOX/1/7", "Junk/1/3"} and {s.status for s in states.values()} == {"drafted"}


def test_headers_in_raw_gbk_are_read_as_the_pipeline_reads_them() -> None:
    raw = (
        "From: 张三 <z@unit.cn>\r\nReply-To: 李四 <L@Unit.cn>\r\nSubject: 自动回复：收到\r\n\r\nbody".encode(
            "gb18030"
        )
    )
    headers = read_headers(raw)
    assert (headers.reply_to, headers.reply_name) == ("l@unit.cn", "李四")
    assert "自动回复" in headers.automatic
    person = read_headers("From: 张三 <z@unit.cn>\r\nSubject: 申报材料\r\n\r\nbody".encode("gb18030"))
    assert (person.reply_to, person.reply_name, person.automatic) == ("z@unit.cn", "张三", "")
