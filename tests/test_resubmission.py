"""Resubmissions a reviewer would agree with (intake.resubmission), as rules and through whole runs.

Mail-level cases run the real pipeline on a Maildir; the forms are written by tests/writers (Word as raw
WordprocessingML, the stamped PDF drawn by reportlab), never by the project's own generators.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from intake.resubmission import COMPLETED, MERGED, SUPERSEDED, FormKey, Link, links
from intake.run import run_intake
from intake.store import Store
from tests.test_run import config_for, write_maildir
from tests.writers import rl_pdf, values, wordml

BJ = ZoneInfo("Asia/Shanghai")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def key(
    fid: str,
    msg: str,
    day: int,
    project: str | None,
    *,
    unit: str = "甲学会",
    sender: str = "a@x.cn",
    subject: str = "",
    word: bool = True,
    pdf: bool = True,
) -> FormKey:
    return FormKey(
        fid, msg, sender, datetime(2024, 12, day, 10, tzinfo=BJ), unit, project, unit, subject, word, pdf
    )


# ---------------------------------------------------------------- the rule


def test_later_mail_same_unit_same_project_supersedes() -> None:
    got = links(
        [key("a", "m1", 10, "智能制造高级研修班"), key("b", "m2", 12, "智能制造 高级研修班", sender="b@y.cn")]
    )
    assert got == {"a": Link(SUPERSEDED, "b")}


def test_correction_with_slightly_changed_name_supersedes() -> None:
    a = key("a", "m1", 10, "智能制造高级研修班")
    b = key("b", "m2", 12, "智能制造技术应用高级研修班", subject="更正：申报表（以此为准）")
    assert links([a, b]) == {"a": Link(SUPERSEDED, "b")}
    # without a word saying it corrects, a changed name is another project
    assert links([a, key("b", "m2", 12, "智能制造技术应用高级研修班", subject="申报表")]) == {}


def test_two_projects_of_one_unit_never_supersede_each_other() -> None:
    a = key("a", "m1", 10, "人工智能高级研修班")
    b = key("b", "m2", 12, "数字乡村高级研修班", subject="修改后的申报表")
    assert links([a, b]) == {}


def test_follow_up_with_the_missing_pdf_completes_not_supersedes() -> None:
    a = key("a", "m1", 10, "智能制造高级研修班", pdf=False)
    b = key("b", "m2", 11, "智能制造高级研修班", word=False, subject="补发盖章PDF")
    assert links([a, b]) == {"a": Link(COMPLETED, "b"), "b": Link(MERGED, "a")}


def test_follow_up_with_the_missing_word_completes() -> None:
    a = key("a", "m1", 10, "智能制造高级研修班", word=False)
    b = key("b", "m2", 11, "智能制造高级研修班", pdf=False, subject="补发Word")
    assert links([a, b]) == {"a": Link(COMPLETED, "b"), "b": Link(MERGED, "a")}


def test_unreadable_scan_completes_the_one_form_waiting_for_it() -> None:
    a = key("a", "m1", 10, "智能制造高级研修班", pdf=False)
    b = key("b", "m2", 11, None, word=False, subject="补发")
    assert links([a, b]) == {"a": Link(COMPLETED, "b"), "b": Link(MERGED, "a")}
    two = [a, key("c", "m3", 10, "数字乡村高级研修班", pdf=False), key("b", "m2", 11, None, word=False)]
    assert links(two) == {}  # it could complete either: a human decides


def test_a_completed_form_resubmitted_later_is_superseded_whole() -> None:
    a = key("a", "m1", 10, "智能制造高级研修班", pdf=False)
    b = key("b", "m2", 11, "智能制造高级研修班", word=False)
    c = key("c", "m3", 13, "智能制造高级研修班", subject="重新提交")
    assert links([c, b, a]) == {"a": Link(SUPERSEDED, "c"), "b": Link(SUPERSEDED, "c")}


def test_the_rule_is_data() -> None:
    from intake.resubmission import POLICY

    assert "更正" in POLICY.correction_words and "补发" in POLICY.completion_words
    assert 0 < POLICY.corrected_name_ratio < 1


# ---------------------------------------------------------------- whole runs


def _mail(
    n: int, day: int, subject: str, files: list[tuple[str, bytes, str]], sender: str = "xuehui@163.com"
) -> bytes:
    received = datetime(2024, 12, day, 10, n, tzinfo=BJ)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "hbzsgx@163.com", subject
    msg["Message-ID"], msg["Date"] = f"<r{n}@example.cn>", format_datetime(received)
    msg.set_content("附件为申报材料。")
    for name, data, ctype in files:
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return f"Received: from mx by mx.163.com; {format_datetime(received)}\r\n".encode() + msg.as_bytes()


def _word(v: dict[str, Any]) -> tuple[str, bytes, str]:
    return ("申报表.docx", wordml.form_docx(v, "glyph"), DOCX)


def _pdf(v: dict[str, Any]) -> tuple[str, bytes, str]:
    return ("申报表盖章版.pdf", rl_pdf.form_pdf(v, "glyph"), "application/pdf")


def _run(tmp_path: Path, mails: list[bytes]) -> list[Any]:
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", mails))
    run_intake(cfg)
    with Store(cfg.data_dir) as store:
        return [f for r in store.load_records() for f in r.forms]


def _codes(form: Any) -> set[str]:
    return {f.code for f in form.flags}


def test_run_follow_up_pdf_gives_one_complete_form(tmp_path: Path) -> None:
    v = values.values(21)
    forms = _run(tmp_path, [_mail(1, 12, "申报表", [_word(v)]), _mail(2, 13, "补发盖章PDF", [_pdf(v)])])
    current = [f for f in forms if f.superseded_by is None]
    assert len(current) == 1
    [whole] = current
    assert "missing_pdf" not in _codes(whole) and "completed" in _codes(whole)
    assert whole.sources == ("申报表.docx", "申报表盖章版.pdf")
    follow_up = next(f for f in forms if f.superseded_by is not None)
    assert follow_up.superseded_by == whole.form_id and "merged" in _codes(follow_up)


def test_run_follow_up_word_completes_the_pdf(tmp_path: Path) -> None:
    v = values.values(22)
    forms = _run(tmp_path, [_mail(1, 12, "申报材料", [_pdf(v)]), _mail(2, 13, "补发Word版", [_word(v)])])
    [whole] = [f for f in forms if f.superseded_by is None]
    assert "missing_word" not in _codes(whole) and "completed" in _codes(whole)


def test_run_correction_mail_supersedes(tmp_path: Path) -> None:
    v = values.values(23)
    corrected = {**v, "project_name": v["project_name"].replace("高级研修班", "技术高级研修班")}
    forms = _run(
        tmp_path,
        [
            _mail(1, 12, "申报表", [_word(v), _pdf(v)]),
            _mail(2, 14, "更正：申报表", [_word(corrected), _pdf(corrected)]),
        ],
    )
    old = next(f for f in forms if f.fields.project_name == v["project_name"])
    new = next(f for f in forms if f.fields.project_name == corrected["project_name"])
    assert old.superseded_by == new.form_id and "superseded" in _codes(old)
    assert new.superseded_by is None and not _codes(new) & {"superseded", "merged", "completed"}


def test_run_two_projects_of_one_unit_stay_two(tmp_path: Path) -> None:
    v1, v2 = values.values(24), values.values(25)
    v2 = {**v2, "applicant": v1["applicant"], "declared_org": v1["declared_org"]}
    if v2["project_name"] == v1["project_name"]:
        pytest.skip("the generator drew the same project")
    forms = _run(
        tmp_path,
        [
            _mail(1, 12, "申报表", [_word(v1), _pdf(v1)]),
            _mail(2, 13, "申报表（第二个项目）", [_word(v2), _pdf(v2)]),
        ],
    )
    assert len(forms) == 2 and all(f.superseded_by is None for f in forms)


def test_notices_of_a_follow_up_state_the_joined_form(tmp_path: Path) -> None:
    """The first mail is told the stamped PDF is missing; the follow-up that brings it is answered with
    the joined form (both files, no "missing PDF"), never as a form that was "replaced"."""
    from dataclasses import replace as dc_replace

    from intake.notify import plan_notices

    v = values.values(25)
    first_mail = _mail(1, 12, "申报表", [_word(v)])
    cfg = config_for(tmp_path, write_maildir(tmp_path / "mail", [first_mail]))
    cfg = dc_replace(cfg, notify=dc_replace(cfg.notify, from_address="hbzsgx@163.com"))
    now = datetime(2024, 12, 14, tzinfo=BJ)
    run_intake(cfg)
    with Store(cfg.data_dir) as store:
        [first] = plan_notices(cfg, store, now=now)[0]
    assert first.notice.kind == "correction" and "· 缺少盖章扫描 PDF 版申报表" in first.body

    write_maildir(tmp_path / "mail", [first_mail, _mail(2, 13, "补发盖章PDF", [_pdf(v)])])
    run_intake(cfg)
    with Store(cfg.data_dir) as store:
        due, skips, _ = plan_notices(cfg, store, now=now)
    assert skips == []
    follow_up = next(p for p in due if p.notice.original_subject == "补发盖章PDF")
    [form] = follow_up.notice.forms
    assert form.merged and not form.superseded
    assert form.files == ("申报表.docx", "申报表盖章版.pdf")
    assert "缺少盖章扫描 PDF 版申报表" not in follow_up.body and "替代" not in follow_up.body
    assert "已与您此前报送的同一申报表合并为一份" in follow_up.body
    # this writer's PDF carries no red seal: the one item left is worded as a check, not a fact
    assert form.fixes == () and form.checks == ("PDF 中未检测到红色公章（申报表盖章版.pdf）",)
