"""Config: the example loads; every bad key is reported on one line that names it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from intake.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent

GOOD = """
[mailbox]
kind = "maildir"
path = "mail"

[intake]
deadline = "2024-12-17T23:59:59+08:00"
training_end_limit = "2025-10-31"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_example_config_loads() -> None:
    cfg = load_config(ROOT / "config.example.toml")
    assert cfg.mailbox.kind == "imap"
    assert cfg.mailbox.host == "imap.163.com"
    assert cfg.mailbox.folders == ("INBOX",)
    assert (cfg.mailbox.retries, cfg.mailbox.retry_backoff_s, cfg.mailbox.batch_size) == (5, 1.0, 50)
    assert cfg.intake.deadline.isoformat() == "2024-12-17T23:59:59+08:00"
    assert cfg.intake.training_end_limit == date(2025, 10, 31)
    assert cfg.report.workbook.name == "申报汇总.xlsx"
    assert "organizer.name" in cfg.rules.required_fields
    assert not any(f.endswith("fax") for f in cfg.rules.required_fields)


def test_minimal_config_defaults_and_relative_paths(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.mailbox.path == tmp_path / "mail"
    assert cfg.intake.data_dir == tmp_path / "intake-data"
    assert cfg.report.export_jsonl.parent == cfg.intake.data_dir
    assert str(cfg.intake.timezone) == "Asia/Shanghai"
    assert cfg.mailbox.post_action == "none"
    assert cfg.rules.date_header_margin_minutes == 60


def test_deadline_without_offset_names_the_key(tmp_path: Path) -> None:
    text = GOOD.replace("2024-12-17T23:59:59+08:00", "2024-12-17")
    assert error_of(tmp_path, text) == (
        'config: intake.deadline: expected an ISO 8601 datetime with offset, got "2024-12-17"'
    )


@pytest.mark.parametrize(
    ("replace", "by", "key"),
    [
        ('kind = "maildir"', 'kind = "pop3"', "mailbox.kind"),
        ('kind = "maildir"', "", "mailbox.kind"),
        ('path = "mail"', "", "mailbox.path"),
        (
            'training_end_limit = "2025-10-31"',
            'training_end_limit = "31/10/2025"',
            "intake.training_end_limit",
        ),
        ('training_end_limit = "2025-10-31"', "", "intake.training_end_limit"),
        ('path = "mail"', 'path = "mail"\nbatch_size = 0', "mailbox.batch_size"),
        ('path = "mail"', 'path = "mail"\nverify_tls = "yes"', "mailbox.verify_tls"),
        ('path = "mail"', 'path = "mail"\npost_action = "delete"', "mailbox.post_action"),
        ('path = "mail"', 'path = "mail"\nfolders = []', "mailbox.folders"),
        ('path = "mail"', 'path = "mail"\nhots = "x"', "mailbox.hots"),
        (
            'training_end_limit = "2025-10-31"',
            'training_end_limit = "2025-10-31"\ntimezone = "Mars/Base"',
            "intake.timezone",
        ),
        (
            'training_end_limit = "2025-10-31"',
            'training_end_limit = "2025-10-31"\nworkers = "two"',
            "intake.workers",
        ),
    ],
)
def test_bad_key_is_named(tmp_path: Path, replace: str, by: str, key: str) -> None:
    message = error_of(tmp_path, GOOD.replace(replace, by))
    assert message.startswith(f"config: {key}: "), message


def test_unknown_section_and_rules_key(tmp_path: Path) -> None:
    assert error_of(tmp_path, GOOD + "\n[extra]\nx = 1\n").startswith("config: extra: unknown key")
    assert error_of(tmp_path, GOOD + "\n[rules]\nrequired = []\n").startswith("config: rules.required: ")
    days = GOOD + "\n[rules.expected_training_days]\nnational = 5\nprovinical = 4\n"
    assert error_of(tmp_path, days).startswith("config: rules.expected_training_days.provinical: unknown key")
    days = GOOD + "\n[rules.expected_training_days]\nnational = 0\n"
    assert error_of(tmp_path, days).startswith("config: rules.expected_training_days.national: ")


def test_plain_refused_unless_loopback(tmp_path: Path) -> None:
    imap = GOOD.replace(
        'kind = "maildir"\npath = "mail"',
        'kind = "imap"\nhost = "imap.163.com"\nusername = "u"\nsecurity = "plain"',
    )
    assert error_of(tmp_path, imap).startswith("config: mailbox.security: ")
    ok = load_config(write(tmp_path, imap.replace("imap.163.com", "127.0.0.1")))
    assert ok.mailbox.security == "plain"


def test_password_only_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    imap = GOOD.replace(
        'kind = "maildir"\npath = "mail"',
        'kind = "imap"\nhost = "h"\nusername = "u"\npassword_env = "TEST_INTAKE_PW"',
    )
    cfg = load_config(write(tmp_path, imap))
    monkeypatch.delenv("TEST_INTAKE_PW", raising=False)
    with pytest.raises(ConfigError, match="TEST_INTAKE_PW"):
        _ = cfg.mailbox.password
    monkeypatch.setenv("TEST_INTAKE_PW", "s3cret-code")
    assert cfg.mailbox.password == "s3cret-code"
    assert "s3cret-code" not in repr(cfg)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    assert "invalid TOML" in error_of(tmp_path, "[mailbox\n")


# ---- property: any wrong value for any key is a ConfigError naming that key, never another exception

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from intake.config import build_config  # noqa: E402

KEYS = {
    "mailbox": [
        "kind",
        "port",
        "security",
        "folders",
        "path",
        "verify_tls",
        "connect_timeout",
        "read_timeout",
        "batch_size",
        "post_action",
        "retries",
        "retry_backoff_s",
        "ca_file",
        "password_env",
    ],
    "intake": [
        "deadline",
        "timezone",
        "training_end_limit",
        "data_dir",
        "workers",
        "parse_timeout_s",
        "parse_memory_mb",
    ],
    "rules": ["required_fields", "phone_any_of", "date_header_margin_minutes", "expected_training_days"],
    "report": ["workbook", "summary_html", "export_jsonl"],
}
VALUES = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.text(max_size=5), max_size=3),
    st.just([]),
    st.just({}),
    st.dates(),
    st.datetimes(),
    st.dictionaries(st.text(max_size=5), st.integers(-3, 400), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(section=st.sampled_from(sorted(KEYS)), data=st.data(), value=VALUES)
def test_any_value_gives_a_config_or_an_error_naming_the_key(
    section: str, data: st.DataObject, value: object
) -> None:
    key = data.draw(st.sampled_from(KEYS[section]))
    doc = {
        "mailbox": {"kind": "maildir", "path": "mail"},
        "intake": {"deadline": "2024-12-17T23:59:59+08:00", "training_end_limit": "2025-10-31"},
    }
    doc.setdefault(section, {})[key] = value
    try:
        build_config(doc, base_dir=Path("/tmp"))
    except ConfigError as err:
        assert str(err).startswith(f"config: {section}.{key}"), str(err)
        assert "\n" not in str(err)


def test_a_key_with_a_newline_is_named_on_one_line() -> None:
    doc = {
        "mailbox": {"kind": "maildir", "path": "mail"},
        "intake": {"deadline": "2024-12-17T23:59:59+08:00", "training_end_limit": "2025-10-31"},
        "rules": {"expected_training_days": {"\n": 5}},
    }
    with pytest.raises(ConfigError) as err:
        build_config(doc, base_dir=Path("/tmp"))
    assert str(err.value).startswith("config: rules.expected_training_days.\\n"), str(err.value)
    assert "\n" not in str(err.value)
