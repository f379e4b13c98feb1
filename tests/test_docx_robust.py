"""Hostile and broken input: every failure is a DocumentError with a Chinese reason, never another exception."""

from __future__ import annotations

import io
import zipfile

import pytest

from core.documents import DocumentError
from parsers import ooxml
from parsers.docx_form import parse_docx
from samples.formgen import build_form_docx, package_docx, sample_fields

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _doc(body: str, prolog: str = "") -> bytes:
    return package_docx(
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document {W_NS}><w:body>{body}'
        "</w:body></w:document>"
    )


def _table_with(project: str) -> str:
    cells = [
        ("项目名称", project),
        ("办班时间", "2025年6月16日-20日"),
        ("办班地点", "武汉"),
        ("选题所属行业领域", "农业"),
        ("选题所属行业主管部门", "农业农村厅"),
        ("培训对象", "骨干"),
        ("研修目的和作用", "提升"),
    ]
    rows = "".join(
        f"<w:tr><w:tc><w:p><w:r><w:t>{a}</w:t></w:r></w:p></w:tc>"
        f"<w:tc><w:p><w:r><w:t>{b}</w:t></w:r></w:p></w:tc></w:tr>"
        for a, b in cells
    )
    return f"<w:tbl>{rows}</w:tbl>"


def test_xxe_entity_is_not_expanded(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", "utf-8")
    prolog = f'<!DOCTYPE w:document [<!ENTITY ext SYSTEM "file://{secret}"><!ENTITY inner "内部实体">]>'
    form = parse_docx(_doc(_table_with("项目&ext;&inner;"), prolog), "xxe.docx")
    assert "TOP-SECRET" not in str(form.fields.to_json())
    assert "内部实体" not in str(form.fields.to_json())
    assert form.fields.to_json()["project_name"].startswith("项目")


def test_billion_laughs_is_refused_or_harmless() -> None:
    ents = '<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 9)
    )
    data = _doc(_table_with("&a8;"), f"<!DOCTYPE w:document [{ents}]>")
    try:
        form = parse_docx(data, "lol.docx")
    except DocumentError as err:
        assert err.reason
    else:
        assert len(str(form.fields.to_json())) < 10_000


def test_member_inflating_past_the_limit_is_refused() -> None:
    padding = "<w:p/>" * 2_000_000  # ~12 MB of XML compressing to a few KB
    data = _doc(_table_with("x") + padding)
    with pytest.raises(DocumentError) as err:
        ooxml.load_document(data, ooxml.Limits(max_member=5 * 1024 * 1024, max_total=100 * 1024 * 1024))
    assert "过大" in err.value.reason or "压缩比" in err.value.reason


def test_compression_ratio_limit() -> None:
    data = _doc(_table_with("x") + "<w:p/>" * 400_000)  # ~2.4 MB, ratio far above 100
    with pytest.raises(DocumentError, match="压缩比"):
        parse_docx(data, "bomb.docx")


def test_lying_size_header_is_still_bounded() -> None:
    """A member whose header claims a small size cannot make us read more than the limit."""
    data = _doc(_table_with("x") + "<w:p/>" * 300_000)
    limits = ooxml.Limits(max_member=100_000, max_total=10**9, max_ratio=10**9)
    with pytest.raises(DocumentError):
        ooxml.load_document(data, limits)


@pytest.mark.parametrize("cut", [10, 200, 0.5, 0.9, -10])
def test_truncated_docx(cut: float) -> None:
    data = build_form_docx(sample_fields(5))
    n = int(len(data) * cut) if isinstance(cut, float) else cut
    with pytest.raises(DocumentError) as err:
        parse_docx(data[:n], "cut.docx")
    assert err.value.reason and err.value.name == "cut.docx"


@pytest.mark.parametrize(
    "data,words",
    [
        (b"", "不是"),
        (b"%PDF-1.7\n...", "不是"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".doc"),
        (b"PK\x03\x04garbage", "损坏"),
    ],
)
def test_not_a_docx(data: bytes, words: str) -> None:
    with pytest.raises(DocumentError) as err:
        parse_docx(data, "x.docx")
    assert words in err.value.reason


def test_zip_without_a_document_part() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(DocumentError, match="正文"):
        parse_docx(out.getvalue(), "x.docx")


def test_broken_xml() -> None:
    with pytest.raises(DocumentError, match="XML"):
        parse_docx(package_docx("<w:document><w:body><w:p>"), "x.docx")


def test_encrypted_docx() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(build_form_docx(sample_fields(1)))).encrypt("secret", out)
    with pytest.raises(DocumentError, match="加密"):
        parse_docx(out.getvalue(), "locked.docx")


def test_docm_main_part_is_found_by_content_type() -> None:
    data = build_form_docx(sample_fields(2))
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            body = src.read(info)
            name = "word/main.xml" if info.filename == "word/document.xml" else info.filename
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"/word/document.xml", b"/word/main.xml").replace(
                    b"document.main+xml", b"document.macroEnabled.main+xml"
                )
            zf.writestr(name, body)
    form = parse_docx(out.getvalue(), "宏.docm")
    assert form.is_form and form.fields.to_json()["project_name"] == sample_fields(2)["project_name"]


def test_deeply_nested_tables_do_not_crash() -> None:
    inner = "<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    for _ in range(200):
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl><w:p/>"
    try:
        form = parse_docx(_doc(inner), "deep.docx")
    except DocumentError as err:
        assert err.reason
    else:
        assert not form.is_form


def test_strict_open_xml_namespace() -> None:
    fields = sample_fields(9)
    data = build_form_docx(fields)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            body = src.read(info).replace(
                b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                b"http://purl.oclc.org/ooxml/wordprocessingml/main",
            )
            zf.writestr(info.filename, body)
    assert parse_docx(out.getvalue(), "strict.docx").fields.to_json() == fields
