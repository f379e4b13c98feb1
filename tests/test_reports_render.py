"""LibreOffice Calc opens the workbook and prints it: every sheet renders, CJK text survives."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from core.flags import Flag
from reports.workbook import write_workbook
from tests.test_reports_factory import TZ, make_form, make_message, make_run


def _calc_available() -> bool:
    soffice = shutil.which("soffice")
    if not soffice:
        return False
    program = Path(soffice).resolve().parent
    return (program / "libsclo.so").exists() or (program / "sclo.dll").exists()


pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        not _calc_available(), reason="needs LibreOffice Calc (soffice + libreoffice-calc-nogui)"
    ),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)"),
]


def test_libreoffice_renders_every_sheet(tmp_path: Path) -> None:
    msgs = [make_message(i) for i in range(3)]
    msgs.append(
        make_message(
            3,
            forms=(make_form("INBOX/1/4", 3, flags=(Flag("missing_field", "purpose"),)),),
            flags=(Flag("late", "2024-12-18 10:00"),),
        )
    )
    book = tmp_path / "book.xlsx"  # ASCII name: soffice's command line is not the thing under test
    write_workbook(book, msgs, make_run(), tz=TZ, data_dir=tmp_path)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "book.pdf"
    assert pdf.exists(), "LibreOffice could not load the workbook"
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, timeout=60).stdout
    text_s = text.decode("utf-8")
    for expected in (
        "高级研修项目申报汇总",
        "数字经济与产业升级高级研修班3",
        "未填写：研修目的和作用",
        "逾期提交",
        "收到时间",
        "SHA-256",
    ):
        assert expected in text_s
