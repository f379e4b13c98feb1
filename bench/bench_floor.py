"""Benchmark: a full first run of a mailbox against the floor, measured side by side (issue 10).

The floor is what no implementation can avoid: a bare lxml parse of every .docx's word/document.xml,
pypdfium2's text of every PDF page, and one LibreOffice batch for the legacy .doc files (the same
`parsers.convert` call a run makes, so both start soffice from the same kept profile).  The first run
is `run_intake` on a fresh data_dir with 2 parser workers, in a child process (its imports not
counted), on a Maildir written by bench/generate.py.  Runs alternate with floors; the load average is
printed with each, since the machine is shared.

    python bench/bench_floor.py [--mails 54] [--doc-share 0.06] [--repeat 3] [--root DIR]

`--root` runs the first run with another checkout's code (e.g. the commit before a change); mails and
floor stay the same.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = """
[mailbox]
kind = "maildir"
path = "{mail}"

[intake]
deadline = "2024-12-17T23:59:59+08:00"
training_end_limit = "2025-10-31"
data_dir = "{data}"
workers = 2

[report]
workbook = "{data}/申报汇总.xlsx"
summary_html = "{data}/summary.html"
export_jsonl = "{data}/export.jsonl"
"""

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from intake.config import load_config
from intake.run import run_intake
config = load_config(Path({config!r}))
cpu = lambda: sum(resource.getrusage(w)[0] + resource.getrusage(w)[1] for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
cpu0, t0 = cpu(), time.perf_counter()
summary = run_intake(config)
print(json.dumps({{"wall": time.perf_counter() - t0, "cpu": cpu() - cpu0, "processed": summary.processed,
                  "failed": summary.failed, "stages": getattr(summary, "stage_seconds", {{}})}}))
"""


def documents(maildir: Path) -> dict[str, list[bytes]]:
    """The docx, pdf and doc files of every mail, unpacked as a run unpacks them (not timed)."""
    from intake.archive import expand
    from intake.mime import parse_mail

    out: dict[str, list[bytes]] = {"docx": [], "pdf": [], "doc": []}
    for path in sorted(p for p in maildir.rglob("*") if p.is_file()):
        for att in parse_mail(path.read_bytes()).attachments:
            for item in expand(att.filename, att.data):
                if item.data is not None and item.kind in out:
                    out[item.kind].append(item.data)
    return out


def floor(docs: dict[str, list[bytes]]) -> dict[str, float]:
    """Wall seconds of the three unavoidable steps, one after the other in this process."""
    import pypdfium2 as pdfium
    from lxml import etree

    from parsers.convert import convert_to_docx

    t0 = time.perf_counter()
    for data in docs["docx"]:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            etree.fromstring(zf.read("word/document.xml"))
    t1 = time.perf_counter()
    for data in docs["pdf"]:
        pdf = pdfium.PdfDocument(data)
        for page in pdf:
            page.get_textpage().get_text_range()
        pdf.close()
    t2 = time.perf_counter()
    if docs["doc"]:
        results = convert_to_docx([(f"{i}.doc", d) for i, d in enumerate(docs["doc"])])
        assert all(r.data is not None for r in results), results
    t3 = time.perf_counter()
    return {"lxml": t1 - t0, "pdfium": t2 - t1, "libreoffice": t3 - t2, "total": t3 - t0}


def first_run(root: Path, maildir: Path, work: Path) -> dict[str, object]:
    data = work / f"data-{time.monotonic_ns()}"
    config = work / f"config-{time.monotonic_ns()}.toml"
    config.write_text(CONFIG.format(mail=maildir, data=data), encoding="utf-8")
    code = CHILD.format(root=str(root), config=str(config))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=False)
    if out.returncode not in (0,) or not out.stdout.strip():
        raise RuntimeError(out.stderr[-3000:])
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mails", type=int, default=54)
    parser.add_argument("--doc-share", type=float, default=0.06, help="share of mails sending a legacy .doc")
    parser.add_argument("--zip-share", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose code makes the first run")
    args = parser.parse_args(argv)

    from bench.generate import generate, write_maildir

    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        work = Path(tmp)
        maildir = work / "mail"
        write_maildir(
            maildir, generate(args.mails, seed=args.seed, doc_share=args.doc_share, zip_share=args.zip_share)
        )
        docs = documents(maildir)
        pages = 0
        import pypdfium2 as pdfium

        for data in docs["pdf"]:
            pages += len(pdfium.PdfDocument(data))
        print(
            f"mailbox: {args.mails} mails, {len(docs['docx'])} docx, {len(docs['pdf'])} pdf ({pages} pages), "
            f"{len(docs['doc'])} doc; first run with the code in {args.root}",
            flush=True,
        )
        floor(docs)  # warm: imports, and LibreOffice keeps its profile for every later call
        ratios, runs, floors = [], [], []
        for i in range(args.repeat):
            load = os.getloadavg()[0]
            run = first_run(args.root, maildir, work)
            f = floor(docs)
            runs.append(float(run["wall"]))  # type: ignore[arg-type]
            floors.append(f["total"])
            ratios.append(runs[-1] / f["total"])
            print(
                f"  round {i + 1} (load {load:.1f}): first run {run['wall']:.2f} s wall, {run['cpu']:.2f} s CPU "
                f"(processed {run['processed']}, failed {run['failed']}) | floor {f['total']:.2f} s "
                f"(lxml {f['lxml']:.3f}, pdfium {f['pdfium']:.2f}, LibreOffice {f['libreoffice']:.2f}) "
                f"| ratio {ratios[-1]:.2f}x",
                flush=True,
            )
            stages = run.get("stages") or {}
            if stages:
                shown = ", ".join(f"{k} {v:.2f}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1]))  # type: ignore[union-attr]
                print(f"    stages: {shown}", flush=True)
        print(
            f"median: first run {statistics.median(runs):.2f} s, floor {statistics.median(floors):.2f} s, "
            f"ratio {statistics.median(ratios):.2f}x (best {min(ratios):.2f}x)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
