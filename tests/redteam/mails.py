"""The evaluation set as a Maildir: one mail per unit the way units send them (163 / QQ / Outlook / Foxmail
style headers, Chinese file names as RFC 2231 or GBK encoded-words), and the mail-level cases: a cover
letter beside the form, the notice copied back, a zip, a late mail, a correction, a 补发 of the stamped
PDF, a 市州 forwarding three units' forms with a 推荐汇总表, a mail with only a cover letter, the blank
form sent back, a mail without any attachment.  Each mail comes with what a reviewer expects of it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from tests.redteam.build import documents
from tests.redteam.cases import CASES, Case
from tests.redteam.evaluate import TZ, MailExpect
from tests.redteam.model import Expect

_START = datetime(2024, 12, 11, 9, 0, tzinfo=TZ)
_MIME = {
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc": ("application", "msword"),
    "pdf": ("application", "pdf"),
    "zip": ("application", "zip"),
}


def _gbk_filename(name: str) -> str:
    """The encoded-word form 163 / Foxmail write: one =?GBK?B?...?= word (not RFC 2231)."""
    return "=?GBK?B?" + base64.b64encode(name.encode("gbk")).decode() + "?="


def _gbk_mail(msg: EmailMessage, atts: list[tuple[str, bytes]]) -> bytes:
    """A multipart mail written by hand the way 163's web mail writes it (GBK encoded-word names)."""
    boundary = "----=_Part_" + hashlib.sha1(msg["Message-ID"].encode()).hexdigest()[:20]
    head = "".join(
        f"{k}: {Header(str(v), 'utf-8').encode() if not str(v).isascii() else v}\r\n" for k, v in msg.items()
    )
    parts = [
        f"--{boundary}\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes("您好！附件是我单位申报材料，请查收。".encode("gbk"))
        .decode()
        .replace("\n", "\r\n")
    ]
    for name, data in atts:
        ext = name.rsplit(".", 1)[-1].lower()
        maintype, subtype = _MIME.get(ext, ("application", "octet-stream"))
        enc = _gbk_filename(name)
        parts.append(
            f'--{boundary}\r\nContent-Type: {maintype}/{subtype}; name="{enc}"\r\n'
            f'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="{enc}"\r\n\r\n'
            + base64.encodebytes(data).decode().replace("\n", "\r\n")
        )
    body = "\r\n".join(parts) + f"\r\n--{boundary}--\r\n"
    head += f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    return (head + body).encode("ascii")


