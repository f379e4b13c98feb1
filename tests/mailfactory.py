"""Builders of raw mails the way Chinese mail clients write them — fixtures for everyone's tests.

The mailcorpus has almost no GBK-family attachment names (its README lists the gap), so these builders
make them: RFC 2047 words inside quotes (Foxmail, Outlook on Chinese Windows), words split
mid-character, unquoted words, RFC 2231 `filename*=GBK''…` with and without continuations, raw 8-bit
GBK bytes (old clients, WPS "send as attachment"), `x-gbk` labels, `name=` only, forwarded messages.

    raw = build_mail([Part(docx_bytes, "申报表-张三.docx", style="rfc2047_b", charset="GBK")])

Everything returns bytes with CRLF line ends unless `eol=b"\\n"` is given.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import quote_from_bytes

__all__ = [
    "STYLES",
    "Part",
    "build_mail",
    "encoded_word",
    "filename_params",
    "forwarded",
    "gbk_zip",
    "minimal_docx",
    "tiny_rar",
    "tnef",
]

# How a client writes the attachment name.
STYLES = (
    "plain",  # filename="ascii.docx"
    "rfc2047_b",  # filename="=?GBK?B?...?="            (Foxmail, Outlook CN: quoted encoded-word)
    "rfc2047_q",  # filename="=?GBK?Q?=C9=EA...?="
    "rfc2047_unquoted",  # filename==?GBK?B?...?=      (no quotes: Python drops the parameter)
    "rfc2047_split",  # two words, bytes split inside a character
    "rfc2231",  # filename*=GBK''%C9%EA...
    "rfc2231_cont",  # filename*0*=GBK''%C9..; filename*1*=%..  (split inside a character)
    "raw8bit",  # filename="<raw GBK bytes>"
    "name_only",  # Content-Type name="=?GBK?B?...?=" and no Content-Disposition
    "inline_named",  # Content-Disposition: inline; filename=...
)


def encoded_word(data: bytes, charset: str, enc: str = "B") -> bytes:
    if enc.upper() == "B":
        return b"=?" + charset.encode() + b"?B?" + base64.b64encode(data) + b"?="
    q = b"".join(
        bytes([c]) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else b"=%02X" % c for c in data
    )
    return b"=?" + charset.encode() + b"?Q?" + q + b"?="


def _codec(charset: str) -> str:
    return "gb18030" if charset.lower() in ("gbk", "gb2312", "x-gbk", "gb18030", "cp936") else charset


def filename_params(filename: str, style: str, charset: str = "GBK") -> tuple[bytes, bytes | None]:
    """(Content-Type parameter text, Content-Disposition parameter text or None) for one style."""
    raw = filename.encode(_codec(charset))
    if style == "plain":
        v = b'"' + filename.encode("ascii") + b'"'
        return b"name=" + v, b"filename=" + v
    if style in ("rfc2047_b", "rfc2047_q", "name_only", "inline_named"):
        w = encoded_word(raw, charset, "Q" if style == "rfc2047_q" else "B")
        return b'name="' + w + b'"', None if style == "name_only" else b'filename="' + w + b'"'
    if style == "rfc2047_unquoted":
        w = encoded_word(raw, charset)
        return b"name=" + w, b"filename=" + w
    if style == "rfc2047_split":
        cut = _odd_cut(raw)
        w = encoded_word(raw[:cut], charset) + b"\r\n " + encoded_word(raw[cut:], charset)
        return b'name="' + w + b'"', b'filename="' + w + b'"'
    if style == "rfc2231":
        v = charset.encode() + b"''" + quote_from_bytes(raw).encode()
        return b"name*=" + v, b"filename*=" + v
    if style == "rfc2231_cont":
        cut = _odd_cut(raw)
        a = charset.encode() + b"''" + quote_from_bytes(raw[:cut]).encode()
        b = quote_from_bytes(raw[cut:]).encode()
        return (b"name*0*=" + a + b";\r\n name*1*=" + b), (b"filename*0*=" + a + b";\r\n filename*1*=" + b)
    if style == "raw8bit":
        return b'name="' + raw + b'"', b'filename="' + raw + b'"'
    raise ValueError(f"unknown style {style!r}")


def _odd_cut(raw: bytes) -> int:
    """A cut point inside a double-byte character (after a lead byte), so each half is invalid alone."""
    for i in range(1, len(raw)):
        if raw[i - 1] >= 0x81 and raw[i] >= 0x40 and i % 2 == 1:
            return i
    return len(raw) // 2


@dataclass(frozen=True)
class Part:
    """One attachment.  `raw_content_type` / `raw_disposition` override the generated headers verbatim."""

    data: bytes
    filename: str = "attachment.bin"
    style: str = "rfc2047_b"
    charset: str = "GBK"
    content_type: str = "application/octet-stream"
    cte: str = "base64"
    raw_content_type: bytes | None = None
    raw_disposition: bytes | None = None


def _b64_lines(data: bytes) -> bytes:
    enc = base64.b64encode(data)
    return b"\r\n".join(enc[i : i + 76] for i in range(0, len(enc), 76))


def _part_bytes(p: Part) -> bytes:
    ct_params, cd_params = filename_params(p.filename, p.style, p.charset)
    ct = p.raw_content_type or (p.content_type.encode() + b";\r\n " + ct_params)
    lines = [b"Content-Type: " + ct]
    if p.raw_disposition is not None:
        lines.append(b"Content-Disposition: " + p.raw_disposition)
    elif cd_params is not None:
        disp = b"inline" if p.style == "inline_named" else b"attachment"
        lines.append(b"Content-Disposition: " + disp + b";\r\n " + cd_params)
    if p.cte == "base64":
        body = _b64_lines(p.data)
    elif p.cte == "x-uuencode":
        body = _uuencode(p.data, "file.bin")
    else:
        body = p.data
    lines.append(b"Content-Transfer-Encoding: " + p.cte.encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _uuencode(data: bytes, name: str) -> bytes:
    out = [b"begin 644 " + name.encode()]
    for i in range(0, len(data), 45):
        out.append(binascii.b2a_uu(data[i : i + 45]).rstrip(b"\n"))
    out += [b"`", b"end"]
    return b"\r\n".join(out)


def build_mail(
    parts: list[Part] | tuple[Part, ...] = (),
    *,
    subject: str = "申报材料-湖北省某某单位",
    subject_charset: str = "GBK",
    sender: str = "张三 <zhangsan@163.com>",
    body_text: str = "您好，附件是我单位的申报材料，请查收。",
    body_html: str | None = None,
    body_charset: str = "GBK",
    date: str = "Mon, 10 Mar 2025 09:30:00 +0800",
    message_id: str = "<20250310093000.12345@163.com>",
    boundary: str = "----=_Part_12345_67890.1741570200000",
    eol: bytes = b"\r\n",
    extra_headers: tuple[bytes, ...] = (),
) -> bytes:
    """A multipart/mixed mail with a text (and optional HTML) body and the given attachments."""
    codec = _codec(body_charset)
    name, _, addr = sender.partition(" <")
    from_h = (
        encoded_word(name.encode(codec), body_charset) + b" <" + addr.encode() if addr else sender.encode()
    )
    head = [
        b"From: " + from_h,
        b"To: hbzsgx@163.com",
        b"Subject: " + encoded_word(subject.encode(_codec(subject_charset)), subject_charset),
        b"Date: " + date.encode(),
        b"Message-ID: " + message_id.encode(),
        b"MIME-Version: 1.0",
        b"X-Mailer: Foxmail 7.2.25.254[cn]",
        *extra_headers,
        b'Content-Type: multipart/mixed;\r\n\tboundary="' + boundary.encode() + b'"',
    ]
    bnd = b"--" + boundary.encode()
    chunks = [b"\r\n".join(head), b"", b"This is a multi-part message in MIME format.", b""]
    chunks += [bnd, _text_part("text/plain", body_text, body_charset)]
    if body_html is not None:
        chunks += [bnd, _text_part("text/html", body_html, body_charset)]
    for p in parts:
        chunks += [bnd, _part_bytes(p)]
    chunks += [bnd + b"--", b""]
    raw = b"\r\n".join(chunks)
    return raw.replace(b"\r\n", eol) if eol != b"\r\n" else raw


def _text_part(ctype: str, text: str, charset: str) -> bytes:
    body = _b64_lines(text.encode(_codec(charset)))
    return (
        b"Content-Type: "
        + ctype.encode()
        + b"; charset="
        + charset.encode()
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + body
    )


def forwarded(
    inner: bytes, filename: str | None = "转发：申报材料.eml", disposition: str = "attachment"
) -> Part:
    """A message/rfc822 part carrying `inner` (a forwarded mail)."""
    ct = b"message/rfc822"
    if filename:
        ct += b';\r\n name="' + encoded_word(filename.encode("gb18030"), "GBK") + b'"'
    cd = disposition.encode()
    if filename:
        cd += b';\r\n filename="' + encoded_word(filename.encode("gb18030"), "GBK") + b'"'
    return Part(inner, filename or "", cte="8bit", raw_content_type=ct, raw_disposition=cd)


# ---------------------------------------------------------------- small files for archive tests


def minimal_docx(text: str = "申报表") -> bytes:
    """A tiny but valid docx (no python-docx needed)."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return b.getvalue()


