"""parsers.convert: legacy Word through a real LibreOffice (skipped when soffice is absent), and the
no-LibreOffice path that must never crash."""

from __future__ import annotations

import io
import shutil
import time
import zipfile

import psutil
import pytest

import parsers.convert as convert
from parsers.convert import NEED_LO, ConversionResult, convert_files, convert_to_docx, libreoffice_available
from parsers.sniff import sniff_kind

needs_lo = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def _form_docx(project: str) -> bytes:
    """A small 申报表-like document: a table of label / value cells."""
    import docx

    d = docx.Document()
    d.add_paragraph("专业技术人员继续教育高级研修项目申报表")
    t = d.add_table(rows=3, cols=2)
    for row, (label, value) in enumerate(
        [("项目名称", project), ("申报单位", "湖北省某某研究院"), ("联系电话", "027-87654321")]
    ):
        t.cell(row, 0).text = label
        t.cell(row, 1).text = value
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


def _document_xml(docx_bytes: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        return z.read("word/document.xml").decode("utf-8")


@pytest.fixture(scope="module")
def legacy_docs() -> dict[str, bytes]:
    """.doc files made by LibreOffice from python-docx forms, in one call (the slow part of these tests)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    sources = {n: _form_docx(n) for n in ("高级研修甲", "高级研修乙", "加密")}
    try:
        from samples.formgen import build_form_docx, sample_fields

        sources["form"] = build_form_docx(sample_fields(7), "glyph")
    except ImportError:
        pass
    res = convert_files([("申报表.docx", data) for data in sources.values()], target="doc")
    assert all(r.data is not None for r in res), res
    return {n: r.data for n, r in zip(sources, res, strict=False)}


def test_without_libreoffice_every_item_gets_the_reason(monkeypatch) -> None:
    monkeypatch.setattr(convert, "soffice_path", lambda: None)
    assert not libreoffice_available()
    res = convert_to_docx([("a.doc", b"x"), ("b.wps", b"y")])
    assert res == [ConversionResult(None, NEED_LO), ConversionResult(None, NEED_LO)]


def test_unstartable_soffice_is_not_a_crash(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(convert, "soffice_path", lambda: str(tmp_path / "missing-soffice"))
    assert [r.error for r in convert_to_docx([("a.doc", b"x")])] == [NEED_LO]


def test_timeout_kills_children_of_the_wrapper(monkeypatch, tmp_path) -> None:
    """soffice is a wrapper that forks soffice.bin; a fake one that forks a sleeper shows the whole
    process group dies on timeout; the first file is the one that hung, the second goes on alone (and
    hangs too)."""
    pidfile = tmp_path / "child.pids"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 301 &\necho $! >> {pidfile}\nsleep 302\n")
    fake.chmod(0o755)
    monkeypatch.setattr(convert, "soffice_path", lambda: str(fake))
    res = convert_to_docx([("a.doc", b"x"), ("b.doc", b"y")], timeout_s=0.5)
    assert [r.error for r in res] == [convert.TIMEOUT, convert.TIMEOUT]
    pids = [int(x) for x in pidfile.read_text().split()]
    assert len(pids) == 2  # the batch (stuck on a.doc), then b.doc alone
    for pid in pids:
        alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        assert not alive, f"child {pid} survived the timeout"


def test_a_hung_file_costs_its_limit_once_and_the_others_are_converted(monkeypatch, tmp_path) -> None:
    """A fake soffice that converts its arguments in order (copying a real .docx) and hangs on one:
    the files before it keep their result, it gets TIMEOUT, the files after it go on in a second call;
    the whole batch costs about one limit, not the limit per file."""
    docx = tmp_path / "form.docx"
    docx.write_bytes(minimal_docx_bytes())
    calls = tmp_path / "calls"
    fake = tmp_path / "soffice"
    fake.write_text(
        "#!/bin/sh\n"
        f"echo call >> {calls}\n"
        'out=""; prev=""\n'
        'for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; done\n'
        'for a in "$@"; do case "$a" in *.doc)\n'
        '  if grep -q HANG "$a"; then sleep 300; fi\n'
        f'  cp {docx} "$out/$(basename "$a" .doc).docx";; esac; done\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr(convert, "soffice_path", lambda: str(fake))
    items = [("1.doc", b"ok"), ("2.doc", b"ok"), ("3.doc", b"HANG"), ("4.doc", b"ok"), ("5.doc", b"ok")]
    started = time.monotonic()
    res = convert_to_docx(items, timeout_s=1.0)
    elapsed = time.monotonic() - started
    assert [r.error for r in res] == [None, None, convert.TIMEOUT, None, None]
    assert all(r.data == docx.read_bytes() for i, r in enumerate(res) if i != 2)
    assert calls.read_text().count("call") == 2  # no file-by-file retries
    assert elapsed < 2.5  # one limit for the hung file (plus polling), not five


def minimal_docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_empty_batch() -> None:
    assert convert_to_docx([]) == []


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_lo
def test_batch_converts_doc_and_wps_keeps_same_names_apart_and_reports_failures(legacy_docs) -> None:
    doc_a, doc_b = legacy_docs["高级研修甲"], legacy_docs["高级研修乙"]
    assert sniff_kind(doc_a) == "doc"
    items = [
        ("申报表.doc", doc_a),
        ("申报表.doc", doc_b),
        ("../申报表 (1).wps", doc_a),
        ("坏.doc", b"\xd0\xcf\x11\xe0 broken"),
    ]
    res = convert_to_docx(items)
    assert len(res) == 4
    assert "高级研修甲" in _document_xml(res[0].data) and "项目名称" in _document_xml(res[0].data)
    assert "高级研修乙" in _document_xml(res[1].data)  # same-named inputs did not overwrite each other
    assert "高级研修甲" in _document_xml(res[2].data)
    assert res[3].data is None and res[3].error  # soffice exits 0 here; the missing output tells


@pytest.mark.libreoffice
@needs_lo
def test_password_protected_doc_is_sniffed_with_a_reason(legacy_docs) -> None:
    import olefile

    from intake.archive import expand
    from parsers.sniff import sniff

    doc = legacy_docs["加密"]
    assert doc and sniff(doc).reason is None
    ole = olefile.OleFileIO(io.BytesIO(doc), write_mode=True)
    head = bytearray(ole.openstream("WordDocument").read())
    head[0x0B] |= 0x01  # FIB fEncrypted, as Word sets it for a password-protected file
    ole.write_stream("WordDocument", bytes(head))
    ole.fp.seek(0)
    locked = ole.fp.read()
    item = expand("申报表.doc", locked)[0]
    assert item.kind == "doc" and "加密" in (item.problem or "")


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_lo
def test_timeout_kills_the_whole_process_group(monkeypatch, tmp_path) -> None:
    import tempfile

    # this test's own temporary folder: other runs on the machine have soffice processes too
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # 1.5 s: long enough for oosplash to start soffice.bin, too short to finish two conversions.
    res = convert_to_docx([("a.doc", b"x"), ("b.doc", b"y")], timeout_s=1.5)
    assert [r.data for r in res] == [None, None]
    assert all(r.error for r in res)
    leftover = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if any(str(tmp_path) in c and "intake-lo-" in c for c in (p.info["cmdline"] or []))
    ]
    assert leftover == []  # neither the wrapper nor soffice.bin survived the kill


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_lo
def test_doc_made_from_the_real_form_converts_back_into_a_parseable_form(legacy_docs) -> None:
    """The pipeline path of a legacy .doc: form → .doc (LibreOffice) → .docx (convert_to_docx) → parse_docx."""
    formgen = pytest.importorskip("samples.formgen")
    docx_form = pytest.importorskip("parsers.docx_form")
    fields = formgen.sample_fields(7)
    doc = legacy_docs["form"]
    assert sniff_kind(doc) == "doc"
    back = convert_to_docx([("申报表.doc", doc)])[0]
    assert back.data is not None, back.error
    assert "<w:tbl>" in _document_xml(back.data)  # the form's table survived the round trip
    parsed = docx_form.parse_docx(back.data, "申报表.doc")
    assert parsed.is_form
    assert parsed.fields.to_json()["project_name"] == fields["project_name"]
    assert parsed.fields.to_json()["declared_org"] == fields["declared_org"]


@pytest.mark.libreoffice
@needs_lo
def test_the_first_good_call_keeps_its_profile_and_later_calls_start_from_a_copy(
    legacy_docs, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    exe = convert.soffice_path()
    assert exe is not None
    template = convert._template_dir(exe)
    assert not template.exists()
    first = convert_to_docx([("a.doc", legacy_docs["高级研修甲"])])
    assert first[0].data is not None and (template / "user").is_dir()  # soffice's own profile layout
    started: list[bool] = []
    real = convert._start_profile
    monkeypatch.setattr(
        convert, "_start_profile", lambda exe, prof: started.append(real(exe, prof)) or started[-1]
    )
    second = convert_to_docx([("b.doc", legacy_docs["高级研修乙"])])
    assert second[0].data is not None and started == [True]  # copied from the kept profile
    assert "高级研修乙" in _document_xml(second[0].data)
