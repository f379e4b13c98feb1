"""Logging set-up: one call, stderr plus a rotating UTF-8 file in data_dir/logs/, secrets never written.

Redaction happens where records are *created* (a LogRecord factory), so every handler — ours, pytest's,
a library's — sees the cleaned text: the message is formatted once with its args, registered secrets and
`password=...`-style assignments are masked, and exception/stack text is rendered and masked too.
A filter on our own handlers repeats the masking as a second line of defence (records built by hand,
e.g. by logging.makeLogRecord, bypass the factory).

Times are ISO 8601 with the offset, in the office time zone (the workbook's 北京时间), so a log line and a
workbook row can be compared at a glance.  Records logged with `extra=FILE_ONLY` go to the file only: the
CLI prints a run's summary and fatal errors itself and wants them in the log without printing them twice.
`warn_once` gives one warning per condition per run (a missing tool, a missing folder).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

__all__ = [
    "FILE_ONLY",
    "LOG_FILE_NAME",
    "log_path",
    "new_run",
    "redact",
    "register_secret",
    "setup_logging",
    "warn_once",
]

LOG_FILE_NAME = "intake.log"
MASK = "***"
_MAX_BYTES = 5 * 1024 * 1024
_BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MIN_SECRET_LEN = 3  # shorter values would mask ordinary words
# Libraries that are chatty at DEBUG/INFO and never say anything a reviewer or admin needs.
_NOISY = ("pdfminer", "PIL", "fontTools", "charset_normalizer", "urllib3", "asyncio")

# `password=...`, `passwd: ...`, `授权码：...`, `authorization code: ...`: mask the value, keep the key.
_ASSIGNMENT = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|pass|secret|token|auth(?:orization)?[ _-]?code)\b|授权码|密码)"
    r"(?P<sep>\s*[=:：]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;'\")}\]]+)",
    re.IGNORECASE,
)

FILE_ONLY = {"file_only": True}  # `log.info(..., extra=FILE_ONLY)`: the log file, not stderr

_lock = threading.Lock()
_warned: set[str] = set()  # conditions warned about in this run (warn_once)
_secrets: set[str] = set()
_secret_re: re.Pattern[str] | None = None
_factory_installed = False


def register_secret(value: str | None) -> None:
    """Never log `value` (nor its repr-escaped form); call it as soon as a secret is read."""
    global _secret_re
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    forms = {value, repr(value)[1:-1], value.encode("unicode_escape").decode("ascii")}
    with _lock:
        _secrets.update(f for f in forms if len(f) >= _MIN_SECRET_LEN)
        ordered = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leftovers
        _secret_re = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """`text` with every registered secret and every password-like assignment masked."""
    pattern = _secret_re
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _ASSIGNMENT.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)


def _render_message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001 - bad format args: keep something readable rather than losing the record
        return f"{record.msg!r} % {record.args!r}"


def _clean(record: logging.LogRecord) -> logging.LogRecord:
    """Freeze the record's text, masked: msg becomes the formatted string and args are dropped."""
    if getattr(record, "_intake_redacted", False):
        return record
    record.msg = redact(_render_message(record))
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._intake_redacted = True
    return record


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is *now* (click's CliRunner and pytest swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        _clean(record)
        return True


class _NotFileOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


class _Formatter(logging.Formatter):
    """`2024-12-17T10:31:07.123+08:00 INFO intake.run: ...`: ISO 8601 with the offset of `tz`."""

    def __init__(self, tz: tzinfo | None) -> None:
        super().__init__(_FORMAT)
        self._tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        when = datetime.fromtimestamp(record.created, self._tz)
        return (when if self._tz is not None else when.astimezone()).isoformat(timespec="milliseconds")


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file; when it cannot be written (disk full, read-only) one line on stderr, once, instead of
    logging's traceback per record (kept for the CLI to print with its own last line: `pop_file_error`)."""

    _reported = False

    def handleError(self, record: logging.LogRecord) -> None:
        global _file_error
        if self._reported:
            return
        self._reported = True
        err = sys.exc_info()[1]
        reason = getattr(err, "strerror", None) or err
        line = f"cannot write the log file {self.baseFilename}: {reason}"
        if _defer_file_errors:
            _file_error = line
        else:
            print(f"intake: {line}", file=sys.stderr)


_defer_file_errors = False
_file_error: str | None = None


def defer_file_errors() -> None:
    """The CLI prints the log file's failure itself (joined to a fatal error's line: one line, not two)."""
    global _defer_file_errors
    _defer_file_errors = True


def pop_file_error() -> str | None:
    """The log file's failure since the last call, if any."""
    global _file_error
    line, _file_error = _file_error, None
    return line


def new_run() -> None:
    """Forget which conditions were warned about: each run warns once about each."""
    with _lock:
        _warned.clear()


def warn_once(logger: logging.Logger, key: str, msg: str, *args: Any) -> bool:
    """logger.warning(msg, *args) unless `key` was already warned about in this run; True if logged."""
    with _lock:
        if key in _warned:
            return False
        _warned.add(key)
    logger.warning(msg, *args)
    return True


def log_path(data_dir: Path) -> Path:
    return Path(data_dir) / "logs" / LOG_FILE_NAME


def _install_factory() -> None:
    global _factory_installed
    with _lock:
        if _factory_installed:
            return
        previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return _clean(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _factory_installed = True


def _file_handler(data_dir: Path) -> logging.Handler | None:
    path = log_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _LogFile(path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8")
    except OSError as err:
        print(f"intake: cannot write the log file {path}: {err.strerror or err}", file=sys.stderr)
        return None


def _mark(handler: logging.Handler, level: int, tz: tzinfo | None) -> logging.Handler:
    handler.setLevel(level)
    handler.setFormatter(_Formatter(tz))
    handler.addFilter(RedactingFilter())
    handler._intake_handler = True  # type: ignore[attr-defined]
    return handler


def _remove_ours(root: logging.Logger) -> None:
    for handler in list(root.handlers):
        if getattr(handler, "_intake_handler", False):
            root.removeHandler(handler)
            handler.close()


def setup_logging(
    *, data_dir: Path | None, verbose: bool = False, quiet: bool = False, tz: tzinfo | None = None
) -> None:
    """Configure the root logger once (calling again replaces, never duplicates, our handlers).

    stderr: INFO (DEBUG with verbose, WARNING with quiet — for cron). File data_dir/logs/intake.log:
    INFO (DEBUG with verbose), whatever `quiet` says, so cron runs still leave a full trail.
    Times in `tz` (the office time zone; the machine's zone when None), with their offset.
    """
    global _defer_file_errors, _file_error
    _install_factory()
    root = logging.getLogger()
    _remove_ours(root)
    _defer_file_errors, _file_error = False, None
    file_level = logging.DEBUG if verbose else logging.INFO
    err_level = logging.WARNING if quiet else file_level
    stderr = _mark(_StderrHandler(), err_level, tz)
    stderr.addFilter(_NotFileOnly())
    root.addHandler(stderr)
    if data_dir is not None:
        handler = _file_handler(Path(data_dir))
        if handler is not None:
            root.addHandler(_mark(handler, file_level, tz))
    root.setLevel(min(file_level, err_level))
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
