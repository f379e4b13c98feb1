"""`intake check`: a connection test for the staff setting intake up.

Connects, logs in, sends ID, lists the folders with their message counts, and checks the optional
components (LibreOffice for .doc/.wps forms, a RAR extractor, the CJK fonts). Each step prints one line;
a failed step makes the exit code 1 with a message that says what to fix — a missing component too,
since the attachments that need it would wait. Nothing in the mailbox is changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["run_check"]


def _say(ok: bool | None, step: str, detail: str = "") -> None:
    mark = {True: "OK  ", False: "FAIL", None: "WARN"}[ok]
    click.echo(f"[{mark}] {step}" + (f": {detail}" if detail else ""))


def _components() -> bool:
    from intake.tools import COMPONENTS, cjk_fonts

    ok = True
    for component in COMPONENTS:
        if component.available():
            _say(True, component.name, "installed")
        else:
            ok = False
            _say(False, component.name, f"not installed: {component.label} wait for it; {component.advice()}")
    fonts = cjk_fonts()
    if fonts is False:
        _say(
            None,
            "CJK fonts",
            "none found: LibreOffice may lay Chinese forms out badly; apt-get install fonts-noto-cjk",
        )
    elif fonts:
        _say(True, "CJK fonts", "installed")
    return ok


def _check_imap(mailbox_cfg: Any, drafts_folder: str | None = None) -> bool:
    from intake.mailbox import ImapMailbox, LoginRefused, MailboxError, MailboxUnavailable

    done: list[str] = []

    def step(name: str, detail: str) -> None:
        done.append(name)
        _say(True, name, detail)

    try:
        with ImapMailbox(mailbox_cfg, attempts=1, on_step=step) as mb:
            mb.connect()
            wanted = set(mb.folders())
            rows = mb.folder_counts()
            try:  # where `intake notify` drafts its notices (only needed when notices are used)
                drafts: tuple[bool | None, str] = (True, mb.drafts_folder(drafts_folder))
            except MailboxError as err:
                drafts = (None, f"{err}; `intake notify` cannot draft notices")
    except (LoginRefused, MailboxUnavailable) as err:
        _say(False, _failed_step(done, mailbox_cfg), str(err))
        return False
    for name, count in rows:
        mark = " (read by intake)" if name in wanted else ""
        _say(True, f"folder {name}", ("no messages" if count is None else f"{count} messages") + mark)
    missing = _missing_folders(mailbox_cfg, wanted)
    for name in missing:
        _say(None, f"folder {name}", "configured but not found on the server")
    _say(drafts[0], "drafts folder (notices)", drafts[1])
    return True


def _failed_step(done: list[str], cfg: Any) -> str:
    """The step after the last one that worked."""
    last = done[-1] if done else None
    if last is None:
        return "connect"
    if last == "connect":
        return "starttls" if getattr(cfg, "security", "") == "starttls" else "login"
    return {"starttls": "login", "login": "id"}.get(last, "folders")


def _missing_folders(cfg: Any, found: set[str]) -> list[str]:
    configured = list(getattr(cfg, "folders", None) or [getattr(cfg, "folder", "INBOX")])
    return [f for f in configured if not f.startswith("\\") and f not in found and f.upper() != "INBOX"]


def run_check(config_path: Path) -> int:
    """Run every step; 0 when the mailbox can be read and every component is installed, 1 otherwise."""
    from intake.config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as err:
        _say(False, "config", str(err))
        return 1
    _say(True, "config", str(config_path))
    mailbox = config.mailbox
    if mailbox.kind == "imap":
        ok = _check_imap(mailbox, config.notify.drafts_folder)
    else:
        path = getattr(mailbox, "path", None)
        ok = path is not None and Path(path).is_dir()
        _say(ok, "maildir", str(path) if ok else f"{path} is not a directory")
    components_ok = _components()
    return 0 if ok and components_ok else 1
