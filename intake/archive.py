"""Attachments to files: archives expanded (zip, 7z, rar, nested to a fixed depth), bombs refused.

`expand(name, data, limits)` returns the attachment itself first, then its archive members.  Nothing
from a mail is ever used as a path: zip members are read in memory, 7z and rar members are extracted
into a private temporary directory and read back by walking it.  Names are decoded per member (zip: the
UTF-8 flag, else UTF-8 if valid, else GB18030 — docs/pitfalls.md §3.1) and neutralised for display (`..`,
absolute paths, control characters); the original name stays available as data (`Item.original_name`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.documents import SUFFIXES
from intake.faults import is_environmental
from intake.mime import decode_utf8_or_gb, parse_mail, walk_attachments
from parsers.sniff import sniff

__all__ = ["Item", "Limits", "describe_message", "display_name", "expand", "storage_name"]

MB = 1024 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """Bounds on what one attachment may expand to (docs/pitfalls.md §9.2)."""

    max_attachment_bytes: int = 50 * MB  # 163/QQ cap normal attachments near 50 MB; above is refused
    max_members: int = 1000  # entries in one archive, and archive members in total
    max_member_bytes: int = 50 * MB  # one file inside an archive or an OOXML container
    max_total_bytes: int = 200 * MB  # everything unpacked from one attachment together
    max_docx_bytes: int = 100 * MB  # a docx's parts inflated together
    max_ratio: float = 100.0  # inflated / compressed, judged on members bigger than ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MB
    max_depth: int = 2  # archive in archive in archive: deeper is not expanded


@dataclass(frozen=True)
class Item:
    name: str  # display name, "包.zip/申报表.docx" for members (neutralised: never a path)
    data: bytes | None  # None when refused or unreadable
    kind: str  # sniffed, one of intake.models.DOC_KINDS
    sha256: str
    size: int
    parent: str | None = None  # display name of the archive it came out of
    problem: str | None = None  # Chinese reason when unreadable or refused
    original_name: str | None = None  # the member name as stored in the archive, when it differed


ENCRYPTED = "压缩包已加密，请申报单位重新提交"
RAR_MANUAL = "RAR 压缩包需要人工解压"
_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def display_name(name: str) -> str:
    """A name safe to show and to join with "/": no control characters, no `..`, no leading `/` or drive.
    Only for display; storage paths come from content hashes."""
    text = unicodedata.normalize("NFC", name).replace("\\", "/")
    text = _CTRL.sub("_", text)
    parts = [p.strip() for p in text.split("/")]
    parts = [re.sub(r"^[A-Za-z]:$", "", p) for p in parts]
    parts = [p for p in parts if p not in ("", ".", "..")]
    return "/".join(parts) or "未命名文件"


def storage_name(sha256: str, kind: str) -> str:
    """Relative path for an archived copy: content hash plus an extension from the sniffed kind (allowlist).
    Nothing from the mail goes into it (docs/pitfalls.md §9.3)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256 hex digest")
    return f"attachments/{sha256[:2]}/{sha256}{SUFFIXES.get(kind, '.bin')}"


@dataclass
class _Budget:
    members: int = 0
    total: int = 0


