"""What a file is, judged from its bytes — never from its name or declared MIME type.

Applicants rename files freely (a docx sent as `.pdf`, a web page saved as `.doc`), so every later
decision (parse as Word, convert with LibreOffice, expand as an archive) starts here.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

# Same tuple as core.documents.DOC_KINDS.
DOC_KINDS = ("docx", "doc", "wps", "pdf", "zip", "rar", "7z", "image", "other")

# Photos and image scans of the form (read by OCR as one-page scans); a JPEG named .heic is a JPEG.
_IMAGES = {
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
_BMP_DIB_SIZES = (12, 40, 52, 56, 108, 124)  # "BM" alone starts too many text files
_HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc", b"ftypheis")


def image_kind(data: bytes) -> str | None:
    """'jpeg' | 'png' | 'tiff' | 'bmp' | 'heic' from the bytes, else None."""
    for magic, kind in _IMAGES.items():
        if data.startswith(magic):
            return kind
    if data[4:12] in _HEIF_BRANDS:
        return "heic"
    if data.startswith(b"BM") and int.from_bytes(data[14:18], "little") in _BMP_DIB_SIZES:
        return "bmp"
    return None


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RAR = (b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")
_7Z = b"7z\xbc\xaf\x27\x1c"


@dataclass(frozen=True)
class Sniffed:
    kind: str  # one of DOC_KINDS
    detail: str = ""  # machine-readable subtype: "encrypted-ooxml", "html", "mht", "wordml", "rtf", "xlsx"...
    reason: str | None = None  # Chinese sentence for reviewers when the file cannot be used as it is


def sniff_kind(data: bytes) -> str:
    """One of DOC_KINDS, from the bytes."""
    return sniff(data).kind


def sniff(data: bytes) -> Sniffed:
    """Kind plus what is known about an "other" file (encrypted Office, web page saved as .doc, ...)."""
    head = data[:2048]
    if head.startswith(b"%PDF-"):
        return Sniffed("pdf")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _sniff_zip(data)
    if head.startswith(_OLE):
        return _sniff_ole(data)
    if head.startswith(_RAR):
        return Sniffed("rar")
    if head.startswith(_7Z):
        return Sniffed("7z")
    if head.startswith(b"\x78\x9f\x3e\x22"):
        return Sniffed("other", "tnef")  # Outlook winmail.dat: a container intake.archive opens
    if b"%PDF-" in data[:1024]:  # readers accept junk before the header; checked after the containers
        return Sniffed("pdf")
    image = image_kind(head)
    if image == "heic":
        return Sniffed("other", "heic", "HEIC 格式照片无法读取，请另存为 JPG 后重新提交")
    if image is not None:
        return Sniffed("image", image)
    return _sniff_text(head)


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        # A truncated container: judge from the local headers we can see.
        # Word writes [Content_Types].xml first; a cut-off file still shows it in the first local header.
        if b"word/document.xml" in data[:200_000] or b"[Content_Types].xml" in data[:4096]:
            return Sniffed("docx", "truncated", "Word 文件已损坏（不完整），无法打开")
        return Sniffed("zip", "truncated")
    if "word/document.xml" in names or any(n.lower() == "word/document.xml" for n in names):
        return Sniffed("docx")
    if "[Content_Types].xml" in names:
        if any(n.startswith("xl/") for n in names):
            return Sniffed("other", "xlsx")
        if any(n.startswith("ppt/") for n in names):
            return Sniffed("other", "pptx")
        return Sniffed("other", "ooxml")
    if "mimetype" in names and "content.xml" in names:
        return Sniffed("other", "odf", "OpenDocument 文件，请另存为 .docx 后重新提交")
    return Sniffed("zip")


def _sniff_ole(data: bytes) -> Sniffed:
    try:
        import olefile  # shipped with msoffcrypto-tool

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(s) for s in ole.listdir(streams=True, storages=True)}
            fib = ole.openstream("WordDocument").read(12) if ole.exists("WordDocument") else b""
    except Exception:  # noqa: BLE001 - olefile raises many types on damaged files
        return Sniffed("doc", "damaged", None)
    low = {s.lower() for s in streams}
    if "encryptedpackage" in low or "encryptioninfo" in low:
        return Sniffed("other", "encrypted-ooxml", "文件已加密，请申报单位重新提交")
    if len(fib) >= 12 and fib[0x0B] & 0x01:  # FIB fEncrypted: a password-protected .doc
        return Sniffed("doc", "encrypted", "文件已加密，请申报单位重新提交")
    if "worddocument" in low:
        # Kingsoft WPS writes Word-binary files; its own storages mark them as .wps.
        if any(s.startswith(("wps", "kso")) for s in low):
            return Sniffed("wps")
        return Sniffed("doc")
    if "workbook" in low or "book" in low:
        return Sniffed("other", "xls")
    if "powerpoint document" in low:
        return Sniffed("other", "ppt")
    if any(s.startswith("matosw") or s == "contents" for s in low):
        return Sniffed("wps")  # Microsoft Works / old Kingsoft document
    return Sniffed("other", "ole")


_HEADER_LINE = re.compile(rb"^[a-z0-9-]+:[ \t]", re.M)


def _looks_like_mail(low: bytes) -> bool:
    """An RFC 822 message: header lines from the start, with From and Subject/Date/Message-ID — an MHT
    page (MIME-Version + multipart/related, no From) stays "mht"."""
    head = low.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    if not _HEADER_LINE.match(head):
        return False
    names = {m.group(0).split(b":")[0] for m in _HEADER_LINE.finditer(head)}
    return b"from" in names and bool(names & {b"subject", b"date", b"message-id"})


_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<meta|<body)", re.I)


def _sniff_text(head: bytes) -> Sniffed:
    start = head.lstrip(b"\xef\xbb\xbf\xff\xfe\r\n\t ")
    if start.startswith(b"{\\rtf"):
        return Sniffed("other", "rtf", "文件为 RTF 格式（扩展名可能为 .doc），请另存为 .docx 后重新提交")
    low = start[:600].lower()
    if _looks_like_mail(start[:4096].lower()):
        return Sniffed("other", "eml")  # a saved mail attached as a file: intake.archive opens it
    if low.startswith(b"mime-version:") or b"content-type: multipart/related" in low:
        return Sniffed("other", "mht", "文件为网页（MHT）格式保存的 Word 文档，请另存为 .docx 后重新提交")
    if _HTML.match(start) or b"urn:schemas-microsoft-com:office:word" in low:
        return Sniffed("other", "html", "文件为网页（HTML）格式保存的 Word 文档，请另存为 .docx 后重新提交")
    if low.startswith(b"<?xml") and (
        b"schemas.microsoft.com/office/word/2003/wordml" in head.lower() or b"word.document" in low
    ):
        return Sniffed("other", "wordml", "文件为 Word 2003 XML 格式，请另存为 .docx 后重新提交")
    return Sniffed("other")
