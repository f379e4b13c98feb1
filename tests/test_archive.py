"""intake.archive and parsers.sniff: GBK zips, 7z, rar, nesting, bombs and hostile names — flagged, never a crash."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

import py7zr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intake.archive as archive
from intake.archive import ENCRYPTED, RAR_MANUAL, Limits, display_name, expand, storage_name
from parsers.sniff import DOC_KINDS, sniff, sniff_kind
from tests.mailfactory import Part, build_mail, gbk_zip, minimal_docx, tiny_rar, tnef

DOCX = minimal_docx("项目名称")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
OLE_DOC_HEAD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name), data, method)
    return b.getvalue()


def _7z(members: dict[str, bytes], password: str | None = None) -> bytes:
    b = io.BytesIO()
    with py7zr.SevenZipFile(b, "w", password=password, header_encryption=bool(password)) as z:
        for name, data in members.items():
            z.writestr(data, name)
    return b.getvalue()


# ---------------------------------------------------------------- sniffing


def test_sniff_kinds_from_bytes() -> None:
    assert sniff_kind(DOCX) == "docx"
    assert sniff_kind(PDF) == "pdf"
    assert sniff_kind(_zip({"a.txt": b"x"})) == "zip"
    assert sniff_kind(_7z({"a.txt": b"x"})) == "7z"
    assert sniff_kind(tiny_rar({"a.txt": b"x"})) == "rar"
    assert sniff_kind(b"hello") == "other"
    assert set(DOC_KINDS) >= {"docx", "doc", "wps", "pdf", "zip", "rar", "7z", "other"}


def test_pdf_that_is_really_a_docx_is_a_docx() -> None:
    items = expand("申报表.pdf", DOCX)
    assert items[0].kind == "docx" and items[0].problem is None


def test_encrypted_ooxml_is_other_with_a_chinese_reason() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(DOCX)).encrypt("secret", out)
    item = expand("申报表.docx", out.getvalue())[0]
    assert item.kind == "other" and "加密" in (item.problem or "")


@pytest.mark.parametrize(
    "head,word",
    [
        (b"<html xmlns:w='urn:schemas-microsoft-com:office:word'><body>", "HTML"),
        (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n", "MHT"),
        (
            b'<?xml version="1.0"?><?mso-application progid="Word.Document"?><w:wordDocument '
            b'xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml">',
            "XML",
        ),
        (b"{\\rtf1\\ansi \\'c9\\'ea}", "RTF"),
    ],
)
def test_web_page_or_xml_saved_as_doc_is_other_with_reason(head: bytes, word: str) -> None:
    s = sniff(head)
    assert s.kind == "other" and word in (s.reason or "")


# ---------------------------------------------------------------- zip names


def test_gbk_zip_member_names_without_utf8_flag() -> None:
    data = gbk_zip({"申报表-朱镕基.docx": DOCX, "附件/盖章扫描件.pdf": PDF})
    items = expand("材料.zip", data)
    assert [i.name for i in items] == [
        "材料.zip",
        "材料.zip/申报表-朱镕基.docx",
        "材料.zip/附件/盖章扫描件.pdf",
    ]
    assert [i.kind for i in items] == ["zip", "docx", "pdf"]
    assert items[1].data == DOCX and items[1].parent == "材料.zip"
    assert items[1].sha256 == hashlib.sha256(DOCX).hexdigest() and items[1].size == len(DOCX)


def test_short_gbk_member_name_that_is_also_valid_utf8() -> None:
    data = gbk_zip({"一一一.docx": DOCX})  # D2 BB D2 BB D2 BB also reads as UTF-8 Cyrillic
    assert expand("a.zip", data)[1].name == "a.zip/一一一.docx"


def test_utf8_flagged_and_unflagged_utf8_names() -> None:
    flagged = _zip({"申报表.docx": DOCX})  # zipfile sets the UTF-8 flag for non-ASCII names
    assert expand("a.zip", flagged)[1].name == "a.zip/申报表.docx"
    unflagged = gbk_zip({"申报表.docx": DOCX}, encoding="utf-8")
    assert expand("a.zip", unflagged)[1].name == "a.zip/申报表.docx"


def test_info_zip_unicode_path_field_wins_over_legacy_bytes() -> None:
    import struct
    import zlib

    legacy = "X-????.docx".encode("ascii")  # what a tool writes when the OEM code page cannot hold the name
    utf8 = "申报表-김철수.docx".encode()
    extra = struct.pack("<HHB", 0x7075, 5 + len(utf8), 1) + struct.pack("<I", zlib.crc32(legacy)) + utf8
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        info = zipfile.ZipInfo(legacy.decode("ascii"))
        info.extra = extra
        z.writestr(info, DOCX)
    assert expand("a.zip", b.getvalue())[1].name == "a.zip/申报表-김철수.docx"


def test_7z_with_chinese_names() -> None:
    items = expand("材料.7z", _7z({"申报表.docx": DOCX, "盖章件.pdf": PDF}))
    assert sorted(i.name for i in items[1:]) == ["材料.7z/申报表.docx", "材料.7z/盖章件.pdf"]
    assert {i.kind for i in items[1:]} == {"docx", "pdf"}
    assert all(i.problem is None for i in items)


def test_rar_stored_members_are_listed_and_read() -> None:
    items = expand("材料.rar", tiny_rar({"申报表.docx": DOCX}))
    assert items[0].kind == "rar"
    assert [(i.name, i.kind, i.data) for i in items[1:]] == [("材料.rar/申报表.docx", "docx", DOCX)]


def test_rar_without_backend_asks_for_manual_extraction(monkeypatch) -> None:
    monkeypatch.setattr(archive, "rar_backend", lambda: None)
    items = expand("材料.rar", tiny_rar({"申报表.docx": DOCX}))
    assert len(items) == 1 and items[0].problem.startswith(RAR_MANUAL)
    assert "申报表.docx" in items[0].problem  # staff can see what is inside


def test_damaged_rar_is_flagged() -> None:
    data = tiny_rar({"申报表.docx": DOCX})[:30]
    item = expand("材料.rar", data)[0]
    assert item.kind == "rar" and item.problem


# ---------------------------------------------------------------- encryption


def test_encrypted_zip_and_7z() -> None:
    z = bytearray(_zip({"申报表.docx": DOCX}))
    # set "encrypted" (bit 0) in the local and central headers: zipfile cannot write encrypted zips
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = z.index(sig)
        z[pos + off] |= 1
    assert expand("a.zip", bytes(z))[0].problem == ENCRYPTED
    assert expand("a.7z", _7z({"申报表.docx": DOCX}, password="x"))[0].problem == ENCRYPTED


# ---------------------------------------------------------------- bombs and limits


def test_zip_bomb_is_flagged_never_expanded() -> None:
    bomb = _zip({"a.docx": b"\0" * (20 * 1024 * 1024)})
    items = expand("bomb.zip", bomb)
    assert len(items) == 1 and "炸弹" in (items[0].problem or "")


def test_docx_whose_xml_inflates_past_the_limit() -> None:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z, zipfile.ZipFile(io.BytesIO(DOCX)) as src:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (30 * 1024 * 1024))
            z.writestr(info.filename, data)
    item = expand("申报表.docx", b.getvalue())[0]
    assert item.kind == "docx" and "炸弹" in (item.problem or "")


def test_too_many_members_and_total_size_limits() -> None:
    many = _zip({f"f{i}.txt": b"x" for i in range(20)})
    assert "过多" in (expand("a.zip", many, Limits(max_members=10))[0].problem or "")
    big = _zip({"a.bin": b"a" * 5000, "b.bin": b"b" * 5000}, zipfile.ZIP_STORED)
    assert "过大" in (expand("a.zip", big, Limits(max_total_bytes=8000))[0].problem or "")


def test_nesting_is_bounded() -> None:
    data = DOCX
    for level in range(4):
        data = _zip({f"level{level}.zip" if level else "申报表.docx": data})
    items = expand("outer.zip", data)
    assert len(items) == 3  # outer, level3, level2 — level2 is too deep to open
    assert "嵌套" in (items[-1].problem or "")


def test_sixty_megabyte_attachment_is_refused() -> None:
    data = b"%PDF-1.4\n" + b"\0" * (60 * 1024 * 1024)
    item = expand("扫描件.pdf", data)[0]
    assert item.data is None and "过大" in (item.problem or "")
    assert item.size == len(data) and item.kind == "pdf"


def test_corrupt_member_data_is_flagged_as_damaged() -> None:
    good = _zip({"a.txt": bytes(range(256)) * 200, "申报表.docx": DOCX})
    bad = bytearray(good)
    start = good.index(b"a.txt") + len(b"a.txt")
    for i in range(start + 10, start + 60):
        bad[i] ^= 0x5A  # scramble the deflate stream of the first member
    items = expand("a.zip", bytes(bad))
    assert "损坏" in (items[0].problem or "")


def test_truncated_docx_is_flagged() -> None:
    item = expand("申报表.docx", DOCX[: len(DOCX) // 2])[0]
    assert item.kind == "docx" and "损坏" in (item.problem or "")


# ---------------------------------------------------------------- hostile names


@pytest.mark.parametrize(
    "member,shown",
    [
        ("../../x.docx", "a.zip/x.docx"),
        ("/etc/x.docx", "a.zip/etc/x.docx"),
        ("..\\..\\win.docx", "a.zip/win.docx"),
        ("C:/temp/x.docx", "a.zip/temp/x.docx"),
        ("申报\x07表\x1b.docx", "a.zip/申报_表_.docx"),
    ],
)
def test_hostile_member_names_are_neutralised_and_original_kept(member: str, shown: str) -> None:
    items = expand("a.zip", _zip({member: DOCX}))
    assert items[1].name == shown
    assert items[1].original_name == member
    assert items[1].data == DOCX


def test_hostile_attachment_name_neutralised() -> None:
    item = expand("../../申报表\n.docx", DOCX)[0]
    assert item.name == "申报表_.docx" and item.original_name == "../../申报表\n.docx"


def test_display_name_never_empty_or_relative() -> None:
    for bad in ("", "..", "/", "./../."):
        shown = display_name(bad)
        assert shown and ".." not in shown.split("/") and not shown.startswith("/")


@settings(max_examples=60, deadline=None)
@given(
    st.binary(max_size=300),
    st.sampled_from(
        [b"PK\x03\x04", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07\x01\x00", OLE_DOC_HEAD, b"%PDF-", b""]
    ),
)
def test_garbage_never_raises(tail: bytes, head: bytes) -> None:
    items = expand("x.bin", head + tail)
    assert items and items[0].kind in DOC_KINDS


def test_storage_name_comes_from_the_hash_and_kind_only() -> None:
    sha = hashlib.sha256(DOCX).hexdigest()
    assert storage_name(sha, "docx") == f"attachments/{sha[:2]}/{sha}.docx"
    assert storage_name(sha, "other").endswith(".bin")
    with pytest.raises(ValueError):
        storage_name("../../etc/passwd", "docx")


def test_winmail_dat_members_with_gbk_titles() -> None:
    items = expand(
        "winmail.dat", tnef({"申报表-张三.doc": b"\xd0\xcf\x11\xe0 not really", "盖章件.pdf": PDF})
    )
    assert [i.name for i in items[1:]] == ["winmail.dat/申报表-张三.doc", "winmail.dat/盖章件.pdf"]
    assert items[2].data == PDF and items[2].kind == "pdf"


def test_winmail_dat_cut_short_is_flagged_but_keeps_what_it_read() -> None:
    data = tnef({"盖章件.pdf": PDF, "申报表.docx": DOCX})
    items = expand("winmail.dat", data[:-200])
    assert items[0].problem and [i.name for i in items[1:]] == ["winmail.dat/盖章件.pdf"]


def test_saved_mail_attached_as_a_file_is_opened() -> None:
    inner = build_mail([Part(DOCX, "申报表-王五.docx", style="rfc2231")])
    items = expand("转发邮件.eml", inner)
    assert items[0].kind == "other" and items[0].problem is None
    assert [(i.name, i.kind, i.data) for i in items[1:]] == [("转发邮件.eml/申报表-王五.docx", "docx", DOCX)]


def test_mht_page_is_not_taken_for_a_mail() -> None:
    mht = b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n"
    assert sniff(mht).detail == "mht"


@pytest.mark.parametrize(
    ("name", "label"), [("申报表（盖章版）.pdf", "PDF"), ("申报表.doc", "Word"), ("申报表.DOCX", "Word")]
)
def test_random_bytes_named_as_a_form_are_a_damaged_file_not_a_foreign_one(name: str, label: str) -> None:
    (item,) = expand(name, os.urandom(5000).replace(b"%PDF", b"xxxx"))
    assert (
        item.kind == "other" and item.problem == f"{label} 文件已损坏，无法打开（文件内容不是 {label} 格式）"
    )
    (other,) = expand("照片.jpg", os.urandom(5000))
    assert other.problem is None  # any other name: simply not a form document