def _sha(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()


def expand(name: str, data: bytes, limits: Limits = Limits()) -> list[Item]:
    """The attachment as the first Item, then its archive members (recursively, bounded).  Never raises."""
    out: list[Item] = []
    shown = display_name(name)
    try:
        _add(out, shown, data, None, 0, limits, _Budget(), name if shown != name else None)
    except Exception as err:
        if is_environmental(err):
            raise  # a full disk while unpacking is the machine's fault, not a damaged archive
        log.warning("expanding attachment %r failed", shown, exc_info=True)
        if not out:
            out.append(Item(shown, None, "other", _sha(data), len(data), None, "文件已损坏，无法读取"))
        else:
            first = out[0]
            out[0] = Item(
                first.name,
                first.data,
                first.kind,
                first.sha256,
                first.size,
                None,
                first.problem or "压缩包已损坏，无法完整读取",
                first.original_name,
            )
    return out


def _add(
    out: list[Item],
    shown: str,
    data: bytes,
    parent: str | None,
    depth: int,
    limits: Limits,
    budget: _Budget,
    original: str | None,
) -> None:
    size = len(data)
    if parent is None and size > limits.max_attachment_bytes:
        kind = sniff(data[:4096]).kind  # the head is enough to tell staff what it was
        out.append(
            Item(
                shown,
                None,
                kind,
                _sha(data),
                size,
                None,
                f"附件过大（{size / MB:.1f} MB，上限 {limits.max_attachment_bytes / MB:.0f} MB），未处理",
                original,
            )
        )
        return
    sn = sniff(data)
    kind, problem = sn.kind, sn.reason
    if kind == "docx" and problem is None:
        problem = _ooxml_problem(data, limits)
    if kind == "other" and problem is None and not sn.detail:
        problem = _damaged_document(shown)
    idx = len(out)
    out.append(Item(shown, data, kind, _sha(data), size, parent, problem, original))
    container = sn.detail if sn.detail in ("tnef", "eml") else kind
    if container not in ("zip", "7z", "rar", "tnef", "eml") or problem is not None:
        return
    if depth >= limits.max_depth:
        _set_problem(out, idx, "压缩包嵌套层数过多，未展开")
        return
    reader = {
        "zip": _zip_members,
        "7z": _7z_members,
        "rar": _rar_members,
        "tnef": _tnef_members,
        "eml": _eml_members,
    }[container]
    members, problem = reader(data, limits)
    if problem:
        _set_problem(out, idx, problem)
        if not members:
            return
    if not members:
        if container not in ("tnef", "eml"):  # a winmail.dat or saved mail with only a body is normal
            _set_problem(out, idx, "压缩包中没有可读取的文件（可能已损坏）")
        return
    for mname, mdata in members:
        budget.members += 1
        budget.total += len(mdata)
        if budget.members > limits.max_members or budget.total > limits.max_total_bytes:
            _set_problem(out, idx, "压缩包内容过多或解压后过大（疑似压缩炸弹），已停止展开")
            return
        mshown = f"{shown}/{display_name(mname)}"
        _add(
            out,
            mshown,
            mdata,
            shown,
            depth + 1,
            limits,
            budget,
            mname if display_name(mname) != mname else None,
        )


# Named as a form document, but the bytes are nothing we know: a damaged file, not "not a form".
_DOCUMENT_NAMES = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".wps": "WPS"}


def _damaged_document(shown: str) -> str | None:
    label = _DOCUMENT_NAMES.get(os.path.splitext(shown)[1].lower())
    return f"{label} 文件已损坏，无法打开（文件内容不是 {label} 格式）" if label else None


def _set_problem(out: list[Item], idx: int, problem: str) -> None:
    it = out[idx]
    out[idx] = Item(
        it.name, it.data, it.kind, it.sha256, it.size, it.parent, it.problem or problem, it.original_name
    )


# ---------------------------------------------------------------- OOXML container check


def _ooxml_problem(data: bytes, limits: Limits) -> str | None:
    """A docx is a zip too: refuse one whose parts inflate past the limits before any parser opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "Word 文件已损坏，无法打开"
    if len(infos) > limits.max_members:
        return "Word 文件内部条目过多（疑似恶意文件），已拒绝"
    total = sum(i.file_size for i in infos)
    if total > limits.max_docx_bytes or any(i.file_size > limits.max_member_bytes for i in infos):
        return f"Word 文件解压后过大（{total / MB:.0f} MB，疑似压缩炸弹），已拒绝"
    if any(_bomb_ratio(i.file_size, i.compress_size, limits) for i in infos):
        return "Word 文件压缩比异常（疑似压缩炸弹），已拒绝"
    if any(i.flag_bits & 0x1 for i in infos):
        return "文件已加密，请申报单位重新提交"
    return None


def _bomb_ratio(size: int, compressed: int, limits: Limits) -> bool:
    return size > limits.ratio_floor_bytes and size > limits.max_ratio * max(compressed, 1)


# ---------------------------------------------------------------- zip


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """Per entry: the UTF-8 flag, else UTF-8 if the bytes are valid, else GB18030 (docs/pitfalls.md §3.1)."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.orig_filename.encode("cp437", "replace")
    unicode_path = _unicode_path_extra(info.extra, raw)
    if unicode_path is not None:
        return unicode_path
    return decode_utf8_or_gb(raw)


