"""A missing optional component is loud and repairable (issue 15): LibreOffice taken off the PATH."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from intake.store import Store
from tests.test_cli import invoke, write_config
from tests.test_faults import log_lines, one_line
from tests.test_run import DOCX, at, form_docx, form_pdf, make_mail, write_maildir

pytestmark = pytest.mark.libreoffice

WARNING = (
    "LibreOffice (soffice) is not installed: .doc/.wps forms wait for it and are flagged for the office; "
    "as root: apt-get install libreoffice-writer-nogui fonts-noto-cjk (or make install-system in the "
    "intake folder)"
)


@pytest.fixture(scope="module")
def legacy_doc() -> tuple[dict[str, Any], bytes, bytes]:
    from parsers.convert import convert_files

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    fields, docx = form_docx(11)
    doc = convert_files([("表.docx", docx)], target="doc")[0].data
    assert doc is not None
    return fields, doc, form_pdf(fields)


def path_without_libreoffice(tmp_path: Path) -> str:
    """A PATH with the RAR tools but no soffice (only LibreOffice is missing)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("unar", "bsdtar"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def exported(tmp_path: Path) -> dict[str, Any]:
    lines = (tmp_path / "out" / "export.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["subject"]: json.loads(line) for line in lines}


def all_codes(message: dict[str, Any]) -> set[str]:
    return {f["code"] for f in message["flags"]} | {
        f["code"] for form in message["forms"] for f in form["flags"]
    }


def test_without_libreoffice_the_office_is_told_and_the_first_run_with_it_repairs_exactly_those(
    tmp_path: Path, legacy_doc: tuple[dict[str, Any], bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    fields, doc, pdf = legacy_doc
    _, docx = form_docx(12)
    mails = [
        make_mail(
            1, at(10), [("申报表.doc", doc, "application/msword"), ("申报表.pdf", pdf, "application/pdf")]
        ),
        make_mail(2, at(11), [("申报表.docx", docx, DOCX)]),
        make_mail(3, at(12), [("申报表.doc", doc, "application/msword")]),
    ]
    cfg = write_config(tmp_path, write_maildir(tmp_path / "mail", mails))
    real_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", path_without_libreoffice(tmp_path))

    code, out, err = invoke("run", "--config", str(cfg), "--quiet")
    assert code == 0 and out == ""
    assert one_line(err).endswith(f" WARNING intake.run: {WARNING}")  # cron mails this, even --quiet
    assert [ln.split(" WARNING intake.run: ")[1] for ln in log_lines(tmp_path / "data", "WARNING")] == [
        WARNING
    ]

    got = exported(tmp_path)
    for subject in ("申报表 1", "申报表 3"):
        codes = all_codes(got[subject])
        assert "component_missing" in codes, subject
        assert not codes & {"missing_word", "no_form_found", "unreadable_attachment"}, (subject, codes)
        doc_att = next(a for a in got[subject]["attachments"] if a["filename"] == "申报表.doc")
        assert doc_att["detail"] == "需安装组件：LibreOffice（用于读取 .doc/.wps 格式的申报表）"
    assert "component_missing" not in all_codes(got["申报表 2"])
    assert _mail_log_problems(tmp_path)["申报表 3"].startswith("· 本机尚未安装 LibreOffice")
    assert "这不是申报单位的问题" in _mail_log_problems(tmp_path)["申报表 3"]

    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 0 and any(
        "LibreOffice (soffice) is not installed: 2 message(s) wait for it" in ln for ln in out.splitlines()
    )

    code, out, err = invoke("run", "--config", str(cfg))  # still missing: warned again, nothing redone
    assert code == 0 and err.count(WARNING) == 1 and "0 processed" in out

    with Store(tmp_path / "data") as store:
        before = {r.key: r.extra for r in store.load_records()}
        unchanged_key = next(r.key for r in store.load_records() if r.subject == "申报表 2")
        runs_of = dict(store.db.execute("SELECT key, last_changed_run FROM messages"))

    monkeypatch.setenv("PATH", real_path)  # the office installs LibreOffice
    code, out, err = invoke("run", "--config", str(cfg))
    assert code == 0 and "LibreOffice" not in err
    assert "2 reprocessed now that a missing component is installed" in out
    got = exported(tmp_path)
    for subject in ("申报表 1", "申报表 3"):
        assert "component_missing" not in all_codes(got[subject])
        assert got[subject]["forms"][0]["fields"]["project_name"] == fields["project_name"]
        assert {a["status"] for a in got[subject]["attachments"]} == {"parsed"}
    assert "missing_word" not in all_codes(got["申报表 1"])  # Word and PDF paired now
    with Store(tmp_path / "data") as store:
        assert store.waiting() == {}
        after = dict(store.db.execute("SELECT key, last_changed_run FROM messages"))
    assert after[unchanged_key] == runs_of[unchanged_key]  # exactly those two were redone
    assert sum(after[k] != runs_of[k] for k in before) == 2
    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 0 and "no standing problems" in out


def _mail_log_problems(tmp_path: Path) -> dict[str, str]:
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "out" / "wb.xlsx", read_only=True)
    rows = list(wb["邮件日志"].iter_rows(values_only=True))
    wb.close()
    header = list(rows[0])
    subject, problems = header.index("主题"), header.index("问题")
    return {r[subject]: r[problems] or "" for r in rows[1:]}


def test_without_a_rar_tool_a_rar_attachment_waits_for_the_office_not_against_the_applicant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same mechanism for the other optional component: a RAR with the form inside, no unar/bsdtar."""
    from tests.mailfactory import tiny_rar

    fields, docx = form_docx(13)
    rar = tiny_rar({"申报表.docx": docx})
    cfg = write_config(
        tmp_path,
        write_maildir(tmp_path / "mail", [make_mail(1, at(10), [("材料.rar", rar, "application/x-rar")])]),
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    soffice = shutil.which("soffice")
    if soffice:
        (bin_dir / "soffice").symlink_to(soffice)
    real_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(bin_dir))  # LibreOffice there, no unar, no bsdtar (no unrar either)
    code, _, err = invoke("run", "--config", str(cfg), "--quiet")
    assert code == 0 and "a RAR extractor (unar or bsdtar) is not installed: RAR archives wait for it" in err
    message = exported(tmp_path)["申报表 1"]
    assert {f["code"] for f in message["flags"]} >= {"component_missing"}
    assert not all_codes(message) & {"no_form_found", "unreadable_attachment", "missing_word", "missing_pdf"}
    monkeypatch.setenv("PATH", real_path)
    code, out, _ = invoke("run", "--config", str(cfg))
    assert code == 0 and "1 reprocessed now that a missing component is installed" in out
    message = exported(tmp_path)["申报表 1"]
    assert "component_missing" not in all_codes(message)
    assert message["forms"][0]["fields"]["project_name"] == fields["project_name"]
