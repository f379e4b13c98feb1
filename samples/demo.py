"""A realistic, deterministic demo mailbox: Hubei units' 申报表 submissions as the office receives them.

`build_demo_mailbox(dest)` writes a Maildir (cur/ new/ tmp/) with two dozen mails in the styles real
clients produce (163 webmail, Foxmail, QQ Mail, Outlook, an old client writing raw GBK bytes), each
with the 163 MX's `Received:` header carrying the receipt time and a matching file mtime.  The cases
cover every rule a reviewer checks (late, missing Word/PDF/fields, both funding boxes, training after
the limit, no self-funding source, a 市州 batch, a resubmission, GBK zip, no attachment, cover letter
only, 超大附件 link, corrupt .docx, grayscale scan, scan without seal, a lying Date header).

The MIME is written by hand, byte by byte, because the point is to reproduce what Chinese clients
send (encoded words inside quotes, raw 8-bit headers), which the stdlib generator refuses to write.
Everything is derived from fixed seeds and fixed times: two builds are byte-identical.  No LibreOffice.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

__all__ = [
    "CLIENTS",
    "MIME_TYPES",
    "DemoFile",
    "DemoMail",
    "build_demo_mailbox",
    "demo_mails",
    "demo_notes",
    "gbk_zip",
    "message_id",
    "render_mail",
    "scan_pdf",
]

BJ = ZoneInfo("Asia/Shanghai")
OFFICE = "hbzsgx@163.com"

MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "pdf": "application/pdf",
    "zip": "application/x-zip-compressed",
}


@dataclass(frozen=True)
class Client:
    """How one mail client writes headers: filename encoding, text charset, its own headers."""

    name_style: str  # "ew_utf8" | "ew_gb2312" | "ew_gbk" | "rfc2231" | "raw_gbk"
    charset: str  # label written for text parts and the subject
    codec: str  # Python codec actually used for those bytes
    mailer: str  # X-Mailer (empty: none)
    relay: str  # the sending server as the 163 MX saw it
    octet_stream: bool = False  # QQ Mail labels every attachment application/octet-stream


CLIENTS: dict[str, Client] = {
    "163": Client(
        "ew_utf8",
        "UTF-8",
        "utf-8",
        "Coremail Webmail Server Version XT5.0.14 build 20230109",
        "m16.mail.163.com (unknown [220.197.31.2])",
    ),
    "foxmail": Client(
        "ew_gb2312",
        "GB2312",
        "gb18030",
        "Foxmail 7.2.25.254[cn]",
        "smtp.exmail.qq.com (unknown [183.62.104.51])",
    ),
    "qq": Client(
        "ew_gbk",
        "GBK",
        "gb18030",
        "",
        "out203-205-221-173.mail.qq.com (unknown [203.205.221.173])",
        octet_stream=True,
    ),
    "outlook": Client(
        "rfc2231", "utf-8", "utf-8", "Microsoft Outlook 16.0", "mail.hbut.edu.cn (unknown [202.114.176.20])"
    ),
    "old": Client(
        "raw_gbk",
        "gb2312",
        "gb18030",
        "Microsoft Outlook Express 6.00.2900.5512",
        "mail.yc.gov.cn (unknown [61.183.248.10])",
    ),
}


@dataclass(frozen=True)
class DemoFile:
    filename: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class DemoMail:
    """One mail as it arrives.  `date_sent` is what the sender's Date header claims."""

    slug: str
    client: str
    sender_name: str
    sender_addr: str
    subject: str
    body: str
    received: datetime  # aware; the 163 MX receipt time
    files: tuple[DemoFile, ...] = ()
    date_sent: datetime | None = None  # default: a few seconds before `received`
    html: bool = False  # body as text/html alternative too (webmail)
    seen: bool = True  # staff already opened it in webmail (cur/ with :2,S) or not (new/)
    notes: tuple[str, ...] = field(default=(), compare=False)  # the flags the case is meant to show