def _unicode_path_extra(extra: bytes, raw_name: bytes) -> str | None:
    """Info-ZIP Unicode Path field (0x7075): a UTF-8 name beside the legacy one (7-Zip, WinRAR write it;
    Python ignores it).  Used only when its CRC matches the legacy name it stands for."""
    import struct

    pos = 0
    while pos + 4 <= len(extra):
        hid, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if hid == 0x7075 and len(body) >= 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<I", body, 1)
            if crc == zlib.crc32(raw_name):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def _zip_members(data: bytes, limits: Limits) -> tuple[list[tuple[str, bytes]], str | None]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return [], "压缩包已损坏，无法打开"
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        problem = _listing_problem([(i.file_size, i.compress_size) for i in infos], limits)
        if problem:
            return [], problem
        if any(i.flag_bits & 0x1 for i in infos):
            return [], ENCRYPTED
        members: list[tuple[str, bytes]] = []
        for info in infos:
            if _is_link(info):
                continue  # symlinks and devices carry no document
            try:
                blob = _read_bounded(zf, info, limits.max_member_bytes)
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                EOFError,
                NotImplementedError,
                RuntimeError,
            ) as err:
                log.info("zip member %r unreadable: %s", info.orig_filename, err)
                return members, "压缩包已损坏，部分文件无法读取"
            if blob is None:
                return members, "压缩包内文件解压后过大（疑似压缩炸弹），已停止展开"
            members.append((zip_member_name(info), blob))
        return members, None


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and mode != 0 and (mode & 0o170000) not in (0o100000, 0)


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """Read a member but stop past `cap` bytes: declared sizes can lie."""
    buf = bytearray()
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return bytes(buf)
            buf += chunk
            if len(buf) > cap:
                return None


def _listing_problem(sizes: list[tuple[int, int]], limits: Limits) -> str | None:
    if len(sizes) > limits.max_members:
        return f"压缩包内文件过多（{len(sizes)} 个），已拒绝"
    total = sum(s for s, _c in sizes)
    if total > limits.max_total_bytes or any(s > limits.max_member_bytes for s, _c in sizes):
        return f"压缩包解压后过大（{total / MB:.0f} MB，疑似压缩炸弹），已拒绝"
    if any(_bomb_ratio(s, c, limits) for s, c in sizes):
        return "压缩包压缩比异常（疑似压缩炸弹），已拒绝"
    return None


# ---------------------------------------------------------------- 7z and rar (extracted to a private dir)


def _read_tree(root: Path, limits: Limits) -> tuple[dict[str, bytes], str | None]:
    """Regular files under `root` (symlinks skipped), keyed by relative POSIX path."""
    found: dict[str, bytes] = {}
    total = 0
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for fn in files:
            p = Path(dirpath) / fn
            if p.is_symlink() or not p.is_file():
                continue
            size = p.stat().st_size
            total += size
            if size > limits.max_member_bytes or total > limits.max_total_bytes:
                return found, "压缩包解压后过大（疑似压缩炸弹），已停止展开"
            found[p.relative_to(root).as_posix()] = p.read_bytes()
    return found, None


def _7z_members(data: bytes, limits: Limits) -> tuple[list[tuple[str, bytes]], str | None]:
    import py7zr

    try:
        with py7zr.SevenZipFile(io.BytesIO(data)) as sz:
            if sz.needs_password():
                return [], ENCRYPTED
            entries = [e for e in sz.list() if not e.is_directory]
            sizes = [
                (int(e.uncompressed or 0), int(e.compressed or 0) or int(e.uncompressed or 0))
                for e in entries
            ]
            problem = _listing_problem(sizes, limits)
            if problem:
                return [], problem
    except py7zr.exceptions.PasswordRequired:
        return [], ENCRYPTED
    except Exception:  # noqa: BLE001 - py7zr raises many types on damaged files
        return [], "7z 压缩包已损坏，无法打开"
    with tempfile.TemporaryDirectory(prefix="intake-7z-") as tmp:
        try:
            with py7zr.SevenZipFile(io.BytesIO(data)) as sz:
                sz.extractall(path=tmp)
        except py7zr.exceptions.PasswordRequired:
            return [], ENCRYPTED
        except Exception as err:
            if is_environmental(err):
                raise
            return [], "7z 压缩包无法安全解压（已损坏或含异常路径）"
        found, problem = _read_tree(Path(tmp), limits)
    names = {display_name(e.filename): e.filename for e in entries}
    return [(names.get(display_name(rel), rel), blob) for rel, blob in sorted(found.items())], problem


def rar_backend() -> str | None:
    """Name of the rar extraction tool rarfile can use (unar or bsdtar from Debian), or None."""
    for tool in ("unrar", "unar", "bsdtar"):
        if shutil.which(tool):
            return tool
    return None


