"""Notices on the demo mailbox (no server: drafts go to the Maildir's own .Drafts), and the notify CLI."""

from __future__ import annotations

import email
import shutil
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from intake.cli import demo_config, main
from samples.demo import build_demo_mailbox, demo_mails, message_id

# The two earlier submissions of 湖北工业大学 are replaced by its 【更正】 mail, whose notice is the one
# that counts; every other demo mail (a question without attachment included) is answered.
SUPERSEDED = {"resubmit-1", "gbk-zip"}
CORRECTIONS = {
    "missing-fields",
    "both-funding",
    "training-after-limit",
    "self-funded-no-source",
    "word-only",
    "pdf-only",
    "corrupt-docx",
    "scan-no-seal",
    "scan-only",
    "question",
    "cover-letter-only",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    from intake.notify import notify
    from intake.run import run_intake

    base = tmp_path_factory.mktemp("demo-notify")
    build_demo_mailbox(base / "mailbox")
    config = demo_config(base)
    assert run_intake(config).exit_code == 0
    return config, notify(config)


def drafts(config: Any) -> dict[str, email.message.EmailMessage]:
    folder = config.mailbox.path / ".Drafts" / "cur"
    out = {}
    for path in folder.iterdir():
        assert path.name.endswith(":2,DS")  # Maildir flags: Draft, Seen
        msg = email.message_from_bytes(path.read_bytes(), policy=default)
        out[msg["In-Reply-To"]] = msg
    return out


@pytest.mark.slow
def test_every_demo_mail_that_should_be_answered_gets_one_notice(demo: tuple[Any, Any]) -> None:
    config, result = demo
    mails = demo_mails()
    assert (result.done, result.failed, result.skipped) == (len(mails) - len(SUPERSEDED), 0, len(SUPERSEDED))
    found = drafts(config)
    assert len(found) == result.done
    for mail in mails:
        notice = found.get(message_id(mail))
        if mail.slug in SUPERSEDED:
            assert notice is None, mail.slug
            continue
        assert notice is not None, mail.slug
        assert notice["To"].addresses[0].addr_spec == mail.sender_addr
        text = notice.get_content()
        kind = "【补正通知】" if mail.slug in CORRECTIONS else "【回执】"
        assert kind in text, (mail.slug, text)
        if mail.slug.startswith("ok-") or mail.slug == "city-batch":
            assert text.count("材料齐全") == (3 if mail.slug == "city-batch" else 1), mail.slug
        if "late" in mail.notes:
            assert "已超过申报截止时间" in text, mail.slug
    assert "请核对" in found[message_id(_slug("scan-no-seal"))].get_content()
    grey = found[message_id(_slug("grayscale-scan"))].get_content()
    assert "材料齐全" not in grey and "工作人员进一步核对" in grey and "公章" not in grey


@pytest.mark.slow
def test_a_second_notify_on_the_demo_drafts_nothing_and_the_workbook_shows_the_drafts(
    demo: tuple[Any, Any],
) -> None:
    from openpyxl import load_workbook

    from intake.notify import notify

    config, first = demo
    again = notify(config)
    assert (again.done, again.already) == (0, first.done)
    assert len(drafts(config)) == first.done
    wb = load_workbook(config.report.workbook, read_only=True)
    header, *rows = list(wb["通知"].iter_rows(values_only=True))
    wb.close()
    status = header.index("状态")
    assert sorted(r[status] for r in rows).count("草稿") == first.done
    assert sum(r[status] == "未生成" for r in rows) == len(SUPERSEDED)


def _slug(slug: str) -> Any:
    return next(m for m in demo_mails() if m.slug == slug)


# ---------------------------------------------------------------- the command line


@pytest.fixture
def stored_demo(tmp_path: Path, demo: tuple[Any, Any]) -> Path:
    """A copy of the demo's data with a config file, before any notice (the ledger emptied)."""
    import sqlite3

    config, _ = demo
    shutil.copytree(config.data_dir, tmp_path / "data")
    shutil.copytree(config.mailbox.path, tmp_path / "mailbox", ignore=shutil.ignore_patterns(".Drafts"))
    db = sqlite3.connect(tmp_path / "data" / "intake.sqlite")
    with db:
        db.execute("DELETE FROM notices")
    db.close()
    (tmp_path / "config.toml").write_text(
        '[mailbox]\nkind = "maildir"\npath = "mailbox"\nusername = "hbzsgx@163.com"\n'
        '[intake]\ndeadline = "2024-12-17T23:59:59+08:00"\ntraining_end_limit = "2025-10-31"\n'
        'data_dir = "data"\n',
        encoding="utf-8",
    )
    return tmp_path / "config.toml"


@pytest.mark.slow
def test_notify_dry_run_prints_every_notice_and_drafts_nothing(stored_demo: Path) -> None:
    result = CliRunner().invoke(main, ["notify", "--dry-run", "-q", "--config", str(stored_demo)])
    assert result.exit_code == 0, result.output
    n = len(demo_mails()) - len(SUPERSEDED)
    assert result.output.count("----- ") == n and f"{n} notice(s) due" in result.output
    assert "To: 陈静 <3127765501@qq.com>" in result.output
    assert not (stored_demo.parent / "mailbox" / ".Drafts").exists()


@pytest.mark.slow
def test_notify_preview_of_a_mail_and_of_a_form(stored_demo: Path) -> None:
    import sqlite3

    mid = message_id(_slug("word-only"))
    result = CliRunner().invoke(main, ["notify", "--preview", mid, "-q", "--config", str(stored_demo)])
    assert result.exit_code == 0, result.output
    assert "补正通知" in result.output and "缺少盖章扫描 PDF 版申报表" in result.output
    db = sqlite3.connect(stored_demo.parent / "data" / "intake.sqlite")
    form_id = db.execute(
        "SELECT form_id FROM forms JOIN messages ON key = message_key WHERE message_id = ?", (mid,)
    ).fetchone()[0]
    db.close()
    by_form = CliRunner().invoke(main, ["notify", "--preview", form_id, "-q", "--config", str(stored_demo)])
    assert by_form.output == result.output
    old = CliRunner().invoke(
        main, ["notify", "--preview", message_id(_slug("resubmit-1")), "-q", "--config", str(stored_demo)]
    )
    assert old.exit_code == 0 and "no notice" in old.output and "替代" in old.output
    missing = CliRunner().invoke(main, ["notify", "--preview", "nope", "-q", "--config", str(stored_demo)])
    assert missing.exit_code == 1 and "no stored mail or form matches 'nope'" in missing.output


def test_send_is_refused_where_it_cannot_apply(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[mailbox]\nkind = "maildir"\npath = "mb"\nusername = "hbzsgx@163.com"\n'
        '[intake]\ndeadline = "2024-12-17T23:59:59+08:00"\ntraining_end_limit = "2025-10-31"\n',
        encoding="utf-8",
    )
    drafted = CliRunner().invoke(main, ["notify", "--send", "--config", str(path)])
    assert drafted.exit_code == 1 and 'needs notify.mode = "smtp"' in drafted.output
    usage = CliRunner().invoke(main, ["run", "--send", "--config", str(path)])
    assert usage.exit_code == 2 and "--send is for --notify" in usage.output
