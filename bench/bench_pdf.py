"""Benchmark: text-PDF parse and seal check per page, against the floor (pypdfium2 text extraction).

    python bench/bench_pdf.py [--forms 40] [--libreoffice 4] [--repeat 3]

Forms come from samples.pdfgen.pdf_from_fields (hand-written text PDFs, realistic field values from
samples.formgen.sample_fields); with --libreoffice N, N more are exported by LibreOffice from .docx forms
(what applicants' "save as PDF" produces); a quarter as many image-only scans (scanned_pdf_from_fields)
show the seal check on a JPEG page, where the text floor is trivially small.  For each set it prints, per page (median of --repeat runs):
  floor      pypdfium2: open + get_textpage + get_text_range (all the text, no structure)
  plumber    pdfplumber extract_text (reference: the library our parser builds on)
  parse      parse_pdf(check_seal=False): classification + tables + cells + fields
  seal       parsers.seal.detect_seal at 72 dpi (render + mask + blobs)
  full       parse_pdf(check_seal=True)
and the ratios parse/floor and seal/floor; then, for the first page of each hand-written form, the split
of one full parse into its steps (each page is loaded once by pypdfium2 for classification and the seal
check; pdfplumber/pdfminer parses the same content stream again for the table cells).
One process, one core, CPU time (time.process_time).
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pdfplumber
import pypdfium2 as pdfium

from core.schema import DEFAULT_SCHEMA
from parsers import pdf_pages, pdf_text
from parsers.labels import labels_for
from parsers.pdf_form import parse_pdf
from parsers.seal import check_page, detect_seal
from samples.formgen import build_form_docx, sample_fields
from samples.pdfgen import pdf_from_fields, scanned_pdf_from_fields, text_pdf_from_docx


def floor_text(data: bytes) -> None:
    pdf = pdfium.PdfDocument(data)
    try:
        for page in pdf:
            text = page.get_textpage()
            text.get_text_range()
            text.close()
            page.close()
    finally:
        pdf.close()


def plumber_text(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def seal_only(data: bytes) -> None:
    pdf = pdfium.PdfDocument(data)
    try:
        detect_seal(pdf, text_pages=range(len(pdf)))
    finally:
        pdf.close()


def pages_of(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def per_page_ms(fn: Callable[[bytes], object], docs: Sequence[bytes], pages: int, repeat: int) -> float:
    """CPU time of this process (all work here is single-threaded), so other load on the machine does
    not inflate the figures; the median over `repeat` runs."""
    runs = []
    for _ in range(repeat):
        t0 = time.process_time()
        for data in docs:
            fn(data)
        runs.append((time.process_time() - t0) / pages * 1000)
    return statistics.median(runs)


def report(label: str, docs: Sequence[bytes], repeat: int) -> None:
    pages = sum(pages_of(d) for d in docs)
    figures = {
        "floor": per_page_ms(floor_text, docs, pages, repeat),
        "plumber": per_page_ms(plumber_text, docs, pages, repeat),
        "parse": per_page_ms(lambda d: parse_pdf(d, "x.pdf", check_seal=False), docs, pages, repeat),
        "seal": per_page_ms(seal_only, docs, pages, repeat),
        "full": per_page_ms(lambda d: parse_pdf(d, "x.pdf"), docs, pages, repeat),
    }
    print(f"\n{label}: {len(docs)} PDFs, {pages} pages, {sum(map(len, docs)) / len(docs) / 1024:.0f} KiB avg")
    for name, ms in figures.items():
        print(f"  {name:8s} {ms:8.2f} ms/page")
    print(
        f"  parse/floor {figures['parse'] / figures['floor']:.1f}x   seal/floor {figures['seal'] / figures['floor']:.1f}x"
        f"   parse/plumber-text {figures['parse'] / max(figures['plumber'], 1e-9):.2f}x"
    )


def stage_split(docs: Sequence[bytes], repeat: int) -> None:
    """CPU ms per page of each step of parse_pdf on a first page (pdfium doc open, page load, text-layer
    classification, seal render + mask on the already-loaded page, pdfplumber open + page.objects, and
    pdf_text's own work on those objects)."""
    totals: dict[str, float] = {}
    clock = time.process_time
    for _ in range(repeat):
        for data in docs:
            marks = [clock()]
            pdf = pdfium.PdfDocument(data)
            marks.append(clock())
            page = pdf[0]
            marks.append(clock())
            kind, _ = pdf_pages._page_kind_text(page)
            marks.append(clock())
            check_page(page, colour_expected=kind != "scanned")
            marks.append(clock())
            page.close()
            pdf.close()
            marks.append(clock())
            with pdfplumber.open(io.BytesIO(data), pages=[1]) as doc:
                plumber_page = doc.pages[0]
                plumber_page.objects  # noqa: B018 - pdfminer interpretation + a dict per object
                marks.append(clock())
                pdf_text._read_page(plumber_page, labels_for(DEFAULT_SCHEMA))
                marks.append(clock())
            names = (
                "pdfium doc open",
                "pdfium page load",
                "classify (textpage)",
                "seal render+mask",
                None,
                "plumber open+objects",
                "pdf_text own work",
            )
            for name, t0, t1 in zip(names, marks, marks[1:], strict=False):
                if name:
                    totals[name] = totals.get(name, 0.0) + t1 - t0
    print(f"\nsteps of one parse (first page of {len(docs)} forms, mean of {repeat} runs):")
    for name, secs in totals.items():
        print(f"  {name:22s} {secs / (len(docs) * repeat) * 1000:6.2f} ms/page")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=40, help="hand-written text PDFs (pdf_from_fields)")
    ap.add_argument("--libreoffice", type=int, default=4, help="LibreOffice-exported PDFs (0 to skip)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    fast = [pdf_from_fields(sample_fields(seed)) for seed in range(args.forms)]
    gen = (time.perf_counter() - t0) / max(1, args.forms) * 1000
    print(f"pdf_from_fields: {gen:.2f} ms per form (generation, for demo volume)")
    report("pdf_from_fields", fast, args.repeat)
    stage_split(fast, args.repeat)
    scans = [scanned_pdf_from_fields(sample_fields(seed)) for seed in range(max(1, args.forms // 4))]
    report("scanned (image-only, 100 dpi JPEG)", scans, args.repeat)
    if args.libreoffice and shutil.which("soffice"):
        lo = [text_pdf_from_docx(build_form_docx(sample_fields(100 + k))) for k in range(args.libreoffice)]
        report("LibreOffice export", lo, args.repeat)
    elif args.libreoffice:
        print("\nLibreOffice export: skipped (soffice not installed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
