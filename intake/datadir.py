"""data_dir on disk: private by default, and a temporary area that the next run sweeps.

data_dir holds applicants' names and mobile numbers (store, archived mails, workbook, export, logs), so:
- everything intake creates there is owner-only — directories 0700, files 0600 — whatever the umask of
  the shell or cron that started it: `private()` sets the process umask to 077 for the run, so files
  written by SQLite, LibreOffice or a library follow too.  With `[intake] group = "reviewers"` the umask
  is 027 and data_dir is 2750 (setgid: what is created inside belongs to the group): members read,
  nobody else does.  `secure()` brings a data_dir left readable by an older version (or made by hand)
  to those modes, walking the tree only when data_dir itself is not yet as wanted.
- temporary files live in data_dir/tmp, not /tmp: during a run tempfile and TMPDIR point there, so the
  spool of a large message, LibreOffice's profile and files, 7z/rar extraction all stay private, and a
  run killed half-way leaves them where `private()` of the next run (under the run lock, so no run is
  using them) removes them, together with the temporary siblings of atomic writes (store files,
  outputs) that a kill can leave behind.
"""

from __future__ import annotations

import errno
import grp
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reports.atomic import temp_pattern

__all__ = ["TMP_NAME", "check_writable", "private", "secure", "sweep", "umask_for"]

log = logging.getLogger(__name__)

TMP_NAME = "tmp"
_STORE_TMP = ".tmp-*"  # intake.store's archive writes (older versions wrote them next to the files)


def check_writable(data_dir: Path) -> None:
    """OSError naming data_dir (or the first folder that exists above it) when intake cannot write there:
    a read-only disk or a folder of another user, found before anything is written."""
    existing = next((p for p in (data_dir, *data_dir.parents) if p.exists()), None)
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        code = errno.EROFS if _read_only(existing) else errno.EACCES
        raise OSError(code, os.strerror(code), str(existing))


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def umask_for(group: str | None) -> int:
    return 0o027 if group else 0o077


def _modes(group: str | None) -> tuple[int, int]:
    """(directory mode, file mode)."""
    return (0o2750, 0o640) if group else (0o700, 0o600)


def _gid(group: str | None) -> int:
    return grp.getgrnam(group).gr_gid if group else -1


def secure(data_dir: Path, group: str | None = None) -> None:
    """Create data_dir if needed and make it and everything in it private (or the group's)."""
    dir_mode, file_mode = _modes(group)
    gid = _gid(group)
    data_dir.mkdir(parents=True, exist_ok=True)
    st = data_dir.stat()
    if stat.S_IMODE(st.st_mode) == dir_mode and (gid < 0 or st.st_gid == gid):
        return
    changed = 0
    for path, is_dir in _tree(data_dir):
        changed += _set(path, dir_mode if is_dir else file_mode, gid)
    if changed:
        who = f"owner and group {group}" if group else "owner only"
        log.info("data_dir %s: %d file(s) and folder(s) made private (%s)", data_dir, changed, who)


def _tree(root: Path) -> Iterator[tuple[Path, bool]]:
    yield root, True
    for dirpath, dirs, files in os.walk(root):
        base = Path(dirpath)
        for name in dirs:
            yield base / name, True
        for name in files:
            yield base / name, False


def _set(path: Path, mode: int, gid: int) -> int:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            return 0
        if gid >= 0 and st.st_gid != gid:
            os.chown(path, -1, gid)
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)
            return 1
    except OSError as err:  # a file of another user: say so, the rest is still tightened
        log.warning("cannot make %s private: %s", path, err.strerror or err)
    return 0


def sweep(data_dir: Path, outputs: Iterable[Path] = ()) -> int:
    """Remove what a killed run left: everything in data_dir/tmp, the store's and the outputs'
    temporary siblings.  Only call it holding the run lock.  Returns how many entries were removed."""
    removed = 0
    tmp = data_dir / TMP_NAME
    if tmp.is_dir():
        for entry in tmp.iterdir():
            removed += _remove(entry)
    files = data_dir / "files"
    if files.is_dir():
        removed += sum(_remove(p) for p in files.glob(f"*/{_STORE_TMP}"))
    for output in outputs:
        if output.parent.is_dir():
            removed += sum(_remove(p) for p in output.parent.glob(temp_pattern(output)))
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted run", removed)
    return removed


def _remove(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return 0
    return 1


@contextmanager
def private(data_dir: Path, group: str | None = None, outputs: Iterable[Path] = ()) -> Iterator[Path]:
    """For one run (inside the run lock): umask 077 (027 with a group), data_dir secured, leftovers swept,
    and temporary files (tempfile, TMPDIR of child processes) in data_dir/tmp.  Restores all on exit."""
    old_mask = os.umask(umask_for(group))
    old_tempdir, old_env = tempfile.tempdir, os.environ.get("TMPDIR")
    try:
        secure(data_dir, group)
        sweep(data_dir, outputs)
        tmp = data_dir / TMP_NAME
        tmp.mkdir(exist_ok=True)
        tempfile.tempdir = str(tmp)
        os.environ["TMPDIR"] = str(tmp)
        yield tmp
    finally:
        tempfile.tempdir = old_tempdir
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env
        os.umask(old_mask)
