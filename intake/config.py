"""config.toml → frozen dataclasses.

Every key is checked once, here: a wrong, missing or unknown key raises ConfigError whose message is
one line naming the key (`config: intake.deadline: expected ...`); the CLI turns it into exit code 1.
Relative paths are resolved against the directory of the config file, so a cron job started from $HOME
finds the same files as a run by hand next to the config.

The IMAP password (a 163.com 授权码) is never stored in the file: `password_env` names an environment
variable, read only when a connection is made (`MailboxConfig.password`), and never part of a repr.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.schema import DEFAULT_SCHEMA, FormSchema, Notice
from intake.notify_config import ACTIONS, DEFAULT_ACTIONS, NotifyConfig

# The defaults belong to the rules; config only lets the office override them.
from intake.review import DEFAULT_PHONE_ANY_OF, DEFAULT_REQUIRED_FIELDS

__all__ = [
    "DEFAULT_PHONE_ANY_OF",
    "DEFAULT_REQUIRED_FIELDS",
    "Config",
    "ConfigError",
    "IntakeConfig",
    "MailboxConfig",
    "ReportConfig",
    "RulesConfig",
    "build_config",
    "demo_config",
    "load_config",
]

T = TypeVar("T")


_POST_ACTION = re.compile(r"^(none|keyword:[A-Za-z0-9_$.\-]+|move:.+)$")


class ConfigError(Exception):
    """A bad config; str() is the one line the user sees."""

    def __init__(self, key: str, problem: str) -> None:
        key, problem = _one_line(key), _one_line(problem)  # a key from the file may hold a newline
        super().__init__(f"config: {key}: {problem}" if key else f"config: {problem}")
        self.key = key


def _one_line(text: str) -> str:
    """Control characters escaped (\\n, \\x1b …) so an error message stays one line."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


@dataclass(frozen=True)
class MailboxConfig:
    kind: str = "maildir"  # "imap" | "maildir"
    host: str = ""
    port: int = 993
    security: str = "ssl"  # "ssl" | "starttls" | "plain"
    username: str = ""
    password_env: str = "INTAKE_IMAP_PASSWORD"
    folders: tuple[str, ...] = ("INBOX",)
    path: Path | None = None  # kind = "maildir"
    ca_file: Path | None = None
    verify_tls: bool = True
    connect_timeout: float = 30.0
    read_timeout: float = 120.0
    batch_size: int = 50
    post_action: str = "none"  # "none" | "keyword:<Flag>" | "move:<Folder>"
    retries: int = 5  # connection attempts after a drop (a refused login is never retried)
    retry_backoff_s: float = 1.0  # first wait between attempts; doubles each time
    max_message_mb: float = 200.0  # a bigger message is not downloaded: listed and flagged 邮件过大

    @property
    def folder(self) -> str:
        """The first folder (issue 2's single `folder` key)."""
        return self.folders[0]

    @property
    def password(self) -> str:
        """The 授权码 from the environment, read at the moment it is needed."""
        value = os.environ.get(self.password_env, "")
        if not value:
            raise ConfigError(
                "mailbox.password_env",
                f"environment variable {self.password_env} is not set (put the 163.com 授权码 there)",
            )
        return value


@dataclass(frozen=True)
class IntakeConfig:
    deadline: datetime  # aware
    training_end_limit: date
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    data_dir: Path = Path("intake-data")
    workers: int | None = None  # None: number of cores
    parse_timeout_s: float = 60.0
    parse_memory_mb: int = 1024
    group: str | None = None  # reviewers' group: data_dir 0750/files 0640 for it (default: owner only)


@dataclass(frozen=True)
class RulesConfig:
    required_fields: tuple[str, ...] = DEFAULT_REQUIRED_FIELDS
    phone_any_of: tuple[str, ...] = DEFAULT_PHONE_ANY_OF
    date_header_margin_minutes: int = 60
    expected_training_days: Mapping[str, int] | None = None


@dataclass(frozen=True)
class ReportConfig:
    workbook: Path
    summary_html: Path
    export_jsonl: Path
    backups: int = 10  # dated copies of the previous workbook kept in 备份/
    new_since: str = "previous_day"  # summary.html "new": since the previous day's first run, or "last_run"


