"""ImapMailbox against a real Dovecot: read-only, receipt times, incremental listing, faults, TLS."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import pytest

from intake.mailbox import ImapMailbox, LoginRefused, MailboxSettingsError, MailboxUnavailable
from tests.dovecot import ImapProxy

pytestmark = pytest.mark.dovecot

BJ = ZoneInfo("Asia/Shanghai")


def mail(subject: str = "申报表", date_header: datetime | None = None, size: int = 0) -> bytes:
    msg = EmailMessage()
    msg["From"] = "申报单位 <unit@example.cn>"
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.cn")
    msg["Date"] = format_datetime(date_header or datetime(2024, 3, 5, 10, 0, tzinfo=BJ))
    msg.set_content("附件为申报表。")
    if size:
        msg.add_attachment(
            b"x" * size, maintype="application", subtype="octet-stream", filename="申报表.docx"
        )
    return msg.as_bytes()


def fetch_all(mb: ImapMailbox, folder: str = "INBOX", after_uid: int = 0) -> list:
    listing = mb.list_uids(folder, after_uid=after_uid)
    return list(mb.fetch(folder, listing.uids))


def test_fetch_changes_no_flag_and_removes_nothing(dovecot):
    user = dovecot.new_user()
    when = datetime(2024, 3, 5, 9, 0, tzinfo=BJ)
    dovecot.append(user, "INBOX", mail("unread"), when)
    dovecot.append(user, "INBOX", mail("read"), when, flags=[b"\\Seen"])
    dovecot.append(user, "INBOX", mail("flagged"), when, flags=[b"\\Flagged"])
    before = dovecot.messages(user)
    with ImapMailbox(dovecot.mailbox_config(user)) as mb:
        got = fetch_all(mb)
        assert [m.ref.uid for m in got] == sorted(before)
        assert all(b"Subject:" in m.data for m in got)
        mb.after_commit(got[0].ref)  # no post_action configured: must do nothing
    assert dovecot.messages(user) == before
    assert before[min(before)] == ()  # the unread one is still unread


def test_internaldate_is_aware_and_exact_at_the_deadline_edges(dovecot):
    user = dovecot.new_user()
    times = [
        datetime(2024, 3, 5, 23, 30, tzinfo=BJ),  # on time
        datetime(2024, 3, 6, 0, 5, tzinfo=BJ),  # five minutes late
        datetime(2024, 3, 5, 16, 30, tzinfo=UTC),  # 00:30 Beijing on the 6th: late
    ]
    lying = datetime(2024, 3, 5, 22, 0, tzinfo=BJ)  # every Date header claims on time
    for t in times:
        dovecot.append(user, "INBOX", mail(date_header=lying), t)
    with ImapMailbox(dovecot.mailbox_config(user)) as mb:
        got = fetch_all(mb)
    received = [m.internal_date for m in got]
    assert all(r.tzinfo is not None and r.utcoffset() is not None for r in received)
    assert received == times  # same instants (aware comparison)
    deadline = datetime(2024, 3, 6, 0, 0, tzinfo=BJ)
    assert [r < deadline for r in received] == [True, False, False]
    assert received[2].astimezone(BJ) == datetime(2024, 3, 6, 0, 30, tzinfo=BJ)


def test_list_uids_is_incremental_despite_the_n_star_trap(dovecot):
    user = dovecot.new_user()
    for i in range(3):
        dovecot.append(user, "INBOX", mail(f"m{i}"), datetime(2024, 3, 1, 9, i, tzinfo=BJ))
    with ImapMailbox(dovecot.mailbox_config(user)) as mb:
        first = mb.list_uids("INBOX")
        assert len(first.uids) == 3 and first.uidvalidity == dovecot.uidvalidity(user)
        last = first.uids[-1]
        assert mb.list_uids("INBOX", after_uid=last).uids == ()  # `UID n:*` would return `last`
        dovecot.append(user, "INBOX", mail("new"), datetime(2024, 3, 2, 9, 0, tzinfo=BJ))
        newer = mb.list_uids("INBOX", after_uid=last)
        assert len(newer.uids) == 1 and newer.uids[0] > last
        assert [m.ref.uid for m in mb.fetch("INBOX", newer.uids)] == list(newer.uids)


def test_since_before_is_a_superset_in_the_office_zone(dovecot):
    user = dovecot.new_user()
    stamps = {
        "early": datetime(2024, 3, 3, 12, 0, tzinfo=BJ),
        "edge_start": datetime(2024, 3, 4, 0, 5, tzinfo=BJ),  # 3 March 16:05 UTC
        "inside": datetime(2024, 3, 5, 12, 0, tzinfo=BJ),
        "edge_end": datetime(2024, 3, 5, 23, 55, tzinfo=BJ),
        "after": datetime(2024, 3, 8, 12, 0, tzinfo=BJ),
    }
    uid_of = {k: dovecot.append(user, "INBOX", mail(k), t) for k, t in stamps.items()}
    with ImapMailbox(dovecot.mailbox_config(user)) as mb:
        listing = mb.list_uids("INBOX", since=date(2024, 3, 4), before=date(2024, 3, 6))
        got = {m.ref.uid: m.internal_date for m in mb.fetch("INBOX", listing.uids)}
    exact = {u for u, t in got.items() if date(2024, 3, 4) <= t.astimezone(BJ).date() < date(2024, 3, 6)}
    assert exact == {uid_of["edge_start"], uid_of["inside"], uid_of["edge_end"]}
    assert uid_of["after"] not in listing.uids


def test_several_folders_chinese_names_and_junk_by_special_use(dovecot):
    user = dovecot.new_user()
    when = datetime(2024, 3, 5, 9, 0, tzinfo=BJ)
    dovecot.append(user, "INBOX", mail("inbox"), when)
    dovecot.append(user, "垃圾邮件", mail("spam"), when)  # \Junk in the server's config
    dovecot.append(user, "申报材料", mail("filed"), when)
    cfg = dovecot.mailbox_config(user, folders=("INBOX", "\\Junk", "申报材料", "不存在"))
    with ImapMailbox(cfg) as mb:
        folders = mb.folders()
        assert folders == ["INBOX", "垃圾邮件", "申报材料"]
        for folder in folders:
            got = fetch_all(mb, folder)
            assert len(got) == 1 and got[0].ref.folder == folder


def test_batched_fetch_yields_each_message_once_in_uid_order(dovecot):
    user = dovecot.new_user()
    dovecot.append_many(
        user, "INBOX", [(mail(f"m{i}"), datetime(2024, 3, 1, 9, i, tzinfo=BJ)) for i in range(7)]
    )
    with ImapMailbox(dovecot.mailbox_config(user, batch_size=3)) as proxyless:
        listing = proxyless.list_uids("INBOX")
        got = [m.ref for m in proxyless.fetch("INBOX", listing.uids)]
    assert [r.uid for r in got] == list(listing.uids) and len(got) == 7
    assert {r.uidvalidity for r in got} == {listing.uidvalidity}


def test_wrong_password_is_refused_at_once_with_the_authorization_code_hint(dovecot):
    user = dovecot.new_user()
    cfg = dovecot.mailbox_config(user)
    with ImapProxy(dovecot.port) as proxy:
        cfg = dovecot.mailbox_config(user, port=proxy.port)
        import os

        os.environ[user.password_env] = "wrong"
        try:
            start = time.monotonic()
            with pytest.raises(LoginRefused, match="授权码"), ImapMailbox(cfg) as mb:
                mb.folders()
            assert time.monotonic() - start < 5
        finally:
            os.environ[user.password_env] = user.password
        assert len(proxy.commands) == 1  # one connection: no retry loop


def test_unsafe_login_until_id_is_sent(dovecot):
    user = dovecot.new_user()
    dovecot.append(user, "INBOX", mail(), datetime(2024, 3, 5, 9, 0, tzinfo=BJ))
    with ImapProxy(dovecot.port, unsafe_login=True) as proxy:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError

        bare = IMAPClient("127.0.0.1", port=proxy.port, ssl=False, timeout=5)
        bare.login(user.name, user.password)
        with pytest.raises(IMAPClientError, match="Unsafe Login"):  # the proxy really behaves like 163
            bare.select_folder("INBOX", readonly=True)
        bare.logout()
        with ImapMailbox(dovecot.mailbox_config(user, port=proxy.port)) as mb:
            assert len(fetch_all(mb)) == 1
        assert proxy.refused_selects == 1
        assert proxy.commands[1].index("ID") > proxy.commands[1].index("LOGIN")


def test_unsafe_login_even_after_id_is_fatal_and_not_retried(dovecot):
    user = dovecot.new_user()
    with ImapProxy(dovecot.port, unsafe_login="always") as proxy:
        with (
            ImapMailbox(dovecot.mailbox_config(user, port=proxy.port)) as mb,
            pytest.raises(LoginRefused, match="SMS"),
        ):
            mb.list_uids("INBOX")
        assert proxy.refused_selects == 1 and len(proxy.commands) == 1


def test_connection_cut_mid_fetch_reconnects_sends_id_again_and_loses_nothing(dovecot):
    user = dovecot.new_user()
    n = 12
    dovecot.append_many(
        user, "INBOX", [(mail(f"m{i}", size=20_000), datetime(2024, 3, 1, 9, i, tzinfo=BJ)) for i in range(n)]
    )
    with ImapProxy(dovecot.port, cut_fetch_after=70_000) as proxy:
        cfg = dovecot.mailbox_config(user, port=proxy.port, batch_size=4)
        with ImapMailbox(cfg, backoff_s=0.01) as mb:
            got = fetch_all(mb)
            assert mb.connects == 2
        assert proxy.cuts == 1
        assert all("ID" in cmds for cmds in proxy.commands)  # ID on the first connection and the reconnect
    uids = [m.ref.uid for m in got]
    assert len(uids) == n and len(set(uids)) == n
    assert all(m.data.endswith(b"\n") and len(m.data) > 20_000 for m in got)


def test_a_stalled_fetch_times_out_and_the_reconnect_finishes_the_job(dovecot):
    user = dovecot.new_user()
    n = 6
    dovecot.append_many(
        user, "INBOX", [(mail(f"m{i}", size=20_000), datetime(2024, 3, 1, 9, i, tzinfo=BJ)) for i in range(n)]
    )
    with ImapProxy(dovecot.port, cut_fetch_after=40_000, stall=True) as proxy:
        cfg = dovecot.mailbox_config(user, port=proxy.port, batch_size=3, read_timeout=1.0)
        start = time.monotonic()
        with ImapMailbox(cfg, backoff_s=0.01) as mb:
            got = fetch_all(mb)
            assert mb.connects == 2
        assert 1.0 <= time.monotonic() - start < 10
        assert proxy.cuts == 1
    assert sorted(m.ref.uid for m in got) == sorted({m.ref.uid for m in got}) and len(got) == n


def test_a_message_the_server_refuses_is_delivered_empty_and_the_rest_still_come(dovecot):
    user = dovecot.new_user()
    dovecot.append_many(
        user, "INBOX", [(mail(f"m{i}"), datetime(2024, 3, 1, 9, i, tzinfo=BJ)) for i in range(5)]
    )
    with (
        ImapProxy(dovecot.port, refuse_body_of=[3]) as proxy,
        ImapMailbox(dovecot.mailbox_config(user, port=proxy.port, batch_size=5)) as mb,
    ):
        got = {m.ref.uid: m for m in fetch_all(mb)}
    assert sorted(got) == [1, 2, 3, 4, 5]
    assert got[3].data == b"" and got[3].internal_date == datetime(2024, 3, 1, 9, 2, tzinfo=BJ)
    assert all(b"Subject:" in got[u].data for u in (1, 2, 4, 5))


def test_a_connection_that_keeps_dropping_gives_mailbox_unavailable(dovecot):
    user = dovecot.new_user()
    dovecot.append_many(user, "INBOX", [(mail("m", size=50_000), datetime(2024, 3, 1, 9, 0, tzinfo=BJ))])
    sleeps: list[float] = []
    with ImapProxy(dovecot.port, cut_fetch_after=1_000, cut_connections=range(1, 50)) as proxy:
        cfg = dovecot.mailbox_config(user, port=proxy.port)
        with (
            ImapMailbox(cfg, attempts=3, backoff_s=0.01, sleep=sleeps.append) as mb,
            pytest.raises(MailboxUnavailable, match="3 attempts"),
        ):
            fetch_all(mb)
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff between the attempts
    assert proxy.cuts == 3


def test_unreachable_server_gives_mailbox_unavailable(dovecot):
    user = dovecot.new_user()
    from tests.dovecot import free_port

    cfg = dovecot.mailbox_config(user, port=free_port())
    with ImapMailbox(cfg, attempts=2, sleep=lambda s: None) as mb, pytest.raises(MailboxUnavailable):
        mb.folders()


def test_tls_is_verified_by_default_and_ca_file_makes_it_pass(dovecot):
    user = dovecot.new_user()
    dovecot.append(user, "INBOX", mail(), datetime(2024, 3, 5, 9, 0, tzinfo=BJ))
    for security, port in (("ssl", dovecot.ssl_port), ("starttls", dovecot.port)):
        refused = dovecot.mailbox_config(user, security=security, port=port)
        with pytest.raises(LoginRefused, match="ca_file"), ImapMailbox(refused) as mb:
            mb.folders()
        trusted = dovecot.mailbox_config(user, security=security, port=port, ca_file=dovecot.ca_file)
        with ImapMailbox(trusted) as mb:
            assert len(fetch_all(mb)) == 1


def test_plain_to_a_remote_host_is_refused():
    from types import SimpleNamespace

    cfg = SimpleNamespace(host="imap.163.com", port=143, security="plain", username="x", password_env="X")
    with pytest.raises(LoginRefused, match="unencrypted"):
        ImapMailbox(cfg)


def test_uidvalidity_change_between_list_and_fetch_stops_the_fetch(dovecot):
    user = dovecot.new_user()
    dovecot.append(user, "申报", mail(), datetime(2024, 3, 5, 9, 0, tzinfo=BJ))
    with ImapMailbox(dovecot.mailbox_config(user, folders=("申报",))) as mb:
        listing = mb.list_uids("申报")
        mb.close()  # the folder is recreated while we are away
        dovecot.recreate_folder(user, "申报")
        with pytest.raises(MailboxUnavailable, match="UIDVALIDITY"):
            list(mb.fetch("申报", listing.uids))
        again = mb.list_uids("申报")
        assert again.uidvalidity != listing.uidvalidity and len(again.uids) == 1


@pytest.mark.parametrize("action", ["keyword:$Intake", "move:已处理"])
def test_post_action_runs_only_when_configured(dovecot, action):
    user = dovecot.new_user()
    dovecot.append(user, "INBOX", mail("a"), datetime(2024, 3, 5, 9, 0, tzinfo=BJ))
    dovecot.append(user, "INBOX", mail("b"), datetime(2024, 3, 5, 9, 1, tzinfo=BJ))
    dovecot.create_folder(user, "已处理")
    with ImapMailbox(dovecot.mailbox_config(user, post_action=action)) as mb:
        got = fetch_all(mb)
        mb.after_commit(got[0].ref)
        # a fetch after the post action still reads without touching \Seen
        assert len(list(mb.fetch("INBOX", [got[1].ref.uid]))) == 1
    flags = dovecot.messages(user)
    if action.startswith("keyword"):
        assert flags[got[0].ref.uid] == (b"$Intake",) and flags[got[1].ref.uid] == ()
    else:
        assert list(flags) == [got[1].ref.uid] and flags[got[1].ref.uid] == ()
        assert len(dovecot.messages(user, "已处理")) == 1


def test_no_protocol_trace_at_plain_debug_so_bodies_stay_out_of_the_log(dovecot, caplog):
    import logging

    user = dovecot.new_user()
    dovecot.append(user, "INBOX", mail("秘密正文"), datetime(2024, 3, 5, 9, 0, tzinfo=BJ))
    caplog.set_level(logging.DEBUG)  # what `--verbose` does
    with ImapMailbox(dovecot.mailbox_config(user)) as mb:
        assert len(fetch_all(mb)) == 1
    assert "BODY[]" not in caplog.text and "Subject" not in caplog.text


def test_password_never_reaches_the_log_even_with_a_protocol_trace(dovecot, caplog, monkeypatch):
    import imaplib
    import logging

    user = dovecot.new_user()
    dovecot.append(user, "INBOX", mail(), datetime(2024, 3, 5, 9, 0, tzinfo=BJ))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")  # asks for imaplib's protocol trace
    monkeypatch.setattr(imaplib, "Debug", 5)  # imaplib traces every line it sends, LOGIN included
    with ImapMailbox(dovecot.mailbox_config(user)) as mb:
        assert len(fetch_all(mb)) == 1
    assert "LOGIN" in caplog.text  # the trace was on
    assert user.password not in caplog.text


# ---------------------------------------------------------------- issue 15: settings with names, large mail


@pytest.mark.parametrize(
    ("security", "to_ssl_port", "named"),
    [
        ("ssl", False, "does not speak TLS on connect"),  # implicit TLS against the plain port
        ("starttls", True, "expects TLS from the first byte"),  # starttls against the IMAPS port
    ],
)
def test_a_tls_and_port_mismatch_names_the_settings_and_is_not_retried(dovecot, security, to_ssl_port, named):
    user = dovecot.new_user()
    port = dovecot.ssl_port if to_ssl_port else dovecot.port
    cfg = dovecot.mailbox_config(
        user, security=security, port=port, ca_file=dovecot.ca_file, connect_timeout=2
    )
    start = time.monotonic()
    with pytest.raises(MailboxSettingsError) as info, ImapMailbox(cfg, attempts=5) as mb:
        mb.folders()
    assert named in str(info.value) and "port and security in the [mailbox] section" in str(info.value)
    assert time.monotonic() - start < 8  # one attempt (a connect timeout at most), not five with backoff


def test_a_refused_login_carries_the_servers_answer_decoded(dovecot):
    import os

    user = dovecot.new_user()
    os.environ[user.password_env] = "wrong"
    try:
        with pytest.raises(LoginRefused) as info, ImapMailbox(dovecot.mailbox_config(user)) as mb:
            mb.folders()
    finally:
        os.environ[user.password_env] = user.password
    assert "the server said: [AUTHENTICATIONFAILED] Authentication failed. Check" in str(info.value)
    assert "b'" not in str(info.value)


def test_server_text_decodes_a_chinese_answer():
    from intake.mailbox import server_text

    err = Exception(repr("NO LOGIN 用户名或密码错误".encode("gb18030")))
    assert server_text(err) == "NO LOGIN 用户名或密码错误"
    assert (
        server_text(Exception(f"LOGIN command error: BAD [{'不安全'.encode()!r}]"))
        == "LOGIN command error: BAD [不安全]"
    )


def test_a_large_message_is_streamed_to_a_spool_file_byte_for_byte(dovecot, tmp_path, monkeypatch):
    import tempfile

    import intake.mailbox as mailbox_module

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(mailbox_module, "SPOOL_BYTES", 200_000)  # small stand-ins for 8 MB / 4 MB
    monkeypatch.setattr(mailbox_module, "CHUNK_BYTES", 65_536)
    user = dovecot.new_user()
    when = datetime(2024, 3, 5, 9, 0, tzinfo=BJ)
    small, big = mail("small"), mail("big", size=700_000)
    for data in (small, big, small):
        dovecot.append(user, "INBOX", data, when)
    with ImapMailbox(dovecot.mailbox_config(user)) as mb:
        got = fetch_all(mb)
    assert [m.ref.uid for m in got] == [1, 2, 3]
    assert got[0].path is None and got[0].data.replace(b"\r\n", b"\n") == small.replace(b"\r\n", b"\n")
    spooled = got[1]
    assert spooled.data == b"" and spooled.spooled and spooled.path is not None
    assert spooled.path.parent == tmp_path and spooled.path.stat().st_mode & 0o077 == 0  # private
    assert spooled.path.read_bytes().replace(b"\r\n", b"\n") == big.replace(b"\r\n", b"\n")
    assert spooled.internal_date == when
    assert dovecot.messages(user) == {1: (), 2: (), 3: ()}  # partial fetches are PEEKs too


def test_a_message_over_max_message_mb_is_not_downloaded_only_its_header(dovecot, tmp_path, monkeypatch):
    import tempfile

    import intake.mailbox as mailbox_module

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(mailbox_module, "SPOOL_BYTES", 200_000)
    user = dovecot.new_user()
    dovecot.append(user, "INBOX", mail("huge", size=1_500_000), datetime(2024, 3, 5, 9, 0, tzinfo=BJ))
    with ImapMailbox(dovecot.mailbox_config(user, max_message_mb=1)) as mb:
        (got,) = fetch_all(mb)
    assert got.too_large > 1_500_000 and got.path is None
    assert b"Subject: huge" in got.data and b"eHh4eHh4" not in got.data  # no base64 of the body
    assert len(got.data) < 2_000 and list(tmp_path.iterdir()) == []