# ------------------------------------------------------------------ header encoding


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encoded_words(text: str, charset: str, codec: str, limit: int = 45) -> str:
    """RFC 2047 B-words, split between characters so no word exceeds the line limit, folded."""
    words, chunk = [], ""
    for ch in text:
        if len((chunk + ch).encode(codec)) > limit:
            words.append(chunk)
            chunk = ""
        chunk += ch
    words.append(chunk)
    return "\n ".join(f"=?{charset}?B?{_b64(w.encode(codec))}?=" for w in words if w)


def _header_text(text: str, client: Client) -> bytes:
    if client.name_style == "raw_gbk":
        return text.encode("gb18030")  # old clients put raw 8-bit bytes in Subject and From too
    if text.isascii():
        return text.encode("ascii")
    return _encoded_words(text, client.charset, client.codec).encode("ascii")


def _filename_params(name: str, client: Client) -> tuple[bytes, bytes]:
    """(Content-Type parameter, Content-Disposition parameter) for an attachment's name."""
    style = client.name_style
    if style == "raw_gbk":
        raw = name.encode("gb18030")
        return b'name="' + raw + b'"', b'filename="' + raw + b'"'
    if style == "rfc2231":
        word = f"=?utf-8?B?{_b64(name.encode('utf-8'))}?="
        return f'name="{word}"'.encode(), _rfc2231(name).encode()
    charset = {"ew_utf8": "UTF-8", "ew_gb2312": "GB2312", "ew_gbk": "GBK"}[style]
    word = f"=?{charset}?B?{_b64(name.encode(client.codec))}?="  # one long word inside quotes, as sent
    return f'name="{word}"'.encode(), f'filename="{word}"'.encode()


def _rfc2231(name: str, piece: int = 48) -> str:
    """filename*=utf-8''… with RFC 2231 continuations when long (Outlook, Thunderbird).  Pieces break
    between %XX escapes, possibly inside a UTF-8 character, as those clients do."""
    units = re.findall(r"%[0-9A-F]{2}|.", quote(name.encode("utf-8"), safe=""))
    parts, chunk = [], ""
    for unit in units:
        if len(chunk) + len(unit) > piece:
            parts.append(chunk)
            chunk = ""
        chunk += unit
    parts.append(chunk)
    if len(parts) == 1:
        return f"filename*=utf-8''{parts[0]}"
    first = f"filename*0*=utf-8''{parts[0]}"
    return ";\n ".join([first] + [f"filename*{i}*={p}" for i, p in enumerate(parts[1:], 1)])


# ------------------------------------------------------------------ MIME


def _boundary(mail: DemoMail, level: str) -> str:
    return f"----=_Part_{level}_{hashlib.sha256((mail.slug + level).encode()).hexdigest()[:20]}"


def _wrap76(text: str) -> bytes:
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76)).encode("ascii")


def _text_part(body: str, subtype: str, client: Client) -> bytes:
    head = (
        f'Content-Type: text/{subtype}; charset="{client.charset}"\nContent-Transfer-Encoding: base64\n\n'
    ).encode()
    return head + _wrap76(_b64(body.encode(client.codec))) + b"\n"


def _html(body: str) -> str:
    paras = "".join(f"<div>{line or '<br>'}</div>" for line in body.split("\n"))
    return f'<html><head><meta charset="utf-8"></head><body>{paras}</body></html>'


def _body_parts(mail: DemoMail, client: Client) -> bytes:
    if not mail.html:
        return _text_part(mail.body, "plain", client)
    b = _boundary(mail, "alt")
    return (
        f'Content-Type: multipart/alternative; boundary="{b}"\n\n--{b}\n'.encode()
        + _text_part(mail.body, "plain", client)
        + f"--{b}\n".encode()
        + _text_part(_html(mail.body), "html", client)
        + f"--{b}--\n".encode()
    )


def _attachment_part(f: DemoFile, client: Client) -> bytes:
    ctype = "application/octet-stream" if client.octet_stream else f.content_type
    name_param, file_param = _filename_params(f.filename, client)
    return (
        f"Content-Type: {ctype};\n ".encode()
        + name_param
        + b"\nContent-Transfer-Encoding: base64\n"
        + b"Content-Disposition: attachment;\n "
        + file_param
        + b"\n\n"
        + _wrap76(_b64(f.data))
        + b"\n"
    )