@dataclass(frozen=True)
class Config:
    mailbox: MailboxConfig
    intake: IntakeConfig
    rules: RulesConfig
    report: ReportConfig
    source: Path | None = field(default=None, compare=False)
    schema: FormSchema = DEFAULT_SCHEMA  # the form, with this year's notice (`[notice]`)
    notify: NotifyConfig = field(default_factory=NotifyConfig)  # notices to applicants (`[notify]`)

    @property
    def data_dir(self) -> Path:
        return self.intake.data_dir

    @property
    def tz(self) -> ZoneInfo:
        return self.intake.timezone


# ---------------------------------------------------------------- loading


def load_config(path: Path) -> Config:
    """Read and check a config file; ConfigError (one line, naming the key) on any problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("", f"file not found: {path} (copy config.example.toml to start)") from None
    except OSError as err:
        raise ConfigError("", f"cannot read {path}: {err.strerror}") from err
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError("", f"{path} is not UTF-8") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError("", f"{path}: invalid TOML: {err}") from err
    return build_config(data, base_dir=path.resolve().parent, source=path)


def build_config(data: Mapping[str, Any], *, base_dir: Path, source: Path | None = None) -> Config:
    """Check a parsed TOML document (also used for the built-in demo config)."""
    names = ("mailbox", "intake", "rules", "report", "notice", "notify")
    _only_keys("", data, set(names))
    sections = {name: _table(data, name) for name in names}
    mailbox = _mailbox(sections["mailbox"], base_dir)
    intake = _intake(sections["intake"], base_dir)
    schema = _notice(sections["notice"])
    rules = _rules(sections["rules"], schema)
    report = _report(sections["report"], base_dir, intake.data_dir)
    notify = _notify(sections["notify"], base_dir, mailbox)
    return Config(mailbox, intake, rules, report, source, schema, notify)


def demo_config(base: Path) -> Config:
    """The built-in config of `intake demo`: everything under `base`."""
    data = {
        "mailbox": {"kind": "maildir", "path": "mailbox"},
        "intake": {
            "deadline": "2024-12-17T23:59:59+08:00",
            "training_end_limit": "2025-10-31",
            "timezone": "Asia/Shanghai",
            "data_dir": "data",
        },
        "rules": {"expected_training_days": {"national": 5, "provincial": 4}},
        "notify": {
            "from_address": "hbzsgx@163.com",
            "from_name": "湖北省人力资源和社会保障厅专业技术人员职称处",
            "contact": "专技处 027-00000000（工作日 9:00–17:00）",
        },
        "report": {
            "workbook": "申报汇总.xlsx",
            "summary_html": "summary.html",
            "export_jsonl": "export.jsonl",
        },
    }
    return build_config(data, base_dir=base)


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(name, f"expected a table [{name}], got {_show(value)}")
    return value


def _only_keys(section: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            where = f"{section}.{key}" if section else key
            raise ConfigError(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _show(value: Any) -> str:
    """A value as TOML would spell it, on one line (control characters escaped)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _get(table: Mapping[str, Any], section: str, key: str, check: Callable[[str, Any], T], default: Any) -> T:
    """table[key] checked by `check`; `default` is used when absent (the sentinel _REQUIRED: error)."""
    name = f"{section}.{key}"
    if key not in table:
        if default is _REQUIRED:
            raise ConfigError(name, "missing (required)")
        return default  # type: ignore[no-any-return]
    return check(name, table[key])


_REQUIRED = object()


# ---- value checkers: (key name, raw value) -> typed value, or ConfigError naming the key


def _str(name: str, v: Any) -> str:
    if not isinstance(v, str):
        raise ConfigError(name, f"expected a string, got {_show(v)}")
    return v


def _nonempty(name: str, v: Any) -> str:
    s = _str(name, v)
    if not s.strip():
        raise ConfigError(name, "must not be empty")
    return s


