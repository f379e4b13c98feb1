"""The demo mailbox, read back with the stdlib only: deterministic, and every listed case present."""

from __future__ import annotations

import email
import io
import re
import zipfile
from datetime import datetime
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from samples.demo import build_demo_mailbox, scan_pdf

BJ = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime(2024, 12, 17, 23, 59, 59, tzinfo=BJ)


@pytest.fixture(scope="module")
def maildir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_mailbox(tmp_path_factory.mktemp("demo") / "Maildir")


class Mail:
    """One demo file parsed with compat32 (raw header values kept, 8-bit as surrogates)."""

    def __init__(self, raw: bytes, path: Path | None = None) -> None:
        self.path = path
        self.raw = raw
        # From a surrogate-escaped str, compat32 keeps 8-bit header bytes recoverable (from bytes it
        # would replace them).
        self.msg = email.message_from_string(self.raw.decode("ascii", "surrogateescape"), policy=compat32)
        self.subject = _text(_raw_header(self.msg, "Subject"))
        self.parts = [
            p for p in self.msg.walk() if _raw_header(p, "Content-Disposition").startswith("attachment")
        ]
        self.names = [_filename(p) for p in self.parts]

    def received(self) -> datetime:
        top = self.msg.get_all("Received")[0]
        return parsedate_to_datetime(" ".join(top.rsplit(";", 1)[1].split()))

    def data(self, suffix: str) -> list[bytes]:
        pairs = zip(self.parts, self.names, strict=False)
        return [p.get_payload(decode=True) for p, n in pairs if n.lower().endswith(suffix)]

    def body(self) -> str:
        part = next(p for p in self.msg.walk() if p.get_content_type() == "text/plain")
        charset = part.get_content_charset() or "utf-8"
        charset = "gb18030" if charset in ("gb2312", "gbk") else charset
        return part.get_payload(decode=True).decode(charset)


def _raw_header(part: Message, name: str) -> str:
    # raw_items() is unsanitised: 8-bit bytes stay as surrogates (msg[name] would replace them).
    return next((v for k, v in part.raw_items() if k.lower() == name.lower()), "")


def _raw(value: str) -> bytes:
    return value.encode("ascii", "surrogateescape")


def _text(value: str) -> str:
    raw = _raw(str(value))
    if not raw.isascii():
        return raw.decode("gb18030")
    out = []
    for chunk, charset in decode_header(str(value)):
        if isinstance(chunk, bytes):
            cs = (charset or "ascii").lower()
            out.append(chunk.decode("gb18030" if cs in ("gb2312", "gbk") else cs))
        else:
            out.append(chunk)
    return "".join(out)


def _filename(part: Message) -> str:
    disposition = _raw_header(part, "Content-Disposition")
    if "filename*" in disposition:
        return str(part.get_filename())  # compat32 joins RFC 2231 continuations
    value = re.search(r'filename="([^"]*)"', disposition, re.S)
    assert value, disposition
    return _text(value.group(1))


@pytest.fixture(scope="module")
def mails(maildir: Path) -> list[Mail]:
    return [Mail(p.read_bytes(), p) for p in sorted(maildir.glob("*/*"))]


def find(mails: list[Mail], text: str) -> list[Mail]:
    return [m for m in mails if text in m.subject]


# ------------------------------------------------------------------ structure


def test_two_builds_are_byte_identical(maildir: Path, tmp_path: Path) -> None:
    again = build_demo_mailbox(tmp_path / "again")

    def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
        return {
            str(p.relative_to(root)): (p.read_bytes(), int(p.stat().st_mtime))
            for p in root.rglob("*")
            if p.is_file()
        }

    assert snapshot(again) == snapshot(maildir)


def test_is_a_maildir_with_a_dozen_units(maildir: Path, mails: list[Mail]) -> None:
    assert all((maildir / d).is_dir() for d in ("cur", "new", "tmp"))
    assert len(mails) >= 20
    senders = {_raw_header(m.msg, "From").rsplit("<", 1)[1] for m in mails}
    assert len(senders) >= 12


def test_receipt_header_and_mtime_agree(mails: list[Mail]) -> None:
    for m in mails:
        assert "163.com" in m.msg.get_all("Received")[0]
        assert m.received().utcoffset() is not None
        assert m.path is not None
        assert int(m.received().timestamp()) == int(m.path.stat().st_mtime), m.path.name


def test_date_headers_consistent_except_one_lying(mails: list[Mail]) -> None:
    gaps = [(m, abs((parsedate_to_datetime(m.msg["Date"]) - m.received()).total_seconds())) for m in mails]
    liars = [m for m, gap in gaps if gap > 3600]
    assert len(liars) == 1
    liar = liars[0]
    assert parsedate_to_datetime(liar.msg["Date"]) < DEADLINE < liar.received()


