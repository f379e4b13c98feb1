"""LibreOffice for tests of what reviewers see: recalculate a workbook, print it or a page to PDF.

Each call uses its own throw-away user profile, so parallel or leftover soffice processes do not
interfere.  Tests using it skip when LibreOffice Calc/Writer is not installed.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

__all__ = ["calc_available", "needs_calc", "recalculated_sheets", "to_pdf"]


def calc_available() -> bool:
    soffice = shutil.which("soffice")
    if not soffice:
        return False
    program = Path(soffice).resolve().parent
    return (program / "libsclo.so").exists() or (program / "sclo.dll").exists()


needs_calc = pytest.mark.skipif(
    not calc_available(), reason="needs LibreOffice Calc (libreoffice-calc-nogui)"
)


def _soffice(args: list[str], cwd: Path) -> None:
    """One soffice call in its own session: on a timeout the whole group (soffice.bin too) is killed,
    so no LibreOffice outlives the test or keeps writing into its profile."""
    with tempfile.TemporaryDirectory(prefix="lo-profile-", ignore_cleanup_errors=True) as profile:
        cmd = [
            "soffice",
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            *args,
        ]
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            out, err = proc.communicate(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, cmd, out, err)


def recalculated_sheets(book: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every sheet as LibreOffice computes it on load (formulas evaluated), as rows of text."""
    out.mkdir(parents=True, exist_ok=True)
    local = out / "book.xlsx"
    shutil.copyfile(book, local)
    # CSV filter options: comma, double quote, UTF-8, from row 1, …, sheet -1 = every sheet to its own file
    _soffice(
        [
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out),
            str(local),
        ],
        out,
    )
    sheets = {}
    for path in out.glob("book-*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            sheets[path.stem.removeprefix("book-")] = list(csv.reader(fh))
    return sheets


def saved_by_calc(book: Path, work: Path) -> None:
    """Open and save the workbook in LibreOffice Calc, as a reviewer on the office share would: the file
    is rewritten by an office suite (its own strings and styles, the formulas' results stored)."""
    work.mkdir(parents=True, exist_ok=True)
    local = work / "book.xlsx"
    shutil.copyfile(book, local)
    _soffice(["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "out"), str(local)], work)
    shutil.copyfile(work / "out" / "book.xlsx", book)


def to_pdf(source: Path, out: Path) -> Path:
    """`source` (a workbook or an HTML page) printed to PDF by LibreOffice."""
    out.mkdir(parents=True, exist_ok=True)
    local = out / f"doc{source.suffix}"
    shutil.copyfile(source, local)
    args = ["--convert-to", "pdf", "--outdir", str(out), str(local)]
    if source.suffix == ".html":
        args = [
            "--infilter=HTML (StarWriter)",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out),
            str(local),
        ]
    _soffice(args, out)
    pdf = out / "doc.pdf"
    assert pdf.exists(), f"LibreOffice did not print {source.name}"
    return pdf
