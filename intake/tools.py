"""The optional programs intake uses, and whether they are installed.

Without one of them intake still runs, but the attachments that need it cannot be read.  That is the
office's doing, not the applicant's, so it must be loud and repairable (issue 15): `intake check` fails,
each run warns once (on stderr even under --quiet), the attachments get the flag component_missing whose
sentence says the office must install the component, and the messages wait — the first run after the
component appears reprocesses exactly them (intake.run, via the store's list of waiting messages).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["COMPONENTS", "Component", "by_key", "cjk_fonts", "missing", "waiting_for"]


@dataclass(frozen=True)
class Component:
    key: str  # stable: stored with the messages that wait for it
    name: str  # English, for logs and `intake check`
    needed_for: str  # English: what waits for it
    label: str  # Chinese, for the flag reviewers read
    kinds: tuple[str, ...]  # sniffed kinds of the attachments that need it
    packages: str  # Debian packages that provide it (`make install-system` installs them)
    probe: Callable[[], bool]
    hides: tuple[str, ...]  # flags that would blame the applicant while it is missing (core.flags codes)

    def available(self) -> bool:
        return self.probe()

    def advice(self) -> str:
        return f"as root: apt-get install {self.packages} (or make install-system in the intake folder)"


def _soffice() -> bool:
    from parsers.convert import libreoffice_available

    return libreoffice_available()


def _rar() -> bool:
    from intake.archive import rar_backend

    return rar_backend() is not None


COMPONENTS = (
    Component(
        "libreoffice",
        "LibreOffice (soffice)",
        ".doc/.wps forms",
        "LibreOffice（用于读取 .doc/.wps 格式的申报表）",
        ("doc", "wps"),
        "libreoffice-writer-nogui fonts-noto-cjk",
        _soffice,
        ("missing_word", "no_form_found"),
    ),
    Component(
        "rar",
        "a RAR extractor (unar or bsdtar)",
        "RAR archives",
        "unar 或 bsdtar（用于解压 RAR 压缩包）",
        ("rar",),
        "unar libarchive-tools",
        _rar,
        ("missing_word", "missing_pdf", "no_form_found"),
    ),
)


def by_key(key: str) -> Component | None:
    return next((c for c in COMPONENTS if c.key == key), None)


def missing() -> tuple[Component, ...]:
    return tuple(c for c in COMPONENTS if not c.available())


def waiting_for(kind: str, absent: tuple[Component, ...]) -> Component | None:
    """The missing component an attachment of this kind needs, if any."""
    return next((c for c in absent if kind in c.kinds), None)


def cjk_fonts() -> bool | None:
    """Chinese fonts for LibreOffice's layout (None: fontconfig not installed, cannot tell)."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(out.stdout.strip())
