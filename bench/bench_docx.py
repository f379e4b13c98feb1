"""Per-form time of parse_docx against a bare lxml parse of word/document.xml and against docx2python.

    /work/venv/bin/python bench/bench_docx.py [--forms-per-style 8] [--repeat 5]

Forms come from samples.formgen in every applicant style (plus the golden files if present); with
--libreoffice the same forms are also saved as .doc and back to .docx by LibreOffice, whose XML is
heavier and closer to what Word writes.  Each figure is the median over forms of the best of
--repeat runs, in process CPU time (the machine is shared; wall time would count waiting).  The
ratio target is parse_docx ≤ 3× the bare parse.  Stages are timed separately so a regression shows
where it is.
"""

from __future__ import annotations

import argparse
import functools
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree

from core.schema import DEFAULT_SCHEMA
from parsers import ooxml
from parsers.docx_form import _find, parse_docx
from parsers.labels import labels_for
from parsers.normalise import normalise
from samples.formgen import STYLES, build_form_docx, sample_fields


def _read(blocks: list[ooxml.Block]) -> object:
    """What parse_docx does after the walk: find the label/value pairs, read them into fields."""
    found = _find(blocks, labels_for(DEFAULT_SCHEMA))
    return normalise(found.pairs, DEFAULT_SCHEMA, year=found.year) if found else None


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        fn()
        best = min(best, (time.process_time() - t0) / 2)
    return best


def corpus(per_style: int) -> list[tuple[str, bytes]]:
    files = [
        (f"{style}-{i}", build_form_docx(sample_fields(1000 + i), style))
        for style in STYLES
        for i in range(per_style)
    ]
    golden = Path(__file__).resolve().parent.parent / "tests" / "golden"
    files += [(p.name, p.read_bytes()) for p in sorted(golden.glob("*.docx"))]
    return files


def libreoffice_versions(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The forms saved as .doc and back to .docx by LibreOffice (two soffice calls, private profile)."""
    exe = shutil.which("soffice")
    if exe is None:
        print("soffice not found: skipping the LibreOffice-written set")
        return []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for i, (_, data) in enumerate(files):
            (src / f"f{i:03d}.docx").write_bytes(data)
        base = [exe, f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}", "--headless", "--norestore"]
        subprocess.run(
            [*base, "--convert-to", "doc", "--outdir", f"{tmp}/doc", *map(str, sorted(src.iterdir()))],
            capture_output=True,
            timeout=600,
            check=False,
        )
        docs = sorted(Path(tmp, "doc").glob("*.doc"))
        subprocess.run(
            [*base, "--convert-to", "docx:MS Word 2007 XML", "--outdir", f"{tmp}/docx", *map(str, docs)],
            capture_output=True,
            timeout=600,
            check=False,
        )
        return [(f"lo-{p.stem}", p.read_bytes()) for p in sorted(Path(tmp, "docx").glob("*.docx"))]


def document_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("word/document.xml")


def _docx2python(data: bytes) -> Callable[[], object]:
    try:
        from docx2python import docx2python
    except ImportError:
        return lambda: None

    def run() -> object:
        with docx2python(io.BytesIO(data)) as doc:
            return doc.text

    return run


def measure(files: list[tuple[str, bytes]], repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {
        k: [] for k in ("lxml", "unzip_lxml", "load", "walk", "read", "parse_docx", "docx2python")
    }
    for name, data in files:
        xml = document_xml(data)
        root = ooxml.load_document(data)
        blocks = ooxml.walk_body(root)
        out["lxml"].append(best_of(functools.partial(etree.fromstring, xml), repeat))
        out["unzip_lxml"].append(best_of(lambda d=data: etree.fromstring(document_xml(d)), repeat))
        out["load"].append(best_of(functools.partial(ooxml.load_document, data), repeat))
        out["walk"].append(best_of(functools.partial(ooxml.walk_body, root), repeat))
        out["read"].append(best_of(functools.partial(_read, blocks), repeat))
        out["parse_docx"].append(best_of(functools.partial(parse_docx, data, name), repeat))
        out["docx2python"].append(best_of(_docx2python(data), max(1, repeat // 2)))
    return out


def report(title: str, files: list[tuple[str, bytes]], repeat: int) -> None:
    print(f"== {title}")
    sizes = [len(document_xml(d)) for _, d in files]
    print(
        f"{len(files)} forms, {len(STYLES)} styles; document.xml median {statistics.median(sizes) / 1024:.1f} KB, "
        f"docx median {statistics.median(len(d) for _, d in files) / 1024:.1f} KB"
    )
    t = measure(files, repeat)
    med = {k: statistics.median(v) * 1000 for k, v in t.items()}
    for k, v in med.items():
        print(
            f"  {k:12s} median {v:7.3f} ms/form   (p90 {sorted(t[k])[int(len(t[k]) * 0.9)] * 1000:7.3f} ms)"
        )
    ratios = [p / b for p, b in zip(t["parse_docx"], t["lxml"], strict=False)]
    print(
        f"parse_docx / bare lxml parse of document.xml: median {statistics.median(ratios):.2f}x "
        f"(max {max(ratios):.2f}x; target <= 3x)"
    )
    print(
        f"parse_docx / (unzip + lxml parse): median "
        f"{statistics.median(p / b for p, b in zip(t['parse_docx'], t['unzip_lxml'], strict=False)):.2f}x"
    )
    if med["docx2python"] > 0.01:
        print(
            f"docx2python / parse_docx: median "
            f"{statistics.median(d / p for d, p in zip(t['docx2python'], t['parse_docx'], strict=False)):.1f}x slower"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms-per-style", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--libreoffice", action="store_true", help="also time LibreOffice-written versions")
    args = ap.parse_args()
    files = corpus(args.forms_per_style)
    report("generated by samples.formgen (lean XML)", files, args.repeat)
    if args.libreoffice:
        lo = libreoffice_versions(files[: 3 * len(STYLES)])
        if lo:
            report("written by LibreOffice (.docx -> .doc -> .docx)", lo, args.repeat)


if __name__ == "__main__":
    main()
