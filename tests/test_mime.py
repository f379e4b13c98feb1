"""intake.mime: attachment names as Chinese clients encode them, structure, body, links; never a crash."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from intake.mime import (
    decode_bytes,
    decode_filename,
    decode_header_value,
    find_big_attachment_links,
    parse_mail,
    walk_attachments,
)
from intake.spool import FileBuffer
from tests.mailfactory import STYLES, Part, build_mail, encoded_word, forwarded, minimal_docx

NAME = "申报表-朱镕基.docx"  # 镕 is GBK-only: a GB2312 label with these bytes must still decode
DOCX = minimal_docx()

ENCODED_STYLES = [s for s in STYLES if s != "plain"]
CHARSETS = ["GBK", "GB18030", "GB2312", "x-gbk", "UTF-8"]


@pytest.mark.parametrize("style", ENCODED_STYLES)
@pytest.mark.parametrize("charset", CHARSETS)
def test_every_client_style_and_gb_label_decodes_the_name(style: str, charset: str) -> None:
    mail = parse_mail(build_mail([Part(DOCX, NAME, style=style, charset=charset)]))
    assert [a.filename for a in mail.attachments] == [NAME]
    assert mail.attachments[0].data == DOCX
    assert mail.attachments[0].raw_filename  # the audit trail keeps the header it came from


_GBK_CHARS = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5) | st.sampled_from(
    list("（）-_ 0123456789abcXYZ镕䶮")
)


@settings(max_examples=60, deadline=None)
@given(
    st.text(_GBK_CHARS, min_size=1, max_size=40), st.sampled_from(ENCODED_STYLES), st.sampled_from(CHARSETS)
)
def test_random_chinese_names_survive_every_style(stem: str, style: str, charset: str) -> None:
    name = stem.strip() + ".docx"
    if style == "rfc2231_cont" and len(name.encode("gb18030")) < 3:
        name = "表" + name
    if style == "raw8bit" and charset != "UTF-8":
        # Unlabelled bytes are a guess between GB18030 and Latin-1 (see _plausible_gb): a real Chinese
        # name has common (GB2312) characters; a lone rare GBK character followed by a byte in a-z is
        # indistinguishable from "é" + letter.
        assume(sum(0x4E00 <= ord(c) <= 0x9FA5 and len(c.encode("gb2312", "ignore")) == 2 for c in name) >= 2)
    mail = parse_mail(build_mail([Part(DOCX, name, style=style, charset=charset)]))
    assert [a.filename for a in mail.attachments] == [name]


def test_lf_only_mail_decodes_the_same() -> None:
    raw = build_mail([Part(DOCX, NAME, style="rfc2047_split")], eol=b"\n")
    assert [a.filename for a in parse_mail(raw).attachments] == [NAME]


def test_split_mid_character_words_are_joined_as_bytes() -> None:
    raw = NAME.encode("gbk")
    words = encoded_word(raw[:3], "GB2312") + b" " + encoded_word(raw[3:], "GB2312")
    name, _raw = decode_filename(b'attachment; filename="' + words + b'"', None)
    assert name == NAME


def test_split_words_with_gb2312_then_gbk_labels_join() -> None:
    raw = NAME.encode("gbk")
    words = encoded_word(raw[:5], "GB2312") + b"\r\n " + encoded_word(raw[5:], "gbk")
    assert decode_filename(b'attachment; filename="' + words + b'"', None)[0] == NAME


def test_rfc2231_continuations_sorted_numerically_charset_on_first() -> None:
    raw = "湖北省申报表附件材料汇总表.docx".encode("gbk")
    pieces = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    assert len(pieces) > 10  # so that "10" sorts after "9" only when sorted as numbers
    params = []
    for i, piece in enumerate(pieces):
        enc = "".join(f"%{b:02X}" for b in piece)
        params.append(f"filename*{i}*={'GBK' + chr(39) * 2 if i == 0 else ''}{enc}")
    params.reverse()  # out of order on purpose
    name, _ = decode_filename(("attachment; " + "; ".join(params)).encode(), None)
    assert name == "湖北省申报表附件材料汇总表.docx"


def test_raw_utf8_bytes_in_header() -> None:
    name, _ = decode_filename('attachment; filename="申报表.docx"'.encode(), None)
    assert name == "申报表.docx"


def test_raw_filename_of_8bit_header_is_storable_text() -> None:
    name, raw = decode_filename('attachment; filename="申报表.docx"'.encode("gbk"), None)
    assert name == "申报表.docx"
    assert raw is not None and "\\xc9\\xea" in raw
    raw.encode("utf-8")  # no lone surrogates: sqlite and JSON writers accept it


@pytest.mark.parametrize(
    "name", ["镕.docx", "丂丄.docx", "申报表-朱镕基.docx", "䶮.docx", "一一.docx", "縗\u7e17.docx"]
)
def test_raw_gbk_with_rare_characters(name: str) -> None:
    assert decode_filename(b'attachment; filename="' + name.encode("gb18030") + b'"', None)[0] == name


def test_raw_latin1_bytes_stay_latin1() -> None:
    name, _ = decode_filename(b'attachment; filename="HasenundFr\xf6sche.txt"', None)
    assert name == "HasenundFrösche.txt"


def test_undecodable_name_keeps_a_visible_replacement_and_the_raw_header() -> None:
    header = b'attachment; filename="=?GBK?B?' + base64.b64encode(b"\xff\xfe\x81.docx") + b'?="'
    mail = parse_mail(
        build_mail([Part(DOCX, raw_content_type=b"application/octet-stream", raw_disposition=header)])
    )
    att = mail.attachments[0]
    assert "\ufffd" in att.filename and att.filename.endswith(".docx")
    assert "GBK" in (att.raw_filename or "")


def test_name_only_and_inline_named_parts_are_attachments() -> None:
    parts = [
        Part(DOCX, "申报表.docx", style="name_only"),
        Part(b"%PDF-1.4\n", "盖章件.pdf", style="inline_named"),
    ]
    mail = parse_mail(build_mail(parts))
    assert [a.filename for a in mail.attachments] == ["申报表.docx", "盖章件.pdf"]


def test_text_plain_inline_part_is_body_not_attachment() -> None:
    raw = build_mail(
        [Part(b"note", raw_content_type=b"text/plain; charset=utf-8", raw_disposition=b"inline", cte="7bit")]
    )
    mail = parse_mail(raw)
    assert mail.attachments == ()
    assert "note" in mail.body_text


def test_docx_labelled_text_plain_with_a_name_is_still_an_attachment() -> None:
    raw = build_mail([Part(DOCX, style="name_only", raw_content_type=b'text/plain; name="shenbao.docx"')])
    walked, _ = walk_attachments(raw)
    assert not [p for p in walked if p.is_attachment]  # the corpus convention calls it body text
    assert [a.filename for a in parse_mail(raw).attachments] == ["shenbao.docx"]


def test_inline_uuencoded_file_in_text_body() -> None:
    import binascii

    lines = [binascii.b2a_uu(DOCX[i : i + 45]).rstrip(b"\n") for i in range(0, len(DOCX), 45)]
    body = b"see attached\r\n\r\nbegin 644 shenbao.docx\r\n" + b"\r\n".join(lines) + b"\r\n`\r\nend\r\n"
    raw = b"From: a@b.c\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\n" + body
    mail = parse_mail(raw)
    assert [(a.filename, a.data) for a in mail.attachments] == [("shenbao.docx", DOCX)]


def test_many_uuencode_begins_without_end_give_nothing() -> None:
    # 50 000 unterminated blocks: a regex scanning to the end from each begin would take minutes here.
    body = b"begin 644 a.docx\r\nM\r\n" * 50_000
    assert parse_mail(b"Content-Type: text/plain\r\n\r\n" + body).attachments == ()


def test_forwarded_message_yields_its_attachments() -> None:
    inner = build_mail(
        [Part(DOCX, "申报表-李四.docx", style="rfc2231")],
        message_id="<inner@qq.com>",
        boundary="inner-boundary-1",
    )
    raw = build_mail([forwarded(inner)], subject="转发：申报材料")
    walked, _ = walk_attachments(raw)  # the corpus convention: one .eml attachment
    atts = [p for p in walked if p.is_attachment]
    assert [p.filename for p in atts] == ["转发：申报材料.eml"] and atts[0].data == inner
    mail = parse_mail(raw)  # the pipeline sees the forwarded form itself
    assert [a.filename for a in mail.attachments] == ["申报表-李四.docx"]
    assert mail.attachments[0].data == DOCX


def test_truncated_base64_is_flagged_not_silently_shortened() -> None:
    raw = build_mail([Part(DOCX * 3, "申报表.docx")])
    body_start = raw.index(base64.b64encode(DOCX * 3)[:76])
    truncated = raw[: body_start + 1001]  # the connection dropped mid-attachment (1001: not a whole quad)
    mail = parse_mail(truncated)
    att = mail.attachments[0]
    assert len(att.data) < len(DOCX * 3)
    assert any("截断" in p.detail or "不完整" in p.detail for p in att.problems)


def test_mail_cut_inside_an_attachment_flags_it() -> None:
    raw = build_mail([Part(DOCX, "申报表.docx")])
    body_start = raw.index(base64.b64encode(DOCX)[:76])
    cut = raw[: body_start + 400]  # a whole number of quads: only the missing end tells
    mail = parse_mail(cut)
    assert mail.attachments and mail.attachments[0].problems


def test_missing_closing_boundary_alone_is_not_a_problem() -> None:
    raw = build_mail([Part(DOCX, "申报表.docx")])
    raw = raw[: raw.rindex(b"--\r\n") - len(b"------=_Part_12345_67890.1741570200000") - 2]
    mail = parse_mail(raw)
    assert mail.attachments[0].data == DOCX and mail.attachments[0].problems == ()


def test_uuencoded_part_is_decoded() -> None:
    mail = parse_mail(build_mail([Part(DOCX, "申报表.docx", cte="x-uuencode")]))
    assert mail.attachments[0].data == DOCX


def test_bom_before_headers_keeps_structure() -> None:
    mail = parse_mail(b"\xef\xbb\xbf" + build_mail([Part(DOCX, "申报表.docx")]))
    assert [a.filename for a in mail.attachments] == ["申报表.docx"]
    assert mail.subject == "申报材料-湖北省某某单位"


def test_headers_subject_sender_date_message_id() -> None:
    mail = parse_mail(build_mail([], subject="关于申报2025年高级研修项目的函", sender="王五 <wangwu@qq.com>"))
    assert mail.subject == "关于申报2025年高级研修项目的函"
    assert mail.sender == "王五 <wangwu@qq.com>"
    assert mail.message_id == "<20250310093000.12345@163.com>"
    assert mail.date_header == "Mon, 10 Mar 2025 09:30:00 +0800"
    assert mail.date_parsed is not None and mail.date_parsed.utcoffset().total_seconds() == 8 * 3600
    assert "申报材料" in mail.body_text


@pytest.mark.parametrize(
    "header",
    [
        b'From: "=?GBK?B?1cXI/Q==?=" <zhangsan@163.com>',
        b"From: =?GBK?B?1cXI/Q==?= <zhangsan@163.com>",
        b"From: \xd5\xc5\xc8\xfd <zhangsan@163.com>",
        'From: "张三" <zhangsan@163.com>'.encode(),
    ],
)
def test_sender_display_name_in_every_quoting(header: bytes) -> None:
    mail = parse_mail(header + b"\r\nSubject: x\r\n\r\nbody")
    assert mail.sender == "张三 <zhangsan@163.com>"


def test_unstructured_header_with_gb2312_label_and_gbk_char() -> None:
    word = encoded_word("朱镕基的申报".encode("gbk"), "gb2312")
    assert decode_header_value(b"Re: " + word) == "Re: 朱镕基的申报"


@pytest.mark.parametrize(
    "url",
    [
        "https://mail.163.com/large-attachment-download/index.html?p=X1a2b&file=abc",
        "https://dashi.163.com/html/cloud-attachment-download/index.html?key=abc",
        "https://wx.mail.qq.com/ftn/download?func=3&key=abc",
        "https://mail.qq.com/cgi-bin/ftnExs_download?k=abc&t=exs_ftn_download",
        "http://fs.163.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&file=abc",
    ],
)
def test_big_attachment_links_in_html_body(url: str) -> None:
    html = f'<div>从网易邮箱发来的超大附件</div><a href="{url.replace("&", "&amp;")}">申报材料.zip</a>'
    mail = parse_mail(build_mail([], body_html=html))
    assert mail.big_attachment_links == (url,)


def test_ordinary_links_are_not_big_attachments() -> None:
    text = (
        "见 https://www.hbrs.gov.cn/notice.html 和 https://mail.163.com/ ，"
        "https://mail.163.com/dashi/dlpro.html?from=mail 以及 https://im.qq.com/download/"
    )
    assert find_big_attachment_links(text) == ()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_never_raises(data: bytes) -> None:
    mail = parse_mail(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" + data)
    assert isinstance(mail.attachments, tuple)
    for a in mail.attachments:  # every text we hand on can be stored as UTF-8
        (a.filename + (a.raw_filename or "")).encode("utf-8")


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=120))
def test_any_filename_bytes_decode_to_storable_text(value: bytes) -> None:
    value = value.replace(b'"', b"")
    name, raw = decode_filename(b'attachment; filename="' + value + b'"', None)
    assert name is not None or not decode_bytes(value).strip()  # only a blank name counts as none
    ((name or "") + (raw or "")).encode("utf-8")


def test_part_count_and_nesting_are_bounded() -> None:
    many = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\nContent-Type: image/png\r\n\r\nx\r\n" * 6000
    )
    parts, problems = walk_attachments(many)
    assert len(parts) == 5000 and problems
    deep = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(200)
    )
    mail = parse_mail(deep + b"Content-Type: image/png\r\n\r\nx")
    assert mail.problems and mail.attachments == ()


def test_completely_broken_input_gives_a_mail() -> None:
    for raw in (b"", b"\x00\xff" * 50, b"Content-Type: multipart/mixed\r\n\r\nno boundary"):
        assert parse_mail(raw).attachments is not None


def test_attachments_command_prints_json(tmp_path) -> None:
    from intake.cli import attachments_command

    f = tmp_path / "m.eml"
    f.write_bytes(build_mail([Part(DOCX, NAME, style="raw8bit")]))
    res = CliRunner().invoke(attachments_command, [str(f)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)[str(f)]
    att = out["attachments"][0]
    assert att["filename"] == NAME and att["kind"] == "docx"
    assert att["sha256"] == hashlib.sha256(DOCX).hexdigest() and att["size"] == len(DOCX)


def test_undecodable_byte_under_a_declared_non_gb_charset_stays_visible() -> None:
    """A stray byte in an ISO-2022-JP name is damage: shown as U+FFFD, never re-read as GB18030
    (which turned 'Dij\\x8aat' into 'Dij奱t', silently eating the 'a')."""
    from intake.mime import decode_bytes

    assert decode_bytes(b"01 Quien Te Dij\x8aat.mp3", "iso-2022-jp") == "01 Quien Te Dij\ufffdat.mp3"
    assert decode_bytes("申报表.docx".encode("gbk"), None) == "申报表.docx"
    assert decode_bytes("申报表.docx".encode("gbk"), "gb2312") == "申报表.docx"


# ---------------------------------------------------------------- large messages (issue 15)


def _big_mail(tmp_path, sizes: list[int], cte: str = "base64") -> tuple[bytes, list[bytes]]:
    files = [os.urandom(n) for n in sizes]
    parts = [Part(f, f"材料{i}.pdf", cte=cte) for i, f in enumerate(files)]
    return build_mail(parts), files


def test_a_message_on_disk_parses_exactly_as_in_memory(tmp_path, monkeypatch) -> None:
    import intake.spool as spool

    raw, files = _big_mail(tmp_path, [30_000, 5_000, 70_000])
    path = tmp_path / "m.eml"
    path.write_bytes(raw)
    monkeypatch.setattr(spool, "CHUNK_BYTES", 1000)  # windows far smaller than the parts
    with FileBuffer(path) as fb:
        on_disk = parse_mail(fb)
    assert on_disk == parse_mail(raw)
    assert [a.data for a in on_disk.attachments] == files


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_a_part_over_the_limit_keeps_only_its_size_and_hash(tmp_path, cte: str) -> None:
    raw, files = _big_mail(tmp_path, [10_000, 2_000], cte=cte)
    if cte == "quoted-printable":  # a 7-bit body the factory does not encode: write it so
        raw = build_mail([Part(b"A=3D" * 5000, "big.txt", cte=cte), Part(files[1], "small.pdf")])
        files = [b"A=" * 5000, files[1]]
    mail = parse_mail(raw, max_part_bytes=5_000)
    big, small = mail.attachments
    assert (big.data, big.omitted, big.sha256) == (b"", len(files[0]), hashlib.sha256(files[0]).hexdigest())
    assert (small.data, small.omitted, small.sha256) == (files[1], 0, "")


def test_each_attachment_goes_to_the_consumer_as_it_is_decoded(tmp_path) -> None:
    raw, files = _big_mail(tmp_path, [3_000, 4_000, 5_000])
    seen: list[int] = []

    def consume(att):
        seen.append(len(att.data))
        return dataclasses.replace(att, data=b"")

    mail = parse_mail(raw, consume=consume)
    assert seen == [len(f) for f in files]
    assert [a.data for a in mail.attachments] == [b"", b"", b""]
    assert [a.filename for a in mail.attachments] == ["材料0.pdf", "材料1.pdf", "材料2.pdf"]


def test_an_error_in_the_consumer_is_not_hidden_as_an_unreadable_mail(tmp_path) -> None:
    raw, _ = _big_mail(tmp_path, [1_000])

    def consume(att):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        parse_mail(raw, consume=consume)
