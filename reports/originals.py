"""The originals beside the workbook under names people read: 原件/<申报单位>/<项目名称>/<文件名>.

The store keeps every file once under its content hash (data_dir/files/…); the reports folder gets a
copy of each attachment under a readable path, so the workbook, the review pages and summary.html can
link to both the Word and the PDF, and the folder works wherever it is copied (every link relative).

Every part of such a path comes from a mail or a form and is untrusted (pitfalls 9.3): it is made a
single safe path component (NFC, no control characters, none of / \\ : * ? " < > | # %, no leading
dot, no trailing dot or space, no Windows device name, bounded length) and the extension comes from
the sniffed kind, never from the mail.  Two files that would get the same path are told apart by a
number (（2）), deterministically in receipt order.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.documents import SUFFIXES
from core.records import AttachmentRecord, FormRecord, MessageRecord

__all__ = ["ORIGINALS_DIR", "Originals", "OriginalsPlan", "materialise", "plan_originals", "safe_component"]

ORIGINALS_DIR = "原件"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|#%\ud800-\udfff\ufffe\uffff]+')
_SPACES = re.compile(r"\s+")
_DEVICES = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$")
_MAX_BYTES = 90  # per component: a Windows path of three of them stays well under 260 characters


def safe_component(text: str | None, *, empty: str = "未命名", limit: int = 40) -> str:
    """One path component made from untrusted text."""
    name = unicodedata.normalize("NFC", text or "")
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip(" ._")
    name = name[:limit]
    while len(name.encode("utf-8")) > _MAX_BYTES:
        name = name[:-1]
    name = name.rstrip(" .")
    if not name:
        return empty
    return f"_{name}" if _DEVICES.match(name) else name


def _file_name(a: AttachmentRecord) -> str:
    ext = SUFFIXES.get(a.kind, ".bin")
    stem = a.filename.rsplit("/", 1)[-1]
    if stem.lower().endswith(ext):
        stem = stem[: -len(ext)]
    return safe_component(stem, empty="附件", limit=50) + ext


def _archived(a: AttachmentRecord, data_dir: Path) -> Path | None:
    """The archived copy, only for a path the store made (relative, no '..') that exists."""
    if not a.archive_path:
        return None
    rel = PurePosixPath(a.archive_path.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts:
        return None
    target = Path(data_dir) / rel
    return target if target.is_file() else None


@dataclass
class Originals:
    """Readable relative paths (POSIX, from the reports folder) of the archived attachments."""

    paths: dict[tuple[str, str], str] = field(default_factory=dict)  # (message key, file name) → path
    sources: dict[str, Path] = field(default_factory=dict)  # path → archived copy

    def of(self, message_key: str, filename: str) -> str | None:
        return self.paths.get((message_key, filename))

    def form_files(self, m: MessageRecord, form: FormRecord) -> tuple[str | None, str | None]:
        """(Word, PDF) of a form: the first archived source of each kind."""
        word = pdf = None
        kinds = {a.filename: a.kind for a in m.attachments}
        for name in form.sources:
            path = self.of(m.key, name)
            if path is None:
                continue
            if kinds.get(name) == "pdf":
                pdf = pdf or path
            else:
                word = word or path
        return word, pdf


def _folder(m: MessageRecord, a: AttachmentRecord) -> tuple[str, str]:
    """(unit, project) folder names for an attachment: its form's, else the mail's first form's."""
    owner = next((f for f in m.forms if a.filename in f.sources), None)
    form = owner or (m.forms[0] if m.forms else None)
    if form is None:
        return safe_component(m.sender, empty="未知发件人"), "其他附件"
    fields = form.fields
    unit = safe_component(fields.applicant.name or fields.declared_org or m.sender, empty="未知单位")
    project = safe_component(fields.project_name, empty="未识别项目") if owner else "其他附件"
    return unit, project


class OriginalsPlan:
    """Readable paths, given one mail at a time in receipt order (deterministic numbering)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.result = Originals()
        self._taken: set[str] = set()

    def add(self, m: MessageRecord) -> None:
        out = self.result
        for a in m.attachments:
            source = _archived(a, self.data_dir)
            if source is None or (m.key, a.filename) in out.paths:
                continue
            unit, project = _folder(m, a)
            name = _file_name(a)
            path = f"{ORIGINALS_DIR}/{unit}/{project}/{name}"
            n = 2
            while path.casefold() in self._taken:  # Windows folders ignore case
                stem, dot, ext = name.rpartition(".")
                path = f"{ORIGINALS_DIR}/{unit}/{project}/{stem}（{n}）{dot}{ext}"
                n += 1
            self._taken.add(path.casefold())
            out.paths[m.key, a.filename] = path
            out.sources[path] = source


def plan_originals(ordered: Iterable[MessageRecord], data_dir: Path) -> Originals:
    """One pass in receipt order: a readable path for every archived attachment."""
    plan = OriginalsPlan(data_dir)
    for m in ordered:
        plan.add(m)
    return plan.result


def _same(target: Path, source: Path) -> bool:
    try:
        t, s = target.stat(), source.stat()
    except FileNotFoundError:
        return False
    return t.st_size == s.st_size and t.st_mtime_ns >= s.st_mtime_ns


def materialise(originals: Originals, out_dir: Path) -> int:
    """Copy each original to its readable path under `out_dir` (unchanged copies are left alone; files
    under 原件/ that no row links to any more are removed).  Copies, not links: a reviewer who edits an
    original in Word must not change the archive.  Returns the number of files copied."""
    copied = 0
    for rel, source in originals.sources.items():
        target = out_dir / rel
        if _same(target, source):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")  # one writer (the run lock): no random name needed
        try:
            shutil.copy2(source, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        copied += 1
    _prune(out_dir / ORIGINALS_DIR, {out_dir / rel for rel in originals.sources})
    return copied


def _prune(root: Path, keep: set[Path]) -> None:
    if not root.is_dir():
        return
    for dirpath, _dirs, filenames in os.walk(root, topdown=False):
        here = Path(dirpath)
        for name in filenames:
            if here / name not in keep:
                (here / name).unlink(missing_ok=True)
        if here != root and not any(here.iterdir()):
            here.rmdir()