def gbk_zip(members: dict[str, bytes], *, encoding: str = "gb18030") -> bytes:
    """A zip whose entry names are raw `encoding` bytes WITHOUT the UTF-8 flag (Windows 压缩文件夹, 360压缩).
    zipfile cannot write that, so ASCII placeholders of the same byte length are patched afterwards."""
    b = io.BytesIO()
    raws = {}
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, data) in enumerate(members.items()):
            raw = name.encode(encoding)
            ph = (f"~{i:03d}~".encode() + b"x" * len(raw))[: len(raw)]
            if len(ph) < len(raw) or len(raw) < 5:
                raise ValueError("names must encode to at least 5 bytes")
            raws[ph] = raw
            z.writestr(zipfile.ZipInfo(ph.decode("ascii")), data, zipfile.ZIP_DEFLATED)
    out = b.getvalue()
    for ph, raw in raws.items():
        out = out.replace(ph, raw)
    return out


def _vint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _rar5_block(htype: int, hflags: int, body: bytes, data_size: int | None = None) -> bytes:
    fields = _vint(htype) + _vint(hflags) + (_vint(data_size) if data_size is not None else b"") + body
    head = _vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(head)) + head


def tiny_rar(members: dict[str, bytes]) -> bytes:
    """A RAR5 archive with STORED members (free tools cannot write RAR; stored members are simple enough
    to build by hand, and rarfile reads them without an external tool)."""
    out = bytearray(b"Rar!\x1a\x07\x01\x00")
    out += _rar5_block(1, 0, _vint(0))  # main header, no archive flags
    for name, data in members.items():
        raw_name = name.encode("utf-8")
        file_flags = 0x0004  # CRC32 present
        body = (
            _vint(file_flags)
            + _vint(len(data))
            + _vint(0x20)
            + struct.pack("<I", zlib.crc32(data))
            + _vint(0)
            + _vint(0)
            + _vint(len(raw_name))
            + raw_name
        )  # method 0 = store, host Windows
        out += _rar5_block(2, 0x0002, body, data_size=len(data)) + data
    out += _rar5_block(5, 0, _vint(0))
    return bytes(out)


def _tnef_attr(level: int, attr: int, data: bytes) -> bytes:
    return bytes([level]) + struct.pack("<II", attr, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def tnef(files: dict[str, bytes], codepage: int = 936) -> bytes:
    """An Outlook winmail.dat carrying `files`, titles in the OEM code page (936 = GBK on Chinese Windows)."""
    codec = "gb18030" if codepage == 936 else f"cp{codepage}"
    out = bytearray(b"\x78\x9f\x3e\x22" + struct.pack("<H", 0x1234))
    out += _tnef_attr(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attr(1, 0x00069007, struct.pack("<II", codepage, 0))  # attOemCodepage
    for name, data in files.items():
        out += _tnef_attr(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)  # attAttachRendData starts an attachment
        out += _tnef_attr(2, 0x00018010, name.encode(codec) + b"\0")  # attAttachTitle
        out += _tnef_attr(2, 0x0006800F, data)  # attAttachData
    return bytes(out)
