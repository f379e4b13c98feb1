"""The real LibreOffice as a writer of test fixtures: .docx → .doc (Word 97), .docx/.html → .pdf.

Independent of the project's own LibreOffice runner (parsers/convert.py): a private profile per call, one
soffice process for a batch, output checked by file presence (soffice's exit status means nothing).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

FILTERS = {"doc": "doc:MS Word 97", "pdf": "pdf:writer_pdf_Export", "docx": "docx:MS Word 2007 XML"}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: Mapping[str, bytes], target: str, *, timeout: float = 600) -> dict[str, bytes]:
    """{name: bytes} (names like "a.docx") → {name: converted bytes} for each file LibreOffice wrote."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="writer-lo-") as tmp:
        src, out = Path(tmp, "in"), Path(tmp, "out")
        src.mkdir()
        for name, data in files.items():
            (src / name).write_bytes(data)
        cmd = [
            exe,
            f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            FILTERS.get(target, target),
            "--outdir",
            str(out),
            *sorted(str(src / n) for n in files),
        ]
        subprocess.run(cmd, capture_output=True, timeout=timeout, check=False, start_new_session=True)
        ext = target.split(":")[0]
        got = {}
        for name in files:
            path = out / (Path(name).stem + "." + ext)
            if path.exists():
                got[name] = path.read_bytes()
        return got
