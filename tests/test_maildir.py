"""Maildir / .eml folder source: stable ids, receipt time, folders, read-only."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from intake.maildir import MaildirMailbox, receipt_time, stable_uid

RECEIVED = b"Received: from a.example by mx.163.com; Tue, 17 Dec 2024 16:30:00 +0000\r\n"
MAIL = RECEIVED + b"Received: from b by a; Tue, 17 Dec 2024 10:00:00 +0000\r\nSubject: x\r\n\r\nbody\r\n"


def tree(root: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime) for p in sorted(root.rglob("*"))}


def maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    return root


def test_receipt_time_is_topmost_received_header_else_mtime() -> None:
    assert receipt_time(MAIL, 0) == datetime(2024, 12, 17, 16, 30, tzinfo=UTC)
    assert receipt_time(b"Subject: none\r\n\r\nx", 86400.0) == datetime(1970, 1, 2, tzinfo=UTC)
    garbled = b"Received: no date here\r\n\r\n"
    assert receipt_time(garbled, 0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_uid_survives_flag_change_and_move_to_cur(tmp_path: Path) -> None:
    root = maildir(tmp_path / "m")
    (root / "new" / "1734.M1P1.host").write_bytes(MAIL)
    box = MaildirMailbox(root)
    first = box.list_uids("INBOX")
    os.rename(root / "new" / "1734.M1P1.host", root / "cur" / "1734.M1P1.host:2,S")
    second = MaildirMailbox(root).list_uids("INBOX")
    assert first == second and first.uids == (stable_uid("1734.M1P1.host"),)
    assert 0 < first.uidvalidity < 2**31 and first.uids[0] < 2**48


def test_fetch_yields_bytes_and_receipt_time_without_touching_the_mailbox(tmp_path: Path) -> None:
    root = maildir(tmp_path / "m")
    (root / "cur" / "a:2,").write_bytes(MAIL)
    (root / "new" / "b").write_bytes(b"Subject: y\r\n\r\nz")
    (root / "tmp" / "c").write_bytes(b"being delivered")
    before = tree(root)
    with MaildirMailbox(root) as box:
        listing = box.list_uids("INBOX")
        got = list(box.fetch("INBOX", listing.uids))
        for raw in got:
            box.after_commit(raw.ref)
    assert len(got) == 2  # tmp/ is never read
    assert {r.data for r in got} == {MAIL, b"Subject: y\r\n\r\nz"}
    assert all(r.internal_date.tzinfo is not None for r in got)
    assert tree(root) == before


def test_folder_of_eml_files_and_subfolders(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(MAIL)
    (tmp_path / "notes.txt").write_text("not mail")
    spam = maildir(tmp_path / ".垃圾邮件")
    (spam / "cur" / "s1:2,").write_bytes(MAIL)
    box = MaildirMailbox(tmp_path, ["INBOX", "垃圾邮件", "Missing"])
    assert box.folders() == ["INBOX", "垃圾邮件"]
    assert box.list_uids("INBOX").uids == (stable_uid("a.eml"),)
    assert len(box.list_uids("垃圾邮件").uids) == 1
    assert box.list_uids("INBOX").uidvalidity != box.list_uids("垃圾邮件").uidvalidity
    assert box.list_uids("Missing").uids == ()


def test_date_range_listing_is_a_superset(tmp_path: Path) -> None:
    root = maildir(tmp_path / "m")
    (root / "cur" / "a").write_bytes(MAIL)  # 18 Dec 00:30 in Beijing
    box = MaildirMailbox(root)
    assert box.list_uids("INBOX", since=date(2024, 12, 18), before=date(2024, 12, 19)).uids
    assert box.list_uids("INBOX", since=date(2024, 12, 17), before=date(2024, 12, 18)).uids
    assert not box.list_uids("INBOX", since=date(2024, 12, 25)).uids
    assert not box.list_uids("INBOX", after_uid=2**48).uids


def test_unreadable_file_is_skipped_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = maildir(tmp_path / "m")
    (root / "cur" / "a").write_bytes(MAIL)
    (root / "cur" / "b").write_bytes(MAIL)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "b":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    box = MaildirMailbox(root)
    got = list(box.fetch("INBOX", box.list_uids("INBOX").uids))
    assert [r.ref.uid for r in got] == [stable_uid("a")]
