"""Benchmark the attachment slice: extraction speed on the mail corpus, and .doc conversion batched vs one
LibreOffice call per file.

Usage: python bench/bench_attachments.py [--corpus DIR] [--rounds N] [--docs N] [--no-convert]
Prints figures; asserts nothing (timings are for the report, not for a test).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.archive import expand
from intake.mime import parse_mail, walk_attachments
from parsers.convert import convert_files, convert_to_docx, libreoffice_available


def bench_corpus(corpus: Path, rounds: int) -> None:
    raws = [f.read_bytes() for f in sorted((corpus / "messages").iterdir())]
    n_att = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for raw in raws:
            parts, _ = walk_attachments(raw)
            n_att += sum(p.is_attachment for p in parts)
    walk_s = time.perf_counter() - t0
    n_full = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for raw in raws:
            for a in parse_mail(raw).attachments:
                n_full += len(expand(a.filename, a.data))
    full_s = time.perf_counter() - t0
    mb = sum(map(len, raws)) * rounds / 1e6
    print(f"corpus: {len(raws)} messages, {mb / rounds:.1f} MB, {rounds} rounds")
    print(
        f"  MIME walk:               {n_att / walk_s:8.0f} attachments/s  ({len(raws) * rounds / walk_s:.0f} messages/s, {mb / walk_s:.1f} MB/s)"
    )
    print(
        f"  parse_mail + expand:     {n_full / full_s:8.0f} items/s        ({len(raws) * rounds / full_s:.0f} messages/s)"
    )


def _form_docx(i: int) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(f"专业技术人员继续教育高级研修项目申报表 {i}")
    t = d.add_table(rows=60, cols=4)
    for r in range(60):
        for c in range(4):
            t.cell(r, c).text = f"项目名称{r}-{c}" if c % 2 == 0 else f"内容 {i} {r} {c}"
    for p in range(30):
        d.add_paragraph(f"第{p}段：申报单位、联系人、办班时间、培训对象等说明文字。")
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


def bench_convert(n: int) -> None:
    if not libreoffice_available():
        print("conversion: soffice not installed, skipped")
        return
    docs = convert_files([(f"form{i}.docx", _form_docx(i)) for i in range(n)], target="doc")
    items = [(f"申报表{i}.doc", r.data) for i, r in enumerate(docs) if r.data]
    print(
        f"conversion: {len(items)} .doc files of {sum(len(d) for _, d in items) / len(items) / 1024:.0f} KB each"
    )
    t0 = time.perf_counter()
    res = convert_to_docx(items)
    batched = time.perf_counter() - t0
    ok_b = sum(r.data is not None for r in res)
    t0 = time.perf_counter()
    ok_s = sum(convert_to_docx([it])[0].data is not None for it in items)
    single = time.perf_counter() - t0
    print(
        f"  one call for all:  {batched:6.2f} s total, {batched / len(items):.3f} s/file ({ok_b}/{len(items)} converted)"
    )
    print(
        f"  one call per file: {single:6.2f} s total, {single / len(items):.3f} s/file ({ok_s}/{len(items)} converted)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("/work/shared/mailcorpus"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--no-convert", action="store_true")
    args = ap.parse_args()
    if (args.corpus / "messages").is_dir():
        bench_corpus(args.corpus, args.rounds)
    else:
        print(f"corpus not found at {args.corpus}, skipped")
    if not args.no_convert:
        bench_convert(args.docs)


if __name__ == "__main__":
    main()
