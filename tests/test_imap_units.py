"""intake.mailbox helpers that need no server: search terms, post actions, folder resolution, times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from intake import mailbox as m


def test_criteria_incremental_and_a_day_wider():
    assert m._criteria(0, None, None) == ["ALL"]
    assert m._criteria(41, None, None) == ["UID", "42:*"]
    terms = m._criteria(0, date(2024, 3, 4), date(2024, 3, 6))
    assert terms == ["ALL", "SINCE", date(2024, 3, 3), "BEFORE", date(2024, 3, 7)]
    assert all(str(t).isascii() for t in terms)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("none", None),
        ("", None),
        ("keyword:$Intake", m.PostAction("keyword", "$Intake")),
        ("flag:Done", m.PostAction("keyword", "Done")),
        ("move:已处理", m.PostAction("move", "已处理")),
    ],
)
def test_parse_post_action(value, expected):
    assert m.parse_post_action(value) == expected


@pytest.mark.parametrize("value", ["delete", "keyword:", "keyword:已读", "move"])
def test_parse_post_action_rejects_what_it_cannot_do(value):
    with pytest.raises(ValueError):
        m.parse_post_action(value)


def test_special_folders_by_flag_then_by_name():
    assert m._special("\\Junk", {"\\junk": "垃圾邮件"}, {"INBOX", "垃圾邮件"}) == "垃圾邮件"
    assert m._special("\\Junk", {}, {"INBOX", "Spam"}) == "Spam"
    assert m._special("\\Junk", {}, {"INBOX"}) is None


def test_internaldate_keeps_the_instant_and_becomes_a_plain_timezone():
    from imapclient.fixed_offset import FixedOffset

    raw = datetime(2024, 3, 5, 16, 30, tzinfo=FixedOffset(0))
    out = m._aware(raw)
    assert out == raw and out.tzinfo == UTC
    east = m._aware(datetime(2024, 3, 6, 0, 30, tzinfo=FixedOffset(480)))
    assert east.utcoffset() == timedelta(hours=8) and east == raw


def test_plain_is_refused_for_remote_hosts_and_unknown_security():
    cfg = SimpleNamespace(host="127.0.0.1", port=143, security="plain", username="u", password_env="X")
    m.ImapMailbox(cfg)  # loopback is fine (tests, an SSH tunnel)
    with pytest.raises(m.LoginRefused):
        m.ImapMailbox(SimpleNamespace(**{**vars(cfg), "host": "imap.163.com"}))
    with pytest.raises(m.LoginRefused):
        m.ImapMailbox(SimpleNamespace(**{**vars(cfg), "security": "tls1.0"}))


def test_missing_password_variable_is_a_clear_fatal_error(monkeypatch):
    monkeypatch.delenv("INTAKE_TEST_NO_SUCH_VAR", raising=False)
    cfg = SimpleNamespace(
        host="127.0.0.1", port=1, security="plain", username="u", password_env="INTAKE_TEST_NO_SUCH_VAR"
    )
    with pytest.raises(m.LoginRefused, match="INTAKE_TEST_NO_SUCH_VAR"):
        m.ImapMailbox(cfg)._password()


def test_id_parameters_are_ascii():
    assert all(k.isascii() and v.isascii() for k, v in m.ID_PARAMS.items())


def test_id_reply_text():
    assert m._id_text(((b"name", b"Coremail"), (b"version", b"1.0"))) == "Coremail 1.0"
    assert m._id_text(None) == ""


def test_refused_message_names_the_authorization_code():
    err = m._refused_message("hbzsgx@163.com", "[AUTHENTICATIONFAILED] Authentication failed.")
    assert "授权码" in err and "hbzsgx@163.com" in err and "AUTHENTICATIONFAILED" in err


def test_odd_fetch_items_give_a_message_not_a_crash():
    from imapclient.fixed_offset import FixedOffset

    when = datetime(2024, 3, 5, 16, 30, tzinfo=FixedOffset(0))
    assert m._body({b"BODY[]": None}, "INBOX", 1) == b""
    assert m._body({b"BODY[]": b"abc"}, "INBOX", 1) == b"abc"
    assert m._received({b"INTERNALDATE": when}, "INBOX", 1) == when
    before = datetime.now(UTC)
    assert m._received({}, "INBOX", 1) >= before  # never earlier than the real receipt