def _received(mail: DemoMail, client: Client) -> bytes:
    when = mail.received.astimezone(BJ).strftime("%a, %d %b %Y %H:%M:%S +0800")
    sent = mail.received - timedelta(seconds=2)
    smtp_id = hashlib.sha256(mail.slug.encode()).hexdigest()[:22]
    return (
        f"Received: from {client.relay}\n\tby mx29.163.com (Coremail) with SMTP id {smtp_id}\n"
        f"\tfor <{OFFICE}>; {when}\n"
        f"Received: from localhost (unknown [127.0.0.1]) by {client.relay.split()[0]};\n"
        f"\t{sent.astimezone(BJ).strftime('%a, %d %b %Y %H:%M:%S +0800')}\n"
    ).encode()


def _date_header(mail: DemoMail) -> str:
    sent = mail.date_sent or mail.received - timedelta(seconds=3 + int(mail.slug.encode().hex(), 16) % 50)
    return sent.astimezone(BJ).strftime("%a, %d %b %Y %H:%M:%S +0800")


def message_id(mail: DemoMail) -> str:
    """The Message-ID the mail is written with (stable: derived from its slug)."""
    return f"<{hashlib.sha256(mail.slug.encode()).hexdigest()[:24]}@{mail.sender_addr.split('@')[1]}>"


def render_mail(mail: DemoMail) -> bytes:
    """The RFC 822 bytes of one demo mail (LF line ends, as a Maildir stores them)."""
    client = CLIENTS[mail.client]
    msgid = message_id(mail)
    head = _received(mail, client)
    head += b"From: " + _header_text(mail.sender_name, client) + f" <{mail.sender_addr}>\n".encode()
    head += f"To: {OFFICE}\n".encode() + b"Subject: " + _header_text(mail.subject, client) + b"\n"
    head += f"Date: {_date_header(mail)}\nMessage-ID: {msgid}\nMIME-Version: 1.0\n".encode()
    if client.mailer:
        head += f"X-Mailer: {client.mailer}\n".encode()
    if not mail.files:
        return head + _body_parts(mail, client)
    b = _boundary(mail, "mix")
    out = head + f'Content-Type: multipart/mixed;\n\tboundary="{b}"\n\n'.encode()
    out += b"This is a multi-part message in MIME format.\n\n"
    out += f"--{b}\n".encode() + _body_parts(mail, client)
    for f in mail.files:
        out += f"--{b}\n".encode() + _attachment_part(f, client)
    return out + f"--{b}--\n".encode()


# ------------------------------------------------------------------ documents


