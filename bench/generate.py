"""Realistic submission mails in volume, for benchmarks: `generate(n)` yields (RFC 822 bytes, receipt time).

Each mail is what a unit really sends: a filled 申报表 .docx (with the unit's e-seal picture pasted in,
which is what makes real Word files 100–300 KB) and a text PDF with a red seal, from one of the common
clients (163 webmail, QQ Mail, Foxmail, Outlook, an old raw-GBK client).  Some send a legacy .doc (made
once per run by LibreOffice, reused under varied names; skipped without soffice), some a GBK zip.
Receipt times spread over the collection window with the usual rush before the deadline, a few late.

The expensive parts (seal pictures, the .doc) are made once and cached; fields vary per mail cheaply.

    python bench/generate.py N OUTDIR [--seed S] [--doc-share F] [--zip-share F]   # writes a Maildir
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from samples.demo import MIME_TYPES, DemoFile, DemoMail, gbk_zip, render_mail  # noqa: E402

__all__ = ["generate", "generate_mails", "write_maildir"]

BJ = ZoneInfo("Asia/Shanghai")
WINDOW_START = datetime(2024, 12, 10, 9, 0, tzinfo=BJ)  # the notice went out on 2024-12-10
DEADLINE = datetime(2024, 12, 17, 23, 59, 59, tzinfo=BJ)
LATE_SHARE = 0.01
_CLIENT_WEIGHTS = {"163": 40, "qq": 25, "foxmail": 15, "outlook": 15, "old": 5}
_SUBJECTS = (
    "{org}—2025年高级研修项目申报",
    "关于报送2025年高级研修项目申报材料的函（{org}）",
    "{org}申报专业技术人员知识更新工程2025年高级研修项目",
    "高级研修项目申报表-{org}",
)


# ------------------------------------------------------------------ cached expensive parts


@functools.cache
def _seal_pictures() -> tuple[bytes, ...]:
    """E-seal pictures as units paste them into Word: a scanned red stamp on slightly noisy paper."""
    import numpy as np
    from PIL import Image

    from samples.pdfgen import stamp_image

    pictures = []
    for k, px in enumerate((760, 900, 1040, 1180)):
        noise = np.random.default_rng(k).normal(246, 7, (px, px, 3)).clip(0, 255).astype("uint8")
        paper = Image.fromarray(noise, "RGB")
        stamp = stamp_image(int(px * 0.8))
        paper.paste(stamp, (px // 10, px // 10), stamp)
        out = io.BytesIO()
        paper.save(out, "JPEG", quality=88)
        pictures.append(out.getvalue())
    return tuple(pictures)


@functools.lru_cache(maxsize=1)
def _doc_template() -> tuple[bytes, dict[str, Any]] | None:
    """A legacy .doc made by LibreOffice from a filled form, with that form's fields (None: no soffice)."""
    from samples.formgen import build_form_docx, sample_fields

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    fields = sample_fields(424242)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "form.docx"
        src.write_bytes(build_form_docx(fields, "glyph"))
        profile = Path(tmp, "profile").as_uri()  # a private profile: never collide with another soffice
        cmd = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            tmp,
            str(src),
        ]
        try:
            subprocess.run(cmd, check=False, capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            return None
        out = Path(tmp) / "form.doc"
        return (out.read_bytes(), fields) if out.exists() else None


def _with_picture(docx: bytes, picture: bytes) -> bytes:
    """The docx with the seal picture as a media part (related from the document, as Word stores it)."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml" and b'Extension="jpeg"' not in data:
                jpeg = b'<Default Extension="jpeg" ContentType="image/jpeg"/>'
                data = data.replace(b"<Default ", jpeg + b"<Default ", 1)
            if info.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSeal1" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/image" '
                    b'Target="media/image1.jpeg"/></Relationships>',
                )
            dst.writestr(info, data)
        media = zipfile.ZipInfo("word/media/image1.jpeg", date_time=(2024, 12, 12, 9, 0, 0))
        dst.writestr(media, picture)  # JPEG: stored as Word does (deflate gains nothing)
    return out.getvalue()


# ------------------------------------------------------------------ one mail


def _receipt_times(n: int, rnd: random.Random) -> list[datetime]:
    """Receipt times over the window, most of them in the last days (the deadline rush)."""
    span = (DEADLINE - WINDOW_START).total_seconds()
    times = []
    for _ in range(n):
        if rnd.random() < LATE_SHARE:
            times.append(DEADLINE + timedelta(seconds=rnd.randint(2, 36 * 3600)))
        else:
            times.append(WINDOW_START + timedelta(seconds=int(span * rnd.betavariate(2.6, 1.0))))
    return sorted(times)


def _attachments(
    i: int, fields: Mapping[str, Any], rnd: random.Random, doc_share: float, zip_share: float
) -> tuple[DemoFile, ...]:
    from samples.formgen import STYLES, build_form_docx
    from samples.pdfgen import pdf_from_fields

    org = fields.get("declared_org") or f"申报单位{i}"
    roll = rnd.random()
    template = _doc_template() if roll < doc_share else None
    if template is not None:  # the .doc carries the template's own fields, so Word and PDF still match
        doc, doc_fields = template
        return (
            DemoFile(f"{org}申报表（{i}）.doc", doc, MIME_TYPES["doc"]),
            DemoFile(f"{org}申报表（{i}）.pdf", pdf_from_fields(doc_fields), MIME_TYPES["pdf"]),
        )
    docx = _with_picture(build_form_docx(fields, STYLES[i % len(STYLES)]), rnd.choice(_seal_pictures()))
    pdf = pdf_from_fields(fields, seal=rnd.random() > 0.03)
    word_name, pdf_name = (
        f"{org}-2025年高级研修项目申报表.docx",
        f"{org}-2025年高级研修项目申报表（盖章）.pdf",
    )
    if roll > 1 - zip_share:
        packed = gbk_zip([(f"{org}申报材料/{word_name}", docx), (f"{org}申报材料/{pdf_name}", pdf)])
        return (DemoFile(f"{org}申报材料.zip", packed, MIME_TYPES["zip"]),)
    return (DemoFile(word_name, docx, MIME_TYPES["docx"]), DemoFile(pdf_name, pdf, MIME_TYPES["pdf"]))


def _mail(i: int, seed: int, received: datetime, doc_share: float, zip_share: float) -> bytes:
    from samples.formgen import sample_fields

    rnd = random.Random(seed * 1_000_003 + i)
    fields = sample_fields(seed * 100_000 + i)
    org = str(fields.get("declared_org") or f"申报单位{i}")
    contact = str((fields.get("applicant") or {}).get("contact") or "联系人")
    client = rnd.choices(list(_CLIENT_WEIGHTS), weights=list(_CLIENT_WEIGHTS.values()))[0]
    body = (
        f"省人社厅专技处：\n  您好！现报送{org}2025年高级研修项目申报材料（Word版及盖章扫描PDF版），请审核。\n"
        f"联系人：{contact}\n"
    )
    mail = DemoMail(
        f"bench-{seed}-{i}",
        client,
        org if client in ("163", "outlook") else contact,
        f"unit{seed}x{i}@{rnd.choice(('163.com', 'qq.com', 'foxmail.com', 'hbedu.cn'))}",
        rnd.choice(_SUBJECTS).format(org=org),
        body,
        received,
        _attachments(i, fields, rnd, doc_share, zip_share),
        html=client in ("163", "qq"),
    )
    return render_mail(mail)


def generate(
    n: int, seed: int = 0, *, doc_share: float = 0.05, zip_share: float = 0.05
) -> Iterator[tuple[bytes, datetime]]:
    """N realistic submission mails in receipt order: (RFC 822 bytes, aware receipt time)."""
    times = _receipt_times(n, random.Random(seed))
    for i, received in enumerate(times):
        yield _mail(i, seed, received, doc_share, zip_share), received


generate_mails = generate  # the name bench/bench_pipeline.py looks for


def write_maildir(out: Path, mails: Iterator[tuple[bytes, datetime]]) -> tuple[int, int]:
    """Write mails into a Maildir's cur/ with receipt-time mtimes; returns (count, total bytes)."""
    for sub in ("cur", "new", "tmp"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    count = size = 0
    for count, (data, received) in enumerate(mails, 1):
        path = out / "cur" / f"{int(received.timestamp())}.B{count:06d}.bench:2,S"
        path.write_bytes(data)
        os.utime(path, (received.timestamp(), received.timestamp()))
        size += len(data)
    return count, size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write N realistic 申报表 submission mails into a Maildir.")
    ap.add_argument("n", type=int, help="number of mails")
    ap.add_argument("outdir", type=Path, help="Maildir to create (cur/ new/ tmp/)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--doc-share", type=float, default=0.05, help="share of mails with a legacy .doc")
    ap.add_argument("--zip-share", type=float, default=0.05, help="share of mails with a GBK zip")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    count, size = write_maildir(
        args.outdir, generate(args.n, args.seed, doc_share=args.doc_share, zip_share=args.zip_share)
    )
    took = time.perf_counter() - started
    print(
        f"{count} mails, {size / 1e6:.1f} MB (mean {size / max(count, 1) / 1e3:.0f} KB) in {took:.2f} s "
        f"({took / max(count, 1) * 1e3:.1f} ms/mail)"
        + (f"; .doc available: {_doc_template() is not None}" if args.doc_share > 0 else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
