"""Write every document of the evaluation set into a cache folder, once per change of this package.

Word documents come straight from the hand-written writers (w_ooxml, w_pythondocx) or from LibreOffice
converting HTML / RTF; PDFs from LibreOffice, headless Chromium and reportlab.  LibreOffice runs in
batches (one call per input kind and target, two profiles in parallel), Chromium once per file.  A writer
whose program is missing (Chromium on a CI machine without it) is left out and listed in the manifest's
`missing`; its documents are skipped, never faked.

`python -m tests.redteam.build [DIR]` builds and prints the folder.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.redteam import w_html, w_ooxml, w_pythondocx, w_reportlab, w_rtf
from tests.redteam.cases import CASES, Case
from tests.redteam.layout import document
from tests.redteam.model import Doc
from tests.redteam.negatives import NEGATIVES

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"

# Negative documents: (name, writer channel)
NEGATIVE_DOCS = (
    ("cover_letter", "word"),
    ("cover_letter", "chrome"),
    ("summary_table", "pydocx"),
    ("summary_table", "html>pdf"),
    ("implementation_plan", "html>docx"),
    ("implementation_plan", "word>pdf"),
    ("commitment", "wps"),
    ("expert_list", "rtf>doc"),
    ("notice_copy", "html>docx"),
    ("notice_copy", "chrome"),
    ("blank_template", "word"),
    ("blank_template", "wps"),
    ("blank_template", "word>pdf"),
    ("blank_template", "html>doc"),
)

_EXT = {
    "word": "docx",
    "wps": "docx",
    "pydocx": "docx",
    "html>docx": "docx",
    "rtf>docx": "docx",
    "html>doc": "doc",
    "rtf>doc": "doc",
    "word>pdf": "pdf",
    "wps>pdf": "pdf",
    "html>pdf": "pdf",
    "chrome": "pdf",
    "rl": "pdf",
    "rl_zapf": "pdf",
}


@dataclass(frozen=True)
class Item:
    """One document to write: its file name, the writer, the IR."""

    name: str
    channel: str
    doc: Doc
    seed: int = 0


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def soffice() -> str | None:
    return shutil.which("soffice")


# modules that read the documents or test the product, not write the set
_NOT_WRITING = frozenset({"evaluate.py", "mails.py", "known.py", "pdfgrid.py"})


def fingerprint() -> str:
    h = hashlib.sha256()
    for p in sorted(HERE.glob("*.py")):
        if p.name in _NOT_WRITING:
            continue
        h.update(p.name.encode())
        h.update(p.read_bytes())
    h.update(str(bool(chromium())).encode())
    return h.hexdigest()[:16]


def items() -> list[Item]:
    out: list[Item] = []
    for k, c in enumerate(CASES):
        f = c.form_filled
        if c.word:
            out.append(Item(f"{c.id}_w.{_EXT[c.word]}", c.word, document(f, c.style), k))
        if c.pdf:
            out.append(Item(f"{c.id}_p.pdf", c.pdf, document(f, c.style, seal=c.sealed), k))
    for name, channel in NEGATIVE_DOCS:
        ext = _EXT[channel]
        out.append(Item(f"neg_{name}_{channel.replace('>', '-')}.{ext}", channel, NEGATIVES[name]()))
    return out


# ---------------------------------------------------------------- external programs


def _run_group(cmd: list[str], timeout: float) -> None:
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def _lo_batch(profile: Path, files: list[Path], target: str, outdir: Path, infilter: str | None) -> None:
    if not files:
        return
    cmd = [soffice() or "soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", target, "--outdir", str(outdir), *map(str, files)]
    _run_group(cmd, 60 + 5 * len(files))


def _lo(jobs: list[tuple[list[Path], str, Path, str | None]], work: Path) -> None:
    """LibreOffice conversions, split over two private profiles running side by side."""
    halves: list[list[tuple[list[Path], str, Path, str | None]]] = [[], []]
    for files, target, outdir, infilter in jobs:
        halves[0].append((files[::2], target, outdir, infilter))
        halves[1].append((files[1::2], target, outdir, infilter))

    def worker(i: int) -> None:
        profile = work / f"lo-profile-{i}"
        for files, target, outdir, infilter in halves[i]:
            _lo_batch(profile, files, target, outdir, infilter)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(worker, (0, 1)))


def _chrome(jobs: list[tuple[Path, Path]]) -> None:
    exe = chromium()
    if exe is None:
        return

    def one(job: tuple[Path, Path]) -> None:
        src, dst = job
        with tempfile.TemporaryDirectory(prefix="rt-chrome-") as profile:
            _run_group(
                [
                    exe,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={dst}",
                    src.as_uri(),
                ],
                60,
            )

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(one, jobs))


# ---------------------------------------------------------------- building


def build(out: Path | None = None, *, force: bool = False) -> Path:
    """The folder holding every document and manifest.json (built unless an up-to-date one is there)."""
    out = out or CACHE / fingerprint()
    manifest = out / "manifest.json"
    if manifest.exists() and not force:
        return out
    if out.exists():
        shutil.rmtree(out)
    if out.parent == CACHE and CACHE.exists():  # older builds of this set: no longer needed
        for old in CACHE.iterdir():
            shutil.rmtree(old, ignore_errors=True)
    docs = out / "docs"
    work = out / "work"
    docs.mkdir(parents=True)
    work.mkdir()
    lo_jobs: dict[tuple[str, str | None], list[Path]] = {}
    chrome_jobs: list[tuple[Path, Path]] = []
    renames: list[tuple[Path, Path]] = []  # LibreOffice's output name → the item's name
    for it in items():
        stem = it.name.rsplit(".", 1)[0]
        target = docs / it.name
        ch = it.channel
        if ch in ("word", "wps"):
            target.write_bytes(w_ooxml.docx_bytes(it.doc, ch, it.seed))
        elif ch == "pydocx":
            if not w_pythondocx.supports(it.doc):
                raise ValueError(
                    f"{it.name}: python-docx cannot write this style; give the case another writer"
                )
            target.write_bytes(w_pythondocx.docx_bytes(it.doc))
        elif ch in ("rl", "rl_zapf"):
            target.write_bytes(w_reportlab.pdf_bytes(it.doc, zapf=ch == "rl_zapf"))
        elif ch == "chrome":
            src = work / f"{stem}.html"
            src.write_text(w_html.html(it.doc), encoding="utf-8")
            chrome_jobs.append((src, target))
        else:
            source, _, dest = ch.partition(">")
            if source in ("word", "wps"):
                src = work / f"{stem}.docx"
                src.write_bytes(w_ooxml.docx_bytes(it.doc, source, it.seed))
                infilter = None
            elif source == "html":
                src = work / f"{stem}.html"
                src.write_text(w_html.html(it.doc, for_lo=True), encoding="utf-8")
                infilter = "HTML (StarWriter)"
            else:
                src = work / f"{stem}.rtf"
                src.write_bytes(w_rtf.rtf(it.doc))
                infilter = None
            conv = {"docx": "docx:MS Word 2007 XML", "doc": "doc:MS Word 97", "pdf": "pdf:writer_pdf_Export"}[
                dest
            ]
            lo_jobs.setdefault((conv, infilter), []).append(src)
            renames.append((work / "lo" / f"{stem}.{dest}", target))
    (work / "lo").mkdir()
    missing = []
    if soffice():
        _lo([(files, conv, work / "lo", infilter) for (conv, infilter), files in lo_jobs.items()], work)
    else:
        missing.append("libreoffice")
    if chromium():
        _chrome(chrome_jobs)
    else:
        missing.append("chromium")
    for src, dst in renames:
        if src.exists():
            src.replace(dst)
    shutil.rmtree(work, ignore_errors=True)
    written = sorted(p.name for p in docs.iterdir())
    manifest.write_text(json.dumps({"documents": written, "missing": missing}, ensure_ascii=False, indent=1))
    return out


def documents(folder: Path) -> dict[str, Path]:
    data = json.loads((folder / "manifest.json").read_text())
    return {name: folder / "docs" / name for name in data["documents"]}


def missing_writers(folder: Path) -> list[str]:
    return list(json.loads((folder / "manifest.json").read_text())["missing"])


def case_documents(c: Case, folder: Path) -> Iterable[tuple[str, Path | None]]:
    """("word" | "pdf", path or None when its writer was missing) for each document of the case."""
    have = documents(folder)
    if c.word:
        name = f"{c.id}_w.{_EXT[c.word]}"
        yield "word", have.get(name)
    if c.pdf:
        yield "pdf", have.get(f"{c.id}_p.pdf")


if __name__ == "__main__":
    folder = build(Path(sys.argv[1]) if len(sys.argv) > 1 else None, force=len(sys.argv) > 2)
    print(folder)