def test_late_mails(mails: list[Mail]) -> None:
    late = [m for m in mails if m.received() > DEADLINE]
    assert len(late) == 2
    assert datetime(2024, 12, 18, 0, 5, tzinfo=BJ) in {m.received() for m in late}
    assert all(m.path is not None and m.path.parent.name == "new" for m in late)  # not yet opened by staff
    assert all(m.received() > datetime(2024, 12, 10, tzinfo=BJ) for m in mails)


def test_clients_and_filename_encodings(mails: list[Mail]) -> None:
    mailers = " ".join(str(m.msg.get("X-Mailer", "")) for m in mails)
    for client in ("Coremail", "Foxmail", "Outlook 16", "Outlook Express"):
        assert client in mailers
    raw = [m.raw for m in mails]
    assert any(b"filename*0*=utf-8''" in r for r in raw)  # RFC 2231 with continuations
    assert any(b'filename="=?GB2312?B?' in r for r in raw)  # encoded word inside quotes (Foxmail)
    assert any(b'filename="=?GBK?B?' in r for r in raw)  # QQ Mail
    assert any(b'filename="=?UTF-8?B?' in r for r in raw)  # 163 webmail
    raw_gbk = "申报表".encode("gbk")
    assert any(b'filename="' in r and raw_gbk in r.split(b"\n\n", 1)[1] for r in raw)  # raw 8-bit GBK
    assert any(
        "X-QQ" in m.raw.decode("latin-1") or "application/octet-stream" in m.raw.decode("latin-1")
        for m in mails
    )


def test_every_attachment_name_decodes_to_chinese(mails: list[Mail]) -> None:
    names = [n for m in mails for n in m.names]
    assert len(names) >= 40
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names), names
    assert all(n.rsplit(".", 1)[-1] in ("docx", "pdf", "zip") for n in names)


# ------------------------------------------------------------------ the cases


def test_complete_on_time_mails_carry_word_and_pdf(mails: list[Mail]) -> None:
    complete = [
        m
        for m in mails
        if m.received() <= DEADLINE and len(m.data(".docx")) == 1 and len(m.data(".pdf")) == 1
    ]
    assert len(complete) >= 10
    for m in complete:
        assert m.data(".pdf")[0].startswith(b"%PDF-")


def test_no_attachment_question(mails: list[Mail]) -> None:
    (q,) = find(mails, "请问申报截止时间")
    assert q.parts == [] and "截止" in q.body()


def test_big_attachment_link_mail(mails: list[Mail]) -> None:
    (big,) = find(mails, "超大附件")
    assert big.parts == []
    assert "超大附件" in big.body() and "https://mail.163.com/large-attachment-download/" in big.body()


def test_cover_letter_only(mails: list[Mail]) -> None:
    (letter,) = [m for m in mails if m.names and all("函" in n for n in m.names)]
    data = letter.data(".docx")[0]
    assert not _has_table(data) and "函" in _docx_text(data)


def test_city_batch_has_three_forms_and_a_letter(mails: list[Mail]) -> None:
    (batch,) = find(mails, "市人社局关于报送")
    docx = [n for n in batch.names if n.endswith(".docx")]
    assert len(batch.data(".pdf")) == 3 and len(docx) == 4
    units = {re.sub(r"^\d\.|申报表\.docx$", "", n) for n in docx if "申报表" in n}
    assert len(units) == 3


def test_word_only_and_pdf_only(mails: list[Mail]) -> None:
    word_only = [
        m
        for m in mails
        if m.names and all(n.endswith(".docx") for n in m.names) and _has_table(m.data(".docx")[0])
    ]
    pdf_only = [m for m in mails if m.names and all(n.endswith(".pdf") for n in m.names)]
    assert len(word_only) == 1
    assert sorted(b"/Font" in m.data(".pdf")[0] for m in pdf_only) == [False, True]  # a scan, a text PDF


def test_form_rule_cases(mails: list[Mail]) -> None:
    texts = [_docx_text(d) for m in mails for d in m.data(".docx") if _opens(d)]
    assert any("☑财政资助项目" in t and "☑自筹经费项目" in t for t in texts)  # both ticked
    assert any("2025年11月3日" in t for t in texts)  # training after 2025-10-31
    assert any(re.search(r"[☑■√]\s*自筹经费项目（自筹经费来源：_+）", t) for t in texts)  # no source


def test_resubmission_same_sender_same_project(mails: list[Mail]) -> None:
    (fix,) = find(mails, "更正")
    sender = _raw_header(fix.msg, "From")
    earlier = [m for m in mails if _raw_header(m.msg, "From") == sender and m.received() < fix.received()]
    project = "智能建造与绿色建筑高级研修班"
    assert project in _docx_text(fix.data(".docx")[0])
    assert any(project in _docx_text(d) for m in earlier for d in m.data(".docx"))