def _rar_members(data: bytes, limits: Limits) -> tuple[list[tuple[str, bytes]], str | None]:
    import rarfile

    with tempfile.TemporaryDirectory(prefix="intake-rar-") as tmp:
        src = Path(tmp) / "in.rar"  # our own name: the mail's name is never a path
        src.write_bytes(data)
        try:
            rf = rarfile.RarFile(str(src))
        except rarfile.NeedFirstVolume:
            return [], "RAR 分卷压缩包不完整，需要人工解压"
        except (rarfile.PasswordRequired, rarfile.RarWrongPassword):
            return [], ENCRYPTED  # RAR5 with encrypted headers refuses even to list
        except (rarfile.Error, OSError, EOFError):
            return [], "RAR 压缩包已损坏，无法打开"
        with rf:
            if rf.needs_password():
                return [], ENCRYPTED
            infos = [i for i in rf.infolist() if not i.is_dir()]
            problem = _listing_problem([(i.file_size, i.compress_size) for i in infos], limits)
            if problem:
                return [], problem
            listing = "、".join(display_name(i.filename) for i in infos[:5])
            manual = f"{RAR_MANUAL}（内含：{listing}{' 等' if len(infos) > 5 else ''}）"
            if rar_backend() is None:
                return [], manual
            members: list[tuple[str, bytes]] = []
            for info in infos:
                # Members are streamed through rarfile; the archive's path is only data.
                try:
                    with rf.open(info) as fh:
                        blob = fh.read(limits.max_member_bytes + 1)
                except (rarfile.PasswordRequired, rarfile.RarWrongPassword):
                    return members, ENCRYPTED
                except (rarfile.RarCRCError, rarfile.BadRarFile, rarfile.BadRarName):
                    return members, "RAR 压缩包已损坏，部分文件无法读取"
                except (rarfile.Error, OSError, EOFError):
                    return members, manual  # no working extraction tool for this member
                if len(blob) > limits.max_member_bytes:
                    return members, "压缩包内文件解压后过大（疑似压缩炸弹），已停止展开"
                members.append((info.filename, blob))
            return members, None


# ---------------------------------------------------------------- saved mails (.eml attached as a file)


def _eml_members(data: bytes, limits: Limits) -> tuple[list[tuple[str, bytes]], str | None]:
    """The attachments of a mail that was attached as a plain file (a saved .eml, "forward as attachment"
    from clients that label it application/octet-stream)."""

    mail = parse_mail(data)
    members = [(a.filename, a.data) for a in mail.attachments]
    if len(members) > limits.max_members:
        return [], f"邮件附件内文件过多（{len(members)} 个），已拒绝"
    return members, None


# ---------------------------------------------------------------- TNEF (Outlook winmail.dat)

_TNEF_SIG = b"\x78\x9f\x3e\x22"
_ATT_RENDDATA, _ATT_TITLE, _ATT_DATA, _ATT_MAPI, _ATT_OEMCP = 0x9002, 0x8010, 0x800F, 0x9005, 0x9007
_PR_ATTACH_LONG_FILENAME, _PR_ATTACH_FILENAME, _PR_DISPLAY_NAME = 0x3707, 0x3704, 0x3001
_FIXED = {
    0x0001: 4,
    0x0002: 4,
    0x0003: 4,
    0x0004: 4,
    0x0005: 8,
    0x0006: 8,
    0x0007: 8,
    0x000A: 4,
    0x000B: 4,
    0x0014: 8,
    0x0040: 8,
    0x0048: 16,
}


def _tnef_text(raw: bytes, codepage: int | None) -> str:
    raw = raw.split(b"\0", 1)[0]
    codecs_ = (
        ["utf-8"] + (["gb18030" if codepage == 936 else f"cp{codepage}"] if codepage else []) + ["gb18030"]
    )
    for c in codecs_:
        try:
            return raw.decode(c)
        except (UnicodeDecodeError, LookupError):
            pass
    return raw.decode("latin-1")


def _mapi_names(buf: bytes) -> dict[int, str]:
    """String properties from an attAttachment MAPI block (only the file-name ones matter here)."""
    import struct

    found: dict[int, str] = {}
    pos = 4
    (count,) = struct.unpack_from("<I", buf, 0)
    for _ in range(min(count, 10_000)):
        ptype, pid = struct.unpack_from("<HH", buf, pos)
        pos += 4
        if pid >= 0x8000:  # named property: GUID, kind, id or name
            (kind,) = struct.unpack_from("<I", buf, pos + 16)
            pos += 20
            if kind == 0:
                pos += 4
            else:
                (nlen,) = struct.unpack_from("<I", buf, pos)
                pos += 4 + (nlen + 3) // 4 * 4
        multi = bool(ptype & 0x1000)
        base = ptype & 0x0FFF
        n = 1
        if multi or base in (0x001E, 0x001F, 0x0102, 0x000D):
            (n,) = struct.unpack_from("<I", buf, pos)
            pos += 4
        for _i in range(min(n, 10_000)):
            if base in (0x001E, 0x001F, 0x0102, 0x000D):
                (ln,) = struct.unpack_from("<I", buf, pos)
                val = buf[pos + 4 : pos + 4 + ln]
                pos += 4 + (ln + 3) // 4 * 4
                if base in (0x001E, 0x001F) and pid in (
                    _PR_ATTACH_LONG_FILENAME,
                    _PR_ATTACH_FILENAME,
                    _PR_DISPLAY_NAME,
                ):
                    text = val.decode("utf-16-le", "replace") if base == 0x001F else _tnef_text(val, None)
                    found[pid] = text.rstrip("\0")
            elif base in _FIXED:
                pos += _FIXED[base]
            else:
                return found  # unknown type: stop rather than misread
    return found


