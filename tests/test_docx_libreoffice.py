"""A form saved as legacy .doc by LibreOffice and converted back to .docx still parses to the same values.

This is the path a .doc attachment takes (parsers.convert); symbols come back as PUA text, content
controls as plain glyphs, legacy form fields as ffData (docs/pitfalls.md §4.2).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from parsers.docx_form import parse_docx
from samples.formgen import build_form_docx, sample_fields

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]
STYLES = ("glyph", "wingdings_sym", "content_control", "legacy_formfield", "split_table")


def _soffice(tmp: Path, target: str, files: list[Path]) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe
    profile = (tmp / "profile").as_uri()  # a private profile: other soffice instances may be running
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(tmp / target.split(":")[0]),
            *map(str, files),
        ],
        check=False,
        capture_output=True,
        timeout=180,
    )


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice (soffice) not installed"
)
def test_doc_round_trip(tmp_path: Path) -> None:
    cases = {style: sample_fields(400 + i) for i, style in enumerate(STYLES)}
    sources = []
    for style, fields in cases.items():
        path = tmp_path / f"{style}.docx"
        path.write_bytes(build_form_docx(fields, style))
        sources.append(path)
    _soffice(tmp_path, "doc", sources)
    docs = sorted((tmp_path / "doc").glob("*.doc"))
    assert len(docs) == len(STYLES), "LibreOffice did not write every .doc"
    _soffice(tmp_path, "docx:MS Word 2007 XML", docs)
    for style, fields in cases.items():
        back = (tmp_path / "docx" / f"{style}.docx").read_bytes()
        form = parse_docx(back, f"{style}.doc")
        assert form.is_form, style
        assert form.fields.to_json() == fields, style