def test_zip_has_gbk_member_names_without_utf8_flag(mails: list[Mail]) -> None:
    (zm,) = [m for m in mails if any(n.endswith(".zip") for n in m.names)]
    with zipfile.ZipFile(io.BytesIO(zm.data(".zip")[0])) as zf:
        infos = zf.infolist()
        assert all(not i.flag_bits & 0x800 for i in infos)
        names = [i.filename.encode("cp437").decode("gbk") for i in infos]
        assert any(n.endswith("申报表.docx") for n in names) and any(n.endswith(".pdf") for n in names)
        assert "申报表" in _docx_text(zf.read(infos[0]))


def test_corrupt_docx_present(mails: list[Mail]) -> None:
    broken = [d for m in mails for d in m.data(".docx") if not _opens(d)]
    assert len(broken) == 1 and broken[0].startswith(b"PK")


def test_scans_are_image_only_grayscale_and_unsealed(mails: list[Mail]) -> None:
    scans = [d for m in mails for d in m.data(".pdf") if b"/Font" not in d]
    assert len(scans) == 3
    assert sum(b"/DeviceGray" in d for d in scans) == 1
    colour = sorted(_red_pixels(d) for d in scans if b"/DeviceGray" not in d)
    sealed = scan_pdf(_sample_fields(), seal=True, grayscale=False)
    assert _red_pixels(sealed) > 200
    assert colour[0] < 20 and colour[1] > 200  # one colour scan without a seal, one with


@pytest.mark.slow
def test_pipeline_raises_each_case_flag(maildir: Path, tmp_path: Path) -> None:
    """End to end through every stage: each demo mail shows the flags it was written to show."""
    import json
    import shutil

    from core.flags import SPECS
    from intake.config import demo_config
    from intake.run import run_intake
    from samples.demo import demo_mails, message_id

    base = tmp_path / "run"
    shutil.copytree(maildir, base / "mailbox")
    summary = run_intake(demo_config(base))
    assert summary.exit_code == 0
    exported = {}
    for line in (base / "export.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        exported[record["message_id"]] = record
    for mail in demo_mails():
        record = exported[message_id(mail)]
        codes = {f["code"] for f in record["flags"]}
        codes |= {f["code"] for form in record["forms"] for f in form["flags"]}
        expected = {n for n in mail.notes if n in SPECS}
        assert expected <= codes, (mail.slug, codes)
        if mail.slug.startswith("ok-") or mail.slug == "city-batch":
            assert codes == set(), (mail.slug, codes)
        if "batch" in mail.notes:
            assert len(record["forms"]) == 3
        if "zip" in mail.notes:
            assert [len(f["sources"]) for f in record["forms"]] == [2]
    fix = exported[message_id(next(m for m in demo_mails() if m.slug == "resubmit-2"))]
    old = exported[message_id(next(m for m in demo_mails() if m.slug == "resubmit-1"))]
    assert old["forms"][0]["superseded_by"] == fix["forms"][0]["form_id"]
    assert fix["forms"][0]["superseded_by"] is None


def test_bench_generator_is_deterministic_and_realistic() -> None:
    from bench.generate import DEADLINE as BENCH_DEADLINE
    from bench.generate import generate

    first = list(generate(12, seed=5, doc_share=0, zip_share=0.25))
    assert first == list(generate(12, seed=5, doc_share=0, zip_share=0.25))
    times = [t for _, t in first]
    assert times == sorted(times) and all(t.utcoffset() is not None for t in times)
    assert all(t > datetime(2024, 12, 10, tzinfo=BJ) for t in times) and BENCH_DEADLINE == DEADLINE
    parsed = [Mail(data) for data, _ in first]
    assert all(m.names for m in parsed) and any(n.endswith(".zip") for m in parsed for n in m.names)
    docx = [d for m in parsed for d in m.data(".docx")]
    assert docx and all(_has_table(d) for d in docx)
    assert 100_000 < sum(len(d) for d, _ in first) / len(first) < 1_000_000  # ~300 KB like real mail


# ------------------------------------------------------------------ helpers


def _opens(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            zf.read("word/document.xml")
        return True
    except (zipfile.BadZipFile, KeyError):
        return False


def _has_table(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return b"<w:tbl>" in zf.read("word/document.xml")


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def _sample_fields() -> dict:
    from samples.formgen import sample_fields

    return sample_fields(7)


def _red_pixels(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        img = doc[0].render(scale=0.5).to_pil().convert("RGB")
    finally:
        doc.close()
    px = np.asarray(img, dtype=np.int16)
    return int(((px[..., 0] > 150) & (px[..., 1] < 90) & (px[..., 2] < 90)).sum())