def gbk_zip(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip as Windows 'send to compressed folder' writes it on a Chinese system: GBK member names
    without the UTF-8 flag (bit 11)."""

    class _GbkInfo(zipfile.ZipInfo):
        def _encodeFilenameFlags(self) -> tuple[bytes, int]:
            return self.filename.encode("gb18030"), self.flag_bits & ~0x800

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = _GbkInfo(name, date_time=(2024, 12, 14, 16, 20, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def scan_pdf(fields: Mapping[str, Any], *, seal: bool, grayscale: bool, dpi: int = 110) -> bytes:
    """An image-only PDF, as a scanner makes it, from the fast text PDF (no LibreOffice needed)."""
    import pypdfium2 as pdfium

    from samples.pdfgen import images_to_pdf, pdf_from_fields

    doc = pdfium.PdfDocument(pdf_from_fields(fields, seal=seal))
    try:
        images = [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()
    if images:
        _pen_signature(images[0])
    return _fixed_pdf_dates(images_to_pdf(images, dpi=dpi, grayscale=grayscale))


def _pen_signature(page: Any) -> None:
    """A blue ballpoint signature by the 申报时间 line: what makes a real colour scan colourful even
    without a seal (a seal checker must tell 'colour, no seal' from 'grey, cannot tell')."""
    from PIL import ImageDraw

    w, h = page.size
    x0, y0 = int(w * 0.6), int(h * 0.135)
    points = [(x0 + k * w // 90, y0 + (-1) ** k * h // 160 + (k % 3) * 2) for k in range(14)]
    ImageDraw.Draw(page).line(points, fill=(28, 52, 168), width=max(2, w // 400), joint="curve")


def _fixed_pdf_dates(pdf: bytes) -> bytes:
    # Pillow stamps CreationDate/ModDate with the current time; a fixed value of the same length keeps
    # the xref offsets valid and the demo byte-identical across builds.
    return re.sub(rb"\((D:\d{14})(Z?)\)", lambda m: b"(D:20241216093000" + m.group(2) + b")", pdf)


def _corrupt(data: bytes) -> bytes:
    """A .docx cut short in transit: the zip's central directory is gone."""
    return data[: len(data) // 2]


# ------------------------------------------------------------------ the cases


@dataclass(frozen=True)
class _Unit:
    name: str
    address: str
    contact: str
    sender_addr: str


UNITS = (
    _Unit("武汉大学", "武汉市武昌区八一路299号", "王伟", "jxjy@whu.edu.cn"),
    _Unit("华中科技大学", "武汉市洪山区珞喻路1037号", "李娜", "rsc_px@hust.edu.cn"),
    _Unit("武汉理工大学", "武汉市洪山区珞狮路122号", "张敏", "zhangmin_whut@163.com"),
    _Unit("中国地质大学（武汉）", "武汉市洪山区鲁磨路388号", "刘洋", "liuyang@cug.edu.cn"),
    _Unit("华中农业大学", "武汉市洪山区狮子山街1号", "陈静", "3127765501@qq.com"),
    _Unit("湖北工业大学", "武汉市洪山区南李路28号", "杨磊", "yanglei@hbut.edu.cn"),
    _Unit("湖北省农业科学院", "武汉市洪山区南湖大道18号", "黄丽", "hbaas_rsc@163.com"),
    _Unit("湖北省疾病预防控制中心", "武汉市洪山区卓刀泉北路6号", "赵强", "hbcdc_px@163.com"),
    _Unit("东风汽车集团有限公司", "武汉市经济技术开发区东风大道1号", "周杰", "zhoujie@dfmc.com.cn"),
    _Unit("长江水利委员会长江科学院", "武汉市江岸区黄浦大街23号", "吴涛", "wutao_crsri@foxmail.com"),
    _Unit(
        "湖北省交通规划设计院股份有限公司", "武汉市东湖新技术开发区高新大道1号", "徐明", "hbjtsj_rlzy@163.com"
    ),
    _Unit("武汉光电国家研究中心", "武汉市洪山区珞喻路1037号", "孙超", "wnlo_office@hust.edu.cn"),
    _Unit("湖北省建筑科学研究设计院", "武汉市武昌区中南二路11号", "马艳", "hbjky@163.com"),
    _Unit("湖北省地质局", "武汉市武昌区民主路68号", "胡建国", "hbdzj_rsc@163.com"),
    _Unit("长江大学", "荆州市荆州区南环路1号", "郭秀英", "guoxy@yangtzeu.edu.cn"),
    _Unit("三峡大学", "宜昌市西陵区大学路8号", "何桂英", "heguiying@ctgu.edu.cn"),
    _Unit("宜昌市中心人民医院", "宜昌市西陵区夷陵大道183号", "林志红", "ycszxyy@163.com"),
    _Unit("湖北兴发化工集团股份有限公司", "宜昌市兴山县古夫镇高阳大道58号", "罗文斌", "xingfa_hr@163.com"),
    _Unit("黄石市卫生健康委员会", "黄石市黄石港区杭州东路6号", "郑海燕", "hswjw_kjk@163.com"),
    _Unit("十堰市人力资源和社会保障局", "十堰市张湾区北京北路93号", "梁鹏飞", "syrsj_zjk@163.com"),
    _Unit("湖北省林业科学研究院", "武汉市洪山区狮子山街30号", "袁志强", "hblky_kjc@163.com"),
)

_PROJECTS = (  # one per unit above, same index
    "长江流域综合治理与生态保护高级研修班",
    "人工智能赋能智能制造高级研修班",
    "新能源与智能网联汽车高级研修班",
    "地质灾害防治与智慧监测高级研修班",
    "生物育种前沿技术高级研修班",
    "智能建造与绿色建筑高级研修班",
    "乡村振兴与现代种业创新高级研修班",
    "公共卫生应急管理能力提升高级研修班",
    "汽车零部件智能制造高级研修班",
    "水利工程智慧运维高级研修班",
    "交通基础设施数字化运维高级研修班",
    "光电子信息产业关键技术高级研修班",
    "建筑工程质量安全数字化管理高级研修班",
    "战略性矿产资源勘查高级研修班",
    "石油天然气智能勘探高级研修班",
    "三峡库区生态修复高级研修班",
    "区域医疗中心建设与管理高级研修班",
    "磷化工绿色低碳转型高级研修班",
    "基层卫生健康人才能力提升高级研修班",
    "技能人才数字素养提升高级研修班",
    "林业碳汇计量与监测高级研修班",
)


def _fields(i: int, **changes: Any) -> dict[str, Any]:
    """The filled form of unit i: realistic random values (formgen), this unit's identity and project."""
    from samples.formgen import sample_fields

    unit = UNITS[i]
    f = sample_fields(1000 + i)
    f["project_name"] = _PROJECTS[i]
    f["declared_org"] = unit.name
    f["applicant"] = {**f["applicant"], "name": unit.name, "address": unit.address, "contact": unit.contact}
    for key, value in changes.items():
        if "." in key:
            block, sub = key.split(".")
            f[block] = {**f[block], sub: value}
        else:
            f[key] = value
    return f


def _docx(name: str, f: Mapping[str, Any], style: str = "glyph", **options: Any) -> DemoFile:
    from samples.formgen import build_form_docx

    return DemoFile(name, build_form_docx(f, style, **options), MIME_TYPES["docx"])


def _pdf(name: str, f: Mapping[str, Any], *, seal: bool = True) -> DemoFile:
    from samples.pdfgen import pdf_from_fields

    return DemoFile(name, pdf_from_fields(f, seal=seal), MIME_TYPES["pdf"])


def _pair(i: int, f: Mapping[str, Any], style: str, **options: Any) -> tuple[DemoFile, DemoFile]:
    stem = f"{UNITS[i].name}-2025年高级研修项目申报表"
    return _docx(f"{stem}.docx", f, style, **options), _pdf(f"{stem}（盖章）.pdf", f)


def _at(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2024, 12, day, hh, mm, ss, tzinfo=BJ)


_GREETING = "省人社厅专技处：\n  您好！现报送我单位专业技术人员知识更新工程2025年高级研修项目申报材料（Word版及盖章扫描PDF版），请审核。\n"


def _body(i: int, extra: str = "") -> str:
    u = UNITS[i]
    return f"{_GREETING}{extra}\n联系人：{u.contact}\n{u.name}\n"


def _mail(
    slug: str,
    client: str,
    i: int,
    subject: str,
    received: datetime,
    files: Sequence[DemoFile],
    *notes: str,
    body: str | None = None,
    **kw: Any,
) -> DemoMail:
    u = UNITS[i]
    display = u.contact if client in ("qq", "foxmail") else u.name  # personal clients show the person
    return DemoMail(
        slug,
        client,
        display,
        u.sender_addr,
        subject,
        body if body is not None else _body(i),
        received,
        tuple(files),
        notes=notes,
        html=client in ("163", "qq"),
        **kw,
    )


def _complete_mails() -> list[DemoMail]:
    """On-time, complete submissions from every common client and in several ticking styles."""
    specs = (  # unit, client, style, day, hh, mm
        (0, "163", "glyph", 11, 9, 12),
        (1, "foxmail", "wingdings_sym", 12, 10, 45),
        (2, "qq", "content_control", 12, 15, 3),
        (3, "outlook", "legacy_formfield", 13, 11, 20),
        (4, "old", "tick_typed", 13, 16, 48),
        (6, "163", "eq_field", 16, 14, 30),
        (7, "outlook", "split_table", 16, 17, 5),
        (9, "foxmail", "text_box", 17, 9, 40),
        (11, "qq", "wingdings2_font", 17, 20, 15),
    )
    mails = []
    for i, client, style, day, hh, mm in specs:
        f = _fields(i, funding_type="fiscal", self_funding_source=None)
        subject = f"{UNITS[i].name}—专业技术人员知识更新工程2025年高级研修项目申报"
        received = _at(day, hh, mm, 7 + i)
        mails.append(_mail(f"ok-{client}-{i:02d}", client, i, subject, received, _pair(i, f, style)))
    return mails


def _rule_mails() -> list[DemoMail]:
    """One mail per rule a reviewer checks on the form itself."""
    s = "2025年高级研修项目申报材料"
    m_f = _fields(
        8,
        **{
            "applicant.contact": None,
            "applicant.office_phone": None,
            "applicant.mobile": None,
            "experts": None,
        },
    )
    both = _fields(10, funding_type="fiscal")
    after = _fields(
        12, training_dates="2025年11月3日至11月7日", training_start="2025-11-03", training_end="2025-11-07"
    )
    selfund = _fields(13, funding_type="self_funded", self_funding_source=None)
    return [
        _mail(
            "missing-fields",
            "163",
            8,
            f"东风汽车集团有限公司{s}",
            _at(13, 10, 2),
            _pair(8, m_f, "hints_kept"),
            "missing_field",
        ),
        _mail(
            "both-funding",
            "qq",
            10,
            f"关于报送{s}的函（湖北省交通规划设计院）",
            _at(14, 9, 31),
            _pair(10, both, "glyph", tick_both_funding=True),
            "funding_type_multiple",
        ),
        _mail(
            "training-after-limit",
            "foxmail",
            12,
            f"湖北省建筑科学研究设计院{s}",
            _at(14, 15, 22),
            _pair(12, after, "label_value_one_cell"),
            "training_after_deadline",
        ),
        _mail(
            "self-funded-no-source",
            "outlook",
            13,
            f"湖北省地质局{s}",
            _at(15, 8, 58),
            _pair(13, selfund, "extra_rows"),
            "self_funding_source_missing",
        ),
    ]


def _document_mails() -> list[DemoMail]:
    """Mails whose documents are incomplete or hard to read."""
    from samples.formgen import build_form_docx

    f14, f15, f16, f17 = (_fields(i, funding_type="fiscal", self_funding_source=None) for i in range(14, 18))
    word_only = _docx("长江大学高级研修项目申报表.docx", f14, "glyph")
    pdf_only = _pdf("三峡库区生态修复高级研修班申报表（盖章版）.pdf", f15)
    corrupt = DemoFile(
        "申报表-黄石市卫健委.docx", _corrupt(build_form_docx(_fields(18), "glyph")), MIME_TYPES["docx"]
    )
    return [
        _mail(
            "word-only", "163", 14, "长江大学-高级研修项目申报表", _at(15, 11, 40), [word_only], "missing_pdf"
        ),
        _mail(
            "pdf-only",
            "old",
            15,
            "三峡大学高级研修项目申报（盖章扫描件）",
            _at(15, 16, 2),
            [pdf_only],
            "missing_word",
        ),
        _mail(
            "corrupt-docx",
            "foxmail",
            18,
            "黄石市卫健委高级研修项目申报",
            _at(16, 10, 11),
            [corrupt, _pdf("申报表-黄石市卫健委.pdf", _fields(18))],
            "unreadable_attachment",
            "missing_word",
        ),
        _mail(
            "grayscale-scan",
            "outlook",
            16,
            "宜昌市中心人民医院高级研修项目申报",
            _at(16, 15, 47),
            [
                _docx("区域医疗中心建设与管理高级研修班申报表.docx", f16, "deleted_options"),
                DemoFile(
                    "区域医疗中心建设与管理高级研修班申报表-扫描件.pdf",
                    scan_pdf(f16, seal=True, grayscale=True),
                    MIME_TYPES["pdf"],
                ),
            ],
            "stamp_unverifiable",
        ),
        _mail(
            "scan-no-seal",
            "qq",
            17,
            "兴发集团 高级研修项目申报表",
            _at(17, 11, 3),
            [
                _docx("兴发集团-申报表.docx", f17, "glyph"),
                DemoFile(
                    "兴发集团-申报表扫描.pdf", scan_pdf(f17, seal=False, grayscale=False), MIME_TYPES["pdf"]
                ),
            ],
            "stamp_missing",
        ),
        _mail(
            "scan-only",
            "163",
            20,
            "湖北省林业科学研究院高级研修项目申报表（盖章扫描件）",
            _at(17, 16, 26),
            [
                DemoFile(
                    "林业碳汇计量与监测高级研修班申报表.pdf",
                    scan_pdf(_fields(20), seal=True, grayscale=False),
                    MIME_TYPES["pdf"],
                )
            ],
            "missing_word",
            "ocr_read",
        ),
        _mail(
            "gbk-zip",
            "163",
            5,
            "湖北工业大学高级研修项目申报材料（压缩包）",
            _at(14, 20, 36),
            [
                DemoFile(
                    "湖北工业大学申报材料.zip",
                    gbk_zip(
                        [
                            (
                                "湖北工业大学申报材料/智能建造申报表.docx",
                                build_form_docx(_fields(5), "glyph"),
                            ),
                            (
                                "湖北工业大学申报材料/智能建造申报表（盖章）.pdf",
                                _pdf("x.pdf", _fields(5)).data,
                            ),
                        ]
                    ),
                    MIME_TYPES["zip"],
                )
            ],
            "zip",
        ),
    ]


def _batch_and_resubmission() -> list[DemoMail]:
    from samples.formgen import build_cover_letter_docx

    city = UNITS[19]
    letter = build_cover_letter_docx(
        "十堰市人力资源和社会保障局\n关于报送2025年高级研修项目申报材料的函\n省人社厅专技处：\n"
        "  根据鄂人社函〔2024〕132号文件要求，现将我市3家单位的申报材料报送你处，请审核。\n十堰市人力资源和社会保障局\n2024年12月16日"
    )
    files = [DemoFile("十堰市人社局关于报送2025年高级研修项目的函.docx", letter, MIME_TYPES["docx"])]
    for j, (unit, project) in enumerate(
        (
            ("十堰市太和医院", "急危重症救治能力提升高级研修班"),
            ("湖北汽车工业学院", "新能源汽车三电系统关键技术高级研修班"),
            ("十堰市技师学院", "技能人才数字素养提升高级研修班"),
        )
    ):
        f = _fields(19, project_name=project, declared_org=unit, **{"applicant.name": unit})
        files += [
            _docx(f"{j + 1}.{unit}申报表.docx", f, ("glyph", "wingdings_sym", "content_control")[j]),
            _pdf(f"{j + 1}.{unit}申报表.pdf", f),
        ]
    batch = DemoMail(
        "city-batch",
        "163",
        city.name,
        city.sender_addr,
        "十堰市人社局关于报送2025年高级研修项目申报材料的函",
        "省人社厅专技处：\n  附件为我市汇总的3个项目申报材料及报送函，请查收。\n十堰市人社局专技科",
        _at(16, 16, 20),
        tuple(files),
        html=True,
        notes=("batch",),
    )
    first = _fields(5, declared_org="湖北工业大学（盖章）", experts=None)
    second = _fields(5, declared_org="湖北工业大学")
    stem = "湖北工业大学-智能建造与绿色建筑高级研修班申报表"
    return [
        batch,
        _mail(
            "resubmit-1",
            "outlook",
            5,
            "湖北工业大学高级研修项目申报",
            _at(12, 9, 5),
            _pair(5, first, "glyph"),
            "missing_field",
        ),
        _mail(
            "resubmit-2",
            "outlook",
            5,
            "【更正】湖北工业大学高级研修项目申报（以此为准）",
            _at(16, 9, 50),
            [_docx(f"{stem}（修改版）.docx", second, "glyph"), _pdf(f"{stem}（修改版）.pdf", second)],
            "supersedes",
            body=_body(5, "  前次报送的申报表“授课专家情况”漏填，现重新报送，以此为准。\n"),
        ),
    ]


def _message_mails() -> list[DemoMail]:
    """Mails judged on the message: late, lying Date header, no attachment, cover letter, big link."""
    from samples.formgen import build_cover_letter_docx

    late_f = _fields(1, project_name="光电子信息产业关键技术高级研修班（二期）")
    lying_f = _fields(3, project_name="深地探测与智能勘查技术高级研修班")
    letter = build_cover_letter_docx(
        "武汉理工大学\n关于申报2025年高级研修项目的函\n"
        "省人社厅：\n  我校拟申报高级研修项目1项，申报表随后报送。\n武汉理工大学继续教育学院"
    )
    big_link = (
        "https://mail.163.com/large-attachment-download/index.html"
        "?p=X43QQ1JLUyThXU8BT0wOvhQAAAAX&file=申报材料.rar"
    )
    return [
        _mail(
            "late",
            "foxmail",
            1,
            "华中科技大学高级研修项目申报（补报）",
            _at(18, 0, 5),
            _pair(1, late_f, "glyph"),
            "late",
            seen=False,
        ),
        _mail(
            "lying-date",
            "qq",
            3,
            "中国地质大学（武汉）高级研修项目申报",
            _at(18, 9, 12),
            _pair(3, lying_f, "glyph"),
            "late",
            "date_header_mismatch",
            date_sent=_at(17, 21, 40),
            seen=False,
        ),
        _mail(
            "question",
            "qq",
            4,
            "请问申报截止时间？",
            _at(11, 8, 30),
            [],
            "no_attachment",
            body="老师您好，请问2025年高级研修项目申报截止时间是12月17日当天吗？纸质材料是否需要邮寄？谢谢！\n华中农业大学 陈静",
        ),
        _mail(
            "cover-letter-only",
            "163",
            2,
            "武汉理工大学关于申报2025年高级研修项目的函",
            _at(15, 14, 0),
            [DemoFile("关于申报2025年高级研修项目的函.docx", letter, MIME_TYPES["docx"])],
            "no_form_found",
        ),
        _mail(
            "big-attachment",
            "163",
            6,
            "湖北省农业科学院高级研修项目申报材料（超大附件）",
            _at(17, 22, 41),
            [],
            "big_attachment_link",
            body=(
                f"{_GREETING}\n从网易邮箱发来的超大附件\n申报材料.rar (62.4M, 2025年1月1日 22:41 到期)\n"
                f"下载: {big_link}\n"
            ),
        ),
    ]


def demo_mails() -> list[DemoMail]:
    """Every demo mail, in receipt order."""
    mails = [
        *_complete_mails(),
        *_rule_mails(),
        *_document_mails(),
        *_batch_and_resubmission(),
        *_message_mails(),
    ]
    return sorted(mails, key=lambda m: (m.received, m.slug))


def _file_name(mail: DemoMail, index: int) -> str:
    stamp = int(mail.received.timestamp())
    unique = f"{stamp}.M{index:03d}P4096Q{index}.mx29"
    return f"{unique}:2,S" if mail.seen else unique


def build_demo_mailbox(dest: Path) -> Path:
    """Write the demo Maildir at `dest` (created if needed; existing demo files are overwritten)."""
    dest = Path(dest)
    for sub in ("cur", "new", "tmp"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
    for index, mail in enumerate(demo_mails(), 1):
        path = dest / ("cur" if mail.seen else "new") / _file_name(mail, index)
        path.write_bytes(render_mail(mail))
        stamp = mail.received.timestamp()
        os.utime(path, (stamp, stamp))
    return dest


def demo_notes() -> dict[str, tuple[str, ...]]:
    """slug → the flags (or features) each demo mail is meant to show, for integration tests."""
    return {m.slug: m.notes for m in demo_mails()}
