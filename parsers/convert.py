"""Legacy Word (.doc / Kingsoft .wps) to .docx through LibreOffice headless (docs/pitfalls.md §6).

One soffice call per batch (start-up costs ~1.3 s, each extra file ~0.3 s), a private profile directory
per call (a shared profile makes concurrent calls fail silently) copied from a profile kept after the
first successful call (a cold profile costs soffice ~0.9 s more to start), inputs copied in under uuid names
(same-named inputs would overwrite each other's output; mail names are never paths), a timeout that
kills the whole process group (soffice is a wrapper around soffice.bin), and success judged by the
output file existing (soffice exits 0 on failure).

The time limit is per file, and a file that hangs costs it once (issue 15: a hanging batch used to be
retried file by file, each with the whole batch's limit — 4x the limit in all).  LibreOffice converts
its arguments in order and each output appears when its file is done, so the limit runs from the last
sign of progress; when it expires, the file being worked on is the one that hangs: it gets TIMEOUT, the
files before it keep their results, and the files after it go on in a new call.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConversionResult", "convert_files", "convert_to_docx", "libreoffice_available", "soffice_path"]

log = logging.getLogger(__name__)

NEED_LO = "需要 LibreOffice 转换"
FAILED = "LibreOffice 无法转换该文件（文件可能已损坏或加密）"
TIMEOUT = "LibreOffice 转换超时"
_ALLOWED_EXT = {".doc", ".wps", ".rtf", ".docx", ".odt", ".wpt", ".dot"}


@dataclass(frozen=True)
class ConversionResult:
    data: bytes | None  # the .docx bytes, or None
    error: str | None  # Chinese reason when data is None


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def libreoffice_available() -> bool:
    return soffice_path() is not None


def _ext(name: str) -> str:
    """The input's extension for LibreOffice's filter detection, from an allowlist (default .doc)."""
    ext = os.path.splitext(name)[1].lower()
    return ext if ext in _ALLOWED_EXT else ".doc"


DEFAULT_FILE_TIMEOUT_S = 60.0  # per file, LibreOffice's start-up included
_POLL_S = 0.1


def convert_to_docx(
    items: Sequence[tuple[str, bytes]], *, timeout_s: float | None = None
) -> list[ConversionResult]:
    """Convert (name, bytes) pairs to .docx, same order as `items`, in one soffice call.  `timeout_s`
    is the limit per file.  Never raises."""
    # Forcing the Word 97 import filter: without it LibreOffice "converts" a damaged file as plain text.
    return convert_files(items, target="docx", timeout_s=timeout_s, infilter="MS Word 97")


_FILTERS = {"docx": "docx:MS Word 2007 XML", "doc": "doc:MS Word 97", "pdf": "pdf"}


def convert_files(
    items: Sequence[tuple[str, bytes]],
    *,
    target: str = "docx",
    timeout_s: float | None = None,
    infilter: str | None = None,
) -> list[ConversionResult]:
    """Convert to `target` ("docx", "doc" or "pdf"); the generic form of convert_to_docx (tests and
    benchmarks make .doc files with it).  `timeout_s`: the limit per file (a hung file costs it once)."""
    if not items:
        return []
    exe = soffice_path()
    if exe is None:
        return [ConversionResult(None, NEED_LO) for _ in items]
    limit = timeout_s or DEFAULT_FILE_TIMEOUT_S
    results: list[ConversionResult] = []
    while len(results) < len(items):
        try:
            done, hung = _run_batch(exe, items[len(results) :], target, infilter, limit)
        except OSError as err:
            log.warning("soffice could not be started: %s", err)
            return results + [ConversionResult(None, NEED_LO)] * (len(items) - len(results))
        results += done
        if hung:
            log.warning("soffice: %s took over %.0f s and was stopped", items[len(results)][0], limit)
            results.append(ConversionResult(None, TIMEOUT))
    return results


def _template_dir(exe: str) -> Path:
    """Where the prepared profile of this soffice lives (per user; a new LibreOffice gets a new one)."""
    stat = os.stat(exe)
    tag = hashlib.sha256(f"{os.path.realpath(exe)}\0{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "intake" / f"libreoffice-profile-{tag}"


def _start_profile(exe: str, prof: Path) -> bool:
    """Copy the prepared profile to `prof`; False when there is none yet (soffice makes a cold one)."""
    template = _template_dir(exe)
    if template.is_dir() and template.stat().st_uid == os.getuid():
        shutil.copytree(template, prof, symlinks=True)
        return True
    prof.mkdir()
    return False


def _keep_profile(exe: str, prof: Path) -> None:
    """Keep the profile a successful call made as the prepared one (copied aside, then renamed in:
    a concurrent run never sees half a copy, and the first one kept stays)."""
    template = _template_dir(exe)
    staging: Path | None = None
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".profile-", dir=template.parent))
        shutil.copytree(prof, staging / "p", symlinks=True)
        os.rename(staging / "p", template)
    except OSError as err:  # kept by another run already, or no writable cache: cold starts, still correct
        log.debug("LibreOffice profile not kept: %s", err)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _run_batch(
    exe: str, items: Sequence[tuple[str, bytes]], target: str, infilter: str | None, limit_s: float
) -> tuple[list[ConversionResult], bool]:
    """Convert `items` in one soffice call.  (results, False) when it finished; (results of the files
    before the one that hung, True) when that file went past `limit_s` without progress."""
    root = Path(tempfile.mkdtemp(prefix="intake-lo-"))
    try:
        inp, out, prof = root / "in", root / "out", root / "profile"
        for d in (inp, out):
            d.mkdir()
        prepared = _start_profile(exe, prof)
        stems: list[str] = []
        paths: list[str] = []
        for name, data in items:
            stem = uuid.uuid4().hex
            p = inp / f"{stem}{_ext(name)}"
            p.write_bytes(data)
            stems.append(stem)
            paths.append(str(p))
        cmd = [
            exe,
            f"-env:UserInstallation={prof.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            _FILTERS[target],
            "--outdir",
            str(out),
            *paths,
        ]
        env = dict(os.environ, HOME=str(root), LANG=os.environ.get("LANG", "C.UTF-8"))
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
        try:
            hung_at = _watch(proc, out, stems, target, limit_s)
        finally:
            _kill_group(proc)
        finished = stems if hung_at is None else stems[:hung_at]
        results = [_result(out / f"{stem}.{target}", target) for stem in finished]
        if not prepared and any(r.data is not None for r in results):
            _keep_profile(exe, prof)
        return results, hung_at is not None
    finally:
        _remove(root)


def _remove(root: Path) -> None:
    """Remove a conversion's folder.  A killed soffice.bin may still be closing files in it for a
    moment after its group was killed, so an rmtree that finds a new entry is tried again; what is
    left after that is swept by the next run (intake.datadir.sweep)."""
    for attempt in range(5):
        try:
            shutil.rmtree(root)
            return
        except OSError as err:
            if not root.exists():
                return
            if attempt == 4:
                log.debug("conversion folder %s left for the next run's sweep: %s", root.name, err)
                return
            time.sleep(0.2)


def _watch(
    proc: subprocess.Popen[bytes], out: Path, stems: Sequence[str], target: str, limit_s: float
) -> int | None:
    """Wait for soffice; None when it exits, else the index of the file that made no progress for
    `limit_s` (the one being written, or the one after the last written)."""
    deadline = time.monotonic() + limit_s
    seen = (-1, 0)
    while proc.poll() is None:
        now = time.monotonic()
        state = _progress(out, stems, target)
        if state != seen:
            seen, deadline = state, now + limit_s
        elif now >= deadline:
            last, _complete = state
            return last if last >= 0 and _writing(out, stems[last], target) else last + 1
        time.sleep(_POLL_S)
    return None


def _progress(out: Path, stems: Sequence[str], target: str) -> tuple[int, int]:
    """(index of the last file with output, number of complete outputs): changes whenever soffice moves."""
    names = {p.name for p in out.iterdir()}
    started = [i for i, stem in enumerate(stems) if f"{stem}.{target}" in names]
    complete = sum(1 for i in started if not _writing(out, stems[i], target))
    return (started[-1] if started else -1), complete


def _writing(out: Path, stem: str, target: str) -> bool:
    """LibreOffice keeps a lock file beside an output while it writes it."""
    return (out / f".~lock.{stem}.{target}#").exists()


def _result(produced: Path, target: str) -> ConversionResult:
    data = produced.read_bytes() if produced.is_file() else None
    if data is not None and _looks_like(target, data):
        return ConversionResult(data, None)
    return ConversionResult(None, FAILED)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """soffice forks soffice.bin: kill the whole session so nothing keeps running or writing."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def _looks_like(target: str, data: bytes) -> bool:
    if target == "pdf":
        return data.startswith(b"%PDF-")
    if target == "doc":
        return data.startswith(b"\xd0\xcf\x11\xe0")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