def _tnef_members(data: bytes, limits: Limits) -> tuple[list[tuple[str, bytes]], str | None]:
    """Attachments inside an Outlook winmail.dat (Outlook on Chinese Windows sends RTF mail this way)."""
    import struct

    if not data.startswith(_TNEF_SIG):
        return [], "winmail.dat 已损坏，无法读取"
    pos, n = 6, len(data)
    codepage: int | None = None
    atts: list[dict[str, Any]] = []
    try:
        while pos + 9 <= n:
            level = data[pos]
            attr, length = struct.unpack_from("<II", data, pos + 1)
            body = data[pos + 9 : pos + 9 + length]
            pos += 9 + length + 2
            if len(body) < length:
                return _tnef_collect(atts, codepage), "winmail.dat 不完整，部分附件可能缺失"
            aid = attr & 0xFFFF
            if aid == _ATT_OEMCP and length >= 4:
                codepage = struct.unpack_from("<I", body, 0)[0]
            elif level == 2 and aid == _ATT_RENDDATA:
                atts.append({})
                if len(atts) > limits.max_members:
                    return [], f"winmail.dat 内附件过多（超过 {limits.max_members} 个），已拒绝"
            elif level == 2 and atts:
                if aid == _ATT_TITLE:
                    atts[-1]["title"] = body
                elif aid == _ATT_DATA:
                    if length > limits.max_member_bytes:
                        return [], "winmail.dat 内文件过大，已拒绝"
                    atts[-1]["data"] = body
                elif aid == _ATT_MAPI:
                    with contextlib.suppress(struct.error):
                        atts[-1]["names"] = _mapi_names(body)
    except struct.error:
        return _tnef_collect(atts, codepage), "winmail.dat 已损坏，部分附件可能缺失"
    return _tnef_collect(atts, codepage), None


def _tnef_collect(atts: list[dict[str, Any]], codepage: int | None) -> list[tuple[str, bytes]]:
    out = []
    for i, a in enumerate(atts):
        if "data" not in a:
            continue
        names = a.get("names", {})
        name = (
            names.get(_PR_ATTACH_LONG_FILENAME)
            or names.get(_PR_DISPLAY_NAME)
            or (_tnef_text(a["title"], codepage) if "title" in a else "")
            or f"附件{i + 1}"
        )
        out.append((name, a["data"]))
    return out


__all__ += ["rar_backend", "zip_member_name"]


# ---------------------------------------------------------------- `intake attachments`


def describe_message(raw: bytes) -> dict[str, Any]:
    """What `intake attachments` prints for one message."""
    mail = parse_mail(raw)
    out_atts = []
    for a in mail.attachments:
        items = expand(a.filename, a.data)
        first = items[0]
        out_atts.append(
            {
                "filename": a.filename,
                "raw_filename": a.raw_filename,
                "content_type": a.content_type,
                "kind": first.kind,
                "size": first.size,
                "sha256": first.sha256,
                "problems": [p.detail for p in a.problems] + ([first.problem] if first.problem else []),
                "members": [
                    {"name": i.name, "kind": i.kind, "size": i.size, "sha256": i.sha256, "problem": i.problem}
                    for i in items[1:]
                ],
            }
        )
    walked, _ = walk_attachments(raw, expand_rfc822=True)
    body_parts = [
        {"content_type": p.content_type, "name": p.filename, "size": len(p.data)}
        for p in walked
        if not p.is_attachment
    ]
    return {
        "body_parts": body_parts,  # what was read as body text: a named one here explains a "missing" file
        "message_id": mail.message_id,
        "sender": mail.sender,
        "subject": mail.subject,
        "date": mail.date_header,
        "attachments": out_atts,
        "big_attachment_links": list(mail.big_attachment_links),
        "problems": [p.detail for p in mail.problems],
    }