def _int_in(lo: int, hi: int) -> Callable[[str, Any], int]:
    def check(name: str, v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(name, f"expected an integer, got {_show(v)}")
        if not lo <= v <= hi:
            raise ConfigError(name, f"expected an integer from {lo} to {hi}, got {v}")
        return v

    return check


def _positive_float(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
        raise ConfigError(name, f"expected a positive number, got {_show(v)}")
    return float(v)


def _bool(name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise ConfigError(name, f"expected true or false, got {_show(v)}")
    return v


def _choice(*options: str) -> Callable[[str, Any], str]:
    def check(name: str, v: Any) -> str:
        if v not in options:
            raise ConfigError(name, f"expected one of {', '.join(_show(o) for o in options)}, got {_show(v)}")
        return str(v)

    return check


def _str_list(name: str, v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
        raise ConfigError(name, f"expected a non-empty list of strings, got {_show(v)}")
    return tuple(v)


def _path(base_dir: Path) -> Callable[[str, Any], Path]:
    def check(name: str, v: Any) -> Path:
        p = Path(os.path.expanduser(_nonempty(name, v)))
        return p if p.is_absolute() else (base_dir / p)

    return check


def _deadline(name: str, v: Any) -> datetime:
    # TOML may hand us a datetime already (unquoted); a string is parsed here.
    shown = _show(_raw(v))
    if isinstance(v, str):
        with contextlib.suppress(ValueError):
            v = datetime.fromisoformat(v)
    if not isinstance(v, datetime) or v.tzinfo is None or v.utcoffset() is None:
        raise ConfigError(name, f"expected an ISO 8601 datetime with offset, got {shown}")
    return v


def _raw(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (date, datetime)) else v


def _date(name: str, v: Any) -> date:
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise ConfigError(name, f"expected a date YYYY-MM-DD, got {_show(v)}") from None
    if isinstance(v, date) and not isinstance(v, datetime):
        return v
    raise ConfigError(name, f"expected a date YYYY-MM-DD, got {_show(_raw(v))}")


def _zone(name: str, v: Any) -> ZoneInfo:
    s = _nonempty(name, v)
    try:
        return ZoneInfo(s)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(name, f'unknown time zone {_show(s)} (e.g. "Asia/Shanghai")') from None


def _post_action(name: str, v: Any) -> str:
    s = _str(name, v)
    if not _POST_ACTION.match(s):
        raise ConfigError(name, f'expected "none", "keyword:<Flag>" or "move:<Folder>", got {_show(s)}')
    return s


_DAY_KEYS = {"national", "provincial", "min", "max"}


def _days_table(name: str, v: Any) -> Mapping[str, int]:
    """Either "about" lengths per level (national / provincial) or explicit bounds (min / max)."""
    if not isinstance(v, dict):
        raise ConfigError(name, f"expected a table of level = days, got {_show(v)}")
    _only_keys(name, v, _DAY_KEYS)
    if v.keys() & {"min", "max"} and v.keys() & {"national", "provincial"}:
        raise ConfigError(name, "give either national/provincial lengths or min/max bounds, not both")
    return {k: _int_in(1, 366)(f"{name}.{k}", d) for k, d in v.items()}


# ---- sections


def _mailbox(t: Mapping[str, Any], base_dir: Path) -> MailboxConfig:
    s = "mailbox"
    _only_keys(
        s,
        t,
        {
            "kind",
            "host",
            "port",
            "security",
            "username",
            "password_env",
            "folder",
            "folders",
            "path",
            "ca_file",
            "verify_tls",
            "connect_timeout",
            "read_timeout",
            "batch_size",
            "post_action",
            "retries",
            "retry_backoff_s",
            "max_message_mb",
        },
    )
    kind = _get(t, s, "kind", _choice("imap", "maildir"), _REQUIRED)
    folders = _folders(t)
    common: dict[str, Any] = {
        "kind": kind,
        "folders": folders,
        "ca_file": _get(t, s, "ca_file", _path(base_dir), None),
        "verify_tls": _get(t, s, "verify_tls", _bool, True),
        "connect_timeout": _get(t, s, "connect_timeout", _positive_float, 30.0),
        "read_timeout": _get(t, s, "read_timeout", _positive_float, 120.0),
        "batch_size": _get(t, s, "batch_size", _int_in(1, 10_000), 50),
        "post_action": _get(t, s, "post_action", _post_action, "none"),
        "retries": _get(t, s, "retries", _int_in(1, 100), 5),
        "retry_backoff_s": _get(t, s, "retry_backoff_s", _positive_float, 1.0),
        "max_message_mb": _get(t, s, "max_message_mb", _positive_float, 200.0),
        "port": _get(t, s, "port", _int_in(1, 65535), 993),
        "security": _get(t, s, "security", _choice("ssl", "starttls", "plain"), "ssl"),
        "password_env": _get(t, s, "password_env", _nonempty, "INTAKE_IMAP_PASSWORD"),
    }
    if kind == "maildir":
        return MailboxConfig(
            **common,
            path=_get(t, s, "path", _path(base_dir), _REQUIRED),
            host=_get(t, s, "host", _str, ""),
            username=_get(t, s, "username", _str, ""),
        )
    host = _get(t, s, "host", _nonempty, _REQUIRED)
    if common["security"] == "plain" and not is_loopback(host):
        raise ConfigError(
            "mailbox.security",
            f'"plain" sends the password unencrypted; only allowed for a loopback host, not {_show(host)}',
        )
    return MailboxConfig(
        **common, host=host, username=_get(t, s, "username", _nonempty, _REQUIRED), path=None
    )


def _folders(t: Mapping[str, Any]) -> tuple[str, ...]:
    if "folders" in t and "folder" in t:
        raise ConfigError("mailbox.folder", "give either folder or folders, not both")
    if "folders" in t:
        return _str_list("mailbox.folders", t["folders"])
    if "folder" in t:
        return (_nonempty("mailbox.folder", t["folder"]),)
    return ("INBOX",)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts plain (unencrypted) IMAP may reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _intake(t: Mapping[str, Any], base_dir: Path) -> IntakeConfig:
    s = "intake"
    _only_keys(
        s,
        t,
        {
            "deadline",
            "timezone",
            "training_end_limit",
            "data_dir",
            "workers",
            "parse_timeout_s",
            "parse_memory_mb",
            "group",
        },
    )
    return IntakeConfig(
        deadline=_get(t, s, "deadline", _deadline, _REQUIRED),
        training_end_limit=_get(t, s, "training_end_limit", _date, _REQUIRED),
        timezone=_get(t, s, "timezone", _zone, ZoneInfo("Asia/Shanghai")),
        data_dir=_get(t, s, "data_dir", _path(base_dir), base_dir / "intake-data"),
        workers=_workers(t),
        parse_timeout_s=_get(t, s, "parse_timeout_s", _positive_float, 60.0),
        parse_memory_mb=_get(t, s, "parse_memory_mb", _int_in(64, 65536), 1024),
        group=_get(t, s, "group", _group, None),
    )


def _group(name: str, v: Any) -> str:
    """A group that exists on this machine (the reviewers who may read data_dir and the outputs)."""
    import grp

    text = _nonempty(name, v)
    try:
        grp.getgrnam(text)
    except KeyError:
        raise ConfigError(name, f"no such group on this machine: {_show(text)}") from None
    return text


def _workers(t: Mapping[str, Any]) -> int | None:
    # 0 (or absent) means "one per core", decided by intake.isolate.
    n = _get(t, "intake", "workers", _int_in(0, 256), 0)
    return n or None


def _field_keys(schema: FormSchema, short_ok: bool) -> Callable[[str, Any], tuple[str, ...]]:
    """A list of the form's field keys (one-of groups joined by "|"; with short_ok a unit's sub-key
    such as "mobile" too); a key the schema does not know is an error."""
    units = {k.split(".", 1)[1] for k in schema.by_key if "." in k}

    def check(name: str, v: Any) -> tuple[str, ...]:
        keys = _str_list(name, v)
        for entry in keys:
            for key in (k.strip() for k in entry.split("|")):
                if key not in schema.by_key and not (short_ok and key in units):
                    raise ConfigError(name, f"unknown field {_show(key)} (keys as in the export contract)")
        return keys

    return check


def _rules(t: Mapping[str, Any], schema: FormSchema) -> RulesConfig:
    s = "rules"
    _only_keys(
        s, t, {"required_fields", "phone_any_of", "date_header_margin_minutes", "expected_training_days"}
    )
    return RulesConfig(
        required_fields=_get(t, s, "required_fields", _field_keys(schema, False), DEFAULT_REQUIRED_FIELDS),
        phone_any_of=_get(t, s, "phone_any_of", _field_keys(schema, True), DEFAULT_PHONE_ANY_OF),
        date_header_margin_minutes=_get(t, s, "date_header_margin_minutes", _int_in(0, 100_000), 60),
        expected_training_days=_get(t, s, "expected_training_days", _days_table, None),
    )


def _labels_table(schema: FormSchema) -> Callable[[str, Any], dict[str, tuple[str, ...]]]:
    def check(name: str, v: Any) -> dict[str, tuple[str, ...]]:
        if not isinstance(v, dict):
            raise ConfigError(name, f"expected a table of field = [labels], got {_show(v)}")
        _only_keys(name, v, {k for k, spec in schema.by_key.items() if spec.labels})
        return {k: _str_list(f"{name}.{k}", labels) for k, labels in v.items()}

    return check


def _notice(t: Mapping[str, Any]) -> FormSchema:
    """This year's call: its year (办班时间 without one), the form's title, extra label variants."""
    s, default = "notice", Notice()
    _only_keys(s, t, {"year", "title", "labels"})
    notice = Notice(
        year=_get(t, s, "year", _int_in(2000, 2100), default.year),
        title=_get(t, s, "title", _nonempty, default.title),
    )
    labels = _get(t, s, "labels", _labels_table(DEFAULT_SCHEMA), {})
    return FormSchema(notice=notice).with_labels(labels)


def _report(t: Mapping[str, Any], base_dir: Path, data_dir: Path) -> ReportConfig:
    s = "report"
    _only_keys(s, t, {"workbook", "summary_html", "export_jsonl", "backups", "new_since"})
    p = _path(base_dir)
    return ReportConfig(
        workbook=_get(t, s, "workbook", p, data_dir / "申报汇总.xlsx"),
        summary_html=_get(t, s, "summary_html", p, data_dir / "summary.html"),
        export_jsonl=_get(t, s, "export_jsonl", p, data_dir / "export.jsonl"),
        backups=_get(t, s, "backups", _int_in(0, 1000), 10),
        new_since=_get(t, s, "new_since", _choice("previous_day", "last_run"), "previous_day"),
    )


# ---- [notify]: notices to applicants (intake.notify)


_NOTIFY_KEYS = {
    "mode",
    "send",
    "drafts_folder",
    "from_address",
    "from_name",
    "office_addresses",
    "contact",
    "template",
    "resubmit_deadline",
    "late_text",
    "codes",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "password_env",
    "ca_file",
    "verify_tls",
    "timeout",
}


def _address(name: str, v: Any) -> str:
    s = _str(name, v).strip()
    if s and ("@" not in s or any(c.isspace() for c in s) or not s.isascii()):
        raise ConfigError(name, f"expected an e-mail address like hbzsgx@163.com, got {_show(s)}")
    return s


def _addresses(name: str, v: Any) -> tuple[str, ...]:
    if not isinstance(v, list):
        raise ConfigError(name, f"expected a list of addresses, got {_show(v)}")
    return tuple(_address(f"{name}[{i}]", x) for i, x in enumerate(v))


def _notify_actions(name: str, v: Any) -> Mapping[str, str]:
    if not isinstance(v, dict):
        raise ConfigError(name, f"expected a table of code = action, got {_show(v)}")
    merged = dict(DEFAULT_ACTIONS)
    for code, action in v.items():
        merged[str(code)] = _choice(*ACTIONS)(f"{name}.{code}", action)
    return merged


def _optional(check: Any) -> Any:
    def inner(name: str, v: Any) -> Any:
        return None if v == "" else check(name, v)

    return inner


def _notify(t: Mapping[str, Any], base_dir: Path, mailbox: MailboxConfig) -> NotifyConfig:
    s = "notify"
    _only_keys(s, t, _NOTIFY_KEYS)
    own = mailbox.username if "@" in mailbox.username else ""
    from_address = _get(t, s, "from_address", _address, "") or own
    defaults = NotifyConfig()
    return NotifyConfig(
        mode=_get(t, s, "mode", _choice("draft", "smtp"), "draft"),
        send=_get(t, s, "send", _bool, False),
        drafts_folder=_get(t, s, "drafts_folder", _optional(_nonempty), None),
        from_address=from_address,
        from_name=_get(t, s, "from_name", _str, defaults.from_name).strip(),
        office_addresses=_get(t, s, "office_addresses", _addresses, ()) + ((own,) if own else ()),
        contact=_get(t, s, "contact", _str, "").strip(),
        template=_get(t, s, "template", _optional(_path(base_dir)), None),
        resubmit_deadline=_get(t, s, "resubmit_deadline", _optional(_deadline), None),
        late_text=_get(t, s, "late_text", _nonempty, defaults.late_text),
        actions=_get(t, s, "codes", _notify_actions, dict(DEFAULT_ACTIONS)),
        smtp_host=_get(t, s, "smtp_host", _nonempty, defaults.smtp_host),
        smtp_port=_get(t, s, "smtp_port", _int_in(1, 65535), defaults.smtp_port),
        smtp_security=_get(t, s, "smtp_security", _choice("ssl", "starttls"), "ssl"),
        smtp_username=_get(t, s, "smtp_username", _str, "") or from_address,
        password_env=_get(t, s, "password_env", _nonempty, mailbox.password_env),
        ca_file=_get(t, s, "ca_file", _optional(_path(base_dir)), None),
        verify_tls=_get(t, s, "verify_tls", _bool, True),
        timeout=_get(t, s, "timeout", _positive_float, 60.0),
    )