def _mail(
    n: int,
    subject: str,
    sender: str,
    atts: list[tuple[str, bytes]],
    when: datetime,
    *,
    gbk: bool = False,
) -> tuple[bytes, str]:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    mid = make_msgid(idstring=f"rt{n}", domain="redteam.example.cn")
    msg["Message-ID"] = mid
    received = f"from smtp.example.cn (unknown [10.1.2.{n % 250}])\r\n\tby mx.163.com (Coremail) with SMTP id rt{n}; {format_datetime(when)}"
    if gbk and atts:
        return f"Received: {received}\r\n".encode() + _gbk_mail(msg, atts), mid
    msg.set_content(
        "您好！\n附件是我单位2025年高级研修项目申报材料（Word版和盖章扫描PDF版），请查收。\n\n此致\n敬礼\n"
    )
    for name, data in atts:
        ext = name.rsplit(".", 1)[-1].lower()
        maintype, subtype = _MIME.get(ext, ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    raw = f"Received: {received}\r\n".encode() + msg.as_bytes()
    return raw, mid


def _zip_gbk(files: list[tuple[str, bytes]]) -> bytes:
    """A zip as the Windows built-in compressor writes it: GBK names, no UTF-8 flag."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            info = zipfile.ZipInfo(name.encode("gbk").decode("cp437"), date_time=(2024, 12, 12, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def _names(c: Case) -> tuple[str, str]:
    unit = c.form.applicant.name or "申报单位"
    return f"{unit}2025年高级研修项目申报表", f"{unit}申报表（盖章）"


def build_maildir(folder: Path, root: Path) -> tuple[list[MailExpect], dict[str, str]]:
    """Write the Maildir under root (new/ cur/ tmp/); the expectations and file name → Message-ID."""
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    have = documents(folder)
    expects: list[MailExpect] = []
    mids: dict[str, str] = {}
    counter = iter(range(1, 100_000))

    def put(
        subject: str,
        sender: str,
        atts: list[tuple[str, bytes]],
        exp: MailExpect,
        when: datetime,
        gbk: bool = False,
    ) -> None:
        n = next(counter)
        raw, mid = _mail(n, subject, sender, atts, when, gbk=gbk)
        (root / "cur" / exp.key).write_bytes(raw)
        mids[exp.key] = mid
        expects.append(exp)

    def docs(c: Case) -> tuple[bytes | None, str, bytes | None]:
        w = next((have[n] for n in have if n.startswith(f"{c.id}_w.")), None)
        p = have.get(f"{c.id}_p.pdf")
        ext = w.suffix.lstrip(".") if w else "docx"
        return (w.read_bytes() if w else None, ext, p.read_bytes() if p else None)

    def neg(name: str, channel: str = "") -> tuple[str, bytes]:
        prefix = f"neg_{name}_{channel.replace('>', '-')}"
        path = next(have[n] for n in sorted(have) if n.startswith(prefix))
        return path.name, path.read_bytes()

    when = _START
    multi: list[Case] = []
    two: list[Case] = []
    for k, c in enumerate(CASES):
        when += timedelta(minutes=29)  # the last case still well before the deadline
        word, ext, pdf = docs(c)
        if c.mail != "multi" and ((c.word and word is None) or (c.pdf and pdf is None)):
            continue  # its writer is missing on this machine (Chromium): the mail is left out like its documents
        wname, pname = _names(c)
        sender = f"{c.form.applicant.contact or '联系人'} <unit{k:03d}@example.cn>"
        subject = f"{c.form.applicant.name}关于申报2025年高级研修项目的函"
        key = f"{1734000000 + k}.{c.id}.redteam:2,S"
        atts: list[tuple[str, bytes]] = []
        send_word = c.mail not in ("pdf_only", "bufa_word") and word is not None
        send_pdf = c.mail not in ("word_only", "bufa") and pdf is not None
        if c.mail == "wps_ext":
            ext = "wps"  # WPS's own extension on a Word-binary file
        elif c.mail == "wrong_ext":
            ext = "doc"  # a .docx renamed .doc
        if send_word:
            atts.append((f"{wname}.{ext}", word))  # type: ignore[arg-type]
        if send_pdf:
            atts.append((f"{pname}.pdf", pdf))  # type: ignore[arg-type]
        msg_flags: frozenset[str] = frozenset()
        extra_flags: set[tuple[str, str]] = set()
        received = when
        if c.mail == "multi":
            multi.append(c)
            continue
        if c.mail == "two":
            two.append(c)
            if len(two) < 2:
                continue
            # one unit's two projects in one mail: two forms, each paired with its own PDF
            atts, forms = [], []
            for x in two:
                w, e, p = docs(x)
                names = _names(x)
                atts += [
                    (f"{names[0]}（{x.form.project_name[:6]}）.{e}", w),
                    (f"{names[1]}（{x.form.project_name[:6]}）.pdf", p),
                ]
                forms.append((x.form.project_name, x.expect(has_word=True, has_pdf=True)))
            put(subject, sender, atts, MailExpect(key, tuple(forms)), when)  # type: ignore[arg-type]
            continue
        if c.mail == "with_cover":
            atts.insert(0, ("关于申报2025年高级研修项目的函.docx", neg("cover_letter", "word")[1]))
        elif c.mail == "with_plan":
            atts.append(("研修班实施方案.docx", neg("implementation_plan", "html>docx")[1]))
        elif c.mail == "with_notice":
            atts.append(("省人社厅通知.docx", neg("notice_copy", "html>docx")[1]))
        elif c.mail == "zip":
            atts = [(f"{c.form.applicant.name}申报材料.zip", _zip_gbk(atts))]
        elif c.mail == "late":
            received = datetime(2024, 12, 18, 8, 40, tzinfo=TZ)
            msg_flags = frozenset({"late"})
            extra_flags.add(("late", ""))
        elif c.mail == "correction1":
            extra_flags.add(("superseded", ""))
        elif c.mail == "correction2":
            subject = f"【更正】{c.form.applicant.name}高级研修项目申报表（以此为准）"
            received = when + timedelta(days=1)
        completed_later = c.mail in ("bufa", "bufa_word")
        expect = c.expect(has_word=send_word or c.mail == "bufa_word", has_pdf=send_pdf or c.mail == "bufa")
        if completed_later:
            expect = replace(expect, flags=expect.flags | {("completed", "")})
        expect = replace(expect, flags=expect.flags | extra_flags)
        put(
            subject,
            sender,
            atts,
            MailExpect(key, ((c.form.project_name, expect),), msg_flags),
            received,
            gbk=k % 3 == 0,
        )
        if completed_later and pdf is not None and word is not None:
            key2 = f"{1734100000 + k}.{c.id}-bufa.redteam:2,S"
            # the follow-up's row is the merged half: "merged", and whatever is true of the form itself
            true_of_form = frozenset(code for code, _ in c.expect(has_word=True, has_pdf=True).flags)
            later = [(f"{pname}.pdf", pdf)] if c.mail == "bufa" else [(f"{wname}.{ext}", word)]
            put(
                f"补发{'盖章PDF' if c.mail == 'bufa' else 'Word版'}：{c.form.applicant.name}高级研修项目申报表",
                sender,
                later,
                MailExpect(
                    key2, ((c.form.project_name, Expect({}, frozenset({("merged", "")}), true_of_form)),)
                ),
                when + timedelta(hours=5),
            )
    # a 市州人社局 forwarding three units' forms and its 推荐汇总表
    atts = [("推荐汇总表.docx", neg("summary_table", "pydocx")[1])]
    forms = []
    for c in multi:
        word, ext, pdf = docs(c)
        wname, pname = _names(c)
        if word is not None:
            atts.append((f"{wname}.{ext}", word))
        if pdf is not None:
            atts.append((f"{pname}.pdf", pdf))
        forms.append((c.form.project_name, c.expect(has_word=word is not None, has_pdf=pdf is not None)))
    when += timedelta(minutes=41)
    put(
        "宜昌市人社局转报2025年高级研修项目申报材料",
        "宜昌市人社局专技科 <ycrsj@example.cn>",
        atts,
        MailExpect("1734200001.multi.redteam:2,S", tuple(forms)),
        when,
        gbk=True,
    )
    # no form at all
    when += timedelta(minutes=23)
    put(
        "申报函",
        "某单位 <only-letter@example.cn>",
        [("关于申报高级研修项目的函.docx", neg("cover_letter", "word")[1])],
        MailExpect("1734200002.letter.redteam:2,S", (), frozenset({"no_form_found"})),
        when,
    )
    when += timedelta(minutes=23)
    blank = [neg("blank_template", "word."), neg("blank_template", "word-pdf")]
    put(
        "申报表",
        "某单位 <blank@example.cn>",
        [("专业技术人员知识更新工程2025年高级研修项目申报表.docx", blank[0][1]), ("申报表.pdf", blank[1][1])],
        MailExpect("1734200003.blank.redteam:2,S", (), frozenset({"no_form_found"})),
        when,
    )
    when += timedelta(minutes=23)
    put(
        "高级研修项目申报",
        "某单位 <noatt@example.cn>",
        [],
        MailExpect("1734200004.noatt.redteam:2,S", (), frozenset({"no_attachment"})),
        when,
    )
    return expects, mids
